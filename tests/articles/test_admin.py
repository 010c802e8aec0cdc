"""The article, author and section admin, worked through the test client as staff."""

import io
import re
from datetime import datetime, timedelta, timezone as dt_timezone
from unittest import mock

import pytest
import time_machine
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from taggit.models import Tag

from articles.models import Article, Section
from authors.models import Author
from core import images
from standards.models import Correction
from tests.articles.newsroom import (ADD_URL, LIST_URL, article_form, change_url, form_errors,
                                     history_url, staff)
from tests.factories import (ArticleFactory, AuthorFactory, CorrectionFactory, SectionFactory,
                             UserFactory, image_file)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)


@pytest.fixture
def editor(client):
    user = staff("Editors", username="editor", first_name="Jane", last_name="Editor")
    client.force_login(user)
    return user


@pytest.fixture
def world():
    return SectionFactory(name="World", slug="world", position=0)


@pytest.fixture
def human():
    return AuthorFactory(name="Margaret Okonkwo", slug="margaret-okonkwo")


@pytest.fixture
def persona():
    return AuthorFactory(ai=True, name="Li Wei", slug="li-wei")


def html(response):
    return response.content.decode()


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_bytes(size, mode="1"):
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, "PNG")
    return buffer.getvalue()


class TestChangelist:
    @time_machine.travel(NOW, tick=False)
    def test_columns_show_state_byline_marker_thumbnail_and_links(self, client, editor, world,
                                                                  human, persona):
        public = ArticleFactory(headline="Public story", section=world, author=persona,
                                with_image=True, is_featured=True)
        # The last editor is whoever saved the latest revision.
        client.post(change_url(public), article_form(public, ai_involvement="generated",
                                                     ai_reviewed_by=editor))
        ArticleFactory(headline="Scheduled story", section=world, author=human,
                       published_at=NOW + timedelta(hours=3))
        ArticleFactory(headline="Draft story", section=world, author=human, draft=True)
        # A publication time already past is shown as published, whatever was meant.
        ArticleFactory(headline="Late story", section=world, author=human,
                       published_at=NOW - timedelta(seconds=1))

        page = html(client.get(LIST_URL))

        rows = {row: re.search(rf"<tr>(?:(?!</tr>).)*{row}.*?</tr>", page, re.S).group(0)
                for row in ("Public story", "Scheduled story", "Draft story", "Late story")}
        state = '<span class="story-state story-state-{0}">{1}</span>'
        assert state.format("published", "Published") in rows["Public story"]
        assert state.format("scheduled", "Scheduled") in rows["Scheduled story"]
        assert state.format("draft", "Draft") in rows["Draft story"]
        assert state.format("published", "Published") in rows["Late story"]
        assert '<span class="story-featured">Featured</span>' in rows["Public story"]
        assert "Featured" not in rows["Late story"]
        assert 'Li Wei <abbr title="AI persona">(AI)</abbr>' in rows["Public story"]
        assert "(AI)" not in rows["Draft story"]
        assert re.search(r'<img src="/media/articles/[^"]+-480w\.jpeg" alt="A harbour at dawn"',
                         rows["Public story"])
        assert '>View on site</a>' in rows["Public story"]
        assert '>Preview</a>' in rows["Scheduled story"] and '>Preview</a>' in rows["Draft story"]
        assert ('<td class="field-publication_time"><time datetime="2026-02-24T23:00:00+00:00">'
                "<span>Feb 24, 2026</span> <span>11:00 PM</span></time></td>"
                in rows["Scheduled story"])
        assert '<td class="field-publication_time">—</td>' in rows["Draft story"]
        assert '<span class="story-editor">Jane Editor</span>' in rows["Public story"]
        assert "story-editor" not in rows["Late story"]  # saved by no one in the newsroom
        for column in ("field-section", "field-byline", "field-last_edit"):
            assert column in rows["Public story"]
        for gone in ("field-is_featured", "field-updated_at", "field-site_link"):
            assert gone not in page

    @time_machine.travel(NOW, tick=False)
    @pytest.mark.parametrize(("query", "expected"), [
        ("status=draft", {"Draft story"}),
        ("status=scheduled", {"Scheduled story"}),
        ("status=published", {"Public AI story", "Public human story"}),
        ("author_kind=ai", {"Public AI story"}),
        ("author_kind=human", {"Public human story", "Scheduled story", "Draft story"}),
        ("is_featured__exact=1", {"Public AI story"}),
        ("tag=ports", {"Public human story", "Draft story"}),
        ("q=lighthouse", {"Scheduled story"}),
        ("q=standfirst", {"Public AI story"}),
        ("q=Draft", {"Draft story"}),
        ("section__id__exact=SECTION", {"Public human story"}),
        ("author__id__exact=AUTHOR", {"Public AI story"}),
        ("published_at__year=2026&published_at__month=1", {"Public human story"}),
    ])
    def test_filters_search_and_date_hierarchy(self, client, editor, world, human, persona,
                                               query, expected):
        business = SectionFactory(name="Business", slug="business", position=1)
        ArticleFactory(headline="Public AI story", section=world, author=persona,
                       dek="A standfirst", is_featured=True, ai_reviewed_by=editor)
        ArticleFactory(headline="Public human story", section=business, author=human,
                       tags=["Ports"], published_at=datetime(2026, 1, 5, tzinfo=dt_timezone.utc))
        ArticleFactory(headline="Scheduled story", section=world, author=human,
                       body="The lighthouse reopens.", published_at=NOW + timedelta(days=1))
        ArticleFactory(headline="Draft story", section=world, author=human, draft=True,
                       tags=["Ports"])
        query = query.replace("SECTION", str(business.pk)).replace("AUTHOR", str(persona.pk))

        response = client.get(f"{LIST_URL}?{query}")

        assert response.status_code == 200
        shown = {article.headline for article in response.context["cl"].result_list}
        assert shown == expected

    def test_filter_sidebar_offers_every_filter(self, client, editor, world, human, persona):
        SectionFactory(name="Business", slug="business")
        ArticleFactory(section=world, author=human, tags=["Ports"])
        ArticleFactory(author=persona, ai_reviewed_by=editor)
        page = html(client.get(LIST_URL))
        for title in ("By state", "By section", "By author", "By AI or human author",
                      "By featured", "By tag"):
            assert title in page
        assert 'href="?status=scheduled"' in page
        assert 'id="searchbar"' in page
        assert "date-hierarchy" in page


class TestChangeForm:
    def test_fieldsets_prefilled_slug_and_autocompletes(self, client, editor):
        page = html(client.get(ADD_URL))
        for heading in ("Story", "Byline", "Photo", "Publishing", "Related"):
            assert f'class="fieldset-heading">{heading}</h2>' in page
        assert "Related stories: editor&#x27;s picks, in order" in page
        assert "Corrections and editor&#x27;s notes" in page
        prepopulated = re.search(r'data-prepopulated-fields="([^"]+)"', page).group(1)
        assert "#id_slug" in prepopulated and "headline" in prepopulated
        for field in ("author", "section"):
            assert re.search(rf'<select name="{field}"[^>]*class="admin-autocomplete"', page)
        assert 'data-field-name="to_article"' in page
        # One tags field, typed, with suggestions from the autocomplete view.
        assert re.search(r'<input type="text" name="tags"[^>]*'
                         r'data-tag-suggestions="/admin/autocomplete/"', page)
        assert "new_tags" not in page
        # One state control: no separate read-only state.
        assert re.findall(r'<input type="radio" name="status" value="(\w+)"', page) == [
            "draft", "scheduled", "published"]
        assert "field-state_note" not in page

    def test_autocomplete_answers_editors_for_author_tags_and_related(self, client, editor,
                                                                      persona):
        ArticleFactory(headline="Harbour reopens", tags=["Harbours"])
        for model, field, term, found in (("article", "author", "li", "Li Wei"),
                                          ("article", "tags", "harb", "Harbours"),
                                          ("relatedarticle", "to_article", "harbour",
                                           "Harbour reopens")):
            response = client.get("/admin/autocomplete/", {
                "app_label": "articles", "model_name": model, "field_name": field,
                "term": term})
            assert response.status_code == 200, field
            assert [r["text"] for r in response.json()["results"]] == [found]

    @time_machine.travel(NOW, tick=False)
    def test_editor_writes_a_story_with_tags_photo_and_a_correction(
            self, client, editor, world, human, django_capture_on_commit_callbacks):
        Tag.objects.create(name="Ports", slug="ports")
        data = article_form(
            headline="Harbour talks resume", slug="harbour-talks", body="Talks resume.",
            section=world, author=human, status="published", published_at=NOW,
            tags="Ports, Trade, Shipping",
            image=image_file("hero.jpg"), image_alt="Cranes at dawn",
            image_credit_source="Unsplash", image_is_ai_generated=True,
        )
        data.update({"corrections-TOTAL_FORMS": "1", "corrections-0-kind": "clarification",
                     "corrections-0-date_0": "2026-02-24", "corrections-0-date_1": "20:00:00",
                     "corrections-0-text": "The talks are in Geneva."})

        # The commit queues the renditions; the tests' task backend makes them at once.
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(ADD_URL, data)

        assert response.status_code == 302, form_errors(response)
        article = Article.objects.get(slug="harbour-talks")
        assert sorted(article.tags.names()) == ["Ports", "Shipping", "Trade"]
        assert article.image_renditions["jpeg"]
        assert article.corrections.get().text == "The talks are in Geneva."
        page = html(client.get("/articles/harbour-talks/"))
        assert "Photo: Unsplash (AI-generated image)" in page
        assert "<strong class=\"correction-kind\">Clarification</strong>" in page

    def test_view_on_site_for_public_and_preview_for_hidden_stories(self, client, editor):
        public = ArticleFactory()
        draft = ArticleFactory(draft=True)
        public_page = html(client.get(change_url(public)))
        assert f'href="/articles/{public.slug}/" class="viewsitelink">View on site' in public_page
        assert ">Preview</a>" not in public_page
        draft_page = html(client.get(change_url(draft)))
        assert f'<a href="/articles/{draft.slug}/" class="viewsitelink">Preview</a>' in draft_page
        assert "View on site" not in draft_page
        assert client.get(f"/articles/{draft.slug}/").status_code == 200

    def test_image_thumbnail_on_the_form(self, client, editor):
        article = ArticleFactory(with_image=True)
        page = html(client.get(change_url(article)))
        assert re.search(r'<img src="/media/[^"]+-480w\.jpeg" alt="A harbour at dawn" '
                         r'width="240"', page)


class TestValidation:
    def post(self, client, **fields):
        section = fields.pop("section", None) or SectionFactory()
        author = fields.pop("author", None) or AuthorFactory()
        data = article_form(headline="A story", slug="a-story", body="Words.",
                            section=section, author=author, **fields)
        return client.post(ADD_URL, data)

    def assert_refused(self, response, message):
        assert response.status_code == 200
        assert message in form_errors(response)
        assert message in html(response)
        assert not Article.objects.exists()

    @time_machine.travel(NOW, tick=False)
    def test_published_without_a_time_is_published_now(self, client, editor):
        response = self.post(client, status="published")
        assert response.status_code == 302, form_errors(response)
        article = Article.objects.get()
        assert article.published_at == NOW and article.state == Article.State.PUBLISHED

    @time_machine.travel(NOW, tick=False)
    @pytest.mark.parametrize(("state", "moment", "message"), [
        ("published", NOW + timedelta(hours=1), "This time is still to come, so the story would "
                                                "be scheduled, not published."),
        ("scheduled", NOW - timedelta(hours=1), "This time has passed. Choose Published"),
        ("scheduled", None, "A scheduled story needs the time it becomes public."),
    ])
    def test_the_state_must_agree_with_the_time(self, client, editor, state, moment, message):
        self.assert_refused(self.post(client, status=state, published_at=moment), message)

    def test_a_schedule_whose_time_came_while_the_form_was_open_is_kept(self, client, editor):
        with time_machine.travel(NOW, tick=False):
            article = ArticleFactory(published_at=NOW + timedelta(minutes=5))
            data = article_form(article)
        assert data["status"] == "scheduled"
        with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
            response = client.post(change_url(article), data)
        assert response.status_code == 302, form_errors(response)
        article.refresh_from_db()
        assert article.state == Article.State.PUBLISHED

    def test_image_needs_alt_text(self, client, editor):
        self.assert_refused(
            self.post(client, image=image_file("hero.jpg")),
            "An image needs alt text: describe what it shows for readers who cannot see it.")

    def test_ai_persona_story_needs_a_named_reviewer_to_publish(self, client, editor, persona):
        self.assert_refused(
            self.post(client, author=persona, ai_involvement="generated", status="published",
                      published_at=NOW),
            "A story by an AI persona or generated by AI cannot be published without a named "
            "reviewing editor.")

    def test_generated_story_by_a_person_needs_a_named_reviewer(self, client, editor, human):
        self.assert_refused(
            self.post(client, author=human, ai_involvement="generated", status="published",
                      published_at=NOW),
            "cannot be published without a named reviewing editor.")

    def test_ai_persona_story_cannot_claim_no_ai_involvement(self, client, editor, persona):
        self.assert_refused(
            self.post(client, author=persona, ai_involvement="none"),
            "A story by an AI persona cannot have AI involvement “None”: choose Assisted or "
            "Generated.")

    def test_review_time_needs_a_reviewer(self, client, editor):
        self.assert_refused(self.post(client, ai_reviewed_at=NOW),
                            "Name the reviewing editor, or leave the review time empty.")

    def test_only_staff_can_be_chosen_as_reviewer(self, client, editor, persona):
        reader = UserFactory(username="reader")
        page = html(client.get(ADD_URL))
        reviewer_select = re.search(r'<select name="ai_reviewed_by".*?</select>', page, re.S)
        assert "Jane Editor (editor)" in reviewer_select.group(0)
        assert "reader" not in reviewer_select.group(0)
        self.assert_refused(
            self.post(client, author=persona, ai_involvement="generated", ai_reviewed_by=reader),
            "Select a valid choice.")

    @time_machine.travel(NOW, tick=False)
    def test_reviewed_story_is_published_and_dated(self, client, editor, persona):
        response = self.post(client, author=persona, ai_involvement="generated",
                             status="published", published_at=NOW, ai_reviewed_by=editor)
        assert response.status_code == 302, form_errors(response)
        article = Article.objects.get()
        assert article.ai_reviewed_by == editor
        assert article.ai_reviewed_at == NOW

    @time_machine.travel(NOW, tick=False)
    def test_scheduled_story_says_when_it_goes_public(self, client, editor):
        response = self.post(client, status="scheduled", published_at=NOW + timedelta(days=1))
        assert response.status_code == 302
        messages = [str(m) for m in response.wsgi_request._messages]
        assert ("“A story” is scheduled: it becomes public on Wednesday, February 25, 2026 at "
                "8:00 PM.") in messages
        assert Article.objects.get().state == Article.State.SCHEDULED

    @time_machine.travel(NOW, tick=False)
    def test_scheduled_time_in_the_past_is_shown_as_published(self, client, editor):
        response = self.post(client, status="published", published_at=NOW - timedelta(hours=1))
        assert response.status_code == 302
        article = Article.objects.get()
        assert article.state == Article.State.PUBLISHED
        assert not any("scheduled" in str(m) for m in response.wsgi_request._messages)
        assert re.search(r'<input type="radio" name="status" value="published"[^>]* checked',
                         html(client.get(change_url(article))))
        assert client.logout() is None
        assert client.get(article.get_absolute_url()).status_code == 200


class TestRefusedUploads:
    """Each upload the newsroom refuses, through the admin form, with its reason."""

    @pytest.mark.parametrize(("name", "content", "message"), [
        ("notes.jpg", b"These are my notes, not a picture.",
         "This file is not an image (JPEG, PNG, WebP or GIF)."),
        ("drawing.svg",
         b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
         b"<script>alert(1)</script></svg>",
         "SVG drawings are not accepted: they can carry scripts. Use a JPEG, PNG, WebP or GIF "
         "image."),
        ("huge.jpg", b"\0" * (20 * 1024 * 1024 + 1),
         "Images can be at most 20 MB; this file is 20.0 MB."),
        # 8000 x 5001 is just over 40 megapixels, below Pillow's own bomb limit.
        ("wide.png", png_bytes((8000, 5001)),
         "Images can be at most 40 megapixels; this one has 40.0."),
        # Over twice the limit, Pillow refuses to open it at all: the count is still said,
        # as for a 108-megapixel phone's photo (QA, 2026-12-06).
        ("bomb.png", png_bytes((10000, 9000)),
         "Images can be at most 40 megapixels; this one has 90.0."),
        ("truncated.jpg", image_file().read()[:2000], "The image data is damaged or incomplete."),
    ])
    def test_article_image(self, client, editor, name, content, message):
        data = article_form(headline="A story", slug="a-story", body="Words.",
                            section=SectionFactory(), author=AuthorFactory(),
                            image=upload(name, content), image_alt="Alt")
        response = client.post(ADD_URL, data)
        assert response.status_code == 200
        assert message in form_errors(response)
        assert not Article.objects.exists()

    def test_author_avatar(self, client, editor):
        response = client.post("/admin/authors/author/add/", {
            "name": "New Writer", "slug": "new-writer",
            "avatar": upload("face.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")})
        assert response.status_code == 200
        assert ("SVG drawings are not accepted"
                in str(response.context["adminform"].form.errors["avatar"]))
        assert not Author.objects.exists()


class TestRenditions:
    def test_made_once_when_the_image_is_saved_never_when_a_page_renders(
            self, client, editor, monkeypatch, django_capture_on_commit_callbacks):
        calls = []
        real = images.make_renditions
        monkeypatch.setattr(images, "make_renditions",
                            lambda *a, **k: calls.append(a) or real(*a, **k))
        data = article_form(headline="A story", slug="a-story", body="Words.",
                            section=SectionFactory(), author=AuthorFactory(),
                            image=image_file("hero.jpg"), image_alt="Alt",
                            status="published", published_at=datetime(2026, 1, 1,
                                                                      tzinfo=dt_timezone.utc))
        # The commit queues the renditions; the tests' task backend makes them at once.
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(ADD_URL, data).status_code == 302
        article = Article.objects.get()
        assert len(calls) == 1

        # Editing other fields keeps the renditions.
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(change_url(article),
                               article_form(article, headline="A new headline")).status_code == 302
        assert len(calls) == 1

        # The page renders from the stored names: no storage call at all.
        storage = FileSystemStorage
        for method in ("exists", "open", "size", "path"):
            monkeypatch.setattr(storage, method, mock.Mock(side_effect=AssertionError(method)))
        client.logout()
        page = html(client.get(article.get_absolute_url()))
        assert "-960w.webp 960w" in page
        assert len(calls) == 1

    def test_article_page_queries_are_the_same_with_and_without_an_image(self, client):
        section, author = SectionFactory(), AuthorFactory()
        plain = ArticleFactory(section=section, author=author)
        pictured = ArticleFactory(section=section, author=author, with_image=True)
        counts = []
        for article in (plain, pictured):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(article.get_absolute_url()).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]


class TestBulkActions:
    def act(self, client, action, articles):
        return client.post(LIST_URL, {"action": action,
                                      "_selected_action": [a.pk for a in articles]})

    @time_machine.travel(NOW, tick=False)
    def test_publish_now(self, client, editor, persona):
        draft = ArticleFactory(draft=True)
        scheduled = ArticleFactory(published_at=NOW + timedelta(days=2))
        unreviewed = ArticleFactory(draft=True, author=persona, ai_involvement="generated",
                                    headline="Unreviewed AI story")

        response = self.act(client, "publish_now", [draft, scheduled, unreviewed])

        assert response.status_code == 302
        for article in (draft, scheduled):
            article.refresh_from_db()
            assert article.state == Article.State.PUBLISHED
            assert article.published_at == NOW
        unreviewed.refresh_from_db()
        assert unreviewed.state == Article.State.DRAFT
        messages = [str(m) for m in response.wsgi_request._messages]
        assert "Published 2 stories." in messages
        assert ("Not published: “Unreviewed AI story”: A story by an AI persona or generated "
                "by AI cannot be published without a named reviewing editor.") in messages
        # Each change is a revision, by the editor.
        assert draft.history.first().history_user == editor
        assert draft.history.first().status == "published"

    def test_unpublish_feature_and_unfeature(self, client, editor):
        first, second = ArticleFactory(), ArticleFactory(is_featured=True)

        self.act(client, "unpublish", [first])
        first.refresh_from_db()
        assert first.state == Article.State.DRAFT
        assert client.get(first.get_absolute_url()).status_code == 200  # preview for staff
        client.logout()
        assert client.get(first.get_absolute_url()).status_code == 404

        client.force_login(editor)
        self.act(client, "feature", [first])
        self.act(client, "unfeature", [second])
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.is_featured and not second.is_featured
        assert second.history.first().history_user == editor

    def test_actions_are_listed_for_editors_only(self, client, editor):
        ArticleFactory()
        page = html(client.get(LIST_URL))
        for action in ("publish_now", "unpublish", "feature", "unfeature"):
            assert f'value="{action}"' in page
        client.force_login(staff("Moderators"))
        page = html(client.get(LIST_URL))
        assert 'value="publish_now"' not in page


class TestRevisions:
    def edit(self, client, article, **fields):
        response = client.post(change_url(article), article_form(article, **fields))
        assert response.status_code == 302, form_errors(response)
        article.refresh_from_db()

    def test_every_save_keeps_a_revision_listed_with_earlier_values(self, client, editor):
        ports = Tag.objects.create(name="Ports", slug="ports")
        article = ArticleFactory(headline="First headline", body="First body.", tags=["Ports"])

        self.edit(client, article, headline="Second headline", dek="A new standfirst",
                  tags=[ports, "Trade"])
        self.edit(client, article, body="Second body.", ai_involvement="assisted")

        revisions = list(article.history.all())
        assert [r.history_type for r in revisions] == ["~", "~", "+"]
        assert [r.history_user for r in revisions] == [editor, editor, None]
        assert [r.headline for r in revisions] == ["Second headline", "Second headline",
                                                    "First headline"]
        assert [r.tag_names for r in revisions] == ["Ports, Trade", "Ports, Trade", "Ports"]

        page = html(client.get(history_url(article)))
        arrow = "&nbsp;&rarr;&nbsp;&nbsp;"
        assert f"<strong>Headline:</strong> First headline{arrow}Second headline" in page
        assert f"<strong>Body:</strong> First body.{arrow}Second body." in page
        assert f"<strong>Tags:</strong> Ports{arrow}Ports, Trade" in page
        assert (f"<strong>AI involvement:</strong> None: written by people{arrow}"
                "Assisted: people wrote it with AI tools") in page
        assert "Jane Editor" in page
        assert "style=" not in page.split('id="change-history"')[1].split("</table>")[0]

    def test_tracked_fields(self):
        tracked = {f.name for f in Article.history.model._meta.fields}
        assert {"headline", "dek", "body", "status", "published_at", "section", "author",
                "is_featured", "image", "image_alt", "image_caption", "image_credit_source",
                "image_credit_photographer", "image_is_ai_generated", "ai_involvement",
                "ai_reviewed_by", "ai_reviewed_at", "tag_names"} <= tracked

    def test_compare_two_revisions(self, client, editor):
        article = ArticleFactory(headline="Old headline", body="Same line.\n\nOld line.")
        self.edit(client, article, headline="New headline", body="Same line.\n\nNew line.")
        newer, older = article.history.all()

        page = html(client.get(history_url(article)))
        assert f'name="from" value="{older.pk}" checked' in page
        assert f'name="to" value="{newer.pk}" checked' in page
        response = client.get(f"{history_url(article)}compare/",
                              {"from": older.pk, "to": newer.pk})

        assert response.status_code == 200
        page = html(response)
        assert "<th scope=\"row\">Headline <strong>(changed)</strong></th>" in page
        assert "<td>Old headline</td>" in page and "<td>New headline</td>" in page
        assert ('<td colspan="2" class="revision-diff">Same line.<br><br>'
                "<del>Old</del><ins>New</ins> line.</td>") in page
        assert '<th scope="row">Slug</th>' in page  # unchanged fields are shown, unmarked

    @pytest.mark.parametrize("query", ["?from=x&to=1", "?from=999&to=998"])
    def test_compare_needs_two_revisions_of_this_article(self, client, editor, query):
        article = ArticleFactory()
        assert client.get(f"{history_url(article)}compare/{query}").status_code == 404

    def test_compare_without_two_revisions_asks_for_them(self, client, editor):
        """The compare page's own form (any two revisions by number: tests/test_qa12_record)."""
        article = ArticleFactory()
        revision = article.history.get()
        for query in ("", f"?from={revision.pk}"):
            response = client.get(f"{history_url(article)}compare/{query}")
            assert response.status_code == 200 and 'id="revision-chooser"' in html(response)
            assert 'id="revision-comparison"' not in html(response)

    def test_compare_refuses_a_revision_of_another_article(self, client, editor):
        article, other = ArticleFactory(), ArticleFactory()
        response = client.get(f"{history_url(article)}compare/", {
            "from": article.history.get().pk, "to": other.history.get().pk})
        assert response.status_code == 404

    def test_restore_an_earlier_revision_with_its_tags(self, client, editor):
        Tag.objects.create(name="Ports", slug="ports")
        article = ArticleFactory(headline="Original headline", body="Original body.",
                                 tags=["Ports", "Old Tag"])
        original = article.history.get()
        self.edit(client, article, headline="Edited headline", body="Edited body.",
                  tags=["Fresh"])
        Tag.objects.filter(name="Old Tag").delete()  # a tag since removed from the site

        revert_url = f"{history_url(article)}{original.pk}/"
        form_page = client.get(revert_url)
        assert form_page.status_code == 200
        form = form_page.context["adminform"].form
        assert form.initial["headline"] == "Original headline"
        assert [tag.name for tag in form.initial["tags"]] == ["Old Tag", "Ports"]
        assert 'name="tags" value="&quot;Old Tag&quot;, Ports"' in html(form_page)
        assert f'name="_edit_version" value="{form.edit_version}"' in html(form_page)
        data = article_form(form.instance, tags=form.initial["tags"])
        data["_save"] = "Revert"
        data["_edit_version"] = form.edit_version

        response = client.post(revert_url, data)

        assert response.status_code == 302
        article.refresh_from_db()
        assert article.headline == "Original headline"
        assert article.body_html == "<p>Original body.</p>"
        assert sorted(article.tags.names()) == ["Old Tag", "Ports"]
        latest = article.history.first()
        assert latest.history_user == editor and latest.tag_names == '"Old Tag", Ports'
        assert article.history.count() == 3

    def test_moderators_see_history_but_cannot_restore(self, client):
        article = ArticleFactory(headline="Original headline")
        original = article.history.get()
        article.headline = "Edited"
        article.save()
        client.force_login(staff("Moderators"))

        assert client.get(history_url(article)).status_code == 200
        form_page = client.get(f"{history_url(article)}{original.pk}/")
        assert form_page.status_code == 200
        assert 'value="Revert"' not in html(form_page)
        response = client.post(f"{history_url(article)}{original.pk}/",
                               article_form(original.instance))
        assert response.status_code == 403
        article.refresh_from_db()
        assert article.headline == "Edited"


class TestRoles:
    def test_moderators_cannot_add_or_change_articles(self, client):
        article = ArticleFactory(headline="Untouched")
        client.force_login(staff("Moderators"))

        assert client.get(LIST_URL).status_code == 200
        assert client.get(ADD_URL).status_code == 403
        assert client.post(ADD_URL, article_form(headline="New", slug="new", body="x",
                                                 section=SectionFactory(),
                                                 author=AuthorFactory())).status_code == 403
        read_only = client.get(change_url(article))
        assert read_only.status_code == 200 and 'name="_save"' not in html(read_only)
        response = client.post(change_url(article), article_form(article, headline="Changed"))
        assert response.status_code == 403
        article.refresh_from_db()
        assert article.headline == "Untouched"
        assert Article.objects.count() == 1

    def test_editors_can_add_and_change_articles(self, client, editor):
        article = ArticleFactory()
        assert client.get(ADD_URL).status_code == 200
        assert client.post(change_url(article),
                           article_form(article, headline="Changed")).status_code == 302
        article.refresh_from_db()
        assert article.headline == "Changed"

    @pytest.mark.parametrize("url", [LIST_URL, ADD_URL, "/admin/authors/author/"])
    def test_staff_without_a_group_and_readers_are_kept_out(self, client, url):
        client.force_login(staff())
        assert client.get(url).status_code == 403
        client.force_login(UserFactory())
        assert client.get(url).status_code == 302  # to the admin login


class TestCorrectionsInline:
    def test_correction_added_on_the_article_form(self, client, editor):
        article = ArticleFactory(published_at=datetime(2026, 2, 1, tzinfo=dt_timezone.utc))
        CorrectionFactory(article=article, text="First note.")
        data = article_form(article)
        existing = article.corrections.get()
        data.update({
            "corrections-TOTAL_FORMS": "2", "corrections-INITIAL_FORMS": "1",
            "corrections-0-id": existing.pk, "corrections-0-article": article.pk,
            "corrections-0-kind": "correction", "corrections-0-text": "First note.",
            "corrections-0-date_0": "2026-02-20", "corrections-0-date_1": "10:00:00",
            "corrections-1-kind": "editors_note", "corrections-1-text": "Second note.",
            "corrections-1-date_0": "2026-02-21", "corrections-1-date_1": "10:00:00",
        })
        response = client.post(change_url(article), data)
        assert response.status_code == 302, form_errors(response)
        assert [c.kind for c in article.corrections.all()] == ["correction", "editors_note"]
        assert Correction.objects.get(text="Second note.").article == article


class TestAuthorsAndSections:
    def test_author_list_and_form(self, client, editor):
        AuthorFactory(ai=True, name="Li Wei",
                      avatar=image_file("li.jpg", size=(300, 300)))
        page = html(client.get("/admin/authors/author/"))
        assert re.search(r'<img src="/media/avatars/[^"]+-96w\.jpeg" alt="Li Wei" width="48"',
                         page)
        assert "field-is_ai" in page and "field-story_count" in page
        page = html(client.get("/admin/authors/author/add/"))
        for heading in ("Profile", "AI persona", "Newsroom account"):
            assert f'class="fieldset-heading">{heading}</h2>' in page

    def test_ai_persona_needs_a_disclosure(self, client, editor):
        response = client.post("/admin/authors/author/add/",
                               {"name": "Bot", "slug": "bot", "is_ai": "on"})
        assert response.status_code == 200
        assert ("An AI persona needs a disclosure: name the system that writes as it and the "
                "editor accountable.") in html(response)

    def test_linked_user_is_chosen_from_staff(self, client, editor):
        UserFactory(username="a-reader")
        page = html(client.get("/admin/authors/author/add/"))
        select = re.search(r'<select name="user".*?</select>', page, re.S).group(0)
        assert "Jane Editor (editor)" in select and "a-reader" not in select
        response = client.post("/admin/authors/author/add/", {
            "name": "Jane Editor", "slug": "jane-editor", "user": editor.pk})
        assert response.status_code == 302
        assert Author.objects.get().user == editor

    def test_section_order_is_edited_in_the_list_and_shown_on_the_front_page(self, client,
                                                                             editor):
        first = SectionFactory(name="World", slug="world", position=0)
        second = SectionFactory(name="Business", slug="business", position=1)
        ArticleFactory(section=first)
        ArticleFactory(section=second)
        ArticleFactory(section=second, is_featured=True)
        response = client.post("/admin/articles/section/", {
            "form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "2",
            "form-0-id": first.pk, "form-0-position": "5",
            "form-1-id": second.pk, "form-1-position": "1",
            "_save": "Save",
        })
        assert response.status_code == 302
        client.logout()
        page = html(client.get("/"))
        assert page.index('href="/sections/business/"') < page.index('href="/sections/world/"')

    @pytest.mark.parametrize("existing, typed", [
        ("World", "world"), ("ÉCONOMIE", "économie"), ("Straße", "STRASSE")])
    def test_a_section_in_another_case_is_refused_keeping_what_was_typed(self, client, editor,
                                                                         existing, typed):
        """In every script, on SQLite too: the navigation would show one section twice."""
        SectionFactory(name=existing, slug="on-site")
        response = client.post("/admin/articles/section/add/",
                               {"name": typed, "slug": "typed-slug", "position": "7"})
        assert response.status_code == 200
        page = html(response)
        assert (f"There is already a section “{existing}”: in another case, a name is the same "
                "section to readers. Use that section instead.") in page
        assert f'value="{typed}"' in page and 'value="typed-slug"' in page
        assert list(Section.objects.values_list("name", flat=True)) == [existing]

    def test_a_section_renamed_into_another_case_of_its_own_name_or_a_new_one(self, client,
                                                                              editor):
        world = SectionFactory(name="World", slug="world", position=0)
        economy = SectionFactory(name="Économie", slug="economie", position=1)
        url = f"/admin/articles/section/{economy.pk}/change/"
        response = client.post(url, {"name": "WORLD", "slug": "economie", "position": "1"})
        assert response.status_code == 200
        assert ("There is already a section “World”: in another case, a name is the same "
                "section to readers. Choose another name.") in html(response)
        response = client.post(url, {"name": "ÉCONOMIE", "slug": "economie", "position": "1"})
        assert response.status_code == 302
        assert list(Section.objects.values_list("pk", "name")) == [
            (world.pk, "World"), (economy.pk, "ÉCONOMIE")]


def test_the_newsroom_names_the_boxes_its_labels_do_not(client, editor):
    """QA, 2026-12-06: an author's avatar file input and each section's position box in the
    list had no accessible name."""
    SectionFactory(name="World", slug="world")
    page = client.get("/admin/articles/section/").content.decode()
    assert re.search(r'<input [^>]*aria-label="Position of World"[^>]*name="form-\d+-position"',
                     page) or re.search(
        r'<input [^>]*name="form-\d+-position"[^>]*aria-label="Position of World"', page)
    author = AuthorFactory(name="Mara Ellison")
    page = client.get(f"/admin/authors/author/{author.pk}/change/").content.decode()
    assert re.search(r'<input type="file" name="avatar"[^>]*aria-label="Avatar file"', page) or \
        re.search(r'<input [^>]*aria-label="Avatar file"[^>]*name="avatar"', page)
