"""QA round 12, readers' participation and the moderators' desk, in Chromium.

- Two held comments by one reader on one story in the same minute: each card of the
  comment queue, and each of its landmarks, has a name of its own.
- A password-reset link that cannot be used says which way and leads to a new one.
- The queue, refilled as decisions empty it, brings what comes after the page the
  moderator is on, in the view they chose; without the script a decision returns there.

Screenshots go to screenshots/qa12/ (git-ignored), at 1280 and 390 px, light and dark.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment
from tests.browser import axe
from tests.browser.shots import each_look, first_look, shooter
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"  # UserFactory's
shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa12")
QUEUE = "/admin/moderation/comments/"
NAMES = """(selector) => [...document.querySelectorAll(selector)].map((node) =>
  node.getAttribute('aria-labelledby').split(' ')
    .map((id) => document.getElementById(id).textContent.trim()).join(' '))"""


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def sign_in(page, live_server, username, path="/admin/login/"):
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.wait_for_load_state()


# Held in the same minute: names of their own ---------------------------------------------


def test_one_readers_comments_held_in_the_same_minute_have_names_of_their_own(
        live_server, roles, new_page):
    staff("Moderators", "moderator")
    story = ArticleFactory(headline="Ferries resume after the storm",
                           published_at=timezone.now() - timedelta(days=1))
    minute = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    ana = UserFactory(username="ana")
    held = [CommentFactory(article=story, reader=ana, status="pending",
                           hold_reason="Contains a link", body=f"Tickets: www.x.example ({n})",
                           created_at=minute + timedelta(seconds=seconds))
            for n, seconds in ((1, 5), (2, 40))]
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(f"{live_server.url}{QUEUE}?show=held")
    for width, scheme in each_look(page):
        expect(page.locator("[data-desk-item]")).to_have_count(2)
        cards = page.evaluate(NAMES, "[data-desk-item]")
        regions = page.evaluate(NAMES, "section[aria-labelledby]")
        assert len(set(cards)) == 2 and len(regions) == len(set(regions)) == 4, (cards, regions)
        # Named as "Your last decisions" and the log name them: comment <number> by <reader>.
        for comment in held:
            card = page.locator(f"#comment-{comment.pk}")
            expect(card).to_have_accessible_name(
                f"Comment {comment.pk} by ana on “Ferries resume after the storm”")
            expect(card.get_by_role("heading", level=2)).to_be_visible()
            story_region = card.get_by_role("region", name=f"On the story of comment "
                                                         f"{comment.pk} by ana, posted")
            expect(story_region).to_have_count(1)
            expect(card.get_by_role("region", name=f"ana’s latest comments beside comment "
                                                   f"{comment.pk}, posted")).to_have_count(1)
        assert not axe.targets(page, "landmark-unique")
        shoot(page, "queue-same-minute", width, scheme)
    # The reader's own page, where their held comments show: no landmark per comment.
    reader = new_page()
    sign_in(reader, live_server, "ana", "/accounts/login/")
    reader.goto(f"{live_server.url}/accounts/")
    for width, scheme in each_look(reader):
        expect(reader.locator(".account-comments li")).to_have_count(2)
        assert not axe.targets(reader, "landmark-unique")
        shoot(reader, "account-held-same-minute", width, scheme)


# The queue refilled from where the moderator is --------------------------------------------


def _held_comments(count):
    """count comments held on one story, oldest first, each from a reader of its own."""
    story = ArticleFactory(headline="Harbour fares rise",
                           published_at=timezone.now() - timedelta(days=2))
    start = timezone.now() - timedelta(days=1)
    return [CommentFactory(article=story, reader=UserFactory(username=f"reader{n:02d}"),
                           status="pending", hold_reason="Contains a link",
                           body=f"Held comment number {n:02d}: www.x.example",
                           created_at=start + timedelta(minutes=n))
            for n in range(1, count + 1)]


def _cards(page):
    return page.locator("[data-desk-item]").evaluate_all(
        "cards => cards.map((card) => Number(card.id.replace('comment-', '')))")


@pytest.mark.parametrize("show", ["held", ""], ids=["held", "everything"])
def test_the_queue_refills_from_the_page_the_moderator_is_on(live_server, roles, new_page,
                                                             show):
    staff("Moderators", "moderator")
    held = _held_comments(25)
    ids = [comment.pk for comment in held]
    page = new_page()
    sign_in(page, live_server, "moderator")
    view = f"show={show}&" if show else ""
    page.goto(f"{live_server.url}{QUEUE}?{view}page=2")
    assert _cards(page) == ids[10:20]
    # The last card decided, nothing undecided after it: the queue asks for what follows.
    shown = ids[10:20]
    last = page.locator(f"#comment-{shown[-1]}")
    last.get_by_role("button", name="Approve").click()
    expect(page.locator("[data-desk-receipt]")).to_have_count(1)
    # What comes after page 2 (21 to 25), not page 1 again (1 to 10).
    expect(page.locator("[data-desk-item]")).to_have_count(14)
    assert _cards(page) == ids[10:19] + ids[20:25]
    # And again, from the last card the refill brought: the queue's end.
    page.locator(f"#comment-{ids[24]}").get_by_role("button", name="Hide", exact=True).click()
    expect(page.locator("[data-desk-receipt]")).to_have_count(2)
    page.wait_for_load_state("networkidle")
    assert _cards(page) == ids[10:19] + ids[20:24]
    for width, scheme in each_look(page):
        page.locator(f"#comment-{ids[20]}").scroll_into_view_if_needed()
        shoot(page, f"queue-refilled-{show or 'everything'}", width, scheme, full_page=False)


def test_without_javascript_a_decision_returns_to_the_same_page_and_view(live_server, roles,
                                                                        new_page):
    staff("Moderators", "moderator")
    ids = [comment.pk for comment in _held_comments(25)]
    page = new_page(javascript=False)
    sign_in(page, live_server, "moderator")
    page.goto(f"{live_server.url}{QUEUE}?show=held&page=2")
    assert _cards(page) == ids[10:20]
    page.locator(f"#comment-{ids[19]}").get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    # (With the log entry the page was drawn at, for comments back before it: qa13.)
    assert page.url.split("&seen=")[0].endswith(f"{QUEUE}?show=held&page=2")
    assert "&seen=" in page.url
    # Page 2 again, one further on: the decided comment gone, the next one on it.
    assert _cards(page) == ids[10:19] + [ids[20]]
    expect(page.locator(".messagelist")).to_contain_text("Approved the comment by reader20")


# A password-reset link that cannot be used ------------------------------------------------


def test_a_reset_link_that_cannot_be_used_says_so_and_leads_to_a_new_one(live_server,
                                                                       new_page):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(UserFactory(username="ana").pk))
    links = {"spent": (f"/accounts/reset/{uid}/cz3k2b-0f1e2d3c4b5a69788796a5b4c3d2e1f0/",
                       410, "This link has expired"),
             "cut": (f"/accounts/reset/{uid}/cz3k2b-0f1e2d/", 400, "This link does not work")}
    page = new_page()
    for name, (path, status, heading) in links.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == status
        for width, scheme in each_look(page):
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            shoot(page, f"reset-link-{name}", width, scheme)
        first_look(page)
        page.get_by_role("link", name="ask for a new one").click()
        expect(page.get_by_label("Email")).to_be_visible()


# "Next page" after the cards the refill brought -------------------------------------------


def test_next_page_goes_on_after_the_cards_the_refill_brought(live_server, roles, new_page):
    staff("Moderators", "moderator")
    ids = [comment.pk for comment in _held_comments(25)]
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(f"{live_server.url}{QUEUE}?show=held")
    assert _cards(page) == ids[:10]
    # The last card decided: the refill brings 11 to 20 onto the page.
    page.locator(f"#comment-{ids[9]}").get_by_role("button", name="Approve").click()
    expect(page.locator("[data-desk-item]")).to_have_count(19)
    page.wait_for_load_state("networkidle")
    following = page.get_by_role("link", name="Next page")
    for width, scheme in each_look(page):
        expect(following).to_be_visible()
        following.scroll_into_view_if_needed()
        shoot(page, "queue-next-after-refill", width, scheme, full_page=False)
    first_look(page)
    following.click()
    page.wait_for_load_state()
    # What comes after the 20th (21 to 25), not 11 to 20 a second time.
    assert _cards(page) == ids[20:25]
    for width, scheme in each_look(page):
        expect(page.locator("[data-desk-count]")).to_have_text(
            "24 comments waiting; 20 to 24 are on this page.")
        expect(page.get_by_role("link", name="Next page")).to_have_count(0)
        shoot(page, "queue-next-page", width, scheme)
    # Without the script: the next page starts after the page's last card, however many of
    # the page before were decided meanwhile (the queue put back as it was first).
    Comment.objects.filter(pk__in=ids).update(status="pending", moderator=None,
                                              moderated_at=None)
    page = new_page(javascript=False)
    sign_in(page, live_server, "moderator")
    page.goto(f"{live_server.url}{QUEUE}?show=held")
    for comment in ids[:3]:
        page.locator(f"#comment-{comment}").get_by_role("button", name="Hide",
                                                        exact=True).click()
        page.wait_for_load_state()
    assert _cards(page) == ids[3:13]
    page.get_by_role("link", name="Next page").click()
    page.wait_for_load_state()
    assert _cards(page) == ids[13:23]


# Another moderator's Undo, within the page ------------------------------------------------


def _decide(page, pk, button="Approve"):
    before = page.locator("[data-desk-receipt]").count()
    page.locator(f"#comment-{pk}").get_by_role("button", name=button, exact=True).click()
    expect(page.locator("[data-desk-receipt]")).to_have_count(before + 1)


def _two_moderators_at_the_queue(live_server, new_page, count):
    """count held comments, and two moderators each on the queue's first page:
    (the comments' ids, the first one's page, the other's, "moderator2")."""
    staff("Moderators", "moderator")
    staff("Moderators", "moderator2")
    ids = [comment.pk for comment in _held_comments(count)]
    page, other = new_page(), new_page()
    for view, username in ((page, "moderator"), (other, "moderator2")):
        sign_in(view, live_server, username)
        view.goto(f"{live_server.url}{QUEUE}?show=held")
    return ids, page, other


def _hide_and_undo(page, pk):
    """The comment hidden from page, then the decision undone: it waits in the queue again."""
    _decide(page, pk, "Hide")
    page.locator("[data-desk-receipt]").get_by_role("button", name="Undo").click()
    expect(page.locator(f"#comment-{pk}")).to_be_visible()


def test_a_comment_another_moderator_undid_comes_back_in_its_place(live_server, roles,
                                                                   new_page):
    ids, page, other = _two_moderators_at_the_queue(live_server, new_page, 14)
    # The other moderator hides the third comment; this one, pressing Approve on the card
    # drawn before, is told so and nothing is changed; then the other undoes it.
    _decide(other, ids[2], "Hide")
    _decide(page, ids[2])
    notice = page.locator(".desk-notice")
    for width, scheme in each_look(page):
        expect(notice).to_contain_text(f"moderator2 has already decided this comment "
                                       f"(hidden) since the page was loaded: comment "
                                       f"{ids[2]} by reader03. Nothing was changed.")
        notice.scroll_into_view_if_needed()
        shoot(page, "queue-decided-by-another", width, scheme, full_page=False)
    first_look(page)
    other.locator("[data-desk-receipt]").get_by_role("button", name="Undo").click()
    expect(other.locator(f"#comment-{ids[2]}")).to_be_visible()
    assert Comment.objects.get(pk=ids[2]).status == "pending"
    # Down the page to its last cards: the refill brings the next ones, and the third
    # back in its place, marked, though it waited longer than the last card here.
    for pk in ids[3:8]:
        _decide(page, pk)
    back = page.locator(f"#comment-{ids[2]}")
    expect(back).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert _cards(page) == [*ids[:3], ids[8], ids[9], *ids[10:14]]
    # Where it stood: after the notice that took its card, before the next one's receipt.
    assert back.evaluate("(card) => [card.previousElementSibling.textContent.trim(), "
                         "card.nextElementSibling.textContent.trim()]") == [
        notice.text_content().strip(), page.locator("[data-desk-receipt]").nth(1)
        .text_content().strip()]
    for width, scheme in each_look(page):
        expect(back).to_be_visible()
        expect(back.locator("[data-desk-card-notice]")).to_have_text(
            "Back in the queue: it was decided after this page was loaded, and is waiting "
            "again.")
        expect(page.locator("[data-desk-live]")).to_contain_text(
            f"A comment came back to the queue, marked “Back in the queue” where it waits: "
            f"comment {ids[2]}.")
        back.scroll_into_view_if_needed()
        shoot(page, "queue-back-in-place", width, scheme, full_page=False)
    first_look(page)
    # And decided from there like any other.
    _decide(page, ids[2], "Hide")
    assert Comment.objects.get(pk=ids[2]).status == "hidden"
    # Without the script, each decision draws the page again: the comment is back on it (the
    # queue put back as it was first).
    Comment.objects.filter(pk__in=ids).update(status="pending", moderator=None,
                                              moderated_at=None)
    page = new_page(javascript=False)
    sign_in(page, live_server, "moderator")
    page.goto(f"{live_server.url}{QUEUE}?show=held")
    Comment.objects.filter(pk=ids[2]).update(status="hidden")
    page.locator(f"#comment-{ids[0]}").get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert ids[2] not in _cards(page)
    Comment.objects.filter(pk=ids[2]).update(status="pending")
    page.locator(f"#comment-{ids[1]}").get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert _cards(page)[:2] == [ids[2], ids[3]]
