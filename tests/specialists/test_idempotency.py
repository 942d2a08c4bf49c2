"""specialists.idempotency, the "record once, attach a file once" rules the phone's services share.

The services' tests (test_service_logs, test_achievements, test_photos) hold the contract through
their entry points, and on PostgreSQL with requests at once. Here is what one thread on SQLite can
reach only from the inside: an insert that loses to another request's between the look-up and the
insert, a refusal under the parent's lock, the fingerprint's stored form, and derived files.
"""

import os
import stat
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InMemoryStorage, default_storage

from specialists.fieldwork.models import ServiceLog, ServiceLogPhoto
from specialists.fieldwork.service_logs import ServiceLogConflict, ServiceLogPhotoConflict
from specialists.idempotency import attach_file_once, fingerprint, parse_uuid, record_once, store_derived
from tests import factories as f
from tests.concurrency import at_once

SENT = "a" * 64
OTHER = "b" * 64


pytestmark = pytest.mark.usefixtures("english_messages", "media")


def stored_files(media):
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


def test_the_fingerprint_keeps_the_form_stored_rows_were_hashed_in():
    # Rows store this hash: were its form to change, every retry of a stored row would become a conflict.
    content = {"specialist": 7, "occurred_at": "2023-06-01T01:30:00+00:00", "description": "稻田病虫害防治培训",
               "people_served": 40, "lon": 117.205, "accuracy_m": None}

    assert fingerprint(content) == "c59cfce541a7d8c5af4da5fd3145deb112a623c85e9f59e5e958e402ad487c71"
    assert fingerprint(dict(reversed(content.items()))) == fingerprint(content)


def test_a_uuid_is_read_with_or_without_its_hyphens_and_anything_else_refused_on_uuid():
    value = uuid.UUID("6f1c1b9e-3f7a-4c1e-9a53-0d6c2b1f7e10")

    assert parse_uuid(value.hex.upper(), message="Give the log's UUID.") == value
    with pytest.raises(ValidationError) as caught:
        parse_uuid("6f1c1b9e", message="Give the log's UUID.")
    assert caught.value.message_dict == {"uuid": ["Give the log's UUID."]}
    assert caught.value.error_dict["uuid"][0].code == "invalid"


# --- an insert that loses the race --------------------------------------------------------------

def _record_losing_to(fingerprint_of_winner):
    """record_once, while another request stores the same UUID between our look-up and our insert."""
    phone_uuid, winner = uuid.uuid4(), []

    def build():
        winner.append(f.make_service_log(uuid=phone_uuid, fingerprint=fingerprint_of_winner))
        ours = ServiceLog.objects.get(pk=winner[0].pk)
        ours.pk, ours._state.adding, ours.fingerprint = None, True, SENT
        return ours

    return record_once(ServiceLog, uuid=phone_uuid, same={"fingerprint": SENT}, conflict=ServiceLogConflict, build=build), winner


@pytest.mark.django_db
def test_a_record_that_loses_to_the_same_content_answers_with_the_winners_row():
    (log, created), winner = _record_losing_to(SENT)

    assert (log.pk, created) == (winner[0].pk, False)
    assert ServiceLog.objects.count() == 1


@pytest.mark.django_db
def test_a_record_that_loses_to_other_content_is_a_conflict():
    with pytest.raises(ServiceLogConflict) as caught:
        _record_losing_to(OTHER)

    assert caught.value.stored.fingerprint == OTHER
    assert str(caught.value) == f"A service log with UUID {caught.value.stored.uuid} is already stored with different content."


def _attach(log, photo_uuid, *, build, check=None):
    return attach_file_once(
        ServiceLogPhoto, uuid=photo_uuid, parent=log, same={"log_id": log.pk, "fingerprint": SENT},
        conflict=ServiceLogPhotoConflict, check=check, build=build, file_field="image", name=f"{photo_uuid}.jpg", content=b"ours",
    )


def _new_photo(log, photo_uuid):
    return ServiceLogPhoto(uuid=photo_uuid, log=log, format="jpeg", width=4, height=3, size_bytes=4, fingerprint=SENT)


@pytest.mark.django_db
@pytest.mark.parametrize("winners_fingerprint", [SENT, OTHER], ids=["same-file", "other-file"])
def test_a_file_whose_insert_loses_is_deleted_and_the_winners_kept(media, winners_fingerprint):
    log, photo_uuid, winner = f.make_service_log(), uuid.uuid4(), []

    def build():
        # Another upload of the same UUID, stored (file and row) between our look-up and our insert.
        winner.append(f.make_service_log_photo(log=log, uuid=photo_uuid, fingerprint=winners_fingerprint))
        default_storage.save(winner[0].image.name, ContentFile(b"theirs"))
        return _new_photo(log, photo_uuid)

    if winners_fingerprint == SENT:
        photo, created = _attach(log, photo_uuid, build=build)
        assert (photo.pk, created) == (winner[0].pk, False)
    else:
        with pytest.raises(ServiceLogPhotoConflict):
            _attach(log, photo_uuid, build=build)

    # Ours went under a name of its own (the winner's was taken) and is gone; theirs is untouched.
    assert stored_files(media) == [winner[0].image.name]
    assert (media / winner[0].image.name).read_bytes() == b"theirs"


@pytest.mark.django_db
def test_the_parents_rule_is_checked_again_under_its_lock_and_a_refusal_there_deletes_the_file(media):
    log, photo_uuid, checked = f.make_service_log(), uuid.uuid4(), []

    def check(parent):
        checked.append(parent)
        if len(checked) == 2:  # passed before the file was written, refused under the lock
            raise ValidationError({"image": ["refused under the lock"]})

    with pytest.raises(ValidationError):
        _attach(log, photo_uuid, build=lambda: _new_photo(log, photo_uuid), check=check)

    assert checked[0] is log
    assert checked[1] is not log and checked[1].pk == log.pk  # the row read again, locked
    assert stored_files(media) == []
    assert not ServiceLogPhoto.objects.exists()


@pytest.mark.django_db
def test_a_refusal_before_the_file_is_written_writes_nothing(media):
    log, photo_uuid, built = f.make_service_log(), uuid.uuid4(), []

    def refuse(parent):
        raise ValidationError({"image": ["full"]})

    with pytest.raises(ValidationError):
        _attach(log, photo_uuid, build=lambda: built.append(1) or _new_photo(log, photo_uuid), check=refuse)

    assert (built, stored_files(media)) == ([], [])


# --- derived files ------------------------------------------------------------------------------

def test_a_derived_file_replaces_what_is_there_and_leaves_nothing_else(media):
    storage = FileSystemStorage(location=media)
    store_derived(storage, "logs/a/b.thumbnail.jpg", b"first")

    store_derived(storage, "logs/a/b.thumbnail.jpg", b"second")

    assert stored_files(media) == ["logs/a/b.thumbnail.jpg"]
    assert (media / "logs/a/b.thumbnail.jpg").read_bytes() == b"second"
    assert stat.S_IMODE(os.stat(media / "logs/a/b.thumbnail.jpg").st_mode) == 0o644


def test_derived_files_written_at_once_leave_one_whole_file(media):
    storage = FileSystemStorage(location=media)
    # Large enough that a writer caught half way would show: each is one byte value repeated.
    contents = [bytes([i]) * 2_000_000 for i in range(5)]

    results, failures = at_once(5, lambda i: store_derived(storage, "logs/a/b.thumbnail.jpg", contents[i]))

    assert (len(results), failures) == (5, [])
    assert stored_files(media) == ["logs/a/b.thumbnail.jpg"]  # no temporary file left behind
    assert (media / "logs/a/b.thumbnail.jpg").read_bytes() in contents


def test_a_storage_that_never_overwrites_keeps_the_derived_file_already_there(media):
    storage = InMemoryStorage()
    store_derived(storage, "logs/a/b.thumbnail.jpg", b"first")

    store_derived(storage, "logs/a/b.thumbnail.jpg", b"second")

    assert storage.listdir("logs/a") == ([], ["b.thumbnail.jpg"])
    assert stored_files(media) == []  # nothing on disk: the storage was asked, not its path
    with storage.open("logs/a/b.thumbnail.jpg") as kept:
        assert kept.read() == b"first"
