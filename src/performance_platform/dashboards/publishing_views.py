"""The signed-in publishing pages: the moves' confirmations, sign-off, preview links.

Thin: every change is a function of :mod:`.publishing` (one transaction each, with its
audit row); these views check who may see what (:mod:`.permissions`: 404 if the person may
not see the dashboard, 403 if they may see it but not act), read forms and pick templates.
Every form posts with a CSRF token; every page is private and never cached (a page showing
a new preview link holds the only copy of its token).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import permissions, publishing
from .models import PreviewLink
from .permissions import Action
from .publishing_forms import PreviewLinkForm, SignOffForm

#: The moves made from a confirmation page, and what the page says.
CONFIRMATIONS = {
    "send_for_review": {
        "title": "Send this dashboard for review",
        "body": "A signer-off for your organisation, or a platform admin, will check it and "
        "either publish it or return it to you with comments. You cannot edit it while it is "
        "in review, unless you withdraw it.",
        "button": "Send for review",
        "done": "The dashboard was sent for review.",
    },
    "withdraw": {
        "title": "Withdraw this dashboard from review",
        "body": "It goes back to unlisted, so you can change it. Its preview links keep "
        "working. Send it for review again when it is ready.",
        "button": "Withdraw from review",
        "done": "The dashboard was withdrawn from review.",
    },
    "unpublish": {
        "title": "Unpublish this dashboard",
        "body": "It leaves the services index, the sitemap and the counts at once, and its "
        "address answers “no longer published” (410 Gone). Its preview links are revoked. "
        "It goes back to unlisted: it can be sent for review and published again.",
        "button": "Unpublish",
        "done": "The dashboard was unpublished.",
        "warning": True,
    },
}
MOVE_FUNCTIONS = {
    "send_for_review": publishing.send_for_review,
    "withdraw": publishing.withdraw,
    "unpublish": publishing.unpublish,
}


def _panel(slug: str):
    return redirect(reverse("manage:dashboard", kwargs={"slug": slug}))


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
def panel_page(request, slug: str):
    """The dashboard's publishing panel on a page of its own (the hub includes the same
    panel, ``manage/includes/publishing.html``)."""
    dashboard = permissions.dashboard_or_404(request.user, slug)
    return render(request, "manage/publishing/page.html", {"dashboard": dashboard, "nav": "manage"})


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_move(request, slug: str, move: str):
    """Confirm, then make, one of the moves in :data:`CONFIRMATIONS`."""
    dashboard = permissions.dashboard_or_404(request.user, slug)
    about = CONFIRMATIONS[move]
    if dashboard.status not in publishing.MOVES[move].sources:
        messages.error(request, f"This dashboard is {dashboard.get_status_display().lower()}.")
        return _panel(slug)
    permissions.require(request.user, publishing.MOVES[move].action, dashboard)
    if request.method == "POST":
        try:
            MOVE_FUNCTIONS[move](request.user, dashboard, request=request)
        except publishing.IllegalMove as exc:  # someone else moved it meanwhile
            messages.error(request, str(exc))
            return _panel(slug)
        messages.success(request, about["done"])
        return _panel(slug)
    return render(
        request,
        "manage/publishing/confirm.html",
        {"dashboard": dashboard, "about": about, "move": move, "nav": "manage"},
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sign_off(request, slug: str):
    """A signer-off's (or admin's) decision on a dashboard in review."""
    dashboard = permissions.dashboard_or_404(request.user, slug)
    if dashboard.status != dashboard.Status.IN_REVIEW:
        messages.error(request, "Only a dashboard in review can be signed off.")
        return _panel(slug)
    permissions.require(request.user, Action.SIGN_OFF_DASHBOARD, dashboard)
    form = SignOffForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                publishing.approve(request.user, dashboard, request=request)
                messages.success(request, "The dashboard was approved and published.")
            else:
                publishing.return_for_changes(
                    request.user, dashboard, form.cleaned_data["comments"], request=request
                )
                messages.success(request, "The dashboard was returned for changes.")
        except publishing.IllegalMove as exc:
            messages.error(request, str(exc))
        return _panel(slug)
    return render(
        request,
        "manage/publishing/sign_off.html",
        {"dashboard": dashboard, "form": form, "nav": "manage"},
        status=400 if form.is_bound else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def new_link(request, slug: str):
    """Make a preview link (for a draft, this is the move to unlisted). The page that
    answers the POST shows the link: it is in no other place."""
    dashboard = permissions.dashboard_or_404(request.user, slug)
    if dashboard.status not in (*publishing.LINK_STATES, dashboard.Status.DRAFT):
        messages.error(request, "A published dashboard needs no preview link.")
        return _panel(slug)
    permissions.require(request.user, Action.PREVIEW_DASHBOARD, dashboard)
    form = PreviewLinkForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        days = form.cleaned_data["days"]
        try:
            if dashboard.status == dashboard.Status.DRAFT:
                link, token = publishing.make_unlisted(
                    request.user, dashboard, days=days, request=request
                )
            else:
                link, token = publishing.create_link(
                    request.user, dashboard, days=days, request=request
                )
        except publishing.IllegalMove as exc:
            messages.error(request, str(exc))
            return _panel(slug)
        url = request.build_absolute_uri(f"/performance/preview/{token}/{dashboard.slug}")
        return _private(
            render(
                request,
                "manage/publishing/link_created.html",
                {"dashboard": dashboard, "link": link, "url": url, "nav": "manage"},
            )
        )
    return render(
        request,
        "manage/publishing/link_form.html",
        {"dashboard": dashboard, "form": form, "nav": "manage"},
        status=400 if form.is_bound else 200,
    )


def _link_or_404(user, pk: int) -> PreviewLink:
    """A preview link that ``user`` may see (its dashboard visible to them), or 404."""
    link = get_object_or_404(PreviewLink.objects.select_related("dashboard"), pk=pk)
    if not (
        permissions.can(user, Action.MANAGE_ALL_PREVIEW_LINKS)
        or permissions.can(user, Action.VIEW_DASHBOARD, link.dashboard)
    ):
        raise Http404("No such preview link")
    return link


@never_cache
@login_required
@require_POST
def revoke_link(request, pk: int):
    """Revoke a preview link; back to where the form was (the panel or the admin list)."""
    link = _link_or_404(request.user, pk)
    publishing.revoke_link(request.user, link, request=request)
    messages.success(request, "The preview link was revoked. It no longer works.")
    if request.POST.get("back") == "all":
        return redirect(reverse("manage:preview-links"))
    return _panel(link.dashboard.slug)


@never_cache
@login_required
def all_links(request):
    """For platform admins: every live preview link, its dashboard, who made it and when."""
    if not permissions.can(request.user, Action.MANAGE_ALL_PREVIEW_LINKS):
        raise PermissionDenied("Only platform admins can see every preview link.")
    links = publishing.live_links().select_related("dashboard__organisation")
    return render(
        request, "manage/publishing/all_links.html", {"links": links, "nav": "preview-links"}
    )
