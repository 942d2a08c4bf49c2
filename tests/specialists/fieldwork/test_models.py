"""The rules each fieldwork row guards itself (enterprises, income increases): through full_clean() (what
the admin, the API and the importers call) and through the database's own constraints."""

import datetime

import pytest

from specialists.fieldwork.models import Enterprise, IncomeIncrease
from tests import factories as f
from tests.assertions import clean_errors, refused_by_database

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

D = datetime.date


# Economic entities and income


def enterprise(specialist, credit_code):
    return Enterprise(
        name="张庄石榴合作社", credit_code=credit_code, kind=Enterprise.Kind.COOPERATIVE, relation=Enterprise.Relation.LED,
        specialist=specialist, date=D(2022, 5, 1),
    )


def test_enterprise_credit_code_is_checked():
    specialist = f.make_specialist()

    enterprise(specialist, "91110000600037341L").full_clean()
    # A wrong check character is well-formed, so only full_clean() can see it.
    assert clean_errors(enterprise(specialist, "91110000600037341M")) == {
        "credit_code": ["The check character of credit code 91110000600037341M is wrong: it should be L."]
    }


@pytest.mark.parametrize("credit_code", ["91110000600037341O", "9111000060003734IL", "91A10000600037341L", "9111000060003734lL"])
def test_the_database_refuses_a_malformed_credit_code(credit_code):
    malformed = enterprise(f.make_specialist(), credit_code)

    assert list(clean_errors(malformed)) == ["credit_code"]
    refused_by_database(malformed.save)


def test_enterprise_credit_code_is_unique():
    specialist = f.make_specialist()
    enterprise(specialist, "91110000600037341L").save()

    refused_by_database(enterprise(specialist, "91110000600037341L").save)


def test_income_increase_once_a_year_per_specialist():
    first = f.make_income_increase(year=2022, farmer_yuan=50_000)
    again = IncomeIncrease(specialist=first.specialist, year=2022, farmer_yuan=10_000)

    assert "__all__" in clean_errors(again)
    refused_by_database(again.save)
    IncomeIncrease(specialist=first.specialist, year=2023, farmer_yuan=10_000).full_clean()


@pytest.mark.parametrize("field", ["farmer_yuan", "collective_yuan"])
def test_income_increase_is_not_negative(field):
    negative = IncomeIncrease(specialist=f.make_specialist(), year=2022, **{field: -1})

    assert list(clean_errors(negative)) == [field]
    refused_by_database(negative.save)
