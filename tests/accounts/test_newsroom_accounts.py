"""Newsroom accounts are not deleted by their holders: the admin's history and the moderation
decisions would lose their name. An administrator deactivates them instead."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tests.factories import ArticleFactory, AuthorFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "a-long-test-passphrase"  # UserFactory's
REFUSED = ("This is a newsroom account, so it cannot be deleted here: its work in the admin "
           "and its moderation decisions stay on the record under its name. Ask the "
           "newsroom&#x27;s administrator to deactivate it instead.")


def staff():
    return UserFactory(username="desk", is_staff=True)


def moderator():
    user = UserFactory(username="mod")
    user.groups.add(Group.objects.get_or_create(name="Moderators")[0])
    return user


def superuser():
    return UserFactory(username="root", is_superuser=True)


@pytest.mark.parametrize("make", [staff, moderator, superuser])
def test_a_newsroom_account_cannot_delete_itself(client, make):
    user = make()
    client.force_login(user)
    page = client.get("/accounts/delete/")
    assert page.status_code == 200
    html = page.content.decode()
    assert REFUSED in html
    assert "Delete my account" not in html and 'name="password"' not in html
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 403
    assert REFUSED in response.content.decode()
    assert User.objects.filter(pk=user.pk, is_active=True).exists()
    assert client.session["_auth_user_id"] == str(user.pk)  # still signed in


@pytest.mark.parametrize("make", [staff, moderator])
def test_the_account_page_offers_no_deletion_to_the_newsroom(client, make):
    client.force_login(make())
    html = client.get("/accounts/").content.decode()
    assert REFUSED in html
    assert 'href="/accounts/delete/"' not in html


def test_a_reader_in_another_group_still_can(client):
    reader = UserFactory(username="ana")
    reader.groups.add(Group.objects.create(name="Beta readers"))
    client.force_login(reader)
    assert 'href="/accounts/delete/"' in client.get("/accounts/").content.decode()
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=reader.pk).exists()


def test_a_former_editor_named_on_stories_is_still_told_why(client):
    # No longer in the newsroom, but the reviewing editor of a published AI story.
    former = UserFactory(username="was-desk", is_staff=True)
    former.groups.add(Group.objects.get(name="Editors"))
    ArticleFactory(author=AuthorFactory(ai=True), ai_involvement="generated",
                   ai_reviewed_by=former)
    former.groups.clear()
    former.is_staff = False
    former.save()
    client.force_login(former)
    # Said when the page is opened, with no password to type first (QA round 11).
    page = client.get("/accounts/delete/").content.decode()
    assert "named as the reviewing editor of published stories" in page
    assert 'name="password"' not in page
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 400
    assert "named as the reviewing editor of published stories" in response.content.decode()
    assert User.objects.filter(pk=former.pk).exists()
