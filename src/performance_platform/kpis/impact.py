"""What a change to a data set would do to its KPIs, before it is made.

The upload preview says "Digital take-up for March 2025 becomes 72.4%, was 70.1%". To
say it truthfully the figures come from the real transforms: the change is applied
inside a transaction, the KPI transforms it feeds are run on it, their outputs read,
and the whole transaction rolled back. Nothing is stored, and the figures are exactly
those the worker will compute once the change is made for real.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from performance_platform.datastore.models import DataSet, Record
from performance_platform.lib.formatting.dates import period_label

from . import catalogue
from .change import display
from .errors import TransformConfigError, TransformError
from .models import Transform
from .options import PERIOD_TYPES, effective_query
from .running import input_data_set, run_transform, transforms_for
from .storing import output_data_set

#: The most periods a preview lists per KPI (the latest ones).
MAX_PERIODS = 12
_PERIOD_DAYS = {"week": 7, "month": 31, "quarter": 92, "year": 366}


@dataclass(frozen=True)
class KPIChange:
    """One KPI's figure for one period, before and after a change."""

    kpi: str
    title: str
    period: str
    start: str
    before: float | None
    after: float | None
    before_text: str
    after_text: str

    @property
    def sentence(self) -> str:
        """The change in words: "Digital take-up for March 2025 becomes 72.4%, was 70.1%"."""
        head = f"{self.title} for {self.period}"
        if self.after is None:
            return f"{head} will have no figure (it was {self.before_text})"
        if self.before is None:
            return f"{head} becomes {self.after_text} (there was no figure before)"
        if self.before_text == self.after_text:
            return f"{head} stays {self.after_text}"
        return f"{head} becomes {self.after_text}, was {self.before_text}"

    def as_dict(self) -> dict:
        """JSON-ready, for keeping with an upload's preview."""
        return {
            "kpi": self.kpi,
            "title": self.title,
            "period": self.period,
            "start": self.start,
            "before": self.before,
            "after": self.after,
            "sentence": self.sentence,
        }


class KPIError(ValueError):
    """The change would leave a KPI that cannot be computed (``message`` says why)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _Undo(Exception):
    """Raised to roll the trial transaction back."""


_BY_DATA_TYPE = {kpi.data_type: kpi for kpi in catalogue.ALL if kpi.data_type}


def _kpi_transforms(data_set: DataSet) -> list[tuple[Transform, catalogue.KPI]]:
    found = []
    for transform in transforms_for(data_set):
        if transform.type not in PERIOD_TYPES:
            continue
        kpi = _BY_DATA_TYPE.get(transform.output_type.name)
        if kpi is not None:
            found.append((transform, kpi))
    return found


def feeds_kpis(data_set: DataSet) -> bool:
    """Whether a KPI transform reads ``data_set`` (else a change has no KPI to show)."""
    return bool(_kpi_transforms(data_set))


def _figures(out: DataSet, field: str, start: datetime, end: datetime) -> dict[str, tuple]:
    rows = Record.objects.filter(data_set=out, timestamp__gte=start, timestamp__lte=end)
    figures = {}
    for data in rows.values_list("data", flat=True):
        value = data.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float):
            value = None
        figures[data.get("_start_at") or data["_timestamp"]] = (value, data.get("_end_at"))
    return figures


def kpi_changes(
    data_set: DataSet, apply: Callable[[], tuple[datetime, datetime] | None], *, now=None
) -> list[KPIChange]:
    """The KPI figures that ``apply`` (a function that writes to ``data_set`` and returns
    the first and last timestamps it touched) would change, by period, latest first.

    ``apply`` runs inside a transaction that is always rolled back. Raises
    :class:`KPIError` if a KPI could not be computed from the changed data.
    """
    now = now or timezone.now()
    changes: list[KPIChange] = []
    # The trial is always undone: _Undo rolls the transaction back on the way out.
    with contextlib.suppress(_Undo), transaction.atomic():
        touched = apply()
        if touched is None:
            raise _Undo
        earliest, latest = touched
        for transform, kpi in _kpi_transforms(data_set):
            source = input_data_set(transform, data_set)
            if source is None:
                continue
            out = output_data_set(transform, source)
            params = effective_query(transform.type, transform.query or {}, transform.options or {})
            period = params.get("period", "")
            # The first period touched starts up to a period before ``earliest``.
            start = earliest - timedelta(days=_PERIOD_DAYS.get(period, 7))
            before = _figures(out, kpi.value_field, start, latest)
            try:
                run_transform(transform, source, earliest, latest, now=now)
            except (TransformError, TransformConfigError) as exc:
                raise KPIError(f"{kpi.title} could not be worked out from it: {exc}")
            after = _figures(out, kpi.value_field, start, latest)
            for begins in sorted(set(before) | set(after), reverse=True)[:MAX_PERIODS]:
                old, end = before.get(begins, (None, None))
                new, end_after = after.get(begins, (None, None))
                if old is None and new is None:
                    continue
                if old == new and not _overlaps(begins, end_after or end, earliest, latest):
                    continue  # a neighbouring period the change did not reach
                changes.append(
                    KPIChange(
                        kpi=kpi.key,
                        title=kpi.title,
                        period=period_label(begins, end_after or end, period),
                        start=begins,
                        before=old,
                        after=new,
                        before_text=display(old, kpi.unit),
                        after_text=display(new, kpi.unit),
                    )
                )
        raise _Undo
    return changes


def _overlaps(start: str, end: str | None, earliest: datetime, latest: datetime) -> bool:
    """Whether the period [start, end) holds any moment of [earliest, latest]."""
    first = datetime.fromisoformat(start)
    last = datetime.fromisoformat(end) if end else first
    return first <= latest and last > earliest
