"""The privacy page, the newsroom's address on About, and the footer that links both."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from pages import loader
from pages.models import Page
from tests.markup import parse_html

pytestmark = pytest.mark.django_db


def test_privacy_page_says_what_is_kept_and_for_how_long():
    response = Client().get("/privacy/")
    assert response.status_code == 200
    page = parse_html(response)
    assert page.title == "Privacy · EVA DAILY"
    assert page.meta["description"].startswith("What EVA DAILY keeps about readers")
    assert "robots" not in page.meta  # a page for everyone, search engines included
    assert {"if-you-have-an-account", "comments", "bias-reports", "the-daily-edition-by-email",
            "questions-about-your-data"} <= page.ids
    text = response.content.decode()
    for told in ("username is public", "hash", "a former reader",
                 "never confirmed is deleted after 7 days",
                 "deletes your address, your choices and the record",
                 "no tracking images", "30 days", "never the reset link",
                 'href="/about/#contact"', 'href="/accounts/"'):
        assert told in text, told


def test_privacy_is_cached_like_the_other_standing_pages(page_cache_on):
    client = Client()
    assert client.get("/privacy/")["X-Page-Cache"] == "miss"
    assert client.get("/privacy/")["X-Page-Cache"] == "hit"
    page = Page.objects.get(slug="privacy")
    page.title = "Your privacy"
    page.save()
    response = client.get("/privacy/")
    assert response["X-Page-Cache"] == "miss"
    assert "<h1>Your privacy</h1>" in response.content.decode()


def test_about_shows_the_newsroom_address_from_settings(settings):
    settings.NEWSROOM_EMAIL = "desk@eva-daily.test"
    response = Client().get("/about/")
    page = parse_html(response)
    assert {"contact", "contact-heading"} <= page.ids
    assert '<a href="mailto:desk@eva-daily.test">desk@eva-daily.test</a>' in \
        response.content.decode()


def test_the_address_is_only_on_about(settings):
    settings.NEWSROOM_EMAIL = "desk@eva-daily.test"
    for url in ("/standards/", "/privacy/"):
        assert "desk@eva-daily.test" not in Client().get(url).content.decode(), url


def test_the_default_address():
    assert "mailto:newsroom@example.org" in Client().get("/about/").content.decode()


def test_footer_links_privacy_and_contact():
    html = Client().get("/").content.decode()
    footer = html.split('<footer class="site-footer">', 1)[1]
    assert '<a href="/privacy/">Privacy</a>' in footer
    assert '<a href="/about/#contact">Contact the newsroom</a>' in footer


def test_the_migration_creates_privacy_from_its_file(client, tmp_path, monkeypatch):
    (tmp_path / "privacy.md").write_text(
        "---\ntitle: New privacy\ndescription: Told by the file.\n---\n"
        "## What we keep\n\nLittle.\n", encoding="utf-8")
    monkeypatch.setattr(loader, "FIXTURES", tmp_path)
    name = "0004_privacy"
    migration = importlib.import_module(f"pages.migrations.{name}")
    state = MigrationExecutor(connection).loader.project_state(("pages", name))
    Page.objects.filter(slug="privacy").delete()

    migration.create_pages(state.apps, schema_editor=None)

    page = parse_html(client.get("/privacy/"))
    assert page.title == "New privacy · EVA DAILY"
    assert "what-we-keep" in page.ids
    # Run again, it keeps the editors' words.
    Page.objects.filter(slug="privacy").update(title="Edited")
    migration.create_pages(state.apps, schema_editor=None)
    assert Page.objects.get(slug="privacy").title == "Edited"


HELD_STANDING = importlib.import_module("pages.migrations.0008_privacy_held_standing")
LATER_PRIVACY = importlib.import_module(
    "pages.migrations.0009_privacy_sessions_proven_addresses_cookies")


def test_privacy_says_a_held_readers_address_is_kept_coded_for_a_year():
    """comments.HeldStanding keeps a coded address of an account deleted while its comments
    were held for review: said on new sites (the fixture) and made so on old ones (0008)."""
    assert "holding your comments for review" in Client().get("/privacy/").content.decode()

    from django.apps import apps

    privacy = Page.objects.get(slug="privacy")
    old = privacy.body
    for before, after in LATER_PRIVACY.CHANGES:  # the page as it was before 0009
        old = old.replace(after, before)
    old = old.replace(HELD_STANDING.AFTER, HELD_STANDING.BEFORE)
    Page.objects.filter(pk=privacy.pk).update(body=old, body_html="<p>old</p>")
    edited = Page.objects.create(slug="edited", title="Edited", body="Theirs.\n")
    HELD_STANDING.update_privacy(apps, None)
    HELD_STANDING.update_privacy(apps, None)  # once only
    privacy.refresh_from_db()
    assert privacy.body.count("holding your comments for review") == 1
    assert "holding your comments for review" in privacy.body_html
    edited.refresh_from_db()
    assert edited.body == "Theirs.\n"
