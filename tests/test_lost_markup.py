"""A body that would lose part of itself on the page (an image, an embed, a script) is
refused with the line it is on: the sanitiser took them out without a word."""

import pytest

from articles.models import Article
from core.text import lost_markup_error, markdown_html
from pages.models import Page
from tests.articles.newsroom import ADD_URL, article_form, change_url, form_errors, staff
from tests.articles.test_import import refused_lines, run_import, story, write_image
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db


def lost(source):
    error = lost_markup_error(source, markdown_html(source))
    return None if error is None else error.messages[0]


@pytest.mark.parametrize(("source", "message"), [
    ("Ferries ran.\n\n![The harbour](harbour.jpg)",
     "Line 3 holds an image, and images in a story's text are not shown: give the story its "
     "picture as its image (with alt text), or take this one out."),
    ("One.\n\nTwo ![map][m] here.\n\n[m]: map.png", "Line 3 holds an image"),
    ('<IMG SRC="x.png">', "Line 1 holds an image"),
    ("Watch:\n\n<iframe src=\"https://video.example/1\"></iframe>",
     "Line 3 holds <iframe>, which is never shown in a story's text (embeds, scripts, styles "
     "and forms are taken out): link to it instead, or take it out."),
    ("a\nb\n\n<script>alert(1)</script>", "Line 4 holds <script>"),
    ("<div><video src=v.mp4></video></div>", "Line 1 holds <video>"),
])
def test_what_the_page_would_drop_is_named_with_its_line(source, message):
    assert lost(source).startswith(message)


@pytest.mark.parametrize("source", [
    "Write `![alt](file.png)` for an image, or `<iframe>`.",
    "```\n<script>alert(1)</script>\n<img src=x>\n```",
    "    <iframe src=x></iframe>",  # an indented code block
    "Notes <!-- <img src=draft.png> --> for the desk.",
    "<div>Text in a box</div> and <span>a span</span>: the words stay.",
    "A [link](https://example.org) and 3 < 4 > 2.",
])
def test_what_the_page_shows_as_written_passes(source):
    assert lost(source) is None


def test_the_import_refuses_a_body_with_an_image_and_writes_nothing(settings, tmp_path):
    write_image(tmp_path / "images" / "hero.jpg")
    write_image(tmp_path / "avatars" / "li-wei.jpg", size=(300, 300))
    body = "The harbour reopened.\n\n![Ferries at dawn](images/ferries.jpg)\n\nMore."
    lines = refused_lines(settings, tmp_path, {"articles": [story(body=body)]})
    assert lines == ['article 1 (slug "harbour-story"): field "body": Line 3 holds an image, '
                     "and images in a story's text are not shown: give the story its picture "
                     "as its image (with alt text), or take this one out."]


def test_the_import_takes_an_image_written_as_code(settings, tmp_path):
    folder = tmp_path / "copy"
    write_image(folder / "images" / "hero.jpg")
    write_image(folder / "avatars" / "li-wei.jpg", size=(300, 300))
    run_import(folder, {"articles": [story(body="Type `![alt](file.jpg)` to add one.")]})
    assert "<code>![alt](file.jpg)</code>" in Article.objects.get().body_html


def test_the_story_form_refuses_an_embed_and_keeps_what_was_typed(client):
    client.force_login(staff("Editors", username="editor"))
    body = "Our reporter filmed it.\n\n<iframe src=\"https://video.example/1\"></iframe>"
    response = client.post(ADD_URL, article_form(
        headline="Harbour film", slug="harbour-film", body=body, section=SectionFactory(),
        author=AuthorFactory()))
    assert response.status_code == 200
    assert "Line 3 holds &lt;iframe&gt;, which is never shown" in form_errors(response)
    assert "&lt;iframe src=&quot;https://video.example/1&quot;&gt;" in response.content.decode()
    assert not Article.objects.exists()


def test_a_stored_body_with_one_still_takes_other_edits(client):
    # Written before the check: refused only once the body is edited.
    client.force_login(staff("Editors", username="editor"))
    article = ArticleFactory(body="Old copy.\n\n![old](old.png)")
    response = client.post(change_url(article), article_form(article, headline="New headline"))
    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert article.headline == "New headline"
    response = client.post(change_url(article), article_form(
        article, body="Old copy, edited.\n\n![old](old.png)"))
    assert "Line 3 holds an image" in form_errors(response)


def test_a_standing_page_refuses_an_image_in_its_text(client):
    client.force_login(staff("Editors", username="editor"))
    page = Page.objects.get(slug="about")
    response = client.post(f"/admin/pages/page/{page.pk}/change/", {
        "slug": "about", "title": "About", "description": "",
        "body": "## Who we are\n\n![The newsroom](newsroom.jpg)"})
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors["body"])
    assert ("Line 3 holds an image, and images in a page&#x27;s text are not shown: take it "
            "out.") in errors
    assert Page.objects.get(slug="about").body != "## Who we are\n\n![The newsroom](newsroom.jpg)"
