"""A reader's own copy of what the site keeps for their account (/accounts/export/): one
JSON file, in the account page's words, never naming a moderator nor another reader's
hidden words."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from comments import moderation
from comments.models import Comment, CommentReport, ReaderStanding
from standards.models import BiasReport
from tests.articles.newsroom import staff
from tests.factories import ArticleFactory, BiasReportFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = 1_800_000_000  # a fixed instant, whole hour


def export(client):
    response = client.get("/accounts/export/")
    assert response.status_code == 200, response.content[:500]
    return response, json.loads(response.content)


@pytest.fixture
def reader():
    return UserFactory(username="ana", email="ana@example.org")


@pytest.fixture
def story():
    return ArticleFactory(slug="harbour", headline="Harbour talks resume")


def test_signed_out_the_copy_asks_to_sign_in(client):
    response = client.get("/accounts/export/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/export/")


def test_it_is_a_download_kept_by_nobody_between(client, reader):
    client.force_login(reader)
    response, data = export(client)
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="eva-daily-your-data-{timezone.now():%Y-%m-%d}.json"')
    assert "no-store" in response["Cache-Control"]
    assert set(data["account"]) == {"username", "email", "joined_at", "last_signed_in_at"}
    assert (data["account"]["username"], data["account"]["email"]) == ("ana", "ana@example.org")
    assert data["account"]["joined_at"].startswith(f"{reader.date_joined:%Y-%m-%dT%H:%M:%S}")
    assert data["site"] == "EVA DAILY"
    assert data["comments"] == [] and data["comments_you_reported"] == []
    assert data["bias_reports"] == []
    assert "commenting" not in data  # no decision was ever made about it
    assert "password" not in response.content.decode()


def test_it_holds_every_comment_the_oldest_first_with_where_it_stands(client, reader, story):
    gone = ArticleFactory(slug="withdrawn", headline="A story taken down")
    first = CommentFactory(reader=reader, article=story, body="The ferry was late «again».",
                           created_at=timezone.now() - timedelta(days=2))
    CommentFactory(reader=reader, article=gone, body="On a story since withdrawn.",
                   created_at=timezone.now() - timedelta(days=1))
    CommentFactory(reader=reader, article=story, body="Hidden words.",
                   status=Comment.Status.HIDDEN)
    CommentFactory(article=story, body="Another reader's comment.")
    gone.status = gone.Status.DRAFT
    gone.save()
    client.force_login(reader)
    _, data = export(client)
    assert [c["text"] for c in data["comments"]] == [
        "The ferry was late «again».", "On a story since withdrawn.", "Hidden words."]
    assert [c["status"] for c in data["comments"]] == [
        "Published", "Published", "Hidden by a moderator"]
    assert data["comments"][0]["story"]["headline"] == "Harbour talks resume"
    assert data["comments"][0]["story"]["address"].endswith("/articles/harbour/")
    assert data["comments"][1]["story"] is None  # taken down since: not named
    assert data["comments"][0]["posted_at"].startswith(f"{first.created_at:%Y-%m-%dT%H:%M}")


def test_a_reported_comment_is_quoted_only_while_it_is_public(client, reader, story):
    public = CommentFactory(article=story, body="Buy cheap watches here.")
    hidden = CommentFactory(article=story, body="Words a moderator hid.",
                            status=Comment.Status.HIDDEN)
    CommentReport.objects.create(comment=public, reporter=reader, reason="spam")
    CommentReport.objects.create(comment=hidden, reporter=reader, reason="abuse",
                                 resolved_at=timezone.now())
    CommentReport.objects.create(comment=public, reporter=UserFactory(), reason="other")
    client.force_login(reader)
    _, data = export(client)
    reports = data["comments_you_reported"]
    assert [(r["reason"], r["comment"]) for r in reports] == [
        ("Spam", "Buy cheap watches here."), ("Abuse or harassment", None)]
    assert reports[0]["dealt_with_at"] is None and reports[1]["dealt_with_at"]
    assert reports[0]["story"]["headline"] == "Harbour talks resume"


def test_bias_reports_hold_what_the_reader_wrote_and_the_note_once_decided(
        client, reader, story):
    moderator = staff("Moderators", username="mod_maria")
    open_report = BiasReportFactory(article=story, reader=reader, details="A mob?",
                                    contact_email="ana@example.org",
                                    resolution_note="Draft note, not sent yet")
    decided = BiasReportFactory(article=story, reader=reader, reason="factual_error",
                                details="The crossing takes 45 minutes.",
                                status=BiasReport.Status.UPHELD, moderator=moderator,
                                resolution_note="Corrected: thank you.",
                                resolved_at=timezone.now())
    BiasReportFactory(article=story, details="Someone else's report.")
    client.force_login(reader)
    response, data = export(client)
    reports = data["bias_reports"]
    assert [r["reference"] for r in reports] == [open_report.reference, decided.reference]
    assert reports[0]["status"] == "Waiting for a moderator"
    assert reports[0]["note_to_you"] == ""  # not shown to the reporter while open
    assert reports[0]["email_for_the_outcome"] == "ana@example.org"
    assert reports[1] | {"reported_at": None, "decided_at": None} == {
        "reference": decided.reference, "reported_at": None,
        "story": reports[1]["story"], "reason": "Factual error", "quoted_passage": "",
        "details": "The crossing takes 45 minutes.", "evidence_link": "",
        "email_for_the_outcome": "", "status": "Upheld", "decided_at": None,
        "note_to_you": "Corrected: thank you."}
    assert "mod_maria" not in response.content.decode()
    assert "Someone else's report." not in response.content.decode()


def test_the_decisions_about_commenting_are_all_there_without_the_moderator(client, reader):
    moderator = staff("Moderators", username="mod_maria")
    standing = ReaderStanding.objects.create(reader=reader)
    for number in range(25):  # more than the account page lists
        standing.is_premoderated = number % 2 == 0
        standing.note = f"Note {number}"
        standing.updated_by = moderator
        standing.save()
        moderation.log_standing(moderator, standing)
    client.force_login(reader)
    response, data = export(client)
    decisions = data["commenting"]["decisions"]
    assert len(decisions) == 25
    assert [d["reason"] for d in decisions] == [f"Note {n}" for n in range(25)]
    assert decisions[0]["what"].startswith("Pre-moderated")
    assert data["commenting"]["now"] == ("Your comments wait for a moderator’s review "
                                         "before they are published.")
    assert "mod_maria" not in response.content.decode()
    # The account page lists the latest 20, and says where every one is.
    html = client.get("/accounts/").content.decode()
    assert ('(the 20 latest; <a href="#account-data">your data</a> holds every one):'
            in html)


def test_the_bias_reports_part_says_where_every_report_is(client, reader, story):
    for _ in range(21):
        BiasReportFactory(article=story, reader=reader)
    client.force_login(reader)
    html = client.get("/accounts/").content.decode()
    assert 'The 20 latest (<a href="#account-data">your data</a> holds every one)' in html
    assert len(export(client)[1]["bias_reports"]) == 21


@pytest.mark.parametrize("comments", [1, 6])
def test_its_queries_do_not_grow_with_what_it_holds(client, reader, story, comments,
                                                    django_assert_num_queries):
    for _ in range(comments):
        CommentFactory(reader=reader, article=story)
        CommentReport.objects.create(comment=CommentFactory(article=story), reporter=reader,
                                     reason="spam")
        BiasReportFactory(article=story, reader=reader)
    ReaderStanding.objects.create(reader=reader)
    moderation.log_standing(None, ReaderStanding.objects.get(reader=reader))
    client.force_login(reader)
    client.get("/accounts/")  # the session's first read of the user is not the copy's
    # the user, their comments, the comments they reported, their standing, its decisions,
    # their bias reports (the session and the limit are in the cache)
    with django_assert_num_queries(6):
        _, data = export(client)
    assert len(data["comments"]) == comments and len(data["bias_reports"]) == comments


def test_five_copies_an_hour_then_the_account_page_says_when(client, reader):
    with time_machine.travel(T0, tick=False):
        client.force_login(reader)  # a session dated at the pinned time
        for _ in range(5):
            export(client)
        response = client.get("/accounts/export/")
    assert response.status_code == 429
    assert response["Retry-After"] == "3960"  # an hour on from T0's tenth of it
    html = response.content.decode()
    assert "You can download your data five times an hour. You can download it again in " \
        "66 minutes." in html
    assert "<h1>Your account</h1>" in html
    # Another reader has their own allowance.
    other = Client()
    with time_machine.travel(T0, tick=False):
        other.force_login(UserFactory())
        assert other.get("/accounts/export/").status_code == 200


def test_the_account_page_offers_the_copy(client, reader):
    client.force_login(reader)
    html = client.get("/accounts/").content.decode()
    assert '<h2 id="account-data">Your data</h2>' in html
    # Not a `download` link: the browser would save a refusal's page as the file too.
    assert '<a href="/accounts/export/" class="button button-quiet">Download your data</a>' \
        in html


def test_it_takes_no_post(client, reader):
    client.force_login(reader)
    assert client.post("/accounts/export/").status_code == 405
