"""Fixtures the coverage API tests share."""

import pytest

from specialists.access.models import UserRole
from tests import factories as f


@pytest.fixture
def leader():
    """A leader of the whole city."""
    return f.make_user_role(role=UserRole.Role.LEADER).user
