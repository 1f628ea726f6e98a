"""The demo's organisations, dashboards and modules, and the extra data they show.

Every demo service gets a published dashboard with its KPI tiles and a realistic set of
modules; across the demo every module type appears at least once. One dashboard is
unlisted (not public yet) and two carry annotations.
"""

import math
import random
from datetime import UTC, datetime, timedelta

from django.utils.text import slugify

DEPARTMENT_FOR = {}  # filled by organisations(): service slug -> organisation slug

# Extra raw data sets some dashboards show, beyond the KPI data: data type -> settings.
EXTRA_DATA_TYPES = {
    "monitoring": {"auto_ids": ["_timestamp"], "max_age_expected": 180_000},
    "realtime": {"auto_ids": ["_timestamp"], "max_age_expected": 3_600},
    "top-pages": {"auto_ids": ["_timestamp", "pagePath"], "max_age_expected": 1_300_000},
    "journey-steps": {"auto_ids": ["_timestamp", "step"], "max_age_expected": 1_300_000},
    "journey-by-device": {
        "auto_ids": ["_timestamp", "device", "stage"],
        "max_age_expected": 1_300_000,
    },
    "processing-times": {"auto_ids": ["_timestamp", "days"], "max_age_expected": 1_300_000},
}
# Which service has which extra data sets.
EXTRAS = {
    "vehicle-tax": ["monitoring", "realtime", "top-pages"],
    "renew-passport": ["journey-steps", "processing-times"],
    "self-assessment": ["journey-by-device"],
}
FUNNEL = [
    ("start", "Start page", 1.0),
    ("eligibility", "Check eligibility", 0.86),
    ("details", "Enter details", 0.74),
    ("photo", "Upload photo", 0.68),
    ("payment", "Pay", 0.63),
    ("done", "Application sent", 0.61),
]
PAGES = [
    ("/vehicle-tax", "Tax your vehicle", 410_000),
    ("/check-vehicle-tax", "Check if a vehicle is taxed", 260_000),
    ("/vehicle-tax-direct-debit", "Set up a Direct Debit", 95_000),
    ("/make-a-sorn", "Make a SORN", 88_000),
    ("/vehicle-tax-refund", "Get a vehicle tax refund", 41_000),
]


def _org_slug(name: str) -> str:
    return slugify(name)


def organisations(departments: dict, services: list[dict]) -> list[dict]:
    """Departments, and the agencies that run services under them."""
    out = [
        {"slug": slug, "name": d["name"], "abbreviation": d["abbreviation"], "type": "department"}
        for slug, d in departments.items()
    ]
    seen = set()
    for service in services:
        agency = service.get("agency")
        if agency and agency not in seen:
            seen.add(agency)
            abbreviation = "".join(w[0] for w in agency.split() if w[0].isupper())
            out.append(
                {
                    "slug": _org_slug(agency),
                    "name": agency,
                    "abbreviation": abbreviation,
                    "type": "agency",
                    "parent": service["department"],
                }
            )
    return out


def _source(service: str, data_type: str) -> dict:
    return {"data_group": service, "data_type": data_type}


def _info(service: dict, definition: str) -> list[str]:
    return [f"Data source: {service.get('agency') or service['department_name']}", definition]


def standard_modules(service: dict, *, style: str) -> list[dict]:
    """The modules every service dashboard has: its KPIs over time and its channels."""
    slug = service["slug"]
    modules = []
    if service["cost"] is not None:
        modules.append(
            {
                "slug": "cost-per-transaction-latest",
                "type": "kpi",
                "title": "Cost per transaction",
                "description": "The average cost of each completed transaction, last quarter.",
                "data_source": _source(slug, "cost-per-transaction-by-quarter"),
                "query": {"sort_by": "_timestamp:descending", "limit": 2},
                "options": {
                    "value-attribute": "cost_per_transaction",
                    "format": {"type": "currency", "pence": True},
                    "date-period": "quarter",
                    "classes": "cols3",
                },
                "info": _info(
                    service,
                    "Cost per transaction is the average cost of providing each successfully "
                    "completed transaction, across all channels, including staff, IT and "
                    "accommodation.",
                ),
            }
        )
    modules.append(
        {
            "slug": "digital-takeup",
            "type": "single_timeseries",
            "title": "Digital take-up",
            "description": "What percentage of transactions were completed online.",
            "data_source": _source(slug, "digital-takeup"),
            "query": {"period": "week", "collect": ["rate:mean"], "duration": 52},
            "options": {
                "value-attribute": "rate:mean",
                "format": "percent",
                "axis-period": "week",
                "axes": {"x": {"label": "Week"}, "y": [{"label": "Digital take-up"}]},
            },
            "info": _info(
                service, "Digital take-up is the share of completed transactions made online."
            ),
        }
    )
    modules.append(
        {
            "slug": "user-satisfaction",
            "type": "user_satisfaction_graph",
            "title": "User satisfaction",
            "description": "Average of scores rating satisfaction from 100% (very satisfied) to "
            "0% (very dissatisfied).",
            "data_source": _source(slug, "user-satisfaction-score"),
            "query": {
                "period": "month",
                "duration": 12,
                "collect": [
                    "score:mean",
                    "num_responses:sum",
                    *(f"rating_{k}:sum" for k in range(1, 6)),
                ],
            },
            "options": {
                "value-attribute": "score:mean",
                "total-attribute": "num_responses:sum",
                "migrated": True,
                "axis-period": "month",
            },
            "info": _info(service, "Users rate the service on a 5-point scale when they finish."),
        }
    )
    modules.append(
        {
            "slug": "completion-rate",
            "type": "completion_rate",
            "title": "Completion rate",
            "description": "The percentage of people who finish once they have started.",
            "data_source": _source(slug, "journey"),
            "query": {
                "period": "week",
                "group_by": "stage",
                "collect": ["count:sum"],
                "duration": 26,
            },
            "options": {
                "value-attribute": "count:sum",
                "matching-attribute": "stage",
                "numerator-matcher": "^done$",
                "denominator-matcher": "^start$",
                "axis-period": "week",
            },
            "info": _info(service, "Completed journeys divided by started journeys, each week."),
        }
    )
    if service["cost"] is not None:
        modules.append(
            {
                "slug": "cost-per-transaction",
                "type": "bar_chart_with_number",
                "title": "Cost per transaction by quarter",
                "data_source": _source(slug, "cost-per-transaction-by-quarter"),
                "query": {
                    "period": "quarter",
                    "collect": ["cost_per_transaction:mean"],
                    "duration": 6,
                },
                "options": {
                    "value-attribute": "cost_per_transaction:mean",
                    "format": {"type": "currency", "pence": True},
                    "axis-period": "quarter",
                },
            }
        )
    channels = {
        "slug": "transactions-by-channel",
        "type": "grouped_timeseries",
        "title": "Transactions by channel",
        "description": "Completed transactions each week, by how people made them.",
        "data_source": _source(slug, "transactions-by-channel"),
        "query": {
            "period": "week",
            "group_by": "channel",
            "collect": ["count:sum"],
            "duration": 26,
        },
        "options": {
            "value-attribute": "count:sum",
            "category": "channel",
            "axis-period": "week",
            "show-line-labels": True,
        },
    }
    if style == "stacked":
        channels["options"]["use_stack"] = True
    elif style == "percent":
        channels["options"]["one-hundred-percent"] = True
        channels["title"] = "Share of transactions by channel"
    modules.append(channels)
    if style == "lines":
        # Online against the same weeks a year before: group-mapping merges the online
        # channels into one group, and a timeshifted series draws it 52 weeks earlier.
        modules.append(
            {
                "slug": "online-year-on-year",
                "type": "grouped_timeseries",
                "title": "Online transactions, this year and last",
                "description": "Transactions made online each week (on the web or through "
                "an API), beside the same weeks a year earlier.",
                "data_source": _source(slug, "transactions-by-channel"),
                "query": {
                    "period": "week",
                    "group_by": "channel",
                    "collect": ["count:sum"],
                    "duration": 26,
                },
                "options": {
                    "value-attribute": "count:sum",
                    "category": "channel",
                    "axis-period": "week",
                    "group-mapping": {"^(digital|api)$": "online"},
                    "axes": {
                        "x": {"label": "Week"},
                        "y": [
                            {"groupId": "online", "label": "Online"},
                            {"groupId": "online", "label": "Online", "timeshift": 52},
                        ],
                    },
                    "show-line-labels": True,
                    "show-total-label": True,
                },
            }
        )
    return modules


def extra_modules(slug: str) -> list[dict]:
    """The modules of the extra data sets (one service each), covering every other type."""
    if slug == "vehicle-tax":
        return [
            {
                "slug": "live-users",
                "type": "realtime",
                "title": "Live service usage",
                "data_source": _source(slug, "realtime"),
                "query": {},
                "options": {"value-attribute": "unique_visitors"},
            },
            {
                "slug": "service-availability",
                "type": "availability",
                "title": "Service availability",
                "description": "Uptime and page load time, measured every hour.",
                "data_source": _source(slug, "monitoring"),
                "query": {"period": "day", "duration": 30},
            },
            {
                "slug": "popular-pages",
                "type": "list",
                "title": "Most visited pages",
                "data_source": _source(slug, "top-pages"),
                "query": {"sort_by": "visits:descending", "limit": 5},
                "options": {
                    "label-attr": "pageTitle",
                    "link-attr": "pagePath",
                    "url-root": "https://www.gov.uk",
                },
            },
            {
                "slug": "volumes",
                "type": "tab",
                "title": "Transaction volumes",
                "modules": [
                    {
                        "slug": "weekly",
                        "type": "single_timeseries",
                        "title": "Weekly transactions",
                        "data_source": _source(slug, "transactions-by-channel"),
                        "query": {"period": "week", "collect": ["count:sum"], "duration": 26},
                        "options": {"value-attribute": "count:sum", "axis-period": "week"},
                    },
                    {
                        "slug": "monthly",
                        "type": "single_timeseries",
                        "title": "Monthly transactions",
                        "data_source": _source(slug, "transactions-by-channel"),
                        "query": {"period": "month", "collect": ["count:sum"], "duration": 12},
                        "options": {"value-attribute": "count:sum", "axis-period": "month"},
                    },
                ],
            },
        ]
    if slug == "renew-passport":
        return [
            {
                "slug": "application-journey",
                "type": "journey",
                "title": "Online application journey",
                "description": "How many people reached each step last week.",
                "data_source": _source(slug, "journey-steps"),
                "query": {"group_by": "step", "collect": ["count:sum"]},
                "options": {
                    "matching-attribute": "step",
                    "value-attribute": "count:sum",
                    "axes": {
                        "x": {"label": "Step"},
                        "y": [{"label": label, "groupId": step} for step, label, _ in FUNNEL],
                    },
                },
            },
            {
                "slug": "processing-times",
                "type": "column",
                "title": "Applications by processing time",
                "description": "How many working days applications took, over the last 4 weeks.",
                "data_source": _source(slug, "processing-times"),
                "query": {
                    "group_by": "days",
                    "collect": ["count:sum"],
                    "period": "week",
                    "duration": 4,
                },
                "options": {
                    "value-attribute": "count:sum",
                    "pin-to": "days",
                    "max-bars": 10,
                    "axes": {"x": {"label": "Working days"}, "y": [{"label": "Applications"}]},
                },
            },
            {
                "slug": "quarterly-costs",
                "type": "section",
                "title": "Costs in detail",
                "description": "Quarterly costs and volumes behind the cost per transaction.",
                "modules": [
                    {
                        "slug": "cost-table",
                        "type": "table",
                        "title": "Quarterly costs",
                        "data_source": _source(slug, "cost-per-transaction-by-quarter"),
                        "query": {},
                        "options": {
                            "sort-by": "_timestamp",
                            "sort-order": "descending",
                            "axes": {
                                "x": {
                                    "label": "Quarter starting",
                                    "key": "_start_at",
                                    "format": "date",
                                },
                                "y": [
                                    {
                                        "label": "Total cost",
                                        "key": "total_cost",
                                        "format": "currency",
                                    },
                                    {
                                        "label": "Transactions",
                                        "key": "transactions",
                                        "format": "integer",
                                    },
                                    {
                                        "label": "Cost per transaction",
                                        "key": "cost_per_transaction",
                                        "format": "currency",
                                    },
                                ],
                            },
                        },
                    }
                ],
            },
        ]
    if slug == "self-assessment":
        return [
            {
                "slug": "completion-by-device",
                "type": "completion_table",
                "title": "Completion rate by device",
                "data_source": _source(slug, "journey-by-device"),
                "query": {
                    "group_by": ["device", "stage"],
                    "collect": ["count:sum"],
                    "period": "week",
                    "duration": 8,
                },
                "options": {
                    "category": "device",
                    "matching-attribute": "stage",
                    "numerator-matcher": "^done$",
                    "denominator-matcher": "^start$",
                    "value-attribute": "count:sum",
                    "axes": {"x": {"label": "Device"}},
                },
            }
        ]
    return []


def annotations(slug: str, this_monday: datetime) -> list[dict]:
    """Two dated notes: the kind of event a reader needs to understand a change."""
    if slug == "renew-passport":
        when = this_monday - timedelta(weeks=20)
        return [{"date": when.date().isoformat(), "text": "Online photo upload launched"}]
    if slug == "carers-allowance":
        when = this_monday - timedelta(weeks=30)
        return [{"date": when.date().isoformat(), "text": "Paper claim form withdrawn"}]
    return []


def dashboards_config(departments: dict, services: list[dict], this_monday: datetime) -> dict:
    """Organisations and dashboards for the demo, in the import-config format."""
    styles = ["lines", "stacked", "percent"]
    dashboards = []
    for index, service in enumerate(services):
        slug = service["slug"]
        named = {**service, "department_name": departments[service["department"]]["name"]}
        org = _org_slug(service["agency"]) if service.get("agency") else service["department"]
        dashboards.append(
            {
                "slug": slug,
                "title": service["name"],
                "dashboard_type": "transaction",
                "organisation": org,
                "status": "published",
                "strapline": "Service dashboard",
                "description": f"Performance figures for {service['name'].lower()}, "
                "updated as the service sends them.",
                "customer_type": "Individuals",
                "business_model": "Fees and charges" if service["cost"] else "Taxpayers",
                "kpi_group": slug,
                "links": [
                    {
                        "title": service["name"],
                        "url": f"https://www.gov.uk/{slug}",
                        "type": "transaction",
                    },
                    {
                        "title": "Service Manual: measuring success",
                        "url": "https://www.gov.uk/service-manual/measuring-success",
                        "type": "other",
                    },
                ],
                "modules": standard_modules(named, style=styles[index % 3]) + extra_modules(slug),
                "annotations": annotations(slug, this_monday),
            }
        )
    dashboards.append(
        {
            "slug": "check-mot-history",
            "title": "Check MOT history",
            "dashboard_type": "transaction",
            "organisation": "department-for-transport",
            "status": "unlisted",
            "strapline": "Service dashboard",
            "description": "A prototype dashboard, shared for review before it is published.",
            "modules": [
                {
                    "slug": "weekly-transactions",
                    "type": "single_timeseries",
                    "title": "Weekly transactions",
                    "data_source": _source("vehicle-tax", "transactions-by-channel"),
                    "query": {"period": "week", "collect": ["count:sum"], "duration": 12},
                    "options": {"value-attribute": "count:sum"},
                }
            ],
        }
    )
    return {"organisations": organisations(departments, services), "dashboards": dashboards}


def extra_data_sets() -> list[dict]:
    """The extra data sets' entries for import-config."""
    return [
        {
            "data_group": slug,
            "data_type": data_type,
            "published": True,
            "raw_queries_allowed": True,
            **EXTRA_DATA_TYPES[data_type],
        }
        for slug, types in EXTRAS.items()
        for data_type in types
    ]


def extra_records(slug: str, data_type: str, now: datetime, this_monday: datetime) -> list[dict]:
    """Plausible records for one extra data set (deterministic per service and type)."""
    rng = random.Random(f"{slug}/{data_type}")
    if data_type == "monitoring":
        start = (now - timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
        out = []
        for hour in range(30 * 24):
            when = start + timedelta(hours=hour)
            down = 3600 if rng.random() < 0.004 else (rng.choice([0, 0, 0, 60, 120]))
            busy = 1 + 0.5 * math.sin(2 * math.pi * (when.hour - 6) / 24)
            out.append(
                {
                    "_timestamp": when.isoformat(),
                    "uptime": 3600 - down,
                    "downtime": down,
                    "avgresponse": round(380 * busy + rng.gauss(0, 25), 1),
                }
            )
        return out
    if data_type == "realtime":
        start = (now - timedelta(hours=24)).replace(second=0, microsecond=0)
        start -= timedelta(minutes=start.minute % 5)
        out = []
        for step in range(24 * 12 + 1):
            when = start + timedelta(minutes=5 * step)
            daily = max(0.15, math.sin(math.pi * (when.hour + when.minute / 60 - 6) / 17))
            out.append(
                {
                    "_timestamp": when.isoformat(),
                    "for_url": "/vehicle-tax",
                    "unique_visitors": int(2400 * daily + rng.randint(0, 120)),
                }
            )
        return out
    if data_type == "top-pages":
        week = (this_monday - timedelta(weeks=1)).isoformat()
        return [
            {
                "_timestamp": week,
                "pagePath": path,
                "pageTitle": title,
                "visits": int(visits * rng.uniform(0.9, 1.1)),
            }
            for path, title, visits in PAGES
        ]
    if data_type == "journey-steps":
        out = []
        for weeks_ago in range(1, 9):
            monday = this_monday - timedelta(weeks=weeks_ago)
            starts = rng.randint(70_000, 90_000)
            for step, _label, share in FUNNEL:
                out.append(
                    {
                        "_timestamp": monday.isoformat(),
                        "step": step,
                        "count": int(starts * share * rng.uniform(0.98, 1.02)),
                    }
                )
        return out
    if data_type == "journey-by-device":
        out = []
        for weeks_ago in range(1, 9):
            monday = this_monday - timedelta(weeks=weeks_ago)
            for device, volume, rate in (
                ("desktop", 60_000, 0.86),
                ("mobile", 48_000, 0.71),
                ("tablet", 9_000, 0.79),
            ):
                started = int(volume * rng.uniform(0.95, 1.05))
                out.append(
                    {
                        "_timestamp": monday.isoformat(),
                        "device": device,
                        "stage": "start",
                        "count": started,
                    }
                )
                out.append(
                    {
                        "_timestamp": monday.isoformat(),
                        "device": device,
                        "stage": "done",
                        "count": int(started * rate * rng.uniform(0.98, 1.02)),
                    }
                )
        return out
    if data_type == "processing-times":
        out = []
        for weeks_ago in range(1, 5):
            monday = this_monday - timedelta(weeks=weeks_ago)
            for days in range(1, 16):
                weight = math.exp(-((days - 5) ** 2) / 8) + (0.05 if days > 10 else 0)
                out.append(
                    {
                        "_timestamp": monday.isoformat(),
                        "days": days,
                        "count": int(9_000 * weight * rng.uniform(0.9, 1.1)),
                    }
                )
        return out
    raise ValueError(f"no demo records for {data_type}")


__all__ = ["UTC", "dashboards_config", "extra_data_sets", "extra_records"]
