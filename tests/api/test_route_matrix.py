"""The authorization matrix over every route of the API, read from its own OpenAPI schema.

Each operation is called as every role (and anonymous) against the rows of the side the role must
not see: 五河县's for 怀远县's county coordinator and for the specialist (who serves 怀远县), and
怀远县's for 五河县's leader. Path parameters name that side's objects, and list filters name that
side too. Whatever the answer, its body must not carry one of that side's marker strings; details
of its rows answer 404 (or 403 where the role may not use the route at all), writes answer 403, 404 or 405, and nothing answers 5xx. A route the matrix
does not know how to address fails the test, so a new route cannot slip past it.

A file's route (a log's photo, an achievement's evidence) names that side's file by its own UUID, the
file written to storage, so that a role who may see it gets its bytes, which are scanned like any body.

A route with a `format` query parameter (the list exports) is called in each of its formats, and its
file is read as text before it is scanned: a CSV as UTF-8, an xlsx workbook cell by cell.
"""

import functools
import io
import json

import openpyxl
import pytest
from django.core.files.base import ContentFile
from drf_spectacular.generators import SchemaGenerator
from PIL import Image
from rest_framework.test import APIClient

from specialists.coverage.models import MapJob
from specialists.imports.models import ImportJob
from specialists.fieldwork.models import Achievement, ServiceLog
from tests import factories as f
from tests.api import build_two_counties

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "no_role", "city_coordinator", "county_coordinator", "leader_city", "leader_wuhe", "specialist"]
# In the two counties of two cities of one province: a coordinator of the first city, a leader of the second.
CITY_ROLES = ["city_coordinator_huaiyuan", "city_leader_wuhe"]
# The side each role must not see, and how much of it: "all" (a county or city role: not even its
# divisions), or "personal" (a specialist: divisions and industries are public, people and their work are not).
FOREIGN = {
    "county_coordinator": ("wuhe", "all"), "leader_wuhe": ("huaiyuan", "all"), "specialist": ("wuhe", "personal"),
    "city_coordinator_huaiyuan": ("wuhe", "all"), "city_leader_wuhe": ("huaiyuan", "all"),
}
# Routes with no object of either side behind them: nothing to leak, only the status to check.
UNSCOPED = {"/api/v1/schema/", "/api/v1/auth/token/", "/api/v1/auth/token/refresh/", "/api/v1/auth/logout/"}
# The path parameters that name a resource's own row; any other names a row below it.
LOOKUPS = {"id", "code", "uuid"}


@functools.cache
def _operations():
    """(path, method, query parameter names, file formats) of every operation in the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method, [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"], _formats(operation))
        for path, item in sorted(schema["paths"].items())
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _formats(operation):
    """The values of the operation's `format` query parameter (an export's files), or [None]."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter["name"] == "format":
            return parameter["schema"]["enum"]
    return [None]


def _resource(path):
    return path.removeprefix("/api/v1/").split("/")[0]


class Sides:
    """Each side's rows, the path value that names each, and the strings that betray it."""

    def __init__(self, two_counties, two_cities=False):
        self.two_counties = two_counties
        self.two_cities = two_cities
        self.logs = {}
        self.achievements = {}
        self.jobs = {}
        self.imports = {}
        self.photos = {}
        self.evidence = {}
        for key, side in (("huaiyuan", two_counties.huaiyuan), ("wuhe", two_counties.wuhe)):
            county = side.county.name
            self.logs[key] = f.make_service_log(specialist=side.specialist, village=side.village, description=f"{county}日志")
            self.achievements[key] = f.make_achievement(specialist=side.specialist, title=f"{county}成果")
            self.jobs[key] = f.make_map_job(county=side.county, requested_by=two_counties.users["county_coordinator" if key == "huaiyuan" else "leader_wuhe"])
            self.imports[key] = ImportJob(kind="specialists", file_name=f"{county}名单.csv", sha256="0" * 64, size=9,
                                          county=side.county, city=side.county.city, province=side.county.city.province)
            self.imports[key].file.save(f"{county}.csv", ContentFile(f"姓名\n{county}名单\n".encode()))
            # With their files, so that a role who sees them gets the bytes (scanned like any body).
            self.photos[key] = _with_file(f.make_service_log_photo(log=self.logs[key]), "image", _jpeg())
            self.evidence[key] = _with_file(f.make_achievement_evidence(achievement=self.achievements[key]), "file", PDF)

    def side(self, key):
        return getattr(self.two_counties, key)

    def path_value(self, key, resource, name):
        if name not in LOOKUPS:
            # A row below the resource's own (a log's photo): that side's, never its parent's UUID again.
            # An import's kind is no row of either side: any kind's name.
            by_name = {"photo_uuid": self.photos[key].uuid, "evidence_uuid": self.evidence[key].uuid, "kind": "specialists"}
            if name not in by_name:
                raise AssertionError(f"the matrix does not know how to name {{{name}}} under {resource}: add it")
            return by_name[name]
        side = self.side(key)
        by_resource = {
            "counties": side.county.code, "towns": side.town.code, "villages": side.village.code,
            "industries": side.industry.pk, "organisations": side.organisation.pk, "specialists": side.specialist.pk,
            "teams": side.team.pk, "village-assignments": side.assignment.pk,
            "industry-assignments": side.industry_assignment.pk, "enterprises": side.enterprise.pk,
            "service-logs": self.logs[key].uuid, "achievements": self.achievements[key].uuid, "map-jobs": self.jobs[key].pk,
            "imports": self.imports[key].pk,
        }
        if resource not in by_resource:
            raise AssertionError(f"the matrix does not know how to name a {resource} row for {{{name}}}: add it")
        return by_resource[resource]

    def filter_value(self, key, name):
        side = self.side(key)
        return {
            "province": side.county.city.province.code, "city": side.county.city.code,
            "county": side.county.code, "town": side.town.code, "village": side.village.code,
            "specialist": side.specialist.pk, "team": side.team.pk, "organisation": side.organisation.pk,
            "lead_organisation": side.organisation.pk, "industry": side.industry.pk, "search": side.county.name,
        }.get(name)

    def markers(self, key, extent):
        side = self.side(key)
        personal = [side.specialist.name, side.organisation.name, side.team.name, side.enterprise.name,
                    self.logs[key].description, self.achievements[key].title, side.specialist.mobile]
        if extent == "personal":
            return personal
        divisions = [side.county.name, side.county.code, side.town.code, side.village.code]
        if self.two_cities:
            divisions.append(side.county.city.name)
        return [*personal, *divisions]

    def public_strings(self, key):
        """Strings of the side that any role may see: its key industry (whose name holds the county's)."""
        return [self.side(key).industry.name]


def _jpeg():
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (30, 120, 40)).save(out, "JPEG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _with_file(row, field, content):
    """The factory's row (which names a file but writes none), with its file written where it names."""
    stored = getattr(row, field)
    assert stored.storage.save(stored.name, ContentFile(content)) == stored.name
    return row


def _names_a_row(path):
    """Whether the path names a row of a side; an import kind's name ({kind}) is no row: its template and
    export answer every coordinator, and the export is scanned for the other side's markers like any body."""
    return any(part.startswith("{") and part != "{kind}" for part in path.split("/"))


def _is_public(resource, extent):
    return resource == "industries" or (extent == "personal" and resource in ("counties", "towns", "villages"))


def _client(user):
    client = APIClient(headers={"Accept-Language": "en"})
    if user is not None:
        client.force_authenticate(user)
    return client


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _body(response):
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if response.get("Content-Type") == XLSX:
        # The text of every cell: the markers would not be found in the zipped XML.
        book = openpyxl.load_workbook(io.BytesIO(content))
        return "\n".join("\t".join(str(value) for value in row if value is not None)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    try:
        return json.dumps(json.loads(content), ensure_ascii=False)
    except ValueError:
        return content.decode("utf-8", "replace")


@pytest.fixture
def sides(media):
    return Sides(build_two_counties())


@pytest.fixture
def city_sides(media):
    return Sides(build_two_counties(two_cities=True), two_cities=True)


@pytest.mark.parametrize("role", ROLES)
def test_no_route_leaks_another_sides_rows_or_fails(sides, role, capsys):
    _walk_every_route(sides, role, capsys)


@pytest.mark.parametrize("role", CITY_ROLES)
def test_no_route_leaks_another_citys_rows_to_a_city_role(city_sides, role, capsys):
    """Two cities of one province: a coordinator of one city, and a leader of the other, see nothing of
    the other city through any route, filter, export, file or map."""
    _walk_every_route(city_sides, role, capsys)


def _walk_every_route(sides, role, capsys):
    two_counties = sides.two_counties
    client = _client(two_counties.users.get(role))
    foreign, extent = FOREIGN.get(role, ("wuhe", None))
    markers = sides.markers(foreign, extent) if extent else []
    checked = 0
    problems = []
    rows_before = (ServiceLog.objects.count(), Achievement.objects.count())
    jobs_before = set(MapJob.objects.values_list("pk", flat=True))

    for path, method, query, formats in _operations():
        resource = _resource(path)
        url = path
        for name in [part[1:-1] for part in path.split("/") if part.startswith("{")]:
            url = url.replace(f"{{{name}}}", str(sides.path_value(foreign, resource, name)))
        variants = [{}]
        if method == "get" and "{" not in path and path not in UNSCOPED:
            variants += [{name: value} for name in query if (value := sides.filter_value(foreign, name)) is not None]
        variants = [{**params, **({"format": fmt} if fmt else {})} for params in variants for fmt in formats]
        for params in variants:
            if method == "get":
                response = client.get(url, params)
            else:
                response = getattr(client, method)(url, {}, format="json")
            checked += 1
            status, body = response.status_code, _body(response)
            for public in sides.public_strings(foreign):
                body = body.replace(public, "")
            where = f"{role} {method.upper()} {url} {params or ''} -> {status}"
            if status >= 500:
                problems.append(f"{where}: server error")
            if role == "anonymous" and path not in UNSCOPED and status != 401:
                problems.append(f"{where}: anonymous must get 401")
            if role == "no_role" and path not in UNSCOPED and status != 403:
                problems.append(f"{where}: a user with no role must get 403")
            if extent and _names_a_row(path) and not _is_public(resource, extent):
                # 403 only where the role may not use the route at all (whatever the row), never as a
                # "this exists but is not yours" that would tell another side's rows from missing ones.
                allowed = {403, 404} if method == "get" else {403, 404, 405}
                if status not in allowed:
                    problems.append(f"{where}: another side's row must answer {sorted(allowed)}")
            # A key industry names the units that list it (public, as the industry is): not a leak.
            leaked = [marker for marker in markers if marker in body and not (resource == "industries" and marker.isdigit())]
            if leaked:
                problems.append(f"{where}: leaks {leaked}")

    with capsys.disabled():
        print(f"\nroute matrix: {role}: {checked} requests over {len(_operations())} operations")
    assert problems == [], "\n".join(problems)
    if role in FOREIGN or role in ("anonymous", "no_role"):
        # Writes with empty bodies or at another side's rows changed nothing...
        assert (ServiceLog.objects.count(), Achievement.objects.count()) == rows_before
    # ...but a map job with every default is a valid request: it must map only the role's own scope.
    new_jobs = MapJob.objects.exclude(pk__in=jobs_before)
    if role in ("anonymous", "no_role"):
        assert not new_jobs.exists()
    elif extent == "all":
        own = sides.side("huaiyuan" if foreign == "wuhe" else "wuhe").county
        # A county role's maps are of its unit; a city role's of its city (and no unit of another).
        assert {job.county_id for job in new_jobs} <= {own.pk, None}
        assert {job.city_id for job in new_jobs} <= {own.city_id}
