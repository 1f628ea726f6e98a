"""The demo: twelve services in four departments, with two years of plausible figures.

Everything is written through the same pipeline every real write uses
(``prepare_records`` then ``storage.store_records``), so the writes queue the KPI
transforms exactly as uploads do; ``load_demo`` then runs them in this process, so the
KPI summaries exist before the server starts.

The figures are deterministic (seeded per service) and plausible rather than noise:

* weekly volumes follow a yearly cycle that peaks in a month of the service's own
  (passports in spring, tax returns in January), a gentle trend, and a dip at Christmas;
* digital take-up rises along an S-curve (logistic) from the service's start share to
  its end share;
* the cost per transaction falls slowly as digital take-up rises;
* user satisfaction stays between 70% and 90% every month, completion rates between
  60% and 92%.

Some services are imperfect on purpose, so the site has something to show for it: a
gap in the weekly transactions, a gap in the satisfaction survey, a service whose data
stopped (and was last written) 9 weeks ago, and a service with no cost data at all.
"""

import logging
import math
import random
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from performance_platform.configuration.importer import import_config
from performance_platform.datastore import storage
from performance_platform.datastore.models import DataSet, Record, default_name
from performance_platform.datastore.periods import month_start, quarter_start, week_start
from performance_platform.datastore.validation import prepare_records
from performance_platform.kpis import standard

from . import collectors, dashboards
from .requests import load_demo_request

logger = logging.getLogger(__name__)

SEED = 2013
# Weeks of transactions per service, ending with the last complete week (or, for a
# stale service, with the week before its data stopped).
WEEKS = 110

DEPARTMENTS = {
    "home-office": {"name": "Home Office", "abbreviation": "HO"},
    "department-for-transport": {"name": "Department for Transport", "abbreviation": "DfT"},
    "department-for-work-pensions": {
        "name": "Department for Work and Pensions",
        "abbreviation": "DWP",
    },
    "hm-revenue-customs": {"name": "HM Revenue & Customs", "abbreviation": "HMRC"},
}

# One dict per service. The slug is the service's data group. Keys:
#
#   slug, name, department (a DEPARTMENTS slug), agency (who runs it, or None)
#   weekly_volume    transactions in an average week at the start of the two years
#   peak_month       the busiest month (1-12)
#   seasonality      how far above (and below) average the busiest (quietest) weeks are
#   growth           the yearly trend in volume (0.03: 3% more each year)
#   digital_takeup   (start, end): the share of transactions made online, rising on an S-curve
#   online           how online transactions split between channels ("digital", "api")
#   offline          how the rest split ("telephone_human", "paper_form", "face_to_face")
#   cost             ("per_transaction", £) - the service sends cost per transaction;
#                    ("total_cost", £) - it sends total costs by category, and the £ is
#                    the cost per transaction they work out at; None - no cost data.
#                    The £ is the figure at the start; it falls as take-up rises.
#   satisfaction     the typical user satisfaction score (0.70-0.90)
#   completion_rate  (start, end): the share of started online journeys that finish
#
# and, for the imperfect ones:
#
#   gaps             {data type: how many periods are missing in the middle}
#   stale_weeks      the data stopped, and was last written, this many weeks ago
#   api_is_digital   the service has its own digital take-up transform counting "api"
#                    as digital (everyone else's counts only "digital")
SERVICES = [
    # --- Home Office -------------------------------------------------------------------
    {
        "slug": "renew-passport",
        "name": "Renew a passport",
        "department": "home-office",
        "agency": "HM Passport Office",
        "weekly_volume": 95_000,
        "peak_month": 4,
        "seasonality": 0.30,
        "growth": 0.04,
        "digital_takeup": (0.62, 0.90),
        "online": {"digital": 1.0},
        "offline": {"paper_form": 0.85, "face_to_face": 0.15},
        "cost": ("total_cost", 14.60),
        "satisfaction": 0.83,
        "completion_rate": (0.76, 0.84),
    },
    {
        "slug": "apply-for-a-visa",
        "name": "Apply for a UK visa",
        "department": "home-office",
        "agency": "UK Visas and Immigration",
        "weekly_volume": 55_000,
        "peak_month": 7,
        "seasonality": 0.25,
        "growth": 0.06,
        "digital_takeup": (0.55, 0.78),
        "online": {"digital": 1.0},
        "offline": {"paper_form": 0.4, "face_to_face": 0.6},
        "cost": ("per_transaction", 38.20),
        "satisfaction": 0.74,
        "completion_rate": (0.64, 0.72),
    },
    {
        "slug": "basic-dbs-check",
        "name": "Request a basic DBS check",
        "department": "home-office",
        "agency": "Disclosure and Barring Service",
        "weekly_volume": 22_000,
        "peak_month": 9,
        "seasonality": 0.15,
        "growth": 0.02,
        "digital_takeup": (0.68, 0.88),
        "online": {"digital": 1.0},
        "offline": {"paper_form": 0.7, "telephone_human": 0.3},
        "cost": ("total_cost", 7.40),
        "satisfaction": 0.79,
        "completion_rate": (0.70, 0.80),
        "stale_weeks": 9,
    },
    # --- Department for Transport -------------------------------------------------------
    {
        "slug": "vehicle-tax",
        "name": "Tax your vehicle",
        "department": "department-for-transport",
        "agency": "Driver and Vehicle Licensing Agency",
        "weekly_volume": 900_000,
        "peak_month": 3,
        "seasonality": 0.12,
        "growth": 0.01,
        "digital_takeup": (0.70, 0.93),
        "online": {"digital": 0.75, "api": 0.25},
        "offline": {"face_to_face": 0.8, "telephone_human": 0.2},
        "cost": ("total_cost", 0.88),
        "satisfaction": 0.88,
        "completion_rate": (0.84, 0.90),
        "api_is_digital": True,
    },
    {
        "slug": "renew-driving-licence",
        "name": "Renew your driving licence",
        "department": "department-for-transport",
        "agency": "Driver and Vehicle Licensing Agency",
        "weekly_volume": 60_000,
        "peak_month": 6,
        "seasonality": 0.10,
        "growth": 0.03,
        "digital_takeup": (0.58, 0.82),
        "online": {"digital": 1.0},
        "offline": {"paper_form": 0.75, "face_to_face": 0.25},
        "cost": ("per_transaction", 6.85),
        "satisfaction": 0.85,
        "completion_rate": (0.78, 0.86),
    },
    {
        "slug": "book-driving-test",
        "name": "Book your driving test",
        "department": "department-for-transport",
        "agency": "Driver and Vehicle Standards Agency",
        "weekly_volume": 38_000,
        "peak_month": 8,
        "seasonality": 0.20,
        "growth": 0.05,
        "digital_takeup": (0.66, 0.92),
        "online": {"digital": 1.0},
        "offline": {"telephone_human": 1.0},
        "cost": ("per_transaction", 2.45),
        "satisfaction": 0.76,
        "completion_rate": (0.68, 0.79),
    },
    # --- Department for Work and Pensions -----------------------------------------------
    {
        "slug": "carers-allowance",
        "name": "Apply for Carer's Allowance",
        "department": "department-for-work-pensions",
        "agency": None,
        "weekly_volume": 5_500,
        "peak_month": 1,
        "seasonality": 0.10,
        "growth": 0.03,
        "digital_takeup": (0.52, 0.76),
        "online": {"digital": 1.0},
        "offline": {"paper_form": 0.8, "telephone_human": 0.2},
        "cost": ("per_transaction", 27.40),
        "satisfaction": 0.86,
        "completion_rate": (0.62, 0.71),
    },
    {
        "slug": "state-pension",
        "name": "Claim your State Pension",
        "department": "department-for-work-pensions",
        "agency": "The Pension Service",
        "weekly_volume": 16_000,
        "peak_month": 4,
        "seasonality": 0.08,
        "growth": 0.02,
        "digital_takeup": (0.50, 0.72),
        "online": {"digital": 1.0},
        "offline": {"telephone_human": 0.7, "paper_form": 0.3},
        "cost": ("total_cost", 21.90),
        "satisfaction": 0.81,
        "completion_rate": (0.72, 0.80),
        "gaps": {"customer-satisfaction": 2},
    },
    {
        "slug": "universal-credit",
        "name": "Apply for Universal Credit",
        "department": "department-for-work-pensions",
        "agency": None,
        "weekly_volume": 42_000,
        "peak_month": 1,
        "seasonality": 0.18,
        "growth": 0.05,
        "digital_takeup": (0.64, 0.95),
        "online": {"digital": 1.0},
        "offline": {"telephone_human": 0.6, "face_to_face": 0.4},
        "cost": None,
        "satisfaction": 0.72,
        "completion_rate": (0.63, 0.74),
    },
    # --- HM Revenue & Customs -----------------------------------------------------------
    {
        "slug": "self-assessment",
        "name": "Send your Self Assessment tax return",
        "department": "hm-revenue-customs",
        "agency": None,
        "weekly_volume": 220_000,
        "peak_month": 1,
        "seasonality": 0.65,
        "growth": 0.02,
        "digital_takeup": (0.70, 0.94),
        "online": {"digital": 0.9, "api": 0.1},
        "offline": {"paper_form": 1.0},
        "cost": ("total_cost", 4.35),
        "satisfaction": 0.78,
        "completion_rate": (0.80, 0.88),
    },
    {
        "slug": "vat-returns",
        "name": "Submit a VAT Return",
        "department": "hm-revenue-customs",
        "agency": None,
        "weekly_volume": 180_000,
        "peak_month": 5,
        "seasonality": 0.20,
        "growth": 0.03,
        "digital_takeup": (0.60, 0.86),
        "online": {"digital": 1.0},
        "offline": {"paper_form": 0.6, "telephone_human": 0.4},
        "cost": ("per_transaction", 1.15),
        "satisfaction": 0.80,
        "completion_rate": (0.82, 0.90),
    },
    {
        "slug": "child-benefit",
        "name": "Claim Child Benefit",
        "department": "hm-revenue-customs",
        "agency": None,
        "weekly_volume": 14_000,
        "peak_month": 9,
        "seasonality": 0.12,
        "growth": -0.01,
        "digital_takeup": (0.54, 0.80),
        "online": {"digital": 1.0},
        "offline": {"paper_form": 0.85, "telephone_human": 0.15},
        "cost": ("per_transaction", 16.80),
        "satisfaction": 0.84,
        "completion_rate": (0.70, 0.78),
        "gaps": {"transactions-by-channel": 3},
    },
]

# The data sets every service has, with their settings (cost data sets are added per
# service, by the shape of its cost data), and the KPI transforms: the standard ones.
DATA_TYPES = standard.DATA_TYPES
COST_DATA_TYPES = {"per_transaction": "cost-per-transaction", "total_cost": "total-cost"}
COST_CATEGORIES = {"staff": 0.55, "it": 0.27, "accommodation": 0.18}

TRANSFORMS = standard.TRANSFORMS
SCHEMAS = standard.SCHEMAS


def data_types_of(service: dict) -> list[str]:
    """The data types (raw data sets) a service has."""
    types = ["transactions-by-channel", "journey", "customer-satisfaction"]
    if service["cost"] is not None:
        types.append(COST_DATA_TYPES[service["cost"][0]])
    return types


def demo_config() -> dict:
    """The demo's data sets, transforms, dashboards and collectors, in the import-config
    format."""
    data_sets = [
        {
            "data_group": service["slug"],
            "data_type": data_type,
            "published": True,
            "raw_queries_allowed": True,
            **DATA_TYPES[data_type],
            # The schema a new service's data set of the type gets: what uploads check.
            **({"schema": SCHEMAS[data_type]} if data_type in SCHEMAS else {}),
        }
        for service in SERVICES
        for data_type in data_types_of(service)
    ]
    transforms = [dict(t) for t in TRANSFORMS]
    transforms += [
        {
            "type": "digital_takeup",
            "input": {"data_group": service["slug"], "data_type": "transactions-by-channel"},
            "options": {"channels": ["digital", "api"]},
        }
        for service in SERVICES
        if service.get("api_is_digital")
    ]
    this_monday = week_start(timezone.now().astimezone(UTC))
    return {
        "data_sets": data_sets + dashboards.extra_data_sets() + collectors.data_sets_config(),
        "transforms": transforms,
        **dashboards.dashboards_config(DEPARTMENTS, SERVICES, this_monday),
        "collectors": collectors.collectors_config(),
    }


# --- the figures ------------------------------------------------------------------------


def _s_curve(start: float, end: float, progress: float, steepness: float = 6.0) -> float:
    """From ``start`` at progress 0 to ``end`` at progress 1 along a logistic curve."""

    def logistic(x):
        return 1 / (1 + math.exp(-steepness * (x - 0.5)))

    low, high = logistic(0), logistic(1)
    return start + (end - start) * (logistic(progress) - low) / (high - low)


def _season(service: dict, day: datetime) -> float:
    """The yearly cycle: 1 + seasonality at the middle of the peak month."""
    peak_day = (service["peak_month"] - 0.5) * 365.25 / 12
    angle = 2 * math.pi * (day.timetuple().tm_yday - peak_day) / 365.25
    return 1 + service["seasonality"] * math.cos(angle)


def _holiday(monday: datetime) -> float:
    """Christmas and New Year weeks are quiet."""
    days = {(monday + timedelta(days=d)).strftime("%m-%d") for d in range(7)}
    if "12-25" in days:
        return 0.55
    if "01-01" in days:
        return 0.8
    return 1.0


class _Figures:
    """One service's figures over its window of weeks (deterministic per service)."""

    def __init__(self, service: dict, end: datetime):
        self.service = service
        self.end = end  # Monday 00:00 after the last week of data
        self.weeks = [end - timedelta(weeks=WEEKS - i) for i in range(WEEKS)]
        self.rng = random.Random(f"{SEED}-{service['slug']}")

    def progress(self, when: datetime) -> float:
        """0 at the first week, 1 at the last."""
        span = (self.weeks[-1] - self.weeks[0]).total_seconds()
        return min(1.0, max(0.0, (when - self.weeks[0]).total_seconds() / span))

    def takeup(self, when: datetime) -> float:
        return _s_curve(*self.service["digital_takeup"], self.progress(when))

    def _missing(self, data_type: str, periods: list) -> set:
        """The periods left out in the middle (the service's gap, if it has one)."""
        length = (self.service.get("gaps") or {}).get(data_type, 0)
        first = len(periods) // 2 - length // 2
        return set(periods[first : first + length]) if length else set()

    def transactions(self) -> tuple[list[dict], dict[datetime, int]]:
        """Weekly counts by channel, and each week's total (for the cost figures)."""
        service, rng = self.service, self.rng
        missing = self._missing("transactions-by-channel", self.weeks)
        records, totals = [], {}
        for monday in self.weeks:
            years = self.progress(monday) * WEEKS / 52.18
            volume = (
                service["weekly_volume"]
                * _season(service, monday + timedelta(days=3))
                * (1 + service["growth"]) ** years
                * _holiday(monday)
                * rng.gauss(1, 0.03)
            )
            online = min(0.99, self.takeup(monday) + rng.gauss(0, 0.006))
            shares = {ch: online * s for ch, s in service["online"].items()}
            shares.update({ch: (1 - online) * s for ch, s in service["offline"].items()})
            if monday in missing:
                continue
            counts = {ch: max(1, round(volume * share)) for ch, share in shares.items()}
            totals[monday] = sum(counts.values())
            records += [
                {"_timestamp": monday.isoformat(), "period": "week", "channel": ch, "count": n}
                for ch, n in counts.items()
            ]
        return records, totals

    def journey(self, transactions: list[dict]) -> list[dict]:
        """Weekly start and done events: done is the week's online ("digital") count."""
        done_by_week = {
            r["_timestamp"]: r["count"] for r in transactions if r["channel"] == "digital"
        }
        low, high = self.service["completion_rate"]
        records = []
        for monday in self.weeks:
            stamp = monday.isoformat()
            done = done_by_week.get(stamp)
            if done is None:  # no transactions that week: estimate from the week before
                done = records[-1]["count"] if records else 1000
            rate = low + (high - low) * self.progress(monday) + self.rng.gauss(0, 0.01)
            rate = min(0.91, max(0.61, rate))
            records.append({"_timestamp": stamp, "stage": "start", "count": round(done / rate)})
            records.append({"_timestamp": stamp, "stage": "done", "count": done})
        return records

    def months(self) -> list[datetime]:
        """Whole months inside the window."""
        first = month_start(self.weeks[0])
        if first < self.weeks[0]:
            first = (first + timedelta(days=32)).replace(day=1)
        out = []
        while (next_month := (first + timedelta(days=32)).replace(day=1)) <= self.end:
            out.append(first)
            first = next_month
        return out

    def satisfaction(self) -> list[dict]:
        """Monthly survey ratings whose score stays between 0.72 and 0.88."""
        service, rng = self.service, self.rng
        # Two fixed answer patterns, mixed to reach the month's mean rating.
        unhappy = (0.08, 0.07, 0.15, 0.35, 0.35)  # mean 3.82
        happy = (0.01, 0.01, 0.03, 0.20, 0.75)  # mean 4.67
        low, high = (sum((k + 1) * p for k, p in enumerate(m)) for m in (unhappy, happy))
        months = self.months()
        missing = self._missing("customer-satisfaction", months)
        records = []
        for first in months:
            if first in missing:
                continue
            score = service["satisfaction"] + 0.02 * (self.progress(first) - 0.5)
            score = min(0.88, max(0.72, score + rng.gauss(0, 0.012)))
            weight = (1 + 4 * score - low) / (high - low)
            responses = round(service["weekly_volume"] * 0.017 * rng.uniform(0.9, 1.1))
            responses = min(8000, max(240, responses))
            ratings = {
                f"rating_{k + 1}": round(responses * ((1 - weight) * u + weight * h))
                for k, (u, h) in enumerate(zip(unhappy, happy, strict=True))
            }
            records.append(
                {
                    "_timestamp": first.isoformat(),
                    "period": "month",
                    **ratings,
                    "total": sum(ratings.values()),
                }
            )
        return records

    def quarters(self) -> list[datetime]:
        """Whole quarters inside the window (their weeks all have transactions)."""
        first = quarter_start(self.weeks[0])
        if first < self.weeks[0]:
            first = quarter_start(first + timedelta(days=100))
        out = []
        while (next_quarter := quarter_start(first + timedelta(days=100))) <= self.end:
            out.append(first)
            first = next_quarter
        return out

    def costs(self, weekly_totals: dict[datetime, int]) -> list[dict]:
        """Quarterly costs: cost per transaction, or total cost by category."""
        shape, start_cost = self.service["cost"]
        start_takeup = self.service["digital_takeup"][0]
        records = []
        for first in self.quarters():
            following = quarter_start(first + timedelta(days=100))
            weeks = [w for w in self.weeks if first <= w < following]
            takeup = sum(map(self.takeup, weeks)) / len(weeks)
            per_transaction = start_cost * (1 - 0.6 * (takeup - start_takeup))
            per_transaction *= self.rng.gauss(1, 0.015)
            base = {
                "_timestamp": first.isoformat(),
                "end_at": (following - timedelta(days=1)).isoformat(),
                "period": "quarterly",
            }
            if shape == "per_transaction":
                records.append(
                    {**base, "channel": "cost_per_transaction", "count": round(per_transaction, 2)}
                )
                continue
            total = per_transaction * sum(weekly_totals.get(w, 0) for w in weeks)
            shares = {k: v * self.rng.gauss(1, 0.02) for k, v in COST_CATEGORIES.items()}
            scale = sum(shares.values())
            records += [
                {**base, "channel": category, "count": round(total * share / scale)}
                for category, share in shares.items()
            ]
        return records

    def all_records(self) -> dict[str, list[dict]]:
        """Every raw data set's records, by data type."""
        transactions, totals = self.transactions()
        out = {
            "transactions-by-channel": transactions,
            "journey": self.journey(transactions),
            "customer-satisfaction": self.satisfaction(),
        }
        if self.service["cost"] is not None:
            out[COST_DATA_TYPES[self.service["cost"][0]]] = self.costs(totals)
        return out


# --- loading ----------------------------------------------------------------------------


def _write(data_set: DataSet, items: list[dict], *, now: datetime) -> int:
    """Store ``items`` and delete the data set's other records, both as of ``now``.

    Deleting what the demo no longer generates keeps the demo what it says it is when it
    is loaded again in a later week (the window moves, so gaps would fill up) or over an
    older demo (with other auto ids).
    """
    prepared, errors = prepare_records(
        items, schema=data_set.schema, auto_ids=data_set.auto_ids, now=now
    )
    if errors:
        raise ValueError(f"demo data for {data_set.name} is invalid: {errors[:3]}")
    count = storage.store_records(data_set, prepared, now=now, source="demo")
    keep = {r.record_id for r in prepared}
    stored = Record.objects.filter(data_set=data_set).values_list("record_id", flat=True)
    extra = [record_id for record_id in stored if record_id not in keep]
    if extra:
        storage.delete_records(data_set, extra, now=now, source="demo")
    return count


def load_demo() -> dict[str, int]:
    """Create the demo's data sets and transforms, (re)write their records, run the KPIs.

    Returns the number of records written per data set. Safe to run again: auto ids make
    the rewrite idempotent, and only the demo's own data sets are touched.
    """
    from performance_platform.kpis.models import Transform
    from performance_platform.worker.runner import run_pending

    now = timezone.now()
    this_monday = week_start(now.astimezone(UTC))
    written = {}
    with transaction.atomic():
        import_config(demo_config(), source="the demo (load-demo)")
        load_demo_request()  # a dashboard request waiting for a platform admin
        for service in SERVICES:
            stale_weeks = service.get("stale_weeks", 0)
            end = this_monday - timedelta(weeks=stale_weeks)
            # A stale service last sent its figures on the Monday morning they stopped.
            written_at = end + timedelta(hours=9) if stale_weeks else now
            records = _Figures(service, end).all_records()
            for data_type, items in records.items():
                data_set = DataSet.objects.get(name=default_name(service["slug"], data_type))
                written[data_set.name] = _write(data_set, items, now=written_at)
        for slug, data_types in dashboards.EXTRAS.items():
            for data_type in data_types:
                data_set = DataSet.objects.get(name=default_name(slug, data_type))
                items = dashboards.extra_records(slug, data_type, now, this_monday)
                written[data_set.name] = _write(data_set, items, now=now)
        written.update(collectors.load_history(now))
    run_pending()
    failed = Transform.objects.exclude(last_error="").filter(last_error_at__gte=now)
    for transform in failed:
        logger.warning("demo transform %s failed: %s", transform, transform.last_error)
    return written
