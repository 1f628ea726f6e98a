"""Changes from the hub: each lands with its audit row, and does what the page says."""

import json
import socket

import pytest

from performance_platform.accounts.invitations import invitation_tokens
from performance_platform.accounts.models import AuditEvent, DataSetAccess, Membership, User
from performance_platform.dashboards.models import Annotation, Module
from performance_platform.dashboards.schemas import check_module
from performance_platform.dashboards.standard import STANDARD
from performance_platform.datastore.models import DataSet, Record, WriteToken
from performance_platform.kpis import standard as kpi_standard
from performance_platform.kpis.models import Transform

from .conftest import TOKEN, state

pytestmark = pytest.mark.django_db

HUB = "/manage/dashboards/renew-passport"
DATA_SET = "/manage/data-sets/renew_passport_transactions_by_channel"
DETAILS = {
    "title": "Renew or replace your passport",
    "description": "Apply online.",
    "start_title": "Renew your passport",
    "start_url": "https://www.gov.uk/renew-adult-passport",
    "link_1_title": "Passport fees",
    "link_1_url": "https://www.gov.uk/passport-fees",
    "costs": "Includes printing.",
    "customer_type": "Individuals",
    "business_model": "Fees and charges",
}


def audit(action):
    return list(AuditEvent.objects.filter(action=action))


def test_details_are_saved_and_audited_old_to_new(client, manager, dashboard):
    client.force_login(manager)
    response = client.post(f"{HUB}/details", DETAILS)
    assert response.status_code == 302 and response["Location"] == HUB
    dashboard.refresh_from_db()
    assert dashboard.title == "Renew or replace your passport"
    assert dashboard.links == [
        {
            "title": "Renew your passport",
            "url": "https://www.gov.uk/renew-adult-passport",
            "type": "transaction",
        },
        {"title": "Passport fees", "url": "https://www.gov.uk/passport-fees", "type": "other"},
    ]
    assert (dashboard.customer_type, dashboard.business_model) == (
        "Individuals",
        "Fees and charges",
    )
    [event] = audit("dashboard.change")
    assert event.actor == manager and event.organisation_id == dashboard.organisation_id
    assert event.detail["changed"]["title"] == [
        "Renew a passport",
        "Renew or replace your passport",
    ]
    assert set(event.detail["changed"]) == {
        "title",
        "description",
        "costs",
        "customer_type",
        "business_model",
        "links",
    }
    # The page shows the new values.
    assert "Passport fees" in client.get(HUB).content.decode()


def test_saving_unchanged_details_records_nothing(client, manager, dashboard):
    client.force_login(manager)
    form = client.get(f"{HUB}/details").context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    assert client.post(f"{HUB}/details", data).status_code == 302
    assert audit("dashboard.change") == []


def test_a_link_needs_both_its_text_and_address(client, manager, dashboard):
    client.force_login(manager)
    before = state()
    response = client.post(f"{HUB}/details", {**DETAILS, "link_1_url": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Enter the web address the link goes to" in page
    assert 'href="#id_link_1_url"' in page
    assert state() == before


def test_annotations_are_added_and_removed_with_audit(client, manager, dashboard):
    client.force_login(manager)
    response = client.post(
        f"{HUB}/annotations/add",
        {"date": "27/3/2026", "text": "New online form", "link": "https://www.gov.uk/news"},
    )
    assert response.status_code == 302
    [annotation] = Annotation.objects.filter(dashboard=dashboard)
    assert (str(annotation.date), annotation.text) == ("2026-03-27", "New online form")
    assert audit("annotation.add")[0].detail["text"] == "New online form"
    confirm = client.get(f"{HUB}/annotations/{annotation.pk}/remove")
    assert "Remove the annotation of 27 March 2026?" in confirm.content.decode()
    assert Annotation.objects.count() == 1  # GET only asks
    assert client.post(f"{HUB}/annotations/{annotation.pk}/remove").status_code == 302
    assert not Annotation.objects.exists()
    assert len(audit("annotation.remove")) == 1


@pytest.mark.parametrize("kind", sorted(STANDARD))
def test_each_standard_module_can_be_added_and_passes_its_schema(client, manager, dashboard, kind):
    client.force_login(manager)
    standard = STANDARD[kind]
    data = {"period": standard.periods[-1]}
    if standard.has_channels:
        data["channels"] = ["digital", "telephone", "paper_form"]
    response = client.post(f"{HUB}/modules/add/{kind}", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    module = Module.objects.get(dashboard=dashboard, slug=kind)
    assert module.type == standard.type and module.title == standard.kpi.title
    assert module.order == 1  # after the existing module
    check_module(module.type, module.options, module.query, has_data_source=True)
    assert module.query["period"] == standard.periods[-1]
    assert module.data_group == dashboard.kpi_group
    assert module.data_type.name == standard.data_type
    # The raw data set the service sends for it exists (made if it was missing), so
    # tokens can be made for it.
    assert DataSet.objects.filter(
        data_group=module.data_group, data_type__name=standard.input_type
    ).exists()
    [event] = audit("module.add")
    assert event.detail["period"] == standard.periods[-1]
    # Once there, it is not offered again.
    page = client.get(HUB).content.decode()
    assert f"/modules/add/{kind}" not in page
    assert client.get(f"{HUB}/modules/add/{kind}").status_code == 302


def test_digital_takeup_draws_the_chosen_channels(client, manager, dashboard, data_set):
    client.force_login(manager)
    client.post(
        f"{HUB}/modules/add/digital-takeup", {"period": "month", "channels": ["digital", "post"]}
    )
    module = Module.objects.get(slug="digital-takeup")
    assert [y["groupId"] for y in module.options["axes"]["y"]] == ["digital", "post"]
    assert module.options["axis-period"] == "month"
    assert module.data_type == data_set.data_type  # reads the existing data set
    assert audit("data_set.create") == []


def test_digital_takeup_needs_a_channel(client, manager, dashboard):
    client.force_login(manager)
    before = state()
    response = client.post(f"{HUB}/modules/add/digital-takeup", {"period": "week"})
    assert response.status_code == 400
    assert "Select at least one channel" in response.content.decode()
    assert state() == before


def test_a_new_data_set_is_made_for_a_module_with_none(client, manager, dashboard):
    client.force_login(manager)
    client.post(f"{HUB}/modules/add/user-satisfaction", {"period": "month"})
    # The raw data the service sends (not the score the transform computes from it), with
    # the settings approval gives it.
    made = DataSet.objects.get(name="renew_passport_customer_satisfaction")
    settings = kpi_standard.data_set_settings("customer-satisfaction", "monthly")
    assert made.auto_ids == settings["auto_ids"] == ["_timestamp", "period"]
    assert made.max_age_expected == settings["max_age_expected"]
    assert made.schema == settings["schema"] and made.published
    assert audit("data_set.create")[0].target_repr == made.name
    # And the KPI transforms that compute the score from it, as approval makes them.
    assert sorted(
        Transform.objects.filter(input_group__name="renew-passport").values_list(
            "type", "output_type__name"
        )
    ) == [("kpi_summary", "kpi-summaries"), ("user_satisfaction", "user-satisfaction-score")]
    assert audit("module.add")[0].detail["transforms"] == [
        "user_satisfaction → user-satisfaction-score",
        "kpi_summary → kpi-summaries",
    ]


def test_cost_is_always_by_quarter_so_its_period_is_not_asked(client, manager, dashboard):
    client.force_login(manager)
    page = client.get(f"{HUB}/modules/add/cost-per-transaction").content.decode()
    assert 'name="period"' not in page and "one point per quarter" in page
    assert client.post(f"{HUB}/modules/add/cost-per-transaction", {}).status_code == 302
    assert Module.objects.get(slug="cost-per-transaction").query["period"] == "quarter"


def test_modules_move_up_and_down(client, manager, dashboard):
    client.force_login(manager)
    for kind, period in (("completion-rate", "week"), ("user-satisfaction", "month")):
        client.post(f"{HUB}/modules/add/{kind}", {"period": period})
    slugs = lambda: list(  # noqa: E731
        Module.objects.filter(dashboard=dashboard)
        .order_by("order", "pk")
        .values_list("slug", flat=True)
    )
    assert slugs() == ["volumes", "completion-rate", "user-satisfaction"]
    last = Module.objects.get(slug="user-satisfaction")
    assert client.post(f"{HUB}/modules/{last.pk}/move", {"direction": "up"}).status_code == 302
    assert slugs() == ["volumes", "user-satisfaction", "completion-rate"]
    first = Module.objects.get(slug="volumes")
    client.post(f"{HUB}/modules/{first.pk}/move", {"direction": "down"})
    assert slugs() == ["user-satisfaction", "volumes", "completion-rate"]
    # At the top it cannot go further up: nothing changes, nothing is recorded.
    moves = len(audit("module.change"))
    top = Module.objects.get(slug="user-satisfaction")
    client.post(f"{HUB}/modules/{top.pk}/move", {"direction": "up"})
    assert slugs() == ["user-satisfaction", "volumes", "completion-rate"]
    assert len(audit("module.change")) == moves == 2
    # A move is a POST.
    assert client.get(f"{HUB}/modules/{top.pk}/move").status_code == 405


def test_equal_orders_still_move(client, manager, dashboard):
    client.force_login(manager)
    client.post(f"{HUB}/modules/add/completion-rate", {"period": "week"})
    Module.objects.filter(dashboard=dashboard).update(order=0)
    later = Module.objects.get(slug="completion-rate")
    client.post(f"{HUB}/modules/{later.pk}/move", {"direction": "up"})
    assert list(
        Module.objects.filter(dashboard=dashboard).order_by("order").values_list("slug", flat=True)
    ) == ["completion-rate", "volumes"]


def test_a_standard_module_is_removed_after_confirming(client, manager, dashboard):
    client.force_login(manager)
    client.post(f"{HUB}/modules/add/completion-rate", {"period": "week"})
    module = Module.objects.get(slug="completion-rate")
    assert (
        "Remove “Completion rate”?"
        in client.get(f"{HUB}/modules/{module.pk}/remove").content.decode()
    )
    assert client.post(f"{HUB}/modules/{module.pk}/remove").status_code == 302
    assert not Module.objects.filter(slug="completion-rate").exists()
    assert audit("module.remove")[0].detail["slug"] == "completion-rate"
    # Other modules are the platform staff's: the hub does not remove them.
    other = Module.objects.get(slug="volumes")
    assert client.post(f"{HUB}/modules/{other.pk}/remove").status_code == 404
    assert Module.objects.filter(slug="volumes").exists()


def test_a_token_secret_is_shown_once_and_works(client, manager, data_set):
    client.force_login(manager)
    response = client.post(f"{DATA_SET}/tokens/new", {"label": "Weekly upload"})
    assert response.status_code == 302
    token = WriteToken.objects.get(label="Weekly upload")
    assert response["Location"] == f"{DATA_SET}/tokens/{token.pk}/created"
    shown = client.get(response["Location"])
    assert {"private", "no-store"} <= set(shown["Cache-Control"].replace(" ", "").split(","))
    page = shown.content.decode()
    secret = page.split('<code id="secret">')[1].split("</code>")[0]
    assert token.matches(secret) and secret.startswith(token.prefix)
    assert "shown only this once" in page
    # A reload does not show it again, nor does the data set page.
    again = client.get(response["Location"]).content.decode()
    assert secret not in again and "cannot be shown again" in again
    assert secret not in client.get(DATA_SET).content.decode()
    [event] = audit("token.create")
    assert event.detail["prefix"] == token.prefix and secret not in json.dumps(event.detail)
    # The secret writes to the data set through the write API.
    written = client.post(
        "/data/renew-passport/transactions-by-channel",
        data=json.dumps([{"_timestamp": "2026-11-23T00:00:00Z", "channel": "digital", "count": 4}]),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert written.status_code == 200, written.content


def test_a_revoked_token_stops_working_on_the_write_api(client, manager, data_set):
    client.force_login(manager)
    token = WriteToken.objects.get(data_set=data_set)
    confirm = client.get(f"{DATA_SET}/tokens/{token.pk}/revoke")
    assert "Revoke token “test”?" in confirm.content.decode()
    assert client.post(f"{DATA_SET}/tokens/{token.pk}/revoke").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert len(audit("token.revoke")) == 1
    client.post(f"{DATA_SET}/tokens/{token.pk}/revoke")  # again: nothing more is recorded
    assert len(audit("token.revoke")) == 1
    response = client.post(
        "/data/renew-passport/transactions-by-channel",
        data=json.dumps([{"_timestamp": "2026-11-23T00:00:00Z", "count": 1}]),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )
    assert response.status_code in (401, 403)
    assert not Record.objects.filter(data_set=data_set).exists()
    assert "Revoked" in client.get(DATA_SET).content.decode()


def test_an_uploader_manages_tokens_of_their_data_set(client, uploader, data_set):
    client.force_login(uploader)
    assert client.post(f"{DATA_SET}/tokens/new", {"label": "Mine"}).status_code == 302
    token = WriteToken.objects.get(label="Mine")
    assert client.post(f"{DATA_SET}/tokens/{token.pk}/revoke").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_access_is_given_to_an_existing_user(client, manager, data_set, make_user, mailoutbox):
    person = make_user(email="jo@example.gov.uk")
    client.force_login(manager)
    response = client.post(f"{DATA_SET}/access/new", {"email": "JO@example.gov.uk", "name": ""})
    assert response.status_code == 302
    access = DataSetAccess.objects.get(user=person, data_set=data_set)
    assert access.granted_by == manager
    assert audit("access.grant")[0].detail == {"user": "jo@example.gov.uk", "new_account": False}
    assert mailoutbox == []  # they already have an account
    assert User.objects.filter(email__iexact="jo@example.gov.uk").count() == 1


def test_access_to_a_new_person_invites_them(client, manager, org, data_set, mailoutbox):
    client.force_login(manager)
    response = client.post(
        f"{DATA_SET}/access/new", {"email": "new.uploader@example.gov.uk", "name": "Sam Uploader"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.uploader@example.gov.uk")
    assert not user.has_usable_password() and user.name == "Sam Uploader"
    assert Membership.objects.filter(
        user=user, organisation=org, role=Membership.Role.DATA_UPLOADER
    ).exists()
    assert DataSetAccess.objects.filter(user=user, data_set=data_set).exists()
    [message] = mailoutbox
    assert message.to == ["new.uploader@example.gov.uk"]
    link = next(word for word in message.body.split() if "/manage/set-password/" in word)
    token = link.rstrip("/").split("/")[-1]
    assert invitation_tokens.check_token(user, token)
    assert {e.action for e in AuditEvent.objects.all()} >= {
        "access.grant",
        "membership.add",
        "user.invite",
    }
    # The new uploader sees the data set, and its tokens.
    client.force_login(user)
    assert client.get(DATA_SET).status_code == 200


def test_access_is_taken_away(client, manager, uploader, data_set):
    client.force_login(manager)
    access = DataSetAccess.objects.get(user=uploader)
    assert (
        "Stop uploader@example.gov.uk sending data?"
        in client.get(f"{DATA_SET}/access/{access.pk}/remove").content.decode()
    )
    assert client.post(f"{DATA_SET}/access/{access.pk}/remove").status_code == 302
    assert not DataSetAccess.objects.filter(pk=access.pk).exists()
    assert User.objects.filter(pk=uploader.pk).exists()
    assert audit("access.revoke")[0].detail == {"user": "uploader@example.gov.uk"}
    client.force_login(uploader)
    assert client.get(DATA_SET).status_code == 404


def test_a_secret_not_shown_does_not_wait_in_the_session(client, manager, data_set):
    client.force_login(manager)
    response = client.post(f"{DATA_SET}/tokens/new", {"label": "Skipped"})
    assert "hub.new_token" in client.session
    client.get(DATA_SET)  # straight back to the data set, not to the token's page
    assert "hub.new_token" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "cannot be shown again" in page


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends


def test_when_the_invitation_cannot_be_sent_nothing_is_stored(client, manager, data_set, settings):
    """An SMTP server that refuses connections: a form error, and no half-made account."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": _closed_port(), "timeout": 2},
        }
    }
    client.force_login(manager)
    before = state()
    response = client.post(f"{DATA_SET}/access/new", {"email": "new@example.gov.uk"})
    assert response.status_code == 400
    assert "The invitation email could not be sent" in response.content.decode()
    assert state() == before


def test_a_dashboard_problem_the_form_cannot_see_is_shown_and_nothing_saved(
    client, manager, dashboard
):
    from performance_platform.dashboards.models import Dashboard

    # A value no form offers, as an old import might have left.
    Dashboard.objects.filter(pk=dashboard.pk).update(strapline="Old strapline")
    client.force_login(manager)
    before = state()
    response = client.post(f"{HUB}/details", DETAILS)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Strapline: Value" in page
    assert state() == before
