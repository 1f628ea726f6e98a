"""The Django admin as platform staff use it: tokens, data sets and the audit trail."""

import json
import re

import pytest

from performance_platform.datastore.models import DataSet, WriteAudit, WriteToken, hash_token

pytestmark = pytest.mark.django_db

RECORD = [{"_timestamp": "2014-01-01T00:00:00Z", "count": 1}]


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.ALLOWED_HOSTS = ["*"]
    # Pages are rendered without running collectstatic, so no manifest exists.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin@example.com", "x")
    client.force_login(user)
    return client


@pytest.fixture
def data_set(make_data_set):
    ds, _ = make_data_set(group="g1", data_type="t1", token="existing-token-0123456789")
    return ds


def write(client, token):
    return client.post(
        "/data/g1/t1",
        json.dumps(RECORD),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def add_token(staff, data_set, label="from-admin"):
    return staff.post(
        "/admin/datastore/writetoken/add/",
        {"data_set": data_set.pk, "label": label, "revoked_at_0": "", "revoked_at_1": ""},
        follow=True,
    )


def test_add_token_shows_the_secret_once_and_stores_only_its_hash(staff, data_set):
    response = add_token(staff, data_set)
    assert response.status_code == 200
    shown = [m for m in messages_of(response) if "copy it now" in m]
    assert len(shown) == 1
    match = re.search(r"The new token for g1_t1 is (\S+) — copy it now", shown[0])
    assert match, shown
    secret = match.group(1)
    assert len(secret) >= 40
    row = WriteToken.objects.get(label="from-admin")
    assert row.data_set == data_set
    assert row.token_hash == hash_token(secret)
    assert row.prefix == secret[:6]
    for values in WriteToken.objects.values():
        assert secret not in json.dumps(values, default=str)
    # Not shown again: neither on the change page nor in the list.
    change = staff.get(f"/admin/datastore/writetoken/{row.pk}/change/")
    assert change.status_code == 200
    assert secret not in change.content.decode()
    assert secret[:6] in change.content.decode()
    listing = staff.get("/admin/datastore/writetoken/")
    assert secret not in listing.content.decode()
    # And it works for writing.
    response = write(staff, secret)
    assert response.status_code == 200, response.content
    audit = WriteAudit.objects.get()
    assert audit.token_label == "from-admin"


def test_add_token_page_loads(staff, data_set):
    response = staff.get("/admin/datastore/writetoken/add/")
    assert response.status_code == 200
    assert 'name="label"' in response.content.decode()
    assert 'name="token_hash"' not in response.content.decode()


def test_add_token_needs_a_label(staff, data_set):
    before = WriteToken.objects.count()
    response = add_token(staff, data_set, label="")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["label"]
    assert WriteToken.objects.count() == before


def test_data_set_change_page_loads(staff, data_set):
    response = staff.get(f"/admin/datastore/dataset/{data_set.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "g1_t1" in content
    # The inline shows the token's prefix and label, never a secret or hash.
    token = WriteToken.objects.get(data_set=data_set)
    assert token.prefix in content
    assert token.token_hash not in content
    assert "existing-token-0123456789" not in content


def test_data_set_list_and_add_pages_load(staff, data_set):
    assert staff.get("/admin/datastore/dataset/").status_code == 200
    assert staff.get("/admin/datastore/dataset/add/").status_code == 200
    assert staff.get("/admin/datastore/dataset/?q=g1").status_code == 200


def test_data_set_admin_refuses_a_bad_schema(staff, data_set):
    response = staff.post(
        f"/admin/datastore/dataset/{data_set.pk}/change/",
        {
            "name": data_set.name,
            "data_group": data_set.data_group_id,
            "data_type": data_set.data_type_id,
            "auto_ids": "[]",
            "schema": '{"type": "nonsense"}',
            "upload_format": "",
            "published": "on",
            "queryable": "on",
            "tokens-TOTAL_FORMS": "1",
            "tokens-INITIAL_FORMS": "1",
            "tokens-MIN_NUM_FORMS": "0",
            "tokens-MAX_NUM_FORMS": "1000",
            "tokens-0-id": WriteToken.objects.get(data_set=data_set).pk,
            "tokens-0-data_set": data_set.pk,
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "schema is not valid JSON Schema" in response.content.decode()
    data_set.refresh_from_db()
    assert data_set.schema is None


def test_revoke_action(staff, data_set):
    assert write(staff, "existing-token-0123456789").status_code == 200
    token = WriteToken.objects.get(data_set=data_set)
    response = staff.post(
        "/admin/datastore/writetoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Revoked 1 token(s)." in messages_of(response)
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = write(staff, "existing-token-0123456789")
    assert response.status_code == 401
    # Revoking again counts only tokens that were still active.
    response = staff.post(
        "/admin/datastore/writetoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
        follow=True,
    )
    assert "Revoked 0 token(s)." in messages_of(response)


def test_tokens_cannot_be_deleted(staff, data_set):
    token = WriteToken.objects.get(data_set=data_set)
    response = staff.get(f"/admin/datastore/writetoken/{token.pk}/delete/")
    assert response.status_code == 403
    assert WriteToken.objects.filter(pk=token.pk).exists()


def test_write_audit_is_read_only(staff, data_set):
    assert write(staff, "existing-token-0123456789").status_code == 200
    audit = WriteAudit.objects.get()
    listing = staff.get("/admin/datastore/writeaudit/")
    assert listing.status_code == 200
    assert "/admin/datastore/writeaudit/add/" not in listing.content.decode()
    assert staff.get("/admin/datastore/writeaudit/add/").status_code == 403
    view = staff.get(f"/admin/datastore/writeaudit/{audit.pk}/change/")
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    response = staff.post(
        f"/admin/datastore/writeaudit/{audit.pk}/change/",
        {"action": "delete", "record_count": 99, "token_label": "forged"},
    )
    assert response.status_code == 403
    assert staff.get(f"/admin/datastore/writeaudit/{audit.pk}/delete/").status_code == 403
    response = staff.post(
        "/admin/datastore/writeaudit/",
        {"action": "delete_selected", "_selected_action": [audit.pk], "post": "yes"},
    )
    audit.refresh_from_db()
    assert (audit.record_count, audit.token_label, audit.action) == (1, "test", "append")
    assert WriteAudit.objects.count() == 1


def test_admin_needs_staff(client, data_set):
    response = client.get("/admin/datastore/writetoken/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert DataSet.objects.count() == 1
