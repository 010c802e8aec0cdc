"""What people see of the desks round's fixes, in a real Chromium.

Screenshots go to screenshots/desks/ (git-ignored), at 1280 px and 390 px, light
and dark, to be looked at by a person: search naming a filter it does not know,
a password reset refused out loud, a reader told they have reported enough for
the hour, a moderator refused a suspension that has already ended, and an
editor told a related story is picked twice.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import ReaderStanding
from core import ratelimit
from tests.browser.shots import each_look, shooter
from tests.browser.test_participation import sign_in
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "desks"


shoot = shooter(SHOTS)


def staff_page(new_page, live_server, user):
    page = new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "a-long-test-passphrase")  # UserFactory's
    with page.expect_navigation():
        page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_have_text("EVA DAILY newsroom")
    return page


def test_search_says_a_section_it_does_not_know(live_server, newsroom, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/search/?q=harbour&section=nosuch")
    for width, scheme in each_look(page):
        expect(page.locator(".search-notice")).to_contain_text(
            "There is no section “nosuch”; showing results from every section.")
        shoot(page, "search-unknown-section", width, scheme)


def test_a_refused_password_reset_is_said_out_loud(live_server, newsroom, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/accounts/password_reset/")
    page.get_by_label("Email").fill("a@b")
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()
    for width, scheme in each_look(page):
        expect(page.get_by_role("alert").first).to_contain_text("Please check what is marked")
        assert page.get_by_label("Email").input_value() == "a@b"
        shoot(page, "password-reset-refused", width, scheme)


def test_a_reader_who_reported_enough_is_told_when_to_report_again(live_server, newsroom,
                                                                  new_page):
    reader = UserFactory(username="ana")
    comment = CommentFactory(article=newsroom["lead"], body="A comment worth reporting.")
    for _ in range(10):  # the hour's allowance, used up elsewhere
        ratelimit.acquire(ratelimit.COMMENT_REPORT_LIMITS, f"reader:{reader.pk}")
    page = new_page(javascript=False)
    url = f"/articles/{newsroom['lead'].slug}/comments/"
    sign_in(page, live_server, reader, next_url=url)
    page.goto(live_server.url + url)
    page.locator(f"#comment-{comment.pk} summary").click()
    page.locator(f"#comment-{comment.pk} input[value=spam]").check()
    with page.expect_navigation():
        page.locator(f"#comment-{comment.pk}").get_by_role("button",
                                                           name="Send report").click()
    for width, scheme in each_look(page):
        expect(page.locator(".notice").first).to_contain_text(
            "You have reported many comments in a short time.")
        shoot(page, "report-limit", width, scheme)


def test_a_suspension_that_has_ended_is_refused(live_server, newsroom, roles, new_page):
    moderator = UserFactory(username="mod", first_name="Mo", last_name="Derator",
                            is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    reader = UserFactory(username="loud")
    ReaderStanding.objects.create(reader=reader,
                                  suspended_until=timezone.now() + timedelta(days=2))
    past = (timezone.localtime() - timedelta(days=365)).date().isoformat()
    page = staff_page(new_page, live_server, moderator)
    page.goto(f"{live_server.url}/admin/accounts/reader/{reader.pk}/change/")
    page.fill("#id_standing-0-suspended_until_0", past)
    page.fill("#id_standing-0-note", "Typed by mistake")
    with page.expect_navigation():
        page.click("input[name=_save]")
    for width, scheme in each_look(page):
        expect(page.locator(".errorlist").first).to_contain_text("This date has passed")
        assert page.input_value("#id_standing-0-note") == "Typed by mistake"
        shoot(page, "suspension-ended-refused", width, scheme)


def test_an_editor_is_told_a_related_story_is_picked_twice(live_server, newsroom, roles,
                                                            new_page):
    editor = UserFactory(username="jeditor", first_name="Jane", last_name="Editor",
                         is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    story, picked = newsroom["others"][0], newsroom["others"][2]  # by the human author
    page = staff_page(new_page, live_server, editor)
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    rows = page.locator("[id^=related_links-]").count()
    assert rows  # the inline is there
    page.evaluate("""([pk]) => {
        const form = document.querySelector('#article_form');
        const total = form.querySelector('[name=related_links-TOTAL_FORMS]');
        const start = Number(total.value);
        for (let i = start; i < start + 2; i++) {
            for (const [name, value] of [['to_article', pk], ['position', i]]) {
                const input = document.createElement('input');
                input.type = 'hidden';
                input.name = `related_links-${i}-${name}`;
                input.value = value;
                form.append(input);
            }
        }
        total.value = start + 2;
    }""", [picked.pk])
    with page.expect_navigation():
        page.click("input[name=_save]")
    for width, scheme in each_look(page, looks=((1280, "light"), (390, "dark"))):
        expect(page.locator(".errorlist").first).to_contain_text("is picked twice")
        page.locator(".errorlist").first.scroll_into_view_if_needed()
        shoot(page, "related-picked-twice", width, scheme)
