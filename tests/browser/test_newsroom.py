"""An editor writes, previews and schedules a story in the admin; a reader sees it on time."""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import AuthorFactory, SectionFactory, UserFactory, image_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)
AT = NOW + timedelta(hours=2)
PASSWORD = "a-long-test-passphrase"
HEADLINE = "Harbour talks resume after a week"


def choose(page, field, term, option):
    """Pick `option` in the admin's autocomplete (select2) widget for `field`."""
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(term)
    page.locator(".select2-results__option", has_text=option).click()


@pytest.fixture
def editor(roles):
    user = UserFactory(username="jeditor", first_name="Jane", last_name="Editor",
                       is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_editor_writes_previews_and_schedules_a_story_a_reader_sees_it_on_time(
        live_server, new_page, editor, settings, tmp_path):
    # Cookies are set from the server's pinned clock but kept by the browser on
    # its real one, so give them no expiry date.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    SectionFactory(name="World", slug="world")
    AuthorFactory(name="Margaret Okonkwo", slug="margaret-okonkwo")
    photo = tmp_path / "cranes.jpg"
    photo.write_bytes(image_file(size=(1600, 1000)).read())

    # tick=True: the clock starts at NOW and runs, as the live server needs;
    # it jumps only when the test moves it.
    with time_machine.travel(NOW, tick=True) as clock:
        page = new_page()
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", "jeditor")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        assert page.locator("#site-name").inner_text() == "EVA DAILY newsroom"

        # Write a draft with a photo.
        page.goto(f"{live_server.url}/admin/articles/article/add/")
        page.locator("#id_headline").press_sequentially(HEADLINE)
        assert page.input_value("#id_slug") == "harbour-talks-resume-after-a-week"
        page.fill("#id_dek", "Negotiators return to the table.")
        page.fill("#id_body", "The talks resumed on Tuesday.\n\nBoth sides were hopeful.")
        choose(page, "section", "Wor", "World")
        choose(page, "author", "Marg", "Margaret Okonkwo")
        page.set_input_files("#id_image", str(photo))
        page.fill("#id_image_alt", "Cranes over the harbour at dusk")
        page.fill("#id_image_credit_source", "EVA DAILY")
        page.fill("#id_tags", "Harbours")
        page.click("input[name=_continue]")
        assert "was added successfully" in page.locator(".messagelist").inner_text()
        article = Article.objects.get()
        assert article.state == Article.State.DRAFT
        assert article.image_renditions["webp"]

        # Preview it.
        page.get_by_role("link", name="Preview").click()
        expect(page.locator(".preview-banner")).to_have_text("Preview — not public")
        assert page.locator("h1").inner_text() == HEADLINE
        # A click waits for the new page to arrive, not for its images: wait for
        # the load event, which comes after the hero has loaded or failed.
        page.wait_for_load_state("load")
        assert page.locator("figure.hero img").evaluate(
            "img => img.complete && img.naturalWidth > 0")
        page.go_back()

        # Schedule it for two hours from now.
        page.locator("input[name=status][value=scheduled]").check()
        page.fill("#id_published_at_0", AT.strftime("%Y-%m-%d"))
        page.fill("#id_published_at_1", AT.strftime("%H:%M:%S"))
        page.click("input[name=_continue]")
        assert ("is scheduled: it becomes public on Tuesday, February 24, 2026 at 10:00 PM."
                in page.locator(".messagelist").inner_text())
        assert page.locator("input[name=status][value=scheduled]").is_checked()

        # A reader cannot see it yet.
        reader = new_page()
        url = f"{live_server.url}{article.get_absolute_url()}"
        assert reader.goto(url).status == 404
        reader.goto(f"{live_server.url}/")
        assert HEADLINE not in reader.content()

        # Once the time passes, it is public: no job runs in between.
        clock.move_to(AT + timedelta(seconds=1))
        reader.goto(f"{live_server.url}/")
        assert reader.get_by_role("link", name=HEADLINE).count() >= 1
        assert reader.goto(url).status == 200
        assert reader.locator(".preview-banner").count() == 0
        assert reader.locator("figure.hero img").get_attribute("alt") == (
            "Cranes over the harbour at dusk")
        assert "AI involvement: none." in reader.locator("#how-this-story-was-made").inner_text()

        # The editor's revisions are on the history page.
        page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/history/")
        history = page.locator("#change-history").inner_text()
        assert "Jane Editor" in history
        assert "Status: Draft → Published" in history.replace("\xa0", " ").replace("  ", " ")
