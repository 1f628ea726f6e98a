"""The signed-in pages' template context: who is signed in and what they may open."""

from . import permissions


def manage(request) -> dict:
    """``manage``: whether the signed-in person is a platform admin (for the navigation).

    Lazy: public pages, which never read it, cost no query.
    """
    user = getattr(request, "user", None)

    class Lazy:
        @property
        def is_platform_admin(self) -> bool:
            return permissions.is_platform_admin(user)

    return {"manage": Lazy()}
