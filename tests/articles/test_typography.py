"""Typographic quotes: in story bodies (Markdown's smarty) and in plain-text fields (a filter)."""

from datetime import datetime, timezone as dt_timezone

import pytest
from django.template import engines
from django.utils.safestring import mark_safe

from core.text import render_markdown, smart_quotes
from tests.factories import ArticleFactory


@pytest.mark.parametrize(("typed", "printed"), [
    ('"We listened," she said.', "“We listened,” she said."),
    ("It's the harbour's '90s boom", "It’s the harbour’s ’90s boom"),
    ("'Calm,' he said", "‘Calm,’ he said"),
    ("rock 'n' roll and 'tis the season", "rock ’n’ roll and ’tis the season"),
    ('"\'Nested\' quotes"', "“‘Nested’ quotes”"),
    ('Fees ("soon") and "rates"—"fair"', "Fees (“soon”) and “rates”—“fair”"),
    ("Ministers' talks", "Ministers’ talks"),
    ("No quotes at all", "No quotes at all"),
    ("", ""),
])
def test_plain_text_gets_typographic_quotes_and_apostrophes(typed, printed):
    assert smart_quotes(typed) == printed


def test_story_bodies_get_typographic_quotes_but_code_urls_and_attributes_keep_theirs():
    html = render_markdown(
        '"We listened," she said. It\'s done.\n\n'
        'Run `print("x")` or see [the "notice"](https://example.org/it\'s "it\'s here").\n\n'
        "    code 'block' isn't\n\n"
        "<https://example.org/a'b>\n"
    )
    assert "<p>“We listened,” she said. It’s done.</p>" in html
    assert '<code>print("x")</code>' in html
    assert 'href="https://example.org/it\'s"' in html
    assert 'title="it\'s here"' in html
    assert ">the “notice”</a>" in html
    assert "<code>code 'block' isn't\n</code>" in html
    assert ">https://example.org/a'b</a>" in html


def test_dashes_and_dots_are_left_as_typed():
    # Only quotes: "--" and "..." also occur in URLs written out as text.
    assert render_markdown("See example.org/a--b... now") == "<p>See example.org/a--b... now</p>"


def render(source, **context):
    return engines["django"].from_string("{% load text_tags %}" + source).render(context)


def test_the_filter_escapes_after_smartening_and_leaves_markup_alone():
    assert render("{{ v|smartquotes }}", v='"A" & <b> \'B\'</b>') == (
        "“A” &amp; &lt;b&gt; ‘B’&lt;/b&gt;")
    # Markup marked safe is not plain text: its quotes may be attributes.
    assert render("{{ v|smartquotes }}", v=mark_safe('<a href="x">it\'s</a>')) == (
        '<a href="x">it\'s</a>')
    assert render("{{ v|smartquotes }}", v=None) == "None"


@pytest.mark.django_db
def test_the_article_page_and_cards_print_typographic_quotes_where_text_is_shown(client):
    story = ArticleFactory(
        headline='Mayor\'s "quiet" budget', dek="'Fair', says the council",
        body='She said "no". It\'s final.', with_image=True,
        image_caption='The "new" quay', image_alt='The "new" quay at dawn',
        published_at=datetime(2026, 2, 4, 14, 6, tzinfo=dt_timezone.utc),
    )
    page = client.get(story.get_absolute_url()).content.decode()
    assert '<h1 class="headline" dir="auto">Mayor’s “quiet” budget</h1>' in page
    assert '<p class="dek" dir="auto">‘Fair’, says the council</p>' in page
    assert "<p>She said “no”. It’s final.</p>" in page
    assert "<figcaption>The “new” quay" in page
    # Attributes keep the text as typed (escaped).
    assert 'alt="The &quot;new&quot; quay at dawn"' in page
    listing = client.get("/articles/").content.decode()
    assert ">Mayor’s “quiet” budget</a></h2>" in listing
    assert '<p class="card-dek" dir="auto">‘Fair’, says the council</p>' in listing
