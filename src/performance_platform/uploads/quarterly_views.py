"""The quarterly transactions collection's pages: the form and its explanation, the
template, an upload's errors or preview, confirming, making drafts, rolling back.

Only platform admins see them: anyone else gets 404, as on the other admin pages.
:mod:`.quarterly` does the work.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from performance_platform.dashboards import permissions

from . import limits, quarterly, tasks
from .forms import QuarterlyForm
from .models import Upload
from .processing import NotAllowed
from .views import attachment_header


def _admin_only(request) -> None:
    if not permissions.is_platform_admin(request.user):
        raise Http404("No such page")


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, template, {"nav": "uploads", **context}, status=status)


def _context(form) -> dict:
    return {
        "form": form,
        "columns": quarterly.COLUMNS,
        "channels": quarterly.CHANNELS,
        "max_size": limits.format_size(settings.UPLOAD_MAX_BYTES),
        "recent": Upload.objects.filter(kind=Upload.Kind.QUARTERLY).order_by("-created_at")[:10],
    }


@never_cache
@login_required
@csrf_exempt  # the size limit must be in place before the body is read: csrf_protect below
@require_http_methods(["GET", "POST"])
def index(request):
    """``/manage/uploads/quarterly``: what the collection is, its template and the form."""
    _admin_only(request)
    if request.method == "POST":
        limits.install(request)
    return _index(request)


@csrf_protect
def _index(request):
    too_big = limits.too_big(request) if request.method == "POST" else None
    posted = request.method == "POST"
    form = QuarterlyForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and too_big:
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", too_big)
    elif posted and form.is_valid():
        received = form.cleaned_data["file"]
        item = quarterly.receive(
            b"".join(received.chunks()),
            received.name,
            user=request.user,
            sheet=form.cleaned_data["sheet"],
        )
        quarterly.check(item)
        return redirect("uploads:quarterly-upload", pk=item.pk)
    return _page(request, "uploads/quarterly.html", _context(form), 400 if form.errors else 200)


def _upload(request, pk) -> Upload:
    _admin_only(request)
    return get_object_or_404(Upload, pk=pk, kind=Upload.Kind.QUARTERLY)


@never_cache
@login_required
@require_safe
def detail(request, pk):
    """``/manage/uploads/quarterly/<id>``: the errors, or the preview, or what was stored."""
    item = _upload(request, pk)
    preview = item.preview or {}
    return _page(
        request,
        "uploads/quarterly_detail.html",
        {
            "upload": item,
            "preview": preview,
            "more_errors": max(item.error_count - len(item.errors), 0),
            "more_matched": max(
                preview.get("matched_count", 0) - len(preview.get("matched", [])), 0
            ),
            "rollback_problem": quarterly.rollback_problem(item),
            "form": QuarterlyForm(),
        },
        422 if item.status == Upload.Status.INVALID else 200,
    )


def _act(request, pk, action, done: str):
    item = _upload(request, pk)
    try:
        action(item)
    except NotAllowed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done.format(file=item.filename))
    return redirect("uploads:quarterly-upload", pk=item.pk)


@never_cache
@login_required
@require_POST
def confirm(request, pk):
    """Store every matched service's records (one transaction; by the worker, when the
    file has many services)."""

    def store(item):
        if (item.preview or {}).get("matched_count", 0) <= quarterly.BACKGROUND_SERVICES:
            return quarterly.store(item, user=request.user, request=request)
        moved = Upload.objects.filter(pk=item.pk, status=Upload.Status.READY).update(
            status=Upload.Status.STORING, background=True
        )
        if not moved:
            raise NotAllowed("This upload has already been stored or cancelled.")
        tasks.store_quarterly.enqueue(item.pk, request.user.pk)

    return _act(request, pk, store, "{file} is being stored.")


@never_cache
@login_required
@require_POST
def drafts(request, pk):
    """Make draft dashboards for the services ticked in the preview, then check again."""
    chosen = [s[:200] for s in request.POST.getlist("service")[:5000]]
    return _act(
        request,
        pk,
        lambda item: quarterly.create_drafts(item, chosen, user=request.user, request=request),
        "Draft dashboards were made, and {file} was checked again.",
    )


@never_cache
@login_required
@require_POST
def cancel(request, pk):
    """Drop a checked upload without storing anything."""
    return _act(request, pk, quarterly.cancel, "{file} was not stored.")


@never_cache
@login_required
@require_POST
def rollback(request, pk):
    """Roll a stored quarterly upload back, in every service's data sets."""
    return _act(
        request,
        pk,
        lambda item: quarterly.rollback(item, user=request.user, request=request),
        "The upload of {file} was rolled back.",
    )


@never_cache
@login_required
@require_safe
def template(request, extension):
    """The collection's template: every service, for the last complete quarter."""
    _admin_only(request)
    today = timezone.now().date()
    name = (
        f"quarterly-transactions-{quarterly.quarter_label(quarterly.last_complete_quarter(today))}"
    )
    if extension == "csv":
        body, kind = quarterly.template_csv(today), "text/csv; charset=utf-8"
    elif extension == "xlsx":
        body = quarterly.template_xlsx(today)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404("No such template")
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = attachment_header(f"{name}.{extension}")
    return response
