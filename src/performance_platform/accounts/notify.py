"""GOV.UK Notify as a Django email backend (``EMAIL_PROVIDER=notify``).

Notify sends emails made from templates kept in Notify. The platform's messages are
written here, so one Notify template does for all of them: its subject is
``((subject))`` and its body ``((body))``, filled in from each message
(docs/operations.md#email says how to make it).
"""

import logging

from django.core.mail.backends.base import BaseEmailBackend
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.notifications.service.gov.uk"


class NotifyEmailBackend(BaseEmailBackend):
    """Sends each recipient of each message through Notify's send-email API.

    ``MAILERS`` OPTIONS: ``api_key`` (Notify's key, ``name-serviceid-secret``),
    ``template_id`` (the Notify template described above) and ``base_url``.
    """

    def __init__(
        self,
        *,
        api_key: str = "",
        template_id: str = "",
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30,
        fail_silently: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.api_key = api_key
        self.template_id = template_id
        self.base_url = base_url or DEFAULT_BASE_URL
        self.timeout = timeout
        self.fail_silently = fail_silently
        self.client: NotificationsAPIClient | None = None

    def open(self) -> bool:
        """Make the API client (Notify keys are checked for shape here, not at start-up)."""
        if self.client is not None:
            return False
        if not self.api_key or not self.template_id:
            raise ValueError("Email by Notify needs NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID")
        self.client = NotificationsAPIClient(
            self.api_key, base_url=self.base_url, timeout=self.timeout
        )
        return True

    def close(self) -> None:
        if self.client is not None:
            self.client.request_session.close()
        self.client = None

    def send_messages(self, email_messages) -> int:
        """Send each message to each of its recipients; the number of messages sent."""
        if not email_messages:
            return 0
        try:
            new = self.open()
        except ValueError:
            if self.fail_silently:
                return 0
            raise
        sent = 0
        try:
            for message in email_messages:
                if self._send(message):
                    sent += 1
        finally:
            if new:
                self.close()
        return sent

    def _send(self, message) -> bool:
        recipients = [*message.to, *message.cc, *message.bcc]
        if not recipients:
            return False
        body = message.body if isinstance(message.body, str) else str(message.body)
        personalisation = {"subject": str(message.subject), "body": body}
        try:
            for address in recipients:
                self.client.send_email_notification(
                    email_address=address,
                    template_id=self.template_id,
                    personalisation=personalisation,
                )
        except APIError as error:
            log.warning("Notify refused an email: %s", error)
            if not self.fail_silently:
                raise
            return False
        return True
