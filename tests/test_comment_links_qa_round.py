"""Links are held for review, bare hosts too; ordinary prose is published at once.

Only http(s)://, www. and eight top-level domains were caught: "bit.ly/3xYz",
"t.me/spamchan" and "evil-shop.co.uk" were published at once.
"""

import pytest

from comments.models import Comment
from comments.moderation import check_comment
from tests.commenting import post_comment
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

HELD = [
    "Great deals at bit.ly/3xYz and t.me/spamchan",
    "See evil-shop.co.uk now",
    "Join t.me/spamchan",
    "bit.ly",
    "Free spins at lucky.casino!",
    "(details: deals.shop)",
    "Order now: EVIL-SHOP.CO.UK",
    "Message us at T.Me/spamchan",  # any case, with a path
    "Write to offers@cheap-pills.biz today.",
    "Read more at news.example.museum, it's all there",
    # What was held before still is.
    "See https://example.org/proof",
    "look at www.example.org",
    "HTTP://EXAMPLE.ORG",
    "cheap pills at pills.xyz",
]

PUBLISHED = [
    "Prices rose 3.5 per cent, e.g. in food and fuel.",
    "I.e. the council knew all along.",
    "The U.S. and the U.K. agreed at 9 a.m. on Monday, not 5 p.m.",
    "It ended there.Next day the ferry ran again.",
    "We walked to St.Ives last summer.",
    "Mr.Smith and Dr.Jones disagree.",
    "Version 2.0 is out; see page 14.",
    "The vote was 52.4% to 47.6%.",
    "It costs £3.50, not £4.00!",
    "Ph.D. students, nurses, etc., marched.",
    "We met at 10.30pm, after No.10 said so.",
    "Great story...really great.",
    "Wait.What? That can't be right.",
    "Yes.I agree with every word.",
    "The plan, i.e.a tax rise, was dropped.",
    "Fig.3 shows the harbour in 1952.",
]


@pytest.fixture
def reader():
    return UserFactory()


@pytest.mark.parametrize("body", HELD)
def test_a_link_or_bare_host_is_held(reader, body):
    assert check_comment(reader, None, body) == (Comment.Status.PENDING, "Contains a link")


@pytest.mark.parametrize("body", PUBLISHED)
def test_ordinary_prose_is_published(reader, body):
    assert check_comment(reader, None, body) == (Comment.Status.APPROVED, "")


def test_a_posted_comment_with_a_bare_host_waits_for_a_moderator(client, reader):
    article = ArticleFactory(slug="harbour")
    client.force_login(reader)
    post_comment(client, article.slug, "Great deals at bit.ly/3xYz and t.me/spamchan")
    comment = Comment.objects.get()
    assert (comment.status, comment.hold_reason) == (Comment.Status.PENDING, "Contains a link")
