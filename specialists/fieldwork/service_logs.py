"""Recording service logs and their photos from phones that retry after a lost response.

Each log and each photo carries a UUID the phone made, and is stored once by specialists.idempotency
(record_once, attach_file_once), which holds the contract: a retry with the same UUID and content
returns what is stored and creates nothing, the same UUID with other content is a conflict
(ServiceLogConflict, ServiceLogPhotoConflict: 409 in the API), simultaneous retries are settled by
the unique constraint on `uuid`. What is here are the rules a new log or photo must pass.
"""

import datetime
import logging
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from specialists.assignments.models import VillageAssignment
from specialists.fieldwork.models import ServiceLog, ServiceLogPhoto
from specialists.fieldwork.photos import keep_thumbnail, prepare_photo
from specialists.idempotency import StoredRowConflict, attach_file_once, fingerprint, parse_uuid, record_once
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


def service_log_record(
    *, specialist: Specialist, uuid, village_code: str, kind: str, occurred_at: datetime.datetime,
    description: str, people_served: int, location: Mapping,
) -> tuple[ServiceLog, bool]:
    """Store a service log a specialist sent from their phone, once: (log, created).

    Called by the API on behalf of the signed-in specialist (the caller decides who that is).
    The specialist must be active and assigned to the village on the day the work took place;
    `location` is {"lon", "lat", "accuracy_m", "crs"}, with crs WGS84 or GCJ02, and is stored in
    WGS-84. Returns the stored log with created False when the UUID is known with the same content;
    raises ServiceLogConflict when it is known with different content, ValidationError (by field)
    on bad input. Queues nothing.
    """
    uuid = parse_uuid(uuid, message=_("Give the log's UUID, as the phone made it."))
    if not isinstance(occurred_at, datetime.datetime) or timezone.is_naive(occurred_at):
        raise ValidationError({"occurred_at": ValidationError(_("Give the date and time with its UTC offset."), code="invalid")})
    lon, lat, accuracy, crs = _parse_location(location)
    sent = fingerprint({
        "specialist": specialist.pk, "village": village_code, "kind": kind,
        "occurred_at": occurred_at.astimezone(datetime.UTC).isoformat(), "description": description,
        "people_served": people_served, "lon": lon, "lat": lat, "accuracy_m": accuracy, "crs": crs,
    })

    def new_log():
        # Only for a UUID not stored yet: a retry is answered from what was stored, even if these
        # rules would refuse it now (the specialist's assignment has ended since).
        village = Village.objects.filter(code=village_code).first()
        if village is None:
            raise ValidationError({"village": ValidationError(
                _("No village has the code %(code)s."), params={"code": village_code}, code="unknown",
            )})
        errors = {}
        if specialist.status != Specialist.Status.ACTIVE:
            errors["specialist"] = ValidationError(_("Only an active specialist may record service logs."), code="inactive")
        day = timezone.localdate(occurred_at)
        if not VillageAssignment.objects.filter(specialist=specialist, village=village).running_on(day).exists():
            errors["village"] = ValidationError(
                _("%(specialist)s was not assigned to %(village)s on %(day)s."),
                params={"specialist": specialist.name, "village": village.name, "day": day.isoformat()}, code="not_assigned",
            )
        if occurred_at > timezone.now() + CLOCK_SKEW:
            errors["occurred_at"] = ValidationError(_("The service cannot have taken place in the future."), code="future")
        if errors:
            raise ValidationError(errors)

        wgs_lon, wgs_lat = coordinates.to_wgs84(lon, lat, crs)
        in_village, distance = _in_village(village, wgs_lon, wgs_lat)
        log = ServiceLog(
            uuid=uuid, specialist=specialist, village=village, kind=kind, occurred_at=occurred_at, description=description,
            people_served=people_served, lon=wgs_lon, lat=wgs_lat, accuracy_m=accuracy, crs=crs,
            in_village=in_village, distance_m=distance, fingerprint=sent,
        )
        try:
            # The UUID's uniqueness is the database's to settle (record_once); checking it here would race.
            log.full_clean(exclude=["uuid"], validate_unique=False)
        except ValidationError as error:
            # The model's lon/lat are the API's location.
            raise ValidationError({
                ("location" if field in ("lon", "lat", "accuracy_m", "crs") else field): messages
                for field, messages in error.message_dict.items()
            }) from None
        return log

    return record_once(ServiceLog, uuid=uuid, same={"fingerprint": sent}, conflict=ServiceLogConflict, build=new_log)


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
