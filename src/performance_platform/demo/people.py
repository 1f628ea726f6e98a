"""The demo's people: one account per role, so a newcomer can try every role at once.

These accounts exist only where ``load-demo`` runs (the demo database that ``make run``
makes); nothing else creates them. They share one password, :data:`DEMO_PASSWORD`, which
``make run`` prints beside the addresses. The demo's unlisted dashboard also gets a fresh
preview link on every load (the token is random and only its hash is kept, so the link is
written to :func:`banner_path` for ``serve`` to print).
"""

from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from performance_platform.accounts.models import DataSetAccess, Membership, User
from performance_platform.alerts.models import Alert
from performance_platform.dashboards import publishing
from performance_platform.dashboards.models import Dashboard, Organisation, PreviewLink
from performance_platform.datastore.models import DataSet

#: The demo accounts' password: printed by `make run`; never used outside the demo.
DEMO_PASSWORD = "try-the-performance-platform"
#: The department the demo manager, signer-off and uploader work in, and its agency.
DEPARTMENT = "department-for-transport"
AGENCY = "driver-and-vehicle-licensing-agency"
#: The demo's unlisted dashboard (shared by its preview link).
PREVIEW_DASHBOARD = "check-mot-history"
#: The data sets the demo uploader is given.
UPLOADER_DATA_SETS = (
    "vehicle_tax_transactions_by_channel",
    "vehicle_tax_customer_satisfaction",
    "vehicle_tax_journey",
)
#: The demo's stale data set (its service stopped sending weeks ago) that the uploader
#: also sends: so the worker's first stale-data check in `make run` has someone to tell,
#: and its email shows in the console (or EMAIL_FILE_PATH with EMAIL_PROVIDER=file).
STALE_DATA_SET = "basic_dbs_check_transactions_by_channel"

Role = Membership.Role

#: email, name, [(role, organisation slug or None)], is staff (Django admin)
PEOPLE = [
    ("admin@demo.example", "Ada Admin", [(Role.PLATFORM_ADMIN, None)], True),
    (
        "manager@demo.example",
        "Sam Manager",
        [(Role.SERVICE_MANAGER, DEPARTMENT), (Role.SERVICE_MANAGER, AGENCY)],
        False,
    ),
    (
        "signer@demo.example",
        "Sol Signer",
        [(Role.SIGNER_OFF, DEPARTMENT), (Role.SIGNER_OFF, AGENCY)],
        False,
    ),
    ("uploader@demo.example", "Uma Uploader", [(Role.DATA_UPLOADER, AGENCY)], False),
]


def banner_path() -> Path:
    """Where ``load-demo`` writes the sign-in lines ``serve --banner`` prints."""
    return settings.VAR_DIR / "demo-banner.txt"


def load_people() -> dict[str, str]:
    """Create (or reset) the demo accounts and their roles, and a fresh preview link.

    Returns the lines to print: ``{"preview": path, "<role>": email, ...}``.
    """
    orgs = {org.slug: org for org in Organisation.objects.filter(slug__in=[DEPARTMENT, AGENCY])}
    shown: dict[str, str] = {}
    for email, name, roles, staff in PEOPLE:
        user = User.objects.filter(email__iexact=email).first() or User(email=email)
        user.name = name
        user.is_staff = staff
        user.is_superuser = staff
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        Membership.objects.filter(user=user).delete()
        for role, org_slug in roles:
            Membership.objects.create(
                user=user, role=role, organisation=orgs[org_slug] if org_slug else None
            )
        shown[str(roles[0][0].label)] = email
    uploader = User.objects.get(email__iexact="uploader@demo.example")
    for data_set in DataSet.objects.filter(name__in=UPLOADER_DATA_SETS + (STALE_DATA_SET,)):
        DataSetAccess.objects.get_or_create(user=uploader, data_set=data_set)
    # Forget the alerts an earlier run of the demo sent, so this run's worker sends the
    # stale data set's alert again (its reminders would wait a day otherwise).
    Alert.objects.filter(data_set__name=STALE_DATA_SET).delete()
    shown["preview"] = _fresh_preview_link()
    return shown


def _fresh_preview_link() -> str:
    """Revoke the demo dashboard's old preview links and make one, as its manager would;
    returns the link's path."""
    dashboard = Dashboard.objects.get(slug=PREVIEW_DASHBOARD)
    manager = User.objects.get(email__iexact="manager@demo.example")
    PreviewLink.objects.filter(dashboard=dashboard, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    _link, token = publishing.create_link(manager, dashboard)
    return reverse("site:preview", kwargs={"token": token, "slug": dashboard.slug})


def write_banner(shown: dict[str, str]) -> None:
    """Write the lines ``serve --banner`` prints: where to sign in, as whom, and the preview."""
    lines = ["Sign in to try each role (password: " + DEMO_PASSWORD + "):"]
    lines.append("  Sign in          {base}/manage/sign-in")
    for role, email in shown.items():
        if role != "preview":
            lines.append(f"  {role:<16} {email}")
    lines.append("Preview of an unlisted dashboard (a secret link):")
    lines.append("  {base}" + shown["preview"])
    banner_path().write_text("\n".join(lines) + "\n")
