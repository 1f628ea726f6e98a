"""The status moves (dashboards.publishing): each allowed and refused, by state and by role.

An allowed move changes the status (and the fields it owns) and writes one audit row in
the same transaction, then emails the people it concerns. A refused move changes nothing,
writes no audit row and sends nothing.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from performance_platform.accounts.models import AuditEvent
from performance_platform.dashboards import publishing
from performance_platform.dashboards.models import Dashboard, PreviewLink

from .conftest import set_status

pytestmark = pytest.mark.django_db

S = Dashboard.Status
ROLES = ["admin", "manager", "signer", "uploader", "stranger", "nobody"]
#: Move → (the state it starts from, the roles that may make it).
ALLOWED = {
    "make_unlisted": (S.DRAFT, {"admin", "manager"}),
    "send_for_review": (S.UNLISTED, {"admin", "manager"}),
    "withdraw": (S.IN_REVIEW, {"admin", "manager"}),
    "approve": (S.IN_REVIEW, {"admin", "signer"}),
    "return_for_changes": (S.IN_REVIEW, {"admin", "signer"}),
    "unpublish": (S.PUBLISHED, {"admin"}),
}


def make(move: str, user, dashboard):
    if move == "return_for_changes":
        return publishing.return_for_changes(user, dashboard, "Fix the title")
    return getattr(publishing, move)(user, dashboard)


def snapshot(dashboard) -> tuple:
    dashboard = Dashboard.objects.get(pk=dashboard.pk)
    return (
        dashboard.status,
        dashboard.published_at,
        dashboard.unpublished_at,
        dashboard.review_comments,
        dashboard.updated_at,
        PreviewLink.objects.count(),
        # Signing the test's person in is audited too; only what the move did counts.
        AuditEvent.objects.exclude(action__startswith="sign_in").count(),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("move", list(ALLOWED))
def test_each_move_by_each_role(
    move, role, people, board, mailoutbox, django_capture_on_commit_callbacks
):
    start, allowed = ALLOWED[move]
    set_status(board, start)
    before = snapshot(board)
    user = people[role]
    with django_capture_on_commit_callbacks(execute=True):
        if role in allowed:
            make(move, user, board)
        else:
            with pytest.raises(PermissionDenied):
                make(move, user, board)
    after = snapshot(board)
    if role not in allowed:
        assert after == before
        assert mailoutbox == []
        return
    target = publishing.MOVES[move].target
    assert after[0] == target
    event = AuditEvent.objects.filter(action="dashboard.status").get()
    assert event.actor == user
    assert event.target_id == str(board.pk)
    assert event.organisation_id == board.organisation_id
    assert event.detail["from"] == start and event.detail["to"] == target
    assert event.detail["move"] == move
    assert mailoutbox, "a move tells someone"


@pytest.mark.parametrize(
    "move, status",
    [(move, status) for move, (start, _) in ALLOWED.items() for status in S if status != start],
)
def test_a_move_from_the_wrong_state_is_refused_even_for_an_admin(
    move, status, people, board, mailoutbox, django_capture_on_commit_callbacks
):
    set_status(board, status)
    before = snapshot(board)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(publishing.IllegalMove) as caught:
            make(move, people["admin"], board)
    assert board.get_status_display().lower() in str(caught.value)
    assert snapshot(board) == before
    assert mailoutbox == []


def test_the_whole_way_with_its_fields_audit_and_emails(
    people, board, mailoutbox, django_capture_on_commit_callbacks
):
    manager, signer, admin = people["manager"], people["signer"], people["admin"]
    with django_capture_on_commit_callbacks(execute=True):
        link, token = publishing.make_unlisted(manager, board, days=7)
    assert board.status == S.UNLISTED
    assert link.token_hash == publishing.hash_token(token) and len(token) >= 43
    assert token not in link.token_hash
    assert (link.expires_at - link.created_at).days == 7
    assert [m.to for m in mailoutbox] == [["manager@example.gov.uk"]]
    assert token not in mailoutbox[0].body  # the token goes to its maker only
    assert "https://performance.example/manage/dashboards/renew-passport" in (mailoutbox[0].body)

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publishing.send_for_review(manager, board)
    assert board.status == S.IN_REVIEW
    told = sorted(m.to[0] for m in mailoutbox)
    assert told == ["admin@example.gov.uk", "manager@example.gov.uk", "signer@example.gov.uk"]
    review = next(m for m in mailoutbox if m.to == ["signer@example.gov.uk"])
    assert "Mona Manager (manager@example.gov.uk) requests a review" in review.body
    assert review.subject == "Renew a passport: sent for review"

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publishing.return_for_changes(signer, board, "The <b>title</b> is wrong.\nFix it.")
    assert board.status == S.UNLISTED
    assert board.review_comments == "The <b>title</b> is wrong.\nFix it."
    assert sorted(m.to[0] for m in mailoutbox) == [
        "manager@example.gov.uk",
        "signer@example.gov.uk",
    ]
    assert "The <b>title</b> is wrong." in mailoutbox[0].body  # plain text, not escaped

    with django_capture_on_commit_callbacks(execute=True):
        publishing.send_for_review(manager, board)
        publishing.approve(signer, board)
    board.refresh_from_db()
    assert board.status == S.PUBLISHED and board.published_at is not None
    assert board.review_comments == ""
    assert link.dashboard.preview_links.live().count() == 1  # kept: they lead to the page

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(admin, board)
    board.refresh_from_db()
    assert board.status == S.UNLISTED and board.unpublished_at is not None
    assert board.preview_links.live().count() == 0  # old links do not come back to life
    assert "admin@example.gov.uk" in {m.to[0] for m in mailoutbox}

    moves = list(
        AuditEvent.objects.filter(action="dashboard.status")
        .order_by("pk")
        .values_list("detail__move", "detail__from", "detail__to")
    )
    assert moves == [
        ("make_unlisted", "draft", "unlisted"),
        ("send_for_review", "unlisted", "in_review"),
        ("return_for_changes", "in_review", "unlisted"),
        ("send_for_review", "unlisted", "in_review"),
        ("approve", "in_review", "published"),
        ("unpublish", "published", "unlisted"),
    ]
    returned = AuditEvent.objects.get(detail__move="return_for_changes")
    assert returned.detail["comments"] == "The <b>title</b> is wrong.\nFix it."
    unpublished = AuditEvent.objects.get(detail__move="unpublish")
    assert unpublished.detail["revoked_preview_links"] == [link.pk]


def test_a_move_rolled_back_leaves_no_audit_and_sends_nothing(
    people, board, mailoutbox, django_capture_on_commit_callbacks
):
    set_status(board, S.UNLISTED)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                publishing.send_for_review(people["manager"], board)
                raise RuntimeError("something after it failed")
    assert Dashboard.objects.get(pk=board.pk).status == S.UNLISTED
    assert not AuditEvent.objects.filter(action="dashboard.status").exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    "comments, message",
    [
        ("", "Say what needs to change."),
        ("   \n ", "Say what needs to change."),
        ("x" * 2001, "2000 characters or fewer"),
        ("bad\x00byte", "control characters"),
        ("escape \x1b[31m", "control characters"),
    ],
)
def test_return_needs_comments_that_are_text(comments, message, people, board):
    set_status(board, S.IN_REVIEW)
    before = snapshot(board)
    with pytest.raises(ValidationError) as caught:
        publishing.return_for_changes(people["signer"], board, comments)
    assert message in caught.value.messages[0]
    assert snapshot(board) == before


def test_a_signer_off_may_make_preview_links_only_for_a_dashboard_in_review(people, board):
    set_status(board, S.UNLISTED)
    with pytest.raises(PermissionDenied):
        publishing.create_link(people["signer"], board)
    set_status(board, S.IN_REVIEW)
    link, token = publishing.create_link(people["signer"], board, days=3)
    assert publishing.find_preview(token, board.slug) == board
    assert AuditEvent.objects.filter(action="preview_link.create", actor=people["signer"]).exists()


@pytest.mark.parametrize("status", [S.DRAFT, S.PUBLISHED])
def test_links_are_not_made_for_a_draft_or_a_published_dashboard(status, people, board):
    set_status(board, status)
    with pytest.raises(publishing.IllegalMove):
        publishing.create_link(people["admin"], board)
    assert PreviewLink.objects.count() == 0


@pytest.mark.parametrize("days", [0, -1, 366])
def test_a_link_lasts_from_one_day_to_a_year(days, people, board):
    set_status(board, S.UNLISTED)
    with pytest.raises(ValidationError):
        publishing.create_link(people["manager"], board, days=days)
    assert PreviewLink.objects.count() == 0


@pytest.mark.parametrize(
    "role, allowed",
    [("admin", True), ("manager", True), ("signer", False), ("stranger", False), ("nobody", False)],
)
def test_who_may_revoke_a_link(role, allowed, people, board):
    set_status(board, S.UNLISTED)
    link, token = publishing.create_link(people["manager"], board)
    if allowed:
        publishing.revoke_link(people[role], link)
        assert link.revoked_at is not None and link.revoked_by == people[role]
        assert publishing.find_preview(token, board.slug) is None
        assert AuditEvent.objects.filter(action="preview_link.revoke").count() == 1
    else:
        with pytest.raises(PermissionDenied):
            publishing.revoke_link(people[role], link)
        assert publishing.find_preview(token, board.slug) == board
        assert not AuditEvent.objects.filter(action="preview_link.revoke").exists()


def test_revoking_twice_records_once(people, board):
    set_status(board, S.UNLISTED)
    link, _ = publishing.create_link(people["manager"], board)
    publishing.revoke_link(people["manager"], link)
    first = link.revoked_at
    publishing.revoke_link(people["admin"], link)
    assert link.revoked_at == first and link.revoked_by == people["manager"]
    assert AuditEvent.objects.filter(action="preview_link.revoke").count() == 1


def test_allowed_moves_names_the_buttons(people, board):
    set_status(board, S.IN_REVIEW)
    names = lambda role: [m.name for m in publishing.allowed_moves(people[role], board)]  # noqa: E731
    assert names("admin") == ["withdraw", "approve", "return_for_changes"]
    assert names("manager") == ["withdraw"]
    assert names("signer") == ["approve", "return_for_changes"]
    assert names("uploader") == names("stranger") == names("nobody") == []
