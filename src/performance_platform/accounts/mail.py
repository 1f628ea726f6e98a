"""Sending email: every message the platform sends goes through :func:`send`.

Messages go through Django's email framework, so the backend is chosen by configuration
(``EMAIL_PROVIDER``: the console, a folder of files, SMTP or GOV.UK Notify; see
``docs/configuration.md``). Bodies are plain-text templates; each ends with a footer that
names the platform and says how to stop that kind of email where one can be stopped.
"""

from collections.abc import Iterable
from functools import cache

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import Context, Engine


@cache
def _text_engine() -> Engine:
    """Django templates without HTML escaping: an email body is plain text, where
    "Carer's" must stay "Carer's" (not ``Carer&#x27;s``)."""
    return Engine(app_dirs=True, autoescape=False)


def render_text(template: str, context: dict) -> str:
    """Render a plain-text template (found in the apps' ``templates`` folders)."""
    return _text_engine().get_template(template).render(Context(context, autoescape=False))


def absolute_url(path: str) -> str:
    """``path`` on this site, for links in emails (``SITE_URL`` says where the site is)."""
    return settings.SITE_URL.rstrip("/") + path


def send(to: Iterable[str], subject: str, template: str, context: dict | None = None) -> int:
    """Render ``template`` (a text template) with ``context`` and send it to each of ``to``.

    Each recipient gets their own message, so no one learns who else was told. Returns the
    number sent. Subjects are kept to one line (a newline in one is refused by Django).
    """
    recipients = sorted({address for address in to if address})
    context = {"site_url": settings.SITE_URL.rstrip("/"), **(context or {})}
    body = render_text(template, context).strip() + "\n"
    subject = " ".join(subject.split())[:200]
    sent = 0
    for address in recipients:
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        sent += message.send()
    return sent
