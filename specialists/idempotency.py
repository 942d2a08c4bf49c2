"""Record once, attach a file once, retry safely: what a phone sends is stored exactly once.

Phones in the field lose answers and send again, sometimes several times at once. Each thing a phone
records (a service log, an achievement) or attaches to one (a photo, an evidence file) carries a UUID
the phone made, and its row keeps a fingerprint of what was sent. For every such row:

- a UUID not seen before is stored: (row, True), which the API answers 201;
- the same UUID with the same content (and, for a file, the same parent) changes nothing and returns
  the stored row: (stored, False), answered 200. It is answered from what was stored even if the rules
  have changed since (the assignment ended, the achievement was reviewed): the phone only missed the
  first answer, so the rules a new row must pass are checked only for a new UUID;
- the same UUID with other content raises the row's StoredRowConflict (409). Its message names the
  UUID the caller sent and never shows the stored row, which may be another person's.

Simultaneous retries are settled by the database, never by a check in Python (two requests would
both pass it): the row's `uuid` is unique, the insert runs in a savepoint, and the loser of the race
re-reads the winner's row and answers as a retry would.

A file is written before its row, so that no committed row ever points at a file not yet written.
It is written under a name of its own (storage never overwrites: two uploads of one UUID at once
write two files), and whichever upload loses the insert, or fails it, deletes its own file and leaves
the winner's alone. A parent's rules for new files (at most so many photos, none once reviewed) are
checked under the parent's row lock, so that uploads at once cannot pass a limit together; they are
checked once before the file is written too, so that a refused upload usually writes nothing.
A file derived from a stored one (a photo's thumbnail) is written whole under exactly its name by
`store_derived`, where either of two simultaneous writers may win, since both write the same bytes.

A model that uses this has `uuid = UUIDField(unique=True)` and `fingerprint = CharField(max_length=64)`,
and a StoredRowConflict subclass whose `template` names its rows. Used by
specialists.fieldwork.service_logs (logs, photos) and specialists.fieldwork.achievements
(achievements, evidence files); a new kind of file sent from a phone is one call, e.g.:

    uuid = parse_uuid(uuid, message=_("Give the file's UUID, as the phone made it."))
    prepared = prepare_evidence(upload, ...)                # its bytes checked; prepared.fingerprint = file_fingerprint(bytes)
    return attach_file_once(
        AppraisalEvidence, uuid=uuid, parent=appraisal, same={"appraisal_id": appraisal.pk, "fingerprint": prepared.fingerprint},
        conflict=AppraisalEvidenceConflict, check=_check_takes_evidence,  # e.g. none once submitted, at most 20
        build=lambda: AppraisalEvidence(uuid=uuid, appraisal=appraisal, fingerprint=prepared.fingerprint, ...),
        file_field="file", name=f"{uuid}.{prepared.extension}", content=prepared.content,
    )

Many rows at once (a phone's outbox sent as one batch) follow the same contract row by row with
record_many_once: the stored UUIDs read in one query, one bulk insert in one atomic block, and a lost
race answered as a retry; one row's refusal never refuses another.

Nothing here queues work. Each insert is one atomic block: a savepoint inside the caller's
transaction, or a transaction of its own when there is none.
"""

import contextlib
import dataclasses
import hashlib
import json
import os
import tempfile
import uuid as uuid_module
from collections.abc import Callable, Mapping, Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, models, transaction

from villages.errors import Conflict


class StoredRowConflict(Conflict):
    """A conflict with one stored row (HTTP 409): its UUID is stored with other content, or (in a
    subclass) its state no longer allows the change.

    `stored` is the row, for the service's callers (tests, the admin); the API never shows it. A
    subclass names its rows in `template`, the message for "this UUID is stored with other content".
    """

    template = None

    def __init__(self, stored, message=None):
        super().__init__(message if message is not None else self.template % {"uuid": stored.uuid})
        self.stored = stored


def parse_uuid(value, *, message) -> uuid_module.UUID:
    """`value` (a UUID or its text, with or without hyphens) as a UUID; otherwise a ValidationError on
    `uuid` (code invalid) with `message`, which says what the UUID is of ("Give the log's UUID...")."""
    try:
        return uuid_module.UUID(str(value))
    except ValueError:
        raise ValidationError({"uuid": ValidationError(message, code="invalid")}) from None


def fingerprint(content: Mapping) -> str:
    """The SHA-256 (hex) of what a phone sent: equal for a retry, different for anything changed.

    `content` holds JSON values only; give dates and times in one fixed form (an ISO date, a UTC
    datetime), so that a retry sent with another UTC offset still matches. Include whoever sent it
    (the specialist), so that another person's reuse of a UUID is a conflict. The hash is stored: its
    form must never change, or retries of rows stored before would turn into conflicts.
    """
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def file_fingerprint(data: bytes) -> str:
    """The SHA-256 (hex) of a file's bytes as uploaded (before any re-encoding): equal for a retried upload."""
    return hashlib.sha256(data).hexdigest()


def _same_or_conflict(stored, same: Mapping, conflict: type[StoredRowConflict]):
    if any(getattr(stored, field) != value for field, value in same.items()):
        raise conflict(stored)
    return stored, False


def _reread(model, uuid, same, conflict):
    """After a lost insert: the winner's row, answered as a retry would be; None if there is none."""
    stored = model._default_manager.filter(uuid=uuid).first()
    return None if stored is None else _same_or_conflict(stored, same, conflict)


def record_once(
    model: type[models.Model], *, uuid: uuid_module.UUID, same: Mapping, conflict: type[StoredRowConflict],
    build: Callable[[], models.Model],
) -> tuple[models.Model, bool]:
    """Store the row a phone sent once: (row, created).

    `uuid` is the parsed UUID (parse_uuid); `same` the field values a retry's row has
    ({"fingerprint": ...}). When the UUID is stored, returns it with created False if its fields
    equal `same`, and raises `conflict(stored)` otherwise. When it is new, `build()` checks the rules
    a new row must pass (raising ValidationError or a DomainError) and returns the unsaved row,
    `uuid` and `same` set; it is inserted in a savepoint, and an insert that loses to a simultaneous
    one with the same UUID answers as a retry would. Queries: one read, then build's, then the insert.
    """
    stored = model._default_manager.filter(uuid=uuid).first()
    if stored is not None:
        return _same_or_conflict(stored, same, conflict)
    row = build()
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        answer = _reread(model, uuid, same, conflict)
        if answer is None:
            raise  # another constraint refused it: not a race
        return answer
    return row, True


@dataclasses.dataclass
class Recorded:
    """One row's answer in record_many_once: `row` stored now (created True) or before (created False),
    or `error` (the row's StoredRowConflict, or the caller's refusal), or neither while undecided."""

    row: models.Model | None = None
    created: bool = False
    error: Exception | None = None


# Tries of a batch's insert that keeps losing UUIDs to simultaneous sends, before giving up (an IntegrityError).
_MANY_TRIES = 3


def record_many_once(
    model: type[models.Model], *, items: Sequence[tuple[uuid_module.UUID, Mapping]], conflict: type[StoredRowConflict],
    build: Callable[[list[int]], Mapping[int, models.Model | Exception]],
) -> list[Recorded]:
    """record_once for many rows at once, each answered on its own: one Recorded per item, in order.

    `items` are (uuid, same) pairs, their UUIDs distinct. The stored ones are read in one query (only
    their id, uuid and the `same` fields loaded) and answered as record_once answers a retry or a clash.
    `build(indices)` is called once with the indices of the new ones, checks their rules with queries
    of its own for all of them, and returns {index: unsaved row, or the exception refusing it}. The rows
    are inserted in one bulk_create in one atomic block: all of them or, on a failure, none. When a
    simultaneous request stored one of the UUIDs meanwhile, the insert fails whole: the winners' rows
    are read and those answered as retries, and the rest inserted again. The rows must need nothing
    bulk_create skips (save(), signals). Queries: one read, build's, the insert (in as many statements
    as the backend's parameter limit needs).
    """
    answers = [Recorded() for _ in items]
    fields = sorted({"id", "uuid", *(field for _uuid, same in items for field in same)})
    stored = {row.uuid: row for row in model._default_manager.filter(uuid__in=[uuid for uuid, _same in items]).only(*fields)}
    new = []
    for index, (uuid, same) in enumerate(items):
        row = stored.get(uuid)
        if row is None:
            new.append(index)
        else:
            _answer_stored(answers[index], row, same, conflict)
    if not new:
        return answers
    built = build(new)
    pending = []
    for index in new:
        result = built.get(index)
        if isinstance(result, Exception):
            answers[index].error = result
        elif result is not None:
            answers[index].row, answers[index].created = result, True
            pending.append(index)
    for _attempt in range(_MANY_TRIES):
        if not pending:
            return answers
        try:
            with transaction.atomic():
                model._default_manager.bulk_create([answers[index].row for index in pending])
            return answers
        except IntegrityError:
            won = {row.uuid: row for row in model._default_manager.filter(uuid__in=[items[index][0] for index in pending]).only(*fields)}
            if not won:
                raise  # another constraint refused it: not a race
            rest = []
            for index in pending:
                row = won.get(items[index][0])
                if row is None:
                    answers[index].row.pk = None
                    rest.append(index)
                else:
                    answers[index].row, answers[index].created = None, False
                    _answer_stored(answers[index], row, items[index][1], conflict)
            pending = rest
    raise IntegrityError(f"{model.__name__} rows kept losing their insert to simultaneous sends")


def _answer_stored(answer, row, same, conflict):
    try:
        answer.row, answer.created = _same_or_conflict(row, same, conflict)
    except StoredRowConflict as clash:
        answer.error = clash


def attach_file_once(
    model: type[models.Model], *, uuid: uuid_module.UUID, parent: models.Model, same: Mapping,
    conflict: type[StoredRowConflict], build: Callable[[], models.Model], file_field: str, name: str, content: bytes,
    check: Callable[[models.Model], None] | None = None,
) -> tuple[models.Model, bool]:
    """Store a file a phone sent for `parent` once: (row, created).

    `same` holds the field values a retry's row has, the parent included ({"log_id": log.pk,
    "fingerprint": ...}): the same UUID for another parent or with other bytes raises
    `conflict(stored)`; a retry returns the stored row with created False, whatever the parent's
    state now. For a new UUID: `check(parent)` refuses what the parent no longer takes (raising
    ValidationError or a DomainError), `build()` returns the unsaved row without its file, and
    `content` is written to the row's `file_field` as `name` (its upload_to decides the folder;
    storage adds a suffix when the name is taken). Then, in a savepoint, the parent's row is locked
    (select_for_update), `check` runs again on the locked row, and the row is inserted. If the insert
    loses to a simultaneous upload of the same UUID, or anything fails, our file is deleted.
    """
    stored = model._default_manager.filter(uuid=uuid).first()
    if stored is not None:
        return _same_or_conflict(stored, same, conflict)
    if check is not None:
        # Before writing anything: a refused upload then leaves no file behind to delete.
        check(parent)
    row = build()
    stored_file = getattr(row, file_field)
    stored_file.save(name, ContentFile(content), save=False)
    try:
        with transaction.atomic():
            locked = type(parent)._default_manager.select_for_update().get(pk=parent.pk)
            if check is not None:
                check(locked)
            row.save(force_insert=True)
    except IntegrityError:
        # The winner's file is under another name (storage never overwrites): removing ours leaves it alone.
        stored_file.storage.delete(stored_file.name)
        answer = _reread(model, uuid, same, conflict)
        if answer is None:
            raise
        return answer
    except BaseException:
        stored_file.storage.delete(stored_file.name)
        raise
    return row, True


def store_derived(storage, name: str, content: bytes) -> None:
    """Write `content` as exactly `name`, replacing what is there, so that a reader sees a whole
    file (the one before or this one), never part of one.

    For files derived from a stored file (a photo's thumbnail): the same source gives the same
    bytes, so when two requests make one at once either may win. On the file system (Tepai's
    storage) the bytes go to a temporary file beside `name`, moved over it in one step (os.replace).
    Any other storage (an object store, which writes each object whole) is asked to save `name`;
    when it will not overwrite, the writer that finds `name` taken removes its own copy and keeps
    the one there. OSError when the storage cannot write.
    """
    if not isinstance(storage, FileSystemStorage):
        saved = storage.save(name, ContentFile(content))
        if saved != name:
            storage.delete(saved)
        return
    path = storage.path(name)
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        # mkstemp makes the file readable by its owner only; stored files follow FILE_UPLOAD_PERMISSIONS.
        os.chmod(temporary, storage.file_permissions_mode or 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
