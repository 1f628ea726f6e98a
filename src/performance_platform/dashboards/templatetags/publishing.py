"""``{% publishing_panel dashboard as panel %}``: what the publishing panel shows to the
person signed in (used by ``manage/includes/publishing.html``, so any page that has
``dashboard`` in its context can include the panel)."""

from django import template

from .. import permissions, publishing
from ..permissions import Action

register = template.Library()


@register.simple_tag(takes_context=True)
def publishing_panel(context, dashboard) -> dict:
    """The dashboard's status, its live preview links, and what the person may do."""
    user = context.get("user")
    moves = {move.name for move in publishing.allowed_moves(user, dashboard)}
    may_preview = permissions.can(user, Action.PREVIEW_DASHBOARD, dashboard)
    links = list(publishing.live_links(dashboard))
    return {
        "moves": moves,
        "links": links,
        "may_make_link": may_preview and dashboard.status in publishing.LINK_STATES,
        "may_revoke": may_preview or permissions.can(user, Action.MANAGE_ALL_PREVIEW_LINKS),
        "is_admin": permissions.can(user, Action.MANAGE_ALL_PREVIEW_LINKS),
    }
