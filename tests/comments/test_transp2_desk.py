"""The comment queue: a card says when its story is not public; the comments around a
waiting one are read from the story's index, from that comment on."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from comments import desk
from comments.models import Comment, CommentReport, ModerationAction
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/moderation/comments/"
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
TAG = '<span class="desk-tag desk-tag-unpublished">Story not public</span>'
NOTE = ("Not public now: the story is unpublished or scheduled for later, so readers see "
        "neither it nor its comments, and its link leads them to “page not found”. "
        "Approved, this comment shows once the story is public again.")


@pytest.fixture
def moderator(client):
    user = UserFactory(username="mod", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    return user


def cards(html):
    """Each comment card's HTML by the comment's id."""
    parts = re.split(r'(?=<article class="desk-item" id="comment-)', html)[1:]
    return {int(re.match(r'<article class="desk-item" id="comment-(\d+)"', part)[1]):
            part.split("</article>")[0] for part in parts}


def test_a_card_says_when_its_story_is_no_longer_public(client, moderator):
    public = CommentFactory(status="pending", body="on a public story")
    unpublished = CommentFactory(status="pending", body="on a story taken down")
    Article.objects.filter(pk=unpublished.article_id).update(status=Article.Status.DRAFT)
    rescheduled = CommentFactory(status="pending", body="on a story moved to next week")
    Article.objects.filter(pk=rescheduled.article_id).update(
        published_at=timezone.now() + timedelta(days=7))

    found = cards(client.get(QUEUE).content.decode())
    assert set(found) == {public.pk, unpublished.pk, rescheduled.pk}
    assert TAG not in found[public.pk] and NOTE not in found[public.pk]
    for comment in (unpublished, rescheduled):
        assert found[comment.pk].count(TAG) == 1 and found[comment.pk].count(NOTE) == 1
        # The tag is with the card's other tags, in its header.
        head = found[comment.pk].split("</header>")[0]
        assert TAG in head


def test_a_card_brought_back_by_undo_says_so_too(client, moderator):
    comment = CommentFactory(status="pending", body="bring me back")
    client.post(f"/admin/moderation/comments/{comment.pk}/decide/", {
        "decision": "hide", "version": "new", "next": QUEUE})
    Article.objects.filter(pk=comment.article_id).update(status=Article.Status.DRAFT)
    action = ModerationAction.objects.get()
    html = client.post(f"/admin/moderation/decisions/{action.pk}/undo/", **FETCH).content.decode()
    assert f'id="comment-{comment.pk}"' in html and TAG in html and NOTE in html


def _queue_queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE)
    assert response.status_code == 200 and len(response.context["items"]) == 10
    return len(captured.captured_queries)


def test_telling_a_story_is_not_public_costs_no_query(client, moderator):
    """The flag is read from the story each card already has: as many queries with
    every story public as with some not."""
    comments = []
    for _ in range(12):
        comment = CommentFactory(status="pending")
        CommentReport.objects.create(comment=comment, reporter=UserFactory(), reason="spam")
        CommentFactory(reader=comment.reader, article=comment.article)
        comments.append(comment)
    all_public = _queue_queries(client)
    for comment in comments[:6]:
        Article.objects.filter(pk=comment.article_id).update(status=Article.Status.DRAFT)
    some_not = _queue_queries(client)
    assert client.get(QUEUE).content.decode().count(TAG) == 6
    assert some_not == all_public


# The comments around a waiting one ----------------------------------------------------

def _around_queries(comment):
    """The SQL of the two queries that read the comments before and after `comment`."""
    with CaptureQueriesContext(connection) as captured:
        thread = desk._around(comment)
    queries = [q["sql"] for q in captured.captured_queries
               if q["sql"].startswith('SELECT "comments_comment"."id"')]
    assert len(queries) == 2
    return thread, queries


def _plan(sql):
    """How the database answers sql: the indexes it reads with their conditions, and
    whether it sorts. On PostgreSQL the test tables are too small for the planner to
    prefer an index to a scan and a sort, so both are priced out."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            details = [row[-1] for row in cursor.fetchall()]
            return {"reads": [d for d in details if "comments_comment" in d],
                    "sorts": any("TEMP B-TREE" in d for d in details)}
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    reads, sorts, nodes = [], False, [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        sorts = sorts or "Sort" in node["Node Type"]
        if node.get("Relation Name") == "comments_comment":
            reads.append(f'{node.get("Index Name")} ({node.get("Index Cond")})')
        nodes.extend(node.get("Plans", []))
    return {"reads": reads, "sorts": sorts}


def test_the_comments_around_a_waiting_one_are_read_from_where_it_sits():
    """Before, both queries read every comment of the story and sorted them: posted_before's
    OR alone gave the database no place to start (8.6 s for a page of the queue at a
    million comments on one story)."""
    start = timezone.now() - timedelta(days=3)
    story, other = ArticleFactory(), ArticleFactory()
    reader = UserFactory()
    for n in range(6):
        for article in (story, other):
            CommentFactory(article=article, reader=reader, body=f"{article.pk}-{n}",
                           created_at=start + timedelta(hours=n))
    # Two at the same second as the waiting one: told apart by their ids.
    tie = start + timedelta(hours=3)
    waiting = Comment.objects.get(article=story, body=f"{story.pk}-3")
    twin = CommentFactory(article=story, reader=reader, body="twin", created_at=tie)

    thread, queries = _around_queries(waiting)
    assert [c.body for c in thread] == [f"{story.pk}-1", f"{story.pk}-2", f"{story.pk}-3",
                                        "twin", f"{story.pk}-4"]
    assert [c.body for c in _around_queries(twin)[0]] == [
        f"{story.pk}-2", f"{story.pk}-3", "twin", f"{story.pk}-4", f"{story.pk}-5"]
    for sql in queries:
        # The bound on created_at the index starts from, besides posted_before's (or
        # posted_after's) OR: PostgreSQL never derives one from an OR, and SQLite, with
        # its statistics at a million comments on one story, read both halves of the OR
        # through the index and sorted them (1.2 s).
        assert re.search(r' AND "comments_comment"."created_at" [<>]= ', sql), sql
        plan = _plan(sql)
        assert not plan["sorts"], plan
        assert len(plan["reads"]) == 1, plan
        read = plan["reads"][0]
        assert "comment_story_order_idx" in read and "created_at" in read, plan
