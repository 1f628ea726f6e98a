"""A standard module added from the hub is the module approval makes, with the same data.

Approving a dashboard request and adding a module from the hub both build from
``dashboards.standard`` and ``kpis.standard``; these tests keep them from drifting apart:
for each cadence, every standard module added from the hub (for the period approval's
module shows) equals approval's, the data set it makes has approval's settings, and the
group ends up with approval's KPI transforms.
"""

import pytest

from performance_platform.accounts.models import Membership
from performance_platform.dashboards.models import Dashboard, Module, Organisation
from performance_platform.dashboards.standard import DEFAULT_CHANNELS, STANDARD
from performance_platform.datastore.models import DataGroup, DataSet
from performance_platform.kpis.models import Transform
from performance_platform.onboarding import provisioning
from performance_platform.onboarding.models import DashboardRequest

pytestmark = pytest.mark.django_db

FIELDS = ("type", "title", "description", "info", "query", "options")
SETTINGS = ("auto_ids", "schema", "max_age_expected", "published")


def _approved(organisation, admin, cadence) -> Dashboard:
    req = DashboardRequest.objects.create(
        contact_name="Sam Manager",
        contact_email="sam.manager@tests.gov.uk",
        contact_phone="020 7946 0000",
        service_name="Approved service",
        service_description="Made by approval.",
        intended_users="Anyone",
        organisation=organisation,
        start_page_url="https://www.gov.uk/approved-service",
        digital_takeup_source="spreadsheet",
        cost_source="spreadsheet",
        satisfaction_source="other",
        completion_source="api",
        cadence=cadence,
    )
    return provisioning.approve(req, actor=admin).dashboard


def _module(dashboard, slug) -> dict:
    module = Module.objects.select_related("data_type").get(dashboard=dashboard, slug=slug)
    return {"data_type": module.data_type.name, **{f: getattr(module, f) for f in FIELDS}}


def _data_sets(dashboard) -> dict:
    return {
        ds.data_type.name: {f: getattr(ds, f) for f in SETTINGS}
        for ds in DataSet.objects.filter(data_group=dashboard.kpi_group).select_related("data_type")
    }


def _transforms(dashboard) -> set:
    return {
        (
            t.type,
            t.input_type.name,
            t.output_group.name if t.output_group else None,
            t.output_type.name,
            repr(sorted(t.query.items())),
            repr(sorted(t.options.items())),
        )
        for t in Transform.objects.filter(input_group=dashboard.kpi_group)
    }


@pytest.mark.parametrize("cadence", ["weekly", "monthly", "quarterly"])
def test_a_module_added_from_the_hub_is_the_module_approval_makes(
    client, make_user, platform_admin, cadence
):
    org = Organisation.objects.create(slug="dept", name="Department", type="department")
    approved = _approved(org, platform_admin, cadence)
    # A dashboard with no modules and no data sets yet: the hub makes what it needs.
    bare = Dashboard.objects.create(
        slug="bare-service",
        title="Bare service",
        organisation=org,
        kpi_group=DataGroup.objects.create(name="bare-service"),
    )
    manager = make_user(email="m@dept.gov.uk", roles=[(Membership.Role.SERVICE_MANAGER, org)])
    client.force_login(manager)
    for slug, standard in STANDARD.items():
        period = standard.period_for(cadence)
        assert period in standard.periods, f"the hub cannot add {slug} as approval makes it"
        data = {"period": period}
        if standard.has_channels:
            data["channels"] = list(DEFAULT_CHANNELS)
        response = client.post(f"/manage/dashboards/bare-service/modules/add/{slug}", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert _module(bare, slug) == _module(approved, slug), slug
    # The data sets the modules' figures come from: the same settings either way.
    made = _data_sets(bare)
    assert {s.input_type for s in STANDARD.values()} <= set(made)
    assert made == _data_sets(approved)
    # Every module's data set exists from the start (the transforms' outputs too, empty),
    # so a new dashboard's modules say "no data yet", never "there was a problem".
    for dashboard in (bare, approved):
        for module in Module.objects.filter(dashboard=dashboard):
            assert DataSet.objects.filter(
                data_group=module.data_group, data_type=module.data_type
            ).exists(), module.slug
    # And the KPI transforms that compute the charts' data.
    assert _transforms(bare) == _transforms(approved)
