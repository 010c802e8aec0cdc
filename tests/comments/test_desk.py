"""The moderation desk's comment queue: one-click decisions, undo, roles, the log, the overview."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments import moderation
from comments.models import (Comment, CommentReport, ModerationAction, ReaderStanding,
                             WaitingComments)
from standards.models import BiasReport
from tests.factories import ArticleFactory, BiasReportFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/moderation/comments/"
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def moderator(client):
    user = staff("Moderators", "mod")
    client.force_login(user)
    return user


def decide(client, comment, decision, headers=None, **data):
    """Press a decision's button on a card drawn before anyone decided the comment."""
    return client.post(f"/admin/moderation/comments/{comment.pk}/decide/", {
        "decision": decision, "version": "new", "next": QUEUE + "?show=held", **data,
    }, **(headers or {}))


def waiting_comments(show=""):
    """The desk's queue, each comment with its open reports and since when it has waited."""
    return WaitingComments(Comment.objects.with_waiting_since(), show)


def undo_url(action):
    return f"/admin/moderation/decisions/{action.pk}/undo/"


def test_queue_shows_held_and_reported_first_longest_waiting_first(client, moderator):
    now = timezone.now()
    CommentFactory(body="fine and old", created_at=now - timedelta(days=9))
    held = CommentFactory(body="held an hour", status="pending", hold_reason="Contains a link",
                          created_at=now - timedelta(hours=1))
    # Posted long ago, reported two hours ago: it has waited two hours.
    reported = CommentFactory(body="reported today", created_at=now - timedelta(days=30))
    CommentReport.objects.create(comment=reported, reporter=UserFactory(username="flagger"),
                                 reason="abuse", created_at=now - timedelta(hours=2))
    closed = CommentFactory(body="report closed")
    CommentReport.objects.create(comment=closed, reporter=UserFactory(), reason="spam",
                                 resolved_at=now)
    assert waiting_comments()[0:10] == [reported, held]

    html = client.get(QUEUE).content.decode()
    assert html.index("reported today") < html.index("held an hour")
    assert "fine and old" not in html and "report closed" not in html
    assert "Contains a link" in html and "Abuse or harassment" in html and "flagger" in html
    assert "2 comments waiting" in html
    held_only = client.get(QUEUE + "?show=held").content.decode()
    assert "held an hour" in held_only and "reported today" not in held_only
    reported_only = client.get(QUEUE + "?show=reported").content.decode()
    assert "reported today" in reported_only and "held an hour" not in reported_only


def test_open_reports_are_the_ones_no_moderator_has_closed():
    comment = CommentFactory()
    waiting = CommentReport.objects.create(comment=comment, reporter=UserFactory(), reason="spam")
    CommentReport.objects.create(comment=comment, reporter=UserFactory(), reason="abuse",
                                 resolved_at=timezone.now())
    assert list(CommentReport.objects.open()) == [waiting]
    assert list(comment.reports.open()) == [waiting]


def test_the_queue_reads_only_the_waiting_comments():
    """Held comments come through their index and reported ones through their open
    reports; only those are counted and dated. Grouping every comment of the
    archive with its reports took the desk 14 seconds at a million comments."""
    now = timezone.now()
    held = CommentFactory(status="pending", created_at=now - timedelta(hours=3))
    reported = CommentFactory(created_at=now - timedelta(days=5))
    both = CommentFactory(status="pending", created_at=now - timedelta(hours=1))
    for comment, hours in [(reported, 2), (both, 5), (both, 4)]:
        CommentReport.objects.create(comment=comment, reporter=UserFactory(), reason="spam",
                                     created_at=now - timedelta(hours=hours))
    CommentReport.objects.create(comment=reported, reporter=UserFactory(), reason="abuse",
                                 created_at=now - timedelta(days=1), resolved_at=now)
    CommentFactory.create_batch(3)

    queue = waiting_comments()
    # Only the open reports are grouped (for each reported comment's first one);
    # the comments are counted and dated one by one.
    assert str(queue.keys().query).count("GROUP BY") == 1
    assert "GROUP BY" not in str(Comment.objects.with_waiting_since().query)
    page = queue[0:10]
    # Held since it was posted; reported since its first open report.
    assert [(c, c.open_reports) for c in page] == [(held, 0), (reported, 1), (both, 2)]
    assert [c.waiting_since for c in page] == [
        held.created_at, now - timedelta(hours=2), both.created_at]
    assert queue.count() == 3


def _waiting_mix():
    """Held, reported, both, and neither, some posted or reported at the same moment."""
    now = timezone.now().replace(microsecond=0)
    for hours in (9, 7, 7, 7, 3):
        CommentFactory(status="pending", created_at=now - timedelta(hours=hours))
    for hours, reports in ((8, 1), (7, 2), (5, 1), (1, 1)):
        reported = CommentFactory(created_at=now - timedelta(days=hours))
        for n in range(reports):
            CommentReport.objects.create(comment=reported, reporter=UserFactory(),
                                         reason="spam", created_at=now - timedelta(hours=hours - n))
    both = CommentFactory(status="pending", created_at=now - timedelta(hours=2))
    CommentReport.objects.create(comment=both, reporter=UserFactory(), reason="abuse",
                                 created_at=now - timedelta(hours=6))
    hidden = CommentFactory(status="hidden", created_at=now - timedelta(days=2))
    CommentReport.objects.create(comment=hidden, reporter=UserFactory(), reason="spam",
                                 created_at=now - timedelta(hours=4))
    closed = CommentFactory(created_at=now - timedelta(days=3))
    CommentReport.objects.create(comment=closed, reporter=UserFactory(), reason="spam",
                                 created_at=now - timedelta(hours=5), resolved_at=now)
    CommentFactory.create_batch(3)


def _waiting_as_read_here(show):
    """(id, open reports, waiting since) of the waiting comments, worked out here
    from every comment and report, longest waiting first, then by id."""
    rows = []
    for comment in Comment.objects.all():
        opened = [r.created_at for r in comment.reports.all() if r.resolved_at is None]
        held = comment.status == "pending"
        if (held or opened) and {"": True, "held": held, "reported": bool(opened)}[show]:
            rows.append((comment.pk, len(opened), comment.created_at if held else min(opened)))
    return sorted(rows, key=lambda row: (row[2], row[0]))


@pytest.mark.parametrize("show", ["", "held", "reported"])
def test_the_desk_pages_through_the_waiting_comments_in_their_order(show):
    """WaitingComments sorts keys, not comments; its pages hold the waiting comments
    longest waiting first, ties by id, as worked out from every comment."""
    _waiting_mix()
    expected = _waiting_as_read_here(show)
    queue = waiting_comments(show)
    assert queue.count() == len(expected) == {"": 11, "held": 6, "reported": 6}[show]
    paged = [c for start in range(0, len(expected), 4) for c in queue[start:start + 4]]
    assert [(c.pk, c.open_reports, c.waiting_since) for c in paged] == expected
    assert queue[len(expected):len(expected) + 4] == []


def test_a_page_of_the_queue_sorts_keys_and_reads_only_its_comments(client, moderator):
    """Sorting the waiting comments themselves joined them to the whole table of
    comments: 0.3-0.5 s a page at 25,000 held of a million, and 0.13 s to count
    them. Their keys come from the held comments' index and the open reports."""
    _waiting_mix()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE)
    assert "11 comments waiting" in response.content.decode()
    sql = [q["sql"] for q in captured.captured_queries]
    keys = [q for q in sql if "UNION ALL" in q and "LIMIT" in q]
    assert len(keys) == 1
    assert ('SELECT "comments_comment"."id" AS "id", "comments_comment"."created_at" AS '
            '"created_at" FROM "comments_comment" WHERE') in keys[0]
    read = [q for q in sql if q.startswith('SELECT "comments_comment"."id"')
            and 'AS "waiting_since"' in q]
    # By their ids alone: no list of every waiting comment, and no sort.
    assert len(read) == 1 and "UNION" not in read[0]
    assert re.search(r'WHERE "comments_comment"\."id" IN \([\d, ]+\)$', read[0])
    ids = [item["comment"].pk for item in response.context["items"]]
    assert len(ids) == 10 and all(str(pk) in read[0] for pk in ids)


def test_each_comment_comes_with_its_story_neighbours_and_reader_history(client, moderator):
    now = timezone.now()
    story = ArticleFactory(headline="Ferry fares rise again")
    reader = UserFactory(username="loud")
    ReaderStanding.objects.create(reader=reader, is_premoderated=True)
    for hours, body in [(9, "first on the story"), (8, "second on the story"),
                        (7, "third on the story")]:
        CommentFactory(article=story, body=body, created_at=now - timedelta(hours=hours))
    waiting = CommentFactory(article=story, reader=reader, body="the waiting one",
                             status="pending", created_at=now - timedelta(hours=6))
    CommentFactory(article=story, body="a reply after it", created_at=now - timedelta(hours=5))
    CommentFactory(reader=reader, body="an older hidden remark", status="hidden",
                   created_at=now - timedelta(days=3))
    html = client.get(QUEUE).content.decode()
    card = html[html.index(f'id="comment-{waiting.pk}"'):]
    assert "Ferry fares rise again" in card
    # Two before it, one after; the first is too far back.
    assert "second on the story" in card and "third on the story" in card
    assert "a reply after it" in card and "first on the story" not in card
    assert "pre-moderated" in card and "an older hidden remark" in card
    assert "2 comments (0 approved, 1 pending review, 1 hidden)" in card
    # Already pre-moderated: nothing to restrict.
    assert 'value="restrict"' not in card


def test_a_former_readers_comment_waits_like_any_other(client, moderator):
    comment = CommentFactory(status="pending", reader=None, body="left behind")
    CommentReport.objects.create(comment=comment, reporter=None, reason="spam")
    html = client.get(QUEUE).content.decode()
    assert "left behind" in html and "a former reader (account deleted)" in html
    assert 'value="hide"' in html and 'value="restrict"' not in html
    assert decide(client, comment, "hide").status_code == 303


def test_decisions_return_to_the_same_page_of_the_queue(client, moderator):
    CommentFactory.create_batch(11, status="pending")
    html = client.get(QUEUE + "?show=held&page=2&partial=1").content.decode()
    assert 'name="next" value="/admin/moderation/comments/?show=held&amp;page=2"' in html
    assert "<html" not in html


def test_queue_page_runs_a_fixed_number_of_queries(client, moderator,
                                                   django_assert_max_num_queries):
    for index in range(12):
        comment = CommentFactory(status="pending")
        CommentReport.objects.create(comment=comment, reporter=UserFactory(), reason="spam")
        CommentFactory(reader=comment.reader, article=comment.article)
    # The user and their two sets of permissions; the queue's count, the page's
    # keys and comments, their stories, readers, the readers' standings and open
    # reports; the readers' counts and latest comments; the undo list; and two
    # queries per comment on the page for its neighbours on the story.
    with django_assert_max_num_queries(13 + 2 * 10):
        response = client.get(QUEUE)
    assert len(response.context["items"]) == 10


@pytest.mark.parametrize(("decision", "status", "action"), [
    ("approve", "approved", "comment approved"),
    ("hide", "hidden", "comment hidden"),
    ("restrict", "hidden", "comment hidden, reader restricted"),
])
def test_one_click_decisions_are_logged(client, moderator, decision, status, action):
    comment = CommentFactory(status="pending", reader=UserFactory(username="ana"))
    report = CommentReport.objects.create(comment=comment, reporter=UserFactory(),
                                          reason="spam")
    response = decide(client, comment, decision, reason="Checked the thread")
    assert response.status_code == 303 and response["Location"] == QUEUE + "?show=held"
    comment.refresh_from_db()
    report.refresh_from_db()
    assert comment.status == status and comment.moderator == moderator
    assert comment.moderation_reason == "Checked the thread"
    assert report.resolved_at is not None
    log = ModerationAction.objects.get()
    assert (log.moderator, log.action, log.target_shown, log.reason) == (
        moderator, action, f"comment {comment.pk} by ana", "Checked the thread")
    standing = ReaderStanding.objects.filter(reader=comment.reader).first()
    assert (standing is not None and standing.is_premoderated) == (decision == "restrict")
    # The next page offers to undo it.
    page = client.get(QUEUE).content.decode()
    assert "Your last decisions" in page and undo_url(log) in page


def test_restricted_reader_is_held_from_then_on(client, moderator):
    reader = UserFactory(username="ana")
    comment = CommentFactory(status="pending", reader=reader)
    decide(client, comment, "restrict")
    reader.refresh_from_db()
    assert moderation.check_comment(reader, comment.article, "A calm remark.") == (
        "pending", "Reader is in pre-moderation")


def test_a_decision_with_javascript_answers_with_the_receipt(client, moderator):
    comment = CommentFactory(status="pending", reader=UserFactory(username="ana"))
    response = decide(client, comment, "approve", headers=FETCH)
    assert response.status_code == 200
    html = response.content.decode()
    action = ModerationAction.objects.get()
    assert "Approved the comment by ana." in html and undo_url(action) in html
    assert "<html" not in html


def test_a_comment_decided_since_the_page_loaded_is_not_overruled(client, moderator):
    comment = CommentFactory(status="pending")
    other = staff("Moderators", "other")
    moderation.decide_comment(comment, Comment.Status.APPROVED, other)
    response = decide(client, comment, "hide", headers=FETCH)
    assert response.status_code == 409
    assert "other has already decided this comment (approved)" in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == "approved" and ModerationAction.objects.count() == 1


def test_undo_puts_back_status_reports_and_standing_and_is_logged(client, moderator):
    reader = UserFactory(username="ana")
    comment = CommentFactory(status="pending", reader=reader, hold_reason="Contains a link")
    report = CommentReport.objects.create(comment=comment, reporter=UserFactory(),
                                          reason="abuse")
    decide(client, comment, "restrict", reason="Rude")
    decision = ModerationAction.objects.get()

    response = client.post(undo_url(decision), {"next": QUEUE})
    assert response.status_code == 303
    comment.refresh_from_db()
    report.refresh_from_db()
    assert comment.status == "pending" and comment.moderator is None
    assert comment.moderated_at is None and comment.moderation_reason == ""
    assert report.resolved_at is None
    standing = ReaderStanding.objects.get(reader=reader)
    assert not standing.is_premoderated and standing.note == ""
    decision.refresh_from_db()
    assert decision.undone_at is not None
    undo = ModerationAction.objects.exclude(pk=decision.pk).get()
    assert undo.action == "undo comment hidden, reader restricted"
    assert undo.target == decision.target and undo.moderator == moderator
    # Once is enough.
    client.post(undo_url(decision))
    assert ModerationAction.objects.count() == 2


def test_undo_keeps_a_standing_set_before_the_decision(client, moderator):
    reader = UserFactory(username="ana")
    ReaderStanding.objects.create(reader=reader, note="Warned in March")
    comment = CommentFactory(status="pending", reader=reader)
    decide(client, comment, "restrict")
    client.post(undo_url(ModerationAction.objects.get()))
    standing = ReaderStanding.objects.get(reader=reader)
    assert not standing.is_premoderated and standing.note == "Warned in March"


def test_undo_with_javascript_brings_the_card_back(client, moderator):
    comment = CommentFactory(status="pending", body="bring me back")
    decide(client, comment, "hide")
    response = client.post(undo_url(ModerationAction.objects.get()), **FETCH)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="comment-{comment.pk}"' in html and "bring me back" in html


def test_undo_has_a_time_limit():
    moderator = UserFactory(username="mod", is_staff=True)
    comment = CommentFactory(status="pending")
    decided_at = timezone.now()
    with time_machine.travel(decided_at, tick=False):
        action = moderation.decide_comment(comment, Comment.Status.HIDDEN, moderator)
    with pytest.raises(moderation.UndoRefused, match="10 minutes"):
        moderation.undo_decision(action, moderator, now=decided_at + timedelta(minutes=10,
                                                                              seconds=1))
    comment.refresh_from_db()
    assert comment.status == "hidden"
    moderation.undo_decision(action, moderator, now=decided_at + timedelta(minutes=10))
    comment.refresh_from_db()
    assert comment.status == "pending"


def test_an_expired_undo_is_refused_with_a_message(client, moderator):
    comment = CommentFactory(status="pending")
    decided_at = timezone.now()
    with time_machine.travel(decided_at, tick=False):
        decide(client, comment, "hide")
    action = ModerationAction.objects.get()
    with time_machine.travel(decided_at + timedelta(minutes=11), tick=False):
        assert undo_url(action) not in client.get(QUEUE).content.decode()
        response = client.post(undo_url(action), {"next": QUEUE}, follow=True)
    assert "can be undone for 10 minutes only" in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == "hidden" and ModerationAction.objects.count() == 1


def test_only_the_deciding_moderator_undoes_and_not_after_a_later_decision(client, moderator):
    comment = CommentFactory(status="pending")
    decide(client, comment, "hide")
    first = ModerationAction.objects.get()
    other = staff("Moderators", "other")
    client.force_login(other)
    assert client.post(undo_url(first)).status_code == 404
    with pytest.raises(moderation.UndoRefused, match="Only the moderator"):
        moderation.undo_decision(first, other)
    # Someone decides it again: the first decision can no longer be undone blindly.
    comment.refresh_from_db()
    moderation.decide_comment(comment, Comment.Status.APPROVED, other)
    with pytest.raises(moderation.UndoRefused, match="decided again since"):
        moderation.undo_decision(first, moderator)


def test_decisions_in_the_admin_list_can_be_undone_from_the_desk(client, moderator):
    comment = CommentFactory(status="pending")
    client.post("/admin/comments/comment/", {"action": "approve",
                                             "_selected_action": [comment.pk]})
    action = ModerationAction.objects.get()
    assert undo_url(action) in client.get(QUEUE).content.decode()
    client.post(undo_url(action))
    comment.refresh_from_db()
    assert comment.status == "pending"


def test_editors_and_readers_cannot_decide_through_the_desk(client):
    comment = CommentFactory(status="pending")
    moderator = staff("Moderators", "mod")
    action = moderation.decide_comment(comment, Comment.Status.HIDDEN, moderator)
    client.force_login(staff("Editors", "ed"))
    assert client.get(QUEUE).status_code == 403
    assert decide(client, comment, "approve").status_code == 403
    assert client.post(undo_url(action)).status_code == 403
    client.force_login(UserFactory(username="reader"))
    assert client.get(QUEUE).status_code == 302  # to the admin's sign-in
    assert decide(client, comment, "approve").status_code == 302
    comment.refresh_from_db()
    assert comment.status == "hidden" and ModerationAction.objects.count() == 1


def test_a_moderator_without_standing_rights_gets_no_restrict_button(client):
    user = UserFactory(username="limited", is_staff=True)
    group = Group.objects.get(name="Moderators")
    user.user_permissions.set(group.permissions.exclude(codename__endswith="readerstanding"))
    client.force_login(user)
    comment = CommentFactory(status="pending")
    html = client.get(QUEUE).content.decode()
    assert 'value="hide"' in html and 'value="restrict"' not in html
    assert decide(client, comment, "restrict").status_code == 403


def test_decisions_refuse_get_and_unknown_outcomes(client, moderator):
    comment = CommentFactory(status="pending")
    url = f"/admin/moderation/comments/{comment.pk}/decide/"
    assert client.get(url).status_code == 405
    assert client.post(url, {"decision": "delete", "version": "new"}).status_code == 400
    assert client.post("/admin/moderation/comments/999999/decide/",
                       {"decision": "hide", "version": "new"}).status_code == 404


def test_next_never_leaves_the_site(client, moderator):
    comment = CommentFactory(status="pending")
    response = decide(client, comment, "approve", next="https://evil.example/")
    assert response["Location"] == QUEUE


def test_overview_counts_against_hand_counted_fixtures(client, moderator):
    """Hand-counted: held 3 (one also reported); reported 2; open bias reports 3."""
    now = timezone.now()
    oldest_held = CommentFactory(status="pending", created_at=now - timedelta(hours=5))
    CommentFactory(status="pending", created_at=now - timedelta(hours=1))
    held_and_reported = CommentFactory(status="pending", created_at=now - timedelta(hours=2))
    reported = CommentFactory()
    CommentFactory(status="hidden")  # decided: in no queue
    CommentFactory.create_batch(2)  # approved, never reported
    closed = CommentFactory()
    CommentReport.objects.create(comment=held_and_reported, reporter=UserFactory(),
                                 reason="spam", created_at=now - timedelta(hours=3))
    for reporter in UserFactory.create_batch(2):
        CommentReport.objects.create(comment=reported, reporter=reporter, reason="abuse",
                                     created_at=now - timedelta(minutes=30))
    CommentReport.objects.create(comment=closed, reporter=UserFactory(), reason="spam",
                                 created_at=now - timedelta(days=2), resolved_at=now)
    for status, hours in [("new", 30), ("new", 1), ("in_review", 4), ("upheld", 50),
                          ("dismissed", 60)]:
        BiasReportFactory(status=status, created_at=now - timedelta(hours=hours))

    items = {item["label"]: item for item in client.get("/admin/moderation/").context["open_items"]}
    assert {label: item["count"] for label, item in items.items()} == {
        "Comments held for review": 3, "Reported comments": 2, "Open bias reports": 3}
    assert items["Comments held for review"]["oldest"] == oldest_held.created_at
    assert items["Reported comments"]["oldest"] == now - timedelta(hours=3)
    assert items["Open bias reports"]["oldest"] == now - timedelta(hours=30)
    # The desk's queue holds each waiting comment once.
    assert client.get(QUEUE).context["total"] == 4
    assert BiasReport.objects.open().count() == 3


def test_overview_counts_reported_comments_from_their_open_reports_alone(client, moderator):
    """Joined to the comments and made DISTINCT, the count compared every reported
    comment's whole row, its text too (85 ms at 4,000 reported comments)."""
    twice = CommentFactory()
    for reporter in UserFactory.create_batch(2):
        CommentReport.objects.create(comment=twice, reporter=reporter, reason="spam")
    CommentReport.objects.create(comment=CommentFactory(), reporter=UserFactory(),
                                 reason="abuse")
    with CaptureQueriesContext(connection) as captured:
        items = {item["label"]: item for item in
                 client.get("/admin/moderation/").context["open_items"]}
    assert items["Reported comments"]["count"] == 2
    counts = [q["sql"] for q in captured.captured_queries
              if "COUNT(" in q["sql"] and "comments_commentreport" in q["sql"]]
    assert counts and not any('"comments_comment"."body"' in sql for sql in counts), counts


def test_overview_links_to_the_desk_queues_and_its_chart_scales(client, moderator):
    BiasReportFactory()
    html = client.get("/admin/moderation/").content.decode()
    assert 'href="/admin/moderation/comments/?show=held"' in html
    assert 'href="/admin/moderation/comments/?show=reported"' in html
    assert 'href="/admin/moderation/bias-reports/"' in html
    start = html.index('<svg role="img"')
    svg = html[start:html.index(">", start)]
    assert 'viewBox="0 0 320 ' in svg and "width=" not in svg


def test_editors_see_the_overview_counts_without_comment_links(client):
    CommentFactory(status="pending")
    client.force_login(staff("Editors", "ed"))
    html = client.get("/admin/moderation/").content.decode()
    assert "Comments held for review" in html
    assert "/admin/moderation/comments/" not in html
    assert 'href="/admin/moderation/bias-reports/"' in html


def test_the_desk_is_linked_from_the_admin_home_and_header(client, moderator):
    html = client.get("/admin/").content.decode()
    header = html[html.index('id="user-tools"'):]
    assert 'href="/admin/moderation/">Moderation desk</a>' in header
    home = html[html.index('id="content-main"'):]
    assert 'href="/admin/moderation/comments/"' in home
    assert 'href="/admin/moderation/bias-reports/"' in home
    client.force_login(staff("Editors", "ed"))
    html = client.get("/admin/").content.decode()
    assert "Moderation desk" in html and 'href="/admin/moderation/comments/"' not in html
    client.force_login(UserFactory(username="plain", is_staff=True))
    assert "Moderation desk" not in client.get("/admin/").content.decode()
