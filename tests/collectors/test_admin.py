"""Collectors in the Django admin: write-only credentials, checked queries, the actions.

The provider these tests configure is ``tests/collectors/example.py``'s, so the form's
checks run against schemas the tests control, whichever real providers are installed.
"""

import json

import pytest
from django_tasks_db.models import DBTaskResult

from performance_platform.collectors import credentials, providers
from performance_platform.collectors.models import Collector, CollectorRun

from . import example

pytestmark = pytest.mark.django_db

SECRET = "s3cret-token-do-not-show-7f2a"


@pytest.fixture(autouse=True)
def _example_provider(monkeypatch, settings):
    example.register(monkeypatch)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin@example.com", "x")
    client.force_login(user)
    return client


def form(data_set, **overrides) -> dict:
    data = {
        "name": "tax-disc-visits",
        "data_set": data_set.pk,
        "provider": "example",
        "endpoint": "https://analytics.example.org/",
        "frequency": "daily",
        "every_seconds": "0",
        "enabled": "on",
        "query": json.dumps({"site_id": 3}),
        "mapping": json.dumps({"add": {"dataType": "visits"}}),
        "new_credentials": json.dumps({"token_auth": SECRET}),
        "runs-TOTAL_FORMS": "0",
        "runs-INITIAL_FORMS": "0",
        "runs-MIN_NUM_FORMS": "0",
        "runs-MAX_NUM_FORMS": "0",
    }
    data.update(overrides)
    return data


def add(staff, data_set, **overrides):
    return staff.post("/admin/collectors/collector/add/", form(data_set, **overrides))


def change_url(collector) -> str:
    return f"/admin/collectors/collector/{collector.pk}/change/"


def test_create_saves_the_credentials_encrypted(staff, plain_data_set):
    response = add(staff, plain_data_set)
    assert response.status_code == 302, response.content.decode()[:2000]
    collector = Collector.objects.get(name="tax-disc-visits")
    assert SECRET not in collector.credentials
    assert credentials.decrypt(collector.credentials) == {"token_auth": SECRET}
    assert collector.query == {"site_id": 3}


def test_editing_without_credentials_keeps_the_saved_ones(staff, plain_data_set):
    add(staff, plain_data_set)
    collector = Collector.objects.get()
    saved = collector.credentials
    response = staff.post(
        change_url(collector),
        form(plain_data_set, new_credentials="", query=json.dumps({"site_id": 9})),
    )
    assert response.status_code == 302
    collector.refresh_from_db()
    assert collector.query == {"site_id": 9}
    assert collector.credentials == saved
    assert credentials.decrypt(collector.credentials) == {"token_auth": SECRET}


def test_new_credentials_are_encrypted_and_mend_a_broken_collector(staff, plain_data_set):
    add(staff, plain_data_set)
    Collector.objects.update(state=Collector.State.BROKEN, last_error="401: token refused")
    collector = Collector.objects.get()
    response = staff.post(
        change_url(collector),
        form(plain_data_set, new_credentials=json.dumps({"token_auth": "another-token-123"})),
    )
    assert response.status_code == 302
    collector.refresh_from_db()
    assert credentials.decrypt(collector.credentials) == {"token_auth": "another-token-123"}
    assert collector.state == Collector.State.NEW
    assert collector.next_run_at is not None


def test_the_secret_never_appears_in_an_admin_page(staff, plain_data_set):
    add(staff, plain_data_set)
    collector = Collector.objects.get()
    CollectorRun.objects.create(
        collector=collector, trigger="manual", status="succeeded", started_at=collector.created_at
    )
    pages = [
        "/admin/collectors/collector/",
        change_url(collector),
        "/admin/collectors/collectorrun/",
        f"/admin/collectors/collectorrun/{collector.runs.get().pk}/change/",
        f"/admin/collectors/collector/{collector.pk}/history/",
        f"/admin/collectors/collector/{collector.pk}/delete/",
    ]
    for url in pages:
        response = staff.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
    page = staff.get(change_url(collector)).content.decode()
    assert "Yes (encrypted; not shown)" in page
    assert collector.credentials not in page  # not even encrypted


def test_a_form_error_does_not_send_the_typed_secret_back(staff, plain_data_set):
    response = add(staff, plain_data_set, query="{not json")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid JSON" in page
    assert SECRET not in page
    assert not Collector.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("query", "{not json", "Enter a valid JSON"),
        ("query", "[1, 2]", "The query must be a JSON object"),
        ("query", json.dumps({"site": 3}), "The query is not right for Example analytics"),
        ("query", json.dumps({"site_id": "three"}), "site_id"),
        ("mapping", json.dumps({"rename": {}}), "Unknown mapping keys: rename"),
        ("mapping", json.dumps({"fields": {"a": ""}}), "must name a field"),
        ("new_credentials", "{token", "The credentials are not valid JSON"),
        ("new_credentials", '"just-a-string"', "must be a JSON object"),
        ("new_credentials", json.dumps({"user": "x"}), "token_auth is needed"),
        ("endpoint", "not a url", "Enter a valid URL"),
        ("endpoint", "https://me:pw@a.example.org/", "not its address"),
        ("name", "Bad Name!", "lower-case letters"),
    ],
)
def test_bad_input_is_a_form_error(staff, plain_data_set, field, value, message):
    response = add(staff, plain_data_set, **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Collector.objects.exists()


def test_a_short_secret_is_refused_without_quoting_it(staff, plain_data_set):
    response = add(staff, plain_data_set, new_credentials=json.dumps({"token_auth": "tiny7"}))
    page = response.content.decode()
    assert "The credentials are not right for Example analytics" in page
    assert "tiny7" not in page


def test_a_new_collector_needs_the_credentials_its_provider_requires(staff, plain_data_set):
    response = add(staff, plain_data_set, new_credentials="")
    assert "token_auth is needed" in response.content.decode()


def test_run_now_queues_a_run_for_the_worker(staff, plain_data_set, make_collector):
    collector = make_collector(plain_data_set, "example", "https://a.example.org/")
    response = staff.post(
        "/admin/collectors/collector/",
        {"action": "run_now", "_selected_action": [collector.pk]},
        follow=True,
    )
    assert "Queued a run of 1 collector(s): tax-disc-web-example." in response.content.decode()
    task = DBTaskResult.objects.get()
    assert task.task_path == "performance_platform.collectors.tasks.run_collector_task"
    assert task.args_kwargs["args"] == [collector.pk]


def test_mark_as_working_again_clears_the_broken_state(staff, plain_data_set, make_collector):
    collector = make_collector(
        plain_data_set, "example", "https://a.example.org/", state="broken", failures=3
    )
    staff.post(
        "/admin/collectors/collector/",
        {"action": "mark_working", "_selected_action": [collector.pk]},
    )
    collector.refresh_from_db()
    assert collector.state == Collector.State.NEW
    assert collector.failures == 0
    assert collector.next_run_at is not None


def test_an_unloadable_provider_saves_with_a_warning(staff, plain_data_set, monkeypatch):
    # A provider whose packages are missing here (GA4 without its extra) is still
    # configurable; the page says its schemas were not checked.
    monkeypatch.setitem(providers.PROVIDERS, "example", ("Example", "no_such_module.Provider"))
    response = add(staff, plain_data_set, query=json.dumps({"anything": 1}))
    assert response.status_code == 302
    page = staff.get(response.url).content.decode()
    assert "were not checked" in page
    assert Collector.objects.get().query == {"anything": 1}


def test_runs_are_read_only(staff, plain_data_set, make_collector):
    collector = make_collector(plain_data_set, "example", "https://a.example.org/")
    run = CollectorRun.objects.create(
        collector=collector, trigger="manual", status="failed", started_at=collector.created_at
    )
    assert staff.get("/admin/collectors/collectorrun/add/").status_code == 403
    response = staff.post(
        f"/admin/collectors/collectorrun/{run.pk}/change/", {"status": "succeeded"}
    )
    assert response.status_code == 403
    run.refresh_from_db()
    assert run.status == "failed"
