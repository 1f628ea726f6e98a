"""Importing organisations and dashboards from a configuration file, re-importing it, and
exporting it back."""

import datetime
import json

import pytest
from django.core.management import call_command

from performance_platform.configuration.exporter import export_config
from performance_platform.configuration.importer import import_config
from performance_platform.dashboards.models import Annotation, Dashboard, Module, Organisation
from performance_platform.datastore.models import DataSet

from .helpers import (
    SOURCE,
    dashboard_entry,
    dashboards_state,
    everything,
    module_entry,
    run,
    sample_doc,
    write_file,
)

pytestmark = pytest.mark.django_db


def test_organisations_are_created_with_their_parents():
    counts = import_config(sample_doc())

    assert counts["organisations"] == 3
    assert counts["dashboards"] == 2
    orgs = {o.slug: o for o in Organisation.objects.select_related("parent")}
    assert set(orgs) == {"home-office", "hm-passport-office", "independent-body"}
    agency = orgs["hm-passport-office"]
    assert (agency.name, agency.abbreviation, agency.type) == (
        "HM Passport Office",
        "HMPO",
        "agency",
    )
    assert agency.parent == orgs["home-office"]
    assert orgs["home-office"].parent is None
    assert orgs["home-office"].type == "department"
    assert orgs["independent-body"].parent is None
    assert orgs["independent-body"].abbreviation == ""
    assert orgs["independent-body"].short_name == "Independent Body"
    assert agency.short_name == "HMPO"


def test_dashboard_fields_are_created_exactly_as_in_the_file():
    doc = sample_doc()
    import_config(doc)

    entry = dashboard_entry(doc, "renew-passport")
    dash = Dashboard.objects.select_related("organisation", "kpi_group").get(slug="renew-passport")
    for field in (
        "title",
        "dashboard_type",
        "status",
        "strapline",
        "tagline",
        "description",
        "costs",
        "other_notes",
        "customer_type",
        "business_model",
        "links",
    ):
        assert getattr(dash, field) == entry[field], field
    assert dash.organisation.slug == "hm-passport-office"
    assert dash.kpi_group.name == "renew-passport"
    assert dash.transaction_link()["url"] == "https://www.gov.uk/renew-adult-passport"
    assert [link["title"] for link in dash.other_links()] == ["Passport fees"]
    assert dash.is_published and dash.is_service

    # Fields the file leaves out take their defaults.
    other = Dashboard.objects.get(slug="home-office")
    assert (other.status, other.strapline, other.tagline, other.links) == (
        "draft",
        "Dashboard",
        "",
        [],
    )
    assert other.kpi_group is None
    assert not other.is_service
    assert other.modules.count() == 0


def test_modules_are_nested_and_ordered_as_in_the_file():
    doc = sample_doc()
    import_config(doc)

    dash = Dashboard.objects.get(slug="renew-passport")
    top = list(dash.modules.filter(parent__isnull=True))
    assert [(m.slug, m.type, m.order) for m in top] == [
        ("transactions", "kpi", 0),
        ("by-channel", "section", 1),
        ("views", "tab", 2),
    ]
    section, tab = top[1], top[2]
    assert [(m.slug, m.order) for m in section.children.all()] == [
        ("channel-chart", 0),
        ("channel-table", 1),
    ]
    assert [(m.slug, m.order) for m in tab.children.all()] == [("weekly", 0), ("monthly", 1)]
    assert dash.modules.count() == 7
    assert section.data_group is None and section.data_type is None
    assert section.description == "How people apply"

    kpi = top[0]
    entry = module_entry(doc, "renew-passport", "transactions")
    assert kpi.title == entry["title"]
    assert kpi.description == entry["description"]
    assert kpi.info == entry["info"]
    assert kpi.query == entry["query"]
    assert kpi.options == entry["options"]
    assert (kpi.data_group.name, kpi.data_type.name) == (
        SOURCE["data_group"],
        SOURCE["data_type"],
    )
    chart = Module.objects.get(dashboard=dash, slug="channel-chart")
    assert (
        chart.options
        == module_entry(doc, "renew-passport", "by-channel", "channel-chart")["options"]
    )
    assert chart.parent == section
    assert chart.query["group_by"] == "channel"


def test_annotations_are_created_as_in_the_file():
    import_config(sample_doc())

    notes = list(Annotation.objects.filter(dashboard__slug="renew-passport"))
    assert [(a.date, a.text, a.link) for a in notes] == [
        (
            datetime.date(2024, 3, 4),
            "Online photo upload launched",
            "https://www.gov.uk/government/news/photos",
        ),
        (datetime.date(2024, 6, 1), "Paper form withdrawn", ""),
    ]
    assert not Annotation.objects.filter(dashboard__slug="home-office").exists()


def test_the_whole_state_matches_the_file():
    import_config(sample_doc())
    state = dashboards_state()

    assert state["organisations"] == [
        ("hm-passport-office", "HM Passport Office", "HMPO", "agency", "home-office"),
        ("home-office", "Home Office", "HO", "department", ""),
        ("independent-body", "Independent Body", "", "agency", ""),
    ]
    assert [row[0] for row in state["modules"]] == ["renew-passport"] * 7
    parents = {row[3]: row[1] for row in state["modules"]}
    assert parents == {
        "transactions": "",
        "by-channel": "",
        "channel-chart": "by-channel",
        "channel-table": "by-channel",
        "views": "",
        "weekly": "views",
        "monthly": "views",
    }
    assert len(state["annotations"]) == 2


def test_importing_the_same_file_twice_leaves_the_same_rows():
    doc = sample_doc()
    import_config(doc)
    first = everything()
    ids = (
        sorted(Organisation.objects.values_list("id", "slug")),
        sorted(Dashboard.objects.values_list("id", "slug")),
    )

    counts = import_config(doc)

    assert counts["organisations"] == 3 and counts["dashboards"] == 2
    assert everything() == first
    # Organisations and dashboards are updated in place, not replaced.
    assert ids == (
        sorted(Organisation.objects.values_list("id", "slug")),
        sorted(Dashboard.objects.values_list("id", "slug")),
    )


def test_importing_twice_through_the_command_leaves_the_same_rows(tmp_path):
    path = write_file(tmp_path, sample_doc())
    out = run("import-config", path)
    assert "Organisations: 3 imported; dashboards: 2 imported." in out
    first = everything()

    run("import-config", path)

    assert everything() == first
    assert first["counts"][:4] == (3, 2, 7, 2)


def test_a_dashboard_in_the_file_replaces_its_modules_and_annotations():
    doc = sample_doc()
    import_config(doc)
    entry = dashboard_entry(doc, "renew-passport")
    entry["modules"] = [entry["modules"][0]]
    entry["annotations"] = []
    entry["title"] = "Renew an adult passport"
    del entry["links"]
    doc["organisations"][0].pop("parent")

    import_config(doc)

    dash = Dashboard.objects.get(slug="renew-passport")
    assert dash.title == "Renew an adult passport"
    assert dash.links == []
    assert list(dash.modules.values_list("slug", flat=True)) == ["transactions"]
    assert Module.objects.count() == 1
    assert Annotation.objects.count() == 0
    assert Organisation.objects.get(slug="hm-passport-office").parent is None


def test_dashboards_not_in_the_file_are_left_alone():
    import_config(sample_doc())
    before = dashboards_state()

    import_config({"organisations": [{"slug": "dwp", "name": "DWP", "type": "department"}]})

    after = dashboards_state()
    assert after["dashboards"] == before["dashboards"]
    assert after["modules"] == before["modules"]
    assert len(after["organisations"]) == 4


def test_a_file_may_name_an_organisation_already_in_the_database():
    import_config(sample_doc())
    import_config(
        {
            "organisations": [
                {"slug": "ukvi", "name": "UK Visas", "type": "agency", "parent": "home-office"}
            ],
            "dashboards": [{"slug": "visas", "title": "Visas", "organisation": "ukvi"}],
        }
    )
    visas = Dashboard.objects.get(slug="visas")
    assert visas.organisation.parent.slug == "home-office"
    assert visas.organisation.department().slug == "home-office"


def _dashboards_part(doc: dict) -> dict:
    return {"organisations": doc["organisations"], "dashboards": doc["dashboards"]}


def test_export_holds_what_was_imported():
    doc = sample_doc()
    import_config(doc)

    exported = export_config()

    orgs = {o["slug"]: o for o in exported["organisations"]}
    assert orgs["hm-passport-office"] == doc["organisations"][0]
    assert orgs["independent-body"] == {
        "slug": "independent-body",
        "name": "Independent Body",
        "type": "agency",
    }
    dash = next(d for d in exported["dashboards"] if d["slug"] == "renew-passport")
    original = dashboard_entry(doc, "renew-passport")
    assert dash == original


def test_export_round_trips_into_an_empty_database():
    import_config(sample_doc())
    exported = json.loads(json.dumps(export_config()))
    state = dashboards_state()

    Annotation.objects.all().delete()
    Module.objects.all().delete()
    Dashboard.objects.all().delete()
    Organisation.objects.filter(parent__isnull=False).delete()
    Organisation.objects.all().delete()
    DataSet.objects.all().delete()
    assert dashboards_state() == {
        "organisations": [],
        "dashboards": {},
        "modules": [],
        "annotations": [],
    }

    import_config(exported)

    assert dashboards_state() == state
    assert export_config() == exported


def test_export_config_command_round_trips_as_yaml(tmp_path):
    import_config(sample_doc())
    state = dashboards_state()
    text = run("export-config", "--format", "yaml")

    Module.objects.all().delete()
    Dashboard.objects.all().delete()
    Organisation.objects.filter(parent__isnull=False).delete()
    Organisation.objects.all().delete()
    run("import-config", write_file(tmp_path, text, name="config.yaml"))

    assert dashboards_state() == state
    assert run("export-config", "--format", "yaml") == text


def test_export_of_an_empty_database_has_empty_lists():
    exported = export_config()
    assert exported["organisations"] == []
    assert exported["dashboards"] == []
    out = json.loads(run("export-config"))
    assert out["organisations"] == [] and out["dashboards"] == []


def test_call_command_import_of_valid_file_prints_counts(tmp_path):
    out = run("import-config", write_file(tmp_path, sample_doc()))
    assert "Data sets: 1 created" in out
    call_command("import-config", write_file(tmp_path, sample_doc(), name="again.json"))
    assert Dashboard.objects.count() == 2
