"""A correction cites a bias report by its reference, BR-000123 (issue 12, item 13)."""

import re
from datetime import datetime, timezone as dt_timezone

import pytest

from standards.models import Correction
from tests.articles.newsroom import ADD_URL, article_form, change_url, staff
from tests.factories import (ArticleFactory, AuthorFactory, BiasReportFactory, CorrectionFactory,
                             SectionFactory)

pytestmark = pytest.mark.django_db

CORRECTION_ADD = "/admin/standards/correction/add/"
ANOTHER_STORY = "This bias report is about another story."


def html(response):
    return response.content.decode()


def field_value(page, name):
    """The value a text input shows, or None when it has none."""
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page).group(0)
    value = re.search(r'value="([^"]*)"', tag)
    return value.group(1) if value else None


@pytest.fixture
def editor(client):
    client.force_login(staff("Editors", username="editor"))


@pytest.fixture
def story():
    # Published before the corrections the tests date March 8, 2026: a correction
    # cannot be dated before its story (Correction.clean).
    return ArticleFactory(slug="harbour", headline="Harbour reopens",
                          published_at=datetime(2026, 3, 1, tzinfo=dt_timezone.utc))


@pytest.fixture
def report(story):
    # A few reports first, so that the reference's number is not a coincidence.
    BiasReportFactory.create_batch(5, article=story)
    # Filed before the corrections dated March 8: a correction cannot be dated before
    # the report it cites (Correction.clean).
    return BiasReportFactory(article=story, reason="factual_error",
                             created_at=datetime(2026, 3, 2, tzinfo=dt_timezone.utc))


def correction_post(article, reference, text="The pier opened in 1998."):
    return {"article": article.pk, "bias_report": reference, "kind": "correction",
            "date_0": "2026-03-08", "date_1": "12:00:00", "text": text}


def inline_post(article, **fields):
    data = article_form(article)
    data.update({"corrections-TOTAL_FORMS": "1",
                 **{f"corrections-0-{name}": value for name, value in fields.items()}})
    return data


class TestCorrectionAdmin:
    @pytest.mark.parametrize("spelling", [str, str.lower, lambda ref: f" BR-{int(ref[3:])} "],
                             ids=["as shown", "lower case", "without zeros"])
    def test_cites_a_report_by_its_reference(self, client, editor, story, report, spelling):
        response = client.post(CORRECTION_ADD, correction_post(story, spelling(report.reference)))
        assert response.status_code == 302, html(response)[:3000]
        correction = Correction.objects.get()
        assert correction.bias_report == report

        page = html(client.get(f"/admin/standards/correction/{correction.pk}/change/"))
        assert re.fullmatch(r"BR-\d{6,}", report.reference)
        assert field_value(page, "bias_report") == report.reference

    @pytest.mark.parametrize(("typed", "message"), [
        ("BR-9999999", "There is no bias report BR-9999999."),
        ("report six", "Give the bias report’s reference, like BR-000123."),
        ("BR-" + "9" * 40, "Give the bias report’s reference, like BR-000123."),
    ])
    def test_an_unknown_or_malformed_reference_is_refused_and_kept(
            self, client, editor, story, report, typed, message):
        response = client.post(CORRECTION_ADD, correction_post(story, typed, text="Kept text."))
        assert response.status_code == 200
        page = html(response)
        assert message in page
        assert field_value(page, "bias_report") == typed
        assert "Kept text." in page
        assert not Correction.objects.exists()

    def test_a_report_on_another_story_is_refused(self, client, editor, report):
        other = ArticleFactory(slug="other")
        response = client.post(CORRECTION_ADD, correction_post(other, report.reference))
        assert response.status_code == 200
        page = html(response)
        assert ANOTHER_STORY in page
        assert field_value(page, "bias_report") == report.reference
        assert not Correction.objects.exists()

    def test_the_upheld_reports_prefilled_link_shows_the_reference(self, client, editor, story,
                                                                   report):
        page = html(client.get(f"{CORRECTION_ADD}?article={story.pk}&bias_report={report.pk}"))
        assert field_value(page, "bias_report") == report.reference

    def test_leaving_it_empty_cites_nothing(self, client, editor, story):
        response = client.post(CORRECTION_ADD, correction_post(story, ""))
        assert response.status_code == 302
        assert Correction.objects.get().bias_report is None


class TestArticleInline:
    def test_cites_a_report_by_its_reference(self, client, editor, story, report):
        response = client.post(change_url(story), inline_post(
            story, kind="clarification", date_0="2026-03-08", date_1="12:00:00",
            text="We added the operator's reply.", bias_report=report.reference.lower()))
        assert response.status_code == 302, html(response)[:3000]
        assert Correction.objects.get().bias_report == report

    def test_an_existing_correction_shows_its_reference(self, client, editor, story, report):
        CorrectionFactory(article=story, bias_report=report)
        page = html(client.get(change_url(story)))
        assert field_value(page, "corrections-0-bias_report") == report.reference

    @pytest.mark.parametrize(("typed", "message"), [
        ("BR-9999999", "There is no bias report BR-9999999."),
        ("REPORT", ANOTHER_STORY),
    ])
    def test_a_wrong_reference_is_refused_and_kept(self, client, editor, report, typed,
                                                   message):
        typed = typed.replace("REPORT", report.reference)
        other = ArticleFactory(slug="other", headline="Other story")
        response = client.post(change_url(other), inline_post(
            other, kind="correction", date_0="2026-03-08", date_1="12:00:00",
            text="A fix.", bias_report=typed, headline="Other story, revised"))
        assert response.status_code == 200
        page = html(response)
        assert message in page
        assert field_value(page, "corrections-0-bias_report") == typed
        assert not Correction.objects.exists()
        other.refresh_from_db()
        assert other.headline == "Other story"

    def test_a_new_story_cannot_cite_another_storys_report(self, client, editor, report):
        data = article_form(headline="New story", slug="new-story", body="Words.",
                            section=SectionFactory(), author=AuthorFactory())
        data.update({"corrections-TOTAL_FORMS": "1", "corrections-0-kind": "correction",
                     "corrections-0-date_0": "2026-03-08", "corrections-0-date_1": "12:00:00",
                     "corrections-0-text": "A fix.",
                     "corrections-0-bias_report": report.reference})
        response = client.post(ADD_URL, data)
        assert response.status_code == 200
        assert ANOTHER_STORY in html(response)
        assert not Correction.objects.exists()
