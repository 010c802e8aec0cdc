"""The editors' desk as a newsroom uses it all day (QA round 10): who may reach what."""

import pytest
from django.contrib.contenttypes.models import ContentType

from articles.models import Article
from tests.articles.newsroom import staff
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
