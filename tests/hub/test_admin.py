"""The Django admin for platform staff: a module's type is a choice list of the registered
module types, and a new module's options start from its type's template."""

import json

import pytest

from performance_platform.configuration.importer import import_config
from performance_platform.dashboards.models import Dashboard, Module
from performance_platform.dashboards.module_types import NAMES, TYPES, default_options
from performance_platform.dashboards.schemas import check_module
from tests.dashboards import helpers
from tests.dashboards import test_admin as admin_page

WEEKLY = {"period": "week", "duration": 12, "collect": ["count:sum"]}


@pytest.mark.parametrize("name", NAMES)
def test_each_types_template_passes_its_own_schema(name):
    kind = TYPES[name]
    options = default_options(name)
    assert options == kind.template and options is not kind.template  # a copy
    if kind.container:
        check_module(name, options, {}, has_data_source=False)
    else:
        check_module(name, options, WEEKLY, has_data_source=True)


def test_an_unknown_type_has_no_template():
    assert default_options("no-such-type") == {}


@pytest.fixture
def dashboard(db):
    import_config(helpers.sample_doc())
    return Dashboard.objects.get(slug="renew-passport")


def test_the_type_is_a_choice_list_of_the_registered_types(admin_client, dashboard):
    response = admin_client.get(admin_page.change_url(dashboard))
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert [value for value, _ in form.fields["type"].choices] == ["", *NAMES]
    page = response.content.decode()
    assert '<select name="modules-0-type"' in page
    assert '<option value="grouped_timeseries"' in page


def test_a_new_module_with_empty_options_starts_from_the_template(admin_client, dashboard):
    data = admin_page.form_data(admin_client.get(admin_page.change_url(dashboard)))
    group, data_type = admin_page.source_ids(dashboard)
    admin_page.add_module(
        data,
        dashboard,
        slug="channels-share",
        type="grouped_timeseries",
        title="By channel",
        data_group=group,
        data_type=data_type,
        query=json.dumps({**WEEKLY, "group_by": "channel"}),
        options="",
    )
    response = admin_client.post(admin_page.change_url(dashboard), data)
    assert response.status_code == 302, admin_page.inline_errors(response)
    module = Module.objects.get(dashboard=dashboard, slug="channels-share")
    assert module.options == TYPES["grouped_timeseries"].template


def test_an_unknown_type_is_refused(admin_client, dashboard):
    before = helpers.dashboards_state()
    data = admin_page.form_data(admin_client.get(admin_page.change_url(dashboard)))
    admin_page.add_module(data, dashboard, slug="odd", type="sparkline", title="Odd")
    response = admin_client.post(admin_page.change_url(dashboard), data)
    assert "Select a valid choice" in admin_page.inline_errors(response)
    assert helpers.dashboards_state() == before


def test_emptying_an_existing_modules_options_is_checked_not_templated(admin_client, dashboard):
    before = helpers.dashboards_state()
    data = admin_page.form_data(admin_client.get(admin_page.change_url(dashboard)))
    index = admin_page.module_form_index(data, "transactions")
    data[f"modules-{index}-options"] = ""
    response = admin_client.post(admin_page.change_url(dashboard), data)
    assert "value-attribute" in admin_page.inline_errors(response)
    assert helpers.dashboards_state() == before
