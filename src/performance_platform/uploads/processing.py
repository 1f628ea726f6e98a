"""An upload's life: received, checked, previewed, stored (or cancelled), rolled back.

The web pages, the command line and the worker all call these functions, so an upload
means the same whichever way it came. Nothing is stored until :func:`store`, which
reads and checks the kept file again (the data set may have changed since the
preview) and stores every record or none.
"""

import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from django.db import transaction
from django.utils import timezone

from performance_platform.accounts import audit
from performance_platform.datastore import storage
from performance_platform.datastore.models import DataSet, Record
from performance_platform.datastore.validation import finish_record, iso
from performance_platform.kpis.impact import KPIError, feeds_kpis, kpi_changes
from performance_platform.lib.tables import FileRefused, open_table

from .checking import CellError, Checked, check_rows
from .models import Upload, UploadFile, UploadSnapshot

#: How many rows the preview shows.
PREVIEW_ROWS = 10
#: Snapshot rows kept per part (compressed).
SNAPSHOT_PART = 5000


class NotAllowed(Exception):
    """The upload is not in a state for this (``message`` says why, for the page)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def receive(
    data_set: DataSet,
    content: bytes,
    filename: str,
    *,
    user=None,
    mode: str = Upload.Mode.ADD,
    sheet: str = "",
    via: str = "web",
) -> Upload:
    """Keep a file that has arrived, as an upload waiting to be checked."""
    with transaction.atomic():
        upload = Upload.objects.create(
            data_set=data_set,
            data_set_name=data_set.name,
            uploaded_by=user if user is not None and user.is_authenticated else None,
            uploaded_by_email=getattr(user, "email", "") or "",
            via=via,
            filename=_safe_filename(filename),
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            mode=mode,
            sheet=sheet[:100],
        )
        UploadFile.objects.create(upload=upload, content=content)
    return upload


def _safe_filename(name: str) -> str:
    """The file's own name, without any folders, control characters or excess length."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return (name or "upload")[-255:]


def content_of(upload: Upload) -> bytes:
    """The file as uploaded."""
    return bytes(UploadFile.objects.values_list("content", flat=True).get(upload=upload))


@dataclass
class Parsed:
    """A file read and checked against its data set."""

    checked: Checked
    file_format: str = ""
    sheet: str = ""
    refused: str = ""
    headers: list[str] = field(default_factory=list)


def rules_of(data_set: DataSet) -> str:
    """A fingerprint of the rules a data set holds records to (its schema and
    ``auto_ids``): equal fingerprints, equal verdicts on the same file."""
    settings = orjson.dumps([data_set.schema, data_set.auto_ids], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(settings).hexdigest()


def parse(upload: Upload, data_set: DataSet, *, progress=None, checked_under: str = "") -> Parsed:
    """Read the upload's file and check every row against ``data_set``.

    ``checked_under`` is the :func:`rules_of` fingerprint under which this same file
    (kept unchanged, by hash) already passed: if the data set's rules are still those,
    its schema is not applied again.
    """
    try:
        table = open_table(
            io.BytesIO(content_of(upload)), upload.filename, sheet=upload.sheet or None
        )
        checked = check_rows(
            table.rows,
            table.headers,
            data_set,
            progress=progress,
            schema_passed=bool(checked_under) and checked_under == rules_of(data_set),
        )
    except FileRefused as exc:
        checked = Checked()
        checked.add(CellError(exc.message))
        return Parsed(checked, refused=exc.message)
    checked.warnings[:0] = table.warnings
    return Parsed(checked, table.format, table.sheet or "", headers=list(table.headers))


def _range(records: list[dict]) -> tuple[datetime, datetime] | None:
    stamps = [r["_timestamp"] for r in records if isinstance(r.get("_timestamp"), datetime)]
    return (min(stamps), max(stamps)) if stamps else None


def _existing_ids(data_set: DataSet, ids: list[str]) -> set[str]:
    found = set()
    for at in range(0, len(ids), 500):
        found.update(
            Record.objects.filter(data_set=data_set, record_id__in=ids[at : at + 500]).values_list(
                "record_id", flat=True
            )
        )
    return found


def _preview_rows(records: list[dict], headers: list[str]) -> dict:
    shown = []
    for record in records[:PREVIEW_ROWS]:
        shown.append([_cell(record.get(h)) for h in headers])
    return {"headers": headers, "rows": shown}


def _cell(value) -> str:
    if isinstance(value, datetime):
        return iso(value)
    if value is None:
        return ""
    return str(value)


def check(upload: Upload, *, progress=None, now=None) -> Upload:
    """Check the upload's file and make its preview: status ``ready`` or ``invalid``."""
    data_set = _data_set(upload)
    parsed = parse(upload, data_set, progress=progress)
    checked = parsed.checked
    upload.file_format = parsed.file_format
    upload.sheet = parsed.sheet[:100]
    upload.row_count = checked.row_count
    upload.warnings = checked.warnings
    upload.errors = [e.as_dict() for e in checked.errors]
    upload.error_count = checked.error_count
    upload.message = parsed.refused
    if not checked.ok:
        upload.status = Upload.Status.INVALID
        upload.save()
        return upload
    now = now or timezone.now()
    records = checked.records
    span = _range(records)
    ids = list(dict.fromkeys(r["_id"] for r in records if r.get("_id")))
    existing = _existing_ids(data_set, ids)
    upload.replaced_count = len(existing)
    upload.new_count = len(ids) - len(existing) + sum(1 for r in records if not r.get("_id"))
    upload.deleted_count = 0
    if span is not None:
        upload.range_start, upload.range_end = span
        if upload.mode == Upload.Mode.REPLACE:
            in_range = Record.objects.filter(
                data_set=data_set, timestamp__gte=span[0], timestamp__lte=span[1]
            ).values_list("record_id", flat=True)
            wanted = set(ids)
            upload.deleted_count = sum(1 for rid in in_range.iterator() if rid not in wanted)
    # The file's own columns: the ids the platform makes are not the uploader's business.
    headers = parsed.headers

    def trial():
        _store(data_set, records, upload.mode, span, now=now)
        return span

    try:
        # The trial stores every record (then rolls back) to run the KPI transforms on
        # them; with no transform reading this data set there is nothing to work out, and
        # the trial would cost as much as storing the file for real.
        changes = kpi_changes(data_set, trial, now=now) if feeds_kpis(data_set) else []
    except KPIError as exc:
        # Storing it would break the dashboard's figures: refuse it now, with the reason.
        upload.errors = [CellError(f"The file cannot be stored: {exc.message}").as_dict()]
        upload.error_count = 1
        upload.status = Upload.Status.INVALID
        upload.save()
        return upload
    upload.preview = {
        **_preview_rows(records, headers),
        "kpis": [c.as_dict() for c in changes],
        "rules": rules_of(data_set),
    }
    upload.progress_done = upload.progress_total = checked.row_count
    upload.status = Upload.Status.READY
    upload.save()
    return upload


def _store(data_set, records, mode, span, *, now) -> storage.Replaced:
    """Store ``records`` (already checked) into ``data_set``, added or replacing ``span``:
    what confirming does, and what the preview's KPI trial does before it is undone."""
    now_iso = iso(now)
    prepared = (finish_record(r, now, now_iso=now_iso) for r in records)
    replace = span if mode == Upload.Mode.REPLACE else None
    return storage.store_replacing(data_set, prepared, now=now, replace_range=replace)


def _data_set(upload: Upload) -> DataSet:
    data_set = (
        DataSet.objects.select_related("data_group", "data_type")
        .filter(pk=upload.data_set_id)
        .first()
    )
    if data_set is None:
        raise NotAllowed("The data set this file was uploaded to no longer exists.")
    return data_set


def store(
    upload: Upload,
    *,
    user=None,
    request=None,
    now=None,
    allow_status: str = Upload.Status.READY,
) -> Upload:
    """Store a checked upload's records: added, or replacing its date range. All or nothing.

    The file is read and checked again first: if the data set changed so that it no
    longer passes, the upload becomes ``invalid`` and nothing is stored. ``allow_status``
    is the status it must be in (the worker stores uploads the page moved to ``storing``).
    """
    if upload.status != allow_status:
        raise NotAllowed(
            f"This upload cannot be stored: it is {upload.get_status_display().lower()}."
        )
    data_set = _data_set(upload)
    parsed = parse(upload, data_set, checked_under=upload.preview.get("rules", ""))
    if not parsed.checked.ok:
        upload.status = Upload.Status.INVALID
        upload.errors = [e.as_dict() for e in parsed.checked.errors]
        upload.error_count = parsed.checked.error_count
        upload.save()
        return upload
    records = parsed.checked.records
    now = now or timezone.now()
    span = _range(records)
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != allow_status:
            raise NotAllowed("This upload has already been stored or cancelled.")
        result = _store(data_set, records, upload.mode, span, now=now)
        for part, at in enumerate(range(0, len(result.previous), SNAPSHOT_PART)):
            UploadSnapshot.objects.create(
                upload=upload,
                data_set_name=data_set.name,
                part=part,
                rows=UploadSnapshot.pack(result.previous[at : at + SNAPSHOT_PART]),
            )
        upload.set_stored_ids(result.stored_ids)
        upload.stored_count = result.count
        upload.stored_at = now
        upload.status = Upload.Status.STORED
        upload.version_after = DataSet.objects.values_list("version", flat=True).get(pk=data_set.pk)
        upload.save()
        audit.record(
            "upload",
            actor=user,
            request=request,
            target=data_set,
            detail={
                "upload": upload.pk,
                "file": upload.filename,
                "mode": upload.mode,
                "records": result.count,
                "replaced": len(result.previous),
            },
        )
    return upload


def cancel(upload: Upload) -> Upload:
    """Drop a checked upload without storing it (its file stays in the history)."""
    updated = Upload.objects.filter(
        pk=upload.pk, status__in=[Upload.Status.READY, Upload.Status.INVALID]
    ).update(status=Upload.Status.CANCELLED)
    if not updated:
        raise NotAllowed("Only an upload waiting for confirmation can be cancelled.")
    upload.refresh_from_db()
    return upload


def rollback_problem(upload: Upload) -> str | None:
    """Why ``upload`` cannot be rolled back now, or None if it can."""
    if upload.status != Upload.Status.STORED:
        return "Only a stored upload can be rolled back."
    if upload.data_set_id is None:
        return "The data set no longer exists."
    version = (
        DataSet.objects.filter(pk=upload.data_set_id).values_list("version", flat=True).first()
    )
    if version != upload.version_after:
        return (
            "The data set has changed since this upload was stored, so rolling it back "
            "would lose those changes. Upload a corrected file instead."
        )
    return None


def rollback(upload: Upload, *, user=None, request=None, now=None) -> Upload:
    """Put back exactly the records this upload replaced, and remove those it added."""
    now = now or timezone.now()
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        problem = rollback_problem(upload)
        if problem:
            raise NotAllowed(problem)
        data_set = _data_set(upload)
        previous = []
        for snapshot in upload.snapshots.all():
            previous.extend(snapshot.unpack())
        restored = storage.restore(
            data_set, remove_ids=upload.get_stored_ids(), previous=previous, now=now
        )
        upload.status = Upload.Status.ROLLED_BACK
        upload.rolled_back_at = now
        upload.rolled_back_by = user if user is not None and user.is_authenticated else None
        upload.save()
        audit.record(
            "upload.rollback",
            actor=user,
            request=request,
            target=data_set,
            detail={"upload": upload.pk, "file": upload.filename, "restored": restored},
        )
    return upload
