"""The site's CSV downloads escape text that a spreadsheet would run as a formula (with
the one function, lib.csvsafe), in headers and cells alike, and leave numbers, negative
ones too, as numbers: the services index, a dashboard's KPIs and a module's table."""

import pytest

from performance_platform.dashboards.models import Dashboard, Module
from performance_platform.site import dashboard_pages
from performance_platform.site.renderers.tables import Column, Table

from .pages_fixtures import csv_rows, demo, fresh_page_cache  # noqa: F401

HOSTILE = '=HYPERLINK("http://evil.example","Click")'


@pytest.mark.django_db
@pytest.mark.usefixtures("demo", "fresh_page_cache")
def test_services_csv_escapes_a_hostile_service_title(client):
    Dashboard.objects.filter(slug="renew-passport").update(title=HOSTILE)
    header, *rows = csv_rows(client.get("/performance/services.csv"))
    row = dict(zip(header, next(r for r in rows if r[0] == "renew-passport"), strict=True))
    assert row["service"] == "'" + HOSTILE
    # Figures are numbers, written as they are.
    assert float(row["cost_per_transaction"]) > 0


@pytest.mark.django_db
@pytest.mark.usefixtures("demo", "fresh_page_cache")
def test_module_csv_escapes_a_hostile_column_label(client):
    module = next(
        m
        for m in Module.objects.filter(type="grouped_timeseries", parent__isnull=True)
        .select_related("dashboard")
        .order_by("pk")
        if (m.options.get("axes") or {}).get("y")
    )
    axes = module.options["axes"]
    axes["y"][0]["label"] = "@cmd"
    module.save()
    header, *rows = csv_rows(client.get(f"/performance/{module.dashboard.slug}/{module.slug}.csv"))
    assert "'@cmd" in header and "@cmd" not in header
    assert rows


def test_kpis_csv_escapes_text_and_keeps_negative_numbers():
    figures = dict.fromkeys(dashboard_pages.FIGURE_FIELDS)
    first = next(iter(figures))
    figures[first] = -0.25
    text = dashboard_pages.kpis_csv(
        [{"key": "digital_takeup", "title": HOSTILE, "figures": figures, "change_text": "-3%"}]
    )
    lines = text.removeprefix("\ufeff").splitlines()
    assert lines[0].startswith("kpi,title,")
    assert lines[1].startswith('digital_takeup,"\'=HYPERLINK(""http://evil.example"",""Click"")",')
    assert ",-0.25," in lines[1] and lines[1].endswith(",'-3%")


def test_table_csv_escapes_labels_and_text_cells_not_numbers():
    table = Table(
        "Costs",
        [Column("name", "+Name", fmt="text"), Column("value", "Value")],
        [{"name": "-minus", "value": -12}, {"name": "plain", "value": 3.5}],
    )
    text = dashboard_pages.table_csv(table)
    assert text == "\ufeff'+Name,Value\r\n'-minus,-12\r\nplain,3.5\r\n"
