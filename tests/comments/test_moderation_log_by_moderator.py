"""The moderation log, one moderator's decisions at a time (a lead reviewing a colleague's
day), or those no one made."""

import pytest

from comments.models import ModerationAction
from tests.articles.newsroom import staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOG = "/admin/comments/moderationaction/"


@pytest.fixture
def log(client):
    ana = staff("Moderators", username="ana")
    ben = staff("Moderators", username="ben")
    UserFactory(username="reader-not-in-the-newsroom")
    for moderator, target in ((ana, "comment 1"), (ana, "comment 2"), (ben, "comment 3"),
                              (None, "reader 4")):
        ModerationAction.objects.create(moderator=moderator, action="hide", target=target)
    client.force_login(ana)
    return ana, ben


def _targets(response):
    assert response.status_code == 200
    return sorted(action.target for action in response.context["cl"].result_list)


def test_the_log_is_filtered_by_moderator(client, log):
    ana, ben = log
    assert _targets(client.get(LOG, {"moderator": ana.pk})) == ["comment 1", "comment 2"]
    assert _targets(client.get(LOG, {"moderator": ben.pk})) == ["comment 3"]
    assert _targets(client.get(LOG, {"moderator": "none"})) == ["reader 4"]


def test_only_newsroom_accounts_are_offered(client, log):
    page = client.get(LOG).content.decode()
    assert "?moderator=" in page and ">ana</a>" in page and ">ben</a>" in page
    assert "reader-not-in-the-newsroom" not in page
    assert "No one (automatic)" in page


@pytest.mark.parametrize("value", ["abc", "-1", "12345"])
def test_a_value_no_one_has_lists_the_whole_log(client, log, value):
    assert len(_targets(client.get(LOG, {"moderator": value}))) == 4


def test_a_number_no_id_can_be_is_refused(client, log):
    assert client.get(LOG, {"moderator": "9" * 40}).status_code == 400
