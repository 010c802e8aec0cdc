"""The account page of a former moderator's account, which the moderation log keeps (QA round
12): no link to a deletion page that would only refuse, but a line saying the account is kept
on the newsroom's record and what deactivation, which the administrator does, means; a
reader's page still offers deletion. Screenshots in screenshots/qa12/ at 1280 and 390 px,
light and dark."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.browser.test_a11y2_forms import _sign_in
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa12")
SAID = ("Your account is kept on the newsroom's record: it is named as the moderator of "
        "decisions in the moderation log, so it cannot be deleted. The newsroom's "
        "administrator can deactivate it instead: a deactivated account can no longer sign "
        "in and is signed out of every browser, and its name stays on the record.")


def leaving(page):
    return page.get_by_role("region", name="Leaving")


def test_a_former_moderators_account_page_says_it_is_kept_and_a_readers_offers_deletion(
        live_server, new_page, roles):
    from comments import moderation
    from comments.models import Comment

    mod = UserFactory(username="was-mod", is_staff=True)
    mod.groups.add(Group.objects.get(name="Moderators"))
    moderation.decide_comment(CommentFactory(status="pending"), Comment.Status.HIDDEN, mod,
                              "Spam link.")
    mod.groups.clear()
    mod.is_staff = False
    mod.save()
    reader = UserFactory(username="ana")
    CommentFactory(reader=reader)
    for who in ("was-mod", "ana"):
        page = new_page()
        _sign_in(page, live_server, who)
        page.goto(f"{live_server.url}/accounts/")
        part = leaving(page)
        delete = part.get_by_role("link", name="Delete your account…")
        for width, scheme in each_look(page):
            if who == "was-mod":
                expect(part.get_by_text(SAID)).to_be_visible()
                expect(delete).to_have_count(0)
            else:
                expect(delete).to_be_visible()
                expect(part.get_by_text("newsroom's record")).to_have_count(0)
            assert page.evaluate(NO_HORIZONTAL_SCROLL)
            assert serious(page) == []
            shoot(page, "account-" + ("on-the-record" if who == "was-mod" else "reader"),
                  width, scheme)
