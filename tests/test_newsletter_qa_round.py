"""A subscriber whose choices went away (a section deleted, an author with no public story
now) is told so, and saving the preferences never drops a follow they did not untick."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from articles.models import Article
from newsletter.forms import GONE_CHOICE
from newsletter.models import Subscriber
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory
from tests.newsletter import conftest as newsletter

from .newsletter.conftest import EDITION, NOW, post_subscribe, subscribe_and_confirm

pytestmark = pytest.mark.django_db

# The newsletter tests' pinned clock and small newsroom.
clock = newsletter.clock
newsroom = newsletter.newsroom

FOLLOWS_NOTHING = "You follow nothing at the moment"


def checkbox(page, label):
    """The <input> of the choice labelled `label` on a page."""
    return page.split(f"<span>{label}")[0].rsplit("<input", 1)[1]


def already_note(client, email):
    """Subscribe an already confirmed address again; the note its owner gets."""
    sent = len(mail.outbox)
    assert post_subscribe(client, email).status_code == 302
    (note,) = mail.outbox[sent:]
    return note


@pytest.fixture
def quiet_author(newsroom):
    """An author whose one public story is about to go back to draft, followed by Ana."""
    author = AuthorFactory(name="Sam Reed", slug="sam-reed")
    story = ArticleFactory(section=newsroom["business"], author=author,
                           published_at=EDITION - timedelta(hours=5))
    return author, story


def test_a_subscriber_whose_only_section_was_deleted_is_told_and_invited_to_choose(
        client, newsroom):
    ephemeral = SectionFactory(name="Ephemeral", slug="ephemeral", position=5)
    preferences = subscribe_and_confirm(client, "ana@example.org", daily=False,
                                        sections=[ephemeral])
    assert FOLLOWS_NOTHING not in client.get(preferences).content.decode()
    ephemeral.delete()  # it has no stories, so nothing protects it
    call_command("send_edition", stdout=StringIO())
    subscriber = Subscriber.objects.get()
    assert subscriber.is_confirmed and not [m for m in mail.outbox
                                            if m.subject.startswith("EVA DAILY for ")]
    page = client.get(preferences).content.decode()
    assert FOLLOWS_NOTHING in page
    assert "no edition is sent" in page and "Choose below" in page
    # Choosing again ends it.
    assert client.post(preferences, {"action": "save", "is_daily": "on"}).status_code == 302
    assert FOLLOWS_NOTHING not in client.get(preferences).content.decode()


def test_an_author_with_no_public_story_now_stays_offered_to_their_followers(
        client, newsroom, quiet_author):
    author, story = quiet_author
    science = SectionFactory(name="Science", slug="science", position=2)
    preferences = subscribe_and_confirm(client, "ana@example.org", daily=False,
                                        sections=[newsroom["business"]], authors=[author])
    Article.objects.filter(pk=story.pk).update(status=Article.Status.DRAFT, published_at=None)
    page = client.get(preferences).content.decode()
    # Still there, still ticked, and marked as quiet for now.
    assert "checked" in checkbox(page, "Sam Reed")
    assert "No public stories at the moment" in page.split("<span>Sam Reed", 1)[1][:300]
    assert "No public stories" not in page.split("<span>Li Wei", 1)[1][:300]
    assert FOLLOWS_NOTHING not in page
    # What the browser sends for "Business and Science", the author still ticked.
    response = client.post(preferences, {
        "action": "save", "sections": [newsroom["business"].pk, science.pk],
        "authors": [author.pk]})
    assert response.status_code == 302, response.content.decode()[:3000]
    subscriber = Subscriber.objects.get()
    assert list(subscriber.authors.all()) == [author]
    assert set(subscriber.sections.all()) == {newsroom["business"], science}
    # Unticked on purpose, the follow goes, and the author is offered no more.
    assert client.post(preferences, {"action": "save", "sections": [science.pk]}
                       ).status_code == 302
    assert list(subscriber.authors.all()) == []
    assert "Sam Reed" not in client.get(preferences).content.decode()


def test_who_does_not_follow_a_quiet_author_is_not_offered_them(client, newsroom, quiet_author):
    author, story = quiet_author
    subscribe_and_confirm(client, "ana@example.org", daily=False, authors=[author])
    other = subscribe_and_confirm(client, "bo@example.org")
    Article.objects.filter(pk=story.pk).update(status=Article.Status.DRAFT, published_at=None)
    assert "Sam Reed" not in client.get(other).content.decode()
    response = client.post(other, {"action": "save", "authors": [author.pk]})
    assert response.status_code == 400 and GONE_CHOICE in response.content.decode()
    # Nor a new subscriber: the form offers public authors only, as before.
    assert "Sam Reed" not in client.get("/newsletter/").content.decode()
    response = post_subscribe(client, "cy@example.org", authors=[author])
    assert response.status_code == 400 and GONE_CHOICE in response.content.decode()
    assert not Subscriber.objects.filter(email="cy@example.org").exists()


def test_the_already_subscribed_note_says_when_nothing_is_followed(client, newsroom):
    ephemeral = SectionFactory(name="Ephemeral", slug="ephemeral", position=5)
    subscribe_and_confirm(client, "ana@example.org", daily=False, sections=[ephemeral])
    ephemeral.delete()
    note = already_note(client, "ana@example.org")
    assert note.subject == "You are already subscribed to EVA DAILY"
    assert "It already receives" not in note.body
    assert ("It is subscribed, but follows nothing at the moment: what it followed is no "
            "longer offered, so no edition is sent to it.") in " ".join(note.body.split())
    assert "To choose what you receive" in note.body
    assert newsletter.links(note, "/newsletter/preferences/")


def test_the_already_subscribed_note_says_a_pause(client, newsroom):
    preferences = subscribe_and_confirm(client, "ana@example.org", daily=False,
                                        sections=[newsroom["world"]])
    client.post(preferences, {"action": "pause"})
    note = already_note(client, "ana@example.org")
    assert note.subject == "You are already subscribed to EVA DAILY"
    assert "It already receives" not in note.body
    body = re.sub(r"\s+", " ", note.body)
    assert "It is subscribed to: - World" in body
    paused = NOW.strftime("%B %-d, %Y")
    assert (f"The editions are paused (since {paused}): none is sent until you resume them."
            in body)
    assert "To resume, change what you receive or leave:" in body


def test_the_already_subscribed_note_of_an_active_subscriber_is_as_it_was(client, newsroom):
    subscribe_and_confirm(client, "ana@example.org", daily=True)
    note = already_note(client, "ana@example.org")
    assert note.subject == "You already receive EVA DAILY"
    body = re.sub(r"\s+", " ", note.body)
    assert "It already receives: - the daily edition" in body
    assert "paused" not in body and "nothing at the moment" not in body
