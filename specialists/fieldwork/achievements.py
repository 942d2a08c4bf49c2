"""Achievements (成果): submitted once from a phone that retries, reviewed once by a coordinator.

Submission and evidence are stored once by specialists.idempotency (record_once,
attach_file_once), as service logs and their photos are: each carries a UUID the phone made; a retry
with the same UUID and content returns what is stored and creates nothing; the same UUID with other
content is a conflict (AchievementConflict, AchievementEvidenceConflict: 409 in the API);
simultaneous retries are settled by the unique constraint on `uuid`.

Review: only a submitted achievement is verified or rejected, once (AchievementReviewed otherwise).
Verification is what makes an achievement count: an income increase is added to the specialist's
IncomeIncrease of its year, an economic entity becomes an Enterprise row, and "four new"
achievements and awards are counted by specialists.reports.figures.headline_figures. The row is locked
(select_for_update) for the whole review, so two coordinators verifying at once count it once.
A rejected achievement stays rejected, with its reason; the specialist submits a new one (new UUID).
Only a coordinator of the achievement's county-level unit or of the city reviews (NotAllowed otherwise).
"""

import datetime
import io
import os
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


from specialists.assignments.models import VillageAssignment
from specialists.fieldwork.models import Achievement, AchievementEvidence, Enterprise, IncomeIncrease
from specialists.fieldwork.photos import prepare_photo, read_upload
from specialists.idempotency import (
    StoredRowConflict,
    attach_file_once,
    file_fingerprint,
    fingerprint,
    parse_uuid,
    record_once,
)
from specialists.people.models import Specialist
from villages.errors import NotAllowed
from villages.models import Village
from specialists.fieldwork.selectors import may_review_achievement

MAX_EVIDENCE = 20
MAX_REASON = 1000
PDF_MAGIC = b"%PDF-"
# A PDF ends with %%EOF, give or take trailing whitespace and an incremental-update tail; one
# missing from the last kilobyte is a file cut short by a dropped connection.
PDF_EOF_WINDOW = 1024

# An enterprise achievement's fields, as the Enterprise model names them.
ENTERPRISE_FIELDS = {
    "name": "enterprise_name", "credit_code": "enterprise_credit_code", "kind": "enterprise_kind",
    "relation": "enterprise_relation", "village": "village", "industry": "industry", "date": "date",
}


class AchievementConflict(StoredRowConflict):
    """A UUID already stored with different content, or a change the stored state no longer allows."""

    template = _("An achievement with UUID %(uuid)s is already stored with different content.")


class AchievementEvidenceConflict(AchievementConflict):
    """An evidence UUID already stored with a different file, or for a different achievement."""

    template = _("A file with UUID %(uuid)s is already stored with different content.")


class AchievementReviewed(AchievementConflict):
    """The achievement was already verified or rejected: it is never reviewed (or added to) again."""


def submission_fingerprint(
    *, specialist_id, kind, title, description, date, year, village_code, industry_id, amount_yuan,
    enterprise_name, enterprise_credit_code, enterprise_kind, enterprise_relation, award_body, award_level,
) -> str:
    """The hash of what a phone sent, after defaults are applied: equal for a retry, different for a clash."""
    return fingerprint({
        "specialist": specialist_id, "kind": kind, "title": title, "description": description, "date": date.isoformat(),
        "year": year, "village": village_code or None, "industry": industry_id, "amount_yuan": amount_yuan,
        "enterprise_name": enterprise_name, "enterprise_credit_code": enterprise_credit_code, "enterprise_kind": enterprise_kind,
        "enterprise_relation": enterprise_relation, "award_body": award_body, "award_level": award_level,
    })


def achievement_submit(
    *, specialist: Specialist, uuid, kind: str, title: str, date: datetime.date, year: int | None = None,
    description: str = "", village_code: str | None = None, industry=None, amount_yuan: int | None = None,
    enterprise_name: str = "", enterprise_credit_code: str = "", enterprise_kind: str = "", enterprise_relation: str = "",
    award_body: str = "", award_level: str = "",
) -> tuple[Achievement, bool]:
    """Store an achievement a specialist sent from their phone, once: (achievement, created).

    Called by the API on behalf of the signed-in specialist (the caller decides who that is). `year`
    (the year whose figures it counts in) defaults to the date's year; an amount of 0 on a kind
    without one is taken as none. The specialist must be active; a named village must exist and be
    (or have been) one the specialist serves; an economic entity's credit code must pass GB 32100
    and not be registered already. Returns the stored achievement with created False when the UUID
    is known with the same content; raises AchievementConflict when it is known with other content,
    ValidationError (by field) on bad input. Queues nothing.
    """
    uuid = parse_uuid(uuid, message=_("Give the achievement's UUID, as the phone made it."))
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise ValidationError({"date": ValidationError(_("Give the date the achievement was made."), code="invalid")})
    if year is None:
        year = date.year
    if kind not in Achievement.INCOME and amount_yuan == 0:
        amount_yuan = None
    sent = submission_fingerprint(
        specialist_id=specialist.pk, kind=kind, title=title, description=description, date=date, year=year,
        village_code=village_code, industry_id=industry.pk if industry is not None else None, amount_yuan=amount_yuan,
        enterprise_name=enterprise_name, enterprise_credit_code=enterprise_credit_code, enterprise_kind=enterprise_kind,
        enterprise_relation=enterprise_relation, award_body=award_body, award_level=award_level,
    )

    def new_achievement():
        # Only for a UUID not stored yet: a retry is answered from what was stored, even if these
        # rules would refuse it now (the specialist was suspended since).
        errors = {}
        village = None
        if village_code:
            village = Village.objects.filter(code=village_code).first()
            if village is None:
                errors["village"] = ValidationError(_("No village has the code %(code)s."), params={"code": village_code}, code="unknown")
            elif not VillageAssignment.objects.filter(specialist=specialist, village=village).exists():
                errors["village"] = ValidationError(
                    _("%(specialist)s has never been assigned to %(village)s."),
                    params={"specialist": specialist.name, "village": village.name}, code="not_assigned",
                )
        if specialist.status != Specialist.Status.ACTIVE:
            errors["specialist"] = ValidationError(_("Only an active specialist may submit achievements."), code="inactive")
        if date > timezone.localdate():
            errors["date"] = ValidationError(_("An achievement cannot be dated in the future."), code="future")
        if (kind == Achievement.Kind.ENTERPRISE and enterprise_credit_code
                and Enterprise.objects.filter(credit_code=enterprise_credit_code).exists()):
            errors["enterprise_credit_code"] = ValidationError(
                _("An economic entity with credit code %(code)s is already registered."),
                params={"code": enterprise_credit_code}, code="taken",
            )

        achievement = Achievement(
            uuid=uuid, specialist=specialist, kind=kind, title=title, description=description, date=date, year=year,
            village=village, industry=industry, amount_yuan=amount_yuan, enterprise_name=enterprise_name,
            enterprise_credit_code=enterprise_credit_code, enterprise_kind=enterprise_kind, enterprise_relation=enterprise_relation,
            award_body=award_body, award_level=award_level, fingerprint=sent,
        )
        try:
            # The UUID's uniqueness is the database's to settle (record_once); checking it here would race.
            achievement.full_clean(exclude=["uuid", *errors], validate_unique=False)
        except ValidationError as error:
            errors = {**error.error_dict, **errors}
        if errors:
            raise ValidationError(errors)
        return achievement

    return record_once(Achievement, uuid=uuid, same={"fingerprint": sent}, conflict=AchievementConflict, build=new_achievement)


def _lock_for_review(achievement: Achievement, reviewer) -> Achievement:
    """The achievement re-read under a row lock, once the reviewer is known to be allowed."""
    if not may_review_achievement(reviewer, achievement):
        raise NotAllowed(_("Only a coordinator of the achievement's county-level unit, or of the city, may review this achievement."))
    locked = Achievement.objects.select_for_update().get(pk=achievement.pk)
    if locked.status != Achievement.Status.SUBMITTED:
        if locked.status == Achievement.Status.VERIFIED:
            message = _("This achievement was already verified on %(day)s.")
        else:
            message = _("This achievement was already rejected on %(day)s.")
        raise AchievementReviewed(locked, message % {"day": timezone.localdate(locked.reviewed_at).isoformat()})
    return locked


def _credit_income(achievement: Achievement) -> None:
    column = "farmer_yuan" if achievement.kind == Achievement.Kind.FARMER_INCOME else "collective_yuan"
    # get_or_create settles two first increases of the same specialist and year (the unique
    # constraint, then a re-read); F() adds in the database, so concurrent additions all count.
    row, _created = IncomeIncrease.objects.get_or_create(specialist_id=achievement.specialist_id, year=achievement.year)
    IncomeIncrease.objects.filter(pk=row.pk).update(**{column: F(column) + achievement.amount_yuan})


def _create_enterprise(achievement: Achievement) -> Enterprise:
    enterprise = Enterprise(
        name=achievement.enterprise_name, credit_code=achievement.enterprise_credit_code, kind=achievement.enterprise_kind,
        relation=achievement.enterprise_relation, specialist_id=achievement.specialist_id, village_id=achievement.village_id,
        industry_id=achievement.industry_id, date=achievement.date,
    )
    try:
        enterprise.full_clean()
    except ValidationError as error:
        # Named as the achievement names them: the coordinator sees which of its fields is wrong.
        raise ValidationError({ENTERPRISE_FIELDS.get(field, field): messages for field, messages in error.message_dict.items()}) from None
    try:
        with transaction.atomic():
            enterprise.save(force_insert=True)
    except IntegrityError:
        # Another verification registered the same credit code between the check and the insert.
        raise ValidationError({"enterprise_credit_code": ValidationError(
            _("An economic entity with credit code %(code)s is already registered."),
            params={"code": achievement.enterprise_credit_code}, code="taken",
        )}) from None
    return enterprise


def achievement_verify(*, achievement: Achievement, reviewer) -> Achievement:
    """Verify a submitted achievement, so that it counts: returns the achievement as stored.

    For a coordinator of the specialist's county-level unit or of the city (NotAllowed for anyone
    else). In one transaction, with the achievement locked: an income increase is added to
    the specialist's IncomeIncrease of the achievement's year (the row made when missing); an
    economic entity is registered as an Enterprise, whose model rules may refuse it (ValidationError
    naming the achievement's field, and nothing is verified). Raises AchievementReviewed when it was
    already verified or rejected. Queues nothing.
    """
    with transaction.atomic():
        locked = _lock_for_review(achievement, reviewer)
        update_fields = ["status", "reviewed_by", "reviewed_at"]
        if locked.kind in Achievement.INCOME:
            _credit_income(locked)
        elif locked.kind == Achievement.Kind.ENTERPRISE:
            locked.enterprise = _create_enterprise(locked)
            update_fields.append("enterprise")
        locked.status = Achievement.Status.VERIFIED
        locked.reviewed_by = reviewer
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=update_fields)
    return locked


def achievement_reject(*, achievement: Achievement, reviewer, reason: str) -> Achievement:
    """Reject a submitted achievement with the reason the specialist will read: returns it as stored.

    For the same coordinators as achievement_verify. The reason is required (ValidationError on
    `reason`); AchievementReviewed when it was already reviewed. A rejected achievement never counts
    and is never reviewed again. Queues nothing.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Give the reason for the rejection; the specialist will read it."), code="required")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": ValidationError(
            _("The reason is %(length)s characters long; at most %(max)s are allowed."),
            params={"length": len(reason), "max": MAX_REASON}, code="max_length",
        )})
    with transaction.atomic():
        locked = _lock_for_review(achievement, reviewer)
        locked.status = Achievement.Status.REJECTED
        locked.reject_reason = reason
        locked.reviewed_by = reviewer
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["status", "reject_reason", "reviewed_by", "reviewed_at"])
    return locked


# --- evidence ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PreparedEvidence:
    content: bytes
    content_type: str
    extension: str
    fingerprint: str  # SHA-256 of the bytes as uploaded, to recognise a retried upload


def _file_error(message, code, **params):
    return ValidationError({"file": ValidationError(message, code=code, params=params or None)})


def prepare_evidence(upload, *, max_bytes: int, max_pixels: int) -> PreparedEvidence:
    """Check an evidence file by its content, never its name: a PDF kept as sent, or a photo
    re-encoded without metadata (specialists.fieldwork.photos). Raises ValidationError on `file` (codes
    too_large, not_accepted, damaged, and the photo codes too_many_pixels, unsupported_format)."""
    data = read_upload(upload, max_bytes=max_bytes, field="file")
    uploaded = file_fingerprint(data)
    if data.startswith(PDF_MAGIC):
        if b"%%EOF" not in data[-PDF_EOF_WINDOW:]:
            raise _file_error(_("The PDF is incomplete: it does not end as a PDF does. Send it again."), "damaged")
        return PreparedEvidence(content=data, content_type=AchievementEvidence.ContentType.PDF, extension="pdf", fingerprint=uploaded)
    try:
        photo = prepare_photo(io.BytesIO(data), max_bytes=max_bytes, max_pixels=max_pixels)
    except ValidationError as error:
        problems = error.error_dict.get("image", [])
        if any(problem.code == "not_image" for problem in problems):
            raise _file_error(_("The file is neither a photo nor a PDF; send a JPEG, PNG or WebP photo or a PDF."), "not_accepted") from None
        raise ValidationError({"file": problems}) from None
    return PreparedEvidence(
        content=photo.content, content_type=f"image/{photo.format}", extension=photo.extension, fingerprint=uploaded,
    )


def _original_name(upload) -> str:
    # Shown to coordinators: the base name only, without control characters, within the column.
    name = os.path.basename(str(getattr(upload, "name", "") or "").replace("\\", "/"))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    return name[:200]


def _check_takes_evidence(achievement: Achievement) -> None:
    """Refuse new evidence for a reviewed achievement, or one with MAX_EVIDENCE files already."""
    if achievement.status != Achievement.Status.SUBMITTED:
        raise AchievementReviewed(achievement, _("This achievement was already reviewed; no evidence can be added to it."))
    if achievement.evidence.count() >= MAX_EVIDENCE:
        raise _file_error(_("An achievement has at most %(max)s files of evidence."), "too_many", max=MAX_EVIDENCE)


def achievement_evidence_add(*, achievement: Achievement, uuid, upload) -> tuple[AchievementEvidence, bool]:
    """Store an evidence file of an achievement, once: (evidence, created).

    Called by the API for the achievement's own specialist (the caller checks that). The file is
    checked by prepare_evidence (TEPAI_EVIDENCE_MAX_BYTES; TEPAI_PHOTO_MAX_PIXELS for photos) and
    stored under media `achievements/<achievement uuid>/<evidence uuid>.<ext>`. A retried upload
    (same UUID, same achievement, same bytes) returns the stored evidence with created False, even
    after review; the same UUID with another file or achievement raises AchievementEvidenceConflict.
    New evidence is refused once the achievement is reviewed (AchievementReviewed) or has
    MAX_EVIDENCE files (ValidationError on `file`). Queues nothing.
    """
    uuid = parse_uuid(uuid, message=_("Give the file's UUID, as the phone made it."))
    prepared = prepare_evidence(upload, max_bytes=settings.TEPAI_EVIDENCE_MAX_BYTES, max_pixels=settings.TEPAI_PHOTO_MAX_PIXELS)
    return attach_file_once(
        AchievementEvidence, uuid=uuid, parent=achievement, same={"achievement_id": achievement.pk, "fingerprint": prepared.fingerprint},
        conflict=AchievementEvidenceConflict, check=_check_takes_evidence,
        build=lambda: AchievementEvidence(
            uuid=uuid, achievement=achievement, content_type=prepared.content_type, size_bytes=len(prepared.content),
            original_name=_original_name(upload), fingerprint=prepared.fingerprint,
        ),
        file_field="file", name=f"{uuid}.{prepared.extension}", content=prepared.content,
    )
