"""QA round 12, readers' participation and the moderators' desk: one reader's identical bias
reports from two tabs at once are filed once; the comment queue's refill goes on from the
card the moderator has; a password-reset link that cannot be used says so with its status."""

import re
import threading

import pytest
from django.db import close_old_connections, connection, transaction
from django.test import Client

from articles.models import Article
from standards.models import BiasReport
from tests.factories import ArticleFactory, UserFactory
from tests.test_qa11_races import waiting_on_a_lock

TOKEN = re.compile(r'<input type="hidden" name="submission_token" value="([A-Za-z0-9_-]+)"')


# Two tabs, one report, sent at the same instant ----------------------------------------------


def _two_tabs(client, url):
    """The form as two tabs of one browser hold it: one reporter, two form tokens."""
    return [TOKEN.search(client.get(url).content.decode()).group(1) for _ in range(2)]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signed_in", [True, False], ids=["reader", "signed-out"])
def test_one_readers_identical_reports_from_two_tabs_at_once_are_filed_once(signed_in):
    story = ArticleFactory(slug="harbour")
    url = "/articles/harbour/report-bias/"
    client = Client()
    if signed_in:
        client.force_login(UserFactory(username="reader3"))
    tokens = _two_tabs(client, url)
    locked, release, outcomes, threads = threading.Event(), threading.Event(), [{}, {}], []

    def hold_the_story():
        # Both sends then reach the story's row together, as two at the same instant do.
        try:
            with transaction.atomic():
                Article.objects.select_for_update().get(pk=story.pk)
                locked.set()
                release.wait(10)
        finally:
            close_old_connections()
            connection.close()

    def send(token, outcome):
        try:
            outcome["response"] = client.post(url, {
                "reason": "loaded_language", "details": "The headline calls them a mob.",
                "submission_token": token})
        except Exception as error:  # noqa: BLE001 (the test reads it)
            outcome["error"] = error
        finally:
            close_old_connections()
            connection.close()

    holder = threading.Thread(target=hold_the_story)
    holder.start()
    try:
        assert locked.wait(5)
        for token, outcome in zip(tokens, outcomes, strict=True):
            threads.append(threading.Thread(target=send, args=(token, outcome)))
            threads[-1].start()
        assert waiting_on_a_lock(2), "both sends reach the story's row"
    finally:
        release.set()
        holder.join(10)
        for thread in threads:
            thread.join(20)

    assert [outcome.get("error") for outcome in outcomes] == [None, None]
    report = BiasReport.objects.get()
    confirmation = report.get_confirmation_url()
    locations = sorted(outcome["response"]["Location"] for outcome in outcomes)
    # The first is filed; the second is told it was sent already, with the same reference.
    assert locations == [confirmation, confirmation + "?again=1"]
    page = client.get(confirmation + "?again=1").content.decode()
    assert "You have already sent this report" in page and report.reference in page


# The queue's refill goes on from the card the moderator has ------------------------------

QUEUE = "/admin/moderation/comments/"


@pytest.fixture
def moderator(client):
    from django.contrib.auth.models import Group
    user = UserFactory(username="moderator", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    return user


def _cards(html):
    return [int(pk) for pk in re.findall(r'<article class="desk-item" id="comment-(\d+)"', html)]


@pytest.mark.django_db
def test_the_refill_goes_on_after_the_card_it_names_held_and_reported_alike(client,
                                                                          moderator):
    from datetime import timedelta

    from django.utils import timezone

    from comments.models import CommentReport
    from tests.factories import CommentFactory

    start = timezone.now() - timedelta(days=1)
    # In the queue's order: held from when posted, reported from the first open report.
    held = [CommentFactory(status="pending", created_at=start + timedelta(minutes=n))
            for n in (0, 2, 4)]
    reported = []
    for minutes in (1, 3, 5):
        comment = CommentFactory(created_at=start - timedelta(days=3))
        report = CommentReport.objects.create(comment=comment, reporter=UserFactory(),
                                              reason="spam")
        CommentReport.objects.filter(pk=report.pk).update(
            created_at=start + timedelta(minutes=minutes))
        reported.append(comment)
    order = [held[0], reported[0], held[1], reported[1], held[2], reported[2]]
    page = client.get(QUEUE).content.decode()
    assert _cards(page) == [c.pk for c in order]
    since = re.search(rf'id="comment-{held[1].pk}"[^>]*data-since="([^"]+)"', page).group(1)
    more = client.get(QUEUE, {"partial": 1, "after": held[1].pk, "since": since})
    assert _cards(more.content.decode()) == [c.pk for c in order[3:]]
    since = re.search(rf'id="comment-{reported[0].pk}"[^>]*data-since="([^"]+)"',
                      page).group(1)
    for show, expected in (("", order[2:]), ("held", held[1:]), ("reported", reported[1:])):
        more = client.get(QUEUE, {"partial": 1, "show": show, "after": reported[0].pk,
                                  "since": since})
        assert _cards(more.content.decode()) == [c.pk for c in expected], show


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"after": "12"}, {"since": "2026-12-06T10:00:00+00:00"},
                                   {"after": "x", "since": "2026-12-06T10:00:00+00:00"},
                                   {"after": "12", "since": "yesterday"},
                                   {"after": "12", "since": "2026-12-06T10:00:00"},
                                   {"after": "9" * 40, "since": "2026-12-06T10:00:00Z"},
                                   {"after": "12", "since": "0001-01-01T00:00:00+14:00"}])
def test_a_refill_naming_no_card_it_can_read_is_told_so(client, moderator, query):
    response = client.get(QUEUE, {"partial": 1, **query})
    assert response.status_code == 400
    assert "“after” (or “before”) and “since” name a comment the queue shows" in (
        response.content.decode())


# A password-reset link that cannot be used ------------------------------------------------

ASK_AGAIN = '<a href="/accounts/password_reset/">'


def _reset_path(client, email="ana@example.org"):
    from urllib.parse import urlsplit

    from tests.accounts.test_password_reset import reset_link
    return urlsplit(reset_link(client, email)).path


def _says(response, status, title):
    text = response.content.decode()
    assert response.status_code == status, (response.status_code, text[:300])
    assert f"<h1>{title}</h1>" in text and re.search(rf"<title>{title} · [^<]+</title>", text)
    assert ASK_AGAIN in text and "Choose a new password" not in text
    assert response["Cache-Control"].count("no-store") == 1


@pytest.mark.django_db
def test_a_spent_reset_link_answers_gone_and_says_to_ask_for_a_new_one(client, settings):
    import time_machine
    from django.utils import timezone

    ana = UserFactory(username="ana", email="ana@example.org")
    path = _reset_path(client)
    # Past its time: 410, and the password stays.
    with time_machine.travel(timezone.now() + timezone.timedelta(
            seconds=settings.PASSWORD_RESET_TIMEOUT + 60)):
        _says(client.get(path), 410, "This link has expired")
        _says(client.post(path, {"new_password1": "a-new-harbour-passphrase",
                                 "new_password2": "a-new-harbour-passphrase"}),
              410, "This link has expired")
    ana.refresh_from_db()
    assert ana.check_password("a-long-test-passphrase")
    # Used once: the second time, 410.
    from tests.accounts.test_password_reset import set_password
    assert set_password(client, "https://x" + path).status_code == 302
    _says(Client().get(path), 410, "This link has expired")
    # The form's own address, opened where the link was not (another browser): 410.
    _says(Client().get(path.rsplit("/", 2)[0] + "/set-password/"), 410,
          "This link has expired")


@pytest.mark.django_db
def test_a_reset_link_cut_or_changed_answers_bad_request_and_says_so(client):
    UserFactory(username="ana", email="ana@example.org")
    path = _reset_path(client)
    prefix, uid, token = path.rsplit("/", 3)[:3]
    for bad in (f"{prefix}/{uid}/{token[:-6]}/", f"{prefix}/{uid}/{token.upper()}/",
                f"{prefix}/{uid}/not-a-token/", f"{prefix}/Zm9v/{token}/",
                f"{prefix}/OTk5OQ/{token}/"):
        _says(client.get(bad), 400, "This link does not work")
    # The whole link still works, after all that.
    assert client.get(path).status_code == 302


@pytest.mark.django_db
def test_a_spent_reset_links_log_line_names_its_route_not_its_token(client, caplog):
    import logging

    UserFactory(username="ana", email="ana@example.org")
    token = "cz3k2b-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(f"/accounts/reset/MQ/{token}/").status_code in (400, 410)
    # As the site's console handler writes them (core.logs).
    from core.logs import JsonFormatter
    lines = [JsonFormatter().format(record) for record in caplog.records
             if record.name == "django.request"]
    assert lines and all(token not in line and "/accounts/reset/<uidb64>/<token>/" in line
                         for line in lines), lines


# Pages that hold what they say, whatever was decided meanwhile ---------------------------


def _held(count):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import CommentFactory

    start = timezone.now() - timedelta(days=1)
    return [CommentFactory(status="pending", created_at=start + timedelta(minutes=n))
            for n in range(count)]


def _link(html, rel):
    import html as markup
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', html)
    return markup.unescape(found.group(1)) if found else None


@pytest.mark.django_db
@pytest.mark.parametrize("show", ["", "held"])
def test_next_page_goes_on_after_the_last_card_however_many_were_decided(client, moderator,
                                                                        show):
    from comments.models import Comment

    held = _held(25)
    first = client.get(QUEUE, {"show": show} if show else {}).content.decode()
    assert _cards(first) == [c.pk for c in held[:10]]
    assert "25 comments waiting; 1 to 10 are on this page." in first
    # Three of page 1 decided (by another moderator, or by this one's refill) meanwhile.
    Comment.objects.filter(pk__in=[c.pk for c in held[:3]]).update(status="approved")
    second = client.get(_link(first, "next"))
    page = second.content.decode()
    # From the 11th on, none skipped (a count of 10 skipped 11 to 13).
    assert _cards(page) == [c.pk for c in held[10:20]]
    assert "22 comments waiting; 8 to 17 are on this page." in page
    # A decision sent without the script returns to this page, which still starts there
    # (with the log entry it was drawn at, for comments back before it: qa13).
    assert f'name="next" value="{_link(first, "next")}&seen='.replace("&", "&amp;") in page
    Comment.objects.filter(pk=held[12].pk).update(status="hidden")
    again = client.get(_link(first, "next")).content.decode()
    assert _cards(again) == [c.pk for c in held[10:12] + held[13:21]]
    # The page before it: fewer than ten come before its first card, so the queue's start
    # up to it (not the queue's first ten, which brought this page's cards again; qa13).
    back = client.get(_link(again, "prev"))
    assert back.status_code == 200
    assert _cards(back.content.decode()) == [c.pk for c in held[3:10]]
    third = client.get(_link(again, "next")).content.decode()
    assert _cards(third) == [c.pk for c in held[21:25]]
    assert _link(third, "next") is None or 'data-desk-next hidden' in third
    # Its page before: the ten before its first card, from the card before them.
    back = client.get(_link(third, "prev"))
    assert _cards(client.get(back["Location"]).content.decode()) == [
        c.pk for c in held[10:12] + held[13:21]]


@pytest.mark.django_db
def test_a_page_past_the_queues_end_says_so_and_leads_back(client, moderator):
    from comments.models import Comment

    held = _held(12)
    first = client.get(QUEUE).content.decode()
    last = client.get(_link(first, "next")).content.decode()
    Comment.objects.filter(pk__in=[c.pk for c in held[10:]]).update(status="approved")
    empty = client.get(_link(first, "next")).content.decode()
    assert _cards(empty) == []
    assert "Nothing is waiting here" in empty and "all 10 come before this page" in empty
    assert _link(empty, "prev") == QUEUE
    assert _cards(last) == [c.pk for c in held[10:]]


# Comments back in the queue within the page ------------------------------------------------


def _second_moderator(username="moderator2"):
    from django.contrib.auth.models import Group
    other = UserFactory(username=username, is_staff=True)
    other.groups.add(Group.objects.get(name="Moderators"))
    desk = Client()
    desk.force_login(other)
    return other, desk


def _decided_and_undone(desk, comment):
    """Another moderator decides the comment and undoes it: it waits again."""
    from comments.models import ModerationAction
    assert desk.post(f"{QUEUE}{comment.pk}/decide/", {
        "decision": "hide", "version": "new", "next": QUEUE}).status_code == 303
    action = ModerationAction.objects.filter(target__startswith=f"comment {comment.pk} ",
                                             undo__isnull=False).latest("pk")
    assert desk.post(f"/admin/moderation/decisions/{action.pk}/undo/",
                     {"next": QUEUE}).status_code == 303


def _refill(client, page, cards, **extra):
    """The script's refill from a page (its data-more), after the last of its cards."""
    import html as markup
    more = markup.unescape(re.search(r'data-more="([^"]+)"', page).group(1))
    since = re.search(rf'id="comment-{cards[-1]}"[^>]*data-since="([^"]+)"', page).group(1)
    from urllib.parse import urlencode
    query = {"after": cards[-1], "since": since, "shown": ",".join(map(str, cards)), **extra}
    assert "partial=1" in more
    return client.get(f"{more}&{urlencode(query)}")


@pytest.mark.django_db
def test_the_refill_brings_back_a_comment_undone_within_the_page(client, moderator):
    held = _held(14)
    _, desk = _second_moderator()
    page = client.get(QUEUE).content.decode()
    # This moderator has decided the first two; the other decided the third meanwhile, so
    # its card was taken off here ("already decided"), then undid it.
    client.post(f"{QUEUE}{held[0].pk}/decide/", {"decision": "approve", "version": "new"})
    client.post(f"{QUEUE}{held[1].pk}/decide/", {"decision": "approve", "version": "new"})
    _decided_and_undone(desk, held[2])
    held[2].refresh_from_db()
    assert held[2].status == "pending" and held[2].moderated_at is None
    cards = [c.pk for c in held[3:10]]
    more = _refill(client, page, cards).content.decode()
    # Back in its place, marked, before the next ones; not the two decided here.
    assert _cards(more) == [held[2].pk] + [c.pk for c in held[10:14]]
    assert re.search(rf'id="comment-{held[2].pk}"[^>]*data-desk-back', more)
    assert "Back in the queue: it was decided after this page was loaded" in more
    assert len(re.findall("data-desk-back", more)) == 1


@pytest.mark.django_db
def test_the_refill_brings_back_only_what_is_within_the_page(client, moderator):
    held = _held(24)
    _, desk = _second_moderator()
    first = client.get(QUEUE).content.decode()
    second = client.get(_link(first, "next")).content.decode()
    assert _cards(second) == [c.pk for c in held[10:20]]
    # One back within page 2, one within page 1: page 2 is brought its own alone.
    _decided_and_undone(desk, held[13])
    _decided_and_undone(desk, held[4])
    cards = [c.pk for c in held[10:13] + held[14:20]]
    more = _refill(client, second, cards).content.decode()
    assert _cards(more) == [held[13].pk] + [c.pk for c in held[20:24]]
    # Nothing back, nothing marked.
    again = _refill(client, second, [c.pk for c in held[10:20]]).content.decode()
    assert _cards(again) == [c.pk for c in held[20:24]] and "data-desk-back" not in again


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"shown": "1,x"}, {"shown": "1,,2"}, {"shown": "-3"},
                                   {"shown": ",".join(["7"] * 501)}, {"shown": "9" * 19},
                                   {"shown": "1", "from": "3", "from_since": "yesterday"},
                                   {"shown": "1", "from_since": "2026-12-06T09:00:00Z"}])
def test_a_refill_with_a_list_of_cards_it_cannot_read_is_told_so(client, moderator, query):
    response = client.get(QUEUE, {"partial": 1, "after": 12, **query,
                                  "since": "2026-12-06T10:00:00+00:00"})
    assert response.status_code == 400
    assert "“shown” lists the numbers of the comments the page shows" in (
        response.content.decode())


# Two moderators on one comment --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fetch", [True, False], ids=["script", "plain"])
def test_a_comment_decided_by_another_moderator_is_named_where_its_card_was(client,
                                                                            moderator, fetch):
    from tests.factories import CommentFactory

    comment = CommentFactory(status="pending", reader=UserFactory(username="ana"))
    _, desk = _second_moderator()
    assert desk.post(f"{QUEUE}{comment.pk}/decide/", {
        "decision": "hide", "version": "new", "next": QUEUE}).status_code == 303
    headers = {"X-Requested-With": "fetch"} if fetch else {}
    response = client.post(f"{QUEUE}{comment.pk}/decide/", {
        "decision": "approve", "version": "new", "next": QUEUE}, headers=headers, follow=True)
    # (The admin writes its messages with a capital.)
    said = response.content.decode().replace("Moderator2", "moderator2")
    # The notice takes the card's place: it names the comment the card was.
    assert (f"moderator2 has already decided this comment (hidden) since the page was "
            f"loaded: comment {comment.pk} by ana. Nothing was changed.") in said
    comment.refresh_from_db()
    assert comment.status == "hidden" and comment.moderator.username == "moderator2"
    # With a note written: the desk's own page, with the note to copy.
    response = client.post(f"{QUEUE}{comment.pk}/decide/", {
        "decision": "approve", "version": "new", "next": QUEUE,
        "reason": "Fair criticism, not abuse."}, headers=headers)
    assert response.status_code == 409
    assert "Fair criticism, not abuse." in response.content.decode()
    assert f"comment {comment.pk} by ana" in response.content.decode()
