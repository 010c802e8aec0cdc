"""The desk and the comment list in Chromium: a newsroom account is hidden but not restricted,
and a bulk decision counts the comments it left as they were. Screenshots, 1280 and 390 px,
light and dark, go to screenshots/fmod/ (git-ignored), to be looked at."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment, ModerationAction, ReaderStanding
from tests.browser.shots import each_look
from tests.browser.test_desk import sign_in
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "fmod"
QUEUE = "/admin/moderation/comments/"
REFUSED = "This comment is by editor, a newsroom account: newsroom accounts are not put in"


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def shot(page, name, width, scheme):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)


@pytest.fixture
def desk(roles):
    story = ArticleFactory(headline="Ferries resume after the storm")
    now = timezone.now()
    # Not staff yet: the card is drawn with the restriction offered, as on a page
    # loaded before the account joined the newsroom.
    author = UserFactory(username="editor")
    held = CommentFactory(article=story, reader=author, status="pending",
                          hold_reason="Contains a link", body="Timetable: www.x.example",
                          created_at=now - timedelta(hours=1))
    staff("Moderators", "moderator")
    return {"author": author, "held": held}


def test_a_stale_restriction_brings_the_card_back_saying_why(live_server, desk, new_page):
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + QUEUE)
    card = page.locator(f"#comment-{desk['held'].pk}")
    restrict = card.locator("button[value=restrict]")
    expect(restrict).to_be_visible()
    desk["author"].is_staff = True
    desk["author"].save()
    restrict.click()
    card = page.locator(f"#comment-{desk['held'].pk}")
    live = page.locator("[data-desk-live]")
    for width, scheme in each_look(page):
        expect(card.locator("[data-desk-card-notice]")).to_contain_text(REFUSED)
        expect(card.locator("button[value=restrict]")).to_have_count(0)
        expect(card).to_contain_text("a newsroom account, not restricted by moderators")
        # Read out as it is: nothing was undone.
        expect(live).to_contain_text(REFUSED)
        expect(live).not_to_contain_text("Undone")
        assert not ReaderStanding.objects.exists() and not ModerationAction.objects.exists()
        shot(page, "desk-restriction-refused", width, scheme)
    # Hide still works, with the card's own button.
    card.locator("button[value=hide]").click()
    expect(page.locator(".desk-receipt").first).to_contain_text("Hid the comment by editor.")
    assert Comment.objects.get().status == "hidden"


def test_without_the_script_the_refusal_is_the_queues_message(live_server, desk, new_page):
    page = new_page(javascript=False)
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + QUEUE)
    desk["author"].is_staff = True
    desk["author"].save()
    page.locator(f"#comment-{desk['held'].pk} button[value=restrict]").click()
    restrict = page.locator(f"#comment-{desk['held'].pk} button[value=restrict]")
    for width, scheme in each_look(page):
        expect(page.locator(".messagelist")).to_contain_text(REFUSED)
        expect(restrict).to_have_count(0)
        shot(page, "desk-restriction-refused-no-js", width, scheme)


def test_the_comment_list_counts_the_comments_already_so(live_server, roles, new_page):
    first = staff("Moderators", "first")
    staff("Moderators", "moderator")
    earlier = timezone.now() - timedelta(hours=2)
    for n in range(1, 4):
        CommentFactory(body=f"Approved {n}", moderator=first, moderated_at=earlier)
    CommentFactory(body="Held 1", status="pending")
    CommentFactory(body="Held 2", status="pending")
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + "/admin/comments/comment/")
    for body in ("Held 1", "Held 2", "Approved 1"):
        page.locator("#result_list tr", has_text=body).locator("input.action-select").check()
    page.select_option("select[name=action]", "approve")
    page.locator("button[name=index]").click()
    for width, scheme in each_look(page):
        expect(page.locator(".messagelist")).to_have_text(
            "2 comments approved; 1 was already approved.")
        shot(page, "comment-list-already-approved", width, scheme)
    assert ModerationAction.objects.count() == 2
