"""The standard KPI data sets and transforms: what a service dashboard's four KPIs need.

One definition, used by the demo (``demo.data``), by approving a dashboard request
(``onboarding.provisioning``) and by the manager's hub (through ``dashboards.standard``):
the raw data types a service sends, with their ``auto_ids`` (which fields make a record's
id, so sending a period again replaces it), how stale each may get, the JSON Schema a
record must meet, and the transforms that turn them into the KPIs and their summaries
(:mod:`.catalogue` names the KPIs). :func:`data_set_settings` is what a new service's
data set of each type gets, whoever makes it.
"""

from performance_platform.datastore.models import DataGroup, DataSet, DataType, default_name

from . import catalogue
from .models import Transform
from .storing import output_data_set

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


def max_age_for(data_type: str, cadence: str) -> int:
    """Seconds before a data set sent at ``cadence`` counts as out of date: the cadence's,
    except cost (always quarterly) and satisfaction (never sooner than monthly)."""
    if data_type in ("cost-per-transaction", "total-cost"):
        cadence = "quarterly"
    elif data_type == "customer-satisfaction" and cadence == "weekly":
        cadence = "monthly"
    return MAX_AGE_BY_CADENCE[cadence]


def data_set_settings(data_type: str, cadence: str) -> dict:
    """The settings a new service's ``data_type`` data set gets when its figures come at
    ``cadence``: its ``auto_ids``, ``schema`` and ``max_age_expected``. Approval and the
    hub both make data sets with exactly these, so a data set is the same whoever made it.
    """
    return {
        "auto_ids": list(DATA_TYPES[data_type]["auto_ids"]),
        "schema": SCHEMAS.get(data_type),
        "max_age_expected": max_age_for(data_type, cadence),
    }


def new_data_set(group: DataGroup, data_type: str, cadence: str, *, name: str = "") -> DataSet:
    """Make (checked and saved) a new service's ``data_type`` data set in ``group``, with
    :func:`data_set_settings` for ``cadence``. Callers audit it, with their own context."""
    data_set = DataSet(
        name=name or default_name(group.name, data_type),
        data_group=group,
        data_type=DataType.objects.get_or_create(name=data_type)[0],
        published=True,
        **data_set_settings(data_type, cadence),
    )
    data_set.full_clean()
    data_set.save()
    return data_set


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


def make_transform(entry: dict) -> Transform:
    """Store one of :func:`transforms_for_group`'s entries as a transform (checked)."""
    out_group, out_type = entry.get("output") or DEFAULT_OUTPUTS[entry["type"]]
    transform = Transform(
        type=entry["type"],
        input_group=DataGroup.objects.get(name=entry["input"]["data_group"]),
        input_type=DataType.objects.get_or_create(name=entry["input"]["data_type"])[0],
        output_group=DataGroup.objects.get_or_create(name=out_group)[0] if out_group else None,
        output_type=DataType.objects.get_or_create(name=out_type)[0],
        query=entry.get("query") or {},
        options=entry.get("options") or {},
    )
    transform.full_clean()
    transform.save()
    # Its output data set exists from the start (empty): a module that reads it then says
    # "no data yet" until the first run, instead of "there was a problem" (which a page
    # shows for a data set that does not exist at all).
    source = DataSet.objects.filter(
        data_group=transform.input_group, data_type=transform.input_type
    ).first()
    if source is not None:
        output_data_set(transform, source)
    return transform


def missing_transforms(group: str, data_type: str, *, cadence: str) -> list[dict]:
    """The entries of :func:`transforms_for_group` for ``data_type`` that ``group`` does
    not have yet (a transform of the same type, input and output type counts as had)."""
    out = []
    for entry in transforms_for_group(group, {data_type}, cadence=cadence):
        _, out_type = entry.get("output") or DEFAULT_OUTPUTS[entry["type"]]
        had = Transform.objects.filter(
            type=entry["type"],
            input_group__name=group,
            input_type__name=entry["input"]["data_type"],
            output_type__name=out_type,
        )
        if not had.exists():
            out.append(entry)
    return out
