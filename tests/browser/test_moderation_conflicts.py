"""What a moderator or an editor sees when another got there first, and a reader's sign-in
with a field left empty.

Screenshots at 1280 px and 390 px, light and dark, go to
screenshots/moderation-conflicts/ (git-ignored), to be looked at by a person.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from comments import moderation
from comments.models import Comment, ReaderStanding
from tests.browser.shots import each_look, shooter
from tests.browser.test_desk import sign_in, staff
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from articles.models import Section
from tests.factories import CommentFactory, SectionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "moderation-conflicts")


def test_a_list_action_on_a_comment_decided_since_says_so(live_server, new_page, roles):
    staff("Moderators", "jmod")
    other = staff("Moderators", "kmod")
    comment = CommentFactory(body="Held at the quay: see my site", status="pending")
    page = new_page()
    sign_in(page, live_server, "jmod")
    page.goto(f"{live_server.url}/admin/comments/comment/?status__exact=pending")
    expect(page.locator(".actions")).not_to_contain_text("Drawn")  # a hidden field
    moderation.decide_comments([comment], Comment.Status.APPROVED, other, "fine")
    page.locator(f"input[name=_selected_action][value='{comment.pk}']").check()
    page.select_option("select[name=action]", "hide")
    page.click("button[name=index]")
    warning = page.locator(".messagelist .warning")
    for width, scheme in each_look(page):
        expect(warning).to_contain_text("decided by someone else since this list was loaded")
        expect(warning).to_contain_text("Held at the quay")
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        shoot(page, "comment-list", width, scheme, full_page=False)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


def test_a_standing_set_since_the_page_opened_is_said(live_server, new_page, roles):
    staff("Moderators", "jmod")
    other = staff("Moderators", "kmod")
    reader = UserFactory(username="loud")
    page = new_page()
    sign_in(page, live_server, "jmod")
    page.goto(f"{live_server.url}/admin/accounts/reader/{reader.pk}/change/")
    ReaderStanding.objects.create(reader=reader, is_banned=True, updated_by=other)
    page.check("#id_standing-0-is_premoderated")
    page.click("input[name=_save]")
    error = page.locator(".inline-group .errorlist")
    for width, scheme in each_look(page):
        expect(error).to_contain_text("kmod set this reader’s standing after you opened the "
                                      "page: suspended for good")
        expect(page.locator("#id_standing-0-is_premoderated")).to_be_checked()
        error.scroll_into_view_if_needed()
        shoot(page, "standing", width, scheme, full_page=False)


def test_a_sign_in_with_a_field_left_empty_says_which(live_server, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "reader")
    page.evaluate("document.querySelector('#id_password').removeAttribute('required')")
    page.click(".stacked-form button[type=submit]")
    for width, scheme in each_look(page):
        expect(page.locator(".notice")).to_have_text("Please check the fields marked below.")
        expect(page.locator("#id_password_error")).to_contain_text("This field is required.")
        expect(page.locator("#id_username")).to_have_value("reader")
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        shoot(page, "sign-in", width, scheme, full_page=False)


def test_a_section_list_saved_over_a_newer_position_says_so(live_server, new_page, roles):
    staff("Editors", "jeditor")
    Section.objects.all().delete()
    climate = SectionFactory(name="Climate", slug="climate", position=4)
    page = new_page()
    sign_in(page, live_server, "jeditor")
    page.goto(f"{live_server.url}/admin/articles/section/")
    Section.objects.filter(pk=climate.pk).update(position=10)  # saved elsewhere meanwhile
    page.fill("#id_form-0-position", "7")
    page.click("input[name=_save]")
    for width, scheme in each_look(page):
        expect(page.locator(".errorlist")).to_contain_text(
            "Someone else saved “10” here after you opened this list")
        expect(page.locator("#id_form-0-position")).to_have_value("7")
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        shoot(page, "section-list", width, scheme, full_page=False)
    climate.refresh_from_db()
    assert climate.position == 10
    page.click("input[name=_save]")  # again, having seen theirs
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    climate.refresh_from_db()
    assert climate.position == 7
