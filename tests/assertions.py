"""Checks that model tests share: a row refused by validation, or by the database itself."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction


def clean_errors(obj):
    """The full_clean() errors by field; fails the test if there are none."""
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


def refused_by_database(create):
    # Inside its own savepoint, so that the test's transaction survives on PostgreSQL. A code too
    # long for its column is a DataError on PostgreSQL (varchar) and breaks the CHECK on SQLite.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        create()
