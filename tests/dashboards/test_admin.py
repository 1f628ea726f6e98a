"""Dashboards in Django admin: the change page with its module and annotation inlines,
module checks on save, and the organisation parent loop check."""

import json

import pytest

from performance_platform.configuration.importer import import_config
from performance_platform.dashboards.models import Dashboard, Module, Organisation

from .helpers import SOURCE, WEEKLY, dashboards_state, sample_doc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.ALLOWED_HOSTS = ["*"]
    # Pages are rendered without running collectstatic, so no manifest exists.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def dashboard():
    import_config(sample_doc())
    return Dashboard.objects.get(slug="renew-passport")


def change_url(dash) -> str:
    return f"/admin/dashboards/dashboard/{dash.pk}/change/"


def _add_form(data: dict, form) -> None:
    for name in form.fields:
        value = form[name].value()
        if value is None:
            value = ""
        data[form.add_prefix(name)] = value if isinstance(value, list) else str(value)


def form_data(response) -> dict:
    """The POST data the change page would send back unchanged."""
    data: dict = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _add_form(data, formset.management_form)
        for form in formset.forms:
            _add_form(data, form)
    return data


def add_module(data: dict, dash, **fields) -> None:
    """Add one new module form to the POST data."""
    index = int(data["modules-TOTAL_FORMS"])
    data["modules-TOTAL_FORMS"] = str(index + 1)
    values = {
        "id": "",
        "dashboard": str(dash.pk),
        "order": "9",
        "description": "",
        "info": "[]",
        "parent": "",
        "data_group": "",
        "data_type": "",
        "query": "{}",
        "options": "{}",
        **fields,
    }
    for name, value in values.items():
        data[f"modules-{index}-{name}"] = value


def module_form_index(data: dict, slug: str) -> int:
    return next(
        int(key.split("-")[1])
        for key, value in data.items()
        if key.startswith("modules-") and key.endswith("-slug") and value == slug
    )


def source_ids(dash) -> tuple[str, str]:
    kpi = dash.modules.get(slug="transactions")
    return str(kpi.data_group_id), str(kpi.data_type_id)


def inline_errors(response) -> str:
    assert response.status_code == 200
    formsets = response.context["inline_admin_formsets"]
    return json.dumps([inline.formset.errors for inline in formsets])


def test_change_page_renders_with_module_and_annotation_inlines(admin_client, dashboard):
    response = admin_client.get(change_url(dashboard))

    assert response.status_code == 200
    formsets = {i.formset.prefix: i.formset for i in response.context["inline_admin_formsets"]}
    assert set(formsets) == {"modules", "annotations"}
    assert len(formsets["modules"].forms) == 7
    assert len(formsets["annotations"].forms) == 2
    page = response.content.decode()
    assert 'name="modules-0-options"' in page
    assert "channel-table" in page
    assert "Online photo upload launched" in page


def test_add_and_list_pages_render(admin_client, dashboard):
    for url in (
        "/admin/dashboards/dashboard/",
        "/admin/dashboards/dashboard/add/",
        "/admin/dashboards/organisation/",
        "/admin/dashboards/organisation/add/",
        f"/admin/dashboards/organisation/{dashboard.organisation_id}/change/",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    listing = admin_client.get("/admin/dashboards/dashboard/").content.decode()
    assert "Renew a passport" in listing


def test_saving_the_page_unchanged_keeps_everything(admin_client, dashboard):
    before = dashboards_state()
    data = form_data(admin_client.get(change_url(dashboard)))

    response = admin_client.post(change_url(dashboard), data)

    assert response.status_code == 302, inline_errors(response)
    assert dashboards_state() == before


def test_a_valid_new_module_is_saved(admin_client, dashboard):
    data = form_data(admin_client.get(change_url(dashboard)))
    group, data_type = source_ids(dashboard)
    add_module(
        data,
        dashboard,
        slug="monthly-total",
        type="kpi",
        title="Monthly total",
        data_group=group,
        data_type=data_type,
        query=json.dumps({"period": "month", "duration": 1, "collect": ["count:sum"]}),
        options=json.dumps({"value-attribute": "count:sum", "format": "integer"}),
    )

    response = admin_client.post(change_url(dashboard), data)

    assert response.status_code == 302, inline_errors(response)
    module = Module.objects.get(dashboard=dashboard, slug="monthly-total")
    assert module.options == {"value-attribute": "count:sum", "format": "integer"}
    assert module.query["period"] == "month"
    assert dashboard.modules.count() == 8


@pytest.mark.parametrize(
    ("options", "query", "words"),
    [
        ({}, WEEKLY, ["value-attribute"]),
        ({"value-attribute": "count:sum", "colour": "red"}, WEEKLY, ["colour"]),
        ({"value-attribute": "count:sum", "format": "roman"}, WEEKLY, ["format"]),
        (
            {"value-attribute": "count:sum", "format": {"type": "number", "dps": 99}},
            WEEKLY,
            ["format"],
        ),
        ({"value-attribute": "count:sum"}, {"period": "fortnight"}, ["period"]),
        (["value-attribute"], WEEKLY, ["options"]),
    ],
)
def test_a_module_with_invalid_options_is_refused_naming_the_option(
    admin_client, dashboard, options, query, words
):
    before = dashboards_state()
    data = form_data(admin_client.get(change_url(dashboard)))
    group, data_type = source_ids(dashboard)
    add_module(
        data,
        dashboard,
        slug="broken",
        type="kpi",
        title="Broken",
        data_group=group,
        data_type=data_type,
        query=json.dumps(query),
        options=json.dumps(options),
    )
    # Also change something valid, which must not be saved either.
    data["title"] = "Changed title"

    response = admin_client.post(change_url(dashboard), data)

    errors = inline_errors(response)
    for word in words:
        assert word in errors, errors
        assert word in response.content.decode()
    assert dashboards_state() == before


def test_editing_an_existing_module_into_an_invalid_one_is_refused(admin_client, dashboard):
    before = dashboards_state()
    data = form_data(admin_client.get(change_url(dashboard)))
    index = module_form_index(data, "channel-table")
    data[f"modules-{index}-options"] = json.dumps(
        {"sort-by": "count:sum", "sort-order": "sideways"}
    )

    response = admin_client.post(change_url(dashboard), data)

    assert "sort-order" in inline_errors(response)
    assert dashboards_state() == before


def test_a_data_module_without_a_data_source_is_refused(admin_client, dashboard):
    before = dashboards_state()
    data = form_data(admin_client.get(change_url(dashboard)))
    index = module_form_index(data, "weekly")
    data[f"modules-{index}-data_group"] = ""
    data[f"modules-{index}-data_type"] = ""

    response = admin_client.post(change_url(dashboard), data)

    errors = inline_errors(response)
    assert "data_group and data_type are required" in errors
    assert dashboards_state() == before


def test_a_section_with_a_data_source_is_refused(admin_client, dashboard):
    before = dashboards_state()
    data = form_data(admin_client.get(change_url(dashboard)))
    index = module_form_index(data, "by-channel")
    data[f"modules-{index}-data_group"], data[f"modules-{index}-data_type"] = source_ids(dashboard)

    response = admin_client.post(change_url(dashboard), data)

    assert "has no data source" in inline_errors(response)
    assert dashboards_state() == before


def test_an_unknown_module_type_is_refused(admin_client, dashboard):
    before = dashboards_state()
    data = form_data(admin_client.get(change_url(dashboard)))
    data[f"modules-{module_form_index(data, 'transactions')}-type"] = "pie_chart"

    response = admin_client.post(change_url(dashboard), data)

    assert "pie_chart" in inline_errors(response)
    assert dashboards_state() == before


@pytest.mark.parametrize(
    ("parent_of", "words"),
    [
        (lambda dash: dash.modules.get(slug="transactions").pk, "section or a tab"),
        (lambda dash: dash.modules.get(slug="channel-table").pk, "section or a tab"),
        (
            lambda dash: (
                Module.objects.create(
                    dashboard=Dashboard.objects.get(slug="home-office"),
                    slug="elsewhere",
                    type="section",
                    title="Elsewhere",
                ).pk
            ),
            "same dashboard",
        ),
    ],
    ids=["a-kpi", "a-module-in-a-section", "a-section-on-another-dashboard"],
)
def test_a_module_parent_must_be_a_top_level_container_on_the_same_dashboard(
    admin_client, dashboard, parent_of, words
):
    parent = parent_of(dashboard)
    before = dashboards_state()
    data = form_data(admin_client.get(change_url(dashboard)))
    data[f"modules-{module_form_index(data, 'weekly')}-parent"] = str(parent)

    response = admin_client.post(change_url(dashboard), data)

    assert words in inline_errors(response)
    assert dashboards_state() == before


def test_a_module_cannot_be_its_own_parent(admin_client, dashboard):
    before = dashboards_state()
    data = form_data(admin_client.get(change_url(dashboard)))
    index = module_form_index(data, "by-channel")
    data[f"modules-{index}-parent"] = data[f"modules-{index}-id"]

    response = admin_client.post(change_url(dashboard), data)

    assert "parent" in inline_errors(response)
    assert dashboards_state() == before


def test_a_section_cannot_be_put_inside_a_section(admin_client, dashboard):
    before = dashboards_state()
    data = form_data(admin_client.get(change_url(dashboard)))
    data[f"modules-{module_form_index(data, 'views')}-parent"] = str(
        dashboard.modules.get(slug="by-channel").pk
    )

    response = admin_client.post(change_url(dashboard), data)

    assert "cannot sit inside another module" in inline_errors(response)
    assert dashboards_state() == before


def test_a_module_can_move_into_another_section(admin_client, dashboard):
    data = form_data(admin_client.get(change_url(dashboard)))
    data[f"modules-{module_form_index(data, 'transactions')}-parent"] = str(
        dashboard.modules.get(slug="by-channel").pk
    )

    response = admin_client.post(change_url(dashboard), data)

    assert response.status_code == 302, inline_errors(response)
    assert dashboard.modules.get(slug="transactions").parent.slug == "by-channel"


def test_a_bad_link_on_the_dashboard_is_refused(admin_client, dashboard):
    before = dashboards_state()
    data = form_data(admin_client.get(change_url(dashboard)))
    data["links"] = json.dumps([{"title": "x", "url": "javascript:alert(1)"}])

    response = admin_client.post(change_url(dashboard), data)

    assert response.status_code == 200
    assert "https://" in str(response.context["adminform"].form.errors["links"])
    assert dashboards_state() == before


def test_an_annotation_with_an_impossible_date_is_refused(admin_client, dashboard):
    before = dashboards_state()
    data = form_data(admin_client.get(change_url(dashboard)))
    data["annotations-0-date"] = "2025-02-30"

    response = admin_client.post(change_url(dashboard), data)

    assert "date" in inline_errors(response)
    assert dashboards_state() == before


def test_a_new_module_is_saved_on_a_new_dashboard(admin_client, dashboard):
    group, data_type = source_ids(dashboard)
    page = admin_client.get("/admin/dashboards/dashboard/add/")
    data = form_data(page)
    data.update({"slug": "new-service", "title": "New service", "links": "[]"})
    add_module(
        data,
        Dashboard(),
        slug="total",
        type="kpi",
        title="Total",
        data_group=group,
        data_type=data_type,
        query=json.dumps(WEEKLY),
        options=json.dumps({"value-attribute": "count:sum"}),
    )

    response = admin_client.post("/admin/dashboards/dashboard/add/", data)

    assert response.status_code == 302, inline_errors(response)
    new = Dashboard.objects.get(slug="new-service")
    assert list(new.modules.values_list("slug", flat=True)) == ["total"]
    assert (new.modules.get().data_group.name, new.modules.get().data_type.name) == (
        SOURCE["data_group"],
        SOURCE["data_type"],
    )


# --- organisations -----------------------------------------------------------------------


def org_url(org) -> str:
    return f"/admin/dashboards/organisation/{org.pk}/change/"


def org_data(org, **changes) -> dict:
    return {
        "slug": org.slug,
        "name": org.name,
        "abbreviation": org.abbreviation,
        "type": org.type,
        "parent": str(org.parent_id or ""),
        **changes,
    }


def test_the_organisation_admin_refuses_a_parent_loop(admin_client, dashboard):
    department = Organisation.objects.get(slug="home-office")
    agency = Organisation.objects.get(slug="hm-passport-office")

    response = admin_client.post(org_url(department), org_data(department, parent=str(agency.pk)))

    assert response.status_code == 200
    assert "own ancestor" in str(response.context["adminform"].form.errors["parent"])
    department.refresh_from_db()
    assert department.parent is None


def test_the_organisation_admin_refuses_a_longer_loop(admin_client, dashboard):
    department = Organisation.objects.get(slug="home-office")
    agency = Organisation.objects.get(slug="hm-passport-office")
    office = Organisation.objects.create(
        slug="local-office", name="Local office", type="agency", parent=agency
    )

    response = admin_client.post(org_url(department), org_data(department, parent=str(office.pk)))

    assert response.status_code == 200
    assert "own ancestor" in str(response.context["adminform"].form.errors["parent"])
    department.refresh_from_db()
    assert department.parent is None


def test_the_organisation_admin_refuses_itself_as_parent(admin_client, dashboard):
    org = Organisation.objects.get(slug="independent-body")

    response = admin_client.post(org_url(org), org_data(org, parent=str(org.pk)))

    assert response.status_code == 200
    assert "own ancestor" in str(response.context["adminform"].form.errors["parent"])
    org.refresh_from_db()
    assert org.parent is None


def test_the_organisation_admin_saves_a_valid_parent(admin_client, dashboard):
    org = Organisation.objects.get(slug="independent-body")
    department = Organisation.objects.get(slug="home-office")

    response = admin_client.post(org_url(org), org_data(org, parent=str(department.pk)))

    assert response.status_code == 302
    org.refresh_from_db()
    assert org.parent == department
    assert org.department() == department


def test_the_organisation_admin_refuses_a_bad_slug(admin_client, dashboard):
    org = Organisation.objects.get(slug="independent-body")

    response = admin_client.post(org_url(org), org_data(org, slug="Not A Slug"))

    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors
    org.refresh_from_db()
    assert org.slug == "independent-body"
