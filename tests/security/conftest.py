from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from standards.models import Correction
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CommentFactory,
    CorrectionFactory,
    SectionFactory,
    UserFactory,
)

PASSWORD = "a-long-test-passphrase"  # UserFactory's


def newsroom(with_image=True):
    """A small public newsroom: a section, a human and an AI author, a tagged
    lead story (with a photo unless told), a correction and a comment."""
    world = SectionFactory(name="World", slug="world")
    human = AuthorFactory(name="Margaret Okonkwo", slug="margaret-okonkwo")
    ai = AuthorFactory(ai=True, name="Li Wei", slug="li-wei")
    lead = ArticleFactory(
        with_image=with_image, slug="harbour-ferries", section=world, author=ai,
        is_featured=True, headline="Harbour authority shortens ferry crossings",
        body="The harbour authority said on Tuesday.\n\n## What changes\n\nA [notice]"
             "(https://example.org/notice) is online.",
        published_at=timezone.now() - timedelta(minutes=30), tags=["Shipping"],
    )
    other = ArticleFactory(slug="bridge-opens", section=world, author=human, tags=["Shipping"])
    CorrectionFactory(article=lead)
    CorrectionFactory(article=other, kind=Correction.Kind.EDITORS_NOTE,
                      text="Updated with the operators' response.")
    CommentFactory(article=lead, body="A fair summary of the harbour plans.")
    return {"lead": lead, "other": other, "world": world, "human": human, "ai": ai}


@pytest.fixture
def site(db):
    return newsroom()


@pytest.fixture
def editor(db):
    user = UserFactory(username="jeditor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user
