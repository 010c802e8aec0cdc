"""What QA found on the editors' desk, as an editor sees it in a real Chromium: an amended
correction on the story page and /corrections/, and the desk's refusals (a revert that
would lower a story's AI record, the image's AI mark, deleting a story or a correction
on the record, another story's old address, a story deleted while open).

Screenshots go to screenshots/editors2/ (git-ignored), to be looked at by a person.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from standards.models import Correction
from tests.browser import session
from tests.browser.axe import serious
from tests.browser.shots import each_look
from tests.factories import (ArticleFactory, AuthorFactory, CommentFactory, CorrectionFactory,
                             UserFactory)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "editors2"


def shoot(target, name, width, scheme, full_page=False):
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SHOTS / f"{name}-{width}-{scheme}.png")
    if hasattr(target, "goto"):
        target.screenshot(path=path, full_page=full_page)
    else:
        target.screenshot(path=path)


def fits(page):
    scroll, viewport = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= viewport, (scroll, viewport)


@pytest.fixture
def editor(roles):
    user = UserFactory(username="jeditor", first_name="Jane", last_name="Editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def signed_in(new_page, live_server):
    """A new page signed in as jeditor (tests/browser/session.py)."""
    return session.signed_in(new_page, live_server, "jeditor")


def test_an_amended_correction_says_so_on_the_story_and_the_log(live_server, new_page, newsroom):
    lead = newsroom["lead"]
    correction = Correction.objects.filter(article=lead, kind="correction").get()
    correction.text = "An earlier version gave the wrong crossing time: it is 33 minutes."
    correction.save()
    assert correction.amended_at is not None
    today = timezone.localtime(correction.amended_at).strftime("%b %-d, %Y")

    page = new_page()
    page.goto(f"{live_server.url}{lead.get_absolute_url()}")
    item = page.locator(f"#correction-{correction.pk}")
    for width, scheme in each_look(page):
        expect(item).to_contain_text(f"(Amended {today})")
        expect(item).to_contain_text("it is 33 minutes")
        fits(page)
        assert serious(page) == []
        shoot(page.locator("section.corrections"), "story-amended-correction", width, scheme)

    page.goto(f"{live_server.url}/corrections/")
    item = page.locator(f"#correction-{correction.pk}")
    for width, scheme in each_look(page):
        expect(item).to_contain_text(f"(Amended {today})")
        fits(page)
        shoot(page, "corrections-log-amended", width, scheme)


def test_the_desks_refusals_are_plain(live_server, new_page, newsroom, editor):
    page = signed_in(new_page, live_server)
    admin = f"{live_server.url}/admin"

    # A revert that would lower a published story's AI record.
    story = ArticleFactory(headline="Tide tables for the winter", author=newsroom["human"],
                           section=newsroom["world"], ai_involvement="none")
    first = story.history.get(history_type="+")
    story = Article.objects.get(pk=story.pk)
    story.author, story.ai_involvement, story.ai_reviewed_by = newsroom["ai"], "generated", editor
    story.save()
    page.goto(f"{admin}/articles/article/{story.pk}/history/{first.pk}/")
    page.locator("input[type=submit][value=Revert]").last.click()
    error = page.locator(".field-author .errorlist, .field-box .errorlist").first
    expect(error).to_contain_text("This story was published under an AI persona.")
    assert Article.objects.get(pk=story.pk).author_id == newsroom["ai"].pk
    for width, scheme in each_look(page):
        expect(error).to_contain_text("This story was published under an AI persona.")
        expect(page.locator(".errornote").first).to_be_visible()
        error.scroll_into_view_if_needed()
        fits(page)
        shoot(page, "revert-lowering-refused", width, scheme)

    # Unticking the image's AI mark on a public story.
    pictured = ArticleFactory(headline="Storm over the bay", with_image=True,
                              image_is_ai_generated=True, author=newsroom["human"],
                              section=newsroom["world"])
    page.goto(f"{admin}/articles/article/{pictured.pk}/change/")
    page.locator("#id_image_is_ai_generated").uncheck()
    page.locator("input[name=_save]").first.click()
    error = page.locator(".field-image_is_ai_generated .errorlist, "
                         "#id_image_is_ai_generated_error").first
    for width, scheme in each_look(page):
        expect(error).to_contain_text("This story’s image was published as AI-generated")
        error.scroll_into_view_if_needed()
        fits(page)
        shoot(page, "image-mark-refused", width, scheme)

    # Deleting a public story with readers' records.
    CommentFactory.create_batch(2, article=newsroom["lead"])
    page.goto(f"{admin}/articles/article/{newsroom['lead'].pk}/delete/")
    for width, scheme in each_look(page):
        expect(page.locator("#content-main .delete-refusal")).to_contain_text(
            "2 comments and 2 corrections are on its public record")
        expect(page.get_by_role("button", name="Unpublish it")).to_be_visible()
        fits(page)
        assert serious(page) == []
        shoot(page, "story-delete-refused", width, scheme)

    # Deleting a correction on a public story.
    correction = CorrectionFactory(article=story, text="The tide table gave the wrong day.")
    page.goto(f"{admin}/standards/correction/{correction.pk}/delete/")
    expect(page.locator(".messagelist .error")).to_contain_text(
        "it cannot be deleted while the story is public. Amend its text instead")
    assert Correction.objects.filter(pk=correction.pk).exists()
    for width, scheme in each_look(page):
        expect(page.locator(".messagelist .error")).to_contain_text(
            "it cannot be deleted while the story is public. Amend its text instead")
        fits(page)
        shoot(page, "correction-delete-refused", width, scheme)

    # Another story's old address.
    renamed = ArticleFactory(headline="Ferry fares rise", slug="ferry-fares",
                             author=newsroom["human"], section=newsroom["world"])
    renamed.slug = "ferry-fares-rise"
    renamed.save()
    draft = ArticleFactory(draft=True, headline="Bus fares rise", slug="bus-fares",
                           author=newsroom["human"], section=newsroom["world"])
    page.goto(f"{admin}/articles/article/{draft.pk}/change/")
    page.fill("#id_slug", "ferry-fares")
    page.locator("input[name=_save]").first.click()
    error = page.locator("#id_slug_error, .field-slug .errorlist").first
    for width, scheme in each_look(page):
        expect(error).to_contain_text("The address /articles/ferry-fares/ still leads to "
                                      "“Ferry fares rise”")
        error.scroll_into_view_if_needed()
        fits(page)
        shoot(page, "old-address-refused", width, scheme)

    # A story deleted by someone else while it was open.
    gone = ArticleFactory(draft=True, headline="Harbour dues", slug="harbour-dues",
                          author=newsroom["human"], section=newsroom["world"])
    page.goto(f"{admin}/articles/article/{gone.pk}/change/")
    page.fill("#id_headline", "Harbour dues rise in spring")
    gone._history_user = UserFactory(username="bother", first_name="Ben", last_name="Other")
    gone.delete()
    page.locator("input[name=_save]").first.click()
    for width, scheme in each_look(page):
        expect(page.locator(".messagelist .warning").first).to_be_visible()
        expect(page.locator("body")).to_contain_text("“Harbour dues” was deleted by Ben Other")
        expect(page.locator("#id_headline")).to_have_value("Harbour dues rise in spring")
        fits(page)
        shoot(page, "deleted-while-open", width, scheme)
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert Article.objects.get(headline="Harbour dues rise in spring").status == "draft"
    assert timezone.now() - Article.objects.get(slug="harbour-dues").created_at < timedelta(
        minutes=5)
    assert AuthorFactory._meta.model.objects.filter(pk=newsroom["human"].pk).exists()
