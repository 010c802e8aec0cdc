"""A revision opens read-only for staff who may view stories and corrections but not change
them (moderators), as the change page already does; editors still get the Revert form."""

import re

import pytest
from taggit.models import Tag

from tests.articles.newsroom import history_url, staff
from tests.factories import ArticleFactory, CorrectionFactory

pytestmark = pytest.mark.django_db

CONTROLS = re.compile(r"<(textarea|select|input(?![^>]*type=\"hidden\"))\b[^>]*>")


def html(response):
    return response.content.decode()


def form_of(page):
    """The revision's form: its controls, ignoring the page's header (search, theme)."""
    return re.split(r'<form [^>]*id="\w+_form"', page)[-1]


@pytest.fixture
def revised():
    Tag.objects.create(name="Ports", slug="ports")
    story = ArticleFactory(headline="Ferries resume", body="The ferries run **again**.",
                           tags=["Ports", "Old Tag"])
    first = story.history.get()
    story.headline = "Ferries resume on Monday"
    story.save()
    story.tags.set(["Ports"])
    return story, first


def revision_urls(story, first):
    correction = CorrectionFactory(article=story, text="An earlier version misdated the strike.")
    correction.text = "An earlier version misdated the strike (it began in May)."
    correction.save()
    original = correction.history.order_by("history_date", "history_id").first()
    return {"article": f"{history_url(story)}{first.pk}/",
            "correction": f"/admin/standards/correction/{correction.pk}/history/{original.pk}/"}


class TestModerators:
    @pytest.mark.parametrize("kind", ["article", "correction"])
    def test_a_revision_is_read_only(self, client, revised, kind):
        url = revision_urls(*revised)[kind]
        client.force_login(staff("Moderators", username="moderator"))

        response = client.get(url)

        assert response.status_code == 200
        page = form_of(html(response))
        assert CONTROLS.findall(page) == []
        assert 'type="submit"' not in page and 'value="Revert"' not in page
        assert 'class="closelink"' in page
        assert "readonly" in page

    def test_the_story_revision_shows_its_own_values(self, client, revised):
        story, first = revised
        client.force_login(staff("Moderators", username="moderator"))
        page = form_of(html(client.get(f"{history_url(story)}{first.pk}/")))
        assert "Ferries resume" in page and "Ferries resume on Monday" not in page
        assert "The ferries run **again**." in page
        assert "story-preview-button" not in page
        # The tags it had, not the story's tags now.
        assert '<div class="readonly">&quot;Old Tag&quot;, Ports</div>' in page

    def test_a_deleted_storys_revision_is_read_only_without_talk_of_revert(self, client,
                                                                           revised):
        story, first = revised
        url = f"{history_url(story)}{first.pk}/"
        Tag.objects.filter(name="Old Tag").delete()
        story.delete()
        client.force_login(staff("Moderators", username="moderator"))

        response = client.get(url)

        assert response.status_code == 200
        assert CONTROLS.findall(form_of(html(response))) == []
        said = [str(message) for message in response.wsgi_request._messages]
        assert said == ["This story was deleted; this is how this revision shows it."]


class TestEditors:
    @pytest.mark.parametrize("kind", ["article", "correction"])
    def test_a_revision_is_still_a_form_to_revert(self, client, revised, kind):
        url = revision_urls(*revised)[kind]
        client.force_login(staff("Editors", username="editor"))
        page = form_of(html(client.get(url)))
        assert 'value="Revert"' in page
        assert "<textarea" in page



@pytest.mark.parametrize("kind, listed", [("article", "Articles"), ("correction", "Corrections")])
def test_a_revisions_breadcrumbs_lead_to_its_own_list(client, revised, kind, listed):
    """Not to "Historical articles": the revision's own model, which has no list."""
    client.force_login(staff("Editors", username="editor"))
    page = html(client.get(revision_urls(*revised)[kind]))
    crumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', page, re.S).group(1)
    assert "Historical" not in page
    assert re.search(rf'<a href="/admin/\w+/{kind}/">{listed}</a>', crumbs)
    assert f"model-{kind} " in re.search(r'<body class="([^"]*)"', page).group(1) + " "
