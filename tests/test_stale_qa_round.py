"""Renamed accounts.

A story's page names its reviewer (get_full_name) and a comments block each
commenter (their username): renaming either in the admin left the old name on
cached pages for up to three lifetimes (a page rendered late in a kept
fragment's lifetime, reusing it, was kept a whole lifetime more). Each page's
lifetime still counts from its own render: capping it by the fragments it
reuses made every page end with the site-wide navigation, all at once.
"""


import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import Reader
from articles.models import Article
from tests import test_invalidation as invalidation
from tests.articles.newsroom import staff
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

T0 = invalidation.T0
newsroom = invalidation.newsroom  # the same small newsroom, its twenty pages
# Every page carrying story A (its own page among them); feeds and sitemaps name no reviewer.
STORY_A = invalidation.SHOWS_A - {"feed", "sitemap"}
COMMENTS_A = {"comments a", "comments page a"}


@pytest.fixture
def people(newsroom):
    """Irene reviewed story A; mira_k commented on it."""
    with time_machine.travel(T0, tick=False):
        irene = staff("Editors", username="isallis", first_name="Irene", last_name="Sallis")
        story = newsroom["a"]
        story.ai_involvement = Article.AIInvolvement.ASSISTED
        story.ai_reviewed_by = irene
        story.ai_reviewed_at = T0
        story.save()
        mira = UserFactory(username="mira_k")
        CommentFactory(article=story, reader=mira, body="Mira's view on the harbour.")
    return {"irene": irene, "mira": mira}


def _admin_save(user, **changes):
    """As the user's page in the admin saves it: every field, whether changed or not."""
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    admin = Client()
    admin.force_login(superuser)
    user.refresh_from_db()
    data = {"username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email,
            "is_active": "on", "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "groups": [group.pk for group in user.groups.all()], **changes}
    if user.is_staff:
        data["is_staff"] = "on"
    response = admin.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_a_renamed_reviewer_stales_the_pages_of_the_stories_they_reviewed(newsroom, people,
                                                                         client):
    """Every page carrying the story: its card shows nothing of the reviewer, but a
    rename is rare, and the story's tag is what its page and kept fragments carry."""
    with time_machine.travel(invalidation.RENDERED, tick=False):
        story = client.get("/articles/a/").content.decode()
    assert "Reviewed by Irene Sallis, a human editor" in story

    def rename(newsroom, clock):
        _admin_save(people["irene"], first_name="Irene", last_name="Marsh-Sallis")

    purged, pages = invalidation._purged_by(client, rename, newsroom)
    assert purged == STORY_A
    assert "Reviewed by Irene Marsh-Sallis, a human editor" in pages["story a"]
    assert "Irene Sallis" not in pages["story a"]


@pytest.mark.parametrize("model", [get_user_model(), Reader], ids=["user", "reader proxy"])
def test_a_renamed_commenter_stales_the_comments_blocks_showing_them(newsroom, people, client,
                                                                     model):
    """Saved through accounts.Reader (the readers' admin) or the user model alike."""
    def rename(newsroom, clock):
        mira = model.objects.get(pk=people["mira"].pk)
        mira.username = "mira_renamed"
        mira.save()

    purged, pages = invalidation._purged_by(client, rename, newsroom)
    assert purged == COMMENTS_A
    assert "mira_renamed" in pages["comments a"] and "mira_k" not in pages["comments a"]


@pytest.mark.parametrize("how", ["sign-in", "other fields"])
def test_saving_an_account_without_renaming_it_stales_nothing(newsroom, people, client, how):
    """A sign-in saves last_login; the admin saves every field, changed or not."""
    def save(newsroom, clock):
        if how == "sign-in":
            for user in people.values():
                Client().force_login(user)
        else:
            _admin_save(people["irene"], email="irene@example.net")
            mira = people["mira"]
            mira.email = "mira@example.net"
            mira.save()

    purged, _ = invalidation._purged_by(client, save, newsroom)
    assert purged == set()


def test_a_new_username_of_a_reviewer_with_a_full_name_leaves_their_stories_alone(
        newsroom, people, client):
    """Their page shows the full name; only the comments blocks show a username."""
    def rename(newsroom, clock):
        irene = people["irene"]
        irene.username = "irene.s"
        irene.save()

    purged, _ = invalidation._purged_by(client, rename, newsroom)
    assert purged == set()
