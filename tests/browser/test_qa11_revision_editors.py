"""What the account page and the admin's delete page say of an account named as the editor
of story revisions (QA round 11), in a real Chromium. Screenshots go to screenshots/qa11/
(git-ignored), at 1280 px and 390 px, light and dark."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_desk import serious
from tests.browser.test_participation import sign_in
from tests.browser.test_qa11_roles import VIEWS, shoot
from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_editor_of_story_revisions_is_kept_and_told_why(live_server, roles, new_page):
    """A former editor whose one act was a bulk action: a revision names them, no LogEntry."""
    former = UserFactory(username="former-editor")
    story = ArticleFactory(headline="Ferry times change")
    story.is_featured = True
    story._history_user = former  # as the admin's bulk actions do
    story.save()
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    for width, scheme in VIEWS:
        page = new_page(width=width, color_scheme=scheme)
        sign_in(page, live_server, former, next_url="/accounts/delete/")
        page.goto(f"{live_server.url}/accounts/delete/")
        page.get_by_label("Your password").fill("a-long-test-passphrase")
        with page.expect_navigation():
            page.get_by_role("button", name="Delete").click()
        expect(page.locator("form.stacked-form")).to_contain_text(
            "This account is named as the editor of story revisions, so it cannot be deleted")
        assert serious(page) == [], (width, scheme)
        shoot(page, "revision-editor-delete", width, scheme)

        admin = new_page(width=width, color_scheme=scheme)
        sign_in(admin, live_server, root, next_url="/admin/")
        admin.goto(f"{live_server.url}/admin/auth/user/{former.pk}/delete/")
        expect(admin.locator("#content")).to_contain_text(
            "former-editor: named as the editor of 1 story revision (deactivate the account "
            "instead)")
        assert admin.get_by_role("button", name="Yes, I’m sure").count() == 0
        shoot(admin, "revision-editor-admin-delete", width, scheme)
    assert UserFactory._meta.model.objects.filter(username="former-editor").exists()
