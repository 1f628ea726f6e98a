"""Data tables: every module's table (the chart's text alternative), as HTML and as records."""

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from performance_platform.lib import formatting


@dataclass
class Column:
    """A table column: the key into each row, its heading and its format."""

    key: str
    label: str
    fmt: object = "number"


NUMERIC_CELL = '<td class="govuk-table__cell govuk-table__cell--numeric pp-numeric">'
NUMERIC_HEAD = " govuk-table__header--numeric"


@dataclass
class Table:
    """A data table: the chart's text alternative, and the module page's full data."""

    caption: str
    columns: list[Column]
    rows: list[dict]

    def cells(self):
        """Rows of (display HTML, raw value, is_number) for the template."""
        for row in self.rows:
            yield [
                (
                    formatting.format_html(row.get(c.key), c.fmt, missing="table"),
                    row.get(c.key),
                    isinstance(row.get(c.key), int | float),
                )
                for c in self.columns
            ]

    def html(self, *, hidden_caption: bool = False) -> SafeString:
        """The table as GOV.UK Frontend markup, built here rather than in a template:
        dashboards hold thousands of cells, and template loops (or ``format_html`` per
        cell) cost several times more. Cells come from ``formatting.format_html``, already
        escaped; labels and the caption are escaped here."""
        head = "".join(
            f'<th scope="col" class="govuk-table__header{"" if i == 0 else NUMERIC_HEAD}">'
            f"{escape(c.label)}</th>"
            for i, c in enumerate(self.columns)
        )
        parts = []
        for row in self.cells():
            parts.append('<tr class="govuk-table__row">')
            for i, (display, _raw, numeric) in enumerate(row):
                if i == 0:
                    parts.append(f'<th scope="row" class="govuk-table__header">{display}</th>')
                elif numeric:
                    parts.append(f"{NUMERIC_CELL}{display}</td>")
                else:
                    parts.append(f'<td class="govuk-table__cell">{display}</td>')
            parts.append("</tr>")
        if not parts:
            parts.append(
                f'<tr class="govuk-table__row"><td class="govuk-table__cell" '
                f'colspan="{len(self.columns)}">No data is available for this period.</td></tr>'
            )
        caption = escape(self.caption)
        hidden = " govuk-visually-hidden" if hidden_caption else ""
        return mark_safe(  # noqa: S308 - every text above is escaped or already safe
            f'<div class="pp-table-scroll" tabindex="0" role="region" aria-label="{caption}">'
            f'<table class="govuk-table"><caption class="govuk-table__caption '
            f'govuk-table__caption--s{hidden}">{caption}</caption>'
            f'<thead class="govuk-table__head"><tr class="govuk-table__row">{head}</tr></thead>'
            f'<tbody class="govuk-table__body">{"".join(parts)}</tbody></table></div>'
        )

    @property
    def html_hidden_caption(self) -> SafeString:
        """:meth:`html` with the caption visually hidden (for templates)."""
        return self.html(hidden_caption=True)

    def as_records(self) -> list[dict]:
        """Plain rows keyed by column label, for the page's .json and .csv twins."""
        out = []
        for row in self.rows:
            out.append({c.label: _plain(row.get(c.key)) for c in self.columns})
        return out


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
