"""The pages of this app: a person's email choices (``/manage/emails``), the signed
one-click unsubscribe links (``/manage/emails/stop/<token>``, no sign-in needed) and the
platform admin's problems page (``/manage/problems``)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from performance_platform.dashboards import permissions

from . import preferences, problems
from .models import Kind

#: What each kind of email is, as the choices and the confirm page say it.
DESCRIPTIONS = {
    Kind.STALE: "Emails when data you look after is out of date, and when it is up to date again",
    Kind.SUMMARY: "A weekly summary of your dashboards' figures, on Monday mornings",
    Kind.COLLECTOR: "Emails when a collector of data you look after stops and needs new "
    "credentials",
}


class EmailChoicesForm(forms.Form):
    """Which kinds of email the person wants (ticked: they get it)."""

    wanted = forms.MultipleChoiceField(
        label="Which emails do you want?",
        help_text="Untick an email to stop it. You can turn it on again here at any time.",
        required=False,
        choices=[(kind.value, DESCRIPTIONS[kind]) for kind in Kind],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose emails from the list"},
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_choices(request):
    """The signed-in person's email choices, one checkbox per kind."""
    user = request.user
    if request.method == "POST":
        form = EmailChoicesForm(request.POST)
        if form.is_valid():
            wanted = set(form.cleaned_data["wanted"])
            for kind in Kind:
                preferences.choose(user, kind, kind.value in wanted)
            messages.success(request, "Your email choices are saved")
            return redirect("alerts:preferences")
        status = 400
    else:
        form = EmailChoicesForm(
            initial={"wanted": [k.value for k in Kind if preferences.wants(user, k)]}
        )
        status = 200
    return render(request, "alerts/emails.html", {"form": form, "nav": "emails"}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """A one-click link from an email: GET asks to confirm, POST turns that kind off.

    A link that fails its signature check (changed, or cut short by a mail program) gets
    a 400 page that says so and how else to stop the emails, never an error.
    """
    try:
        user, kind = preferences.read_token(token)
    except preferences.BadLink:
        return render(request, "alerts/bad_link.html", status=400)
    context = {"kind": kind, "description": DESCRIPTIONS[kind], "email": user.email}
    if request.method == "POST":
        preferences.choose(user, kind, False)
        return render(request, "alerts/unsubscribed.html", context)
    context["already"] = not preferences.wants(user, kind)
    return render(request, "alerts/unsubscribe.html", context)


@never_cache
@login_required
@require_safe
def problems_page(request):
    """Everything failing now: platform admins only (anyone else gets a missing page's 404)."""
    if not permissions.is_platform_admin(request.user):
        raise Http404("No such page")
    now = timezone.now()
    context = {
        "nav": "problems",
        "stale": problems.stale_rows(now),
        "collectors": problems.collector_rows(now),
        "tasks": problems.task_rows(now),
    }
    return render(request, "alerts/problems.html", context)
