"""What writes to the audit trail: the Django admin (data sets, dashboards, modules), the
``tokens`` and ``import-config`` commands; and audit rows outliving what they describe."""

import io
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from performance_platform.accounts.models import AuditEvent
from performance_platform.configuration.importer import import_config
from performance_platform.dashboards.models import Dashboard, Module
from performance_platform.datastore.models import DataSet, WriteAudit, WriteToken
from tests.dashboards.helpers import sample_doc
from tests.dashboards.test_admin import add_module, module_form_index

pytestmark = pytest.mark.django_db

RECORD = [{"_timestamp": "2014-01-01T00:00:00Z", "count": 1}]


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("staff@example.gov.uk", "x")
    client.force_login(user)
    return client


def events(action=None):
    rows = AuditEvent.objects.order_by("pk")
    return list(rows.filter(action=action) if action else rows)


def write(client, token="a-secret-token-0123456789"):
    return client.post(
        "/data/test-group/test-type",
        json.dumps(RECORD),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


# --------------------------------------------------------------------------- data sets


def test_deleting_a_data_set_keeps_its_write_audit_and_audit_events(staff, make_data_set):
    data_set, _ = make_data_set()
    assert write(staff).status_code == 200
    pk, name = data_set.pk, data_set.name
    written = WriteAudit.objects.get()
    assert written.data_set_name == name

    response = staff.post(f"/admin/datastore/dataset/{pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not DataSet.objects.filter(pk=pk).exists()
    written.refresh_from_db()
    assert written.data_set_id is None
    assert (written.data_set_name, written.action, written.record_count) == (name, "append", 1)
    [deleted] = events("data_set.delete")
    assert (deleted.target_type, deleted.target_id, deleted.target_repr) == (
        "dataset",
        str(pk),
        name,
    )
    assert deleted.actor_email == "staff@example.gov.uk"
    # The write audit is still listed (and found by name) in the admin.
    listing = staff.get("/admin/datastore/writeaudit/", {"q": name}).content.decode()
    assert name in listing


def test_deleting_data_sets_from_the_change_list_audits_each(staff, make_data_set):
    first, _ = make_data_set(group="g1", data_type="t1", token="token-one-0123456789")
    second, _ = make_data_set(group="g2", data_type="t2", token="token-two-0123456789")

    staff.post(
        "/admin/datastore/dataset/",
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )

    assert not DataSet.objects.exists()
    assert sorted(e.target_repr for e in events("data_set.delete")) == ["g1_t1", "g2_t2"]


def test_creating_and_changing_a_data_set_in_the_admin_is_audited(staff, make_data_set):
    data_set, _ = make_data_set()
    page = staff.get(f"/admin/datastore/dataset/{data_set.pk}/change/")
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = value if isinstance(value, list) else str(value)
    for key in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
        prefix = page.context["inline_admin_formsets"][0].formset.management_form.prefix
        data[f"{prefix}-{key}"] = "0"
    data["max_age_expected"] = "3600"

    response = staff.post(f"/admin/datastore/dataset/{data_set.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    [changed] = events("data_set.change")
    assert "max_age_expected" in changed.detail["fields"]
    assert changed.target_repr == data_set.name


def test_the_write_audit_migration_fills_in_the_names():
    migration = __import__(
        "performance_platform.datastore.migrations.0005_write_audit_outlives_data_set",
        fromlist=["copy_names"],
    )
    from performance_platform.datastore.models import DataGroup, DataType

    group = DataGroup.objects.create(name="g")
    dtype = DataType.objects.create(name="t")
    data_set = DataSet.objects.create(name="g_t", data_group=group, data_type=dtype)
    row = WriteAudit.objects.create(data_set=data_set, action="append")
    orphan = WriteAudit.objects.create(data_set=None, action="append")
    assert row.data_set_name == ""

    migration.copy_names(apps, None)

    row.refresh_from_db()
    orphan.refresh_from_db()
    assert row.data_set_name == "g_t"
    assert orphan.data_set_name == ""


def test_tokens_created_and_revoked_in_the_admin_are_audited(staff, make_data_set):
    data_set, _ = make_data_set()
    response = staff.post(
        "/admin/datastore/writetoken/add/",
        {"data_set": data_set.pk, "label": "from-admin", "revoked_at_0": "", "revoked_at_1": ""},
        follow=True,
    )
    assert response.status_code == 200
    token = WriteToken.objects.get(label="from-admin")
    [created] = events("token.create")
    assert created.target_id == str(token.pk)
    assert created.actor_email == "staff@example.gov.uk"
    assert created.detail == {
        "data_set": data_set.name,
        "label": "from-admin",
        "prefix": token.prefix,
    }
    shown = next(str(m) for m in response.context["messages"] if "copy it now" in str(m))
    secret = shown.split(" is ")[1].split(" ")[0]
    assert secret not in json.dumps([e.detail for e in events()])

    staff.post(
        "/admin/datastore/writetoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    [revoked] = events("token.revoke")
    assert revoked.target_id == str(token.pk)
    # Revoking again (nothing left to revoke) records nothing more.
    staff.post(
        "/admin/datastore/writetoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    assert len(events("token.revoke")) == 1


# --------------------------------------------------------------------------- dashboards


@pytest.fixture
def dashboard():
    import_config(sample_doc())
    return Dashboard.objects.get(slug="renew-passport")


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
        _add_form(data, inline.formset.management_form)
        for form in inline.formset.forms:
            _add_form(data, form)
    return data


def change_url(dash):
    return f"/admin/dashboards/dashboard/{dash.pk}/change/"


def test_dashboard_and_module_changes_in_the_admin_are_audited(staff, dashboard):
    AuditEvent.objects.all().delete()
    data = form_data(staff.get(change_url(dashboard)))
    add_module(data, dashboard, slug="notes", type="section", title="Notes")
    data["title"] = "Renew your passport"
    data["status"] = "unlisted"

    response = staff.post(change_url(dashboard), data)

    assert response.status_code == 302
    # Only what changed: the dashboard, and the one module added (not its untouched siblings).
    assert [e.action for e in events()] == ["dashboard.change", "dashboard.status", "module.add"]
    [changed] = events("dashboard.change")
    assert {"title", "status"} <= set(changed.detail["fields"])
    assert changed.organisation_id == dashboard.organisation_id
    [moved] = events("dashboard.status")
    assert (moved.detail["from"], moved.detail["to"]) == ("published", "unlisted")
    [added] = events("module.add")
    assert added.target_repr == "renew-passport/notes"
    assert added.detail == {"dashboard": "renew-passport"}
    module = Module.objects.get(slug="notes")
    assert added.target_id == str(module.pk)

    data = form_data(staff.get(change_url(dashboard)))
    index = module_form_index(data, "notes")
    data[f"modules-{index}-title"] = "More notes"
    staff.post(change_url(dashboard), data)
    [edited] = events("module.change")
    assert edited.detail["fields"] == ["title"]

    data = form_data(staff.get(change_url(dashboard)))
    data[f"modules-{module_form_index(data, 'notes')}-DELETE"] = "on"
    assert staff.post(change_url(dashboard), data).status_code == 302
    assert not Module.objects.filter(slug="notes").exists()
    [removed] = events("module.remove")
    assert (removed.target_id, removed.target_repr) == (str(module.pk), "renew-passport/notes")


def test_a_refused_admin_save_leaves_no_audit_row(staff, dashboard):
    AuditEvent.objects.all().delete()
    data = form_data(staff.get(change_url(dashboard)))
    add_module(data, dashboard, slug="bad slug!", type="section", title="Notes")
    data["title"] = "Changed"

    response = staff.post(change_url(dashboard), data)

    assert response.status_code == 200  # the form again, with the error
    assert events() == []
    assert Dashboard.objects.get(pk=dashboard.pk).title == "Renew a passport"


def test_creating_and_deleting_a_dashboard_in_the_admin_is_audited(staff, dashboard):
    AuditEvent.objects.all().delete()
    data = form_data(staff.get("/admin/dashboards/dashboard/add/"))
    data.update(slug="new-one", title="New one", dashboard_type="transaction", status="draft")
    data["strapline"] = "Dashboard"
    response = staff.post("/admin/dashboards/dashboard/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    new = Dashboard.objects.get(slug="new-one")
    [created] = events("dashboard.create")
    assert (created.target_id, created.target_repr) == (str(new.pk), str(new))

    staff.post(f"/admin/dashboards/dashboard/{new.pk}/delete/", {"post": "yes"})
    assert not Dashboard.objects.filter(slug="new-one").exists()
    [deleted] = events("dashboard.delete")
    assert deleted.target_id == str(new.pk)
    assert deleted.actor_email == "staff@example.gov.uk"


# --------------------------------------------------------------------------- the command line


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_tokens_created_and_revoked_on_the_command_line_are_audited(make_data_set):
    make_data_set()
    AuditEvent.objects.all().delete()

    secret = run("tokens", "create", "test-group", "test-type", "--label", "collector").strip()
    token = WriteToken.objects.get(label="collector")
    [created] = events("token.create")
    assert created.actor is None and created.actor_email == ""
    assert created.target_type == "writetoken" and created.target_id == str(token.pk)
    assert created.detail["label"] == "collector"
    assert created.detail["data_set"] == "test_group_test_type"
    assert secret not in json.dumps(created.detail) + created.target_repr

    run("tokens", "revoke", "test-group", "test-type", "--label", "collector")
    [revoked] = events("token.revoke")
    assert revoked.target_id == str(token.pk)


def test_a_refused_token_command_leaves_no_audit_row(make_data_set):
    make_data_set()
    AuditEvent.objects.all().delete()
    with pytest.raises(CommandError):
        run("tokens", "revoke", "test-group", "test-type", "--label", "nobody")
    assert events() == []


def test_import_config_is_audited_with_the_file_and_counts(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(sample_doc()))

    run("import-config", str(path))

    [imported] = events("config.import")
    assert imported.actor is None
    assert imported.detail["file"] == str(path)
    assert imported.detail["counts"]["created"] == 1
    assert imported.detail["counts"]["dashboards"] == Dashboard.objects.count() > 0


def test_a_refused_import_leaves_no_audit_row(tmp_path):
    doc = sample_doc()
    doc["dashboards"][0]["organisation"] = "nowhere"
    path = tmp_path / "config.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(CommandError):
        run("import-config", str(path))
    assert events() == []
