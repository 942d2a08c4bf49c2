"""The OpenAPI schema validates, and the docs are served without any CDN."""

import io
import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.api import keep_language  # noqa: F401 (an autouse fixture)

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    out = io.StringIO()

    # --fail-on-warn exits non-zero (SystemExit) on any warning or validation error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"), stdout=out, stderr=out)

    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/villages/" in schema
    assert "#/components/schemas/Error" in schema


def test_the_schema_is_served_and_lists_error_responses():
    response = APIClient().get("/api/v1/schema/", {"format": "json"})

    schema = response.json()
    village_list = schema["paths"]["/api/v1/villages/"]["get"]
    assert {"200", "400", "401", "403", "404"} <= set(village_list["responses"])
    assert schema["components"]["schemas"]["PaginatedVillageList"]["properties"].keys() >= {"count", "next", "previous", "results"}
    create = schema["paths"]["/api/v1/village-assignments/"]["post"]
    assert {"201", "400", "401", "403", "409", "422"} <= set(create["responses"])


def test_the_docs_page_loads_everything_from_the_project():
    response = APIClient().get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    external = [url for url in re.findall(r'(?:src|href)="([^"]+)"', html) if url.startswith(("http:", "https:", "//"))]
    assert external == []
