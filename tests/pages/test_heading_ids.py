"""A standing page's headings can be linked to: each id unique on the page and never empty."""

import importlib
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pages.models import TEMPLATE_IDS, Page, render_page
from tests.test_html_validity import _readable, _validate

pytestmark = pytest.mark.django_db


class _Ids(HTMLParser):
    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.ids = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.ids += [value for name, value in attrs if name == "id"]


def ids(text):
    """Every id in the HTML, in order, repeats included."""
    return _Ids(text).ids


def heading_ids(text):
    return re.findall(r'<h2 id="([^"]*)"', text)


# Headings an editor may well write: the template's own names, other
# scripts, emoji, a repeat, and markup with entities in it.
HEADINGS = ["Main", "Contact", "Контакты", "📬", "Contact", "`&` **bold**", "Q&A", "Café",
            "...", "Section 4"]


def with_headings(headings, slug="about"):
    page = Page.objects.get(slug=slug)
    page.body = "\n\n".join(f"## {heading}\n\nText." for heading in headings)
    page.save()
    return page


def test_headings_take_unique_ids_that_are_none_of_the_templates():
    assert heading_ids(render_page("\n\n".join(f"## {h}" for h in HEADINGS))) == [
        "main-2", "contact-2", "контакты", "section-4", "contact-3", "bold", "qa", "café",
        "section-9", "section-4-2"]


def test_the_about_page_has_each_id_once(client):
    with_headings(HEADINGS)
    page = client.get("/about/").content.decode()
    found = ids(page)
    assert {"main", "contact", "contact-heading"} <= set(found)
    assert [name for name, count in Counter(found).items() if count > 1] == []
    assert "" not in found
    # The skip link still reaches the page's main content.
    assert 'href="#main"' in page and found.count("main") == 1


def test_the_about_page_passes_the_nu_html_checker(client, tmp_path):
    with_headings(HEADINGS)
    path = tmp_path / "about.html"
    path.write_text(client.get("/about/").content.decode(), encoding="utf-8")
    messages = _validate([path])
    assert not messages, _readable(messages)


def test_every_id_the_templates_give_is_reserved(client):
    """TEMPLATE_IDS lists what the page's templates give: a heading is kept off them all."""
    for slug in ("about", "standards", "privacy"):
        with_headings([], slug)
        assert set(ids(client.get(f"/{slug}/").content.decode())) <= TEMPLATE_IDS, slug


def test_an_id_is_plain_text_and_the_heading_keeps_its_markup():
    html = render_page("## Fish &amp; chips `<b>` *now*")
    assert '<h2 id="fish-chips-b-now">Fish &amp; chips <code>&lt;b&gt;</code> <em>now</em></h2>' \
        in html


def test_pages_already_saved_are_given_the_new_ids(client):
    """The migration renders each page again: no editor has to save it for the fix."""
    page = with_headings(["Main", "Main"])
    edited = page.updated_at
    Page.objects.filter(pk=page.pk).update(
        body_html='<h2 id="main">Main</h2>\n<h2 id="main">Main</h2>')
    name = "0005_unique_heading_ids"
    migration = importlib.import_module(f"pages.migrations.{name}")
    migration.render_again(MigrationExecutor(connection).loader.project_state(
        ("pages", name)).apps, schema_editor=None)
    page.refresh_from_db()
    assert heading_ids(page.body_html) == ["main-2", "main-3"]
    assert page.updated_at == edited  # the page does not say it was updated
