"""The standard KPI modules: one definition, for approval and for the manager's hub.

Approving a dashboard request (``onboarding.provisioning``) makes every one of these; the
hub (:mod:`.hub`) adds one a dashboard lacks. Both build the module from
:func:`module_spec` and make the data set it needs with
:func:`performance_platform.kpis.standard.data_set_settings`, so a module (and its data
set) is the same whichever way it was made. The words come from the KPI catalogue, the
data sets and their settings from :mod:`performance_platform.kpis.standard`.

A module's period follows how often the service sends its figures (the cadence), except
cost per transaction (always by quarter) and user satisfaction (never finer than by
month), as the KPI transforms compute them.
"""

from dataclasses import dataclass

from performance_platform.datastore.models import DataType
from performance_platform.kpis import catalogue
from performance_platform.kpis import standard as kpi_standard

from .models import Module

#: The periods a chart can show, as the hub names them.
PERIODS = {"week": "Week", "month": "Month", "quarter": "Quarter"}
#: The cadence (how often figures are sent) whose charts show each period.
CADENCE_OF_PERIOD = {period: cadence for cadence, period in kpi_standard.PERIOD_OF_CADENCE.items()}
#: How many periods each chart shows: half a year of weeks, a year of months, two of quarters.
DURATIONS = {"week": 26, "month": 12, "quarter": 8}
#: The channels ``transactions-by-channel`` data names, as the original platform did.
CHANNELS = {
    "digital": "Digital",
    "api": "API",
    "assisted_digital": "Assisted digital",
    "telephone": "Telephone",
    "paper_form": "Paper form",
    "face_to_face": "Face to face",
    "email": "Email",
    "post": "Post",
    "other": "Other",
}
#: The channels digital take-up draws when none are chosen (approval knows none): the
#: digital channel's share, every other channel being drawn together as "Other".
DEFAULT_CHANNELS = ("digital",)


@dataclass(frozen=True)
class StandardModule:
    """One of the four standard KPI modules: what it is drawn with, from which data, and
    the raw data set the service sends for it (made if it is missing)."""

    slug: str
    kpi: catalogue.KPI
    type: str
    #: The data type the module reads (the raw data, or the KPI transform's output).
    data_type: str
    #: The periods the hub offers: only those that give different modules.
    periods: tuple[str, ...]
    has_channels: bool = False

    @property
    def title(self) -> str:
        return self.kpi.title

    @property
    def input_type(self) -> str:
        """The raw data type the service sends for this KPI (its data set gets tokens)."""
        return kpi_standard.KPI_INPUTS[self.kpi.key]

    def period_for(self, cadence: str) -> str:
        """The period the module shows when the figures come at ``cadence``."""
        period = kpi_standard.PERIOD_OF_CADENCE[cadence]
        if self.kpi is catalogue.COST_PER_TRANSACTION:
            return "quarter"
        if self.kpi is catalogue.USER_SATISFACTION and period == "week":
            return "month"
        return period


#: The four standard KPI modules, in the catalogue's order.
STANDARD: dict[str, StandardModule] = {
    m.slug: m
    for m in (
        StandardModule(
            "cost-per-transaction",
            catalogue.COST_PER_TRANSACTION,
            "bar_chart_with_number",
            catalogue.COST_PER_TRANSACTION.data_type,
            ("quarter",),
        ),
        StandardModule(
            "user-satisfaction",
            catalogue.USER_SATISFACTION,
            "user_satisfaction_graph",
            catalogue.USER_SATISFACTION.data_type,
            ("month", "quarter"),
        ),
        StandardModule(
            "completion-rate",
            catalogue.COMPLETION_RATE,
            "completion_rate",
            "journey",
            ("week", "month", "quarter"),
        ),
        StandardModule(
            "digital-takeup",
            catalogue.DIGITAL_TAKEUP,
            "grouped_timeseries",
            "transactions-by-channel",
            ("week", "month", "quarter"),
            has_channels=True,
        ),
    )
}


def module_spec(standard: StandardModule, cadence: str, *, channels=()) -> dict:
    """The slug, type, title, description, info, data type, query and options of a
    standard module whose figures come at ``cadence`` (``channels``: digital take-up's,
    :data:`DEFAULT_CHANNELS` if none)."""
    period = standard.period_for(cadence)
    duration = DURATIONS[period]
    kpi = standard.kpi
    spec = {
        "slug": standard.slug,
        "type": standard.type,
        "title": kpi.title,
        "description": kpi.summary,
        "info": [kpi.description] if kpi.description else [],
        "data_type": standard.data_type,
    }
    if kpi is catalogue.COST_PER_TRANSACTION:
        spec["query"] = {
            "period": period,
            "collect": ["cost_per_transaction:mean"],
            "duration": duration,
        }
        spec["options"] = {
            "value-attribute": "cost_per_transaction:mean",
            "format": kpi.format,
            "axis-period": period,
        }
    elif kpi is catalogue.USER_SATISFACTION:
        spec["description"] = (
            "Average of scores rating satisfaction from 100% (very satisfied) "
            "to 0% (very dissatisfied)."
        )
        spec["query"] = {
            "period": period,
            "duration": duration,
            "collect": [
                "score:mean",
                "num_responses:sum",
                *(f"rating_{k}:sum" for k in range(1, 6)),
            ],
        }
        spec["options"] = {
            "value-attribute": "score:mean",
            "total-attribute": "num_responses:sum",
            "migrated": True,
            "axis-period": period,
        }
    elif kpi is catalogue.COMPLETION_RATE:
        spec["query"] = {
            "period": period,
            "group_by": "stage",
            "collect": ["count:sum"],
            "duration": duration,
        }
        spec["options"] = {
            "value-attribute": "count:sum",
            "matching-attribute": "stage",
            "numerator-matcher": "^done$",
            "denominator-matcher": "^start$",
            "axis-period": period,
        }
    else:  # digital take-up: each chosen channel's share of all transactions
        spec["query"] = {
            "period": period,
            "group_by": "channel",
            "collect": ["count:sum"],
            "duration": duration,
        }
        spec["options"] = {
            "value-attribute": "count:sum",
            "category": "channel",
            "axis-period": period,
            "one-hundred-percent": True,
            "use_stack": True,
            "show-line-labels": True,
            "axes": {
                "x": {"label": PERIODS[period]},
                "y": [{"groupId": c, "label": CHANNELS[c]} for c in channels or DEFAULT_CHANNELS],
            },
        }
    return spec


def transactions_by_channel_spec(cadence: str) -> dict:
    """The transactions-by-channel module approval adds after the KPIs: each channel's
    count, each period (not one of the hub's standard modules)."""
    period = kpi_standard.PERIOD_OF_CADENCE[cadence]
    return {
        "slug": "transactions-by-channel",
        "type": "grouped_timeseries",
        "title": "Transactions by channel",
        "description": f"Completed transactions each {period}, by how people made them.",
        "info": [],
        "data_type": "transactions-by-channel",
        "query": {
            "period": period,
            "group_by": "channel",
            "collect": ["count:sum"],
            "duration": DURATIONS[period],
        },
        "options": {
            "value-attribute": "count:sum",
            "category": "channel",
            "axis-period": period,
            "show-line-labels": True,
        },
    }


def module_specs(cadence: str) -> list[dict]:
    """Every module approval makes for a service sending figures at ``cadence``: the four
    standard KPI modules (the catalogue's order and words), then transactions by channel."""
    return [module_spec(m, cadence) for m in STANDARD.values()] + [
        transactions_by_channel_spec(cadence)
    ]


def make_module(dashboard, group, spec: dict, *, order: int):
    """Save (checked) a module of ``dashboard`` from one of :func:`module_spec`'s specs,
    reading ``group``'s data. Approval, the hub and the quarterly collection's drafts all
    make standard modules with it, so a module is the same whoever made it."""
    module = Module(
        dashboard=dashboard,
        order=order,
        slug=spec["slug"],
        type=spec["type"],
        title=spec["title"],
        description=spec["description"],
        info=spec.get("info") or [],
        data_group=group,
        data_type=DataType.objects.get_or_create(name=spec["data_type"])[0],
        query=spec["query"],
        options=spec["options"],
    )
    module.full_clean()
    module.save()
    return module
