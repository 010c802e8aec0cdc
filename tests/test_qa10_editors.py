"""The editors' desk as a newsroom uses it all day (QA round 10): who may reach what."""

import pytest
from django.contrib.contenttypes.models import ContentType

from articles.models import Article, RelatedArticle
from tests.articles.newsroom import article_form, change_url, form_errors, staff
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def view_on_site(story):
    return f"/admin/r/{ContentType.objects.get_for_model(Article).pk}/{story.pk}/"


class TestViewOnSite:
    """/admin/r/<type>/<id>/, the admin's "View on site" redirect."""

    @pytest.mark.parametrize("state", ["draft", "scheduled"])
    def test_staff_in_no_group_do_not_learn_an_unpublished_storys_address(self, client, state):
        story = ArticleFactory(slug="minister-to-resign", **{state: True})
        client.force_login(staff())

        response = client.get(view_on_site(story))

        assert response.status_code == 403
        assert "minister-to-resign" not in response.get("Location", "")

    @pytest.mark.parametrize("group", ["Editors", "Moderators"])
    def test_the_newsroom_is_taken_to_the_storys_page(self, client, group):
        story = ArticleFactory(slug="minister-to-resign", draft=True)
        client.force_login(staff(group))

        response = client.get(view_on_site(story))

        assert response.status_code == 302
        assert response["Location"].endswith("/articles/minister-to-resign/")

    def test_a_reader_is_sent_to_sign_in(self, client):
        story = ArticleFactory(slug="minister-to-resign", draft=True)
        client.force_login(UserFactory())

        response = client.get(view_on_site(story))

        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")

    @pytest.mark.parametrize("kind", ["abc", "99999999999999999999", "0"])
    def test_a_kind_that_is_not_there_is_not_found(self, client, kind):
        client.force_login(staff("Editors"))

        assert client.get(f"/admin/r/{kind}/1/").status_code == 404


def picks(story, *rows):
    """The story form's related picks: rows of (picked story, saved pick or None)."""
    data = {"related_links-TOTAL_FORMS": str(len(rows)),
            "related_links-INITIAL_FORMS": str(sum(1 for _, saved in rows if saved))}
    for number, (picked, saved) in enumerate(rows):
        data.update({f"related_links-{number}-to_article": str(picked.pk),
                     f"related_links-{number}-position": str(number),
                     f"related_links-{number}-id": str(saved.pk) if saved else "",
                     f"related_links-{number}-from_article": str(story.pk)})
    return data


class TestRelatedPickDeletedMeanwhile:
    """A story picked as related is deleted while the picking story's form is open."""

    def test_a_new_pick_is_named_and_the_editor_told_what_became_of_it(self, editor):
        story, picked = ArticleFactory(), ArticleFactory(headline="Harbour strike ends")
        data = {**article_form(story, headline="New headline"), **picks(story, (picked, None))}
        picked.delete()

        response = editor.post(change_url(story), data)

        assert response.status_code == 200
        errors = form_errors(response)
        assert "“Harbour strike ends” was deleted while this story was open" in errors
        assert "Select a valid choice" not in errors
        story.refresh_from_db()
        assert story.headline != "New headline"

    def test_a_saved_pick_likewise_and_deleting_its_row_saves_the_rest(self, editor):
        story = ArticleFactory()
        picked, kept = ArticleFactory(headline="Harbour strike ends"), ArticleFactory()
        gone = RelatedArticle.objects.create(from_article=story, to_article=picked, position=0)
        stays = RelatedArticle.objects.create(from_article=story, to_article=kept, position=1)
        data = {**article_form(story, headline="New headline"),
                **picks(story, (picked, gone), (kept, stays))}
        picked.delete()

        response = editor.post(change_url(story), data)

        assert "“Harbour strike ends” was deleted while this story was open" in form_errors(
            response)
        response = editor.post(change_url(story), {**data, "related_links-0-DELETE": "on"})

        assert response.status_code == 302
        story.refresh_from_db()
        assert story.headline == "New headline"
        assert list(story.related_links.values_list("to_article", flat=True)) == [kept.pk]

    @pytest.mark.parametrize("sent", ["999999", "abc", "99999999999999999999999"])
    def test_a_pick_that_never_was_is_still_an_invalid_choice(self, editor, sent):
        story = ArticleFactory()
        data = {**article_form(story), **picks(story, (ArticleFactory(), None))}
        data["related_links-0-to_article"] = sent

        response = editor.post(change_url(story), data)

        assert response.status_code == 200
        assert "Select a valid choice" in form_errors(response)
