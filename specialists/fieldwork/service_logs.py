"""Recording service logs and their photos from phones that retry after a lost response.

Each log and each photo carries a UUID the phone made, and is stored once by specialists.idempotency
(record_once, attach_file_once), which holds the contract: a retry with the same UUID and content
returns what is stored and creates nothing, the same UUID with other content is a conflict
(ServiceLogConflict, ServiceLogPhotoConflict: 409 in the API), simultaneous retries are settled by
the unique constraint on `uuid`. What is here are the rules a new log or photo must pass.
"""

import dataclasses
import datetime
import logging
from collections.abc import Mapping, Sequence

import numpy as np
import shapely

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from specialists.assignments.models import VillageAssignment, runs_on
from specialists.fieldwork.locator import village_locator
from villages.coordinates import gcj02_to_wgs84_many
from specialists.fieldwork.models import ServiceLog, ServiceLogPhoto
from specialists.fieldwork.photos import keep_thumbnail, prepare_photo
from specialists.idempotency import (
    StoredRowConflict,
    attach_file_once,
    fingerprint,
    parse_uuid,
    record_many_once,
    record_once,
)
from specialists.people.models import Specialist
from villages import coordinates, geometry
from villages.models import Village

logger = logging.getLogger(__name__)

# A phone's clock may run a little fast; a log this far in the future is still accepted.
CLOCK_SKEW = datetime.timedelta(minutes=10)
# Photos one service log may carry: enough for any visit, and a bound on what one log can store.
MAX_PHOTOS = 20


class ServiceLogConflict(StoredRowConflict):
    """A UUID already stored with different content: the phone reused a UUID, or sent a changed log."""

    template = _("A service log with UUID %(uuid)s is already stored with different content.")


class ServiceLogPhotoConflict(ServiceLogConflict):
    """A photo UUID already stored with a different image, or for a different log."""

    template = _("A photo with UUID %(uuid)s is already stored with a different image.")


def _parse_location(location) -> tuple[float, float, float | None, str]:
    """(lon, lat, accuracy_m, crs) as sent, or a ValidationError on `location`."""
    def invalid(message, **params):
        return ValidationError({"location": ValidationError(message, params=params or None, code="invalid")})

    if not isinstance(location, Mapping):
        raise invalid(_("Give the location as longitude, latitude, accuracy in metres and coordinate system."))
    crs = location.get("crs", ServiceLog.CRS.WGS84)
    if crs not in ServiceLog.CRS.values:
        raise invalid(_("The coordinate system must be WGS84 or GCJ02, not %(crs)s."), crs=crs)
    try:
        lon, lat = float(location["lon"]), float(location["lat"])
        accuracy = location.get("accuracy_m")
        accuracy = None if accuracy is None else float(accuracy)
    except (KeyError, TypeError, ValueError):
        raise invalid(_("Give the location's longitude and latitude as numbers.")) from None
    if accuracy is not None and not accuracy >= 0:
        raise invalid(_("The accuracy must be a number of metres, zero or more."))
    try:
        geometry.validate_point(lon, lat)
    except ValidationError as error:
        raise ValidationError({"location": error}) from None
    return lon, lat, accuracy, crs


def _in_village(village: Village, lon: float, lat: float) -> tuple[bool | None, float | None]:
    shape = village.shape
    if shape is None:
        return None, None
    # To the decimetre: a phone's fix is good to metres at best, and the figure is shown and exported.
    distance = round(coordinates.distance_m(shape, lon, lat), 1)
    return distance <= settings.TEPAI_LOG_DISTANCE_M, distance


def _sent(*, specialist, uuid, village_code, kind, occurred_at, description, people_served, location):
    """What a phone sent, parsed: (uuid, lon, lat, accuracy, crs, fingerprint), or a ValidationError by field.
    No query."""
    uuid = parse_uuid(uuid, message=_("Give the log's UUID, as the phone made it."))
    if not isinstance(occurred_at, datetime.datetime) or timezone.is_naive(occurred_at):
        raise ValidationError({"occurred_at": ValidationError(_("Give the date and time with its UTC offset."), code="invalid")})
    lon, lat, accuracy, crs = _parse_location(location)
    # A log sent without a village keeps None here: a retry sends none either, whichever village it was put in.
    sent = fingerprint({
        "specialist": specialist.pk, "village": village_code, "kind": kind,
        "occurred_at": occurred_at.astimezone(datetime.UTC).isoformat(), "description": description,
        "people_served": people_served, "lon": lon, "lat": lat, "accuracy_m": accuracy, "crs": crs,
    })
    return uuid, lon, lat, accuracy, crs, sent


def _unknown_village(village_code):
    return ValidationError({"village": ValidationError(
        _("No village has the code %(code)s."), params={"code": village_code}, code="unknown",
    )})


def _no_village_here():
    return ValidationError({"village": ValidationError(
        _("The location lies in no village's boundary; give the village's code."), code="not_located",
    )})


def _rule_errors(*, specialist, village, assigned: bool, occurred_at, day, now) -> dict:
    """The rules a new log must pass, with what the caller read: {field: ValidationError}, empty when it passes."""
    errors = {}
    if specialist.status != Specialist.Status.ACTIVE:
        errors["specialist"] = ValidationError(_("Only an active specialist may record service logs."), code="inactive")
    if not assigned:
        errors["village"] = ValidationError(
            _("%(specialist)s was not assigned to %(village)s on %(day)s."),
            params={"specialist": specialist.name, "village": village.name, "day": day.isoformat()}, code="not_assigned",
        )
    if occurred_at > now + CLOCK_SKEW:
        errors["occurred_at"] = ValidationError(_("The service cannot have taken place in the future."), code="future")
    return errors


def _cleaned(log, *, exclude=("uuid",), constraints=True):
    """The model's own checks on a new log (no uniqueness: the database settles that), by the API's fields.
    Without `constraints`, Meta.constraints are left to the database's insert: Django checks each with a
    query of its own, and the fields' validators and clean() already say the same in Python."""
    try:
        log.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=constraints)
    except ValidationError as error:
        # The model's lon/lat are the API's location.
        raise ValidationError({
            ("location" if field in ("lon", "lat", "accuracy_m", "crs") else field): messages
            for field, messages in error.message_dict.items()
        }) from None
    return log


def service_log_record(
    *, specialist: Specialist, uuid, village_code: str | None, kind: str, occurred_at: datetime.datetime,
    description: str, people_served: int, location: Mapping,
) -> tuple[ServiceLog, bool]:
    """Store a service log a specialist sent from their phone, once: (log, created).

    Called by the API on behalf of the signed-in specialist (the caller decides who that is).
    The specialist must be active and assigned to the village on the day the work took place;
    `location` is {"lon", "lat", "accuracy_m", "crs"}, with crs WGS84 or GCJ02, and is stored in
    WGS-84. Without `village_code` the village is the one whose boundary holds the location
    (locator.village_locator; on a border, one the specialist serves that day if there is one).
    Returns the stored log with created False when the UUID is known with the same content;
    raises ServiceLogConflict when it is known with different content, ValidationError (by field)
    on bad input. Queues nothing. service_logs_record_batch keeps the same contract for many logs.
    """
    uuid, lon, lat, accuracy, crs, sent = _sent(
        specialist=specialist, uuid=uuid, village_code=village_code, kind=kind, occurred_at=occurred_at,
        description=description, people_served=people_served, location=location,
    )

    def new_log():
        # Only for a UUID not stored yet: a retry is answered from what was stored, even if these
        # rules would refuse it now (the specialist's assignment has ended since).
        wgs_lon, wgs_lat = coordinates.to_wgs84(lon, lat, crs)
        day = timezone.localdate(occurred_at)
        assignments = VillageAssignment.objects.filter(specialist=specialist).running_on(day)
        if village_code is None:
            candidates = village_locator().locate([wgs_lon], [wgs_lat])[0]
            if not candidates:
                raise _no_village_here()
            served = set(assignments.filter(village_id__in=candidates).values_list("village_id", flat=True))
            chosen = next((pk for pk in candidates if pk in served), candidates[0])
            village = Village.objects.get(pk=chosen)
            assigned = chosen in served
        else:
            village = Village.objects.filter(code=village_code).first()
            if village is None:
                raise _unknown_village(village_code)
            assigned = assignments.filter(village=village).exists()
        errors = _rule_errors(specialist=specialist, village=village, assigned=assigned, occurred_at=occurred_at, day=day, now=timezone.now())
        if errors:
            raise ValidationError(errors)
        in_village, distance = _in_village(village, wgs_lon, wgs_lat)
        return _cleaned(ServiceLog(
            uuid=uuid, specialist=specialist, village=village, kind=kind, occurred_at=occurred_at, description=description,
            people_served=people_served, lon=wgs_lon, lat=wgs_lat, accuracy_m=accuracy, crs=crs,
            in_village=in_village, distance_m=distance, fingerprint=sent,
        ))

    return record_once(ServiceLog, uuid=uuid, same={"fingerprint": sent}, conflict=ServiceLogConflict, build=new_log)


# ---- Many logs at once ----


def max_batch() -> int:
    """The most logs one batch may carry (TEPAI_LOG_BATCH_MAX)."""
    return settings.TEPAI_LOG_BATCH_MAX



def check_batch_size(count: int) -> None:
    """Refuse a batch of more than max_batch() logs: a ValidationError on `logs` naming the limit, with
    code too_large (the API answers 413, as for any request too large to take)."""
    limit = max_batch()
    if count > limit:
        raise ValidationError({"logs": ValidationError(
            _("A batch holds at most %(max)s service logs; this one has %(count)s. Send them in smaller batches.")
            % {"max": limit, "count": count}, code="too_large",
        )})


@dataclasses.dataclass
class LogOutcome:
    """One log of a batch, answered as the single route would: `log` with `created` (201) or not (200),
    or `error` (a ValidationError by field, or a ServiceLogConflict)."""

    uuid: str
    log: ServiceLog | None = None
    created: bool = False
    error: Exception | None = None


@dataclasses.dataclass
class _New:
    outcome: LogOutcome
    uuid: object
    lon: float
    lat: float
    accuracy: float | None
    crs: str
    fingerprint: str
    entry: Mapping
    village: Village | None = None
    wgs_lon: float = 0.0
    wgs_lat: float = 0.0


def _wgs84_many(news):
    """The WGS-84 point of each new log, GCJ-02 ones converted in one vectorised call."""
    lons = np.array([new.lon for new in news], dtype=float)
    lats = np.array([new.lat for new in news], dtype=float)
    gcj = np.array([new.crs == ServiceLog.CRS.GCJ02 for new in news], dtype=bool)
    if gcj.any():
        lons[gcj], lats[gcj] = gcj02_to_wgs84_many(lons[gcj], lats[gcj])
    for new, lon, lat in zip(news, lons.tolist(), lats.tolist(), strict=True):
        new.wgs_lon, new.wgs_lat = lon, lat


def _place_many(news):
    """in_village and distance_m for each new log, as _in_village gives them: a point inside its village's
    boundary (shapely.contains_xy over the whole batch) is 0 m away; a distance is measured only for the
    points outside, in one projection of their villages and one of their points."""
    # Each village's boundary decoded once, however many logs it has.
    decoded = {}
    for new in news:
        if new.village.pk not in decoded:
            decoded[new.village.pk] = new.village.shape
    shapes = np.array([decoded[new.village.pk] for new in news], dtype=object)
    known = ~shapely.is_missing(shapes)
    xs = np.array([new.wgs_lon for new in news], dtype=float)
    ys = np.array([new.wgs_lat for new in news], dtype=float)
    distances = np.full(len(news), np.nan)
    inside = np.zeros(len(news), dtype=bool)
    if known.any():
        inside[known] = shapely.contains_xy(shapes[known], xs[known], ys[known])
    distances[inside] = 0.0
    outside = np.flatnonzero(known & ~inside)
    if len(outside):
        # Each village projected once, however many of its points lie outside it.
        by_village = {}
        for index in outside.tolist():
            by_village.setdefault(news[index].village.pk, index)
        projected = dict(zip(by_village, geometry.project(shapes[list(by_village.values())]), strict=True))
        px, py = geometry.transformer(geometry.STORAGE_CRS, geometry.PROJECTED_CRS).transform(xs[outside], ys[outside])
        boundaries = np.array([projected[news[index].village.pk] for index in outside.tolist()], dtype=object)
        distances[outside] = shapely.distance(boundaries, shapely.points(px, py))
    limit = settings.TEPAI_LOG_DISTANCE_M
    for index, new in enumerate(news):
        if not known[index]:
            yield new, None, None
        else:
            # To the decimetre, as _in_village.
            distance = round(float(distances[index]), 1)
            yield new, distance <= limit, distance


def service_logs_record_batch(*, specialist: Specialist, entries: Sequence[Mapping]) -> list[LogOutcome]:
    """Store many service logs a specialist sent from their phone, each once: one LogOutcome per entry, in order.

    Called by the API on behalf of the signed-in specialist, with entries shaped as service_log_record's
    arguments ({"uuid", "village" (a code, or None to locate it), "kind", "occurred_at", "description",
    "people_served", "location"}). Each entry is answered as service_log_record would answer it alone,
    with the same messages: stored (created True), a retry of a stored log (created False, whatever the
    rules say now), a ServiceLogConflict, or a ValidationError by field. One entry's refusal never
    refuses another. A UUID repeated within the batch is answered as a retry of its first occurrence when
    the content is the same and it was stored, and refused on `uuid` otherwise.

    Raises a ValidationError on `logs` (code too_large) beyond max_batch() entries. Queries, whatever the number of entries: the
    stored UUIDs, the villages (by code and by the locator's answer), the specialist's assignments
    meeting the batch's days, then one insert (a bulk_create in one transaction: all the new logs or,
    on a failure, none); building the locator adds one, once per process. The logs of a stored UUID
    come back with only id, uuid and fingerprint loaded. Queues nothing; ServiceLog has no signals.
    """
    check_batch_size(len(entries))
    outcomes = [LogOutcome(uuid=str(entry.get("uuid", ""))) for entry in entries]
    parsed: list[_New] = []
    first_of: dict = {}
    repeats = []
    for outcome, entry in zip(outcomes, entries, strict=True):
        try:
            uuid, lon, lat, accuracy, crs, sent = _sent(
                specialist=specialist, uuid=entry.get("uuid"), village_code=entry.get("village"), kind=entry.get("kind"),
                occurred_at=entry.get("occurred_at"), description=entry.get("description"),
                people_served=entry.get("people_served"), location=entry.get("location"),
            )
        except ValidationError as error:
            outcome.error = error
            continue
        outcome.uuid = str(uuid)
        new = _New(outcome, uuid, lon, lat, accuracy, crs, sent, entry)
        if uuid in first_of:
            repeats.append(new)
        else:
            first_of[uuid] = new
            parsed.append(new)

    def build(indices):
        news = [parsed[index] for index in indices]
        _check_many(specialist, news)
        return {index: new.outcome.error or new.outcome.log for index, new in zip(indices, news, strict=True)}

    # The stored UUIDs are answered from what was stored, whatever the rules say now; the new ones are
    # checked together by build and inserted at once (specialists.idempotency).
    recorded = record_many_once(
        ServiceLog, items=[(new.uuid, {"fingerprint": new.fingerprint}) for new in parsed], conflict=ServiceLogConflict,
        build=build,
    )
    for new, answer in zip(parsed, recorded, strict=True):
        new.outcome.log, new.outcome.created, new.outcome.error = answer.row, answer.created, answer.error

    for new in repeats:
        first = first_of[new.uuid]
        if first.outcome.log is not None and first.fingerprint == new.fingerprint:
            new.outcome.log = first.outcome.log
        elif first.outcome.log is not None:
            new.outcome.error = ServiceLogConflict(first.outcome.log)
        else:
            new.outcome.error = ValidationError({"uuid": ValidationError(
                _("This UUID is sent twice in the batch; a log's UUID must be its own."), code="repeated",
            )})
    return outcomes


# The fields a batch's new log needs no field check for: the specialist and village are the rows just read
# (a foreign key's check is a query), the time and location were parsed by _sent (clean() still checks the
# converted point), and the rest are computed here. What is left is what the phone typed or chose.
_CHECKED_BEFORE = ("uuid", "specialist", "village", "occurred_at", "lon", "lat", "crs", "in_village", "distance_m",
                   "fingerprint", "created_at")


def _check_many(specialist, news):
    """The rules of service_log_record's new_log for every new log of a batch, with two queries for all:
    the villages, then the specialist's assignments on the batch's days. Sets each one's village and
    WGS-84 point, or its error."""
    _wgs84_many(news)
    codes = {new.entry.get("village") for new in news if new.entry.get("village") is not None}
    unplaced = [new for new in news if new.entry.get("village") is None]
    candidates = {}
    if unplaced:
        located = village_locator().locate([new.wgs_lon for new in unplaced], [new.wgs_lat for new in unplaced])
        candidates = {id(new): ids for new, ids in zip(unplaced, located, strict=True)}
    located_ids = {pk for ids in candidates.values() for pk in ids}
    villages = Village.objects.filter(Q(code__in=codes) | Q(pk__in=located_ids)).only("id", "code", "name", "boundary")
    by_code, by_id = {}, {}
    for village in villages:
        by_code[village.code] = by_id[village.pk] = village
    days = [timezone.localdate(new.entry["occurred_at"]) for new in news]
    running = {}
    if by_id:
        for village_id, start, end in (
            VillageAssignment.objects.filter(specialist=specialist, village_id__in=list(by_id))
            .overlapping(min(days), max(days)).values_list("village_id", "start_date", "end_date")
        ):
            running.setdefault(village_id, []).append((start, end))

    def serves(village_id, day):
        return any(runs_on(start, end, day) for start, end in running.get(village_id, ()))

    now = timezone.now()
    checked = []
    for new, day in zip(news, days, strict=True):
        code = new.entry.get("village")
        if code is None:
            ids = candidates[id(new)]
            if not ids:
                new.outcome.error = _no_village_here()
                continue
            new.village = by_id[next((pk for pk in ids if serves(pk, day)), ids[0])]
        else:
            new.village = by_code.get(code)
            if new.village is None:
                new.outcome.error = _unknown_village(code)
                continue
        errors = _rule_errors(
            specialist=specialist, village=new.village, assigned=serves(new.village.pk, day),
            occurred_at=new.entry["occurred_at"], day=day, now=now,
        )
        if errors:
            new.outcome.error = ValidationError(errors)
        else:
            checked.append(new)
    for new, in_village, distance in _place_many(checked):
        entry = new.entry
        log = ServiceLog(
            uuid=new.uuid, specialist=specialist, village=new.village, kind=entry.get("kind"), occurred_at=entry["occurred_at"],
            description=entry.get("description"), people_served=entry.get("people_served"), lon=new.wgs_lon, lat=new.wgs_lat,
            accuracy_m=new.accuracy, crs=new.crs, in_village=in_village, distance_m=distance, fingerprint=new.fingerprint,
        )
        try:
            new.outcome.log = _cleaned(log, exclude=_CHECKED_BEFORE, constraints=False)
        except ValidationError as error:
            new.outcome.error = error


def _check_photo_count(log):
    if ServiceLogPhoto.objects.filter(log=log).count() >= MAX_PHOTOS:
        raise ValidationError({"image": ValidationError(
            _("A service log has at most %(max)s photos.") % {"max": MAX_PHOTOS}, code="too_many",
        )})


def service_log_photo_add(*, log: ServiceLog, uuid, upload) -> tuple[ServiceLogPhoto, bool]:
    """Store a photo of a service log, once: (photo, created).

    Called by the API for the log's own specialist (the caller checks that). The image is checked
    (JPEG, PNG or WebP by content; TEPAI_PHOTO_MAX_BYTES; TEPAI_PHOTO_MAX_PIXELS before decoding)
    and re-encoded without metadata under media `logs/<log uuid>/<photo uuid>.<ext>`; its thumbnail
    is made from the pixels already decoded and kept beside it (photos.thumbnail_name), so that no
    view decodes the photo again. A retried upload (same UUID, same log, same bytes) returns the
    stored photo with created False; the same UUID with another image or log raises
    ServiceLogPhotoConflict; a bad image, or one past MAX_PHOTOS for the log (counted under the
    log's row lock), raises ValidationError on `image`. Queues nothing.
    """
    uuid = parse_uuid(uuid, message=_("Give the photo's UUID, as the phone made it."))
    prepared = prepare_photo(
        upload, max_bytes=settings.TEPAI_PHOTO_MAX_BYTES, max_pixels=settings.TEPAI_PHOTO_MAX_PIXELS, with_thumbnail=True,
    )
    photo, created = attach_file_once(
        ServiceLogPhoto, uuid=uuid, parent=log, same={"log_id": log.pk, "fingerprint": prepared.fingerprint},
        conflict=ServiceLogPhotoConflict, check=_check_photo_count,
        build=lambda: ServiceLogPhoto(
            uuid=uuid, log=log, format=prepared.format, width=prepared.width, height=prepared.height,
            size_bytes=len(prepared.content), fingerprint=prepared.fingerprint,
        ),
        file_field="image", name=f"{uuid}.{prepared.extension}", content=prepared.content,
    )
    if created:
        try:
            keep_thumbnail(photo.image, prepared.thumbnail)
        except OSError:
            # The photo is stored: its first view makes the thumbnail instead (photos.open_thumbnail).
            logger.warning("Could not keep the thumbnail of %s", photo.image.name, exc_info=True)
    return photo, created
