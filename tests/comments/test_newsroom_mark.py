"""Comments from newsroom accounts (QA round 6): marked "Newsroom" under the comment and
named by the person's full name (or the newsroom's), never by the sign-in name of an
account that can reach the admin; a comments block showing one goes stale when the
account's name or newsroom standing changes."""

import re

import pytest
from django.test import Client

from tests import test_invalidation as invalidation
from tests.articles.newsroom import staff
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.test_stale_qa_round import _admin_save

pytestmark = pytest.mark.django_db


def meta_lines(html):
    return [re.sub(r"<[^>]+>", "", line).strip()
            for line in re.findall(r'<p class="comment-meta">(.*?)</p>', html, re.S)]


def block(story):
    return Client().get(f"/articles/{story.slug}/comments/?partial=1").content.decode()


def test_a_newsroom_comment_is_marked_and_named_by_the_persons_name():
    story = ArticleFactory(slug="harbour")
    editor = staff("Editors", username="ed.login7", first_name="Irene", last_name="Sallis")
    CommentFactory(article=story, reader=editor, body="We have corrected the figure.")
    CommentFactory(article=story, reader=UserFactory(username="mira_k"), body="Thanks.")
    html = block(story)
    assert "ed.login7" not in html
    lines = meta_lines(html)
    assert lines[0].startswith("mira_k ·") and "Newsroom" not in lines[0]
    assert lines[1].startswith("Irene Sallis Newsroom ·")
    assert '<span class="newsroom-mark">Newsroom</span>' in html


def test_a_newsroom_account_without_a_name_is_the_newsrooms(client):
    story = ArticleFactory(slug="harbour")
    CommentFactory(article=story, reader=staff("Moderators", username="mod.login3"),
                   body="Please keep it civil.")
    client.force_login(UserFactory(username="ana"))
    html = client.get("/articles/harbour/comments/").content.decode()
    assert "mod.login3" not in html
    assert meta_lines(html)[0].startswith("EVA DAILY newsroom Newsroom ·")
    # The report control names the comment by the same name.
    assert "Report<span class=\"visually-hidden\"> the comment by <bdi>EVA DAILY newsroom" \
        in html


@pytest.mark.usefixtures("page_cache_on")
@pytest.mark.parametrize("change", ["made staff", "named"])
def test_a_commenter_joining_the_newsroom_or_named_stales_their_comments_blocks(
        newsroom, client, change):
    story = newsroom["a"]
    with invalidation.time_machine.travel(invalidation.T0, tick=False):
        mira = UserFactory(username="mira_k")
        if change == "named":
            mira.is_staff = True
            mira.save()
        CommentFactory(article=story, reader=mira, body="Mira's view on the harbour.")

    def save(newsroom, clock):
        if change == "made staff":
            _admin_save(mira, is_staff="on")
        else:
            _admin_save(mira, is_staff="on", first_name="Mira", last_name="Kaur")

    purged, pages = invalidation._purged_by(client, save, newsroom)
    assert purged == {"comments a", "comments page a"}
    assert "mira_k" not in pages["comments a"]
    assert "Newsroom" in pages["comments a"]


newsroom = invalidation.newsroom


@pytest.mark.parametrize("first_name, signed", [
    ("Irene", "signed Irene Sallis, never with your username"),
    ("", "signed “EVA DAILY newsroom”, never with your username"),
])
def test_a_newsroom_accounts_page_says_how_its_comments_are_signed(client, first_name, signed):
    editor = staff("Editors", username="ed.login7", first_name=first_name,
                   last_name="Sallis" if first_name else "")
    client.force_login(editor)
    intro = re.sub(r"<[^>]+>", "", re.search(
        r'<p class="page-intro">(.*?)</p>', client.get("/accounts/").content.decode(),
        re.S).group(1))
    assert "Your username is shown beside your comments" not in intro
    assert f"Your comments are marked “Newsroom” and {signed}; nothing else here is public." \
        in intro


def test_a_readers_page_still_says_their_username_is_shown(client):
    client.force_login(UserFactory(username="mira_k"))
    assert "Your username is shown beside your comments; nothing else here is public." \
        in client.get("/accounts/").content.decode()
