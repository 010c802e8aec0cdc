"""QA round 13, the comment queue's keyed pages, in Chromium.

- Cards another moderator decided while they were on the page are marked by the refill,
  where they are, before the moderator reads them.
- A comment that comes back to the queue before the page the moderator is on is named in a
  notice above the queue, with a link to it.

Screenshots go to screenshots/qa13/ (git-ignored), at 1280 and 390 px, light and dark.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.browser.shots import each_look, first_look, shooter
from tests.browser.test_qa12_participation import (
    QUEUE, _cards, _decide, _held_comments, _hide_and_undo, _two_moderators_at_the_queue,
    sign_in, staff)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa13")


def test_cards_another_moderator_decided_are_marked_by_the_refill(live_server, roles,
                                                                  new_page):
    ids, page, other = _two_moderators_at_the_queue(live_server, new_page, 14)
    # The other moderator hides the ninth; this one works down the page to it.
    _decide(other, ids[8], "Hide")
    for pk in ids[:8]:
        _decide(page, pk)
    # The refill (fewer than three undecided left) marks it before anyone acts on it.
    notice = page.locator(f"[data-desk-taken='{ids[8]}']")
    expect(notice).to_be_attached()
    expect(page.locator(f"#comment-{ids[8]}")).to_have_count(0)
    page.wait_for_load_state("networkidle")
    assert _cards(page) == [ids[9], *ids[10:14]]
    for width, scheme in each_look(page):
        expect(notice).to_have_text(f"moderator2 has already decided this comment (hidden) "
                                    f"since the page was loaded: comment {ids[8]} by "
                                    f"reader09. Nothing was changed.")
        expect(page.locator("[data-desk-live]")).to_contain_text(
            f"decided by someone else or deleted meanwhile: comment {ids[8]}")
        notice.scroll_into_view_if_needed()
        shoot(page, "queue-taken-marked", width, scheme, full_page=False)


def test_a_comment_back_before_the_page_is_named_above_the_queue(live_server, roles,
                                                                 new_page):
    ids, page, other = _two_moderators_at_the_queue(live_server, new_page, 24)
    page.get_by_role("link", name="Next page").click()
    page.wait_for_load_state()
    assert _cards(page) == ids[10:20]
    # The other moderator hides the fifth comment and undoes it: it waits on page 1.
    _hide_and_undo(other, ids[4])
    for pk in ids[10:18]:
        _decide(page, pk)
    earlier = page.locator(".desk-earlier")
    expect(earlier).to_be_attached()
    page.wait_for_load_state("networkidle")
    # The notice photographed at each look, then its link followed.
    for width, scheme in each_look(page):
        expect(earlier).to_have_text(
            f"A comment came back to the queue before this page since it was loaded (a "
            f"decision on it was undone): comment {ids[4]}. It waits on an earlier page. "
            f"Go to comment {ids[4]}")
        expect(page.locator("[data-desk-live]")).to_contain_text(f"comment {ids[4]}")
        earlier.scroll_into_view_if_needed()
        shoot(page, "queue-back-earlier", width, scheme, full_page=False)
    first_look(page)
    earlier.get_by_role("link").click()
    page.wait_for_load_state()
    assert _cards(page)[0] == ids[4]
    # Without the script, the page a decision returns to says so (the queue put back as it
    # was first).
    Comment.objects.filter(pk__in=ids).update(status="pending", moderator=None,
                                              moderated_at=None)
    page = new_page(javascript=False)
    sign_in(page, live_server, "moderator")
    page.goto(f"{live_server.url}{QUEUE}?show=held")
    page.get_by_role("link", name="Next page").click()
    page.wait_for_load_state()
    other = new_page()
    sign_in(other, live_server, "moderator2")
    other.goto(f"{live_server.url}{QUEUE}?show=held")
    _hide_and_undo(other, ids[6])
    page.locator(f"#comment-{ids[10]}").get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    expect(page.locator(".desk-earlier")).to_contain_text(f"comment {ids[6]}")
    assert _cards(page) == ids[11:21]


def test_previous_page_with_few_before_it_holds_just_those(live_server, roles, new_page):
    staff("Moderators", "moderator")
    ids = [comment.pk for comment in _held_comments(14)]
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(f"{live_server.url}{QUEUE}?show=held")
    page.get_by_role("link", name="Next page").click()
    page.wait_for_load_state()
    assert _cards(page) == ids[10:14]
    Comment.objects.filter(pk__in=ids[:6]).update(status="approved")
    page.get_by_role("link", name="Previous page").click()
    page.wait_for_load_state()
    assert _cards(page) == ids[6:10]
    for width, scheme in each_look(page):
        expect(page.locator("[data-desk-count]")).to_have_text(
            "8 comments waiting; 1 to 4 are on this page.")
        expect(page.get_by_role("link", name="Previous page")).to_have_count(0)
        shoot(page, "queue-page-before", width, scheme)
