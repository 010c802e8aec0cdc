"""Reading QA, round 4: what the pages say in their markup.

Reporting a comment on an older page leads back to that page, refusals too;
the transparency legend's swatches and the cards' pictures have a size of
their own without the stylesheet; right-to-left headlines, standfirsts and
comments take their direction from their text, and names inside sentences
are isolated from them. The layout, print and dialog halves are in
tests/browser/test_reading_qa_round4.py.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest

from comments.models import CommentReport
from tests.factories import ArticleFactory, AuthorFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

RTL_HEADLINE = "عاجل: الحكومة تعلن خطة جديدة للنقل البحري 🚢"
RTL_DEK = "הממשלה מציגה תוכנית חדשה לתחבורה הימית בין האיים"


@pytest.fixture
def reader(client):
    user = UserFactory(username="ana")
    client.force_login(user)
    return user


@pytest.fixture
def older(db):
    """The oldest of 21 comments on /articles/harbour/: page 2 of its comments."""
    article = ArticleFactory(slug="harbour")
    now = datetime.now(UTC)
    comment = CommentFactory(article=article, body="The oldest comment",
                             created_at=now - timedelta(days=1))
    for minutes in range(20):
        CommentFactory(article=article, created_at=now - timedelta(minutes=minutes))
    return comment


def _report(client, comment, partial=False, reason="spam"):
    url = f"/comments/{comment.pk}/report/" + ("?partial=1" if partial else "")
    return client.post(url, {"reason": reason} if reason else {})


# Reporting a comment on page 2 ----------------------------------------------

def test_a_report_on_page_two_leads_back_to_page_two(client, reader, older):
    response = _report(client, older)
    assert response.status_code == 303
    assert response["Location"] == f"/articles/harbour/comments/?page=2#comment-{older.pk}"
    assert CommentReport.objects.filter(comment=older).exists()
    html = client.get(response["Location"]).content.decode()
    item = re.search(rf'<li class="comment comment-with-outcome" id="comment-{older.pk}">'
                     r'\s*<p class="comment-outcome" role="status">([^<]+)</p>', html)
    assert item and item[1] == "Thank you. A moderator will look at the comment you reported."


def test_the_scripts_block_after_a_report_is_that_comments_page(client, reader, older):
    html = _report(client, older, partial=True).content.decode()
    assert "Page 2 of 2" in html
    assert f'<li class="comment comment-with-outcome" id="comment-{older.pk}">' in html
    assert 'class="comment-outcome"' in html.split(f'id="comment-{older.pk}"')[1]


@pytest.mark.parametrize("partial", [True, False])
def test_a_refused_report_shows_the_comments_page(client, reader, older, partial):
    response = _report(client, older, partial=partial, reason=None)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose what is wrong with the comment to report it." in html
    assert "Page 2 of 2" in html and f'id="comment-{older.pk}"' in html


def test_a_new_comment_still_leads_to_the_first_page(client, reader, older):
    from tests.commenting import post_comment

    response = post_comment(client, "harbour", "The Sunday boat matters to the island.")
    assert response.status_code == 303
    assert re.fullmatch(r"/articles/harbour/comments/#comment-\d+", response["Location"])


# Sizes without the stylesheet -------------------------------------------------

def test_the_legend_swatches_have_a_size_of_their_own(client):
    html = client.get("/transparency/").content.decode()
    swatches = re.findall(r'<svg class="chart-swatch"[^>]*>', html)
    assert swatches
    for swatch in swatches:
        assert ' width="12" height="12" ' in swatch, swatch


def test_card_pictures_are_as_wide_as_the_card_shows_them(client):
    author = AuthorFactory(slug="reporter")
    for index in range(3):
        ArticleFactory(with_image=True, slug=f"pictured-{index}", author=author,
                       is_featured=index == 0,
                       published_at=datetime.now(UTC) - timedelta(hours=index + 1))
    # The factory's photos are 1200 x 800; each card keeps that 3:2 shape.
    for url, size in (("/articles/", (240, 160)), ("/authors/reporter/", (240, 160))):
        html = client.get(url).content.decode()
        cards = re.findall(r'<a class="card-image".*?<img [^>]*>', html, re.S)
        assert len(cards) == 3, url
        for card in cards:
            assert f' width="{size[0]}" height="{size[1]}" ' in card, (url, card)
    home = client.get("/").content.decode()
    sizes = {tuple(map(int, found)) for found in re.findall(
        r'<a class="card-image".*?<img [^>]* width="(\d+)" height="(\d+)"', home, re.S)}
    assert sizes == {(634, 423), (608, 405)}  # the lead, and the first of a grid: 3:2, rounded


def test_a_width_alone_keeps_the_originals_shape():
    from django.template import engines

    image = {"url": "/media/a.jpg", "width": 1600, "height": 900,
             "jpeg_srcset": "/media/a.jpg 1600w", "webp_srcset": ""}
    html = engines["django"].from_string(
        '{% load image_tags %}{% picture image alt="" sizes="15rem" width=480 %}').render(
        {"image": image})
    assert ' width="480" height="270" ' in html


# Right to left --------------------------------------------------------------

def test_headline_and_standfirst_take_their_direction_from_their_text(client):
    story = ArticleFactory(slug="rtl", headline=RTL_HEADLINE, dek=RTL_DEK)
    html = client.get(story.get_absolute_url()).content.decode()
    assert f'<h1 class="headline" dir="auto">{RTL_HEADLINE}</h1>' in html
    assert f'<p class="dek" dir="auto">{RTL_DEK}</p>' in html
    assert (f'<a class="byline-name" href="{story.author.get_absolute_url()}">'
            f'<bdi>{story.author.name}</bdi></a>') in html
    listing = client.get("/articles/").content.decode()
    assert re.search(r'<h2 class="card-headline" dir="auto"><a href="/articles/rtl/">'
                     + re.escape(RTL_HEADLINE), listing)
    assert f'<p class="card-dek" dir="auto">{RTL_DEK}</p>' in listing
    assert f"<bdi>{story.author.name}</bdi></a>" in listing


def test_the_comment_box_and_the_history_take_their_direction_from_the_text(client, reader):
    article = ArticleFactory(slug="harbour")
    CommentFactory(article=article, reader=reader, body="تعليق بالعربية")
    block = client.get("/articles/harbour/comments/?partial=1").content.decode()
    assert re.search(r'<textarea name="body"[^>]* dir="auto"', block)
    account = client.get("/accounts/").content.decode()
    assert '<blockquote class="account-comment-body" dir="auto">تعليق بالعربية' in account
    assert f'#comments"><bdi>{article.headline}</bdi></a>' in account


def test_author_and_tag_names_inside_sentences_are_isolated(client):
    author = AuthorFactory(ai=True, name="ليلى", slug="layla")
    ArticleFactory(slug="tagged", author=author, tags=["שיט"])
    profile = client.get("/authors/layla/").content.decode()
    assert "<h1><bdi>ليلى</bdi>" in profile
    assert "Stories by <bdi>ليلى</bdi></h2>" in profile
    assert "<strong><bdi>ليلى</bdi> is an AI persona" in profile
    assert "<summary><span>Follow <bdi>ليلى</bdi></span></summary>" in profile
    story = client.get("/articles/tagged/").content.decode()
    assert "><bdi>שיט</bdi></a></li>" in story
    assert "writing as the persona <bdi>ليلى</bdi>" in story


def test_the_bias_reports_text_boxes_take_their_direction_from_the_text(client):
    ArticleFactory(slug="harbour", headline=RTL_HEADLINE)
    page = client.get("/articles/harbour/report-bias/").content.decode()
    for name in ("quoted_passage", "details"):
        box = re.search(rf'<textarea name="{name}"[^>]*>', page)
        assert box and 'dir="auto"' in box.group(0), name
