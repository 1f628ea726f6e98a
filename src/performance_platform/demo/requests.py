"""The demo's pending dashboard request, for a platform admin to review at /manage/requests."""

from performance_platform.dashboards.models import Organisation
from performance_platform.onboarding.models import DashboardRequest

SERVICE_NAME = "Apply for a fishing licence"


def load_demo_request() -> DashboardRequest:
    """One pending request (made once: loading the demo again leaves it as it is)."""
    found = DashboardRequest.objects.filter(service_name=SERVICE_NAME).first()
    if found is not None:
        return found
    organisation = Organisation.objects.filter(slug="department-for-transport").first()
    return DashboardRequest.objects.create(
        contact_name="Dee Manager",
        contact_email="dee.manager@example.gov.uk",
        contact_phone="020 7946 0123",
        service_name=SERVICE_NAME,
        service_description="Lets anglers buy a rod fishing licence online, by the day or "
        "the year.",
        intended_users="Anglers in England aged 13 or over",
        organisation=organisation,
        new_organisation_name="" if organisation else "Environment Agency",
        start_page_url="https://www.gov.uk/fishing-licences",
        digital_takeup_source=DashboardRequest.TakeupSource.API,
        cost_source=DashboardRequest.CostSource.COLLECTION,
        satisfaction_source=DashboardRequest.SatisfactionSource.DONE_PAGE,
        completion_source=DashboardRequest.CompletionSource.ANALYTICS,
        analytics_provider=DashboardRequest.AnalyticsProvider.GA4,
        analytics_property_id="312345678",
        cadence=DashboardRequest.Cadence.WEEKLY,
        uploaders=[{"name": "Uma Uploader", "email": "uma.uploader@example.gov.uk"}],
    )
