"""A reader's account page says how they may comment and what moderators decided about it
(QA round 13): when, what, and the reason given, never the moderator's name; and it lists
the bias reports they filed, each linking to its outcome. Screenshots in
screenshots/qa13/ at 1280 and 390 px, light and dark."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.browser.test_a11y2_forms import _sign_in
from tests.browser.test_desk import sign_in, staff
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.factories import BiasReportFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa13")


def test_a_reader_reads_the_decisions_about_their_commenting(live_server, new_page, roles):
    from django.contrib.auth.models import Group

    from comments import moderation
    from comments.models import Comment, ReaderStanding

    mod = UserFactory(username="mod-maria", is_staff=True)
    mod.groups.add(Group.objects.get(name="Moderators"))
    reader = UserFactory(username="ana")
    comment = CommentFactory(reader=reader, body="You are all idiots, every one of you.")
    moderation.decide_comment(comment, Comment.Status.HIDDEN, mod,
                              "Insults other readers.", restrict=True)
    standing = ReaderStanding.objects.get(reader=reader)
    standing.suspended_until = timezone.now() + timedelta(days=3)
    standing.note = ("A second insult after a warning: three days without commenting. "
                     "Write to the newsroom if you think this is wrong.")
    standing.updated_by = mod
    standing.save()
    moderation.log_standing(mod, standing)
    BiasReportFactory(reader=reader, status="dismissed", resolved_at=timezone.now(),
                      resolution_note="The word is the court's own.")
    BiasReportFactory(reader=reader)
    page = new_page()
    _sign_in(page, live_server, "ana")
    page.goto(f"{live_server.url}/accounts/")
    part = page.get_by_role("region", name="Your commenting")
    reports = page.get_by_role("region", name="Your bias reports")
    for width, scheme in each_look(page):
        expect(part.get_by_text("Your account cannot post comments until")).to_be_visible()
        expect(part.get_by_role("listitem")).to_have_count(2)
        expect(part.get_by_text("Reason given:")).to_have_count(2)
        expect(page.get_by_text("mod-maria")).to_have_count(0)
        expect(reports.get_by_role("listitem")).to_have_count(2)
        expect(reports.get_by_role("link", name="BR-")).to_have_count(2)
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert serious(page) == []
        shoot(page, "account-standing", width, scheme)


@pytest.fixture
def held(roles):
    """A moderator, and a comment held for them."""
    staff("Moderators", "moderator")
    return CommentFactory(reader=UserFactory(username="loudmouth"), status="pending",
                          hold_reason="Contains a link",
                          body="Cheaper tickets here: www.ferry-deals.example")


def test_the_note_boxes_say_the_reader_sees_them(live_server, held, new_page):
    """The desk's note and the readers' admin's standing note are shown to the reader now
    (their account page): both boxes say so."""
    page = new_page()
    sign_in(page, live_server, "moderator")
    page.goto(live_server.url + "/admin/moderation/comments/")
    card = page.locator(f"#comment-{held.pk}")
    for width, scheme in each_look(page):
        expect(card.get_by_label("Note for the log")).to_be_visible()
        expect(card.get_by_text("(the reader sees it if you restrict them)")).to_be_visible()
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        card.screenshot(path=str(Path(__file__).resolve().parents[2] / "screenshots" / "qa13"
                                 / f"desk-card-note-{width}-{scheme}.png"))
    page.goto(f"{live_server.url}/admin/accounts/reader/{held.reader_id}/change/")
    help_text = page.locator("#id_standing-0-note_helptext")
    for width, scheme in each_look(page):
        expect(help_text).to_have_text("The reader sees it on their account page with this "
                                       "decision (never your name).")
        help_text.scroll_into_view_if_needed()
        shoot(page, "reader-standing-note", width, scheme, full_page=False)
