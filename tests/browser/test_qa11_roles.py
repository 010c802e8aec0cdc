"""What a newsroom account sees of QA round 11's fixes (roles and staff accounts), in a real
Chromium. Screenshots go to screenshots/qa11/ (git-ignored), at 1280 px and 390 px, light and
dark."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.views import PASSWORD_CHECK_LIMITS
from tests.browser.shots import shooter
from tests.browser.test_desk import serious
from tests.browser.test_participation import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "qa11"
VIEWS = [(1280, "light"), (390, "dark"), (1280, "dark"), (390, "light")]
shoot = shooter(SHOTS)
(PASSWORD_CHECKS,) = PASSWORD_CHECK_LIMITS


def test_the_admins_password_change_says_when_its_checks_are_used_up(live_server, roles,
                                                                     new_page):
    editor = UserFactory(username="ed", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    page = new_page()
    sign_in(page, live_server, editor, next_url="/admin/password_change/")
    url = f"{live_server.url}/admin/password_change/"

    def send(view, old):
        view.goto(url)
        view.get_by_label("Old password").fill(old)
        view.locator("#id_new_password1").fill("another-long-passphrase-9")
        view.locator("#id_new_password2").fill("another-long-passphrase-9")
        with view.expect_navigation():
            view.get_by_role("button", name="Change my password").click()

    for number in range(PASSWORD_CHECKS.count):
        send(page, f"guess-{number}")
        expect(page.locator(".errornote")).to_be_visible()
    for width, scheme in VIEWS:
        view = new_page(width=width, color_scheme=scheme)
        view.context.add_cookies(page.context.cookies())
        send(view, "a-long-test-passphrase")
        expect(view.locator(".messagelist .error")).to_contain_text(
            "at most ten times an hour")
        assert view.get_by_label("Old password").input_value() == ""
        assert serious(view) == [], (width, scheme)
        shoot(view, "admin-password-checks-used-up", width, scheme)


def test_an_account_in_the_admins_record_is_kept_and_says_so(live_server, roles, new_page):
    """A former editor who deleted a story in the admin: the account page and the admin's
    delete page refuse to delete the account, which the record names."""
    from django.contrib.admin.models import DELETION, LogEntry

    from tests.factories import ArticleFactory

    former = UserFactory(username="former-editor")
    story = ArticleFactory(draft=True, headline="A draft no one will miss")
    LogEntry.objects.log_actions(former.pk, [story], DELETION)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    for width, scheme in VIEWS:
        page = new_page(width=width, color_scheme=scheme)
        sign_in(page, live_server, former, next_url="/accounts/delete/")
        page.goto(f"{live_server.url}/accounts/delete/")
        page.get_by_label("Your password").fill("a-long-test-passphrase")
        with page.expect_navigation():
            page.get_by_role("button", name="Delete").click()
        expect(page.locator("form.stacked-form")).to_contain_text(
            "This account is named in the admin's record of changes")
        assert serious(page) == [], (width, scheme)
        shoot(page, "account-in-admin-record-delete", width, scheme)

        admin = new_page(width=width, color_scheme=scheme)
        sign_in(admin, live_server, root, next_url="/admin/")
        admin.goto(f"{live_server.url}/admin/auth/user/{former.pk}/delete/")
        expect(admin.locator("#content")).to_contain_text(
            "former-editor: named in 1 entry of the admin's record of changes")
        assert admin.get_by_role("button", name="Yes, I’m sure").count() == 0
        shoot(admin, "account-in-admin-record-admin-delete", width, scheme)
    assert UserFactory._meta.model.objects.filter(username="former-editor").exists()
