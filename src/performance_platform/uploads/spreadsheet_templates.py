"""Spreadsheet templates for uploads: the columns a data set's KPI needs, pre-filled with
the periods that are due, as CSV or as XLSX with data validation.

A template is made for the raw data types the standard KPIs read
(:data:`performance_platform.kpis.standard.SCHEMAS`): transactions by channel, cost per
transaction, user satisfaction ratings and the journey (completion rate). Filled in and
uploaded, its rows pass the data set's schema and ``auto_ids`` and feed the KPI: the
values (``period``, the cost's ``channel``) are the ones the demo data and the KPI
transforms use.

Which periods are due: every period after the one of the data set's latest record, up to
and including the last whole period before today (at least that one, at most
:data:`MAX_PERIODS`). A period's length follows the data set's cadence: its KPI
transform's period if it has one, else its ``max_age_expected``
(:data:`performance_platform.kpis.standard.MAX_AGE_BY_CADENCE`); cost is always by
quarter and satisfaction never by week.

The figures are left empty for the person to fill in: a template uploaded untouched is
refused with one message per empty cell, instead of storing zeros that look like data.
"""

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import xlsxwriter
from django.db.models import Max

from performance_platform.dashboards.models import Module
from performance_platform.dashboards.standard import CHANNELS
from performance_platform.datastore.models import DataSet, Record
from performance_platform.datastore.periods import month_start, next_month, quarter_start
from performance_platform.kpis import standard as kpi_standard
from performance_platform.kpis.models import Transform
from performance_platform.lib import csvsafe

#: The most periods a template holds (a quarter of weeks, a year and a month of months).
MAX_PERIODS = 13
#: The channels a transactions template lists when neither the dashboard nor the data
#: name any: the digital channel and the usual others (the keys of ``CHANNELS``).
STANDARD_CHANNELS = ("digital", "telephone", "paper_form", "face_to_face")
#: The most channels taken from a data set's stored records.
MAX_CHANNELS = 20
#: The ``period`` value each data type's records carry for a period of the read API,
#: as the demo data and the transforms use them (cost per transaction says "quarterly").
PERIOD_VALUES = {
    "transactions-by-channel": {"week": "week", "month": "month", "quarter": "quarter"},
    "customer-satisfaction": {"month": "month", "quarter": "quarter"},
    "journey": {"week": "week", "month": "month", "quarter": "quarter"},
    "cost-per-transaction": {"quarter": "quarterly"},
}
#: The channel a cost per transaction row carries: the cost transform reads the rows
#: whose channel starts with ``cost_per_transaction``, one per quarter.
COST_CHANNEL = "cost_per_transaction"
#: The data types that have a template, and the words of their file names.
TEMPLATE_TYPES = tuple(PERIOD_VALUES)

INSTRUCTIONS_SHEET = "How to fill this in"


@dataclass(frozen=True)
class ColumnRule:
    """What one column holds: ``kind`` is ``datetime``, ``period``, ``choice``, ``whole``
    (a whole number, 0 or more), ``number`` (0 or more) or ``text``; ``choices`` the
    allowed values of a ``period`` or ``choice`` column; ``hint`` the words for the person
    filling it in; ``fill_in`` whether they fill it in (the others come pre-filled)."""

    kind: str
    hint: str
    choices: tuple[str, ...] = ()
    fill_in: bool = False


@dataclass
class Template:
    """A data set's template: its file name (no extension), header row, pre-filled rows
    (``None`` where the person fills in a figure) and each column's :class:`ColumnRule`."""

    filename: str
    headers: list[str]
    rows: list[list]
    columns: dict[str, ColumnRule] = field(default_factory=dict)
    #: The period the rows are (``week``, ``month`` or ``quarter``), for the instructions.
    period: str = ""


def has_template(data_set: DataSet) -> bool:
    """True when the data set's type has a spreadsheet template."""
    return data_set.data_type.name in TEMPLATE_TYPES


# --- periods -------------------------------------------------------------------------------


def _start(period: str, ts: datetime) -> datetime:
    if period == "week":
        midnight = ts.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight - timedelta(days=midnight.weekday())
    if period == "month":
        return month_start(ts)
    return quarter_start(ts)


def _following(period: str, start: datetime) -> datetime:
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return next_month(start)
    return next_month(next_month(next_month(start)))


def cadence_period(data_set: DataSet) -> str:
    """The period (``week``, ``month`` or ``quarter``) the data set's figures come by: its
    KPI transform's, else the cadence its ``max_age_expected`` is (the nearest one up),
    adjusted as the KPIs are (cost by quarter, satisfaction by month or quarter)."""
    data_type = data_set.data_type.name
    if data_type == "cost-per-transaction":
        return "quarter"
    period = None
    transform = Transform.objects.filter(
        input_group=data_set.data_group, input_type=data_set.data_type
    ).exclude(type="kpi_summary")
    for query in transform.values_list("query", flat=True):
        if isinstance(query, dict) and query.get("period") in ("week", "month", "quarter"):
            period = query["period"]
            break
    if period is None:
        age = data_set.max_age_expected or kpi_standard.MAX_AGE_BY_CADENCE["monthly"]
        cadence = next(
            (c for c, limit in kpi_standard.MAX_AGE_BY_CADENCE.items() if age <= limit),
            "quarterly",
        )
        period = kpi_standard.PERIOD_OF_CADENCE[cadence]
    if data_type == "customer-satisfaction" and period == "week":
        return "month"
    return period


def due_periods(data_set: DataSet, period: str, *, today: date) -> list[datetime]:
    """The starts of the periods due: after the latest record's period, up to the last
    whole period before ``today`` (at least that one, at most :data:`MAX_PERIODS`)."""
    midnight = datetime(today.year, today.month, today.day, tzinfo=UTC)
    last = _start(period, midnight) - timedelta(days=1)
    last = _start(period, last)  # the period before the one today is in
    latest = Record.objects.filter(data_set=data_set).aggregate(latest=Max("timestamp"))["latest"]
    first = last
    if latest is not None and latest < last:
        first = _following(period, _start(period, latest.astimezone(UTC)))
    starts = []
    current = first
    while current <= last:
        starts.append(current)
        current = _following(period, current)
    return starts[-MAX_PERIODS:] or [last]


# --- channels ------------------------------------------------------------------------------


def chosen_channels(data_set: DataSet) -> list[str]:
    """The channels a transactions template lists, in this order of preference:

    1. those chosen for the dashboard's digital take-up chart (the manager's hub records
       them as the module's ``axes.y`` groups), unless only the default (digital) is;
    2. with those, the channels the data set's recent records already name;
    3. if neither names any, :data:`STANDARD_CHANNELS`.

    Digital take-up is the digital channel's share of all channels, so ``digital`` is
    always listed.
    """
    chosen: list[str] = []
    modules = Module.objects.filter(
        data_group=data_set.data_group, data_type=data_set.data_type
    ).values_list("options", flat=True)
    for options in modules:
        axes = (options or {}).get("axes") if isinstance(options, dict) else None
        groups = axes.get("y") if isinstance(axes, dict) else None
        for group in groups if isinstance(groups, list) else ():
            name = group.get("groupId") if isinstance(group, dict) else None
            if isinstance(name, str) and name and name not in chosen:
                chosen.append(name)
    if chosen == ["digital"]:
        chosen = []  # the default: approval and the hub chose nothing
    chosen.sort(key=lambda c: list(CHANNELS).index(c) if c in CHANNELS else len(CHANNELS))
    stored = _stored_channels(data_set)
    channels = chosen + [c for c in stored if c not in chosen]
    if not channels:
        channels = list(STANDARD_CHANNELS)
    if "digital" not in channels:
        channels.insert(0, "digital")
    return channels


def _stored_channels(data_set: DataSet) -> list[str]:
    """The distinct channels of the data set's records of the last year of its data."""
    latest = Record.objects.filter(data_set=data_set).aggregate(latest=Max("timestamp"))["latest"]
    if latest is None:
        return []
    recent = Record.objects.filter(data_set=data_set, timestamp__gte=latest - timedelta(days=400))
    values = recent.values_list("data__channel", flat=True).distinct()[: MAX_CHANNELS * 5]
    found = sorted({v for v in values if isinstance(v, str) and v.strip()})
    known = [c for c in CHANNELS if c in found]
    return (known + [c for c in found if c not in CHANNELS])[:MAX_CHANNELS]


# --- templates -----------------------------------------------------------------------------


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


_TIMESTAMP_HINT = {
    "week": "The Monday the week starts, at midnight UTC (2025-03-03T00:00:00+00:00).",
    "month": "The 1st of the month, at midnight UTC (2025-03-01T00:00:00+00:00).",
    "quarter": "The 1st day of the quarter (January, April, July or October), at midnight "
    "UTC (2025-04-01T00:00:00+00:00).",
}


def template_for(data_set: DataSet, *, today: date) -> Template | None:
    """The data set's template, with rows for the periods due as of ``today``; None if
    its type has none."""
    data_type = data_set.data_type.name
    if data_type not in PERIOD_VALUES:
        return None
    period = cadence_period(data_set)
    if period not in PERIOD_VALUES[data_type]:
        period = next(iter(PERIOD_VALUES[data_type]))
    period_value = PERIOD_VALUES[data_type][period]
    starts = due_periods(data_set, period, today=today)
    timestamp = ColumnRule("datetime", _TIMESTAMP_HINT[period])
    period_rule = ColumnRule(
        "period",
        f"How long each row covers. Leave it as {period_value}.",
        choices=(period_value,),
    )
    count_hint = "The number of {what} in the period: a whole number, 0 or more."
    if data_type == "transactions-by-channel":
        channels = chosen_channels(data_set)
        headers = ["_timestamp", "period", "channel", "count"]
        rows = [[_iso(s), period_value, c, None] for s in starts for c in channels]
        columns = {
            "_timestamp": timestamp,
            "period": period_rule,
            "channel": ColumnRule(
                "choice",
                "How people completed the transactions: "
                + ", ".join(f"{c} ({CHANNELS[c]})" if c in CHANNELS else c for c in channels)
                + ". Keep one row for each channel.",
                choices=tuple(channels),
            ),
            "count": ColumnRule(
                "whole", count_hint.format(what="completed transactions"), fill_in=True
            ),
        }
    elif data_type == "cost-per-transaction":
        headers = ["_timestamp", "end_at", "period", "channel", "count"]
        rows = [
            [_iso(s), _iso(_following(period, s) - timedelta(days=1)), period_value]
            + [COST_CHANNEL, None]
            for s in starts
        ]
        columns = {
            "_timestamp": timestamp,
            "end_at": ColumnRule(
                "datetime", "The last day of the quarter (2025-06-30T00:00:00+00:00)."
            ),
            "period": period_rule,
            "channel": ColumnRule(
                "choice",
                f"Leave it as {COST_CHANNEL}: the figure is the cost per transaction.",
                choices=(COST_CHANNEL,),
            ),
            "count": ColumnRule(
                "number",
                "The average cost of each completed transaction in the quarter, in pounds "
                "(for example 4.35): staff, IT and accommodation costs, across all channels.",
                fill_in=True,
            ),
        }
    elif data_type == "customer-satisfaction":
        words = ("very dissatisfied", "dissatisfied", "neither", "satisfied", "very satisfied")
        headers = ["_timestamp", "period", *(f"rating_{k}" for k in range(1, 6))]
        rows = [[_iso(s), period_value, *([None] * 5)] for s in starts]
        columns = {"_timestamp": timestamp, "period": period_rule}
        for k, word in enumerate(words, start=1):
            columns[f"rating_{k}"] = ColumnRule(
                "whole",
                f"How many people rated the service {k} ({word}): a whole number, 0 or more.",
                fill_in=True,
            )
    else:  # journey: started and finished, for the completion rate
        headers = ["_timestamp", "period", "stage", "count"]
        rows = [[_iso(s), period_value, stage, None] for s in starts for stage in ("start", "done")]
        columns = {
            "_timestamp": timestamp,
            "period": period_rule,
            "stage": ColumnRule(
                "choice",
                "start: people who started the transaction; done: people who finished it.",
                choices=("start", "done"),
            ),
            "count": ColumnRule("whole", count_hint.format(what="people"), fill_in=True),
        }
    return Template(
        filename=f"{data_set.data_group.name}-{data_type}-template",
        headers=headers,
        rows=rows,
        columns=columns,
        period=period,
    )


def instructions(template: Template) -> list[str]:
    """The words of the XLSX's second sheet: what to fill in, then each column."""
    fill = [h for h in template.headers if template.columns[h].fill_in]
    lines = [
        "How to fill in this template",
        "",
        f"Each row is one {template.period or 'period'}. The rows for the periods that are "
        "due are already there.",
        "Fill in the empty cells of the column(s) " + ", ".join(fill) + ". Do not leave any "
        "empty: each empty cell is reported when you upload.",
        "Keep the first row (the column names) as it is, and keep the data on the first "
        "sheet. Only the first sheet is read.",
        "To add a period, copy its rows and change the dates.",
        "Sending a period again replaces the figures you sent for it before.",
        "",
        "The columns",
    ]
    for header in template.headers:
        rule = template.columns[header]
        lines.append(f"{header}: {rule.hint}")
    return lines


def as_csv(template: Template) -> bytes:
    """The template as CSV: UTF-8 with a byte order mark (so Excel reads it as UTF-8; the
    upload reads either), the header row, then the rows (empty cells to fill in)."""
    out = io.StringIO()
    writer = csvsafe.writer(out, lineterminator="\r\n")
    writer.writerow(template.headers)
    writer.writerows(template.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


_WIDTHS = {"datetime": 27, "period": 12, "choice": 24, "whole": 14, "number": 14, "text": 24}
#: Shown in a date cell: the ISO form the CSV has, in UTC.
_DATE_FORMAT = 'yyyy-mm-dd"T"hh:mm:ss"+00:00"'


def _validation(rule: ColumnRule, header: str) -> dict | None:
    prompt = {"input_title": header[:32], "input_message": rule.hint[:255]}
    if rule.kind in ("period", "choice"):
        listed = ",".join(rule.choices)
        if len(listed) > 255 or any("," in c or '"' in c for c in rule.choices):
            # Excel's list of choices holds 255 characters, and no commas or quotes:
            # longer lists get the hint only.
            return {"validate": "any", **prompt}
        return {
            "validate": "list",
            "source": list(rule.choices),
            "error_message": f"Choose one of: {', '.join(rule.choices)}"[:255],
            **prompt,
        }
    if rule.kind == "whole":
        return {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "error_message": "Enter a whole number, 0 or more, with no commas or symbols.",
            **prompt,
        }
    if rule.kind == "number":
        return {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_message": "Enter a number, 0 or more, with no £ sign or commas.",
            **prompt,
        }
    if rule.kind == "datetime":
        return {
            "validate": "date",
            "criteria": ">=",
            "value": datetime(2000, 1, 1),
            "error_message": "Enter a date, such as 2025-03-01.",
            **prompt,
        }
    return None


def as_xlsx(template: Template) -> bytes:
    """The template as XLSX: the rows on the first sheet, its header row frozen, its
    columns sized and validated (a list for periods and choices, whole numbers or numbers
    of 0 or more for figures, dates for dates); the instructions on a second sheet
    (uploads read only the first)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Data")
    bold = book.add_format({"bold": True})
    dates = book.add_format({"num_format": _DATE_FORMAT})
    fill_in = book.add_format({"bg_color": "#FFF7BF", "border": 1, "border_color": "#B1B4B6"})
    sheet.freeze_panes(1, 0)
    last_row = max(len(template.rows) + 200, 1000)
    for col, header in enumerate(template.headers):
        rule = template.columns[header]
        sheet.write_string(0, col, header, bold)
        fmt = dates if rule.kind == "datetime" else None
        sheet.set_column(col, col, max(_WIDTHS.get(rule.kind, 16), len(header) + 2), fmt)
        validation = _validation(rule, header)
        if validation is not None:
            sheet.data_validation(1, col, last_row, col, validation)
    for r, row in enumerate(template.rows, start=1):
        for col, value in enumerate(row):
            rule = template.columns[template.headers[col]]
            if value is None:
                sheet.write_blank(r, col, None, fill_in if rule.fill_in else None)
            elif rule.kind == "datetime":
                stamp = datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)
                sheet.write_datetime(r, col, stamp, dates)
            elif isinstance(value, int | float):
                sheet.write_number(r, col, value)
            else:  # our own words (never a formula: written as text)
                sheet.write_string(r, col, str(value))
    help_sheet = book.add_worksheet(INSTRUCTIONS_SHEET)
    help_sheet.set_column(0, 0, 110)
    for r, line in enumerate(instructions(template)):
        help_sheet.write_string(r, 0, line, bold if r == 0 or line == "The columns" else None)
    book.close()
    return out.getvalue()
