import pytest

from tests.factories import ArticleFactory, UserFactory


@pytest.fixture
def article():
    """A public story at /articles/harbour/."""
    return ArticleFactory(slug="harbour")


@pytest.fixture
def reader(client):
    """A reader, signed in on the test client."""
    user = UserFactory(username="ana")
    client.force_login(user)
    return user
