"""A reporter reads the decision's note, and what was published after an upheld report, on
their report's page: a reporter who left no address had only "a moderator dismissed it"."""

from datetime import UTC, datetime

import pytest

from standards.models import BiasReport
from tests.factories import ArticleFactory, CorrectionFactory

pytestmark = pytest.mark.django_db

URL = "/articles/harbour/report-bias/"
NOTE = "The figure comes from the port's own report,\nwhich the story links to. <b>Thanks</b>"


@pytest.fixture
def article():
    return ArticleFactory(slug="harbour", headline="Harbour talks resume",
                          published_at=datetime(2026, 11, 1, tzinfo=UTC))


def _report(client):
    """A report sent from this client (its browser's key), and its page's address."""
    sent = client.post(URL, {"reason": "factual_error", "details": "The bridge opened in 1998."})
    return BiasReport.objects.get(), sent["Location"]


def _decide(report, status, note=""):
    BiasReport.objects.filter(pk=report.pk).update(
        status=status, resolution_note=note, resolved_at=datetime(2026, 11, 30, 12, tzinfo=UTC))


def test_a_dismissal_shows_its_note_to_the_reporter_alone(client, article):
    report, page = _report(client)
    _decide(report, BiasReport.Status.DISMISSED, NOTE)
    for url in (page, page + "?partial=1"):
        html = client.get(url).content.decode()
        assert "a moderator dismissed it on Nov 30, 2026" in html
        assert ("<h2>The moderator’s note to you</h2>\n  <blockquote class=\"bias-report-note\" "
                "dir=\"auto\"><p>The figure comes from the port&#x27;s own report,<br>which the "
                "story links to. &lt;b&gt;Thanks&lt;/b&gt;</p></blockquote>") in html
    client.cookies.clear()
    assert "port&#x27;s own report" not in client.get(page).content.decode()


def test_an_upheld_report_links_what_followed_it(client, article):
    report, page = _report(client)
    _decide(report, BiasReport.Status.UPHELD)
    html = client.get(page).content.decode()
    assert "The correction that follows your report is not published yet." in html
    correction = CorrectionFactory(article=article, bias_report=report,
                                   date=datetime(2026, 12, 1, 9, tzinfo=UTC))
    html = client.get(page).content.decode()
    assert "<h2>What we published</h2>" in html
    assert (f'<a href="/articles/harbour/#correction-{correction.pk}" data-dialog-close>'
            f"Correction of Dec 1, 2026</a>") in html
    assert "not published yet" not in html


def test_an_open_report_shows_no_note(client, article):
    report, page = _report(client)
    BiasReport.objects.filter(pk=report.pk).update(status=BiasReport.Status.IN_REVIEW,
                                                   resolution_note="Checking with the desk.")
    html = client.get(page).content.decode()
    assert "What happens next" in html and "Checking with the desk." not in html
