"""Sending the same bias report again, now with an email address or an evidence link."""

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core import signing

from standards.models import BiasReport
from core.ratelimit import fingerprint
from standards.views import ADDED_SALT, REPORTER_COOKIE
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/articles/harbour/report-bias/"
REPORT = {"reason": "factual_error", "details": "The bridge opened in 1998."}
BOTH_ADDED = ("We added the email address and the evidence link you gave to your report: "
              "we will email you the decision.")
EMAIL_ADDED = "We added the email address you gave to your report: we will email you the decision."


@pytest.fixture
def article():
    return ArticleFactory(slug="harbour", headline="Harbour talks resume")


def send(client, url=URL, **fields):
    return client.post(url, {**REPORT, **fields})


def query(response):
    """The confirmation's query, with what the signed `added` names instead of its value."""
    url = urlsplit(response["Location"])
    params = dict(parse_qsl(url.query))
    if "added" in params:
        pk, names = signing.loads(params["added"], salt=ADDED_SALT)
        params["added"] = (pk, ",".join(names))
    return url.path, params


def contact(report):
    report.refresh_from_db()
    return report.contact_email, report.evidence_url


def test_an_anonymous_resend_adds_the_email_and_link_and_says_so(client, article):
    first = send(client)
    report = BiasReport.objects.get()
    # Before the re-send, a hand-made flag claims nothing the report does not hold.
    forged = client.get(first["Location"] + "?again=1&added=email,link").content.decode()
    assert "We added" not in forged

    again = send(client, contact_email="reporter@example.org",
                 evidence_url="https://example.org/bridge")
    assert BiasReport.objects.count() == 1
    assert again.status_code == 303
    assert query(again) == (first["Location"], {"again": "1",
                                                "added": (report.pk, "email,link")})
    assert contact(report) == ("reporter@example.org", "https://example.org/bridge")
    html = client.get(again["Location"]).content.decode()
    assert "You have already sent this report" in html
    assert BOTH_ADDED in html and "What happens next" in html


def test_whether_a_report_holds_an_email_cannot_be_asked_of_its_page(client, article):
    """Its address names only the report's number, which anyone can count through: a
    plain ?added=email made the page of any open report say whether it held one."""
    first = send(client, contact_email="reporter@example.org")
    html = client.get(first["Location"] + "?again=1&added=email,link").content.decode()
    assert "You have already sent this report" in html and "We added" not in html
    # Nor does one report's signed flag work on another that holds an email (one of
    # this browser's: a stranger's page says nothing of any report).
    other = BiasReport.objects.create(
        article=article, reason="other", details="Another.", contact_email="other@example.org",
        reporter_key=fingerprint(client.cookies[REPORTER_COOKIE].value))
    signed = parse_qsl(urlsplit(send(client, contact_email="again@example.org")["Location"])
                       .query)[-1][1]
    html = client.get(other.get_confirmation_url() + f"?again=1&added={signed}").content
    assert b"You have already sent this report" in html and b"We added" not in html


def test_a_signed_in_resend_adds_the_email_in_the_dialog_too(client, article):
    client.force_login(UserFactory(email="ana@example.org"))
    first = send(client, URL + "?partial=1", evidence_url="https://example.org/bridge")
    report = BiasReport.objects.get()
    assert report.reader is not None and contact(report) == ("", "https://example.org/bridge")

    again = send(client, URL + "?partial=1", contact_email="ana@example.org")
    assert query(again) == (urlsplit(first["Location"]).path,
                            {"partial": "1", "again": "1", "added": (report.pk, "email")})
    assert contact(report) == ("ana@example.org", "https://example.org/bridge")
    html = client.get(again["Location"]).content.decode()
    assert "<html" not in html and "You have already sent this report" in html
    assert EMAIL_ADDED in html and "evidence link" not in html


def test_a_given_field_replaces_and_an_empty_one_erases_nothing(client, article):
    first = send(client, contact_email="old@example.org", evidence_url="https://example.org/a")
    report = BiasReport.objects.get()

    newer = send(client, contact_email="new@example.org")
    assert query(newer) == (first["Location"], {"again": "1", "added": (report.pk, "email")})
    assert contact(report) == ("new@example.org", "https://example.org/a")

    empty = send(client)
    assert empty["Location"] == first["Location"] + "?again=1"
    assert contact(report) == ("new@example.org", "https://example.org/a")
    html = client.get(empty["Location"]).content.decode()
    assert "You have already sent this report" in html and "We added" not in html


def test_a_decided_report_keeps_nothing_new_and_says_it_was_decided(client, article):
    first = send(client)
    report = BiasReport.objects.get()
    BiasReport.objects.filter(pk=report.pk).update(
        status=BiasReport.Status.DISMISSED, resolved_at=datetime(2026, 11, 30, 12, tzinfo=UTC))

    again = send(client, contact_email="late@example.org", evidence_url="https://example.org/x")
    assert again["Location"] == first["Location"] + "?again=1"
    assert contact(report) == ("", "")
    # Even with the flag added by hand, the page claims nothing was added.
    html = client.get(again["Location"] + "&added=email,link").content.decode()
    assert "You have already sent this report" in html
    assert ("This report has already been decided: a moderator dismissed it on "
            "Nov 30, 2026. Nothing from the copy you just sent was added to it.") in html
    assert "We added" not in html
    assert "What happens next" not in html and "we will email you the decision" not in html


def test_a_report_decided_while_the_copy_was_read_keeps_nothing(article):
    """The decision went to the address the report had: a later one is not kept."""
    from standards.views import _keep_new_contact

    report = BiasReport.objects.create(article=article, reason="factual_error")
    BiasReport.objects.filter(pk=report.pk).update(status=BiasReport.Status.UPHELD)
    assert report.is_open  # as the re-send found it
    assert _keep_new_contact(report, {"contact_email": "late@example.org",
                                      "evidence_url": ""}) == []
    assert contact(report) == ("", "")
