"""The hub's pages as each role sees them: /manage, a dashboard's hub, a data set's page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from performance_platform.dashboards.models import Annotation, Dashboard

pytestmark = pytest.mark.django_db

HUB = "/manage/dashboards/renew-passport"
DATA_SET = "/manage/data-sets/renew_passport_transactions_by_channel"


def test_anonymous_people_are_sent_to_sign_in(client, dashboard):
    for url in ("/manage", HUB, f"{HUB}/details", DATA_SET, f"{DATA_SET}/tokens/new"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/manage/sign-in?next={url}"


def test_manager_sees_their_dashboards_and_data_sets_with_freshness(
    client, manager, dashboard, other_dashboard, data_set
):
    data_set.last_written_at = timezone.now() - timedelta(days=30)  # older than 14 days
    data_set.save(update_fields=["last_written_at"])
    client.force_login(manager)
    response = client.get("/manage")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Renew a passport" in page and f'href="{HUB}"' in page
    assert "Other service" not in page
    assert "Draft" in page
    assert f'href="{DATA_SET}"' in page
    assert "Out of date" in page
    assert "/manage/audit" not in page.split("</header>")[1]  # no admin links for managers
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )


def test_a_fresh_data_set_is_up_to_date(client, manager, data_set):
    data_set.last_written_at = timezone.now() - timedelta(days=1)
    data_set.save(update_fields=["last_written_at"])
    client.force_login(manager)
    page = client.get("/manage").content.decode()
    assert "Up to date" in page and "Out of date" not in page


def test_platform_admins_get_links_to_the_admin_pages(client, platform_admin, dashboard):
    client.force_login(platform_admin)
    page = client.get("/manage").content.decode()
    main = page.split('id="main-content"')[1]
    for link in ("/manage/requests", "/manage/audit", "/manage/preview-links"):
        assert f'href="{link}"' in main
    assert f'href="{HUB}"' in main  # admins see every dashboard


def test_the_hub_shows_the_dashboard_and_its_sections(client, manager, dashboard, data_set):
    Annotation.objects.create(dashboard=dashboard, date="2026-03-27", text="New form launched")
    client.force_login(manager)
    response = client.get(HUB)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1" in page and "Renew a passport" in page and "Home Office" in page
    assert f'href="{HUB}/details#title"' in page
    assert "New form launched" in page and f'href="{HUB}/annotations/add"' in page
    # The four standard modules are missing from this dashboard: each can be added.
    for kind in ("digital-takeup", "cost-per-transaction", "user-satisfaction", "completion-rate"):
        assert f'href="{HUB}/modules/add/{kind}"' in page
    assert f'href="{DATA_SET}"' in page
    assert "Editing is locked" not in page
    assert "robots" in page and "noindex" in page


def test_a_published_dashboard_links_its_public_page(client, manager, dashboard):
    dashboard.status = Dashboard.Status.PUBLISHED
    dashboard.save()
    client.force_login(manager)
    page = client.get(HUB).content.decode()
    assert 'href="/performance/renew-passport"' in page


def test_the_data_set_page_for_a_manager(client, manager, data_set, uploader):
    client.force_login(manager)
    response = client.get(DATA_SET)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Starts with <code>hub-te</code>" in page  # the fixture's token, by prefix only
    assert "hub-test-token-0123456789abcdef" not in page
    assert "Never updated" in page and "At least every 14 days" in page
    assert f'href="{DATA_SET}/tokens/new"' in page
    assert "uploader@example.gov.uk" in page and f'href="{DATA_SET}/access/new"' in page
    # Spreadsheets: the upload page (with the templates) and the upload history.
    assert f'href="{DATA_SET}/upload"' in page and f'href="{DATA_SET}/uploads"' in page


def test_no_link_on_the_managers_pages_is_broken(client, manager, dashboard, data_set):
    """Every /manage link on the hub's pages answers (no 404), as a manager follows them."""
    client.force_login(manager)
    seen, todo = set(), ["/manage"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        if not response["Content-Type"].startswith("text/html"):
            continue  # a download (a spreadsheet template): it answered, and has no links
        for link in re.findall(r'href="(/manage[^"#]*)', response.content.decode()):
            todo.append(link)
    assert {HUB, DATA_SET, f"{HUB}/details", f"{DATA_SET}/tokens/new"} <= seen


def test_an_uploader_sees_only_their_data_sets(client, uploader, data_set, other_dashboard):
    client.force_login(uploader)
    page = client.get("/manage").content.decode()
    assert "You do not manage or sign off any dashboards." in page
    assert f'href="{DATA_SET}"' in page
    assert "other_service_journey" not in page
    response = client.get(DATA_SET)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{DATA_SET}/tokens/new"' in page
    assert "access/new" not in page  # uploaders do not give access
    assert client.get(HUB).status_code == 404
    assert client.get(f"{HUB}/details").status_code == 404
    assert client.get("/manage/data-sets/other_service_journey").status_code == 404
    assert client.get(f"{DATA_SET}/access/new").status_code == 403


def test_a_signer_off_sees_the_dashboard_but_cannot_edit(client, signer_off, dashboard):
    client.force_login(signer_off)
    page = client.get(HUB).content.decode()
    assert "Renew a passport" in page
    assert f"{HUB}/details" not in page and "/annotations/add" not in page
    assert "/modules/add/" not in page
    assert client.get(f"{HUB}/details").status_code == 403
    assert client.get(f"{HUB}/annotations/add").status_code == 403
    assert client.get(f"{HUB}/modules/add/digital-takeup").status_code == 403
    assert client.get(DATA_SET).status_code == 404  # data sets are not theirs


def test_in_review_the_hub_says_editing_is_locked(client, manager, dashboard):
    dashboard.status = Dashboard.Status.IN_REVIEW
    dashboard.save()
    client.force_login(manager)
    page = client.get(HUB).content.decode()
    assert "Editing is locked while in review" in page
    assert f"{HUB}/details" not in page and "Move up" not in page
    assert client.get(f"{HUB}/details").status_code == 403


def test_unknown_objects_are_404(client, manager):
    client.force_login(manager)
    assert client.get("/manage/dashboards/no-such-thing").status_code == 404
    assert client.get("/manage/data-sets/no_such_set").status_code == 404
    assert client.get(f"{HUB}/modules/add/no-such-module").status_code == 404
