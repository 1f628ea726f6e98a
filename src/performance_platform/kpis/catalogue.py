"""The catalogue of KPIs: the one list every other module reads.

The four key performance indicators (and transactions per year, which weights them on
the services index), each with what it is called, how it is shown, which field of its
derived data set holds its value, and the words the homepage uses to explain it. Pages,
transforms, summaries and the config file all take their KPIs from here, so adding or
renaming one is a change in one place.
"""

from dataclasses import dataclass

#: Where ``kpi_summary`` transforms write by default: one record per service and KPI.
SUMMARIES_OUTPUT = ("performance-platform", "kpi-summaries")
#: Where ``latest_dataset_value`` transforms write by default.
LATEST_VALUES_OUTPUT = ("performance-platform", "latest-values")


@dataclass(frozen=True)
class KPI:
    """One KPI: its key, names, unit, display format and where its value is kept."""

    key: str
    title: str
    #: "percent", "currency" or "count": how the value and its change are put into words.
    unit: str
    #: The display format given to :mod:`performance_platform.lib.formatting`.
    format: str | dict
    #: The field of the KPI's derived data set that holds its value.
    value_field: str
    #: Fields of the derived record that a summary keeps beside the value.
    extras: tuple[str, ...] = ()
    #: The data type a KPI transform writes by default (None: not a per-period KPI).
    data_type: str | None = None
    #: On the services index, "total" columns are summed across the filtered services,
    #: "rate" columns get an average weighted by each service's transactions per year.
    index_kind: str = "rate"
    #: One line for the homepage, and a fuller definition.
    summary: str = ""
    description: str = ""


TRANSACTIONS_PER_YEAR = KPI(
    key="transactions_per_year",
    title="Transactions per year",
    unit="count",
    format={"type": "number", "magnitude": True},
    value_field="count",
    index_kind="total",
)
COST_PER_TRANSACTION = KPI(
    key="cost_per_transaction",
    title="Cost per transaction",
    unit="currency",
    # Pounds and pence, always (£11.95, not £12): the one rule wherever this KPI is shown,
    # as services' own cost-per-transaction modules show it (see change.display).
    format={"type": "currency", "pence": True},
    value_field="cost_per_transaction",
    extras=("total_cost", "transactions"),
    data_type="cost-per-transaction-by-quarter",
    summary="The average cost to government of each transaction.",
    description=(
        "The average cost of providing each completed transaction, across all channels, "
        "including staff, IT and accommodation."
    ),
)
USER_SATISFACTION = KPI(
    key="user_satisfaction",
    title="User satisfaction",
    unit="percent",
    format="percent",
    value_field="score",
    extras=("num_responses", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5"),
    data_type="user-satisfaction-score",
    summary="Calculated by asking people to rate a service.",
    description=(
        "People are asked to rate the service on a 5-point scale when they finish a "
        "transaction. The average rating is shown as a percentage, from 0% (very "
        "dissatisfied) to 100% (very satisfied)."
    ),
)
COMPLETION_RATE = KPI(
    key="completion_rate",
    title="Completion rate",
    unit="percent",
    format="percent",
    value_field="rate",
    extras=("numerator", "denominator"),
    data_type="completion-rate",
    summary="The percentage of people who successfully complete a government service.",
    description="The percentage of people who finish a transaction once they have started it.",
)
DIGITAL_TAKEUP = KPI(
    key="digital_takeup",
    title="Digital take-up",
    unit="percent",
    format="percent",
    value_field="rate",
    extras=("numerator", "denominator"),
    data_type="digital-takeup",
    summary=(
        "The percentage of people using services online compared with other channels, "
        "such as phone and post."
    ),
    description=(
        "The percentage of completed transactions made through the digital channel, "
        "compared with all channels."
    ),
)

#: Every KPI, in the order a dashboard's tiles show them (the original's self-service
#: dashboards: volume first, then cost, satisfaction, completion and take-up).
ALL: tuple[KPI, ...] = (
    TRANSACTIONS_PER_YEAR,
    COST_PER_TRANSACTION,
    USER_SATISFACTION,
    COMPLETION_RATE,
    DIGITAL_TAKEUP,
)
#: The four key performance indicators, as the homepage explains them.
FOUR: tuple[KPI, ...] = (COST_PER_TRANSACTION, USER_SATISFACTION, COMPLETION_RATE, DIGITAL_TAKEUP)
#: The services index's columns: volume, cost, then how digital, satisfying and complete.
INDEX_COLUMNS: tuple[KPI, ...] = (
    TRANSACTIONS_PER_YEAR,
    COST_PER_TRANSACTION,
    DIGITAL_TAKEUP,
    USER_SATISFACTION,
    COMPLETION_RATE,
)
BY_KEY: dict[str, KPI] = {kpi.key: kpi for kpi in ALL}
KEYS: tuple[str, ...] = tuple(BY_KEY)

#: The field of each KPI data type that ``latest_dataset_value`` reports (as the original).
VALUE_FIELDS: dict[str, str] = {kpi.data_type: kpi.value_field for kpi in ALL if kpi.data_type}


def get(key: str) -> KPI:
    """The KPI with this key; KeyError for an unknown one."""
    return BY_KEY[key]
