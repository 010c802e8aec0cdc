from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from comments.models import Comment, CommentReport, ReaderStanding, WordRule
from tests.commenting import comment_form, post_comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def post(client, body, partial=False, **extra):
    return post_comment(client, "harbour", body, partial=partial, **extra)


class TestShowingComments:
    def test_article_page_links_to_comments_and_loads_them_with_a_script(self, client, article):
        page = client.get("/articles/harbour/").content.decode()
        assert '<h2 id="comments-heading">Comments</h2>' in page
        assert '<a href="/articles/harbour/comments/">' in page
        assert '<p class="comments-loading" hidden>Loading comments...</p>' in page
        assert 'data-comments-src="/articles/harbour/comments/?partial=1"' in page
        assert 'src="/static/js/comments.js"' in page
        # The cached article HTML is the same for everyone: no form, no token.
        assert 'name="body"' not in page and "csrfmiddlewaretoken" not in page

    def test_partial_is_the_block_alone_and_full_page_is_a_page(self, client, article, reader):
        partial = client.get("/articles/harbour/comments/?partial=1").content.decode()
        full = client.get("/articles/harbour/comments/").content.decode()
        assert "<html" not in partial and "<html" in full
        for html in (partial, full):
            assert 'name="body"' in html and 'maxlength="250"' in html
            assert '<label for="id_body">Your comment</label>' in html
            assert ">0/250</p>" in html
            # Not a live region: a screen reader would read it at every keystroke.
            assert 'aria-live="polite"' not in html
            assert "csrfmiddlewaretoken" in html

    def test_anonymous_readers_get_a_sign_in_link_that_brings_them_back(self, client, article):
        html = client.get("/articles/harbour/comments/?partial=1").content.decode()
        assert 'name="body"' not in html
        # To the story's comments (tests/comments/test_polish.py follows it).
        assert 'href="/accounts/login/?next=/articles/harbour/%23comments"' in html

    def test_approved_comments_newest_first_escaped_with_line_breaks(self, client, article):
        now = timezone.now()
        CommentFactory(article=article, body="older", created_at=now - timedelta(hours=2))
        five_ago = CommentFactory(article=article, body="<b>bold</b>\nsecond line",
                                  created_at=now - timedelta(minutes=5))
        CommentFactory(article=article, body="held back", status=Comment.Status.PENDING)
        CommentFactory(article=article, body="hidden away", status=Comment.Status.HIDDEN)
        html = client.get("/articles/harbour/comments/").content.decode()
        assert html.index("&lt;b&gt;bold&lt;/b&gt;<br>second line") < html.index(">older</div>")
        assert "<b>bold</b>" not in html
        # When, not how long ago: the block is kept in the caches for minutes.
        assert date_format(timezone.localtime(five_ago.created_at), "M j, Y, g:i A") in html
        assert " ago<" not in html
        assert "held back" not in html and "hidden away" not in html

    def test_twenty_a_page(self, client, article):
        for i in range(25):
            CommentFactory(article=article, body=f"comment {i:02d}",
                           created_at=timezone.now() - timedelta(minutes=i))
        first = client.get("/articles/harbour/comments/").content.decode()
        second = client.get("/articles/harbour/comments/?page=2").content.decode()
        assert "comment 00" in first and "comment 19" in first and "comment 20" not in first
        assert "comment 24" in second
        assert client.get("/articles/harbour/comments/?page=3").status_code == 404
        assert client.get("/articles/harbour/comments/?page=x").status_code == 404

    def test_no_comments_on_drafts(self, client):
        draft = ArticleFactory(draft=True)
        assert client.get(f"/articles/{draft.slug}/comments/").status_code == 404

    def test_comments_page_query_count_is_constant(self, client, article, reader,
                                                   django_assert_num_queries):
        CommentFactory.create_batch(3, article=article)
        # user, article, count, page, the reader's standing (a suspended reader gets no
        # form): the session is read from the shared cache
        with django_assert_num_queries(5):
            client.get("/articles/harbour/comments/?partial=1")
        CommentFactory.create_batch(30, article=article)
        with django_assert_num_queries(5):
            client.get("/articles/harbour/comments/?partial=1")

    def test_deleted_reader_shows_as_former_reader(self, client, article):
        comment = CommentFactory(article=article, body="still here")
        comment.reader.delete()
        html = client.get("/articles/harbour/comments/").content.decode()
        assert "still here" in html and "a former reader" in html


class TestPostingComments:
    def test_comment_is_stored_with_lf_and_redirects_303(self, client, article, reader):
        response = post(client, "  Hello\r\nharbour  ")
        comment = Comment.objects.get()
        assert response.status_code == 303
        assert response["Location"] == f"/articles/harbour/comments/#comment-{comment.pk}"
        assert comment.body == "Hello\nharbour"
        assert comment.status == Comment.Status.APPROVED and comment.reader == reader

    def test_partial_post_answers_with_the_refreshed_block(self, client, article, reader):
        response = post(client, "From the script", partial=True)
        html = response.content.decode()
        assert response.status_code == 200
        assert "Your comment is published." in html and "From the script" in html
        assert "<html" not in html

    @pytest.mark.parametrize("body", ["é" * 250, "👍" * 250, "🇫🇷" * 125,
                                      "a\r\n" * 10 + "a" * 230])
    def test_250_characters_are_accepted(self, client, article, reader, body):
        assert post(client, body).status_code == 303
        assert Comment.objects.count() == 1

    @pytest.mark.parametrize("partial", [False, True])
    def test_251_refused_with_400_text_kept_and_reason(self, client, article, reader, partial):
        body = "👍🏽" * 125 + "!"
        response = post(client, body, partial=partial)
        html = response.content.decode()
        assert response.status_code == 400
        assert "Comments can be at most 250 characters; this one has 251." in html
        assert body in html
        assert ">251/250</p>" in html
        assert Comment.objects.count() == 0

    def test_empty_comment_is_refused(self, client, article, reader):
        response = post(client, " \r\n ")
        assert response.status_code == 400
        assert "the comment is empty" in response.content.decode()
        assert not Comment.objects.exists()

    def test_anonymous_post_stores_nothing(self, client, article):
        response = client.post("/articles/harbour/comments/",
                               {"body": "hello", "submission_token": "a" * 24})
        assert response.status_code == 403
        assert not Comment.objects.exists()

    def test_csrf_is_enforced(self, article):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(UserFactory())
        response = client.post("/articles/harbour/comments/", {"body": "hi"})
        assert response.status_code == 403
        assert not Comment.objects.exists()


class TestHoldRules:
    @pytest.mark.parametrize(
        ("body", "reason"),
        [
            ("See https://example.org/proof", "Contains a link"),
            ("look at www.example.org", "Contains a link"),
            ("cheap pills at pills.xyz", "Contains a link"),
        ],
    )
    def test_links_are_held(self, client, article, reader, body, reason):
        response = post(client, body)
        comment = Comment.objects.get()
        assert comment.status == Comment.Status.PENDING and comment.hold_reason == reason
        assert response["Location"].endswith("#comments")
        follow = client.get(response["Location"]).content.decode()
        assert "will appear once a moderator has reviewed it" in follow
        assert body not in follow

    def test_suspect_words_are_held(self, client, article, reader):
        WordRule.objects.create(word="Scam", kind=WordRule.Kind.SUSPECT)
        post(client, "This is a scam, clearly.")
        assert Comment.objects.get().status == Comment.Status.PENDING

    def test_suspect_word_matches_whole_words_only(self, client, article, reader):
        WordRule.objects.create(word="scam", kind=WordRule.Kind.SUSPECT)
        post(client, "Scampi for dinner.")
        assert Comment.objects.get().status == Comment.Status.APPROVED

    def test_banned_words_are_refused_with_text_kept(self, client, article, reader):
        WordRule.objects.create(word="vermin", kind=WordRule.Kind.BANNED)
        response = post(client, "They are VERMIN.")
        html = response.content.decode()
        assert response.status_code == 400
        assert "uses a word we do not publish" in html and "They are VERMIN." in html
        assert not Comment.objects.exists()

    def test_repeating_the_previous_comment_is_held(self, client, article, reader, settings):
        CommentFactory(article=article, reader=reader, body="Same again",
                       created_at=timezone.now() - timedelta(hours=2))
        post(client, "same again")
        assert Comment.objects.latest("pk").status == Comment.Status.PENDING

    def test_premoderated_reader_is_held(self, client, article, reader):
        ReaderStanding.objects.create(reader=reader, is_premoderated=True)
        post(client, "Perfectly ordinary")
        assert Comment.objects.get().hold_reason == "Reader is in pre-moderation"

    def test_suspended_reader_is_refused_with_text_kept(self, client, article, reader):
        # A form shown before the suspension, sent after it.
        form = comment_form(client, "harbour", body="Let me in")
        ReaderStanding.objects.create(reader=reader,
                                      suspended_until=timezone.now() + timedelta(days=2))
        response = client.post("/articles/harbour/comments/", form)
        assert response.status_code == 403
        assert "cannot post comments until" in response.content.decode()
        assert "Let me in" in response.content.decode()
        assert not Comment.objects.exists()

    def test_banned_reader_is_refused(self, client, article, reader):
        form = comment_form(client, "harbour", body="hi")
        ReaderStanding.objects.create(reader=reader, is_banned=True)
        assert client.post("/articles/harbour/comments/", form).status_code == 403

    def test_suspension_ends(self, client, article, reader):
        ReaderStanding.objects.create(reader=reader,
                                      suspended_until=timezone.now() - timedelta(minutes=1))
        assert post(client, "back again").status_code == 303


class TestReportingComments:
    def test_report_puts_comment_in_the_queue(self, client, article, reader):
        comment = CommentFactory(article=article, body="rude words")
        response = client.post(f"/comments/{comment.pk}/report/", {"reason": "abuse"})
        assert response.status_code == 303
        report = CommentReport.objects.get()
        assert report.reporter == reader and report.reason == "abuse"
        queue = list(Comment.objects.moderation_queue())
        assert queue[0] == comment and queue[0].open_reports == 1

    def test_reporting_twice_keeps_one_report(self, client, article, reader):
        comment = CommentFactory(article=article)
        client.post(f"/comments/{comment.pk}/report/", {"reason": "spam"})
        client.post(f"/comments/{comment.pk}/report/", {"reason": "spam"})
        assert CommentReport.objects.count() == 1

    def test_bad_reason_and_anonymous_reports_store_nothing(self, client, article):
        comment = CommentFactory(article=article)
        assert client.post(f"/comments/{comment.pk}/report/",
                           {"reason": "abuse"}).status_code == 302  # to sign in
        client.force_login(UserFactory())
        assert client.post(f"/comments/{comment.pk}/report/",
                           {"reason": "nonsense"}).status_code == 400
        assert not CommentReport.objects.exists()


def test_for_display_keeps_only_comments_of_public_stories():
    public = CommentFactory(body="On a public story")
    CommentFactory(body="On a draft", article=ArticleFactory(draft=True))
    CommentFactory(body="On a scheduled story", article=ArticleFactory(scheduled=True))
    CommentFactory(body="Hidden", article=public.article, status="hidden")
    assert [c.body for c in Comment.objects.for_display()] == ["On a public story"]
