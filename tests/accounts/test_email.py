"""Email leaves through the provider configured: a real local SMTP server (aiosmtpd), and
a local fake of GOV.UK Notify's send-email endpoint that checks what Notify checks."""

import json
import socket
import time
import uuid

import jwt
import pytest
from aiosmtpd.controller import Controller
from django.core import mail as django_mail

from performance_platform import settings as project_settings
from performance_platform.accounts import invitations, mail
from tests.fakehttp import FakeServer, JSONHandler

pytestmark = pytest.mark.django_db

SERVICE_ID = str(uuid.UUID(int=0x1234))
SECRET = str(uuid.UUID(int=0xABCDEF))
API_KEY = f"performance_platform_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = str(uuid.UUID(int=0x42))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- SMTP -----------------------------------------------------------------------------


class Collect:
    """aiosmtpd handler that keeps each message it accepts."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_smtp_sends_through_a_real_server(settings, smtp_server, make_user, monkeypatch):
    controller, handler = smtp_server
    monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("EMAIL_PORT", str(controller.port))
    # The MAILERS entry settings.py makes for EMAIL_PROVIDER=smtp.
    settings.MAILERS = {"default": project_settings.mailer("smtp")}
    settings.DEFAULT_FROM_EMAIL = "Performance Platform <noreply@example.gov.uk>"
    person = make_user(email="new.person@example.gov.uk", password=None)
    invitations.invite(person, why="to upload data")
    assert len(handler.envelopes) == 1
    envelope = handler.envelopes[0]
    assert envelope.mail_from == "noreply@example.gov.uk"
    assert envelope.rcpt_tos == ["new.person@example.gov.uk"]
    text = envelope.content.decode()
    assert "Subject: You have been invited to the Performance Platform" in text
    assert "/manage/set-password/" in text


# --- GOV.UK Notify --------------------------------------------------------------------


class FakeNotify(FakeServer):
    """``POST /v2/notifications/email`` as Notify answers it, checking the bearer JWT."""

    def __init__(self):
        self.received: list[dict] = []
        self.refused: list[str] = []
        super().__init__(self._handler())
        self.start()

    def _handler(self):
        fake = self

        class Handler(JSONHandler):
            def _auth_error(self, message):
                fake.refused.append(message)
                self._json(
                    403,
                    {
                        "status_code": 403,
                        "errors": [{"error": "AuthError", "message": message}],
                    },
                )

            def do_POST(self):
                if self.path != "/v2/notifications/email":
                    return self._json(404, {"status_code": 404, "errors": []})
                # Notify's check: a JWT signed HS256 with the key's secret, issued by the
                # service, with an iat within 30 seconds of now.
                auth = self.headers.get("Authorization", "")
                if not auth.startswith("Bearer "):
                    return self._auth_error("Unauthorized: authentication token must be provided")
                token = auth.removeprefix("Bearer ")
                try:
                    claims = jwt.decode(
                        token, SECRET, algorithms=["HS256"], options={"require": ["iss", "iat"]}
                    )
                except jwt.InvalidTokenError:
                    return self._auth_error("Invalid token: signature, api token not found")
                if claims["iss"] != SERVICE_ID or abs(time.time() - claims["iat"]) > 30:
                    return self._auth_error("Invalid token: iss or iat")
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.received.append(body)
                notification_id = str(uuid.uuid4())
                self._json(
                    201,
                    {
                        "id": notification_id,
                        "reference": None,
                        "content": {
                            "subject": body["personalisation"]["subject"],
                            "body": body["personalisation"]["body"],
                            "from_email": "performance.platform@notifications.service.gov.uk",
                            "one_click_unsubscribe_url": None,
                        },
                        "uri": f"{fake.url}/v2/notifications/{notification_id}",
                        "template": {
                            "id": body["template_id"],
                            "version": 1,
                            "uri": f"{fake.url}/services/{SERVICE_ID}/templates/"
                            + body["template_id"],
                        },
                        "scheduled_for": None,
                    },
                )
                return None

        return Handler


@pytest.fixture
def notify():
    fake = FakeNotify()
    yield fake
    fake.stop()


def notify_mailer(monkeypatch, fake, api_key=API_KEY) -> dict:
    monkeypatch.setenv("NOTIFY_API_KEY", api_key)
    monkeypatch.setenv("NOTIFY_TEMPLATE_ID", TEMPLATE_ID)
    monkeypatch.setenv("NOTIFY_BASE_URL", fake.url)
    return {"default": project_settings.mailer("notify")}


def test_notify_sends_each_recipient_the_subject_and_body(settings, notify, monkeypatch):
    settings.MAILERS = notify_mailer(monkeypatch, notify)
    sent = mail.send(
        ["a@example.gov.uk", "b@example.gov.uk"],
        "Your dashboard is published",
        "accounts/email/password_reset_subject.txt",
    )
    assert sent == 2
    assert notify.refused == []
    assert sorted(r["email_address"] for r in notify.received) == [
        "a@example.gov.uk",
        "b@example.gov.uk",
    ]
    for request in notify.received:
        assert request["template_id"] == TEMPLATE_ID
        assert request["personalisation"] == {
            "subject": "Your dashboard is published",
            "body": "Reset your Performance Platform password\n",
        }


def test_a_password_reset_email_goes_through_notify(
    client, settings, notify, monkeypatch, make_user
):
    settings.ALLOWED_HOSTS = ["*"]
    settings.MAILERS = notify_mailer(monkeypatch, notify)
    make_user(email="jo.bloggs@example.gov.uk")
    client.post("/manage/password-reset", {"email": "jo.bloggs@example.gov.uk"})
    assert len(notify.received) == 1
    sent = notify.received[0]
    assert sent["personalisation"]["subject"] == "Reset your Performance Platform password"
    assert "/manage/password-reset/" in sent["personalisation"]["body"]


def test_a_wrong_notify_key_is_an_error_not_a_silent_loss(settings, notify, monkeypatch):
    wrong = f"performance_platform_test-{SERVICE_ID}-{uuid.UUID(int=7)}"
    settings.MAILERS = notify_mailer(monkeypatch, notify, api_key=wrong)
    from notifications_python_client.errors import HTTPError

    with pytest.raises(HTTPError) as raised:
        django_mail.send_mail("Subject", "Body", None, ["a@example.gov.uk"])
    assert raised.value.status_code == 403
    assert notify.received == []
    assert notify.refused == ["Invalid token: signature, api token not found"]


def test_notify_without_a_key_says_what_is_missing(settings, monkeypatch):
    monkeypatch.delenv("NOTIFY_API_KEY", raising=False)
    settings.MAILERS = {"default": project_settings.mailer("notify")}
    with pytest.raises(ValueError, match="NOTIFY_API_KEY"):
        django_mail.send_mail("Subject", "Body", None, ["a@example.gov.uk"])


def test_the_tests_use_the_in_memory_backend(mailoutbox):
    mail.send(["a@example.gov.uk"], "Hello", "accounts/email/password_reset_subject.txt")
    assert [m.subject for m in mailoutbox] == ["Hello"]
