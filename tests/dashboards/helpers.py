"""A realistic configuration file with organisations and dashboards, and ways to read back
everything an import may have written."""

import copy
import io
import json

from django.core.management import call_command

from performance_platform.dashboards.models import Annotation, Dashboard, Module, Organisation
from performance_platform.datastore.models import DataGroup, DataSet, DataType
from performance_platform.kpis.models import Transform

SOURCE = {"data_group": "renew-passport", "data_type": "transactions-by-channel"}
WEEKLY = {"period": "week", "duration": 12, "collect": ["count:sum"]}

_DOC = {
    "data_sets": [
        {"data_group": "renew-passport", "data_type": "transactions-by-channel"},
    ],
    "organisations": [
        # The agency comes before its parent: parents may be named before they are defined.
        {
            "slug": "hm-passport-office",
            "name": "HM Passport Office",
            "abbreviation": "HMPO",
            "type": "agency",
            "parent": "home-office",
        },
        {"slug": "home-office", "name": "Home Office", "abbreviation": "HO", "type": "department"},
        {"slug": "independent-body", "name": "Independent Body", "type": "agency"},
    ],
    "dashboards": [
        {
            "slug": "renew-passport",
            "title": "Renew a passport",
            "dashboard_type": "high-volume-transaction",
            "organisation": "hm-passport-office",
            "status": "published",
            "strapline": "Service dashboard",
            "tagline": "Renew an adult passport online",
            "description": "Figures for passport renewals.",
            "costs": "Includes printing and postage.",
            "other_notes": "Paper applications are counted when scanned.",
            "customer_type": "Individuals",
            "business_model": "Fees and charges",
            "kpi_group": "renew-passport",
            "links": [
                {
                    "title": "Renew your passport",
                    "url": "https://www.gov.uk/renew-adult-passport",
                    "type": "transaction",
                },
                {"title": "Passport fees", "url": "http://example.org/fees", "type": "other"},
            ],
            "modules": [
                {
                    "slug": "transactions",
                    "type": "kpi",
                    "title": "Transactions per week",
                    "description": "All channels",
                    "info": ["Data source: HM Passport Office", "Updated weekly"],
                    "data_source": SOURCE,
                    "query": WEEKLY,
                    "options": {
                        "value-attribute": "count:sum",
                        "format": {"type": "integer", "magnitude": True},
                    },
                },
                {
                    "slug": "by-channel",
                    "type": "section",
                    "title": "By channel",
                    "description": "How people apply",
                    "modules": [
                        {
                            "slug": "channel-chart",
                            "type": "grouped_timeseries",
                            "title": "Applications by channel",
                            "data_source": SOURCE,
                            "query": {**WEEKLY, "group_by": "channel"},
                            "options": {
                                "value-attribute": "count:sum",
                                "category": "channel",
                                "use_stack": True,
                                "axes": {
                                    "x": {"label": "Week", "key": "_start_at"},
                                    "y": [{"label": "Digital", "groupId": "digital"}],
                                },
                            },
                        },
                        {
                            "slug": "channel-table",
                            "type": "table",
                            "title": "Channels",
                            "data_source": SOURCE,
                            "query": {"group_by": "channel", "collect": ["count:sum"]},
                            "options": {"sort-by": "count:sum", "sort-order": "descending"},
                        },
                    ],
                },
                {
                    "slug": "views",
                    "type": "tab",
                    "title": "Weekly or monthly",
                    "modules": [
                        {
                            "slug": "weekly",
                            "type": "single_timeseries",
                            "title": "Weekly",
                            "data_source": SOURCE,
                            "query": WEEKLY,
                            "options": {"value-attribute": "count:sum", "axis-period": "week"},
                        },
                        {
                            "slug": "monthly",
                            "type": "single_timeseries",
                            "title": "Monthly",
                            "data_source": SOURCE,
                            "query": {"period": "month", "duration": 6, "collect": ["count:sum"]},
                            "options": {"value-attribute": "count:sum", "axis-period": "month"},
                        },
                    ],
                },
            ],
            "annotations": [
                {
                    "date": "2024-03-04",
                    "text": "Online photo upload launched",
                    "link": "https://www.gov.uk/government/news/photos",
                },
                {"date": "2024-06-01", "text": "Paper form withdrawn"},
            ],
        },
        {
            "slug": "home-office",
            "title": "Home Office",
            "dashboard_type": "department",
            "organisation": "home-office",
            "modules": [],
        },
    ],
}


def sample_doc() -> dict:
    """A fresh copy of the sample file (tests may change it freely)."""
    return copy.deepcopy(_DOC)


def dashboard_entry(doc: dict, slug: str) -> dict:
    return next(d for d in doc["dashboards"] if d["slug"] == slug)


def module_entry(doc: dict, dashboard: str, *path: str) -> dict:
    """The module entry reached by slugs from the dashboard's top level."""
    modules = dashboard_entry(doc, dashboard)["modules"]
    entry = None
    for slug in path:
        entry = next(m for m in modules if m["slug"] == slug)
        modules = entry.get("modules", [])
    return entry


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def dashboards_state() -> dict:
    """The organisations, dashboards, modules and annotations, without database ids."""
    return {
        "organisations": sorted(
            (o.slug, o.name, o.abbreviation, o.type, o.parent.slug if o.parent else "")
            for o in Organisation.objects.select_related("parent")
        ),
        "dashboards": {
            d.slug: {
                **{
                    k: v
                    for k, v in Dashboard.objects.filter(pk=d.pk).values()[0].items()
                    if k not in ("id", "updated_at", "organisation_id", "kpi_group_id")
                },
                "organisation": d.organisation.slug if d.organisation else None,
                "kpi_group": d.kpi_group.name if d.kpi_group else None,
            }
            for d in Dashboard.objects.select_related("organisation", "kpi_group")
        },
        "modules": sorted(
            (
                m.dashboard.slug,
                m.parent.slug if m.parent else "",
                m.order,
                m.slug,
                m.type,
                m.title,
                m.description,
                _json(m.info),
                m.data_group.name if m.data_group else None,
                m.data_type.name if m.data_type else None,
                _json(m.query),
                _json(m.options),
            )
            for m in Module.objects.select_related("dashboard", "parent", "data_group", "data_type")
        ),
        "annotations": sorted(
            (a.dashboard.slug, a.date.isoformat(), a.text, a.link)
            for a in Annotation.objects.select_related("dashboard")
        ),
    }


def everything() -> dict:
    """Every row an import could write (data sets and transforms too), ids included."""
    return {
        **dashboards_state(),
        "counts": (
            Organisation.objects.count(),
            Dashboard.objects.count(),
            Module.objects.count(),
            Annotation.objects.count(),
            DataGroup.objects.count(),
            DataType.objects.count(),
            DataSet.objects.count(),
            Transform.objects.count(),
        ),
        "data_groups": sorted(DataGroup.objects.values_list("name", flat=True)),
        "data_types": sorted(DataType.objects.values_list("name", flat=True)),
    }


def run(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


def write_file(tmp_path, doc, name="config.json") -> str:
    path = tmp_path / name
    if isinstance(doc, bytes):
        path.write_bytes(doc)
    elif isinstance(doc, str):
        path.write_text(doc, encoding="utf-8")
    else:
        path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)
