"""The audit trail: :func:`record` writes one :class:`~.models.AuditEvent`.

Call it inside the transaction of the change it describes, so a change that is rolled back
leaves no audit row behind, and a change that lands always has one.
"""

from typing import Any

from django.db import models

from .clients import client_ip
from .models import AuditEvent, User

#: The actions recorded, by name, with the words the audit page shows for them. Apps add
#: theirs here (one list, so the audit page's filter offers every action).
ACTIONS: dict[str, str] = {
    "sign_in": "Signed in",
    "sign_in.failed": "Failed to sign in",
    "sign_in.locked": "Locked out",
    "sign_out": "Signed out",
    "password.reset": "Reset their password",
    "password.set": "Set their password",
    "user.invite": "Invited a user",
    "membership.add": "Gave a role",
    "membership.remove": "Took a role away",
    "access.grant": "Gave access to a data set",
    "access.revoke": "Took access to a data set away",
    "config.import": "Imported a configuration file",
    "token.create": "Created a write token",
    "token.revoke": "Revoked a write token",
    "data_set.create": "Created a data set",
    "data_set.change": "Changed a data set",
    "data_set.delete": "Deleted a data set",
    "collector.create": "Created a collector",
    "collector.change": "Changed a collector",
    "collector.delete": "Deleted a collector",
    "collector.run": "Queued a collector run",
    "collector.reset": "Marked a collector as working again",
    "dashboard.create": "Created a dashboard",
    "dashboard.change": "Changed a dashboard",
    "dashboard.delete": "Deleted a dashboard",
    "dashboard.status": "Moved a dashboard to a new status",
    "module.add": "Added a module",
    "module.change": "Changed a module",
    "module.remove": "Removed a module",
    "annotation.add": "Added an annotation",
    "annotation.remove": "Removed an annotation",
    "preview_link.create": "Made a preview link",
    "preview_link.revoke": "Revoked a preview link",
    "request.create": "Requested a dashboard",
    "request.approve": "Approved a dashboard request",
    "request.decline": "Declined a dashboard request",
    "upload": "Uploaded a spreadsheet",
    "upload.rollback": "Rolled back an upload",
    "upload.quarterly": "Uploaded the quarterly transactions collection",
}


def record(
    action: str,
    *,
    actor: User | None = None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: Any = "",
    target_repr: str = "",
    organisation_id: int | None = None,
    detail: dict | None = None,
    request=None,
) -> AuditEvent:
    """Record that ``actor`` (None: the platform itself) did ``action`` to ``target``.

    ``target`` may be a model instance (its type, id and name are copied) or described by
    ``target_type``, ``target_id`` and ``target_repr``. With ``request``, the actor defaults
    to the signed-in user and the client's address is kept.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}: add it to accounts.audit.ACTIONS")
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_id = target_id or target.pk
        target_repr = target_repr or str(target)
    return AuditEvent.objects.create(
        actor=actor,
        actor_email=actor.email if actor is not None else "",
        action=action,
        target_type=target_type[:40],
        target_id=str(target_id)[:64],
        target_repr=target_repr[:300],
        organisation_id=organisation_id,
        detail=detail or {},
        ip_address=client_ip(request),
    )
