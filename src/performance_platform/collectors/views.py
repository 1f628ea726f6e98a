"""The hub's availability checks page: ``/manage/dashboards/<slug>/availability``.

It lives here, not in the dashboards app, because saving it makes a collector (the
dashboards app sits below this one and may not import it). The same rules as the hub's
other pages: a dashboard the person may not see is 404; one they may see but not edit
(or one in review) is 403; every change is a CSRF-protected POST, audited.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from performance_platform.dashboards import permissions
from performance_platform.dashboards.permissions import Action

from . import checks
from .forms import AvailabilityForm


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def availability(request, slug):
    """Show the dashboard's checks, and start or change them."""
    dash = permissions.dashboard_or_404(request.user, slug, Action.EDIT_DASHBOARD)
    collector = checks.collector_of(dash)
    if collector is not None and collector.endpoint:
        initial = {"url": collector.endpoint, "every": collector.every_seconds or 300}
    else:
        start = dash.transaction_link() or {}
        initial = {"url": start.get("url", ""), "every": checks.EVERY_CHOICES[0][0]}
    form = AvailabilityForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        checks.start_checks(
            dash, form.cleaned_data["url"], form.cleaned_data["every"], request=request
        )
        messages.success(request, "Availability checks saved: the first check is made shortly")
        return redirect("collectors:availability", slug=dash.slug)
    running = collector is not None and collector.enabled
    return render(
        request,
        "collectors/availability.html",
        {
            "nav": "manage",
            "dashboard": dash,
            "form": form,
            "collector": collector,
            "running": running,
            "checks": checks.last_checks(collector) if collector is not None else [],
            "timeout": f"{settings.AVAILABILITY_TIMEOUT:g}",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def availability_stop(request, slug):
    """Stop the dashboard's checks (its records and module stay)."""
    dash = permissions.dashboard_or_404(request.user, slug, Action.EDIT_DASHBOARD)
    if checks.stop_checks(dash, request=request):
        messages.success(request, "Availability checks stopped")
    return redirect("collectors:availability", slug=dash.slug)
