"""The standard KPI data sets and transforms: what a service dashboard's four KPIs need.

One definition, used by the demo (``demo.data``) and by approving a dashboard request
(``onboarding.provisioning``): the raw data types a service sends, with their ``auto_ids``
(which fields make a record's id, so sending a period again replaces it), how stale each
may get, the JSON Schema a record must meet, and the transforms that turn them into the
KPIs and their summaries (:mod:`.catalogue` names the KPIs).
"""

from . import catalogue

#: About 15 days, 60 days and 180 days: a period's figures and a period's grace.
MAX_AGE_BY_CADENCE = {"weekly": 1_300_000, "monthly": 5_200_000, "quarterly": 15_600_000}
#: The read-API period of each cadence.
PERIOD_OF_CADENCE = {"weekly": "week", "monthly": "month", "quarterly": "quarter"}

#: The raw data sets a service sends, with their settings (the cadence sets
#: ``max_age_expected`` for a real service; these are the demo's weekly/monthly/quarterly).
DATA_TYPES = {
    "transactions-by-channel": {
        "auto_ids": ["_timestamp", "channel", "period"],
        "max_age_expected": MAX_AGE_BY_CADENCE["weekly"],
    },
    "journey": {"auto_ids": ["_timestamp", "stage"], "max_age_expected": 1_300_000},
    "customer-satisfaction": {
        "auto_ids": ["_timestamp", "period"],
        "max_age_expected": MAX_AGE_BY_CADENCE["monthly"],
    },
    "cost-per-transaction": {
        "auto_ids": ["_timestamp", "end_at", "period", "channel"],
        "max_age_expected": MAX_AGE_BY_CADENCE["quarterly"],
    },
    "total-cost": {
        "auto_ids": ["_timestamp", "end_at", "period", "channel"],
        "max_age_expected": MAX_AGE_BY_CADENCE["quarterly"],
    },
}

_COUNT = {"type": "number", "minimum": 0}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 100}
#: The JSON Schema each raw data type's records must meet (for new services' data sets:
#: what the guidance and the spreadsheet templates promise; the write API names the field
#: that fails). Fields beyond these are allowed.
SCHEMAS = {
    "transactions-by-channel": {
        "type": "object",
        "required": ["_timestamp", "period", "channel", "count"],
        "properties": {"period": _TEXT, "channel": _TEXT, "count": _COUNT},
    },
    "journey": {
        "type": "object",
        "required": ["_timestamp", "stage", "count"],
        "properties": {"stage": _TEXT, "count": _COUNT},
    },
    "customer-satisfaction": {
        "type": "object",
        "required": ["_timestamp", "period", *(f"rating_{k}" for k in range(1, 6))],
        "properties": {
            "period": _TEXT,
            **{f"rating_{k}": {"type": "integer", "minimum": 0} for k in range(1, 6)},
        },
    },
    "cost-per-transaction": {
        "type": "object",
        "required": ["_timestamp", "end_at", "period", "channel", "count"],
        "properties": {"period": _TEXT, "channel": _TEXT, "count": _COUNT},
    },
}

#: The raw data type each KPI is computed from (cost: as cost per transaction).
KPI_INPUTS = {
    catalogue.DIGITAL_TAKEUP.key: "transactions-by-channel",
    catalogue.COST_PER_TRANSACTION.key: "cost-per-transaction",
    catalogue.USER_SATISFACTION.key: "customer-satisfaction",
    catalogue.COMPLETION_RATE.key: "journey",
}

#: The KPI transforms, type-wide (every group with the input type), in the
#: configuration file's format; :func:`transforms_for_group` gives one group's own.
TRANSFORMS = [
    {"type": "digital_takeup", "input": {"data_type": "transactions-by-channel"}},
    {
        "type": "completion_rate",
        "input": {"data_type": "journey"},
        "options": {"numerator_matcher": "^done$", "denominator_matcher": "^start$"},
    },
    {"type": "user_satisfaction", "input": {"data_type": "customer-satisfaction"}},
    {
        "type": "cost_per_transaction",
        "input": {"data_type": "cost-per-transaction"},
        "options": {"mode": "per_transaction"},
    },
    {
        "type": "cost_per_transaction",
        "input": {"data_type": "total-cost"},
        "options": {"mode": "total_cost"},
    },
    {
        "type": "kpi_summary",
        "input": {"data_type": "transactions-by-channel"},
        "options": {"kpi": "transactions_per_year"},
    },
    *(
        {"type": "kpi_summary", "input": {"data_type": kpi.data_type}, "options": {"kpi": kpi.key}}
        for kpi in (
            catalogue.DIGITAL_TAKEUP,
            catalogue.COMPLETION_RATE,
            catalogue.USER_SATISFACTION,
            catalogue.COST_PER_TRANSACTION,
        )
    ),
]

#: Where each transform type writes unless told otherwise: (group or None for the
#: input's, data type).
DEFAULT_OUTPUTS = {
    **{kpi.key: (None, kpi.data_type) for kpi in catalogue.ALL if kpi.data_type},
    "kpi_summary": catalogue.SUMMARIES_OUTPUT,
    "latest_dataset_value": catalogue.LATEST_VALUES_OUTPUT,
}


def transforms_for_group(group: str, data_types: set[str], *, cadence: str) -> list[dict]:
    """The KPI transforms for one group's own data (those of :data:`TRANSFORMS` that read
    one of ``data_types`` or what those derive), with the cadence's period.

    A group's own transform replaces a type-wide one of the same type and output, so a
    platform that also has the type-wide ones computes nothing twice.
    """
    period = PERIOD_OF_CADENCE[cadence]
    derived = {
        "transactions-by-channel": catalogue.DIGITAL_TAKEUP.data_type,
        "journey": catalogue.COMPLETION_RATE.data_type,
        "customer-satisfaction": catalogue.USER_SATISFACTION.data_type,
        "cost-per-transaction": catalogue.COST_PER_TRANSACTION.data_type,
    }
    readable = set(data_types) | {derived[t] for t in data_types if t in derived}
    out = []
    for entry in TRANSFORMS:
        if entry["input"]["data_type"] not in readable:
            continue
        entry = {**entry, "input": {**entry["input"], "data_group": group}}
        # Take-up and completion follow the service's own period; satisfaction is at
        # least monthly and cost always quarterly (their transforms' defaults).
        if entry["type"] in ("digital_takeup", "completion_rate"):
            entry["query"] = {"period": period}
        elif entry["type"] == "user_satisfaction" and period == "quarter":
            entry["query"] = {"period": period}
        out.append(entry)
    return out
