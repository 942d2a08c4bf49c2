"""schemathesis against the API's own OpenAPI schema, as every role and anonymous.

For each role, every operation gets generated requests (valid by the schema, with real codes
and ids of the two counties' rows mixed in so that details and writes reach real objects). Every
answer must be no server error and must conform to the schema: a documented status, content
type, headers and body, for valid requests and for invalid ones alike. `TEPAI_SCHEMATHESIS_EXAMPLES` (default 4) sets the examples per
operation; the number of cases run is written to the log (and to schemathesis-cases.txt in
the test's temporary folder) so the note can quote it.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.checks import not_a_server_error
from schemathesis import GenerationMode

from tests.api import build_two_counties

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = int(os.environ.get("TEPAI_SCHEMATHESIS_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance, response_schema_conformance]
ROLES = ["anonymous", "no_role", "city_coordinator", "county_coordinator", "leader_city", "leader_wuhe", "specialist"]
CASES = {}


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The requests go through the WSGI application, not Django's test client, so Django would close
    the database connection at the end of each one, and with it the test's transaction (PostgreSQL
    answers "the connection is closed"). Do what the test client does: leave it open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _schema():
    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = get_wsgi_application()
    return loaded


def _real_values(two_counties):
    """Path values that name rows which exist, on both sides, so that details do not all answer 404."""
    values = {}
    for side in (two_counties.huaiyuan, two_counties.wuhe):
        values.setdefault("code", []).extend([side.county.code, side.town.code, side.village.code])
        values.setdefault("id", []).extend(
            [side.specialist.pk, side.team.pk, side.assignment.pk, side.industry_assignment.pk, side.enterprise.pk,
             side.organisation.pk, side.industry.pk]
        )
    return values


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_documented_and_never_5xx(role, tmp_path):
    two_counties = build_two_counties()
    # identity: the WSGI transport asks for gzip (GZipMiddleware then compresses) but does not decode it.
    headers = {"Accept-Language": "en", "Accept-Encoding": "identity"}
    if role != "anonymous":
        headers["Authorization"] = f"Bearer {RefreshToken.for_user(two_counties.users[role]).access_token}"
    real = _real_values(two_counties)
    schema = _schema()
    count = 0
    failures = []

    for result in schema.get_all_operations():
        operation = result.ok()

        # Valid requests and invalid ones (wrong types, missing fields, bad formats): both must get a
        # documented answer, and invalid ones a 4xx, never a 5xx.
        strategy = st.one_of(operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy, pick=st.randoms(use_true_random=False))
        def run(case, pick):
            nonlocal count
            for name in list(case.path_parameters or {}):
                if name in real and pick.random() < 0.7:
                    case.path_parameters[name] = pick.choice(real[name])
            count += 1
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            except Exception as error:  # collected, so one run reports every failing operation
                failures.append(f"{operation.label}: {str(error)[:800]}")
                raise

        try:
            run()
        except Exception:
            pass  # recorded in failures

    CASES[role] = count
    (tmp_path / "schemathesis-cases.txt").write_text(f"{role} {count}\n")
    print(f"schemathesis: {role}: {count} cases over the schema's operations")
    assert count > 0
    assert failures == [], "\n\n".join(dict.fromkeys(failures))
