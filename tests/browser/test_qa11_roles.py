"""What a newsroom account sees of QA round 11's fixes (roles and staff accounts), in a real
Chromium. Screenshots go to screenshots/qa11/ (git-ignored), at 1280 px and 390 px, light and
dark."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.views import PASSWORD_CHECK_LIMITS
from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.browser.test_participation import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "qa11"
shoot = shooter(SHOTS)
(PASSWORD_CHECKS,) = PASSWORD_CHECK_LIMITS


def test_the_admins_password_change_says_when_its_checks_are_used_up(live_server, roles,
                                                                     new_page):
    editor = UserFactory(username="ed", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    page = new_page()
    sign_in(page, live_server, editor, next_url="/admin/password_change/")
    url = f"{live_server.url}/admin/password_change/"

    def send(old):
        page.goto(url)
        page.get_by_label("Old password").fill(old)
        page.locator("#id_new_password1").fill("another-long-passphrase-9")
        page.locator("#id_new_password2").fill("another-long-passphrase-9")
        with page.expect_navigation():
            page.get_by_role("button", name="Change my password").click()

    for number in range(PASSWORD_CHECKS.count):
        send(f"guess-{number}")
        expect(page.locator(".errornote")).to_be_visible()
    # The right password now: not checked, the checks are used up.
    send("a-long-test-passphrase")
    for width, scheme in each_look(page):
        expect(page.locator(".messagelist .error")).to_contain_text(
            "at most ten times an hour")
        assert page.get_by_label("Old password").input_value() == ""
        assert serious(page) == [], (width, scheme)
        shoot(page, "admin-password-checks-used-up", width, scheme)


def _deleted_a_draft(former):
    from django.contrib.admin.models import DELETION, LogEntry

    from tests.factories import ArticleFactory

    story = ArticleFactory(draft=True, headline="A draft no one will miss")
    LogEntry.objects.log_actions(former.pk, [story], DELETION)


def _featured_a_story(former):
    """A bulk action's one act: a story revision names them, no LogEntry does."""
    from tests.factories import ArticleFactory

    story = ArticleFactory(headline="Ferry times change")
    story.is_featured = True
    story._history_user = former  # as the admin's bulk actions do
    story.save()


@pytest.mark.parametrize(("act", "page_says", "admin_says", "name"), [
    (_deleted_a_draft, "named in the admin's record of changes",
     "named in 1 entry of the admin's record of changes", "account-in-admin-record"),
    (_featured_a_story, "named as the editor of story revisions",
     "named as the editor of 1 story revision", "revision-editor"),
])
def test_an_account_on_the_newsroom_record_is_kept_and_says_so(live_server, roles, new_page,
                                                               act, page_says, admin_says,
                                                               name):
    """A former editor the admin's record or a story revision names: the account page says
    at once that it cannot be deleted (no password asked), and the admin's delete page
    refuses, naming the record."""
    former = UserFactory(username="former-editor")
    act(former)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    page = new_page()
    sign_in(page, live_server, former, next_url="/accounts/delete/")
    page.goto(f"{live_server.url}/accounts/delete/")
    for width, scheme in each_look(page):
        expect(page.get_by_role("alert")).to_contain_text(
            f"This account is {page_says}, so it cannot be deleted")
        expect(page.get_by_label("Your password")).to_have_count(0)
        assert serious(page) == [], (width, scheme)
        shoot(page, f"{name}-delete", width, scheme)

    admin = new_page()
    sign_in(admin, live_server, root, next_url="/admin/")
    admin.goto(f"{live_server.url}/admin/auth/user/{former.pk}/delete/")
    for width, scheme in each_look(admin):
        expect(admin.locator("#content")).to_contain_text(
            f"former-editor: {admin_says} (deactivate the account instead)")
        assert admin.get_by_role("button", name="Yes, I’m sure").count() == 0
        shoot(admin, f"{name}-admin-delete", width, scheme)
    assert UserFactory._meta.model.objects.filter(username="former-editor").exists()
