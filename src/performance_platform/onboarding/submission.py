"""Sending a request: store it, audit it, and email a receipt and the platform admins."""

from django.db import transaction

from performance_platform.accounts import audit, mail
from performance_platform.accounts.models import platform_admin_emails
from performance_platform.dashboards.models import Organisation

from .models import DashboardRequest

#: The answers that become the request's fields as they are.
FIELDS = (
    "contact_name",
    "contact_email",
    "contact_phone",
    "service_name",
    "service_description",
    "intended_users",
    "new_organisation_name",
    "start_page_url",
    "digital_takeup_source",
    "cost_source",
    "satisfaction_source",
    "satisfaction_other",
    "completion_source",
    "analytics_provider",
    "analytics_provider_other",
    "analytics_property_id",
    "cadence",
    "uploaders",
)


class StaleAnswer(ValueError):
    """An answer no longer holds (the organisation chosen was deleted): ask it again."""


def submit(given: dict, *, request=None) -> DashboardRequest:
    """Store the answers as a pending request (audited), and after the commit email the
    requester a receipt and the platform admins a notice. ``given`` has been checked page
    by page by the forms."""
    organisation = None
    if given.get("organisation"):
        organisation = Organisation.objects.filter(pk=given["organisation"]).first()
        if organisation is None:
            raise StaleAnswer("organisation")
    with transaction.atomic():
        req = DashboardRequest(organisation=organisation, **{k: given[k] for k in FIELDS})
        req.full_clean(exclude=["organisation"])
        req.save()
        audit.record(
            "request.create",
            target=req,
            organisation_id=organisation.pk if organisation else None,
            detail={"service": req.service_name[:200], "email": req.contact_email},
            request=request,
        )
        transaction.on_commit(lambda: _tell(req))
    return req


def _tell(req: DashboardRequest) -> None:
    mail.send(
        [req.contact_email],
        f"We have your dashboard request {req.reference}",
        "onboarding/email/receipt.txt",
        {"req": req},
    )
    mail.send(
        platform_admin_emails(),
        f"New dashboard request {req.reference}: {req.service_name}",
        "onboarding/email/admin_notice.txt",
        {"req": req, "link": mail.absolute_url(f"/manage/requests/{req.pk}")},
    )
