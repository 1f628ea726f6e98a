"""The demo's configuration, a real-world file: it imports, its modules pass the model
checks, and it round-trips through export."""

import json

import pytest

from performance_platform.configuration.checks import validate
from performance_platform.configuration.exporter import export_config
from performance_platform.configuration.importer import import_config
from performance_platform.dashboards.models import Annotation, Dashboard, Module, Organisation
from performance_platform.demo.data import demo_config

from .helpers import dashboards_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def config():
    return demo_config()


def test_the_demo_config_is_valid(config):
    assert config["organisations"] and config["dashboards"]
    validate(config)


def test_importing_the_demo_config_creates_its_dashboards(config):
    counts = import_config(config)

    assert counts["organisations"] == len(config["organisations"])
    assert counts["dashboards"] == len(config["dashboards"])
    assert set(Dashboard.objects.values_list("slug", flat=True)) == {
        d["slug"] for d in config["dashboards"]
    }
    assert set(Organisation.objects.values_list("slug", flat=True)) == {
        o["slug"] for o in config["organisations"]
    }
    for entry in config["dashboards"]:
        dash = Dashboard.objects.get(slug=entry["slug"])
        assert dash.title == entry["title"]
        assert dash.status == entry.get("status", "draft")
        top = [m.slug for m in dash.modules.filter(parent__isnull=True)]
        assert top == [m["slug"] for m in entry.get("modules", [])]
        assert dash.annotations.count() == len(entry.get("annotations", []))


def test_every_demo_module_passes_full_clean(config):
    import_config(config)

    modules = list(Module.objects.select_related("dashboard", "parent"))
    expected = sum(
        1 + len(m.get("modules", []))
        for entry in config["dashboards"]
        for m in entry.get("modules", [])
    )
    assert len(modules) == expected > 0
    for module in modules:
        module.full_clean()
    for dash in Dashboard.objects.all():
        dash.full_clean()
    for org in Organisation.objects.all():
        org.full_clean()
    notes = list(Annotation.objects.all())
    assert len(notes) == sum(len(d.get("annotations", [])) for d in config["dashboards"]) > 0
    for note in notes:
        note.full_clean()


def test_every_demo_organisation_has_a_department(config):
    import_config(config)
    for org in Organisation.objects.all():
        assert org.department() is not None, org.slug
        assert org.department().type == "department"


def test_the_demo_config_imports_twice_and_round_trips(config):
    import_config(config)
    state = dashboards_state()
    exported = json.loads(json.dumps(export_config()))

    import_config(config)
    assert dashboards_state() == state

    import_config(exported)
    assert dashboards_state() == state
    assert json.loads(json.dumps(export_config())) == exported
