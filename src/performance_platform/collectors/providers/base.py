"""What every provider gives the runner, and what the runner gives every provider."""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar


@dataclass(frozen=True)
class Source:
    """Where and how to fetch: everything a provider needs, decrypted for this run only."""

    endpoint: str
    credentials: dict = field(repr=False)
    query: dict
    timeout: float
    max_bytes: int
    now: datetime
    #: Seconds between the collector's scheduled runs (what one availability check covers).
    interval: float = 0.0


@dataclass(frozen=True)
class Period:
    """The days one request covers, ``end`` included, and their length in words."""

    start: date
    end: date
    time_span: str  # "day", "week" or "month"


@dataclass
class Row:
    """One thing a provider counted: when, split by what, and the numbers."""

    timestamp: datetime
    dimensions: dict
    metrics: dict


class Provider(ABC):
    """A source of records. Subclasses set the attributes and implement :meth:`fetch`."""

    key: ClassVar[str]
    title: ClassVar[str]
    #: Realtime providers count visitors now: one row a run, and no backfill.
    realtime: ClassVar[bool] = False
    #: Whether a date range means anything to this provider.
    backfills: ClassVar[bool] = True
    #: Fetched once per period (analytics reports), or once a run with ``period=None``
    #: (realtime counts, whole files; a backfill then keeps the rows in its range).
    periodic: ClassVar[bool] = True
    #: The shape of its records (:mod:`..records`): ``"period"`` (a period's figures, the
    #: id made from what they describe), ``"realtime"`` (a count now, the id its
    #: timestamp) or ``"check"`` (an availability check: the id its check's name and
    #: timestamp). ``None``: ``"realtime"`` for a :attr:`realtime` provider, else ``"period"``.
    record_shape: ClassVar[str | None] = None
    #: The provider's own address, when it has one everybody uses (GA4's).
    default_endpoint: ClassVar[str | None] = None
    #: How often the worker runs it, unless the collector says otherwise.
    default_every: ClassVar[int] = 24 * 3600
    #: JSON Schemas that the collector's query and credentials must meet.
    query_schema: ClassVar[dict] = {"type": "object"}
    credentials_schema: ClassVar[dict] = {"type": "object"}

    @abstractmethod
    def fetch(self, source: Source, period: Period | None) -> list[Row]:
        """The rows for ``period`` (``None`` when the provider is not :attr:`periodic`).

        Raises :class:`~..errors.AuthFailed`, :class:`~..errors.Retryable` or
        :class:`~..errors.Malformed`; never returns a partial answer.
        """
