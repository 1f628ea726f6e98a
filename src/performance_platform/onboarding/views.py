"""Getting a dashboard: the guidance page, the request form, and reviewing requests.

Thin views: the questions are in :mod:`.forms`, their order and the session in
:mod:`.flow`, sending in :mod:`.submission`, deciding in :mod:`.provisioning`.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from performance_platform.accounts.clients import client_ip
from performance_platform.dashboards import permissions
from performance_platform.dashboards import standard as dashboard_standard
from performance_platform.dashboards.permissions import Action
from performance_platform.kpis import catalogue

from . import flow, forms, provisioning, submission
from .models import DashboardRequest

# --- the guidance page ------------------------------------------------------------------


@cache_control(public=True, max_age=600)
def guidance(request):
    """``/performance/get-a-dashboard``: who needs a dashboard and how to get one."""
    return render(
        request,
        "onboarding/guidance.html",
        {
            "kpis": catalogue.FOUR,
            "breadcrumbs": [
                {"text": "Performance", "href": "/performance"},
                {"text": "Get a dashboard"},
            ],
            "start_href": reverse("onboarding:start"),
        },
    )


# --- the request form -------------------------------------------------------------------


@never_cache
def start(request):
    """``/performance/get-a-dashboard/request``: the first unanswered question."""
    step = flow.first_unanswered(flow.answers(request.session))
    if step is None:
        return redirect("onboarding:check")
    return redirect(step.url())


@never_cache
@require_http_methods(["GET", "POST"])
def question(request, step: str):
    """One page of the form: show it with the answers so far; on POST keep its answers."""
    current = flow.BY_SLUG.get(step)
    if current is None:
        raise Http404("No such question")
    given = flow.answers(request.session)
    changing = request.GET.get("change") == "1"
    kwargs = {}
    if current.form is forms.UploadersForm:
        people = given.get("uploaders") or []
        rows = _uploader_rows(request, people)
        kwargs["rows"] = rows
    if request.method == "POST":
        form = current.form(request.POST, **kwargs)
        if form.is_valid():
            flow.save(request.session, form.answers())
            if request.POST.get("add_row") and current.form is forms.UploadersForm:
                more = min(form.rows + 1, forms.MAX_UPLOADERS)
                return redirect(f"{current.url()}?rows={more}" + ("&change=1" if changing else ""))
            following = flow.next_step(current)
            if changing or following is None:
                return redirect("onboarding:check")
            return redirect(following.url())
    else:
        initial = _initial(current, given)
        form = current.form(initial=initial, **kwargs)
    back = flow.previous_step(current)
    return render(
        request,
        "onboarding/question.html",
        {
            "form": form,
            "step": current,
            "changing": changing,
            "back_href": reverse("onboarding:check")
            if changing
            else (back.url() if back else reverse("onboarding:guidance")),
            "number": flow.STEPS.index(current) + 1,
            "total": len(flow.STEPS),
            "max_uploaders": forms.MAX_UPLOADERS,
        },
    )


def _uploader_rows(request, people: list) -> int:
    """How many rows the uploaders page shows: those given and one empty (at least 3),
    more when asked for with ``?rows=``; at most :data:`forms.MAX_UPLOADERS`."""
    try:
        asked = int(request.GET.get("rows", "0")[:3])
    except ValueError:
        asked = 0
    if request.method == "POST":
        # Every row the page showed was posted; count them so none is dropped.
        posted = [n for n in range(1, forms.MAX_UPLOADERS + 1) if f"name_{n}" in request.POST]
        asked = max(asked, max(posted, default=0))
    return max(3, len(people) + 1, asked)


def _initial(step: flow.Step, given: dict) -> dict:
    if step.form is forms.UploadersForm:
        return forms.UploadersForm.initial_for(given.get("uploaders") or [])
    initial = {key: given[key] for key in step.keys if key in given}
    if step.form is forms.OrganisationForm and "organisation" in given:
        initial["organisation"] = (
            str(given["organisation"]) if given["organisation"] else forms.NEW_ORGANISATION
        )
    return initial


@never_cache
@require_http_methods(["GET", "POST"])
def check(request):
    """Check your answers; POST sends the request (rate limited per client address)."""
    given = flow.answers(request.session)
    missing = flow.first_unanswered(given)
    if missing is not None:
        return redirect(missing.url())
    if request.method == "POST":
        if is_ratelimited(
            request,
            group="onboarding.submit",
            # The same client address as lock-out and the audit trail (TRUST_X_FORWARDED_FOR).
            key=lambda group, request: client_ip(request) or "unknown",
            rate=settings.DASHBOARD_REQUEST_RATE,
            method="POST",
            increment=True,
        ):
            return render(request, "onboarding/too_many.html", status=429)
        try:
            req = submission.submit(given, request=request)
        except submission.StaleAnswer:
            request.session[flow.SESSION_KEY] = {
                k: v for k, v in given.items() if k not in ("organisation", "new_organisation_name")
            }
            return redirect(flow.BY_SLUG["organisation"].url())
        flow.clear(request.session)
        request.session[flow.REFERENCE_KEY] = req.reference
        return redirect("onboarding:confirmation")
    return render(
        request,
        "onboarding/check.html",
        {
            "rows": flow.summary(given, change_links=True),
            "back_href": flow.STEPS[-1].url(),
        },
    )


@never_cache
def confirmation(request):
    """The request was sent: its reference, and what happens next."""
    reference = request.session.get(flow.REFERENCE_KEY)
    if not reference:
        return redirect("onboarding:start")
    return render(request, "onboarding/confirmation.html", {"reference": reference})


# --- reviewing requests (platform admins) -----------------------------------------------


def _reviewer(request):
    """None if the user may review requests; else the response to give (sign in, or 404)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.can(request.user, Action.REVIEW_REQUESTS):
        raise Http404("No such page")
    return None


@never_cache
def request_list(request):
    """``/manage/requests``: pending requests first (oldest first), then decided ones."""
    if (refused := _reviewer(request)) is not None:
        return refused
    pending = DashboardRequest.objects.filter(status=DashboardRequest.Status.PENDING).order_by(
        "created_at", "pk"
    )
    decided = (
        DashboardRequest.objects.exclude(status=DashboardRequest.Status.PENDING)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")[:200]
    )
    return render(
        request,
        "onboarding/manage/list.html",
        {"pending": pending, "decided": decided, "nav": "requests"},
    )


@never_cache
def request_detail(request, pk: str):
    """``/manage/requests/<id>``: every answer, and the decision or the buttons to make it."""
    if (refused := _reviewer(request)) is not None:
        return refused
    req = get_object_or_404(
        DashboardRequest.objects.select_related("organisation", "decided_by", "dashboard"), pk=pk
    )
    return render(
        request,
        "onboarding/manage/detail.html",
        {
            "req": req,
            "rows": flow.summary(flow.request_answers(req), change_links=False),
            "nav": "requests",
            "hub_path": provisioning.hub_path(req.dashboard) if req.dashboard_id else "",
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def request_decide(request, pk: str, decision: str):
    """Approve or decline: GET asks to confirm (and for a reason); POST decides."""
    if (refused := _reviewer(request)) is not None:
        return refused
    req = get_object_or_404(DashboardRequest.objects.select_related("organisation"), pk=pk)
    detail = reverse("onboarding:request", kwargs={"pk": req.pk})
    declining = decision == "decline"
    if not req.is_pending:
        messages.error(request, f"This request was already {req.get_status_display().lower()}.")
        return redirect(detail)
    form = forms.DecisionForm(request.POST or None, required=declining)
    problem = ""
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if declining:
                provisioning.decline(req, actor=request.user, reason=reason, request=request)
                messages.success(
                    request,
                    f"Request {req.reference} declined. The requester has been sent the reason.",
                )
            else:
                outcome = provisioning.approve(
                    req, actor=request.user, reason=reason, request=request
                )
                messages.success(
                    request,
                    f"Request {req.reference} approved: the {outcome.dashboard.title} "
                    f"dashboard was made as a draft, with {len(outcome.data_sets)} data sets "
                    f"and {len(outcome.modules)} modules.",
                )
            return redirect(detail)
        except provisioning.AlreadyDecided as exc:
            messages.error(request, str(exc))
            return redirect(detail)
        except provisioning.ProvisioningError as exc:
            problem = str(exc)
    return render(
        request,
        "onboarding/manage/decide.html",
        {
            "req": req,
            "form": form,
            "declining": declining,
            "problem": problem,
            "nav": "requests",
            "detail_href": detail,
            "slug": provisioning.proposed_slug(req),
            "specs": dashboard_standard.module_specs(req.cadence),
            "data_types": provisioning.data_types_for(req),
        },
        status=409 if problem else 200,
    )
