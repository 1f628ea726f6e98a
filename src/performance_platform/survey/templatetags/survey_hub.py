"""The done-page panel of the hub's dashboard page (``{% survey_panel dashboard %}``).

The hub (``dashboards``, a layer below) shows it through this tag, loaded by name in its
template: no import runs up a layer.
"""

from django import template

from performance_platform.dashboards import permissions

from .. import counting
from ..views import done_page_url

register = template.Library()


@register.inclusion_tag("survey/includes/hub_panel.html", takes_context=True)
def survey_panel(context, dashboard):
    """The done page's address, the HTML to copy, and (for its managers) the comments link."""
    user = context["request"].user
    data_set = counting.ratings_data_set(dashboard)
    managed = permissions.is_platform_admin(user) or (
        dashboard.organisation_id is not None
        and dashboard.organisation_id
        in permissions.organisation_ids(user, permissions.Role.SERVICE_MANAGER)
    )
    url = done_page_url(dashboard)
    return {
        # A department's or a topic's dashboard has no service to link from: no panel,
        # unless it reads a ratings data set all the same.
        "show": data_set is not None or dashboard.is_service,
        "dashboard": dashboard,
        "data_set": data_set,
        "open": data_set is not None and counting.has_done_page(dashboard),
        "url": url,
        "snippet": (
            f'<p class="govuk-body"><a class="govuk-link" href="{url}">'
            "What did you think of this service?</a> (takes 30 seconds)</p>"
        ),
        "can_read_comments": managed,
        "count": dashboard.survey_responses.exclude(comment="").count() if managed else 0,
    }
