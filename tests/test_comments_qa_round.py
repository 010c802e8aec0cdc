"""QA round on comments: blank lines and line breaks, control characters, and
"Older comments" after a comment was hidden."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from comments.models import Comment
from core.text import clean_limited_text, count_chars, count_line_breaks, normalize_limited
from tests.commenting import post_comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(slug="harbour")


@pytest.fixture
def reader(client):
    cache.clear()  # the rate limit is tested elsewhere
    user = UserFactory(username="ana")
    client.force_login(user)
    return user


# 1. A comment is as tall as its words, not its line breaks --------------------

@pytest.mark.parametrize(("typed", "stored"), [
    ("a" + "\r\n" * 248 + "b", "a\n\nb"),
    ("a\n\n\nb", "a\n\nb"),
    ("a\n \t\n\u00a0\n\nb", "a\n\nb"),  # lines of white space are blank lines too
    ("a\n\nb\nc", "a\n\nb\nc"),  # one blank line, and single breaks, stay
    ("\r\n\r\n\r\na\r\n\r\n\r\n", "a"),  # blank lines before and after go
])
def test_runs_of_blank_lines_become_one(typed, stored):
    assert normalize_limited(typed) == stored
    assert clean_limited_text(typed, 250, "Comments") == stored
    assert count_chars(typed) == len(stored)


def test_the_tall_comment_is_posted_one_blank_line_tall(client, article, reader):
    response = post_comment(client, "harbour", "a" + "\r\n" * 248 + "b")
    assert response.status_code == 303
    assert Comment.objects.get().body == "a\n\nb"
    page = client.get("/articles/harbour/comments/").content.decode()
    assert "a<br><br>b" in page


def test_more_than_ten_line_breaks_are_refused_saying_why(client, article, reader):
    eleven = "\n".join("line" for _ in range(12))
    assert count_line_breaks(eleven) == 11
    response = post_comment(client, "harbour", eleven)
    assert response.status_code == 400
    assert not Comment.objects.exists()
    html = response.content.decode()
    assert "Comments can have at most 10 line breaks; this one has 11." in html
    assert "line\nline" in html  # the text is kept
    # The form says so before anyone sends anything.
    assert "Up to 250 characters and 10 line breaks." in html

    response = post_comment(client, "harbour", "\n".join("line" for _ in range(11)))
    assert response.status_code == 303


def test_the_line_break_limit_counts_collapsed_blank_lines_once():
    # Five paragraphs with a blank line between each: 8 line breaks, and
    # extra blank lines between them do not count against the limit.
    text = "\n\n\n\n".join(["one", "two", "three", "four", "five"])
    assert clean_limited_text(text, 250, "Comments", max_line_breaks=8) == \
        "one\n\ntwo\n\nthree\n\nfour\n\nfive"
    with pytest.raises(ValidationError, match="at most 7 line breaks; this one has 8"):
        clean_limited_text(text, 250, "Comments", max_line_breaks=7)


# 2. No control characters in a stored comment --------------------------------

def test_a_posted_comment_loses_its_control_characters(client, article, reader):
    response = post_comment(client, "harbour", "a\x07b\x1bc")
    assert response.status_code == 303
    assert Comment.objects.get().body == "abc"


def test_a_comment_saved_any_way_loses_them(article):
    comment = CommentFactory(article=article, body="line one\r\nbell\x07 here\x0c")
    comment.refresh_from_db()
    assert comment.body == "line one\nbell here"


# 3. "Older comments" after a comment was hidden -------------------------------

def test_the_script_asking_for_a_page_past_the_last_gets_the_last(client, article):
    for number in range(21):
        CommentFactory(article=article, body=f"comment {number}")
    assert client.get("/articles/harbour/comments/?page=2&partial=1").status_code == 200
    # A moderator hides one: there is one page only, and the script's
    # "Older comments" link still names page 2.
    Comment.objects.filter(body="comment 0").update(status=Comment.Status.HIDDEN)
    response = client.get("/articles/harbour/comments/?page=2&partial=1")
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
    assert "comment 20" in response.content.decode()
    # Without the script, a page that does not exist is still a 404, as is a
    # page number that is no page number.
    assert client.get("/articles/harbour/comments/?page=2").status_code == 404
    for page in ("0", "x", "\u0663"):
        assert client.get(f"/articles/harbour/comments/?page={page}&partial=1").status_code == 404
