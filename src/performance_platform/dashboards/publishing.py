"""A dashboard's way to the public: every status move, and its preview links, in one place.

The moves (``docs/operations.md#publishing``)::

    draft ──make_unlisted──▶ unlisted ──send_for_review──▶ in_review ──approve──▶ published
                               ▲  ▲                            │                    │
                               │  └──return_for_changes────────┤                    │
                               │  └──withdraw──────────────────┘                    │
                               └──────────────────────unpublish─────────────────────┘

Each move is one transaction holding the status change and its audit row
(``dashboard.status``, with ``from``, ``to`` and any comments); the emails to the people it
concerns go after the commit, so a move that is rolled back tells no one. A move that the
dashboard's status does not allow raises :class:`IllegalMove` and a move the person may not
make raises ``PermissionDenied``: either way nothing changes and nothing is recorded.

Preview links carry a random 256-bit token (``secrets.token_urlsafe(32)``). Only its SHA-256
is stored, so the link is shown once, to the person who made it; a lost link is replaced by
a new one. A link is found by the hash of the token presented: the lookup compares hashes,
so how long it takes says nothing about the token.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from performance_platform.accounts import audit, mail
from performance_platform.accounts.models import Membership, platform_admin_emails

# Preview tokens are hashed as write tokens are (a long random secret: SHA-256 suffices).
from performance_platform.datastore.models import hash_token

from . import permissions
from .models import Dashboard, PreviewLink
from .permissions import Action

Status = Dashboard.Status
Role = Membership.Role

#: The longest a preview link may last, in days (a link may also never expire).
MAX_PREVIEW_DAYS = 365
#: The longest a signer-off's comments may be (the field's own limit).
MAX_COMMENTS = 2000
#: Preview tokens are 32 random bytes, 43 characters of URL-safe base64.
TOKEN_BYTES = 32


class IllegalMove(ValueError):
    """A status move that the dashboard's current status does not allow."""


@dataclass(frozen=True)
class Move:
    """One status move: its name, the states it starts from, where it goes, who may make it."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    action: Action


MOVES: dict[str, Move] = {
    m.name: m
    for m in [
        Move(
            "make_unlisted",
            "Make a preview",
            (Status.DRAFT,),
            Status.UNLISTED,
            Action.PREVIEW_DASHBOARD,
        ),
        Move(
            "send_for_review",
            "Send for review",
            (Status.UNLISTED,),
            Status.IN_REVIEW,
            Action.SUBMIT_DASHBOARD,
        ),
        Move("withdraw", "Withdraw from review", (Status.IN_REVIEW,), Status.UNLISTED,
             Action.WITHDRAW_DASHBOARD),
        Move("approve", "Approve and publish", (Status.IN_REVIEW,), Status.PUBLISHED,
             Action.SIGN_OFF_DASHBOARD),
        Move(
            "return_for_changes",
            "Return for changes",
            (Status.IN_REVIEW,),
            Status.UNLISTED,
            Action.SIGN_OFF_DASHBOARD,
        ),
        Move("unpublish", "Unpublish", (Status.PUBLISHED,), Status.UNLISTED,
             Action.PUBLISH_DASHBOARD),
    ]
}  # fmt: skip


def allowed_moves(user, dashboard: Dashboard) -> list[Move]:
    """The moves ``user`` may make to ``dashboard`` now (for the buttons on its panel)."""
    return [
        move
        for move in MOVES.values()
        if dashboard.status in move.sources and permissions.can(user, move.action, dashboard)
    ]


def _check(move: Move, user, dashboard: Dashboard) -> None:
    """Refuse ``move``: first by the dashboard's status, then by the person's role."""
    if dashboard.status not in move.sources:
        raise IllegalMove(
            f"A dashboard that is {dashboard.get_status_display().lower()} cannot be moved by "
            f"“{move.label.lower()}”: that needs one that is "
            + " or ".join(Status(s).label.lower() for s in move.sources)
            + "."
        )
    if not permissions.can(user, move.action, dashboard):
        raise PermissionDenied(f"You cannot {move.label.lower()} this dashboard.")


def clean_comments(text: str) -> str:
    """A signer-off's comments, checked: raises ``ValidationError`` for text too long or
    holding control characters (other than line breaks and tabs). HTML is kept as text: the
    pages escape it."""
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_COMMENTS:
        raise ValidationError(f"Comments must be {MAX_COMMENTS} characters or fewer.")
    if any((ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0 for c in text):
        raise ValidationError("Comments cannot contain control characters.")
    return text


# --- who is told ---------------------------------------------------------------------------


def _emails(memberships) -> set[str]:
    return set(
        memberships.filter(user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def service_managers(dashboard: Dashboard) -> set[str]:
    """Email addresses of the service managers of the dashboard's organisation."""
    if dashboard.organisation_id is None:
        return set()
    return _emails(
        Membership.objects.filter(
            organisation_id=dashboard.organisation_id, role=Role.SERVICE_MANAGER
        )
    )


def signers_off(dashboard: Dashboard) -> set[str]:
    """Email addresses of the signers-off of the dashboard's organisation."""
    if dashboard.organisation_id is None:
        return set()
    return _emails(
        Membership.objects.filter(organisation_id=dashboard.organisation_id, role=Role.SIGNER_OFF)
    )


def platform_admins(dashboard: Dashboard | None = None) -> set[str]:
    """Email addresses of the platform admins, whatever the dashboard."""
    return platform_admin_emails()


#: Who hears of each move. Going into review tells the signers-off (who act on it) and the
#: admins (the original emailed the performance team); publishing and unpublishing are
#: news for the admins as well; everything is news for the service managers.
RECIPIENTS = {
    "make_unlisted": (service_managers,),
    "send_for_review": (service_managers, signers_off, platform_admins),
    "withdraw": (service_managers, signers_off),
    "approve": (service_managers, signers_off, platform_admins),
    "return_for_changes": (service_managers, signers_off),
    "unpublish": (service_managers, signers_off, platform_admins),
}


def _tell(move: Move, dashboard: Dashboard, actor, comments: str) -> None:
    """Email everyone ``move`` concerns, once the transaction has committed."""
    to = set().union(*(group(dashboard) for group in RECIPIENTS[move.name]))
    context = {
        "dashboard": dashboard,
        "move": move,
        "actor": actor,
        "actor_name": (actor.get_full_name() if hasattr(actor, "get_full_name") else "")
        or getattr(actor, "email", "")
        or "The platform",
        "actor_email": getattr(actor, "email", ""),
        "comments": comments,
        "status": Status(move.target).label,
        "panel_url": mail.absolute_url(
            reverse("manage:dashboard", kwargs={"slug": dashboard.slug})
        ),
        "public_url": mail.absolute_url(f"/performance/{dashboard.slug}"),
    }
    subject = f"{dashboard.title}: {SUBJECTS[move.name]}"
    transaction.on_commit(
        lambda: mail.send(to, subject, f"dashboards/email/{move.name}.txt", context)
    )


SUBJECTS = {
    "make_unlisted": "a preview is ready",
    "send_for_review": "sent for review",
    "withdraw": "withdrawn from review",
    "approve": "approved and published",
    "return_for_changes": "returned for changes",
    "unpublish": "unpublished",
}


# --- the moves -----------------------------------------------------------------------------


def _move(name: str, user, dashboard: Dashboard, *, comments: str = "", request=None, apply=None):
    """Make move ``name``: check it, then change the status, run ``apply`` (extra changes,
    inside the transaction; returns extra audit detail) and record it, all at once."""
    move = MOVES[name]
    with transaction.atomic():
        # Read the row again, locked: two people pressing at once make one move, not two.
        locked = Dashboard.objects.select_for_update().get(pk=dashboard.pk)
        _check(move, user, locked)
        before = locked.status
        locked.status = move.target
        extra = apply(locked) if apply else {}
        locked.save()
        detail = {"from": before, "to": move.target, "move": name}
        if comments:
            detail["comments"] = comments
        detail.update(extra or {})
        audit.record(
            "dashboard.status",
            actor=user,
            target=locked,
            organisation_id=locked.organisation_id,
            detail=detail,
            request=request,
        )
        _tell(move, locked, user, comments)
    # The caller's object follows the row.
    for field in ("status", "published_at", "unpublished_at", "review_comments", "updated_at"):
        setattr(dashboard, field, getattr(locked, field))
    return dashboard


def make_unlisted(user, dashboard: Dashboard, *, days: int | None = None, request=None):
    """Draft → unlisted, with a first preview link. Returns ``(link, token)``: the token is
    in no other place, so show it now."""
    issued = {}

    def apply(locked):
        issued["link"], issued["token"] = _new_link(locked, user, days, request)
        return {"preview_link": issued["link"].pk}

    _move("make_unlisted", user, dashboard, request=request, apply=apply)
    return issued["link"], issued["token"]


def send_for_review(user, dashboard: Dashboard, *, request=None) -> Dashboard:
    """Unlisted → in review: editing stops and the signers-off are asked to look."""
    return _move("send_for_review", user, dashboard, request=request)


def withdraw(user, dashboard: Dashboard, *, request=None) -> Dashboard:
    """In review → unlisted, by the service manager (to change something before sign-off)."""
    return _move("withdraw", user, dashboard, request=request)


def approve(user, dashboard: Dashboard, *, request=None) -> Dashboard:
    """In review → published: listed at once; the last review's comments are cleared."""

    def apply(locked):
        locked.published_at = timezone.now()
        locked.review_comments = ""
        return {}

    return _move("approve", user, dashboard, request=request, apply=apply)


def return_for_changes(user, dashboard: Dashboard, comments: str, *, request=None) -> Dashboard:
    """In review → unlisted, with the signer-off's comments (required) shown on the panel."""
    comments = clean_comments(comments)
    if not comments:
        raise ValidationError("Say what needs to change.")

    def apply(locked):
        locked.review_comments = comments
        return {}

    return _move(
        "return_for_changes", user, dashboard, comments=comments, request=request, apply=apply
    )


def unpublish(user, dashboard: Dashboard, *, request=None) -> Dashboard:
    """Published → unlisted: its public URL answers 410 Gone from now on.

    The preview links still live are revoked too: they were made for an earlier version,
    and would otherwise start working again unnoticed. A new one can be made on the panel.
    """

    def apply(locked):
        now = timezone.now()
        locked.unpublished_at = now
        revoked = PreviewLink.objects.live(now).filter(dashboard=locked)
        ids = list(revoked.values_list("pk", flat=True))
        revoked.update(revoked_at=now, revoked_by=user)
        return {"revoked_preview_links": ids} if ids else {}

    return _move("unpublish", user, dashboard, request=request, apply=apply)


# --- preview links -------------------------------------------------------------------------


def _new_link(dashboard: Dashboard, user, days: int | None, request=None):
    if days is not None and not 1 <= days <= MAX_PREVIEW_DAYS:
        raise ValidationError(f"A link can last from 1 to {MAX_PREVIEW_DAYS} days.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    link = PreviewLink.objects.create(
        dashboard=dashboard,
        token_hash=hash_token(token),
        created_by=user if getattr(user, "pk", None) else None,
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    audit.record(
        "preview_link.create",
        actor=user,
        target=dashboard,
        organisation_id=dashboard.organisation_id,
        detail={
            "preview_link": link.pk,
            "expires_at": link.expires_at.isoformat() if link.expires_at else None,
        },
        request=request,
    )
    return link, token


#: States in which a preview link can be made (one made in draft would not open anything).
LINK_STATES = (Status.UNLISTED, Status.IN_REVIEW)


def create_link(user, dashboard: Dashboard, *, days: int | None = None, request=None):
    """A new preview link for an unlisted or in-review dashboard. Returns ``(link, token)``."""
    with transaction.atomic():
        locked = Dashboard.objects.select_for_update().get(pk=dashboard.pk)
        if locked.status not in LINK_STATES:
            raise IllegalMove(
                "Preview links can only be made for a dashboard that is unlisted or in review."
            )
        permissions.require(user, Action.PREVIEW_DASHBOARD, locked)
        return _new_link(locked, user, days, request)


def may_revoke(user, link: PreviewLink) -> bool:
    """Whether ``user`` may revoke ``link``: a platform admin any, else whoever may make
    the dashboard's links."""
    return permissions.can(user, Action.MANAGE_ALL_PREVIEW_LINKS) or permissions.can(
        user, Action.PREVIEW_DASHBOARD, link.dashboard
    )


def revoke_link(user, link: PreviewLink, *, request=None) -> PreviewLink:
    """Revoke ``link`` at once (revoking one already revoked or expired changes nothing)."""
    if not may_revoke(user, link):
        raise PermissionDenied("You cannot revoke this preview link.")
    with transaction.atomic():
        now = timezone.now()
        changed = (
            PreviewLink.objects.live(now).filter(pk=link.pk).update(revoked_at=now, revoked_by=user)
        )
        if changed:
            audit.record(
                "preview_link.revoke",
                actor=user,
                target=link.dashboard,
                organisation_id=link.dashboard.organisation_id,
                detail={"preview_link": link.pk},
                request=request,
            )
    link.refresh_from_db()
    return link


def live_links(dashboard: Dashboard | None = None):
    """Live preview links (of one dashboard, or all), newest first, with who made them."""
    links = PreviewLink.objects.live().select_related("dashboard", "created_by")
    if dashboard is not None:
        links = links.filter(dashboard=dashboard)
    return links


def find_preview(token: str, slug: str) -> Dashboard | None:
    """The dashboard a live preview token opens, or None: a guessed, revoked or expired
    token and a slug that does not match are all simply not found.

    Found by the token's hash (a unique index): the database compares hashes, so a near
    guess is no nearer than any other.
    """
    if not token or len(token) > 100:
        return None
    link = (
        PreviewLink.objects.live()
        .filter(Q(token_hash=hash_token(token)), dashboard__slug=slug)
        .select_related("dashboard__organisation__parent__parent", "dashboard__kpi_group")
        .first()
    )
    return link.dashboard if link is not None else None
