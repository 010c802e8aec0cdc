import pytest
from django.contrib.auth.models import Group

from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def perms(group):
    return {f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=group).permissions.select_related("content_type")}


def test_editors_manage_the_newsroom_and_read_bias_reports():
    editors = perms("Editors")
    for model in ("articles.article", "articles.section", "standards.correction",
                  "taggit.tag", "authors.author"):
        app, name = model.split(".")
        for action in ("add", "change", "delete", "view"):
            assert f"{app}.{action}_{name}" in editors
    assert "standards.view_biasreport" in editors
    assert "standards.change_biasreport" not in editors
    assert "comments.change_comment" not in editors


def test_moderators_review_but_do_not_publish():
    moderators = perms("Moderators")
    for codename in ("comments.view_comment", "comments.change_comment",
                     "standards.view_biasreport", "standards.change_biasreport"):
        assert codename in moderators
    assert "comments.delete_comment" not in moderators
    assert "standards.delete_biasreport" not in moderators
    for model in ("articles.article", "articles.section", "authors.author", "taggit.tag"):
        app, name = model.split(".")
        assert f"{app}.view_{name}" in moderators
        assert f"{app}.change_{name}" not in moderators
        assert f"{app}.add_{name}" not in moderators


def test_moderators_cannot_change_or_add_articles(client):
    moderator = UserFactory(username="mod", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    article = ArticleFactory()
    assert client.get("/admin/articles/article/add/").status_code == 403
    response = client.post(f"/admin/articles/article/{article.pk}/change/",
                           {"headline": "Changed by a moderator"})
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.headline != "Changed by a moderator"


def test_readers_cannot_reach_the_admin(client):
    client.force_login(UserFactory())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
