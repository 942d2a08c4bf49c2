"""Achievements: submitted once from a phone that retries, reviewed once, counted only when verified."""

import datetime
import io
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from specialists.fieldwork.achievements import (
    MAX_EVIDENCE,
    AchievementConflict,
    AchievementEvidenceConflict,
    AchievementReviewed,
    achievement_evidence_add,
    achievement_reject,
    achievement_submit,
    achievement_verify,
)
from specialists.access.models import UserRole
from specialists.fieldwork.models import Achievement, AchievementEvidence, Enterprise, IncomeIncrease
from specialists.people.models import Specialist
from specialists.reports.figures import headline_figures
from tests import factories as f
from tests.concurrency import at_once
from tests.specialists.fieldwork.test_photos import camera_exif, image_bytes
from villages.errors import NotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages", "media")]

Kind = Achievement.Kind
UUID = uuid.UUID("5d0f7a3e-1b2c-4d5e-8f90-a1b2c3d4e5f6")
EVIDENCE_UUID = uuid.UUID("9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b")
DAY = datetime.date(2023, 6, 1)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def assignment():
    return f.make_village_assignment(start_date=datetime.date(2023, 3, 1))


@pytest.fixture
def county_coordinator(assignment):
    """A coordinator of the county-level unit the specialist serves in."""
    return f.make_user_role(role=UserRole.Role.COORDINATOR, county=assignment.village.town.county).user


def submit(assignment, **overrides):
    arguments = {
        "specialist": assignment.specialist, "uuid": UUID, "kind": Kind.FOUR_NEW_VARIETY, "title": "皖垦糯1号示范推广",
        "date": DAY, "description": "推广新品种 300 亩", "village_code": assignment.village.code,
    }
    arguments.update(overrides)
    return achievement_submit(**arguments)


def errors_of(assignment, **overrides):
    with pytest.raises(ValidationError) as caught:
        submit(assignment, **overrides)
    assert Achievement.objects.count() == 0
    return caught.value.message_dict


def enterprise_fields(**changes):
    return {
        "kind": Kind.ENTERPRISE, "enterprise_name": "怀远县张庄糯稻种植专业合作社", "enterprise_credit_code": f.valid_credit_code(),
        "enterprise_kind": Enterprise.Kind.COOPERATIVE, "enterprise_relation": Enterprise.Relation.FOUNDED, **changes,
    }


def fresh(row):
    row.refresh_from_db()
    return row


# --- submitting ---------------------------------------------------------------------------------

def test_a_submission_is_stored_awaiting_review(assignment):
    achievement, created = submit(assignment)

    assert created
    assert (achievement.status, achievement.year, achievement.village, achievement.amount_yuan) == ("submitted", 2023, assignment.village, None)
    assert achievement.reviewed_at is None and achievement.reject_reason == ""


def test_an_identical_retry_returns_the_stored_achievement(assignment):
    first, _ = submit(assignment)
    again, created = submit(assignment)

    assert not created
    assert again.pk == first.pk
    assert Achievement.objects.count() == 1


def test_a_retry_is_answered_even_after_the_specialist_was_suspended(assignment):
    first, _ = submit(assignment)
    Specialist.objects.filter(pk=assignment.specialist.pk).update(status=Specialist.Status.SUSPENDED)
    assignment.specialist.refresh_from_db()

    assert submit(assignment) == (first, False)


@pytest.mark.parametrize("change", [{"title": "另一个成果"}, {"date": datetime.date(2023, 6, 2)}, {"year": 2022}, {"village_code": None}])
def test_the_same_uuid_with_different_content_is_a_conflict(assignment, change):
    submit(assignment)

    with pytest.raises(AchievementConflict, match=f"An achievement with UUID {UUID} is already stored with different content."):
        submit(assignment, **change)
    assert Achievement.objects.get().title == "皖垦糯1号示范推广"


def test_the_same_uuid_from_another_specialist_is_a_conflict(assignment):
    submit(assignment)
    other = f.make_village_assignment(village=assignment.village)

    with pytest.raises(AchievementConflict):
        submit(other, specialist=other.specialist)
    assert Achievement.objects.get().specialist == assignment.specialist


def test_the_year_defaults_to_the_dates_and_may_be_the_year_before(assignment):
    january = datetime.date(2023, 1, 10)
    achievement, _ = submit(assignment, kind=Kind.FARMER_INCOME, amount_yuan=50_000, date=january, year=2022)

    assert achievement.year == 2022
    assert submit(assignment, uuid=uuid.uuid4(), date=january)[0].year == 2023
    with pytest.raises(ValidationError) as caught:
        submit(assignment, uuid=uuid.uuid4(), date=january, year=2021)
    assert caught.value.message_dict == {
        "year": ["An achievement dated 2023-01-10 counts toward its own year or the year before, not 2021."],
    }
    assert Achievement.objects.count() == 2


@pytest.mark.parametrize("kind", [Kind.FARMER_INCOME, Kind.COLLECTIVE_INCOME])
@pytest.mark.parametrize("amount", [None, 0])
def test_an_income_increase_needs_an_amount(assignment, kind, amount):
    assert errors_of(assignment, kind=kind, amount_yuan=amount) == {"amount_yuan": ["Give the income increase in whole yuan, above zero."]}


def test_an_amount_on_another_kind_is_refused_and_zero_taken_as_none(assignment):
    assert errors_of(assignment, amount_yuan=5) == {"amount_yuan": ["Only an income increase has an amount."]}
    achievement, _ = submit(assignment, amount_yuan=0)
    assert achievement.amount_yuan is None


def test_an_amount_is_bounded(assignment):
    errors = errors_of(assignment, kind=Kind.FARMER_INCOME, amount_yuan=10_000_000_001)
    assert list(errors) == ["amount_yuan"]


def test_a_collective_income_increase_names_its_village(assignment):
    assert errors_of(assignment, kind=Kind.COLLECTIVE_INCOME, amount_yuan=20_000, village_code=None) == {
        "village": ["Name the village whose collective's income increased."],
    }


def test_a_village_the_specialist_never_served_is_refused(assignment):
    other = f.make_village()
    assert errors_of(assignment, village_code=other.code) == {
        "village": [f"{assignment.specialist.name} has never been assigned to {other.name}."],
    }
    assert errors_of(assignment, village_code="340321999999") == {"village": ["No village has the code 340321999999."]}


def test_an_ended_assignment_still_names_a_village_served(assignment):
    assignment.end_date = datetime.date(2023, 4, 1)
    assignment.save()
    achievement, created = submit(assignment)
    assert created and achievement.village == assignment.village


@pytest.mark.clock
def test_an_inactive_specialist_and_a_future_date_are_refused(assignment):
    Specialist.objects.filter(pk=assignment.specialist.pk).update(status=Specialist.Status.WITHDRAWN)
    assignment.specialist.refresh_from_db()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    assert errors_of(assignment, date=tomorrow, year=tomorrow.year) == {
        "specialist": ["Only an active specialist may submit achievements."],
        "date": ["An achievement cannot be dated in the future."],
    }


def test_an_economic_entity_needs_all_its_fields_and_others_none(assignment):
    errors = errors_of(assignment, **enterprise_fields(enterprise_name="", enterprise_relation=""))
    assert errors == {
        "enterprise_name": ["This field is required for this kind of achievement."],
        "enterprise_relation": ["This field is required for this kind of achievement."],
    }
    errors = errors_of(assignment, enterprise_name="某合作社", award_level="city")
    assert errors == {
        "enterprise_name": ["This field is only for another kind of achievement."],
        "award_level": ["This field is only for another kind of achievement."],
    }


def test_an_economic_entitys_credit_code_is_checked(assignment):
    good = f.valid_credit_code()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")

    errors = errors_of(assignment, **enterprise_fields(enterprise_credit_code=wrong))
    assert list(errors) == ["enterprise_credit_code"]
    assert errors["enterprise_credit_code"][0].startswith(f"The check character of credit code {wrong} is wrong")

    f.make_enterprise(credit_code=good)
    assert errors_of(assignment, **enterprise_fields(enterprise_credit_code=good)) == {
        "enterprise_credit_code": [f"An economic entity with credit code {good} is already registered."],
    }


def test_an_award_needs_its_body_and_level(assignment):
    assert errors_of(assignment, kind=Kind.AWARD) == {
        "award_body": ["This field is required for this kind of achievement."],
        "award_level": ["This field is required for this kind of achievement."],
    }
    achievement, _ = submit(assignment, kind=Kind.AWARD, award_body="安徽省人民政府", award_level="provincial")
    assert achievement.get_award_level_display() == "Provincial"


def test_a_bad_uuid_and_an_unknown_kind_are_refused(assignment):
    assert errors_of(assignment, uuid="not-a-uuid") == {"uuid": ["Give the achievement's UUID, as the phone made it."]}
    assert list(errors_of(assignment, kind="five_new")) == ["kind"]


# --- reviewing ----------------------------------------------------------------------------------

def test_verifying_an_income_increase_adds_it_to_the_years_row(assignment, county_coordinator):
    existing = f.make_income_increase(specialist=assignment.specialist, year=2023, farmer_yuan=1_000, collective_yuan=7)
    farmer, _ = submit(assignment, kind=Kind.FARMER_INCOME, amount_yuan=120_000)
    collective, _ = submit(assignment, uuid=uuid.uuid4(), kind=Kind.COLLECTIVE_INCOME, amount_yuan=30_000)
    assert headline_figures(year=2023)["farmer_income_increase_yuan"] == 1_000  # submitted: not counted yet

    verified = achievement_verify(achievement=farmer, reviewer=county_coordinator)
    achievement_verify(achievement=collective, reviewer=county_coordinator)

    assert (verified.status, verified.reviewed_by) == ("verified", county_coordinator)
    assert verified.reviewed_at is not None
    assert (fresh(existing).farmer_yuan, existing.collective_yuan) == (121_000, 30_007)
    assert IncomeIncrease.objects.count() == 1
    figures = headline_figures(year=2023)
    assert (figures["farmer_income_increase_yuan"], figures["collective_income_increase_yuan"]) == (121_000, 30_007)


def test_verifying_an_income_increase_makes_the_years_row_when_missing(assignment, county_coordinator):
    achievement, _ = submit(assignment, kind=Kind.COLLECTIVE_INCOME, amount_yuan=45_000, date=datetime.date(2023, 1, 5), year=2022)

    achievement_verify(achievement=achievement, reviewer=county_coordinator)

    row = IncomeIncrease.objects.get()
    assert (row.specialist, row.year, row.farmer_yuan, row.collective_yuan) == (assignment.specialist, 2022, 0, 45_000)


def test_verifying_an_economic_entity_registers_it(assignment, county_coordinator):
    industry = f.make_industry()
    achievement, _ = submit(assignment, industry=industry, **enterprise_fields())
    assert headline_figures()["enterprises"] == 0

    verified = achievement_verify(achievement=achievement, reviewer=county_coordinator)

    enterprise = Enterprise.objects.get()
    assert verified.enterprise == enterprise
    assert (enterprise.name, enterprise.credit_code, enterprise.kind, enterprise.relation) == (
        achievement.enterprise_name, achievement.enterprise_credit_code, "cooperative", "founded",
    )
    assert (enterprise.specialist, enterprise.village, enterprise.industry, enterprise.date) == (
        assignment.specialist, assignment.village, industry, DAY,
    )
    assert headline_figures()["enterprises"] == 1


def test_an_economic_entity_registered_meanwhile_refuses_the_verification(assignment, county_coordinator):
    achievement, _ = submit(assignment, **enterprise_fields())
    f.make_enterprise(credit_code=achievement.enterprise_credit_code)

    with pytest.raises(ValidationError) as caught:
        achievement_verify(achievement=achievement, reviewer=county_coordinator)

    assert list(caught.value.message_dict) == ["enterprise_credit_code"]
    assert fresh(achievement).status == "submitted" and achievement.enterprise is None
    assert Enterprise.objects.count() == 1


def test_four_new_and_awards_count_once_verified_by_their_year(assignment, county_coordinator):
    variety, _ = submit(assignment)
    mode, _ = submit(assignment, uuid=uuid.uuid4(), kind=Kind.FOUR_NEW_MODE, date=datetime.date(2023, 1, 2), year=2022)
    award, _ = submit(assignment, uuid=uuid.uuid4(), kind=Kind.AWARD, award_body="蚌埠市人民政府", award_level="city")
    submit(assignment, uuid=uuid.uuid4(), kind=Kind.FOUR_NEW_TECHNOLOGY)  # stays submitted
    rejected, _ = submit(assignment, uuid=uuid.uuid4(), kind=Kind.FOUR_NEW_EQUIPMENT)

    for achievement in (variety, mode, award):
        achievement_verify(achievement=achievement, reviewer=county_coordinator)
    achievement_reject(achievement=rejected, reviewer=county_coordinator, reason="材料不足")

    assert {k: headline_figures()[k] for k in ("four_new_achievements", "awards")} == {"four_new_achievements": 2, "awards": 1}
    assert {k: headline_figures(year=2023)[k] for k in ("four_new_achievements", "awards")} == {"four_new_achievements": 1, "awards": 1}
    assert {k: headline_figures(year=2022)[k] for k in ("four_new_achievements", "awards")} == {"four_new_achievements": 1, "awards": 0}


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_rejection_needs_a_reason(assignment, county_coordinator, reason):
    achievement, _ = submit(assignment)

    with pytest.raises(ValidationError) as caught:
        achievement_reject(achievement=achievement, reviewer=county_coordinator, reason=reason)

    assert caught.value.message_dict == {"reason": ["Give the reason for the rejection; the specialist will read it."]}
    assert fresh(achievement).status == "submitted"


def test_a_rejection_keeps_its_reason_and_never_counts(assignment, county_coordinator):
    achievement, _ = submit(assignment, kind=Kind.FARMER_INCOME, amount_yuan=80_000)

    rejected = achievement_reject(achievement=achievement, reviewer=county_coordinator, reason="  缺少收入证明  ")

    assert (fresh(rejected).status, rejected.reject_reason, rejected.reviewed_by) == ("rejected", "缺少收入证明", county_coordinator)
    assert not IncomeIncrease.objects.exists()
    with pytest.raises(AchievementReviewed, match="This achievement was already rejected on "):
        achievement_verify(achievement=achievement, reviewer=county_coordinator)
    assert not IncomeIncrease.objects.exists()


def test_a_reason_is_bounded(assignment, county_coordinator):
    achievement, _ = submit(assignment)
    with pytest.raises(ValidationError) as caught:
        achievement_reject(achievement=achievement, reviewer=county_coordinator, reason="理" * 1001)
    assert caught.value.message_dict == {"reason": ["The reason is 1001 characters long; at most 1000 are allowed."]}


def test_a_second_verification_is_refused_and_counts_nothing(assignment, county_coordinator):
    achievement, _ = submit(assignment, kind=Kind.FARMER_INCOME, amount_yuan=80_000)
    achievement_verify(achievement=achievement, reviewer=county_coordinator)

    # The caller's copy still says "submitted": the service reads the row again under its lock.
    with pytest.raises(AchievementReviewed, match="This achievement was already verified on "):
        achievement_verify(achievement=achievement, reviewer=county_coordinator)
    with pytest.raises(AchievementReviewed):
        achievement_reject(achievement=achievement, reviewer=county_coordinator, reason="重复")

    assert IncomeIncrease.objects.get().farmer_yuan == 80_000
    assert fresh(achievement).status == "verified"


def test_a_rejected_achievement_is_resubmitted_under_a_new_uuid(assignment, county_coordinator):
    first, _ = submit(assignment)
    achievement_reject(achievement=first, reviewer=county_coordinator, reason="请补充照片")

    again, created = submit(assignment, uuid=uuid.uuid4(), description="推广新品种 300 亩，附现场照片")
    achievement_verify(achievement=again, reviewer=county_coordinator)

    assert created
    assert sorted(Achievement.objects.values_list("status", flat=True)) == ["rejected", "verified"]


@pytest.mark.parametrize(
    "role, other_county",
    [(UserRole.Role.LEADER, False), (UserRole.Role.COORDINATOR, True), (UserRole.Role.SPECIALIST, False)],
    ids=["a-leader", "another-countys-coordinator", "a-specialist"],
)
def test_only_a_coordinator_of_the_specialists_unit_or_the_city_reviews(assignment, role, other_county):
    achievement, _ = submit(assignment, kind=Kind.FARMER_INCOME, amount_yuan=10_000)
    county = f.make_county() if other_county else (None if role == UserRole.Role.SPECIALIST else assignment.village.town.county)
    specialist = assignment.specialist if role == UserRole.Role.SPECIALIST else None
    user = f.make_user_role(role=role, county=county, specialist=specialist).user

    refusal = "Only a coordinator of the achievement's county-level unit, or of the city, may review this achievement."
    with pytest.raises(NotAllowed, match=refusal):
        achievement_verify(achievement=achievement, reviewer=user)
    with pytest.raises(NotAllowed, match=refusal):
        achievement_reject(achievement=achievement, reviewer=user, reason="无")
    assert fresh(achievement).status == "submitted"
    assert not IncomeIncrease.objects.exists()

    city = f.make_user_role(role=UserRole.Role.COORDINATOR).user
    assert achievement_verify(achievement=achievement, reviewer=city).status == "verified"


# --- evidence -----------------------------------------------------------------------------------

def upload(data, name="evidence.jpg"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def add(achievement, data, name="evidence.jpg", evidence_uuid=EVIDENCE_UUID):
    return achievement_evidence_add(achievement=achievement, uuid=evidence_uuid, upload=upload(data, name))


def evidence_errors(achievement, data, name="evidence.jpg"):
    with pytest.raises(ValidationError) as caught:
        add(achievement, data, name)
    assert AchievementEvidence.objects.count() == 0
    return caught.value.message_dict


def test_a_photo_is_stored_without_its_metadata(assignment, media):
    achievement, _ = submit(assignment)

    evidence, created = add(achievement, image_bytes("JPEG", exif=camera_exif()), name="../../现场照片.jpg")

    assert created
    assert (evidence.content_type, evidence.original_name) == ("image/jpeg", "现场照片.jpg")
    assert evidence.file.name == f"achievements/{UUID}/{EVIDENCE_UUID}.jpg"
    stored = (media / evidence.file.name).read_bytes()
    assert evidence.size_bytes == len(stored)
    assert dict(Image.open(io.BytesIO(stored)).getexif()) == {}


def test_a_pdf_is_stored_as_sent(assignment, media):
    achievement, _ = submit(assignment)

    evidence, created = add(achievement, PDF, name="收入证明.pdf")

    assert created and evidence.content_type == "application/pdf"
    assert (media / evidence.file.name).read_bytes() == PDF
    assert evidence.file.name.endswith(".pdf")


def test_a_retried_upload_returns_the_stored_file_even_after_review(assignment, county_coordinator):
    achievement, _ = submit(assignment)
    first, _ = add(achievement, PDF)
    achievement_verify(achievement=achievement, reviewer=county_coordinator)

    again, created = add(achievement, PDF)

    assert (again.pk, created) == (first.pk, False)
    assert AchievementEvidence.objects.count() == 1


def test_the_same_evidence_uuid_with_another_file_is_a_conflict(assignment):
    achievement, _ = submit(assignment)
    add(achievement, PDF)

    with pytest.raises(AchievementEvidenceConflict, match=f"A file with UUID {EVIDENCE_UUID} is already stored with different content."):
        add(achievement, image_bytes("PNG"))
    other, _ = submit(assignment, uuid=uuid.uuid4())
    with pytest.raises(AchievementEvidenceConflict):
        add(other, PDF)


def test_new_evidence_is_refused_once_reviewed(assignment, county_coordinator, media):
    achievement, _ = submit(assignment)
    achievement_reject(achievement=achievement, reviewer=county_coordinator, reason="材料不足")

    with pytest.raises(AchievementReviewed, match="This achievement was already reviewed; no evidence can be added to it."):
        add(achievement, PDF)
    assert not AchievementEvidence.objects.exists()
    assert not list(media.rglob("*.pdf"))  # the file written before the check is removed


def test_a_file_that_is_neither_photo_nor_pdf_is_refused(assignment):
    achievement, _ = submit(assignment)

    assert evidence_errors(achievement, b"<html>not a photo</html>", name="photo.jpg") == {
        "file": ["The file is neither a photo nor a PDF; send a JPEG, PNG or WebP photo or a PDF."],
    }
    assert evidence_errors(achievement, image_bytes("GIF"), name="photo.jpg") == {
        "file": ["GIF images are not accepted; send a JPEG, PNG or WebP photo."],
    }


def test_a_truncated_pdf_is_refused(assignment):
    achievement, _ = submit(assignment)
    assert evidence_errors(achievement, PDF[:40] + b" " * 2000, name="proof.pdf") == {
        "file": ["The PDF is incomplete: it does not end as a PDF does. Send it again."],
    }


def test_a_file_over_the_limit_is_refused_before_it_is_read(assignment, settings):
    settings.TEPAI_EVIDENCE_MAX_BYTES = len(PDF) - 1
    achievement, _ = submit(assignment)

    with pytest.raises(ValidationError) as caught:
        add(achievement, PDF, name="proof.pdf")

    assert caught.value.error_dict["file"][0].code == "too_large"
    assert caught.value.message_dict == {"file": [f"The file is {len(PDF)} bytes; at most {len(PDF) - 1} bytes are allowed."]}


def test_an_achievement_has_a_bounded_number_of_files(assignment):
    achievement, _ = submit(assignment)
    for _ in range(MAX_EVIDENCE):
        add(achievement, PDF, evidence_uuid=uuid.uuid4())

    with pytest.raises(ValidationError) as caught:
        add(achievement, PDF, evidence_uuid=uuid.uuid4())

    assert caught.value.message_dict == {"file": [f"An achievement has at most {MAX_EVIDENCE} files of evidence."]}
    assert AchievementEvidence.objects.count() == MAX_EVIDENCE


# --- at the same time, on PostgreSQL ------------------------------------------------------------

@pytest.mark.services("postgresql")
@pytest.mark.django_db(transaction=True)
def test_five_simultaneous_verifications_count_the_increase_once():
    assignment = f.make_village_assignment()
    coordinator = f.make_user_role(role=UserRole.Role.COORDINATOR).user
    achievement, _ = submit(assignment, kind=Kind.FARMER_INCOME, amount_yuan=70_000)

    results, failures = at_once(5, lambda i: achievement_verify(achievement=achievement, reviewer=coordinator))

    assert len(results) == 1
    assert len(failures) == 4 and all(isinstance(error, AchievementReviewed) for error in failures), failures
    assert IncomeIncrease.objects.get().farmer_yuan == 70_000
    assert connection.vendor == "postgresql"


@pytest.mark.services("postgresql")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_verifications_of_different_increases_all_count_in_one_row():
    assignment = f.make_village_assignment()
    coordinator = f.make_user_role(role=UserRole.Role.COORDINATOR).user
    achievements = [
        submit(assignment, uuid=uuid.uuid4(), kind=Kind.FARMER_INCOME, amount_yuan=1_000 * (i + 1))[0] for i in range(5)
    ]

    results, failures = at_once(5, lambda i: achievement_verify(achievement=achievements[i], reviewer=coordinator))

    assert failures == []
    # No row existed: the first increases race to create it, and every amount lands in the one row.
    row = IncomeIncrease.objects.get()
    assert (row.year, row.farmer_yuan) == (2023, 15_000)
    assert connection.vendor == "postgresql"


# --- the admin's actions ------------------------------------------------------------------------

def _admin_action(client, action, pks, **extra):
    response = client.post(
        "/en/admin/specialists/achievement/", {"action": action, "_selected_action": [str(pk) for pk in pks], **extra}, follow=True,
    )
    assert response.status_code == 200
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_admin_verifies_through_the_service(admin_client, assignment):
    income, _ = submit(assignment, kind=Kind.FARMER_INCOME, amount_yuan=9_000)
    done = f.make_achievement(specialist=assignment.specialist, status=Achievement.Status.VERIFIED)

    shown = _admin_action(admin_client, "verify_selected", [income.pk, done.pk])

    assert fresh(income).status == "verified"
    assert IncomeIncrease.objects.get().farmer_yuan == 9_000
    assert "Achievements verified: 1." in shown
    assert any(line.startswith(f"{done.title}: This achievement was already verified on ") for line in shown)


def test_the_admin_rejects_only_with_a_reason(admin_client, assignment):
    achievement, _ = submit(assignment)

    shown = _admin_action(admin_client, "reject_selected", [achievement.pk], reason=" ")
    assert shown == ["Give the reason for the rejection in the box beside the action."]
    assert fresh(achievement).status == "submitted"

    shown = _admin_action(admin_client, "reject_selected", [achievement.pk], reason="照片与成果不符")
    assert shown == ["Achievements rejected: 1."]
    assert (fresh(achievement).status, achievement.reject_reason) == ("rejected", "照片与成果不符")


def test_the_admin_shows_the_services_refusal_to_a_staff_user_who_may_not_review(client, assignment):
    # Staff with the admin's permissions but no coordinator role (set by hand): the service refuses (NotAllowed).
    staff = f.make_user(is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_achievement", "change_achievement"]))
    client.force_login(staff)
    achievement, _ = submit(assignment)

    shown = _admin_action(client, "verify_selected", [achievement.pk])

    assert shown == [f"{achievement.title}: Only a coordinator of the achievement's county-level unit, or of the city, may review this achievement."]
    assert fresh(achievement).status == "submitted"


@pytest.mark.services("postgresql")
@pytest.mark.django_db(transaction=True)
def test_five_simultaneous_uploads_of_one_evidence_file_store_one_row_and_one_file(media):
    achievement, _ = submit(f.make_village_assignment(start_date=datetime.date(2023, 3, 1)))

    results, failures = at_once(5, lambda i: add(achievement, PDF, name="收入证明.pdf"))

    assert failures == []
    stored = AchievementEvidence.objects.get()
    assert {evidence.pk for evidence, _ in results} == {stored.pk}
    assert sorted(created for _, created in results) == [False, False, False, False, True]
    assert [str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()] == [stored.file.name]
    assert connection.vendor == "postgresql"
