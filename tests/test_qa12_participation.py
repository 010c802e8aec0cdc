"""QA round 12, readers' participation and the moderators' desk: one reader's identical bias
reports from two tabs at once are filed once."""

import re
import threading

import pytest
from django.db import close_old_connections, connection, transaction
from django.test import Client

from articles.models import Article
from standards.models import BiasReport
from tests.factories import ArticleFactory, UserFactory
from tests.test_qa11_races import waiting_on_a_lock

TOKEN = re.compile(r'<input type="hidden" name="submission_token" value="([A-Za-z0-9_-]+)"')


# Two tabs, one report, sent at the same instant ----------------------------------------------


def _two_tabs(client, url):
    """The form as two tabs of one browser hold it: one reporter, two form tokens."""
    return [TOKEN.search(client.get(url).content.decode()).group(1) for _ in range(2)]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signed_in", [True, False], ids=["reader", "signed-out"])
def test_one_readers_identical_reports_from_two_tabs_at_once_are_filed_once(signed_in):
    story = ArticleFactory(slug="harbour")
    url = "/articles/harbour/report-bias/"
    client = Client()
    if signed_in:
        client.force_login(UserFactory(username="reader3"))
    tokens = _two_tabs(client, url)
    locked, release, outcomes, threads = threading.Event(), threading.Event(), [{}, {}], []

    def hold_the_story():
        # Both sends then reach the story's row together, as two at the same instant do.
        try:
            with transaction.atomic():
                Article.objects.select_for_update().get(pk=story.pk)
                locked.set()
                release.wait(10)
        finally:
            close_old_connections()
            connection.close()

    def send(token, outcome):
        try:
            outcome["response"] = client.post(url, {
                "reason": "loaded_language", "details": "The headline calls them a mob.",
                "submission_token": token})
        except Exception as error:  # noqa: BLE001 (the test reads it)
            outcome["error"] = error
        finally:
            close_old_connections()
            connection.close()

    holder = threading.Thread(target=hold_the_story)
    holder.start()
    try:
        assert locked.wait(5)
        for token, outcome in zip(tokens, outcomes, strict=True):
            threads.append(threading.Thread(target=send, args=(token, outcome)))
            threads[-1].start()
        assert waiting_on_a_lock(2), "both sends reach the story's row"
    finally:
        release.set()
        holder.join(10)
        for thread in threads:
            thread.join(20)

    assert [outcome.get("error") for outcome in outcomes] == [None, None]
    report = BiasReport.objects.get()
    confirmation = report.get_confirmation_url()
    locations = sorted(outcome["response"]["Location"] for outcome in outcomes)
    # The first is filed; the second is told it was sent already, with the same reference.
    assert locations == [confirmation, confirmation + "?again=1"]
    page = client.get(confirmation + "?again=1").content.decode()
    assert "You have already sent this report" in page and report.reference in page
