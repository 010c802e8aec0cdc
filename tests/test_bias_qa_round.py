"""Bias reports: one reporter is one browser (or signed-in reader), never one network
address; one form files one report; a report's progress is shown to its reporter alone."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from core import ratelimit
from standards.models import BiasReport
from standards.views import REPORTER_COOKIE
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/articles/harbour/report-bias/"
REPORT = {"reason": "political_slant"}
TOKEN = re.compile(r'<input type="hidden" name="submission_token" value="([A-Za-z0-9_-]+)"')


@pytest.fixture
def article():
    return ArticleFactory(slug="harbour", headline="Harbour talks resume")


def form_token(client):
    """The token of the form as the client is shown it."""
    return TOKEN.search(client.get(URL).content.decode()).group(1)


def decide(report, status=BiasReport.Status.UPHELD):
    BiasReport.objects.filter(pk=report.pk).update(
        status=status, resolved_at=datetime(2026, 12, 5, 9, tzinfo=UTC))


# 1. Strangers on one connection -------------------------------------------------

def test_strangers_on_one_address_each_file_their_own_report(article):
    alice, bob, carol = Client(), Client(), Client()  # one address: 127.0.0.1
    first = alice.post(URL, {**REPORT, "contact_email": "alice@example.org"})
    second = bob.post(URL, {**REPORT, "contact_email": "bob@example.org"})

    assert second.status_code == 303 and "again" not in second["Location"]
    assert second["Location"] != first["Location"]
    alices, bobs = BiasReport.objects.order_by("pk")
    assert (alices.contact_email, bobs.contact_email) == ("alice@example.org", "bob@example.org")
    html = bob.get(second["Location"]).content.decode()
    assert "Thank you: your report is in" in html and "already sent" not in html
    assert "We added" not in html

    # Once Alice's report is decided, Carol is not told she sent it.
    decide(alices)
    third = carol.post(URL, REPORT)
    assert BiasReport.objects.count() == 3 and "again" not in third["Location"]
    html = carol.get(third["Location"]).content.decode()
    assert "Thank you: your report is in" in html and "already" not in html


def test_the_same_browser_still_adds_its_email_to_its_report(article):
    alice = Client()
    first = alice.post(URL, REPORT)
    # A new form (a new token), the same browser: the same reporter.
    again = alice.post(URL, {**REPORT, "contact_email": "alice@example.org"})
    report = BiasReport.objects.get()
    assert again["Location"].startswith(first["Location"] + "?again=1&added=")
    assert report.contact_email == "alice@example.org"
    assert "We added the email address" in alice.get(again["Location"]).content.decode()


def test_the_browser_key_is_kept_to_the_story_s_report_pages(article):
    client = Client()
    cookie = client.get(URL).cookies[REPORTER_COOKIE]
    assert cookie["path"] == URL and cookie["httponly"] and cookie["samesite"] == "Lax"
    # Held, it is not given again; the report keeps only its keyed hash.
    client.post(URL, REPORT)
    assert REPORTER_COOKIE not in client.post(URL, {**REPORT, "reason": "other",
                                                    "details": "More."}).cookies
    report = BiasReport.objects.first()
    assert report.reporter_key == ratelimit.fingerprint(cookie.value)
    assert cookie.value not in report.reporter_key


# 2. One form, one report --------------------------------------------------------

def test_a_form_sent_twice_files_one_report_and_answers_the_same(client, article):
    token = form_token(client)
    first = client.post(URL, {**REPORT, "submission_token": token})
    second = client.post(URL, {**REPORT, "submission_token": token})
    assert BiasReport.objects.get().submission_token == token
    assert second.status_code == 303 and second["Location"] == first["Location"]


def test_the_same_form_from_another_browser_is_still_one_report(article):
    """A retry that lost its cookie (or a second server's answer) files nothing new."""
    token = form_token(Client())
    first = Client().post(URL, {**REPORT, "submission_token": token})
    second = Client().post(URL, {**REPORT, "submission_token": token})
    assert BiasReport.objects.count() == 1 and second["Location"] == first["Location"]


def test_a_twin_filed_between_the_check_and_the_save_is_the_answer(client, article,
                                                                   monkeypatch):
    from standards import views

    token = form_token(client)
    key = client.cookies[REPORTER_COOKIE].value
    twins = []

    def twin_files_first(*args, **kwargs):
        # The other send of the same form is filed once this one has looked for it.
        twins.append(BiasReport.objects.create(
            article=article, reason="political_slant", submission_token=token,
            reporter_key=ratelimit.fingerprint(key)))
        return None

    monkeypatch.setattr(views, "_duplicate_report", twin_files_first)
    response = client.post(URL, {**REPORT, "submission_token": token})
    assert BiasReport.objects.count() == 1
    assert response.status_code == 303
    assert response["Location"] == twins[0].get_confirmation_url()
    assert "Thank you: your report is in" in client.get(response["Location"]).content.decode()


def test_a_refused_form_keeps_its_token(client, article):
    token = form_token(client)
    refused = client.post(URL, {"reason": "other", "submission_token": token})
    assert refused.status_code == 400
    assert f'name="submission_token" value="{token}"' in refused.content.decode()


# 3. The email's length ----------------------------------------------------------

def test_the_email_field_allows_what_the_model_keeps(client, article):
    html = client.get(URL).content.decode()
    field = re.search(r'<input type="email" name="contact_email"[^>]*>', html).group(0)
    assert 'maxlength="254"' in field


# 4. A report's progress is its reporter's ---------------------------------------

def test_a_stranger_is_not_shown_a_report_s_outcome(client, article):
    first = client.post(URL, REPORT)
    decide(BiasReport.objects.get())

    for stranger in (Client(), Client(HTTP_COOKIE="")):
        for query in ("", "?again=1", "?partial=1"):
            response = stranger.get(first["Location"] + query)
            html = response.content.decode()
            assert response.status_code == 200
            assert "upheld it" not in html and "Dec 5, 2026" not in html
            assert "reference" not in html and "your report" not in html.lower()
            assert "progress is shown only in the browser it was sent from" in html

    # The reporter sees it, after a reload and in the dialog.
    for query in ("", "?partial=1"):
        html = client.get(first["Location"] + query).content.decode()
        assert "a moderator upheld it on Dec 5, 2026" in html


def test_a_signed_in_reporter_sees_the_outcome_in_another_browser(article):
    reader = UserFactory()
    sent_from, elsewhere = Client(), Client()
    sent_from.force_login(reader)
    first = sent_from.post(URL, REPORT)
    decide(BiasReport.objects.get(), BiasReport.Status.DISMISSED)
    assert "dismissed it" not in elsewhere.get(first["Location"]).content.decode()
    elsewhere.force_login(reader)
    assert "a moderator dismissed it" in elsewhere.get(first["Location"]).content.decode()
