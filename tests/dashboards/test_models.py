"""Organisation.department() / agency(), and the models' own checks (full_clean)."""

import pytest
from django.core.exceptions import ValidationError

from performance_platform.dashboards.models import Dashboard, Module, Organisation
from performance_platform.datastore.models import DataGroup, DataType

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs():
    department = Organisation.objects.create(
        slug="home-office", name="Home Office", abbreviation="HO", type="department"
    )
    agency = Organisation.objects.create(
        slug="hmpo", name="HM Passport Office", type="agency", parent=department
    )
    office = Organisation.objects.create(
        slug="hmpo-durham", name="HMPO Durham", type="agency", parent=agency
    )
    lonely = Organisation.objects.create(slug="lonely", name="Lonely Body", type="agency")
    return department, agency, office, lonely


def test_a_department_is_its_own_department_and_has_no_agency(orgs):
    department = Organisation.objects.get(slug="home-office")
    assert department.department() == orgs[0]
    assert department.agency() is None
    assert department.short_name == "HO"


def test_an_agency_under_a_department(orgs):
    agency = Organisation.objects.get(slug="hmpo")
    assert agency.department() == orgs[0]
    assert agency.agency() == orgs[1]
    assert agency.short_name == "HM Passport Office"


def test_an_agency_under_an_agency_is_its_own_agency(orgs):
    office = Organisation.objects.get(slug="hmpo-durham")
    assert office.agency() == orgs[2]
    assert office.department() == orgs[0]


def test_an_agency_with_no_parent_has_no_department(orgs):
    lonely = Organisation.objects.get(slug="lonely")
    assert lonely.department() is None
    assert lonely.agency() == orgs[3]


def test_a_loop_already_in_the_database_does_not_hang(orgs):
    department, agency, office, lonely = orgs
    lonely.parent = office
    lonely.save()
    Organisation.objects.filter(pk=agency.pk).update(parent=lonely, type="agency")
    Organisation.objects.filter(pk=department.pk).update(type="agency")
    # hmpo -> lonely -> hmpo-durham -> hmpo -> ...: all agencies, no department.
    assert Organisation.objects.get(slug="hmpo").department() is None
    with pytest.raises(ValidationError) as info:
        Organisation.objects.get(slug="hmpo").full_clean()
    assert "parent" in info.value.message_dict


def test_full_clean_refuses_a_parent_loop(orgs):
    department = Organisation.objects.get(slug="home-office")
    department.parent = Organisation.objects.get(slug="hmpo-durham")
    with pytest.raises(ValidationError) as info:
        department.full_clean()
    assert "own ancestor" in str(info.value.message_dict["parent"])
    department.parent = orgs[3]
    department.full_clean()


def test_dashboard_full_clean_checks_links(orgs):
    dash = Dashboard(slug="renew", title="Renew", organisation=orgs[1])
    dash.full_clean()
    dash.links = [{"title": "Start", "url": "ftp://example.org", "type": "transaction"}]
    with pytest.raises(ValidationError) as info:
        dash.full_clean()
    assert "https://" in str(info.value.message_dict["links"])
    dash.links = [
        {"title": "Start", "url": "https://example.org/a", "type": "transaction"},
        {"title": "Again", "url": "https://example.org/b", "type": "transaction"},
    ]
    with pytest.raises(ValidationError) as info:
        dash.full_clean()
    assert "only one link" in str(info.value.message_dict["links"])


@pytest.fixture
def dashboard(orgs):
    return Dashboard.objects.create(slug="renew", title="Renew", organisation=orgs[1])


@pytest.fixture
def source():
    return DataGroup.objects.create(name="renew"), DataType.objects.create(name="volumes")


def test_module_full_clean_puts_option_errors_on_the_options_field(dashboard, source):
    group, data_type = source
    module = Module(
        dashboard=dashboard,
        slug="kpi",
        type="kpi",
        title="KPI",
        data_group=group,
        data_type=data_type,
        query={"period": "week", "duration": 4},
        options={"value-attribute": "count:sum", "format": {"type": "number", "dps": 99}},
    )
    with pytest.raises(ValidationError) as info:
        module.full_clean()
    assert list(info.value.message_dict) == ["options"]
    assert "options.format" in info.value.message_dict["options"][0]

    module.options = {"value-attribute": "count:sum"}
    module.full_clean()

    module.data_type = None
    with pytest.raises(ValidationError) as info:
        module.full_clean()
    assert "data_source" in info.value.message_dict["data_group"][0]


def test_module_full_clean_checks_the_parent(dashboard, source):
    section = Module.objects.create(dashboard=dashboard, slug="s", type="section", title="S")
    kpi = Module(
        dashboard=dashboard,
        parent=section,
        slug="k",
        type="kpi",
        title="K",
        data_group=source[0],
        data_type=source[1],
        options={"value-attribute": "count:sum"},
    )
    kpi.full_clean()
    kpi.save()

    inner = Module(dashboard=dashboard, parent=section, slug="i", type="section", title="I")
    with pytest.raises(ValidationError) as info:
        inner.full_clean()
    assert "cannot sit inside" in str(info.value.message_dict["parent"])

    deeper = Module(
        dashboard=dashboard,
        parent=kpi,
        slug="d",
        type="realtime",
        title="D",
        data_group=source[0],
        data_type=source[1],
    )
    with pytest.raises(ValidationError) as info:
        deeper.full_clean()
    assert "section or a tab" in str(info.value.message_dict["parent"])

    section.parent = section
    with pytest.raises(ValidationError) as info:
        section.full_clean()
    assert "own parent" in str(info.value.message_dict["parent"])


def test_the_config_files_statuses_are_the_dashboards_own():
    """The file's JSON Schema is data, so it cannot import the list: this keeps it equal."""
    from performance_platform.configuration.checks import config_schema

    enum = config_schema()["$defs"]["dashboard"]["properties"]["status"]["enum"]
    assert enum == list(Dashboard.Status.values)


def test_published_is_the_one_public_filter(db):
    """``Dashboard.objects.published()`` leaves out every other state."""
    for status in Dashboard.Status.values:
        Dashboard.objects.create(slug=f"d-{status.replace('_', '-')}", title=status, status=status)
    assert [d.status for d in Dashboard.objects.published()] == [Dashboard.Status.PUBLISHED]
    assert [d.is_published for d in Dashboard.objects.order_by("slug")] == [
        s == Dashboard.Status.PUBLISHED
        for s in sorted(Dashboard.Status.values, key=lambda v: f"d-{v.replace('_', '-')}")
    ]
