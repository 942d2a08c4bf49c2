"""Hostile input answers 400 in the API's one error shape, never a 500.

A JSON body nested thousands deep would exhaust Python's recursion in json.loads (a RecursionError, a 500):
api.parsers refuses anything deeper than JSON_MAX_DEPTH before parsing it, on every route, sign-in included.

A NUL character cannot be stored in PostgreSQL's text (psycopg refuses to send one: a 500), while SQLite
takes it, so the walks below run on both: the embedded pass runs them on SQLite, the services pass on
PostgreSQL. Each walk reads the routes and their parameters from the API's own OpenAPI schema, so a new
route or parameter is walked too.
"""

import io
import json
import uuid

import pytest
from django.db import connection
from drf_spectacular.generators import SchemaGenerator
from PIL import Image
from rest_framework.test import APIClient

from api.parsers import JSON_MAX_DEPTH, json_depth
from specialists.assignments.models import VillageAssignment
from specialists.imports.models import ImportJob
from tests import factories as f
from tests.api.test_errors import awaiting_translation

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
NUL_REFUSED = "Null characters are not allowed."  # Django's message, which DRF's CharField answers too
TOO_DEEP = "The data sent is nested more than %(max)s levels deep; at most %(max)s levels are allowed."


def _client(user=None, language="en"):
    # raise_request_exception=False: a 500 is an answer to check, not an exception in the test.
    client = APIClient(headers={"Accept-Language": language}, raise_request_exception=False)
    if user is not None:
        client.force_authenticate(user)
    return client


def _drained(response):
    """The response, its streamed body read: a CSV export streams, and a query failing mid-file would fail here."""
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response


# --- a JSON body nested too deep -----------------------------------------------------------------------------

def _nested(depth):
    return "[" * depth + "]" * depth


@pytest.fixture
def specialist_client(two_counties):
    return _client(two_counties.users["specialist"])


@pytest.fixture
def coordinator_client(two_counties):
    return _client(two_counties.users["city_coordinator"])


@pytest.mark.parametrize("body", [_nested(5000), '{"a":' * 5000 + "1" + "}" * 5000, "[" * 5000],
                         ids=["arrays", "objects", "unclosed"])
def test_a_json_body_nested_thousands_deep_is_refused_before_sign_in(body):
    response = _client().generic("POST", TOKEN, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"code": "too_deep", "message": TOO_DEEP % {"max": 32}, "fields": {}}


@pytest.mark.parametrize(("route", "role"), [("/api/v1/service-logs/", "specialist"), ("/api/v1/village-assignments/", "city_coordinator"),
                                             ("/api/v1/map-jobs/", "leader_city"), ("/api/v1/auth/logout/", "specialist")])
def test_a_json_body_nested_thousands_deep_is_refused_on_a_signed_in_write(two_counties, route, role):
    response = _client(two_counties.users[role]).generic("POST", route, _nested(5000), content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (400, "too_deep")
    assert VillageAssignment.objects.count() == 2  # build_two_counties's own: nothing was written


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", TOO_DEEP % {"max": 32}),
     pytest.param("zh-hans", "提交的数据嵌套超过 32 层；最多允许 32 层。", marks=awaiting_translation(TOO_DEEP))],
)
def test_the_depth_refusal_is_in_the_requests_language(language, message):
    response = _client(language=language).generic("POST", TOKEN, _nested(100), content_type="application/json")

    assert response.json()["message"] == message


def test_the_limit_is_json_max_depth_levels():
    inside = JSON_MAX_DEPTH - 1  # the object around the username is the first level
    at_limit = json.dumps({"username": json.loads(_nested(inside)), "password": "x"})
    over_limit = json.dumps({"username": json.loads(_nested(inside + 1)), "password": "x"})

    read = _client().generic("POST", TOKEN, at_limit, content_type="application/json")
    refused = _client().generic("POST", TOKEN, over_limit, content_type="application/json")

    # At the limit the body is parsed, and the serializer refuses a username that is not a string.
    assert (read.status_code, read.json()["fields"]) == (400, {"username": ["Not a valid string."]})
    assert (refused.status_code, refused.json()["code"]) == (400, "too_deep")


def test_brackets_inside_strings_are_not_nesting(two_counties):
    body = json.dumps({"username": "[" * 5000 + "{" * 5000, "password": "x"})

    response = _client().generic("POST", TOKEN, body, content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (401, "no_active_account")


@pytest.mark.parametrize(
    ("text", "depth"),
    [("1", 0), ('"[[["', 0), ("[]", 1), ("[{}]", 2), ('{"a": [1, {"b": "]]]}}"}]}', 3), ('["\\"[", [[]]]', 3),
     # Malformed text too: at least as deep as json.loads would get before failing.
     ("[[[", 3), ('["unclosed [[[', 1), ('"\\', 0)],
)
def test_json_depth_counts_brackets_outside_strings(text, depth):
    assert json_depth(text) == depth


# --- a NUL character in a query parameter --------------------------------------------------------------------

# Parameters that never reach a query: DRF's paginator reads `page` as a number (404 "Invalid page." for
# anything else) and `page_size` as one or not at all (the default page size); a `format` that names no
# renderer is DRF's 404. Every other parameter is refused, naming it.
NOT_FILTERS = {"page": 404, "page_size": 200}
TEXT_PARAMETERS = {"county", "town", "village", "search", "ordering"}


def _expected_status(path, name):
    if name == "format" and not path.endswith("/export/"):
        return 404
    return NOT_FILTERS.get(name, 400)


def _operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return schema, [(path, method, operation) for path, item in sorted(schema["paths"].items())
                    for method, operation in item.items() if method in ("get", "post", "put", "patch", "delete")]


def _path_values(two_counties):
    """A value for each path parameter, naming 怀远县's rows; a file's UUID names no file, which no walk needs."""
    log = f.make_service_log(specialist=two_counties.huaiyuan.specialist, village=two_counties.huaiyuan.village)
    achievement = f.make_achievement(specialist=two_counties.huaiyuan.specialist)
    job = f.make_map_job(county=two_counties.huaiyuan.county, requested_by=two_counties.users["city_coordinator"])
    imported = ImportJob.objects.create(kind="specialists", file="imports/x.csv", file_name="x.csv", sha256="0" * 64, size=1)
    return {"code": two_counties.huaiyuan.village.code, "kind": "specialists", "imports": str(imported.pk), "photo_uuid": str(uuid.uuid4()), "evidence_uuid": str(uuid.uuid4()),
            # A resource's own row, by its `id` or `uuid`:
            "service-logs": str(log.uuid), "achievements": str(achievement.uuid),
            "village-assignments": str(two_counties.huaiyuan.assignment.pk), "industry-assignments": str(two_counties.huaiyuan.industry_assignment.pk),
            "map-jobs": str(job.pk), "enterprises": str(two_counties.huaiyuan.enterprise.pk), "industries": str(two_counties.huaiyuan.industry.pk),
            "organisations": str(two_counties.huaiyuan.organisation.pk), "specialists": str(two_counties.huaiyuan.specialist.pk),
            "teams": str(two_counties.huaiyuan.team.pk)}


def _path_parameters(path):
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def _fill(path, values, nul_in=None):
    """The path with its parameters' values (a resource's own `id` or `uuid` is its row's), a NUL after `nul_in`'s."""
    url = path
    for name in _path_parameters(path):
        value = values[path.split("/")[3]] if name in ("id", "uuid") else values[name]
        url = url.replace(f"{{{name}}}", value + ("%00" if name == nul_in else ""))
    return url


def _on(database):
    if connection.vendor != database:
        pytest.skip(f"the {'embedded' if database == 'sqlite' else 'services'} pass runs it on {database}")


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services("postgresql"))])
def test_a_nul_in_any_query_parameter_of_any_route_answers_400_naming_it(two_counties, database):
    _on(database)
    client = _client(two_counties.users["city_coordinator"])
    values = _path_values(two_counties)
    _schema, operations = _operations()
    problems, seen = [], set()

    for path, method, operation in operations:
        query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        for name in query if method == "get" else []:
            response = _drained(client.get(_fill(path, values), {name: "349321\x0001"}))
            seen.add(name)
            expected = _expected_status(path, name)
            where = f"GET {path} ?{name}= -> {response.status_code}"
            if response.status_code != expected:
                problems.append(f"{where}, not {expected}")
            elif expected == 400:
                body = response.json()
                if body["code"] != "invalid" or set(body["fields"]) != {name}:
                    problems.append(f"{where}: {body}")
                # A parameter read as text says why (a coverage route's message leads with the parameter's
                # name in words); one read as a number, a day or a choice says it is none.
                elif name in TEXT_PARAMETERS and not any(message.endswith(NUL_REFUSED) for message in body["fields"][name]):
                    problems.append(f"{where}: {body}")

    assert problems == [], "\n".join(problems)
    # The walk walked: the codes, the days, the search and ordering of every list, and the coverage routes'.
    assert {"county", "town", "village", "status", "search", "ordering", "as_of", "specialist", "size"} <= seen


@pytest.mark.parametrize(("language", "message"), [("en", NUL_REFUSED), ("zh-hans", "不允许是用空字符串。")])
@pytest.mark.parametrize("parameter", ["village", "search", "ordering"])
def test_a_nul_in_a_list_parameter_is_refused_in_the_requests_language(two_counties, parameter, language, message):
    client = _client(two_counties.users["city_coordinator"], language=language)

    response = client.get("/api/v1/village-assignments/", {parameter: "349321002203\x00"})

    assert response.status_code == 400
    assert response.json()["fields"] == {parameter: [message]}


# --- a NUL character in a path ------------------------------------------------------------------------------

def _writer(path):
    """Who may send the route's body, so that it is read: specialists record their work; sign-in is anyone's."""
    if path.startswith("/api/v1/auth/token"):
        return None
    if path.startswith(("/api/v1/service-logs/", "/api/v1/achievements/{uuid}/evidence/", "/api/v1/auth/logout/")) \
            or path == "/api/v1/achievements/":
        return "specialist"
    return "city_coordinator"


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services("postgresql"))])
def test_a_nul_in_any_path_parameter_answers_404(two_counties, database):
    _on(database)
    values = _path_values(two_counties)
    _schema, operations = _operations()
    problems, checked = [], 0

    for path, method, _operation in operations:
        role = "city_coordinator" if method == "get" else _writer(path)
        client = _client(two_counties.users[role] if role else None)
        for name in _path_parameters(path):
            url = _fill(path, values, nul_in=name)
            response = _drained(getattr(client, method)(url, {}, **({} if method == "get" else {"format": "json"})))
            checked += 1
            # Codes and UUIDs have patterns a NUL does not match (the API's JSON 404 for an unknown path);
            # an id that is not a number finds no row.
            if (response.status_code, response.json()["code"]) != (404, "not_found"):
                problems.append(f"{role} {method.upper()} {url} -> {response.status_code}")

    assert problems == [], "\n".join(problems)
    assert checked > 20


# --- a NUL character in a body --------------------------------------------------------------------------------

def _properties(schema, operation, media_type):
    found = operation.get("requestBody", {}).get("content", {}).get(media_type, {}).get("schema", {})
    return list(schema["components"]["schemas"][found["$ref"].rsplit("/", 1)[-1]]["properties"]) if found else []


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services("postgresql"))])
def test_a_nul_in_any_field_of_any_json_body_answers_400_naming_it(two_counties, database):
    _on(database)
    values = _path_values(two_counties)
    schema, operations = _operations()
    problems, checked = [], 0

    for path, method, operation in operations:
        fields = _properties(schema, operation, "application/json")
        role = _writer(path)
        client = _client(two_counties.users[role] if role else None)
        url = _fill(path, values)
        for name in fields:
            response = _drained(getattr(client, method)(url, {name: "349321\x0001"}, format="json"))
            checked += 1
            body = response.json() if response.get("Content-Type") == "application/json" else None
            if response.status_code != 400 or body["fields"] != {name: [NUL_REFUSED]}:
                problems.append(f"{role} {method.upper()} {url} {name} -> {response.status_code} {body}")

    assert problems == [], "\n".join(problems)
    assert checked > 30


@pytest.mark.parametrize("value", [["349321\x00"], ["349321", "349322\x00"]])
def test_a_nul_inside_a_list_is_named_by_its_place(two_counties, value):
    client = _client(two_counties.users["city_coordinator"])

    response = client.post("/api/v1/industry-assignments/", {"team": two_counties.huaiyuan.team.pk, "industry": two_counties.huaiyuan.industry.pk,
                                                             "start_date": "2026-01-01", "counties": value}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {f"counties.{len(value) - 1}": [NUL_REFUSED]}


@pytest.mark.parametrize("format_", ["multipart", "urlencoded"])
def test_a_nul_in_a_form_body_answers_400_naming_the_field(two_counties, format_):
    client = _client(two_counties.users["city_coordinator"])
    data = {"specialist": two_counties.huaiyuan.specialist.pk, "village": two_counties.huaiyuan.village.code + "\x00", "start_date": "2026-01-01"}

    if format_ == "multipart":
        response = client.post("/api/v1/village-assignments/", data, format="multipart")
    else:
        body = "&".join(f"{key}={value}".replace("\x00", "%00") for key, value in data.items())
        response = client.generic("POST", "/api/v1/village-assignments/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.json()["fields"] == {"village": [NUL_REFUSED]}
    assert VillageAssignment.objects.count() == 2


def test_a_nul_in_an_uploads_form_field_answers_400_naming_it(two_counties, media):
    log = f.make_service_log(specialist=two_counties.huaiyuan.specialist, village=two_counties.huaiyuan.village)
    image = io.BytesIO()
    Image.new("RGB", (8, 6)).save(image, "JPEG")
    image.name = "photo.jpg"
    image.seek(0)

    response = _client(two_counties.users["specialist"]).post(
        f"/api/v1/service-logs/{log.uuid}/photos/", {"uuid": f"{uuid.uuid4()}\x00", "image": image}, format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"uuid": [NUL_REFUSED]}
    assert log.photos.count() == 0


@pytest.mark.parametrize(("language", "message"), [("en", NUL_REFUSED), ("zh-hans", "不允许是用空字符串。")])
def test_a_nul_in_the_sign_in_username_answers_400_naming_it(two_counties, language, message):
    user = two_counties.users["city_coordinator"]

    response = _client(language=language).post(TOKEN, {"username": user.username + "\x00", "password": "x"}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"username": [message]}
