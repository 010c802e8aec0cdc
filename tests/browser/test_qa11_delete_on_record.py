"""The deletion page of a former moderator's account, which the moderation log keeps (QA
round 11): it says so when opened, with no password box and no button; a reader's page
still offers the form. Screenshots in screenshots/qa11/ at 1280 and 390 px, light and dark."""

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

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa11")
SAID = ("This account is named as the moderator of decisions in the moderation log, so it "
        "cannot be deleted here. Ask the newsroom's administrator to deactivate it instead.")


def test_a_former_moderator_is_told_at_once_and_a_reader_gets_the_form(live_server,
                                                                       new_page, roles):
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
    page = new_page()
    _sign_in(page, live_server, "was-mod")
    page.goto(f"{live_server.url}/accounts/delete/")
    for width, scheme in each_look(page):
        expect(page.get_by_role("alert")).to_have_text(SAID)
        expect(page.get_by_label("Password")).to_have_count(0)
        expect(page.get_by_role("button", name="Delete my account")).to_have_count(0)
        expect(page.get_by_role("link", name="Back to your account")).to_be_visible()
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert serious(page) == []
        shoot(page, "delete-on-the-record", width, scheme)
    page = new_page()
    _sign_in(page, live_server, "ana")
    page.goto(f"{live_server.url}/accounts/delete/")
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_role("button", name="Delete my account")).to_be_visible()
