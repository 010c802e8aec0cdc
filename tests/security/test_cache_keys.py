"""Cache keys built from what people type never collide (issue 12, item 4).

A story was kept as `story:<slug>` and its rendered blocks as `story:<pk>`:
a story whose slug is a number (the admin and the importer accept `5`) made
another story's page render `None` or answer 500 for everyone.
"""

import pytest

from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


@pytest.fixture
def stories():
    """A story, and another whose slug is the first one's id."""
    first = ArticleFactory(headline="Harbour reopens after the storm", slug="harbour")
    second = ArticleFactory(headline="Numbers behind the ferry timetable", slug=str(first.pk))
    return first, second


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
@pytest.mark.parametrize("order", [(0, 1), (1, 0)], ids=["word-slug-first", "number-first"])
def test_a_numeric_slug_never_shows_another_story(client, stories, signed_in, order):
    if signed_in:
        client.force_login(UserFactory(username="ana"))
    for _ in range(2):  # the second round is answered from the fragments
        for index in order:
            story = stories[index]
            response = client.get(f"/articles/{story.slug}/")
            assert response.status_code == 200
            html = response.content.decode()
            assert "<h1" in html and story.headline in html
            other = stories[1 - index]
            assert other.headline not in html.split("Related Articles")[0]
