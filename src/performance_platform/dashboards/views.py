"""The manager's hub: ``/manage``, a page per dashboard and a page per data set.

Thin views: each finds its object through ``permissions`` (404 for one the person may not
see, 403 for an action they may not take, including any edit while a dashboard is in
review), checks a form, and calls one function of :mod:`.hub`, which makes the change and
its audit row in one transaction. Every change is a POST (CSRF-protected); GET pages only
show forms and confirmations.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from performance_platform.accounts.models import DataSetAccess
from performance_platform.datastore.models import WriteToken
from performance_platform.kpis.standard import SCHEMAS

from . import hub, hub_forms, permissions
from .models import Annotation, Dashboard, Module
from .permissions import Action
from .standard import CHANNELS, PERIODS, STANDARD

#: A new token's secret waits here in the session for the one page that shows it (it is
#: removed as that page, or the data set's page, is shown): the POST redirects, so a
#: reload neither shows it again nor makes another token.
SECRET_KEY = "hub.new_token"

STATUS_TAGS = {
    Dashboard.Status.DRAFT: "govuk-tag--grey",
    Dashboard.Status.UNLISTED: "govuk-tag--yellow",
    Dashboard.Status.IN_REVIEW: "govuk-tag--blue",
    Dashboard.Status.PUBLISHED: "govuk-tag--green",
}


def _page(request, template: str, context: dict, status: int = 200):
    """Render a signed-in page: never cached by anyone, ``nav`` set for the header."""
    return render(request, template, {"nav": "manage", **context}, status=status)


def _problems(exc: ValidationError) -> list[str]:
    """A model's validation errors as sentences, each naming its field (not a form's)."""
    if not hasattr(exc, "error_dict"):
        return exc.messages
    return [
        f"{field.replace('_', ' ').capitalize()}: {message}" if field != "__all__" else message
        for field, messages in exc.message_dict.items()
        for message in messages
    ]


def _data_set_rows(data_sets, user):
    """Data sets with their freshness, whether the person may open each and upload to it,
    and whether it has a spreadsheet template (the raw data types the KPIs read: those
    with a standard schema, which the uploads app's templates follow)."""
    return [
        {
            "data_set": data_set,
            "freshness": data_set.freshness(),
            "can_open": permissions.can(user, Action.VIEW_DATA_SET, data_set),
            "can_upload": permissions.can(user, Action.UPLOAD_DATA_SET, data_set),
            "template": data_set.data_type.name in SCHEMAS,
        }
        for data_set in data_sets
    ]


@never_cache
@login_required
@require_safe
def index(request):
    """``/manage``: the dashboards and data sets the person may see."""
    user = request.user
    dashboards = permissions.dashboards_for(user).select_related("organisation")
    data_sets = permissions.data_sets_for(user).select_related("data_group", "data_type")
    return _page(
        request,
        "manage/index.html",
        {
            "dashboards": [
                {"dashboard": d, "tag": STATUS_TAGS.get(d.status, "")} for d in dashboards
            ],
            "data_sets": _data_set_rows(data_sets, user),
            "is_platform_admin": permissions.is_platform_admin(user),
        },
    )


@never_cache
@login_required
@require_safe
def dashboard(request, slug):
    """The hub of one dashboard: its summary, details, annotations, modules, data sets."""
    dash = permissions.dashboard_or_404(request.user, slug)
    modules = list(hub.top_level_modules(dash).select_related("data_group", "data_type"))
    return _page(
        request,
        "manage/hub/dashboard.html",
        {
            "dashboard": dash,
            "tag": STATUS_TAGS.get(dash.status, ""),
            "can_edit": permissions.can(request.user, Action.EDIT_DASHBOARD, dash),
            "in_review": dash.status == Dashboard.Status.IN_REVIEW,
            "annotations": dash.annotations.all(),
            "modules": modules,
            "standard": STANDARD,
            "missing": hub.missing_standard(dash),
            # Collectors by the reverse relation's name: the hub shows them without
            # importing the collectors app, which sits above it.
            "data_sets": _data_set_rows(
                hub.data_sets_of(dash).prefetch_related("collectors"), request.user
            ),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def details(request, slug):
    """Edit a dashboard's title, description, links, costs, customer type, business model."""
    dash = permissions.dashboard_or_404(request.user, slug, Action.EDIT_DASHBOARD)
    form = hub_forms.DetailsForm(request.POST if request.method == "POST" else None, dashboard=dash)
    if request.method == "POST" and form.is_valid():
        try:
            changed = hub.change_details(dash, form.values(), request=request)
        except ValidationError as exc:
            # The whole dashboard is checked: a problem the form cannot see (an old value
            # from an import, say) is shown, and nothing is saved.
            dash.refresh_from_db()
            form.add_error(None, _problems(exc))
        else:
            messages.success(request, "Details saved" if changed else "Nothing was changed")
            return redirect("manage:dashboard", slug=dash.slug)
    status = 400 if form.errors else 200
    return _page(request, "manage/hub/details.html", {"dashboard": dash, "form": form}, status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def annotation_add(request, slug):
    """Add an annotation: a date, what happened, and an optional link."""
    dash = permissions.dashboard_or_404(request.user, slug, Action.EDIT_DASHBOARD)
    form = hub_forms.AnnotationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            hub.add_annotation(dash, request=request, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _problems(exc))
        else:
            messages.success(request, "Annotation added")
            return redirect("manage:dashboard", slug=dash.slug)
    status = 400 if form.errors else 200
    return _page(
        request, "manage/hub/annotation_add.html", {"dashboard": dash, "form": form}, status
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def annotation_remove(request, slug, pk):
    """Confirm (GET), then remove (POST) an annotation."""
    dash = permissions.dashboard_or_404(request.user, slug, Action.EDIT_DASHBOARD)
    annotation = get_object_or_404(Annotation, pk=pk, dashboard=dash)
    if request.method == "POST":
        hub.remove_annotation(annotation, request=request)
        messages.success(request, "Annotation removed")
        return redirect("manage:dashboard", slug=dash.slug)
    return _page(
        request, "manage/hub/annotation_remove.html", {"dashboard": dash, "annotation": annotation}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def module_add(request, slug, kind):
    """Add one of the standard KPI modules the dashboard lacks, with its period (and
    channels)."""
    dash = permissions.dashboard_or_404(request.user, slug, Action.EDIT_DASHBOARD)
    standard = STANDARD.get(kind)
    if standard is None:
        raise Http404("No such module")
    if standard not in hub.missing_standard(dash):
        messages.error(request, "That module is already on the dashboard")
        return redirect("manage:dashboard", slug=dash.slug)
    form = hub_forms.StandardModuleForm(
        request.POST if request.method == "POST" else None,
        standard=standard,
        periods=PERIODS,
        channels=CHANNELS,
    )
    if request.method == "POST" and form.is_valid():
        try:
            hub.add_standard_module(
                dash,
                standard,
                period=form.cleaned_data["period"],
                channels=form.cleaned_data.get("channels", ()),
                request=request,
            )
        except ValidationError as exc:
            # The module (or the data set it needs) failed its checks: nothing was stored.
            form.add_error(None, _problems(exc))
        else:
            messages.success(request, f"{standard.title} added")
            return redirect("manage:dashboard", slug=dash.slug)
    status = 400 if form.errors else 200
    return _page(
        request,
        "manage/hub/module_add.html",
        {"dashboard": dash, "form": form, "standard": standard},
        status,
    )


@login_required
@require_POST
def module_move(request, slug, pk):
    """Move a top-level module up or down one place."""
    dash = permissions.dashboard_or_404(request.user, slug, Action.EDIT_DASHBOARD)
    module = get_object_or_404(Module, pk=pk, dashboard=dash, parent__isnull=True)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest("direction must be up or down")
    if hub.move_module(module, direction, request=request):
        messages.success(request, f"{module.title} moved {direction}")
    return redirect(f"/manage/dashboards/{dash.slug}#modules")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def module_remove(request, slug, pk):
    """Confirm (GET), then remove (POST) one of the standard KPI modules."""
    dash = permissions.dashboard_or_404(request.user, slug, Action.EDIT_DASHBOARD)
    module = get_object_or_404(
        Module, pk=pk, dashboard=dash, parent__isnull=True, slug__in=list(STANDARD)
    )
    if request.method == "POST":
        hub.remove_module(module, request=request)
        messages.success(request, f"{module.title} removed")
        return redirect("manage:dashboard", slug=dash.slug)
    return _page(request, "manage/hub/module_remove.html", {"dashboard": dash, "module": module})


# ---------------------------------------------------------------------------------------
# Data sets


def expected_every(seconds: int | None) -> str:
    """How often new data is expected, in words ("At least every 14 days")."""
    if not seconds:
        return "No time is set: the data set is never out of date"
    if seconds % 86400 == 0 or seconds >= 3 * 86400:
        days = round(seconds / 86400)
        return f"At least every {days} day{'s' if days != 1 else ''}"
    if seconds >= 3600:
        hours = round(seconds / 3600)
        return f"At least every {hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, round(seconds / 60))
    return f"At least every {minutes} minute{'s' if minutes != 1 else ''}"


@never_cache
@login_required
@require_safe
def data_set(request, name):
    """A data set: its freshness, tokens and (for managers) who may upload to it."""
    ds = permissions.data_set_or_404(request.user, name)
    # A secret not yet shown (the person came straight here) is not kept any longer.
    request.session.pop(SECRET_KEY, None)
    can_grant = permissions.can(request.user, Action.GRANT_ACCESS, ds)
    return _page(
        request,
        "manage/hub/data_set.html",
        {
            "data_set": ds,
            "freshness": ds.freshness(),
            "expected": expected_every(ds.max_age_expected),
            "tokens": ds.tokens.order_by("-created_at", "-pk"),
            "can_tokens": permissions.can(request.user, Action.MANAGE_TOKENS, ds),
            "can_upload": permissions.can(request.user, Action.UPLOAD_DATA_SET, ds),
            "can_grant": can_grant,
            "collectors": _collector_rows(ds),
            "is_platform_admin": permissions.is_platform_admin(request.user),
            "access": (
                DataSetAccess.objects.filter(data_set=ds).select_related("user")
                if can_grant
                else []
            ),
        },
    )


#: How many of a collector's runs its data set's page lists.
RECENT_RUNS = 5


def _collector_rows(data_set):
    """The data set's collectors, each with its latest runs (newest first).

    Read through the reverse relations (``data_set.collectors``, ``collector.runs``),
    not the collectors app's models, which sit in the layer above.
    """
    return [
        {"collector": collector, "runs": list(collector.runs.all()[:RECENT_RUNS])}
        for collector in data_set.collectors.order_by("name")
    ]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_new(request, name):
    """Create a write token; its secret is shown once, on the next page."""
    ds = permissions.data_set_or_404(request.user, name, Action.MANAGE_TOKENS)
    form = hub_forms.TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        token, secret = hub.create_token(ds, form.cleaned_data["label"], request=request)
        request.session[SECRET_KEY] = {"id": token.pk, "secret": secret}
        return redirect("manage:token-created", name=ds.name, pk=token.pk)
    status = 400 if form.errors else 200
    return _page(request, "manage/hub/token_new.html", {"data_set": ds, "form": form}, status)


@never_cache
@login_required
@require_safe
def token_created(request, name, pk):
    """The new token's secret, once: it leaves the session as this page is shown, so a
    reload (or anyone after) sees only that it can no longer be shown."""
    ds = permissions.data_set_or_404(request.user, name, Action.MANAGE_TOKENS)
    token = get_object_or_404(WriteToken, pk=pk, data_set=ds)
    waiting = request.session.get(SECRET_KEY)
    secret = None
    if isinstance(waiting, dict) and waiting.get("id") == token.pk:
        secret = waiting.get("secret")
        del request.session[SECRET_KEY]
    response = _page(
        request, "manage/hub/token_created.html", {"data_set": ds, "token": token, "secret": secret}
    )
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, name, pk):
    """Confirm (GET), then revoke (POST) a write token."""
    ds = permissions.data_set_or_404(request.user, name, Action.MANAGE_TOKENS)
    token = get_object_or_404(WriteToken, pk=pk, data_set=ds)
    if request.method == "POST":
        if hub.revoke_token(token, request=request):
            messages.success(request, f"Token “{token.label}” revoked: it no longer works")
        return redirect("manage:data-set", name=ds.name)
    return _page(request, "manage/hub/token_revoke.html", {"data_set": ds, "token": token})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def access_grant(request, name):
    """Give someone uploader access to a data set (inviting them if they are new)."""
    ds = permissions.data_set_or_404(request.user, name, Action.GRANT_ACCESS)
    form = hub_forms.AccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            access = hub.grant_access(
                ds, form.cleaned_data["email"], name=form.cleaned_data["name"], request=request
            )
        except hub.InvitationNotSent:
            form.add_error(
                "email",
                "The invitation email could not be sent, so nothing was changed. Try again later.",
            )
        else:
            messages.success(request, f"{access.user.email} can now send data to {ds.name}")
            return redirect("manage:data-set", name=ds.name)
    status = 400 if form.errors else 200
    return _page(request, "manage/hub/access_grant.html", {"data_set": ds, "form": form}, status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def access_revoke(request, name, pk):
    """Confirm (GET), then take away (POST) an uploader's access to a data set."""
    ds = permissions.data_set_or_404(request.user, name, Action.GRANT_ACCESS)
    access = get_object_or_404(DataSetAccess.objects.select_related("user"), pk=pk, data_set=ds)
    if request.method == "POST":
        hub.revoke_access(access, request=request)
        messages.success(request, f"{access.user.email} can no longer send data to {ds.name}")
        return redirect("manage:data-set", name=ds.name)
    return _page(request, "manage/hub/access_revoke.html", {"data_set": ds, "access": access})
