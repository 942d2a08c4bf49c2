"""Fixtures the API tests share."""

import pytest

from tests.api import build_world


@pytest.fixture
def world():
    """Two county-level units, 怀远县 and 五河县, each with its rows, and a user of every role."""
    return build_world()


@pytest.fixture
def media(settings, tmp_path):
    """Stored files go to the test's own folder (a module asks for it with usefixtures)."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
