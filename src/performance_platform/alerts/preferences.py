"""Who wants which kind of email, and the signed one-click unsubscribe links.

A link carries the person's id and the kind of email, signed with ``SECRET_KEY``
(``django.core.signing``, with a salt of its own), so it needs no sign-in and cannot be
changed to unsubscribe somebody else: a changed link fails its signature check.
"""

from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

from performance_platform.accounts.mail import absolute_url

from .models import EmailOptOut, Kind

SALT = "performance_platform.alerts.unsubscribe"


class BadLink(Exception):
    """An unsubscribe link that is not one of ours (changed, cut short or for nobody)."""


def wants(user, kind: str) -> bool:
    """Whether ``user`` gets emails of ``kind`` (everyone does until they turn it off)."""
    return not EmailOptOut.objects.filter(user=user, kind=kind).exists()


def turned_off(users, kind: str) -> set[int]:
    """Ids of those of ``users`` who turned ``kind`` off (one query for many people)."""
    ids = [user.pk for user in users]
    return set(
        EmailOptOut.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", flat=True)
    )


def choose(user, kind: str, wanted: bool) -> bool:
    """Turn ``kind`` on or off for ``user``. Returns whether that changed anything."""
    if wanted:
        return EmailOptOut.objects.filter(user=user, kind=kind).delete()[0] > 0
    return EmailOptOut.objects.get_or_create(user=user, kind=kind)[1]


def unsubscribe_token(user, kind: str) -> str:
    """The signed token of ``user``'s link to stop ``kind`` emails."""
    return signing.dumps({"u": user.pk, "k": str(kind)}, salt=SALT, compress=True)


def unsubscribe_url(user, kind: str) -> str:
    """The full address of ``user``'s one-click link to stop ``kind`` emails."""
    return absolute_url(reverse("alerts:unsubscribe", args=[unsubscribe_token(user, kind)]))


def read_token(token: str):
    """The person and kind a link's token names, or :class:`BadLink`."""
    if not isinstance(token, str) or len(token) > 500:
        raise BadLink("too long")
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise BadLink(str(exc))
    if not isinstance(payload, dict) or payload.get("k") not in Kind.values:
        raise BadLink("not an unsubscribe link")
    user_id = payload.get("u")
    user = get_user_model().objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    if user is None:
        raise BadLink("no such person")
    return user, Kind(payload["k"])
