"""The quarterly transactions collection: one spreadsheet, every service, split and stored.

A platform admin uploads one file with a row per service and quarter::

    service,service_name,quarter,digital,api,telephone_human,telephone_automated,paper_form,face_to_face,other,total_cost
    tax-disc,Tax disc,2025-Q1,70000,,2000,,28000,,,250000

``service`` is the stable identifier: the service's data group, which is its dashboard's
slug (``Dashboard.kpi_group``). ``quarter`` is ``2025-Q1`` or the quarter's first day.
A channel column left empty means the service does not offer that channel. ``total_cost``
is the quarter's total cost in pounds. ``service_name`` is used only to name a draft
dashboard made for a service the platform does not know yet.

The file is checked as a whole before anything is stored: every cell, duplicate rows,
and then every record it would write with the target data set's own rules
(:func:`~performance_platform.datastore.validation.record_checker`, the write API's
code). Each matched service gets, per quarter, a ``transactions-by-channel`` record per
channel (``period: quarter``) and one ``total-cost`` record (``period: quarterly``,
``channel: total``), which the cost-per-transaction transform (mode ``total_cost``)
divides by the quarter's transactions. A quarter sent again replaces what the
collection stored for it. Storing is one transaction for every service: all or nothing.
Services not matched are listed, not stored; :func:`create_drafts` makes them ``draft``
dashboards.
"""

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from performance_platform.accounts import audit
from performance_platform.dashboards import standard as dashboard_standard
from performance_platform.dashboards.models import RESERVED_SLUGS, SLUG, Dashboard
from performance_platform.datastore import storage
from performance_platform.datastore.models import DataGroup, DataSet, Record
from performance_platform.datastore.validation import (
    TimestampError,
    finish_record,
    iso,
    parse_timestamp,
    record_checker,
)
from performance_platform.kpis import standard
from performance_platform.kpis.models import Transform
from performance_platform.lib.tables import FileRefused, open_table

from . import processing
from .checking import CellError, Checked, _words
from .models import Upload, UploadFile, UploadSnapshot
from .processing import SNAPSHOT_PART, NotAllowed, _safe_filename, content_of

TRANSACTIONS = "transactions-by-channel"
TOTAL_COST = "total-cost"
DATA_TYPES = (TRANSACTIONS, TOTAL_COST)
#: The channel columns, with the original platform's channel keys (the take-up
#: transform counts ``digital`` as digital; ``api`` is shown as its own channel).
CHANNELS = (
    "digital",
    "api",
    "telephone_human",
    "telephone_automated",
    "paper_form",
    "face_to_face",
    "other",
)
#: Every column a file may have, in the template's order.
COLUMNS = ("service", "service_name", "quarter", *CHANNELS, "total_cost")
REQUIRED = ("service", "quarter")
#: The ``period`` of the records written: the read API's name for a transactions
#: record's period, and the original cost template's for a cost record.
TRANSACTIONS_PERIOD = "quarter"
COST_PERIOD = "quarterly"
COST_CHANNEL = "total"
#: Drafts are made for figures that come every quarter.
CADENCE = "quarterly"
#: Services listed in the preview (the counts cover them all).
PREVIEW_SERVICES = 200
#: A file storing more services than this is stored by the worker (each service's data
#: sets are written, and their transforms queued, one by one: 800 take half a minute).
BACKGROUND_SERVICES = 50

_QUARTER = re.compile(r"\s*(\d{4})\s*[-/ ]?\s*Q([1-4])\s*", re.IGNORECASE)
_QUARTER_FIRST = re.compile(r"\s*Q([1-4])\s*[-/ ]?\s*(\d{4})\s*", re.IGNORECASE)


# --- reading a row ---------------------------------------------------------------------


def _date_or_none(value) -> datetime | None:
    """``value`` read as a date, or None if it is not one (its text is then said wrong)."""
    try:
        return parse_timestamp(value.isoformat() if isinstance(value, date | datetime) else value)
    except (TimestampError, ValueError, TypeError):
        return None


def quarter_start(value) -> datetime:
    """The first instant (UTC) of the quarter ``value`` names: ``2025-Q1``, ``Q1 2025``,
    or a date (or midnight) that is a quarter's first day. Raises ValueError with the
    words to show."""
    if isinstance(value, str):
        match = _QUARTER.fullmatch(value) or _QUARTER_FIRST.fullmatch(value)
        if match:
            groups = match.groups()
            year, number = (groups[0], groups[1]) if match.re is _QUARTER else groups[::-1]
            return datetime(int(year), 3 * int(number) - 2, 1, tzinfo=UTC)
    if isinstance(value, str | datetime | date) and not isinstance(value, bool):
        when = _date_or_none(value)
        if when is not None:
            if when.month in (1, 4, 7, 10) and when.day == 1 and when.time() == datetime.min.time():
                return when
            raise ValueError(
                f"{_shown(value)} is not the first day of a quarter: write the quarter as "
                "2025-Q1, or its first day (1 January, 1 April, 1 July or 1 October)"
            )
    if value is None or value == "":
        raise ValueError("is empty: enter the quarter, such as 2025-Q1")
    raise ValueError(f"{_shown(value)} is not a quarter: write it as 2025-Q1 or 2025-01-01")


def quarter_label(start: datetime) -> str:
    """``2025-Q1`` for the quarter starting ``start``."""
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def quarter_end(start: datetime) -> datetime:
    """The first instant of the next quarter."""
    month = start.month + 3
    return start.replace(year=start.year + (month > 12), month=(month - 1) % 12 + 1)


def last_complete_quarter(today: date) -> datetime:
    """The start of the last quarter that has ended by ``today``."""
    month = 3 * ((today.month - 1) // 3) + 1 - 3
    return datetime(today.year - (month < 1), (month - 1) % 12 + 1, 1, tzinfo=UTC)


def _shown(value) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:40] + "…"
        return f"'{text}'"
    return str(value)


def _count(value, *, whole: bool) -> float | int | None:
    """A number of transactions (whole) or pounds; None for an empty cell. Raises
    ValueError with the words to show."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    what = "whole number" if whole else "number (pounds, without the £ sign)"
    number = value
    if isinstance(value, str):
        text = value.strip().replace(",", "").removeprefix("£")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{_shown(value)} is not a {what}") from None
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise ValueError(f"{_shown(value)} is not a {what}")
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{_shown(value)} is not a {what}")
    if number < 0:
        raise ValueError(f"{_shown(value)} is less than 0: it must be 0 or more")
    if whole:
        if number != int(number):
            raise ValueError(f"{_shown(value)} is not a whole number")
        return int(number)
    return int(number) if float(number).is_integer() else round(float(number), 2)


# --- the plan --------------------------------------------------------------------------


@dataclass
class ServicePlan:
    """What the file holds for one service: its rows' records, ready to store."""

    identifier: str
    name: str = ""
    dashboard: Dashboard | None = None
    rows: list[int] = field(default_factory=list)
    quarters: list[datetime] = field(default_factory=list)
    # Records by data type, checked and normalised by record_checker.
    records: dict[str, list[dict]] = field(default_factory=dict)
    transactions: int = 0
    total_cost: float | None = None
    missing: list[str] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        """True when a dashboard on the platform is this service."""
        return self.dashboard is not None


@dataclass
class Plan:
    """A checked quarterly file: its errors, or every service's records."""

    checked: Checked = field(default_factory=Checked)
    services: dict[str, ServicePlan] = field(default_factory=dict)
    file_format: str = ""
    sheet: str = ""
    refused: str = ""

    @property
    def matched(self) -> list[ServicePlan]:
        """The services found on the platform (these are stored)."""
        return [s for s in self.services.values() if s.matched]

    @property
    def unmatched(self) -> list[ServicePlan]:
        """The services the platform does not know (listed, not stored)."""
        return [s for s in self.services.values() if not s.matched]


def _services_by_identifier(identifiers) -> dict[str, Dashboard]:
    found = {}
    ids = list(identifiers)
    for at in range(0, len(ids), 500):
        for dashboard in (
            Dashboard.objects.filter(kpi_group__name__in=ids[at : at + 500])
            .order_by("pk")
            .select_related("kpi_group")
        ):
            found.setdefault(dashboard.kpi_group.name, dashboard)
    return found


def _data_sets(groups) -> dict[tuple[str, str], DataSet]:
    out = {}
    names = list(groups)
    for at in range(0, len(names), 500):
        for ds in DataSet.objects.filter(
            data_group__name__in=names[at : at + 500], data_type__name__in=DATA_TYPES
        ).select_related("data_group", "data_type"):
            out.setdefault((ds.data_group.name, ds.data_type.name), ds)
    return out


def identifier_problem(value) -> str | None:
    """Why ``value`` cannot be a service's identifier, or None."""
    if value is None or value == "":
        return (
            "is empty: enter the service's identifier (its dashboard's address, such as tax-disc)"
        )
    if not isinstance(value, str):
        value = str(value)
    try:
        SLUG(value)
    except Exception:
        return (
            f"{_shown(value)} is not a service identifier: use the service's dashboard "
            "address, in lower-case letters, digits and hyphens (such as tax-disc)"
        )
    if len(value) > 100:
        return "is longer than 100 characters"
    return None


def _clean_name(value) -> str:
    text = "" if value is None else str(value)
    return " ".join("".join(ch for ch in text if ch.isprintable()).split())[:256]


def check_content(content: bytes, filename: str, *, sheet: str | None = None) -> Plan:
    """Read and check a quarterly file as a whole; match its services."""
    plan = Plan()
    checked = plan.checked
    try:
        table = open_table(io.BytesIO(content), filename, sheet=sheet or None)
        plan.file_format, plan.sheet = table.format, table.sheet or ""
        _check_rows(plan, table)
    except FileRefused as exc:
        plan.checked = Checked()
        plan.checked.add(CellError(exc.message))
        plan.refused = exc.message
        plan.services = {}
        return plan
    checked.warnings[:0] = table.warnings
    if not checked.ok:
        plan.services = {}
    return plan


def _check_rows(plan: Plan, table) -> None:
    checked = plan.checked
    headers = [h for h in table.headers if h]
    for name in REQUIRED:
        if name not in headers:
            checked.add(
                CellError(
                    f"The file has no column named {name}. The first row must name the "
                    f"columns: {', '.join(COLUMNS)}"
                )
            )
    for number, name in enumerate(table.headers, start=1):
        if name and name not in COLUMNS:
            checked.add(
                CellError(
                    f"Column {number} is named {_shown(name)}, which the quarterly collection "
                    f"does not have: the columns are {', '.join(COLUMNS)}"
                )
            )
    if not checked.ok:
        return
    seen: dict[tuple[str, datetime], int] = {}
    rows = []
    for row in table.rows:
        checked.row_count += 1
        for column, message in row.problems:
            checked.add(CellError(message, row.number, column))
        values = row.values
        ok = True
        identifier = values.get("service")
        problem = identifier_problem(identifier)
        if problem:
            checked.add(CellError(problem, row.number, "service"))
            ok = False
        try:
            start = quarter_start(values.get("quarter"))
        except ValueError as exc:
            checked.add(CellError(str(exc), row.number, "quarter"))
            ok = False
        counts = {}
        for channel in CHANNELS:
            try:
                counts[channel] = _count(values.get(channel), whole=True)
            except ValueError as exc:
                checked.add(CellError(str(exc), row.number, channel))
                ok = False
        try:
            cost = _count(values.get("total_cost"), whole=False)
        except ValueError as exc:
            checked.add(CellError(str(exc), row.number, "total_cost"))
            ok = False
        if not ok:
            continue
        if cost is None and all(v is None for v in counts.values()):
            checked.add(
                CellError(
                    "has no figures: enter the transactions of at least one channel, or the "
                    "total cost",
                    row.number,
                )
            )
            continue
        key = (str(identifier), start)
        if key in seen:
            checked.add(
                CellError(
                    f"{identifier} for {quarter_label(start)} is already on row {seen[key]}: "
                    "a service has one row per quarter",
                    row.number,
                    "service",
                )
            )
            continue
        seen[key] = row.number
        rows.append((row.number, str(identifier), _clean_name(values.get("service_name")), start))
        rows[-1] += (counts, cost)
    if checked.row_count == 0 and checked.ok:
        checked.add(CellError("The file has a header row but no data rows"))
    if not checked.ok:
        return
    _plan_records(plan, rows)


def _plan_records(plan: Plan, rows) -> None:
    """Build every record the file would write and check it with its data set's rules."""
    checked = plan.checked
    identifiers = list(dict.fromkeys(r[1] for r in rows))
    dashboards = _services_by_identifier(identifiers)
    data_sets = _data_sets(identifiers)
    checkers: dict = {}

    def checker_for(identifier: str, data_type: str):
        ds = data_sets.get((identifier, data_type))
        if ds is not None:
            settings = {"schema": ds.schema, "auto_ids": ds.auto_ids or None}
        else:  # made when stored, with the standard settings: check with those
            made = standard.data_set_settings(data_type, CADENCE)
            settings = {"schema": made["schema"], "auto_ids": made["auto_ids"]}
        key = (repr(settings["schema"]), tuple(settings["auto_ids"] or ()))
        if key not in checkers:
            checkers[key] = record_checker(**settings)
        return checkers[key]

    for number, identifier, name, start, counts, cost in rows:
        service = plan.services.get(identifier)
        if service is None:
            service = plan.services[identifier] = ServicePlan(
                identifier, name=name, dashboard=dashboards.get(identifier)
            )
            service.records = {TRANSACTIONS: [], TOTAL_COST: []}
        service.name = service.name or name
        service.rows.append(number)
        service.quarters.append(start)
        stamp = iso(start)
        made = []
        for channel, count in counts.items():
            if count is not None:
                record = {
                    "_timestamp": stamp,
                    "period": TRANSACTIONS_PERIOD,
                    "channel": channel,
                    "count": count,
                }
                made.append((TRANSACTIONS, channel, record))
                service.transactions += count
        if cost is not None:
            record = {
                "_timestamp": stamp,
                "end_at": iso(quarter_end(start) - timedelta(days=1)),
                "period": COST_PERIOD,
                "channel": COST_CHANNEL,
                "count": cost,
            }
            made.append((TOTAL_COST, "total_cost", record))
            service.total_cost = (service.total_cost or 0) + cost
        for data_type, column, record in made:
            problems = checker_for(identifier, data_type)(record)
            for problem in problems:
                where = column if problem.field in ("count", None) else problem.field
                checked.add(
                    CellError(
                        f"{_words(problem)} (the {data_type} data set of {identifier} refuses it)",
                        number,
                        where,
                    )
                )
            if not problems:
                service.records[data_type].append(record)
    for service in plan.services.values():
        service.missing = [t for t in DATA_TYPES if (service.identifier, t) not in data_sets]
    _finer_periods(plan, data_sets)


def _finer_periods(plan: Plan, data_sets) -> None:
    """Refuse counts for a quarter a service already sends weekly or monthly: the
    take-up and cost transforms would count those transactions twice."""
    wanted = {}
    for service in plan.matched:
        ds = data_sets.get((service.identifier, TRANSACTIONS))
        if ds is not None and service.records[TRANSACTIONS]:
            wanted[ds.pk] = service
    if not wanted:
        return
    quarters = sorted({q for s in wanted.values() for q in s.quarters})
    clashes = set(
        Record.objects.filter(data_set_id__in=list(wanted), quarter_start__in=quarters)
        .exclude(data__period=TRANSACTIONS_PERIOD)
        .values_list("data_set_id", "quarter_start")
        .distinct()
    )
    for ds_id, start in sorted(clashes, key=lambda c: (wanted[c[0]].rows[0], str(c[1]))):
        service = wanted[ds_id]
        start = start if isinstance(start, datetime) else datetime.fromisoformat(str(start))
        start = start.astimezone(UTC) if start.tzinfo else start.replace(tzinfo=UTC)
        label = quarter_label(start)
        row = next(
            (n for n, q in zip(service.rows, service.quarters, strict=True) if q == start),
            service.rows[0],
        )
        plan.checked.add(
            CellError(
                f"{service.identifier} already sends its transactions by week or month for "
                f"{label}, so these counts would be counted twice: leave its channel columns "
                "empty (its total cost is then divided by the transactions it sent)",
                row,
                "service",
            )
        )


# --- an upload: received, checked, stored, rolled back -----------------------------------


def receive(content: bytes, filename: str, *, user=None, sheet: str = "", via="web") -> Upload:
    """Keep a quarterly file that has arrived, as an upload waiting to be checked."""
    import hashlib

    with transaction.atomic():
        upload = Upload.objects.create(
            kind=Upload.Kind.QUARTERLY,
            uploaded_by=user if user is not None and user.is_authenticated else None,
            uploaded_by_email=getattr(user, "email", "") or "",
            via=via,
            filename=_safe_filename(filename),
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            mode=Upload.Mode.REPLACE,
            sheet=sheet[:100],
        )
        UploadFile.objects.create(upload=upload, content=content)
    return upload


def _plan_of(upload: Upload) -> Plan:
    return check_content(content_of(upload), upload.filename, sheet=upload.sheet or None)


def _summary(service: ServicePlan) -> dict:
    cpt = None
    if service.total_cost is not None and service.transactions:
        cpt = round(service.total_cost / service.transactions, 2)
    return {
        "service": service.identifier,
        "title": service.dashboard.title if service.dashboard else service.name,
        "status": service.dashboard.get_status_display() if service.dashboard else "",
        "quarters": [quarter_label(q) for q in service.quarters],
        "rows": service.rows,
        "transactions": service.transactions,
        "total_cost": service.total_cost,
        "cost_per_transaction": cpt,
        "creates": [t for t in service.missing if service.records[t]],
    }


def check(upload: Upload) -> Upload:
    """Check a quarterly upload and make its preview: ``ready`` or ``invalid``."""
    plan = _plan_of(upload)
    checked = plan.checked
    upload.file_format = plan.file_format
    upload.sheet = plan.sheet[:100]
    upload.row_count = checked.row_count
    upload.warnings = checked.warnings
    upload.errors = [e.as_dict() for e in checked.errors]
    upload.error_count = checked.error_count
    upload.message = plan.refused
    if not checked.ok:
        upload.status = Upload.Status.INVALID
        upload.preview = {}
        upload.save()
        return upload
    matched, unmatched = plan.matched, plan.unmatched
    records = sum(len(v) for s in matched for v in s.records.values())
    quarters = sorted({q for s in plan.services.values() for q in s.quarters})
    upload.new_count = records
    upload.range_start = quarters[0] if quarters else None
    upload.range_end = quarters[-1] if quarters else None
    upload.preview = {
        "matched_count": len(matched),
        "matched": [_summary(s) for s in matched[:PREVIEW_SERVICES]],
        "unmatched": [
            {"service": s.identifier, "name": s.name, "rows": s.rows[:5]} for s in unmatched
        ],
        "records": records,
        "quarters": [quarter_label(q) for q in quarters],
        "creates": sum(1 for s in matched for t in s.missing if s.records[t]),
    }
    upload.progress_done = upload.progress_total = checked.row_count
    upload.status = Upload.Status.READY
    upload.save()
    return upload


def _ensure_data_set(
    group: DataGroup, data_type: str, found: DataSet | None, *, has_transform, user, request
) -> DataSet:
    """The group's data set of ``data_type`` (``found``), made if missing. A data set
    made here gets its KPI transforms, and total cost always has its cost-per-transaction
    transform (without it the total cost would never become a figure); an existing
    transactions data set keeps the transforms its service chose."""
    ds = found
    if ds is None:
        ds = standard.new_data_set(group, data_type, CADENCE)
        audit.record(
            "data_set.create",
            actor=user,
            target=ds,
            detail={"for": group.name, "by": "quarterly collection"},
            request=request,
        )
    if found is None or (data_type == TOTAL_COST and not has_transform):
        for entry in standard.missing_transforms(group.name, data_type, cadence=CADENCE):
            standard.make_transform(entry)
    return ds


def _with_cost_transform(groups: list[str]) -> set[str]:
    """Those of ``groups`` that have their total cost's cost-per-transaction transform."""
    out = set()
    for at in range(0, len(groups), 500):
        out.update(
            Transform.objects.filter(
                type="cost_per_transaction",
                input_group__name__in=groups[at : at + 500],
                input_type__name=TOTAL_COST,
            ).values_list("input_group__name", flat=True)
        )
    return out


def store(
    upload: Upload,
    *,
    user=None,
    request=None,
    now=None,
    allow_status: str = Upload.Status.READY,
) -> Upload:
    """Store every matched service's records, in one transaction: all or nothing.

    The file is checked again first (the services may have changed since the preview).
    Each quarter a row names replaces what was stored for that quarter before, in each
    data set, and the records replaced are kept for :func:`rollback`. ``allow_status``
    is the status it must be in (the worker stores uploads the page moved to ``storing``).
    """
    if upload.status != allow_status:
        raise NotAllowed(
            f"This upload cannot be stored: it is {upload.get_status_display().lower()}."
        )
    plan = _plan_of(upload)
    if not plan.checked.ok:
        upload.status = Upload.Status.INVALID
        upload.errors = [e.as_dict() for e in plan.checked.errors]
        upload.error_count = plan.checked.error_count
        upload.save()
        return upload
    now = now or timezone.now()
    now_iso = iso(now)
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != allow_status:
            raise NotAllowed("This upload has already been stored or cancelled.")
        stored_ids: dict[str, list[str]] = {}
        data_sets: list[DataSet] = []
        count = replaced = 0
        groups = [s.identifier for s in plan.matched]
        existing = _data_sets(groups)
        costed = _with_cost_transform(groups)
        for service in plan.matched:
            group = service.dashboard.kpi_group
            for data_type in DATA_TYPES:
                records = service.records[data_type]
                if not records:
                    continue
                ds = _ensure_data_set(
                    group,
                    data_type,
                    existing.get((group.name, data_type)),
                    has_transform=group.name in costed,
                    user=user,
                    request=request,
                )
                by_quarter: dict[datetime, list[dict]] = {}
                for record in records:
                    by_quarter.setdefault(record["_timestamp"], []).append(record)
                previous, ids = [], []
                for start, batch in by_quarter.items():
                    prepared = [finish_record(dict(r), now, now_iso=now_iso) for r in batch]
                    result = storage.store_replacing(
                        ds, prepared, now=now, replace_range=(start, start)
                    )
                    previous.extend(result.previous)
                    ids.extend(result.stored_ids)
                    count += result.count
                for part, at in enumerate(range(0, len(previous), SNAPSHOT_PART)):
                    UploadSnapshot.objects.create(
                        upload=upload,
                        data_set_name=ds.name,
                        part=part,
                        rows=UploadSnapshot.pack(previous[at : at + SNAPSHOT_PART]),
                    )
                replaced += len(previous)
                stored_ids[ds.name] = ids
                data_sets.append(ds)
        versions = dict(
            DataSet.objects.filter(pk__in=[d.pk for d in data_sets]).values_list("name", "version")
        )
        upload.set_stored_ids(stored_ids)
        upload.preview = {**(upload.preview or {}), "versions": versions}
        upload.stored_count = count
        upload.replaced_count = replaced
        upload.stored_at = now
        upload.status = Upload.Status.STORED
        upload.save()
        audit.record(
            "upload.quarterly",
            actor=user,
            request=request,
            target=upload,
            target_repr=f"{upload.filename} (quarterly collection)",
            detail={
                "upload": upload.pk,
                "file": upload.filename,
                "services": len(plan.matched),
                "not_matched": len(plan.unmatched),
                "records": count,
                "replaced": replaced,
            },
        )
    return upload


def cancel(upload: Upload) -> Upload:
    """Drop a checked quarterly upload without storing it."""
    if upload.kind != Upload.Kind.QUARTERLY:
        raise NotAllowed("This is not a quarterly collection.")
    return processing.cancel(upload)


def rollback_problem(upload: Upload) -> str | None:
    """Why the quarterly ``upload`` cannot be rolled back now, or None if it can."""
    if upload.status != Upload.Status.STORED:
        return "Only a stored upload can be rolled back."
    versions = (upload.preview or {}).get("versions") or {}
    now_versions = dict(
        DataSet.objects.filter(name__in=list(versions)).values_list("name", "version")
    )
    changed = sorted(n for n, v in versions.items() if now_versions.get(n) != v)
    if changed:
        shown = ", ".join(changed[:5]) + (
            f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        )
        return (
            f"Some services' data has changed since this upload was stored ({shown}), so "
            "rolling it back would lose those changes. Upload a corrected file instead."
        )
    return None


def rollback(upload: Upload, *, user=None, request=None, now=None) -> Upload:
    """Put back, in every service's data sets, exactly the records this upload replaced,
    and remove those it added. One transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        problem = rollback_problem(upload)
        if problem:
            raise NotAllowed(problem)
        previous: dict[str, list] = {}
        for snapshot in upload.snapshots.all():
            previous.setdefault(snapshot.data_set_name, []).extend(snapshot.unpack())
        restored = 0
        for name, ids in upload.get_stored_ids().items():
            ds = DataSet.objects.filter(name=name).first()
            if ds is None:
                continue
            restored += storage.restore(
                ds, remove_ids=ids, previous=previous.get(name, []), now=now
            )
        upload.status = Upload.Status.ROLLED_BACK
        upload.rolled_back_at = now
        upload.rolled_back_by = user if user is not None and user.is_authenticated else None
        upload.save()
        audit.record(
            "upload.rollback",
            actor=user,
            request=request,
            target=upload,
            target_repr=f"{upload.filename} (quarterly collection)",
            detail={"upload": upload.pk, "file": upload.filename, "restored": restored},
        )
    return upload


# --- drafts for services the platform does not know ----------------------------------------


def _slug_taken(slug: str) -> bool:
    return (
        slug in RESERVED_SLUGS
        or Dashboard.objects.filter(slug=slug).exists()
        or Dashboard.objects.filter(kpi_group__name=slug).exists()
    )


def create_drafts(upload: Upload, identifiers, *, user=None, request=None) -> list[Dashboard]:
    """Make a ``draft`` dashboard for each of ``identifiers`` (services the upload's
    preview lists as not matched), with its data group, data sets, KPI transforms and
    modules; then check the upload again, so they match. One transaction."""
    if upload.status != Upload.Status.READY:
        raise NotAllowed("Drafts can be made only from an upload waiting for confirmation.")
    listed = {u["service"]: u for u in (upload.preview or {}).get("unmatched", [])}
    wanted = [i for i in dict.fromkeys(identifiers) if i in listed]
    if not wanted:
        raise NotAllowed("Select the services to make draft dashboards for.")
    made = []
    with transaction.atomic():
        for identifier in wanted:
            if identifier_problem(identifier) or _slug_taken(identifier):
                raise NotAllowed(
                    f"A dashboard for {identifier} cannot be made: the address is taken "
                    "or not allowed. Check the file's service column."
                )
            group, _ = DataGroup.objects.get_or_create(name=identifier)
            dashboard = Dashboard(
                slug=identifier,
                title=listed[identifier].get("name") or identifier,
                dashboard_type="transaction",
                status=Dashboard.Status.DRAFT,
                strapline="Service dashboard",
                kpi_group=group,
            )
            dashboard.full_clean()
            dashboard.save()
            audit.record(
                "dashboard.create",
                actor=user,
                target=dashboard,
                detail={"status": dashboard.status, "quarterly_upload": upload.pk},
                request=request,
            )
            for data_type in DATA_TYPES:
                found = DataSet.objects.filter(data_group=group, data_type__name=data_type)
                _ensure_data_set(
                    group,
                    data_type,
                    found.first(),
                    has_transform=False,
                    user=user,
                    request=request,
                )
            _modules(dashboard, group)
            made.append(dashboard)
    check(upload)
    return made


def _modules(dashboard: Dashboard, group: DataGroup) -> None:
    """The draft's digital take-up and cost per transaction modules, as approval makes them."""
    wanted = {"digital-takeup", "cost-per-transaction"}
    specs = [s for s in dashboard_standard.module_specs(CADENCE) if s["slug"] in wanted]
    for order, spec in enumerate(specs):
        dashboard_standard.make_module(dashboard, group, spec, order=order)


# --- the template ----------------------------------------------------------------------------


def template_rows(today: date) -> list[list]:
    """One row per service on the platform, for the last complete quarter."""
    label = quarter_label(last_complete_quarter(today))
    rows = []
    services = (
        Dashboard.objects.filter(kpi_group__isnull=False)
        .select_related("kpi_group")
        .order_by("kpi_group__name")
    )
    for dashboard in services:
        rows.append([dashboard.kpi_group.name, dashboard.title, label] + [""] * (len(CHANNELS) + 1))
    return rows


def template_csv(today: date) -> bytes:
    """The template as CSV (UTF-8 with a BOM, so Excel reads it as UTF-8)."""
    import csv

    from performance_platform.datastore.query.csvout import cell

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in template_rows(today):
        writer.writerow([cell(v) if v != "" else "" for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(today: date) -> bytes:
    """The template as XLSX, with number checks on the figures' columns."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("Quarterly collection")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, COLUMNS, bold)
    rows = template_rows(today)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, [str(v) for v in row[:3]])
    last = max(len(rows), 1000)
    first_channel = COLUMNS.index(CHANNELS[0])
    sheet.data_validation(
        1,
        first_channel,
        last,
        first_channel + len(CHANNELS) - 1,
        {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "error_message": "Enter a whole number of transactions, 0 or more",
        },
    )
    cost = COLUMNS.index("total_cost")
    sheet.data_validation(
        1,
        cost,
        last,
        cost,
        {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_message": "Enter the total cost in pounds, 0 or more",
        },
    )
    sheet.set_column(0, 1, 30)
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
