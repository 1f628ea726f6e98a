"""The upload pages: your data sets, the upload form, an upload's check and preview,
confirming, cancelling, the history, downloading a file again, rolling back, templates.

Views only translate HTTP: :mod:`.processing` does the work. Every page checks the
person's permission on the data set (404 if they may not see it, 403 if they may see it
but not upload), and an upload is reached only through its data set.
"""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from performance_platform.dashboards import permissions
from performance_platform.dashboards.models import Dashboard
from performance_platform.dashboards.permissions import Action
from performance_platform.datastore.models import DataSet
from performance_platform.kpis.models import Transform

from . import limits, processing, spreadsheet_templates, tasks
from .forms import UploadForm
from .models import Upload


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, template, {"nav": "uploads", **context}, status=status)


def uploadable(user):
    """The data sets ``user`` may upload to: raw data, not the KPIs derived from it."""
    derived = Transform.objects.values("output_type_id")
    data_sets = (
        permissions.data_sets_for(user)
        .exclude(data_type_id__in=derived)
        .select_related("data_group", "data_type")
        .order_by("data_group__name", "data_type__name")
    )
    return [ds for ds in data_sets if permissions.can(user, Action.UPLOAD_DATA_SET, ds)]


@never_cache
@login_required
@require_safe
def index(request):
    """``/manage/uploads``: the data sets the person may upload to, by group."""
    groups: dict[str, list] = {}
    for ds in uploadable(request.user):
        groups.setdefault(ds.data_group.name, []).append(
            {
                "data_set": ds,
                "freshness": ds.freshness(),
                "template": spreadsheet_templates.has_template(ds),
            }
        )
    recent = (
        Upload.objects.filter(uploaded_by=request.user)
        .select_related("data_set")
        .order_by("-created_at", "-pk")[:5]
    )
    return _page(
        request,
        "uploads/index.html",
        {
            "groups": groups,
            "recent": recent,
            "quarterly": permissions.is_platform_admin(request.user),
        },
    )


def _data_set(request, name, action=Action.UPLOAD_DATA_SET) -> DataSet:
    return permissions.data_set_or_404(request.user, name, action)


@never_cache
@login_required
@csrf_exempt  # the size limit must be in place before the body is read: csrf_protect below
@require_http_methods(["GET", "POST"])
def upload(request, name):
    """``/manage/data-sets/<name>/upload``: choose a file; it is checked at once (or by
    the worker, when it is large) and the person goes on to its preview."""
    if request.method == "POST":
        limits.install(request)
    return _upload(request, name)


@csrf_protect
def _upload(request, name):
    ds = _data_set(request, name)
    too_big = limits.too_big(request) if request.method == "POST" else None
    form = UploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and too_big:
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", too_big)
    elif request.method == "POST" and form.is_valid():
        received = form.cleaned_data["file"]
        content = b"".join(received.chunks())
        item = processing.receive(
            ds,
            content,
            received.name,
            user=request.user,
            mode=form.cleaned_data["mode"],
            sheet=form.cleaned_data["sheet"],
        )
        if len(content) > settings.UPLOAD_BACKGROUND_BYTES:
            item.background = True
            item.save(update_fields=["background"])
            tasks.check_upload.enqueue(item.pk)
        else:
            processing.check(item)
        return redirect("uploads:upload", pk=item.pk)
    status = 400 if form.errors else 200
    return _page(
        request,
        "uploads/upload.html",
        {
            "data_set": ds,
            "form": form,
            "template": spreadsheet_templates.has_template(ds),
            "max_size": limits.format_size(settings.UPLOAD_MAX_BYTES),
            "max_rows": settings.UPLOAD_MAX_ROWS,
        },
        status,
    )


def _upload_or_404(request, pk: int, action=Action.UPLOAD_DATA_SET) -> Upload:
    """An upload the person may see: one to a data set they may upload to (or, for the
    quarterly collection, any, for a platform admin)."""
    item = get_object_or_404(Upload.objects.select_related("data_set", "uploaded_by"), pk=pk)
    if item.kind == Upload.Kind.QUARTERLY:
        if not permissions.is_platform_admin(request.user):
            raise Http404("No such upload")
        return item
    if item.data_set is None:
        if not permissions.is_platform_admin(request.user):
            raise Http404("No such upload")
        return item
    _data_set(request, item.data_set.name, Action.VIEW_DATA_SET)
    permissions.require(request.user, action, item.data_set)
    return item


@never_cache
@login_required
@require_safe
def detail(request, pk):
    """``/manage/uploads/<id>``: the check's errors, its progress, or its preview."""
    item = _upload_or_404(request, pk)
    if item.kind == Upload.Kind.QUARTERLY:
        return redirect("uploads:quarterly-upload", pk=item.pk)
    status = 422 if item.status == Upload.Status.INVALID else 200
    return _page(
        request,
        "uploads/detail.html",
        {
            "upload": item,
            "data_set": item.data_set,
            "rollback_problem": processing.rollback_problem(item),
            "more_errors": max(item.error_count - len(item.errors), 0),
            "dashboards": _dashboards_of(item.data_set),
            "identity": _identity(item.data_set),
            "form": UploadForm(initial={"mode": item.mode, "sheet": item.sheet}),
            "max_size": limits.format_size(settings.UPLOAD_MAX_BYTES),
            "max_rows": settings.UPLOAD_MAX_ROWS,
        },
        status,
    )


def _identity(data_set) -> str:
    """The fields that make a record's id, in words: "_timestamp, channel and period"."""
    fields = list((data_set.auto_ids if data_set is not None else None) or [])
    if len(fields) < 2:
        return fields[0] if fields else ""
    return ", ".join(fields[:-1]) + " and " + fields[-1]


def _dashboards_of(data_set):
    """The dashboards that show the data set (through their KPIs or a module)."""
    if data_set is None:
        return []
    reads = Q(kpi_group_id=data_set.data_group_id) | Q(
        modules__data_group_id=data_set.data_group_id
    )
    return list(Dashboard.objects.filter(reads).distinct().order_by("title")[:5])


@never_cache
@login_required
@require_safe
def progress(request, pk):
    """A small JSON answer for the page's script: how far a background check has got."""
    item = _upload_or_404(request, pk)
    return JsonResponse(
        {
            "status": item.status,
            "finished": item.finished,
            "done": item.progress_done,
            "total": item.progress_total,
        },
        headers={"Cache-Control": "no-store"},
    )


@never_cache
@login_required
@require_POST
def confirm(request, pk):
    """Store a previewed upload (by the worker, when it is large)."""
    item = _upload_or_404(request, pk)
    try:
        if item.background:
            moved = Upload.objects.filter(pk=item.pk, status=Upload.Status.READY).update(
                status=Upload.Status.STORING
            )
            if not moved:
                raise processing.NotAllowed("This upload has already been stored or cancelled.")
            tasks.store_upload.enqueue(item.pk, request.user.pk)
        else:
            item = processing.store(item, request=request)
    except processing.NotAllowed as exc:
        messages.error(request, exc.message)
    return redirect("uploads:upload", pk=item.pk)


@never_cache
@login_required
@require_POST
def cancel(request, pk):
    """Drop a previewed upload without storing anything."""
    item = _upload_or_404(request, pk)
    try:
        processing.cancel(item)
        messages.success(request, f"{item.filename} was not stored.")
    except processing.NotAllowed as exc:
        messages.error(request, exc.message)
        return redirect("uploads:upload", pk=item.pk)
    if item.data_set is not None:
        return redirect("uploads:history", name=item.data_set.name)
    return redirect("uploads:index")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def rollback(request, pk):
    """Ask, then roll an upload back: its records go, those it replaced come back."""
    item = _upload_or_404(request, pk)
    if item.kind == Upload.Kind.QUARTERLY:  # rolled back on its own page, in every data set
        return redirect("uploads:quarterly-upload", pk=item.pk)
    problem = processing.rollback_problem(item)
    if request.method == "POST" and not problem:
        try:
            processing.rollback(item, request=request)
        except processing.NotAllowed as exc:
            problem = exc.message
        else:
            messages.success(request, f"The upload of {item.filename} was rolled back.")
            return redirect("uploads:history", name=item.data_set.name)
    return _page(
        request,
        "uploads/rollback.html",
        {"upload": item, "data_set": item.data_set, "problem": problem},
        409 if problem and request.method == "POST" else 200,
    )


@never_cache
@login_required
@require_safe
def download(request, pk):
    """The file as it was uploaded, as an attachment (never shown in the browser)."""
    item = _upload_or_404(request, pk)
    response = HttpResponse(processing.content_of(item), content_type="application/octet-stream")
    response["Content-Disposition"] = attachment_header(item.filename)
    return response


def attachment_header(filename: str) -> str:
    """A Content-Disposition for a download called ``filename``, safe for any name."""
    ascii_name = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in filename
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@never_cache
@login_required
@require_safe
def history(request, name):
    """``/manage/data-sets/<name>/uploads``: every upload to the data set, newest first."""
    ds = _data_set(request, name)
    uploads = Upload.objects.filter(data_set=ds).select_related("uploaded_by")[:200]
    latest = Upload.objects.filter(data_set=ds, status=Upload.Status.STORED).first()
    # Offered only when it can be done (nothing has written to the data set since).
    can_roll_back = latest if latest and processing.rollback_problem(latest) is None else None
    return _page(
        request,
        "uploads/history.html",
        {
            "data_set": ds,
            "uploads": uploads,
            "can_roll_back": can_roll_back,
            "template": spreadsheet_templates.has_template(ds),
        },
    )


@never_cache
@login_required
@require_safe
def template(request, name, extension):
    """The data set's spreadsheet template, pre-filled with the periods that are due."""
    ds = _data_set(request, name)
    made = spreadsheet_templates.template_for(ds, today=timezone.now().date())
    if made is None or extension not in ("csv", "xlsx"):
        raise Http404("This data set has no such template")
    if extension == "csv":
        body, kind = spreadsheet_templates.as_csv(made), "text/csv; charset=utf-8"
    else:
        body = spreadsheet_templates.as_xlsx(made)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = attachment_header(f"{made.filename}.{extension}")
    return response
