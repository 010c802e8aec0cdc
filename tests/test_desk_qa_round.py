"""The desk, QA round: corrections never predate their story's publication, whichever way it
is published; a review time falls in the story's life; authors' names and authors' and
sections' slugs as the admin refuses them for stories and sections; a chosen picture that a
refused form cannot keep is asked for again; a disclosure of nothing visible."""

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import Article, Section
from authors.models import Author
from tests.articles.newsroom import ADD_URL, LIST_URL, article_form, change_url, staff
from tests.articles import test_import
from tests.articles.test_import import story as file_story
from tests.factories import (ArticleFactory, AuthorFactory, CorrectionFactory, SectionFactory,
                             image_file)
from tests.security.test_ai_rule import author_form, author_url

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
CORRECTED = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def desk(client):
    """The client signed in as an editor, and the editor."""
    user = staff("Editors", username="editor", first_name="Jane", last_name="Editor")
    client.force_login(user)
    return client, user


def html(response):
    return response.content.decode()


def act(client, action, stories):
    response = client.post(LIST_URL, {"action": action,
                                      "_selected_action": [story.pk for story in stories]},
                           follow=True)
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def correction_rows(story, *corrections, **changes):
    """The corrections inline's POST data for a story's stored corrections, with changes
    ({index: {field: value}})."""
    data = {"corrections-TOTAL_FORMS": str(len(corrections)),
            "corrections-INITIAL_FORMS": str(len(corrections))}
    for index, correction in enumerate(corrections):
        row = {"id": correction.pk, "article": story.pk, "kind": correction.kind,
               "date_0": correction.date.strftime("%Y-%m-%d"),
               "date_1": correction.date.strftime("%H:%M:%S"), "text": correction.text,
               "bias_report": "", **changes.get(str(index), {})}
        data.update({f"corrections-{index}-{key}": value for key, value in row.items()})
    return data


# ---------------------------------------------------------------------------
# 1. A correction never predates its story's publication


def corrected_before(published):
    return (f"A correction on this story is dated Dec 4, 2026, 10:00 AM, before this "
            f"publication time ({published}): readers would see it corrected before it was "
            f"out. Give a publication time no later than its first correction, or date the "
            f"correction then or later.")


class TestPublishingPastACorrection:
    def test_publish_now_refuses_the_story_by_name_and_publishes_the_others(self, desk):
        client, _ = desk
        corrected = ArticleFactory(headline="Harbour reopens", draft=True)
        CorrectionFactory(article=corrected, date=CORRECTED)
        clean = ArticleFactory(headline="Ferry resumes", draft=True)

        messages = act(client, "publish_now", [corrected, clean])

        assert "Published 1 story." in messages
        assert (f"Not published: “Harbour reopens”: "
                f"{corrected_before('Dec 5, 2026, 12:00 PM')}") in messages
        corrected.refresh_from_db()
        clean.refresh_from_db()
        assert corrected.status == Article.Status.DRAFT and corrected.published_at is None
        assert clean.is_published()

    def test_the_model_refuses_a_publication_time_after_a_stored_correction(self):
        story = ArticleFactory(draft=True)
        CorrectionFactory(article=story, date=CORRECTED)
        story.status, story.published_at = Article.Status.PUBLISHED, NOW
        with pytest.raises(ValidationError) as error:
            story.full_clean()
        assert error.value.message_dict == {
            "published_at": [corrected_before("Dec 5, 2026, 12:00 PM")]}
        story.published_at = CORRECTED
        story.full_clean()  # at the correction's own time

    def test_a_stored_story_keeps_its_unrelated_edits(self, desk):
        """A story whose correction already predates it (stored before this rule) can still
        be featured: the rule is met when the publication time is given."""
        client, _ = desk
        story = ArticleFactory(headline="Harbour reopens", published_at=NOW - timedelta(hours=1))
        CorrectionFactory(article=story, date=CORRECTED)
        assert act(client, "feature", [story]) == ["Featured 1 story."]

    def test_the_change_form_moving_the_time_and_the_correction_together_is_saved(self, desk):
        """The inline checks each correction against the time being saved; the story's own
        check of the stored corrections would refuse what the same form puts right."""
        client, _ = desk
        story = ArticleFactory(headline="Harbour reopens", draft=True)
        correction = CorrectionFactory(article=story, date=CORRECTED)
        data = {**article_form(story, status="published",
                               published_at=datetime(2026, 12, 5, 9, tzinfo=UTC)),
                **correction_rows(story, correction, **{"0": {"date_0": "2026-12-05",
                                                              "date_1": "11:00:00"}})}
        response = client.post(change_url(story), data)
        assert response.status_code == 302, html(response)
        story.refresh_from_db()
        correction.refresh_from_db()
        assert story.is_published()
        assert correction.date == datetime(2026, 12, 5, 11, tzinfo=UTC)

    def test_the_change_form_says_it_once_under_the_correction(self, desk):
        client, _ = desk
        story = ArticleFactory(headline="Harbour reopens", draft=True)
        correction = CorrectionFactory(article=story, date=CORRECTED)
        data = {**article_form(story, status="published"), **correction_rows(story, correction)}
        response = client.post(change_url(story), data)
        page = html(response)
        assert response.status_code == 200
        assert "The story was published on Dec 5, 2026, 12:00 PM: date the correction" in page
        assert "readers would see it corrected before it was out" not in page
        story.refresh_from_db()
        assert story.status == Article.Status.DRAFT

    def test_an_editor_who_may_not_change_corrections_is_refused_on_the_story(self, client):
        """Without the corrections inline to check them, the story checks its corrections."""
        user = staff(username="story-only")
        user.user_permissions.add(*Permission.objects.filter(
            content_type__app_label="articles", codename__in=["change_article",
                                                              "view_article"]))
        client.force_login(user)
        story = ArticleFactory(headline="Harbour reopens", draft=True)
        CorrectionFactory(article=story, date=CORRECTED)
        response = client.post(change_url(story), article_form(story, status="published"))
        assert response.status_code == 200
        assert corrected_before("Dec 5, 2026, 12:00 PM") in html(response)
        story.refresh_from_db()
        assert story.status == Article.Status.DRAFT


copy_dir = test_import.copy_dir  # the import's folder of copy, as a fixture here too


def import_lines(folder, data):
    """(True, output) for an import done, (False, problem lines) for one refused."""
    path = folder / "articles.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_articles", str(path), stdout=out, stderr=err)
    except CommandError:
        return False, err.getvalue().splitlines()
    return True, out.getvalue()


class TestImportingPastACorrection:
    def test_a_reimport_moving_the_publication_after_a_correction_is_refused(self, copy_dir):
        story = ArticleFactory(slug="harbour-story", published_at=datetime(2026, 11, 30,
                                                                           tzinfo=UTC))
        CorrectionFactory(article=story, date=datetime(2026, 12, 1, 10, tzinfo=UTC))
        done, lines = import_lines(copy_dir, {"articles": [
            file_story(published_at="2026-12-03T00:00:00Z")]})
        assert not done
        assert lines == [
            'article 1 (slug "harbour-story"): field "published_at": A correction on this '
            "story is dated Dec 1, 2026, 10:00 AM, before this publication time (Dec 3, 2026, "
            "12:00 AM): readers would see it corrected before it was out. Give a publication "
            "time no later than its first correction, or date the correction then or later."]
        story.refresh_from_db()
        assert story.published_at == datetime(2026, 11, 30, tzinfo=UTC)

    def test_a_reimport_that_keeps_the_correction_after_publication_is_done(self, copy_dir):
        story = ArticleFactory(slug="harbour-story", published_at=datetime(2026, 11, 30,
                                                                           tzinfo=UTC))
        CorrectionFactory(article=story, date=datetime(2026, 12, 1, 10, tzinfo=UTC))
        done, _ = import_lines(copy_dir, {"articles": [
            file_story(published_at="2026-12-01T10:00:00Z")]})
        assert done


# ---------------------------------------------------------------------------
# 2. A review time falls in the story's life


REVIEWED_LATER = ("This review time is in the future. Date a review when it is made: no later "
                  "than now (up to 5 minutes ahead is accepted, for clocks that differ).")


def reviewed_too_early(began):
    return (f"This review time is more than 30 days before the story was first saved or "
            f"published ({began}): give the time this story was reviewed.")


@pytest.fixture
def ai_story(desk):
    _, editor = desk
    persona = AuthorFactory(ai=True, name="EVA Tidewatch", slug="eva-tidewatch")
    return ArticleFactory(headline="Tides rise", author=persona, ai_involvement="generated",
                          ai_reviewed_by=editor, ai_reviewed_at=NOW - timedelta(hours=2),
                          published_at=NOW - timedelta(hours=1))


class TestTheReviewTime:
    @pytest.mark.parametrize("reviewed_at", [datetime(2030, 1, 1, tzinfo=UTC),
                                             NOW + timedelta(minutes=5, seconds=1)])
    def test_a_review_time_still_to_come_is_refused_keeping_what_was_typed(
            self, desk, ai_story, reviewed_at):
        client, _ = desk
        response = client.post(change_url(ai_story), article_form(
            ai_story, ai_reviewed_at=reviewed_at, headline="Tides rise again"))
        page = html(response)
        assert response.status_code == 200
        assert REVIEWED_LATER in page and "Tides rise again" in page
        assert f'value="{reviewed_at:%Y-%m-%d}"' in page
        ai_story.refresh_from_db()
        assert ai_story.ai_reviewed_at == NOW - timedelta(hours=2)

    @pytest.mark.parametrize("reviewed_at", [NOW + timedelta(minutes=5),
                                             NOW - timedelta(days=30, hours=1)])
    def test_from_a_month_before_the_story_to_the_clock_margin_is_accepted(
            self, desk, ai_story, reviewed_at):
        client, _ = desk
        response = client.post(change_url(ai_story),
                               article_form(ai_story, ai_reviewed_at=reviewed_at))
        assert response.status_code == 302
        ai_story.refresh_from_db()
        assert ai_story.ai_reviewed_at == reviewed_at

    def test_a_review_long_before_the_story_is_refused(self, desk, ai_story):
        client, _ = desk
        response = client.post(change_url(ai_story), article_form(
            ai_story, ai_reviewed_at=datetime(1999, 1, 1, tzinfo=UTC)))
        assert response.status_code == 200
        # Saved at NOW, published an hour before: the earlier counts.
        assert reviewed_too_early("Dec 5, 2026, 11:00 AM") in html(response)

    def test_a_stored_review_time_does_not_stop_an_unrelated_edit(self, desk, ai_story):
        client, _ = desk
        Article.objects.filter(pk=ai_story.pk).update(
            ai_reviewed_at=datetime(2030, 1, 1, tzinfo=UTC))
        assert act(client, "feature", [ai_story]) == ["Featured 1 story."]

    def test_publishing_with_a_stored_review_time_still_to_come_is_refused(self, desk,
                                                                           ai_story):
        client, _ = desk
        Article.objects.filter(pk=ai_story.pk).update(
            status=Article.Status.DRAFT, published_at=None,
            ai_reviewed_at=datetime(2030, 1, 1, tzinfo=UTC))
        assert act(client, "publish_now", [ai_story]) == [
            f"Not published: “Tides rise”: {REVIEWED_LATER}"]


def reviewed(reviewed_at, published_at="2026-12-05T11:00:00Z", **fields):
    return file_story(published_at=published_at, ai={
        "involvement": "generated", "reviewed_by": "editor", "reviewed_at": reviewed_at},
        **fields)


class TestImportingTheReviewTime:
    @pytest.mark.parametrize(("reviewed_at", "message"), [
        ("2030-01-01T00:00:00Z", REVIEWED_LATER),
        ("1999-01-01T00:00:00Z", reviewed_too_early("Dec 5, 2026, 11:00 AM")),
    ])
    def test_a_review_out_of_the_storys_life_is_refused(self, desk, copy_dir, reviewed_at,
                                                        message):
        done, lines = import_lines(copy_dir, {"articles": [reviewed(reviewed_at)]})
        assert not done
        assert lines == [f'article 1 (slug "harbour-story"): field "ai.reviewed_at": {message}']
        assert not Article.objects.exists()

    def test_an_archive_story_reviewed_before_its_publication_is_imported(self, desk,
                                                                         copy_dir):
        done, _ = import_lines(copy_dir, {"articles": [
            reviewed("2020-05-01T09:50:00Z", published_at="2020-05-01T10:00:00Z")]})
        assert done
        assert Article.objects.get().ai_reviewed_at == datetime(2020, 5, 1, 9, 50, tzinfo=UTC)


# ---------------------------------------------------------------------------
# 3. An author's name in another case


class TestAuthorNamesInAnyCase:
    # A no-break space, two spaces, fullwidth letters or a zero-width space: a byline that
    # looks the same (QA, 2026-12-06: four "Mara Ellison" in the story form's picker).
    @pytest.mark.parametrize(("existing", "typed"), [
        ("Jonah Ferrell", "JONAH FERRELL"), ("Lucía Marrow", "LUCÍA MARROW"),
        ("Mara Ellison", "Mara\u00a0Ellison"), ("Mara Ellison", "Mara  Ellison"),
        ("Mara Ellison", "Ｍａｒａ Ellison"), ("Mara Ellison", "Mara Ellison\u200b")])
    def test_a_second_author_in_another_case_is_refused_keeping_what_was_typed(
            self, desk, existing, typed):
        client, _ = desk
        AuthorFactory(name=existing, slug="on-site")
        response = client.post("/admin/authors/author/add/",
                               {"name": typed, "slug": "typed-slug", "title": "Reporter"})
        page = html(response)
        assert response.status_code == 200
        assert (f"There is already an author “{existing}”: in another case, a name is the same "
                "author to readers. Use that author instead.") in page
        assert f'value="{typed}"' in page and 'value="typed-slug"' in page
        assert list(Author.objects.values_list("name", flat=True)) == [existing]

    def test_an_author_renamed_into_another_case_of_another_or_of_their_own(self, desk):
        client, _ = desk
        AuthorFactory(name="Jonah Ferrell", slug="jonah-ferrell")
        other = AuthorFactory(name="Ana Ruiz", slug="ana-ruiz")
        response = client.post(author_url(other), author_form(other, name="jonah ferrell"))
        assert response.status_code == 200
        assert ("There is already an author “Jonah Ferrell”: in another case, a name is the "
                "same author to readers. Choose another name.") in html(response)
        response = client.post(author_url(other), author_form(other, name="ANA RUIZ"))
        assert response.status_code == 302
        other.refresh_from_db()
        assert other.name == "ANA RUIZ"


# ---------------------------------------------------------------------------
# 4. A chosen picture the refused form cannot keep


CHOOSE_AGAIN = ("Choose the image again: a browser cannot keep a chosen file when the form is "
                "sent back.")


def field_block(page, name):
    """The form row of one field, its errors included, up to the next row."""
    rows = page.split('<div class="form-row')
    return next(row for row in rows if re.match(rf'[^"]*\bfield-{name}[ "]', row))


class TestAChosenPictureIsAskedForAgain:
    def new_story(self, **fields):
        data = article_form(headline="Ferry resumes", slug="ferry-resumes", body="It sails.",
                            section=SectionFactory(), author=AuthorFactory(),
                            status="published", published_at=NOW - timedelta(hours=1),
                            image_alt="The ferry at the pier", image_caption="At dawn.",
                            **fields)
        # A correction dated before the publication time refuses the form.
        data.update({"corrections-TOTAL_FORMS": "1", "corrections-0-kind": "correction",
                     "corrections-0-date_0": "2026-12-01", "corrections-0-date_1": "09:00:00",
                     "corrections-0-text": "The pier opened in 1998."})
        return data

    def test_the_story_form_says_so_beside_the_image(self, desk):
        client, _ = desk
        response = client.post(ADD_URL, self.new_story(image=image_file("ferry.jpg")))
        page = html(response)
        assert response.status_code == 200
        assert CHOOSE_AGAIN in field_block(page, "image")
        assert 'value="The ferry at the pier"' in page
        assert not Article.objects.exists()

    def test_nothing_is_said_when_no_picture_was_chosen(self, desk):
        client, _ = desk
        response = client.post(ADD_URL, self.new_story())
        assert response.status_code == 200
        assert CHOOSE_AGAIN not in html(response)

    def test_a_refused_picture_is_told_its_own_refusal_only(self, desk):
        client, _ = desk
        response = client.post(ADD_URL, self.new_story(
            image=image_file("tiny.jpg", size=(120, 80))))
        block = field_block(html(response), "image")
        assert CHOOSE_AGAIN not in block
        assert "This image is 120 × 80 pixels, too small to show" in block

    def test_the_author_form_says_so_beside_the_avatar(self, desk):
        client, _ = desk
        response = client.post("/admin/authors/author/add/", {
            "name": "Bot", "slug": "bot", "is_ai": "on",  # no disclosure: refused
            "avatar": image_file("bot.jpg", size=(300, 300))})
        page = html(response)
        assert response.status_code == 200
        assert CHOOSE_AGAIN in field_block(page, "avatar")
        assert not Author.objects.exists()


# ---------------------------------------------------------------------------
# 5. A disclosure with nothing visible


class TestADisclosureOfNothingVisible:
    @pytest.mark.parametrize("disclosure", ["\u200b", " \u200b\u200d ", "\u2800"])
    def test_is_refused_as_none(self, desk, disclosure):
        client, _ = desk
        response = client.post("/admin/authors/author/add/", {
            "name": "Bot", "slug": "bot", "is_ai": "on", "ai_disclosure": disclosure})
        assert response.status_code == 200
        assert ("An AI persona needs a disclosure: name the system that writes as it and the "
                "editor accountable.") in html(response)
        assert not Author.objects.exists()

    def test_the_model_refuses_it_wherever_it_is_saved(self):
        with pytest.raises(ValidationError):
            Author(name="Bot", slug="bot", is_ai=True, ai_disclosure="\u200b").save()


# ---------------------------------------------------------------------------
# 6. Capitals in authors' and sections' slugs


def capitals(slug):
    return (f"Write the slug in lower case, “{slug.lower()}”: its page is found only at the "
            f"address spelled as the slug is, and addresses are typed in lower case.")


class TestSlugsInCapitals:
    def test_a_section_slug_in_capitals_is_refused_keeping_what_was_typed(self, desk):
        client, _ = desk
        response = client.post("/admin/articles/section/add/",
                               {"name": "Empty Caps", "slug": "Empty-Caps", "position": "3"})
        page = html(response)
        assert response.status_code == 200
        assert capitals("Empty-Caps") in page and 'value="Empty-Caps"' in page
        assert not Section.objects.exists()

    def test_an_author_slug_in_capitals_is_refused_keeping_what_was_typed(self, desk):
        client, _ = desk
        response = client.post("/admin/authors/author/add/",
                               {"name": "Slug Caps", "slug": "Slug-Caps"})
        page = html(response)
        assert response.status_code == 200
        assert capitals("Slug-Caps") in page and 'value="Slug-Caps"' in page
        assert not Author.objects.exists()

    def test_lower_case_slugs_are_saved(self, desk):
        client, _ = desk
        assert client.post("/admin/articles/section/add/", {
            "name": "Empty Caps", "slug": "empty-caps", "position": "3"}).status_code == 302
        assert client.post("/admin/authors/author/add/", {
            "name": "Slug Caps", "slug": "slug-caps"}).status_code == 302
        assert client.get("/sections/empty-caps/").status_code == 200

    def test_a_slug_stored_in_capitals_is_left_as_it_is(self, desk):
        client, _ = desk
        section = SectionFactory(name="Old Caps", slug="Old-Caps", position=1)
        response = client.post(f"/admin/articles/section/{section.pk}/change/",
                               {"name": "Older Caps", "slug": "Old-Caps", "position": "1"})
        assert response.status_code == 302
        author = AuthorFactory(name="Old Writer", slug="Old-Writer")
        response = client.post(author_url(author), author_form(author, title="Editor"))
        assert response.status_code == 302


class TestStorySlugsInCapitals:
    """A story at /articles/Slug-Caps/ was not found at /articles/slug-caps/: a new slug
    in capitals is refused in the story form and the import, as sections' and authors'."""

    def test_the_story_form_refuses_a_slug_in_capitals_keeping_what_was_typed(self, desk):
        client, _ = desk
        response = client.post(ADD_URL, article_form(
            headline="Harbour reopens", slug="Harbour-Reopens", body="Words.",
            section=SectionFactory(), author=AuthorFactory()))
        assert response.status_code == 200
        assert capitals("Harbour-Reopens") in html(response)
        assert 'value="Harbour-Reopens"' in html(response)
        assert not Article.objects.exists()

    def test_the_import_refuses_a_new_slug_in_capitals(self, copy_dir):
        done, lines = import_lines(copy_dir, {"articles": [file_story(slug="Harbour-Story")]})
        assert not done
        assert lines == ['article 1 (slug "Harbour-Story"): field "slug": write it in lower '
                         'case, "harbour-story"']
        assert not Article.objects.exists()

    def test_a_story_slug_stored_in_capitals_may_be_saved_and_imported_again(self, desk,
                                                                             copy_dir):
        client, _ = desk
        story = ArticleFactory(slug="Harbour-Story", headline="Old", published_at=datetime(
            2026, 2, 4, 23, 6, tzinfo=UTC))
        response = client.post(change_url(story), article_form(story, headline="Edited"))
        assert response.status_code == 302
        done, output = import_lines(copy_dir, {"articles": [file_story(slug="Harbour-Story")]})
        assert done, output
        story.refresh_from_db()
        assert story.headline == "Harbour reopens after the storm"
