"""A tag's page and a reader's page: a count and a link instead of every row.

An editor renames a tag from its page and follows the link to its stories;
a moderator opens a prolific reader's page, sees the latest fifty comments
and follows the link to all of them. Screenshots at 1280 px and 390 px,
light and dark, go to screenshots/admin-at-scale/ (git-ignored), to be
looked at by a person.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect
from taggit.models import Tag

from comments.models import Comment
from core import admin as core_admin
from tests.browser.shots import each_look, shooter
from tests.browser.test_desk import sign_in, staff
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.factories import ArticleFactory, SectionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "admin-at-scale")


def test_a_tags_page_counts_its_stories_and_links_to_them(live_server, new_page, roles):
    staff("Editors", "jeditor")
    for headline in ("Quay closes", "Ferry returns", "Dredging starts"):
        ArticleFactory(headline=headline, tags=["Harbour"])
    tag = Tag.objects.get(name="Harbour")
    page = new_page()
    sign_in(page, live_server, "jeditor")
    page.goto(f"{live_server.url}/admin/taggit/tag/{tag.pk}/change/")
    link = page.get_by_role("link", name="3 stories")
    for width, scheme in each_look(page):
        expect(link).to_be_visible()
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        shoot(page, "tag", width, scheme)

    page.fill("#id_name", "Harbours")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.get_by_role("link", name="3 stories").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    expect(page.locator("#result_list")).to_contain_text("Dredging starts")


def test_a_readers_page_shows_the_latest_fifty_and_links_to_all(live_server, new_page, roles):
    staff("Moderators", "mod")
    story = ArticleFactory(headline="Night ferry timetable")
    reader = UserFactory(username="loud")
    Comment.objects.bulk_create(
        Comment(article=story, reader=reader, body=f"Comment {n} by loud") for n in range(55))
    page = new_page()
    sign_in(page, live_server, "mod")
    page.goto(f"{live_server.url}/admin/accounts/reader/{reader.pk}/change/")
    for width, scheme in each_look(page):
        expect(page.get_by_text("Latest comments (newest first, at most 50)")).to_be_visible()
        expect(page.locator("#comments-group tbody tr.has_original")).to_have_count(50)
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        shoot(page, "reader", width, scheme, full_page=False)

    page.get_by_role("link", name="55 comments, in the comment list").click()
    for width, scheme in each_look(page):
        expect(page.locator("#result_list tbody tr")).to_have_count(55)
        shoot(page, "reader-comments", width, scheme, full_page=False)


def test_a_delete_names_ten_of_each_kind_and_counts_the_rest(live_server, new_page, roles):
    """A section with stories cannot go: ten of them are named, the rest counted. A tag
    on fourteen stories can: ten of its taggings are named, and it is deleted."""
    staff("Editors", "deditor")
    section = SectionFactory(name="Harbour desk")
    ArticleFactory.create_batch(14, section=section, tags=["Quays"])
    tag = Tag.objects.get(name="Quays")
    page = new_page()
    sign_in(page, live_server, "deditor")

    page.goto(f"{live_server.url}/admin/articles/section/{section.pk}/delete/")
    for width, scheme in each_look(page):
        expect(page.get_by_role("heading", name="Cannot delete section")).to_be_visible()
        expect(page.locator("#content ul li")).to_have_count(11)
        expect(page.locator("#content ul li").last).to_have_text("…and 4 more articles")
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        shoot(page, "delete-section", width, scheme)

    page.goto(f"{live_server.url}/admin/taggit/tag/{tag.pk}/delete/")
    for width, scheme in each_look(page):
        expect(page.get_by_text("Tagged items: 14")).to_be_visible()
        expect(page.get_by_text("…and 4 more tagged items")).to_be_visible()
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        shoot(page, "delete-tag", width, scheme)
    page.get_by_role("button", name="Yes, I’m sure").click()
    expect(page.locator(".messagelist")).to_contain_text("was deleted successfully")
    assert not Tag.objects.filter(pk=tag.pk).exists()


def test_an_action_on_more_than_it_may_take_says_so_and_changes_nothing(
        live_server, new_page, roles, monkeypatch):
    monkeypatch.setattr(core_admin, "ACTION_LIMIT", 3)
    staff("Moderators", "amod")
    story = ArticleFactory(headline="Night ferry timetable")
    Comment.objects.bulk_create(
        Comment(article=story, body=f"Held comment {n}", status=Comment.Status.PENDING)
        for n in range(4))
    page = new_page()
    sign_in(page, live_server, "amod")
    page.goto(f"{live_server.url}/admin/comments/comment/?status__exact=pending")
    page.locator("#action-toggle").check()
    page.select_option("select[name=action]", "approve")
    page.locator("button[name=index]").click()
    for width, scheme in each_look(page):
        expect(page.locator(".messagelist .error")).to_contain_text(
            "An action takes at most 3 comments at once, and 4 were chosen: nothing was changed.")
        assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
        shoot(page, "action-refused", width, scheme, full_page=False)
    assert set(Comment.objects.values_list("status", flat=True)) == {"pending"}
