"""QA round 13: the comment queue's keyed pages (?after=&since=, ?before=, the refill)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import CommentFactory, UserFactory
from tests.test_qa12_participation import (QUEUE, _cards, _decided_and_undone, _held, _link,
                                           _refill, _second_moderator, moderator)

__all__ = ["moderator"]  # the fixture, for the tests below


def _mixed(count):
    """Held and reported comments in turn, some waiting since the same moment (the id
    breaks the tie), in the queue's order."""
    from comments.models import CommentReport

    start = timezone.now() - timedelta(days=1)
    order = []
    for n in range(count):
        when = start + timedelta(minutes=n // 2)
        if n % 2 == 0:
            order.append(CommentFactory(status="pending", created_at=when))
            continue
        comment = CommentFactory(created_at=start - timedelta(days=3))
        report = CommentReport.objects.create(comment=comment, reporter=UserFactory(),
                                              reason="spam")
        CommentReport.objects.filter(pk=report.pk).update(created_at=when)
        order.append(comment)
    return order


def _counts(queries):
    return [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]


# One count for a keyed page ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("show", ["", "held", "reported"])
def test_a_keyed_page_counts_the_queue_once_and_says_whats_on_it(client, moderator, show):
    order = _mixed(30)
    shown = {"": order, "held": order[0::2], "reported": order[1::2]}[show]
    first = client.get(QUEUE, {"show": show} if show else {}).content.decode()
    assert _cards(first) == [c.pk for c in shown[:10]]
    with CaptureQueriesContext(connection) as queries:
        page = client.get(_link(first, "next")).content.decode()
    assert _cards(page) == [c.pk for c in shown[10:20]]
    # What the page holds, counted in one query: the whole queue and what comes before it.
    assert len(_counts(queries.captured_queries)) == 1, _counts(queries.captured_queries)
    assert f"{len(shown)} comments waiting; 11 to {min(20, len(shown))} are on this" in page


# The page before a page ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("show", ["", "held"])
def test_the_page_before_holds_only_what_comes_before_this_page(client, moderator, show):
    from comments.models import Comment

    held = _held(14)
    first = client.get(QUEUE, {"show": show} if show else {}).content.decode()
    second = client.get(_link(first, "next")).content.decode()
    assert _cards(second) == [c.pk for c in held[10:14]]
    # Six of page 1 decided meanwhile: four come before this page.
    Comment.objects.filter(pk__in=[c.pk for c in held[:6]]).update(status="approved")
    before = client.get(_link(second, "prev"), follow=True)
    page = before.content.decode()
    # Those four alone: the queue's first ten had brought this page's cards again.
    assert _cards(page) == [c.pk for c in held[6:10]]
    assert "8 comments waiting; 1 to 4 are on this page." in page
    assert _link(page, "prev") is None
    # Its next page is the one it was opened from.
    assert _cards(client.get(_link(page, "next")).content.decode()) == [
        c.pk for c in held[10:14]]
    # A decision without the script returns to it.
    assert re.search(r'name="next" value="[^"]*before=', page)


@pytest.mark.django_db
def test_the_page_before_with_all_of_it_decided_leads_on_to_the_queue(client, moderator):
    from comments.models import Comment

    held = _held(14)
    first = client.get(QUEUE).content.decode()
    second = client.get(_link(first, "next")).content.decode()
    Comment.objects.filter(pk__in=[c.pk for c in held[:6]]).update(status="approved")
    previous = _link(second, "prev")
    Comment.objects.filter(pk__in=[c.pk for c in held[6:10]]).update(status="hidden")
    page = client.get(previous).content.decode()
    assert _cards(page) == [] and "Nothing is waiting here" in page
    assert _link(page, "next") == QUEUE


# Cards another moderator decided meanwhile ---------------------------------------------------


@pytest.mark.django_db
def test_the_refill_marks_the_cards_another_moderator_decided_meanwhile(client, moderator):
    from comments.models import Comment

    held = _held(14)
    _, desk = _second_moderator()
    page = client.get(QUEUE).content.decode()
    # This moderator decided the first two; the other hid the fourth and the sixth, and one
    # was deleted, while their cards were still on this page.
    for comment in held[:2]:
        client.post(f"{QUEUE}{comment.pk}/decide/", {"decision": "approve", "version": "new"})
    for comment in (held[3], held[5]):
        assert desk.post(f"{QUEUE}{comment.pk}/decide/", {
            "decision": "hide", "version": "new", "next": QUEUE}).status_code == 303
    Comment.objects.filter(pk=held[7].pk).delete()
    cards = [c.pk for c in held[2:10]]
    more = _refill(client, page, cards).content.decode()
    assert _cards(more) == [c.pk for c in held[10:14]]
    # Each named where its card is, as a decision on it would have been answered.
    for comment in (held[3], held[5]):
        notice = re.search(rf'<div [^>]*data-desk-taken="{comment.pk}"[^>]*>\s*<p>([^<]+)</p>',
                           more)
        assert notice, comment.pk
        assert notice.group(1) == (
            f"moderator2 has already decided this comment (hidden) since the page was loaded: "
            f"comment {comment.pk} by {comment.author_name}. Nothing was changed.")
    assert re.search(rf'data-desk-taken="{held[7].pk}"[^>]*>\s*<p>That comment no longer '
                     rf'exists', more)
    assert len(re.findall("data-desk-taken=", more)) == 3
    # Without the script, the page drawn again (as after each decision) shows none of them.
    again = client.get(QUEUE).content.decode()
    assert _cards(again) == [c.pk for c in held[2:3] + held[4:5] + held[6:7] + held[8:14]]


# A comment back in the queue before the page ----------------------------------------------


def _earlier(html):
    import html as markup
    found = re.search(r'<p class="desk-earlier" role="status">(.*?)</p>', html, re.S)
    return markup.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else None


@pytest.mark.django_db
@pytest.mark.parametrize("show", ["", "held"])
def test_a_comment_back_before_a_keyed_page_is_named_on_it(client, moderator, show):
    held = _held(24)
    _, desk = _second_moderator()
    first = client.get(QUEUE, {"show": show} if show else {}).content.decode()
    second = client.get(_link(first, "next")).content.decode()
    assert _cards(second) == [c.pk for c in held[10:20]] and _earlier(second) is None
    # Another moderator decides the fifth and the tenth (the card page 2 goes on after),
    # and undoes it: both wait again, on page 1.
    _decided_and_undone(desk, held[9])
    _decided_and_undone(desk, held[4])
    expected = (f"2 comments came back to the queue before this page since it was loaded (a "
                f"decision on them was undone): comment {held[4].pk}, comment {held[9].pk}. "
                f"They wait on an earlier page. Go to comment {held[4].pk}")
    # The script's refill says so (and brings the next ones).
    cards = [c.pk for c in held[10:20]]
    more = _refill(client, second, cards).content.decode()
    assert _cards(more) == [c.pk for c in held[20:24]]
    assert _earlier(more) == expected
    # Without the script, a decision draws the page again: it says so too.
    import html as markup
    back_to = markup.unescape(re.search(r'name="next" value="([^"]+)"', second).group(1))
    assert "seen=" in back_to
    again = client.get(back_to).content.decode()
    assert _cards(again) == [c.pk for c in held[10:20]]
    assert _earlier(again) == expected
    # The link leads to the page that holds the first of them.
    link = markup.unescape(re.search(r'class="desk-earlier".*?<a href="([^"]+)"', again,
                                     re.S).group(1))
    assert _cards(client.get(link).content.decode())[0] == held[4].pk
    # Opened afresh (Next page, a bookmark), the page has nothing to say about it.
    assert _earlier(client.get(_link(first, "next")).content.decode()) is None
    # Decided again, it is no longer named.
    client.post(f"{QUEUE}{held[4].pk}/decide/", {"decision": "approve", "version": "new"})
    assert _earlier(client.get(back_to).content.decode()).startswith(
        "A comment came back to the queue before this page since it was loaded (a decision on "
        f"it was undone): comment {held[9].pk}. It waits on an earlier page.")


@pytest.mark.django_db
@pytest.mark.parametrize("seen", ["x", "-1", "9" * 19, ""])
def test_a_page_naming_a_log_entry_it_cannot_read_is_told_so(client, moderator, seen):
    response = client.get(QUEUE, {"after": 12, "since": "2026-12-06T10:00:00+00:00",
                                  "seen": seen})
    assert response.status_code == 400
    assert "“seen” is the number of the moderation log" in response.content.decode()


# Paging addresses off the happy path ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    "page=-1", "page=0", "page=99999999999999999999999", "page=abc", "page=%00",
    "page=1e3", "show=nonsense", "show=held&page=", "before=-4&since=2026-12-06T10:00:00Z",
    "before=4", "before=4&since=", "before=4&since=2026-12-06T10:00:00",
    "before=4&since=9999-12-31T23:59:59-14:00", "before=" + "9" * 30
    + "&since=2026-12-06T10:00:00Z", "after=4&since=2026-13-45T10:00:00Z",
    "after=4&since=2026-12-06T10:00:00%2B99:00", "after=%00&since=%00",
    "after=4&since=2026-12-06T10:00:00Z&before=5", "partial=1&after=4&since=2026-12-06"
    "T10:00:00Z&from=x", "partial=1&after=4&since=2026-12-06T10:00:00Z&shown=&from=3&"
    "from_since=2026-12-06T09:00:00Z&seen=0", "after=4&since=0001-01-01T00:00:00Z",
    "before=4&since=0001-01-01T00:00:00Z", "after=4&since=9999-12-31T23:59:59.999999Z",
    "after=٣&since=2026-12-06T10:00:00Z", "after=4&after=5&since=2026-12-06T10:00:00Z",
])
def test_paging_addresses_off_the_happy_path_are_answered_not_a_500(client, moderator,
                                                                    query):
    held = _held(24)
    response = client.get(f"{QUEUE}?{query}")
    assert response.status_code in (200, 303, 400), response.status_code
    if response.status_code == 400:
        said = response.content.decode()
        # The desk's words, or the site's for a NUL in the address (core's middleware).
        assert "name" in said or "lists" in said or said == "Bad query string.", said
    if response.status_code == 200 and "partial" not in query:
        assert "comments waiting" in response.content.decode()
    assert len(held) == 24


@pytest.mark.django_db
def test_a_card_of_the_page_undone_is_not_named_as_before_it(client, moderator):
    held = _held(24)
    _, desk = _second_moderator()
    # An older, counted page: it starts at its first card, which is on it.
    second = client.get(QUEUE, {"page": 2}).content.decode()
    assert _cards(second) == [c.pk for c in held[10:20]]
    _decided_and_undone(desk, held[10])
    more = _refill(client, second, [c.pk for c in held[10:20]])
    assert more.status_code == 200
    assert _cards(more.content.decode()) == [c.pk for c in held[20:24]]
    assert _earlier(more.content.decode()) is None
