"""Achievements through the API: submitted once from phones, reviewed by the right coordinator, scoped."""

import io
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from specialists.access.models import UserRole
from specialists.fieldwork.models import Achievement, AchievementEvidence, Enterprise, IncomeIncrease
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
URL = "/api/v1/achievements/"
UUID = "3c9e2a7d-4b1f-4e6a-9d8c-7b5a4f3e2d1c"
EVIDENCE_UUID = "b1a2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _client(user):
    client = APIClient(headers={"Accept-Language": "en"})
    client.force_authenticate(user)
    return client


def _payload(**changes):
    return {
        "uuid": UUID, "kind": "farmer_income", "title": "糯稻订单种植增收", "description": "带动 120 户订单种植",
        "date": "2023-10-20", "amount_yuan": 360_000, **changes,
    }


def _file(data, name):
    out = io.BytesIO(data)
    out.name = name
    return out


def _jpeg():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 40)).save(out, "JPEG")
    return _file(out.getvalue(), "现场.jpg")


def _submitted(two_counties, **fields):
    return f.make_achievement(specialist=two_counties.huaiyuan.specialist, **fields)


def _wuhe_coordinator(two_counties):
    return f.make_user_role(role=UserRole.Role.COORDINATOR, county=two_counties.wuhe.county).user


# --- submitting ---------------------------------------------------------------------------------

def test_a_specialist_submits_and_an_identical_retry_returns_it(two_counties):
    client = _client(two_counties.users["specialist"])

    first = client.post(URL, _payload(village=two_counties.huaiyuan.village.code), format="json")
    retry = client.post(URL, _payload(village=two_counties.huaiyuan.village.code), format="json")

    assert first.status_code == 201, first.json()
    assert retry.status_code == 200, retry.json()
    stored = Achievement.objects.get()
    assert first.json() == retry.json() == {
        "uuid": UUID, "specialist": {"id": two_counties.huaiyuan.specialist.pk, "name": "张怀远"}, "kind": "farmer_income",
        "title": "糯稻订单种植增收", "description": "带动 120 户订单种植", "date": "2023-10-20", "year": 2023,
        "village": {"code": two_counties.huaiyuan.village.code, "name": "怀远县村"}, "industry": None, "amount_yuan": 360_000,
        "enterprise_name": "", "enterprise_credit_code": "", "enterprise_kind": "", "enterprise_relation": "",
        "award_body": "", "award_level": "", "status": "submitted", "reject_reason": "", "reviewed_by": None,
        "reviewed_at": None, "submitted_at": timezone.localtime(stored.submitted_at).isoformat(), "enterprise_id": None, "evidence": [],
    }


def test_the_same_uuid_with_different_content_answers_409(two_counties):
    client = _client(two_counties.users["specialist"])
    client.post(URL, _payload(), format="json")

    response = client.post(URL, _payload(amount_yuan=360_001), format="json")

    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict", "message": f"An achievement with UUID {UUID} is already stored with different content.", "fields": {},
    }
    assert Achievement.objects.get().amount_yuan == 360_000


def test_another_specialists_retry_of_a_uuid_answers_409_without_the_stored_achievement(two_counties):
    _client(two_counties.users["specialist"]).post(URL, _payload(title="仅张怀远可见"), format="json")
    other = f.make_user_role(role=UserRole.Role.SPECIALIST, specialist=two_counties.wuhe.specialist).user

    response = _client(other).post(URL, _payload(title="仅张怀远可见"), format="json")

    assert response.status_code == 409
    assert "仅张怀远可见" not in response.content.decode()
    assert Achievement.objects.get().specialist == two_counties.huaiyuan.specialist


@pytest.mark.parametrize("role", ["city_coordinator", "county_coordinator", "leader_city"])
def test_only_specialists_submit(two_counties, role):
    response = _client(two_counties.users[role]).post(URL, _payload(), format="json")

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert response.json()["message"] == "Only specialists submit achievements and their evidence."
    assert not Achievement.objects.exists()


@pytest.mark.parametrize(
    "changes, fields",
    [
        ({"amount_yuan": None}, {"amount_yuan": ["Give the income increase in whole yuan, above zero."]}),
        ({"kind": "collective_income"}, {"village": ["Name the village whose collective's income increased."]}),
        ({"kind": "award", "amount_yuan": None, "award_body": "蚌埠市人民政府"}, {"award_level": ["This field is required for this kind of achievement."]}),
        ({"year": 2021}, {"year": ["An achievement dated 2023-10-20 counts toward its own year or the year before, not 2021."]}),
    ],
    ids=["income-without-amount", "collective-without-village", "award-without-level", "year-too-early"],
)
def test_a_rule_answers_422_naming_the_field(two_counties, changes, fields):
    response = _client(two_counties.users["specialist"]).post(URL, _payload(**changes), format="json")

    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": "Some of the data sent is not valid.", "fields": fields}
    assert not Achievement.objects.exists()


def test_a_wrong_credit_code_answers_422_on_it(two_counties):
    code = f.valid_credit_code()
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    payload = _payload(
        kind="enterprise", amount_yuan=None, enterprise_name="怀远县糯稻合作社", enterprise_credit_code=wrong,
        enterprise_kind="cooperative", enterprise_relation="founded",
    )

    response = _client(two_counties.users["specialist"]).post(URL, payload, format="json")

    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["enterprise_credit_code"]


def test_a_village_another_county_serves_answers_422_on_village(two_counties):
    response = _client(two_counties.users["specialist"]).post(URL, _payload(village=two_counties.wuhe.village.code), format="json")

    assert response.status_code == 422
    assert response.json()["fields"] == {"village": ["张怀远 has never been assigned to 五河县村."]}


def test_malformed_input_answers_400_naming_every_field(two_counties):
    response = _client(two_counties.users["specialist"]).post(
        URL, {"uuid": "x", "kind": "five_new", "date": "yesterday", "amount_yuan": -1, "village": "123"}, format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"uuid", "kind", "title", "date", "amount_yuan", "village"}


# --- reviewing ----------------------------------------------------------------------------------

def test_the_county_coordinator_verifies_and_the_increase_counts(two_counties):
    achievement = _submitted(two_counties, kind=Achievement.Kind.FARMER_INCOME, amount_yuan=50_000)
    coordinator = two_counties.users["county_coordinator"]

    response = _client(coordinator).post(f"{URL}{achievement.uuid}/verify/")
    again = _client(coordinator).post(f"{URL}{achievement.uuid}/verify/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["reviewed_by"]) == ("verified", coordinator.username)
    assert IncomeIncrease.objects.get(specialist=two_counties.huaiyuan.specialist, year=2023).farmer_yuan == 50_000
    assert again.status_code == 409
    assert again.json()["message"].startswith("This achievement was already verified on ")


def test_verifying_an_economic_entity_registers_it(two_counties):
    achievement = _submitted(two_counties, kind=Achievement.Kind.ENTERPRISE, village=two_counties.huaiyuan.village)

    response = _client(two_counties.users["city_coordinator"]).post(f"{URL}{achievement.uuid}/verify/")

    enterprise = Enterprise.objects.get(credit_code=achievement.enterprise_credit_code)
    assert response.status_code == 200
    assert response.json()["enterprise_id"] == enterprise.pk
    assert enterprise.specialist == two_counties.huaiyuan.specialist


def test_an_economic_entity_refused_by_its_model_answers_422_and_stays_submitted(two_counties):
    achievement = _submitted(two_counties, kind=Achievement.Kind.ENTERPRISE)
    f.make_enterprise(credit_code=achievement.enterprise_credit_code)

    response = _client(two_counties.users["county_coordinator"]).post(f"{URL}{achievement.uuid}/verify/")

    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["enterprise_credit_code"]
    achievement.refresh_from_db()
    assert achievement.status == "submitted"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}], ids=["missing", "empty", "blank"])
def test_a_rejection_without_a_reason_answers_422_on_reason(two_counties, body):
    achievement = _submitted(two_counties)

    response = _client(two_counties.users["county_coordinator"]).post(f"{URL}{achievement.uuid}/reject/", body, format="json")

    assert response.status_code == 422
    assert response.json()["fields"] == {"reason": ["Give the reason for the rejection; the specialist will read it."]}
    achievement.refresh_from_db()
    assert achievement.status == "submitted"


def test_a_rejection_with_its_reason_is_read_by_the_specialist(two_counties):
    achievement = _submitted(two_counties)

    response = _client(two_counties.users["county_coordinator"]).post(f"{URL}{achievement.uuid}/reject/", {"reason": "请补充田间照片"}, format="json")
    seen = _client(two_counties.users["specialist"]).get(f"{URL}{achievement.uuid}/")

    assert response.status_code == 200
    assert (seen.json()["status"], seen.json()["reject_reason"]) == ("rejected", "请补充田间照片")
    verify = _client(two_counties.users["county_coordinator"]).post(f"{URL}{achievement.uuid}/verify/")
    assert verify.status_code == 409


def test_another_countys_coordinator_gets_404_on_detail_and_review(two_counties):
    achievement = _submitted(two_counties)
    client = _client(_wuhe_coordinator(two_counties))

    assert client.get(f"{URL}{achievement.uuid}/").status_code == 404
    assert client.post(f"{URL}{achievement.uuid}/verify/").status_code == 404
    assert client.post(f"{URL}{achievement.uuid}/reject/", {"reason": "不属于本县"}, format="json").status_code == 404
    achievement.refresh_from_db()
    assert achievement.status == "submitted"


def test_an_achievement_in_another_countys_village_is_that_countys_to_review(two_counties):
    # 张怀远 serves a 五河县 village too: what he achieved there is 五河县's to review.
    f.make_village_assignment(specialist=two_counties.huaiyuan.specialist, village=two_counties.wuhe.village)
    there = _submitted(two_counties, village=two_counties.wuhe.village, title="五河现场")
    here = _submitted(two_counties, village=two_counties.huaiyuan.village)
    elsewhere = _submitted(two_counties)  # no village: the units its specialist serves
    huaiyuan = _client(two_counties.users["county_coordinator"])
    wuhe = _client(_wuhe_coordinator(two_counties))

    # 怀远县's review queue holds only its own; it still reads its specialist's achievement elsewhere.
    assert _uuids(huaiyuan.get(URL, {"status": "submitted", "county": two_counties.huaiyuan.county.code})) == {str(here.uuid), str(elsewhere.uuid)}
    assert _uuids(wuhe.get(URL, {"status": "submitted", "county": two_counties.wuhe.county.code})) == {str(there.uuid), str(elsewhere.uuid)}
    assert huaiyuan.get(f"{URL}{there.uuid}/").status_code == 200
    refused = huaiyuan.post(f"{URL}{there.uuid}/verify/")
    assert refused.status_code == 403
    assert refused.json()["message"] == (
        "Only a coordinator of the achievement's county-level unit, or of the city, may review this achievement."
    )
    # 五河县's coordinator reads 怀远县's one (张怀远 serves 五河县 too) but may not review it either.
    assert wuhe.post(f"{URL}{here.uuid}/verify/").status_code == 403
    assert wuhe.post(f"{URL}{there.uuid}/verify/").status_code == 200
    there.refresh_from_db()
    assert there.status == "verified"


@pytest.mark.parametrize("role", ["leader_city", "leader_wuhe", "specialist"])
def test_leaders_and_specialists_may_not_review(two_counties, role):
    achievement = _submitted(two_counties)
    client = _client(two_counties.users[role])

    verify = client.post(f"{URL}{achievement.uuid}/verify/")
    reject = client.post(f"{URL}{achievement.uuid}/reject/", {"reason": "无"}, format="json")

    assert (verify.status_code, reject.status_code) == (403, 403)
    assert verify.json()["message"] == "Only coordinators verify or reject achievements."
    achievement.refresh_from_db()
    assert achievement.status == "submitted"


def test_another_specialists_achievement_answers_404(two_counties):
    theirs = f.make_achievement(specialist=two_counties.wuhe.specialist)
    client = _client(two_counties.users["specialist"])

    assert client.get(f"{URL}{theirs.uuid}/").status_code == 404
    response = client.post(f"{URL}{theirs.uuid}/evidence/", {"uuid": EVIDENCE_UUID, "file": _file(PDF, "x.pdf")}, format="multipart")
    assert response.status_code == 404
    assert not AchievementEvidence.objects.exists()


def test_an_address_that_is_no_uuid_answers_404(two_counties):
    assert _client(two_counties.users["city_coordinator"]).get(f"{URL}12345/").status_code == 404


# --- lists --------------------------------------------------------------------------------------

def _uuids(response):
    assert response.status_code == 200, response.json()
    return {row["uuid"] for row in response.json()["results"]}


def test_lists_search_and_filters_leak_nothing_outside_the_scope(two_counties):
    mine = _submitted(two_counties, title="怀远石榴新品种")
    theirs = f.make_achievement(specialist=two_counties.wuhe.specialist, title="五河石榴新品种")
    county = _client(two_counties.users["county_coordinator"])

    assert _uuids(county.get(URL)) == {str(mine.uuid)}
    assert _uuids(county.get(URL, {"search": "五河"})) == set()
    assert _uuids(county.get(URL, {"specialist": two_counties.wuhe.specialist.pk})) == set()
    assert _uuids(county.get(URL, {"county": two_counties.wuhe.county.code})) == set()
    assert county.get(URL, {"search": "石榴"}).json()["count"] == 1
    assert _uuids(_client(two_counties.users["leader_wuhe"]).get(URL)) == {str(theirs.uuid)}
    assert _uuids(_client(two_counties.users["specialist"]).get(URL)) == {str(mine.uuid)}
    assert _uuids(_client(two_counties.users["leader_city"]).get(URL)) == {str(mine.uuid), str(theirs.uuid)}
    assert _client(two_counties.users["no_role"]).get(URL).status_code == 403


def test_lists_filter_by_status_kind_year_and_county(two_counties):
    verified = _submitted(two_counties, kind=Achievement.Kind.AWARD, status=Achievement.Status.VERIFIED)
    old = _submitted(two_counties, kind=Achievement.Kind.FOUR_NEW_MODE, date=f.START.replace(year=2022))
    theirs = f.make_achievement(specialist=two_counties.wuhe.specialist)
    client = _client(two_counties.users["city_coordinator"])

    assert _uuids(client.get(URL, {"status": "verified"})) == {str(verified.uuid)}
    assert _uuids(client.get(URL, {"kind": "four_new_mode"})) == {str(old.uuid)}
    assert _uuids(client.get(URL, {"year": 2022})) == {str(old.uuid)}
    assert _uuids(client.get(URL, {"county": two_counties.wuhe.county.code})) == {str(theirs.uuid)}
    assert _uuids(client.get(URL, {"specialist": two_counties.huaiyuan.specialist.pk})) == {str(verified.uuid), str(old.uuid)}


def _list_queries(user, page_size):
    client = APIClient()
    # A fresh user object per request, as authentication gives a real request.
    client.force_authenticate(get_user_model().objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    return len(captured)


@pytest.mark.parametrize("role", ["county_coordinator", "leader_city", "specialist"])
def test_the_list_costs_the_same_queries_for_1_and_50_achievements(two_counties, role):
    reviewer = f.make_user()
    for _ in range(50):
        achievement = _submitted(two_counties, status=Achievement.Status.VERIFIED, reviewed_by=reviewer, industry=two_counties.huaiyuan.industry,
                                 village=two_counties.huaiyuan.village)
        f.make_achievement_evidence(achievement=achievement)

    # The user's role, the page's COUNT(*), the page's rows (joined to specialist, village, industry
    # and reviewer), and the page's evidence files: nothing per row.
    assert _list_queries(two_counties.users[role], 1) == 4
    assert _list_queries(two_counties.users[role], 50) == 4


# --- evidence -----------------------------------------------------------------------------------

def _upload(client, achievement, data, name, evidence_uuid=EVIDENCE_UUID):
    return client.post(f"{URL}{achievement.uuid}/evidence/", {"uuid": evidence_uuid, "file": _file(data, name)}, format="multipart")


def test_evidence_is_stored_once_and_a_retry_answers_200(two_counties):
    achievement = _submitted(two_counties)
    client = _client(two_counties.users["specialist"])

    first = _upload(client, achievement, PDF, "收入证明.pdf")
    retry = _upload(client, achievement, PDF, "收入证明.pdf")

    assert (first.status_code, retry.status_code) == (201, 200)
    evidence = AchievementEvidence.objects.get()
    assert first.json() == retry.json() == {
        "uuid": EVIDENCE_UUID, "content_type": "application/pdf", "size_bytes": len(PDF), "original_name": "收入证明.pdf",
        "created_at": timezone.localtime(evidence.created_at).isoformat(),
        "url": f"/api/v1/achievements/{achievement.uuid}/evidence/{EVIDENCE_UUID}/",
    }
    detail = client.get(f"{URL}{achievement.uuid}/").json()
    assert [row["uuid"] for row in detail["evidence"]] == [EVIDENCE_UUID]


def test_a_photo_is_accepted_and_downloaded_as_stored(two_counties):
    achievement = _submitted(two_counties)
    response = _upload(_client(two_counties.users["specialist"]), achievement, _jpeg().getvalue(), "现场.jpg")

    download = _client(two_counties.users["county_coordinator"]).get(response.json()["url"])

    assert response.status_code == 201 and response.json()["content_type"] == "image/jpeg"
    assert download.status_code == 200
    assert download["Content-Type"] == "image/jpeg"
    assert download["Content-Disposition"].startswith("attachment;")
    body = b"".join(download.streaming_content)
    assert body == AchievementEvidence.objects.get().file.read()
    assert _client(_wuhe_coordinator(two_counties)).get(response.json()["url"]).status_code == 404
    assert _client(two_counties.users["county_coordinator"]).get(f"{URL}{achievement.uuid}/evidence/{uuid.uuid4()}/").status_code == 404


def test_a_text_file_named_jpg_answers_422_on_file(two_counties):
    achievement = _submitted(two_counties)

    response = _upload(_client(two_counties.users["specialist"]), achievement, b"<html>not a photo</html>", "photo.jpg")

    assert response.status_code == 422
    assert response.json()["fields"] == {"file": ["The file is neither a photo nor a PDF; send a JPEG, PNG or WebP photo or a PDF."]}
    assert not AchievementEvidence.objects.exists()


def test_an_oversized_upload_answers_413(two_counties, settings):
    settings.TEPAI_EVIDENCE_MAX_BYTES = 40
    achievement = _submitted(two_counties)

    response = _upload(_client(two_counties.users["specialist"]), achievement, PDF, "proof.pdf")

    assert response.status_code == 413
    assert response.json() == {
        "code": "too_large", "message": f"The file is {len(PDF)} bytes; at most 40 bytes are allowed.", "fields": {},
    }
    assert not AchievementEvidence.objects.exists()


def test_the_same_evidence_uuid_with_another_file_answers_409(two_counties):
    achievement = _submitted(two_counties)
    client = _client(two_counties.users["specialist"])
    _upload(client, achievement, PDF, "proof.pdf")

    response = _upload(client, achievement, _jpeg().getvalue(), "photo.jpg")

    assert response.status_code == 409
    assert response.json()["message"] == f"A file with UUID {EVIDENCE_UUID} is already stored with different content."


def test_new_evidence_for_a_reviewed_achievement_answers_409(two_counties):
    achievement = _submitted(two_counties, status=Achievement.Status.VERIFIED)

    response = _upload(_client(two_counties.users["specialist"]), achievement, PDF, "proof.pdf")

    assert response.status_code == 409
    assert not AchievementEvidence.objects.exists()


@pytest.mark.parametrize("role", ["city_coordinator", "county_coordinator"])
def test_coordinators_add_no_evidence(two_counties, role):
    achievement = _submitted(two_counties)

    response = _upload(_client(two_counties.users[role]), achievement, PDF, "proof.pdf")

    assert response.status_code == 403
    assert not AchievementEvidence.objects.exists()


def test_evidence_whose_file_is_gone_answers_404(two_counties):
    evidence = f.make_achievement_evidence(achievement=_submitted(two_counties))  # the row only: no file written

    response = _client(two_counties.users["city_coordinator"]).get(f"{URL}{evidence.achievement.uuid}/evidence/{evidence.uuid}/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
