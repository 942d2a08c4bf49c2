"""Fixtures the API tests share."""

import pytest
from django.utils import translation

from tests.api import build_two_counties


@pytest.fixture(autouse=True)
def keep_language():
    """The API activates the language a request asks for in the test's thread; put it back after."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def two_counties():
    """Two county-level units, 怀远县 and 五河县, each with its rows, and a user of every role."""
    return build_two_counties()
