"""The whole journey of getting a dashboard, in a real browser, with JavaScript and without.

A service manager asks for a dashboard; a platform admin signs in and approves it; the
invitation email (written to a file by the server's file email backend, as an operator
might configure it) lets the manager set a password; the manager creates a write token
and sends data through the write API; makes a preview link, which works for someone not
signed in and is marked noindex; sends the dashboard for review; a signer-off of the
organisation approves it; and it appears in the public services index. axe-core audits
every page of the journey (WCAG 2.2 AA).

The people who exist before the journey (the admin and the signer-off) are made before the
browser starts: the database may not be touched while it is open.
"""

import email
import re
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.browser

PASSWORD = "a long and unusual passphrase 42"
ADMIN = "journey.admin@example.gov.uk"
SIGNER = "journey.signer@example.gov.uk"
REQUEST = "/performance/get-a-dashboard/request"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="module")
def server_env(mail_dir) -> dict:
    """The server keeps its emails as files here, for the test to read."""
    return {"EMAIL_PROVIDER": "file", "EMAIL_FILE_PATH": str(mail_dir)}


@pytest.fixture(scope="module", autouse=True)
def people(site, django_db_blocker):
    """A platform admin, and a signer-off of the Home Office (where the service will be)."""
    from performance_platform.accounts.models import Membership, User
    from performance_platform.dashboards.models import Organisation

    with django_db_blocker.unblock():
        home_office = Organisation.objects.get(slug="home-office")
        admin = User.objects.create_user(email=ADMIN, password=PASSWORD, name="Ada Admin")
        Membership.objects.create(user=admin, role=Membership.Role.PLATFORM_ADMIN)
        signer = User.objects.create_user(email=SIGNER, password=PASSWORD, name="Sol Signer")
        Membership.objects.create(
            user=signer, organisation=home_office, role=Membership.Role.SIGNER_OFF
        )


def at(page, pattern: str):
    """The page's address (without a fragment) matches ``pattern``."""
    url = page.url.split("#")[0]
    assert re.search(pattern, url), (url, page.locator("main").inner_text()[:600])


def press(page, name: str):
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def sign_in(visit, email: str, password: str = PASSWORD):
    visit.goto("/manage/sign-in")
    visit.page.get_by_label("Email address").fill(email)
    visit.page.get_by_label("Password", exact=True).fill(password)
    press(visit.page, "Sign in")
    at(visit.page, r"/manage$")


def sign_out(visit):
    press(visit.page, "Sign out")
    at(visit.page, r"/manage/sign-in")


def mails_to(mail_dir: Path, address: str) -> list[str]:
    """The messages the server wrote to files for ``address``: subject and decoded body."""
    found = []
    for path in sorted(mail_dir.glob("*")):
        for raw in path.read_text().split("-" * 79):
            message = email.message_from_string(raw.strip())
            if message["To"] == address:
                body = message.get_payload(decode=True).decode(message.get_content_charset())
                found.append(f"{message['Subject']}\n{body}")
    return found


def ask_for_a_dashboard(visit, service: str, manager: str, uploader: str):
    page = visit.page
    visit.goto("/performance")
    page.get_by_role("link", name="Get a dashboard for your service").click()
    page.wait_for_load_state()
    visit.check("journey-guidance")
    page.get_by_role("button", name="Start now").click()
    page.wait_for_load_state()
    page.get_by_label("Full name").fill("Sam Manager")
    page.get_by_label("Email address").fill(manager)
    page.get_by_label("Phone number").fill("020 7946 0000")
    press(page, "Continue")
    page.get_by_label("Name of the service").fill(service)
    page.get_by_label("What the service does").fill("Lets people renew a fishing permit.")
    page.get_by_label("Who the service is for").fill("Anglers")
    press(page, "Continue")
    page.get_by_label("Organisation that runs the service").select_option(label="Home Office")
    press(page, "Continue")
    page.get_by_label("What is the address of your service’s start page?").fill(
        "https://www.gov.uk/renew-fishing-permit"
    )
    press(page, "Continue")
    page.get_by_label("Sent automatically through the data API").check()
    press(page, "Continue")
    page.get_by_label("The quarterly collection of transaction costs").check()
    press(page, "Continue")
    page.get_by_label("Another source", exact=True).check()
    page.get_by_label("If another source, which one").fill("Our own survey")
    press(page, "Continue")
    page.get_by_label("Our web analytics").check()
    page.get_by_label("Matomo").check()
    page.get_by_label("The view or property ID").fill("7")
    press(page, "Continue")
    page.get_by_label("Every week").check()
    press(page, "Continue")
    page.locator("#id_name_1").fill("Una Uploader")
    page.locator("#id_email_1").fill(uploader)
    press(page, "Continue")
    at(page, rf"{REQUEST}/check-your-answers$")
    visit.check("journey-check-answers")
    press(page, "Accept and send")
    at(page, rf"{REQUEST}/confirmation$")
    visit.check("journey-request-sent")


def approve_the_request(visit, service: str) -> str:
    """As the platform admin; returns the new dashboard's hub path."""
    page = visit.page
    sign_in(visit, ADMIN)
    visit.goto("/manage/requests")
    visit.check("journey-requests")
    page.get_by_role("link", name=service).click()
    page.wait_for_load_state()
    visit.check("journey-request")
    press(page, "Approve")
    press(page, "Approve and make the dashboard")
    assert "approved" in page.locator(".govuk-notification-banner").inner_text()
    hub = page.get_by_role("link", name=service).get_attribute("href")
    assert hub.startswith("/manage/dashboards/")
    sign_out(visit)
    return hub


def accept_the_invitation(visit, mail_dir: Path, manager: str):
    invitations = [m for m in mails_to(mail_dir, manager) if "set-password" in m]
    assert len(invitations) == 1, mails_to(mail_dir, manager)
    # The link names SITE_URL (the default here); its path is opened on the test's server.
    path = re.search(r"https?://[^/\s]+(/manage/set-password/\S+)", invitations[0]).group(1)
    visit.goto(path)
    visit.check("journey-set-password")
    visit.page.get_by_label("New password", exact=True).fill(PASSWORD)
    visit.page.get_by_label("Confirm new password").fill(PASSWORD)
    press(visit.page, "Set password and sign in")
    at(visit.page, r"/manage$")
    visit.check("journey-your-dashboards")


def create_a_token(visit, hub: str, group: str) -> str:
    page = visit.page
    visit.goto(hub)
    visit.check("journey-hub")
    page.get_by_role(
        "link", name=f"{group.replace('-', '_')}_transactions_by_channel", exact=True
    ).click()
    page.wait_for_load_state()
    visit.check("journey-data-set")
    page.get_by_role("link", name="Create a token").click()
    page.wait_for_load_state()
    page.get_by_label("Name the token").fill("Our nightly export")
    press(page, "Create the token")
    secret = page.locator("#secret").inner_text().strip()
    assert len(secret) >= 40
    visit.check("journey-token")
    return secret


def send_data(base_url: str, group: str, secret: str):
    """What the service's own system does: weekly transactions by channel."""
    monday = "2026-11-16T00:00:00+00:00"
    records = [
        {"_timestamp": monday, "period": "week", "channel": channel, "count": count}
        for channel, count in (("digital", 720), ("paper_form", 280))
    ]
    response = requests.post(
        f"{base_url}/data/{group}/transactions-by-channel",
        json=records,
        headers={"Authorization": f"Bearer {secret}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"


def make_a_preview(visit, browser, hub: str, slug: str) -> str:
    page = visit.page
    visit.goto(hub)
    page.get_by_role("button", name="Make a preview").click()
    page.wait_for_load_state()
    visit.check("journey-preview-form")
    press(page, "Make the link")
    url = page.get_by_label(re.compile("Preview link for")).input_value()
    assert re.search(rf"/performance/preview/[A-Za-z0-9_-]{{43}}/{slug}$", url), url
    visit.check("journey-preview-made")
    return url[url.index("/performance/preview/") :]


def check_the_preview(visit, preview: str, title: str):
    """The link works for anyone who has it (a new context: not signed in), unindexed."""
    context = visit.context.browser.new_context(java_script_enabled=visit.js)
    try:
        page = context.new_page()
        response = page.goto(visit.base_url + preview)
        assert response.status == 200
        assert response.headers["x-robots-tag"] == "noindex, nofollow"
        assert "no-store" in response.headers["cache-control"]
        assert page.locator("h1").first.inner_text().strip().endswith(title)
        assert "Preview: not yet published" in page.locator("body").inner_text()
        assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow"
        page.screenshot(path=SHOTS / f"journey-preview-{visit.mode}.png", full_page=True)
    finally:
        context.close()


def send_for_review(visit, hub: str):
    page = visit.page
    visit.goto(hub)
    page.get_by_role("button", name="Send for review").click()
    page.wait_for_load_state()
    visit.check("journey-send-for-review")
    press(page, "Send for review")
    at(page, rf"{hub}$")
    assert "In review" in page.locator("main").inner_text()
    visit.check("journey-in-review")
    sign_out(visit)


def sign_off(visit, hub: str):
    page = visit.page
    sign_in(visit, SIGNER)
    visit.goto(hub)
    page.get_by_role("button", name="Sign off").click()
    page.wait_for_load_state()
    visit.check("journey-sign-off")
    page.get_by_label("Yes, approve and publish it").check()
    press(page, "Confirm")
    at(page, rf"{hub}$")
    assert "Published" in page.locator("main").inner_text()
    visit.check("journey-published")
    sign_out(visit)


def test_the_whole_journey(visit, browser, mail_dir):
    mode = visit.mode
    service = f"Renew a fishing permit {mode}"
    slug = f"renew-a-fishing-permit-{mode}"
    manager = f"sam.{mode}@example.gov.uk"
    uploader = f"una.{mode}@example.gov.uk"

    ask_for_a_dashboard(visit, service, manager, uploader)
    hub = approve_the_request(visit, service)
    assert hub == f"/manage/dashboards/{slug}"
    # Not public yet: a draft is a 404 like a page that does not exist.
    assert requests.get(f"{visit.base_url}/performance/{slug}", timeout=30).status_code == 404

    accept_the_invitation(visit, mail_dir, manager)
    assert any("set-password" in m for m in mails_to(mail_dir, uploader))
    secret = create_a_token(visit, hub, slug)
    send_data(visit.base_url, slug, secret)

    preview = make_a_preview(visit, browser, hub, slug)
    check_the_preview(visit, preview, service)
    send_for_review(visit, hub)
    assert any("review" in m.lower() for m in mails_to(mail_dir, SIGNER))

    sign_off(visit, hub)
    assert any("published" in m.lower() for m in mails_to(mail_dir, manager))

    # Listed in the services index, and its page is public.
    visit.goto("/performance/services")
    assert visit.page.locator(f'a[href="/performance/{slug}"]').count() >= 1
    visit.goto(f"/performance/{slug}")
    assert visit.page.locator("h1").first.inner_text().strip().endswith(service)
    visit.check("journey-public-dashboard")
    # The preview link of a published dashboard leads to the public page.
    response = requests.get(visit.base_url + preview, allow_redirects=False, timeout=30)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/performance/{slug}")
