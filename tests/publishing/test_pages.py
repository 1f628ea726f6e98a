"""The signed-in publishing pages: the panel, the confirmations, sign-off, making and
revoking preview links, and the platform admin's list of every live link. Who may open
what, CSRF on every form, and hostile input that changes nothing."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from performance_platform.accounts.models import AuditEvent
from performance_platform.dashboards import publishing
from performance_platform.dashboards.models import Dashboard, PreviewLink

from .conftest import set_status

pytestmark = pytest.mark.django_db

S = Dashboard.Status
PANEL = "/manage/dashboards/renew-passport/publishing"
#: Where a move returns the person: the dashboard's hub, which shows the same panel.
HUB = "/manage/dashboards/renew-passport"


def signed_in(user, **options) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def state(board) -> tuple:
    board = Dashboard.objects.get(pk=board.pk)
    return (
        board.status,
        board.review_comments,
        PreviewLink.objects.filter(revoked_at__isnull=True).count(),
        # Signing the test's person in is audited too; only what the move did counts.
        AuditEvent.objects.exclude(action__startswith="sign_in").count(),
    )


# --- who may open the pages ----------------------------------------------------------------


def test_signed_out_people_are_sent_to_sign_in(client, board):
    response = client.get(PANEL)
    assert response.status_code == 302
    assert response["Location"].startswith("/manage/sign-in?next=")


@pytest.mark.parametrize("role", ["uploader", "stranger", "nobody"])
def test_people_who_may_not_see_the_dashboard_get_404(role, people, board):
    client = signed_in(people[role])
    for path in [
        PANEL,
        PANEL.replace("publishing", "sign-off"),
        PANEL.replace("publishing", "send-for-review"),
    ]:
        assert client.get(path).status_code == 404, path
    assert client.post(PANEL.replace("publishing", "preview-links/new")).status_code == 404


@pytest.mark.parametrize(
    "role, status, buttons",
    [
        ("manager", S.DRAFT, ["Make a preview"]),
        ("manager", S.UNLISTED, ["Make a new preview link", "Send for review"]),
        ("manager", S.IN_REVIEW, ["Make a new preview link", "Withdraw from review"]),
        ("manager", S.PUBLISHED, []),
        ("signer", S.UNLISTED, []),
        ("signer", S.IN_REVIEW, ["Make a new preview link", "Sign off"]),
        ("admin", S.PUBLISHED, ["Unpublish"]),
        ("admin", S.IN_REVIEW, ["Make a new preview link", "Sign off", "Withdraw from review"]),
    ],
)
def test_the_panel_offers_the_moves_the_person_may_make(role, status, buttons, people, board):
    set_status(board, status)
    response = signed_in(people[role]).get(PANEL)
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )
    offered = re.findall(r'role="button"[^>]*>([^<]+)</a>', response.content.decode())
    assert offered == buttons
    assert board.get_status_display() in text_of(response)


def test_the_panel_lists_live_links_with_their_maker_and_expiry(people, board):
    set_status(board, S.UNLISTED)
    publishing.create_link(people["manager"], board, days=10)
    revoked, _ = publishing.create_link(people["admin"], board)
    publishing.revoke_link(people["admin"], revoked)
    page = text_of(signed_in(people["manager"]).get(PANEL))
    assert page.count("manager@example.gov.uk") == 1
    assert "admin@example.gov.uk" not in page  # the revoked link is not listed
    assert page.count(">Revoke<") == 1


# --- making a preview link -------------------------------------------------------------------


def test_making_a_preview_shows_the_link_once(people, board):
    client = signed_in(people["manager"])
    assert client.get(PANEL.replace("publishing", "preview-links/new")).status_code == 200
    response = client.post(PANEL.replace("publishing", "preview-links/new"), {"days": "14"})
    assert response.status_code == 200
    assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
    url = re.search(
        r'value="(http://testserver/performance/preview/[^"]+)"', response.content.decode()
    )
    assert url, "the link is on the page"
    # Copying needs no JavaScript (the box can be selected); with it, a button copies.
    assert re.search(r'<button[^>]*id="copy-preview-url" hidden>', response.content.decode())
    assert "manage/copy-link.js" in response.content.decode()
    path = url.group(1).removeprefix("http://testserver")
    assert Client().get(path).status_code == 200
    board.refresh_from_db()
    assert board.status == S.UNLISTED
    link = PreviewLink.objects.get()
    assert (link.expires_at - link.created_at).days == 14
    token = path.split("/")[3]
    assert token not in link.token_hash
    # The panel does not show it again.
    assert token not in client.get(PANEL).content.decode()


@pytest.mark.parametrize(
    "days, message",
    [
        ("abc", "whole number"),
        ("1.5", "whole number"),
        ("0", "at least 1 day"),
        ("-3", "at least 1 day"),
        ("366", "at most 365 days"),
        ("9" * 400, "at most 365 days"),
        ("<script>alert(1)</script>", "whole number"),
        ("7\x00", "whole number"),
    ],
)
def test_a_bad_lifetime_is_refused_and_changes_nothing(days, message, people, board):
    before = state(board)
    response = signed_in(people["manager"]).post(
        PANEL.replace("publishing", "preview-links/new"), {"days": days}
    )
    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert "There is a problem" in page
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert state(board) == before


def test_a_signer_off_may_not_make_a_link_for_an_unlisted_dashboard(people, board):
    set_status(board, S.UNLISTED)
    before = state(board)
    response = signed_in(people["signer"]).post(PANEL.replace("publishing", "preview-links/new"))
    assert response.status_code == 403
    assert state(board) == before


# --- the moves' pages ----------------------------------------------------------------------


def test_send_for_review_confirms_first(
    people, board, mailoutbox, django_capture_on_commit_callbacks
):
    set_status(board, S.UNLISTED)
    client = signed_in(people["manager"])
    page = client.get(PANEL.replace("publishing", "send-for-review"))
    assert page.status_code == 200 and "Send this dashboard for review" in text_of(page)
    assert Dashboard.objects.get().status == S.UNLISTED  # a GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PANEL.replace("publishing", "send-for-review"))
    assert response.status_code == 302 and response["Location"] == HUB
    assert Dashboard.objects.get().status == S.IN_REVIEW
    assert "signer@example.gov.uk" in {m.to[0] for m in mailoutbox}
    panel = text_of(client.get(PANEL))
    assert "The dashboard was sent for review." in panel


def test_a_move_from_the_wrong_state_says_so_and_changes_nothing(people, board):
    before = state(board)  # a draft
    client = signed_in(people["manager"])
    response = client.post(PANEL.replace("publishing", "send-for-review"), follow=True)
    assert response.redirect_chain == [(HUB, 302)]
    assert "This dashboard is draft." in text_of(response)
    assert state(board) == before


@pytest.mark.parametrize(
    "role, page, status",
    [
        ("signer", "send-for-review", S.UNLISTED),
        ("signer", "withdraw", S.IN_REVIEW),
        ("manager", "sign-off", S.IN_REVIEW),
        ("manager", "unpublish", S.PUBLISHED),
        ("signer", "unpublish", S.PUBLISHED),
    ],
)
def test_a_move_the_person_may_not_make_is_forbidden(role, page, status, people, board):
    set_status(board, status)
    before = state(board)
    client = signed_in(people[role])
    assert client.get(PANEL.replace("publishing", page)).status_code == 403
    assert (
        client.post(PANEL.replace("publishing", page), {"decision": "approve"}).status_code == 403
    )
    assert state(board) == before


def test_sign_off_approves(people, board):
    set_status(board, S.IN_REVIEW, review_comments="Old comments")
    client = signed_in(people["signer"])
    assert "Sign off this dashboard" in text_of(client.get(PANEL.replace("publishing", "sign-off")))
    response = client.post(PANEL.replace("publishing", "sign-off"), {"decision": "approve"})
    assert response.status_code == 302
    board.refresh_from_db()
    assert board.status == S.PUBLISHED and board.review_comments == ""
    assert Client().get("/performance/renew-passport").status_code == 200


def test_sign_off_returns_with_comments_shown_on_the_panel_as_text(people, board):
    set_status(board, S.IN_REVIEW)
    comments = 'Fix the <script>alert("x")</script> title\nand the <a href="http://evil">links</a>'
    response = signed_in(people["signer"]).post(
        PANEL.replace("publishing", "sign-off"), {"decision": "return", "comments": comments}
    )
    assert response.status_code == 302
    board.refresh_from_db()
    assert board.status == S.UNLISTED and board.review_comments == comments
    html = signed_in(people["manager"]).get(PANEL).content.decode()
    assert "<script>alert" not in html and 'href="http://evil"' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; title<br>and the" in html


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Choose whether to approve the dashboard or return it"),
        ({"decision": "publish-everything"}, "Select a valid choice"),
        ({"decision": "return"}, "Say what needs to change"),
        ({"decision": "return", "comments": "   "}, "Say what needs to change"),
        ({"decision": "return", "comments": "x" * 2001}, "2000 characters or fewer"),
        ({"decision": "return", "comments": "x" * 5000}, "2000 characters or fewer"),
        ({"decision": "return", "comments": "bad\x07bell"}, "control characters"),
        ({"decision": "return", "comments": "nul\x00"}, "Null characters are not allowed"),
        ({"decision": ["approve", "return"], "comments": "a"}, ""),
    ],
)
def test_sign_off_refuses_bad_input_and_changes_nothing(data, message, people, board):
    set_status(board, S.IN_REVIEW)
    before = state(board)
    response = signed_in(people["signer"]).post(PANEL.replace("publishing", "sign-off"), data)
    if data.get("decision") == ["approve", "return"]:
        # Two answers: the last one counts (as for any form field), here a valid return.
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert message in text_of(response)
    assert state(board) == before


def test_unpublish_by_an_admin(people, board, mailoutbox, django_capture_on_commit_callbacks):
    set_status(board, S.PUBLISHED)
    client = signed_in(people["admin"])
    assert "Unpublish this dashboard" in text_of(
        client.get(PANEL.replace("publishing", "unpublish"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(PANEL.replace("publishing", "unpublish")).status_code == 302
    assert Dashboard.objects.get().status == S.UNLISTED
    assert Client().get("/performance/renew-passport").status_code == 410
    assert {"manager@example.gov.uk", "signer@example.gov.uk"} <= {m.to[0] for m in mailoutbox}


def test_withdraw_by_the_manager(people, board):
    set_status(board, S.IN_REVIEW)
    client = signed_in(people["manager"])
    assert client.post(PANEL.replace("publishing", "withdraw")).status_code == 302
    assert Dashboard.objects.get().status == S.UNLISTED


# --- revoking, and the admin's list --------------------------------------------------------


def test_the_admin_list_shows_every_live_link_and_revokes(people, board, org):
    set_status(board, S.UNLISTED)
    other = Dashboard.objects.create(
        slug="other", title="Other service", status=S.IN_REVIEW, organisation=org
    )
    publishing.create_link(people["manager"], board, days=3)
    publishing.create_link(people["signer"], other)
    old, _ = publishing.create_link(people["manager"], board)
    PreviewLink.objects.filter(pk=old.pk).update(expires_at=timezone.now())  # expired
    client = signed_in(people["admin"])
    page = client.get("/manage/preview-links")
    assert page.status_code == 200
    html = text_of(page)
    assert "Renew a passport" in html and "Other service" in html
    assert "signer@example.gov.uk" in html and html.count("manager@example.gov.uk") == 1
    assert html.count(">Revoke<") == 2
    link = PreviewLink.objects.get(dashboard=other)
    response = client.post(f"/manage/preview-links/{link.pk}/revoke", {"back": "all"})
    assert response.status_code == 302 and response["Location"] == "/manage/preview-links"
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == people["admin"]
    assert "Other service" not in text_of(client.get("/manage/preview-links"))
    assert (
        AuditEvent.objects.filter(action="preview_link.revoke", actor=people["admin"]).count() == 1
    )


@pytest.mark.parametrize("role", ["manager", "signer", "uploader", "nobody"])
def test_only_admins_see_every_link(role, people):
    assert signed_in(people[role]).get("/manage/preview-links").status_code == 403


def test_revoking_from_the_panel(people, board):
    set_status(board, S.UNLISTED)
    link, token = publishing.create_link(people["manager"], board)
    response = signed_in(people["manager"]).post(f"/manage/preview-links/{link.pk}/revoke")
    assert response.status_code == 302 and response["Location"] == HUB
    assert Client().get(f"/performance/preview/{token}/renew-passport").status_code == 404


@pytest.mark.parametrize("role, code", [("stranger", 404), ("nobody", 404), ("signer", 403)])
def test_revoking_someone_elses_link_is_refused(role, code, people, board):
    set_status(board, S.UNLISTED)
    link, token = publishing.create_link(people["manager"], board)
    client = signed_in(people[role])
    assert client.post(f"/manage/preview-links/{link.pk}/revoke").status_code == code
    assert client.get(f"/manage/preview-links/{link.pk}/revoke").status_code in (404, 405)
    assert Client().get(f"/performance/preview/{token}/renew-passport").status_code == 200


def test_revoking_a_link_that_does_not_exist_is_404(people):
    assert signed_in(people["admin"]).post("/manage/preview-links/999999/revoke").status_code == 404


# --- CSRF ----------------------------------------------------------------------------------


def csrf_token(client, path) -> str:
    html = client.get(path).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


FORMS = [
    ("send-for-review", S.UNLISTED, "manager", {}),
    ("withdraw", S.IN_REVIEW, "manager", {}),
    ("sign-off", S.IN_REVIEW, "signer", {"decision": "approve"}),
    ("unpublish", S.PUBLISHED, "admin", {}),
    ("preview-links/new", S.UNLISTED, "manager", {"days": "3"}),
]


@pytest.mark.parametrize("page, status, role, data", FORMS)
def test_every_form_needs_its_own_csrf_token(page, status, role, data, people, board, make_user):
    set_status(board, status)
    path = PANEL.replace("publishing", page)
    client = signed_in(people[role], enforce_csrf_checks=True)
    before = state(board)
    # Missing, forged, and another person's (replayed in this session): all refused.
    assert client.post(path, data).status_code == 403
    assert client.post(path, {**data, "csrfmiddlewaretoken": "x" * 64}).status_code == 403
    other = signed_in(people["admin"], enforce_csrf_checks=True)
    stolen = csrf_token(other, "/manage/preview-links")
    assert client.post(path, {**data, "csrfmiddlewaretoken": stolen}).status_code == 403
    assert state(board) == before
    # With the page's own token it works.
    token = csrf_token(client, path)
    assert client.post(path, {**data, "csrfmiddlewaretoken": token}).status_code in (200, 302)
    assert state(board) != before


def test_the_revoke_form_needs_a_csrf_token(people, board):
    set_status(board, S.UNLISTED)
    link, _ = publishing.create_link(people["manager"], board)
    client = signed_in(people["admin"], enforce_csrf_checks=True)
    assert (
        client.post(f"/manage/preview-links/{link.pk}/revoke", {"back": "all"}).status_code == 403
    )
    link.refresh_from_db()
    assert link.revoked_at is None
    token = csrf_token(client, "/manage/preview-links")
    response = client.post(
        f"/manage/preview-links/{link.pk}/revoke", {"back": "all", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_the_sign_off_choices_are_labelled_inputs(people, board):
    set_status(board, S.IN_REVIEW)
    html = signed_in(people["signer"]).get(PANEL.replace("publishing", "sign-off")).content.decode()
    assert 'id=""' not in html
    for index in (0, 1):
        assert f'id="id_decision_{index}"' in html and f'for="id_decision_{index}"' in html
    # An error links to the first choice.
    response = signed_in(people["signer"]).post(PANEL.replace("publishing", "sign-off"), {})
    assert 'href="#id_decision_0"' in response.content.decode()


def test_old_comments_are_labelled_by_the_state(people, board):
    set_status(board, S.UNLISTED, review_comments="Fix the title")
    client = signed_in(people["manager"])
    assert "Returned for changes" in text_of(client.get(PANEL))
    publishing.send_for_review(people["manager"], board)
    page = text_of(client.get(PANEL))
    assert "Comments from the last review" in page and "Fix the title" in page
