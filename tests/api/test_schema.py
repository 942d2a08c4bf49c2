"""The OpenAPI schema validates, and the docs are served without any CDN."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient


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


WRITES = ("post", "put", "patch")


def test_every_write_lists_413_and_415_and_no_read_does():
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()

    operations = [(path, method, operation) for path, item in schema["paths"].items() for method, operation in item.items()]
    writes = [(path, method) for path, method, _operation in operations if method in WRITES]
    assert ("/api/v1/auth/token/", "post") in writes and ("/api/v1/service-logs/{uuid}/photos/", "post") in writes
    for path, method, operation in operations:
        expected = method in WRITES
        assert ("413" in operation["responses"], "415" in operation["responses"]) == (expected, expected), (method, path)
        if expected:
            assert operation["responses"]["415"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    # An operation's own 413 description is kept.
    evidence = schema["paths"]["/api/v1/achievements/{uuid}/evidence/"]["post"]["responses"]["413"]
    assert "TEPAI_EVIDENCE_MAX_BYTES" in evidence["description"]


def test_the_schema_has_no_browsable_api_or_catch_all():
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()

    media_types = {
        media for item in schema["paths"].values() for operation in item.values()
        for response in operation["responses"].values() for media in response.get("content", {})
    }
    assert "text/html" not in media_types
    assert all(path.endswith("/") and "{path}" not in path for path in schema["paths"])


def test_the_docs_page_loads_everything_from_the_project():
    response = APIClient().get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    external = [url for url in re.findall(r'(?:src|href)="([^"]+)"', html) if url.startswith(("http:", "https:", "//"))]
    assert external == []


def _subset_problems(before, now, where="#"):
    """Where `before` (a schema as it was) is not contained in `now`: a key, a list item or a value gone or changed.

    Descriptions and help texts may be reworded; everything else must stay as it was, or only grow."""
    if isinstance(before, dict):
        if not isinstance(now, dict):
            return [f"{where}: no longer an object"]
        problems = []
        for key, value in before.items():
            if key in ("description", "summary", "title"):
                continue
            if key == "format" and value in ("int32", "int64"):
                continue  # an integer column's width: the database backend's, as are its bounds below
            if key not in now:
                problems.append(f"{where}/{key}: removed")
            else:
                problems += _subset_problems(value, now[key], f"{where}/{key}")
        return problems
    if isinstance(before, list):
        if not isinstance(now, list):
            return [f"{where}: no longer a list"]
        if all(isinstance(item, dict) and "name" in item for item in before):
            by_name = {(item.get("in"), item["name"]): item for item in now if isinstance(item, dict) and "name" in item}
            problems = []
            for item in before:
                match = by_name.get((item.get("in"), item["name"]))
                problems += [f"{where}/{item['name']}: removed"] if match is None else _subset_problems(item, match, f"{where}/{item['name']}")
            return problems
        return [f"{where}: {item!r} removed" for item in before if item not in now]
    if where.endswith(("/maximum", "/minimum")) and {abs(before), abs(now)} <= DATABASE_INTEGER_LIMITS:
        return []  # an integer column's bound: the database's, which differs between SQLite and PostgreSQL
    return [] if before == now else [f"{where}: {before!r} became {now!r}"]


# The bounds of integer columns as drf-spectacular reads them from the database backend.
DATABASE_INTEGER_LIMITS = {2**31 - 1, 2**31, 2**63 - 1, 2**63, 32767, 32768}


def test_the_schema_keeps_every_operation_and_field_it_had_before_the_division_tree():
    """Issue 12 changed the code's layout, not the API: the schema then (tests/api/schema_before_issue_12.yaml,
    from the last commit before it) holds nothing today's lacks. Only additions, and rewordings."""
    import yaml
    from drf_spectacular.generators import SchemaGenerator

    before = yaml.safe_load((Path(__file__).parent / "schema_before_issue_12.yaml").read_text(encoding="utf-8"))
    now = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))

    assert _subset_problems(before, now) == []
    # It can fail: a removed operation and a changed type are found.
    broken = json.loads(json.dumps(now))
    del broken["paths"]["/api/v1/me/"]
    broken["components"]["schemas"]["Village"]["properties"]["code"]["type"] = "integer"
    assert _subset_problems(before, broken) == ["#/paths//api/v1/me/: removed",
                                                "#/components/schemas/Village/properties/code/type: 'string' became 'integer'"]
