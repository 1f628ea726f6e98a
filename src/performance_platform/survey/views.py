"""The done page (public) and the comments page (service managers and platform admins).

The done page, ``/performance/<slug>/done``: one question and a comment box, a GOV.UK
error summary when no answer is chosen, and a thank-you page after the POST (redirect,
then GET, so a reload sends nothing twice). It needs no JavaScript.

Abuse: Django's CSRF check on the POST; a rate limit per client address
(``SURVEY_RATE``, counted in the cache as the dashboard request form's is); a length
limit on the comment; a honeypot field (filled: thanked, nothing stored); the thank-you
page shows no figures, so answering tells nobody what others answered. The page is
``noindex``: it is the last step of a service, reached from the service's own page, and
a search result landing on it would only invite answers from people who never used the
service.

Comments, ``/manage/dashboards/<slug>/comments``: read, search (words in the comment),
filter by answer, and export as CSV. Managers of the dashboard's organisation and
platform admins only; for anyone else the page does not exist (404).
"""

import io
import logging
from datetime import UTC

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from performance_platform.accounts.clients import client_ip
from performance_platform.dashboards import permissions
from performance_platform.dashboards.models import Dashboard
from performance_platform.lib import csvsafe

from . import counting
from .forms import SurveyForm
from .models import RATINGS, SurveyResponse

logger = logging.getLogger(__name__)

#: Comments shown per page of the comments page.
PER_PAGE = 50
#: The longest search text taken (longer is cut: a search is a few words).
MAX_SEARCH = 200


def _done_page_or_404(slug: str):
    found = counting.done_page_data_set(slug)
    if found is None:
        raise Http404("No such page")
    return found


def _limited(request) -> bool:
    return is_ratelimited(
        request,
        group="survey.answer",
        # The same client address as lock-out and the audit trail (TRUST_X_FORWARDED_FOR).
        key=lambda group, request: client_ip(request) or "unknown",
        rate=settings.SURVEY_RATE,
        method="POST",
        increment=True,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def done(request, slug):
    """The survey: GET shows the question, POST stores an answer and redirects to thanks."""
    dashboard, data_set = _done_page_or_404(slug)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if _limited(request):
            return render(request, "survey/too_many.html", {"dashboard": dashboard}, status=429)
        valid = form.is_valid()
        if form.is_bot():
            # Thanked like anyone, so a bot learns nothing; nothing is stored.
            return redirect("survey:thanks", slug=dashboard.slug)
        if valid:
            try:
                counting.record_answer(
                    dashboard, data_set, form.cleaned_data["rating"], form.cleaned_data["comment"]
                )
            except counting.NotCounted as exc:
                # The person did their part; the service's data set is for its managers
                # to put right (its schema no longer takes the day's counts).
                logger.error("done page of %s: answer not stored: %s", dashboard.slug, exc)
            return redirect("survey:thanks", slug=dashboard.slug)
    context = {
        "dashboard": dashboard,
        "form": form,
        "max_comment": settings.SURVEY_COMMENT_MAX_CHARS,
    }
    return render(request, "survey/done.html", context, status=400 if form.errors else 200)


@never_cache
@require_safe
def thanks(request, slug):
    """The thank-you page: no figures, nothing about anyone's answers."""
    dashboard, _ = _done_page_or_404(slug)
    return render(request, "survey/thanks.html", {"dashboard": dashboard})


# --- the managers' comments page ----------------------------------------------------------


def managed_dashboard_or_404(user, slug: str) -> Dashboard:
    """The dashboard ``slug`` if ``user`` manages it (a service manager of its organisation)
    or is a platform admin; a 404 for anyone else, as for a dashboard that does not exist."""
    dashboard = Dashboard.objects.filter(slug=slug).select_related("organisation").first()
    if dashboard is None:
        raise Http404("No such dashboard")
    if permissions.is_platform_admin(user):
        return dashboard
    managed = permissions.organisation_ids(user, permissions.Role.SERVICE_MANAGER)
    if dashboard.organisation_id is None or dashboard.organisation_id not in managed:
        raise Http404("No such dashboard")
    return dashboard


def _filtered(request, dashboard: Dashboard):
    """The dashboard's responses that have a comment, matching the page's search and
    answer filter; with the (cleaned) filters."""
    query = request.GET.get("q", "").strip()[:MAX_SEARCH].replace("\x00", "")
    rating = request.GET.get("rating", "")
    rating = int(rating) if rating in {str(value) for value, _ in RATINGS} else None
    responses = SurveyResponse.objects.filter(dashboard=dashboard).exclude(comment="")
    for word in query.split()[:10]:
        responses = responses.filter(comment__icontains=word)
    if rating is not None:
        responses = responses.filter(rating=rating)
    return responses.order_by("-created_at", "-pk"), query, rating


@never_cache
@login_required
@require_safe
def comments(request, slug):
    """The comments people left on the dashboard's done page, newest first, 50 a page."""
    dashboard = managed_dashboard_or_404(request.user, slug)
    responses, query, rating = _filtered(request, dashboard)
    page = Paginator(responses, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "nav": "manage",
        "dashboard": dashboard,
        "page": page,
        "query": query,
        "rating": rating,
        "ratings": RATINGS,
        "filtering": bool(query or rating),
        "retention_days": settings.SURVEY_COMMENT_RETENTION_DAYS,
        "has_done_page": counting.done_page_data_set(dashboard.slug) is not None,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "ellipsis": Paginator.ELLIPSIS,
    }
    return render(request, "survey/comments.html", context)


@never_cache
@login_required
@require_safe
def comments_csv(request, slug):
    """Every comment matching the page's filters, as CSV (cells that could run as a
    spreadsheet formula escaped by ``lib.csvsafe``)."""
    dashboard = managed_dashboard_or_404(request.user, slug)
    responses, _, _ = _filtered(request, dashboard)
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(["created_at", "rating", "answer", "comment"])
    for response in responses.iterator(chunk_size=2000):
        writer.writerow(
            [
                response.created_at.astimezone(UTC).isoformat(),
                response.rating,
                response.rating_label,
                response.comment,
            ]
        )
    body = "\ufeff" + out.getvalue()  # a BOM, so Excel reads the file as UTF-8
    answer = HttpResponse(body, content_type="text/csv; charset=utf-8")
    filename = f"{dashboard.slug}-comments-{timezone.now():%Y-%m-%d}.csv"
    answer["Content-Disposition"] = f'attachment; filename="{filename}"'
    return answer


def done_page_url(dashboard: Dashboard) -> str:
    """The done page's full address, as a service links to it."""
    return settings.SITE_URL.rstrip("/") + reverse("survey:done", kwargs={"slug": dashboard.slug})
