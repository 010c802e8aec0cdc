import pytest
from django.core import mail

from standards.models import BiasReport
from tests.factories import ArticleFactory, BiasReportFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/articles/harbour/report-bias/"


@pytest.fixture
def article():
    return ArticleFactory(slug="harbour", headline="Harbour talks resume")


def test_article_page_has_the_report_bias_link(client, article):
    html = client.get("/articles/harbour/").content.decode()
    assert ('<a class="button button-quiet" href="/articles/harbour/report-bias/" '
            'data-bias-dialog>Report Bias</a>') in html


def test_form_offers_the_six_reasons_with_explanations(client, article):
    html = client.get(URL).content.decode()
    for value in ("political_slant", "one_sided_sourcing", "loaded_language",
                  "factual_error", "missing_context", "other"):
        assert f'value="{value}"' in html
    assert "Only one side&#x27;s sources were asked or quoted." in html
    assert 'name="quoted_passage"' in html and 'name="details"' in html
    assert 'name="evidence_url"' in html and 'name="contact_email"' in html


def test_partial_form_is_the_dialog_content_alone(client, article):
    html = client.get(URL + "?partial=1").content.decode()
    assert "<html" not in html and 'id="bias-report-title"' in html
    assert "csrfmiddlewaretoken" in html


def test_signed_in_reader_email_is_not_filled_in(client, article):
    """Left for the reader to give: the account's address would go to the moderators
    with the report whether they meant it to or not."""
    client.force_login(UserFactory(email="ana@example.org"))
    assert "ana@example.org" not in client.get(URL).content.decode()


def test_anonymous_report_is_filed_and_redirects_to_its_reference(client, article):
    response = client.post(URL, {
        "reason": "loaded_language",
        "quoted_passage": "  a mob stormed\r\nthe square  ",
        "details": "Protesters were peaceful.",
        "evidence_url": "https://example.org/video",
        "contact_email": "reporter@example.org",
    })
    report = BiasReport.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/articles/harbour/report-bias/{report.reference}/"
    assert report.reference == f"BR-{report.pk:06d}"
    assert report.quoted_passage == "a mob stormed\nthe square"
    assert report.status == BiasReport.Status.NEW and report.reader is None
    confirmation = client.get(response["Location"]).content.decode()
    assert report.reference in confirmation
    assert "What happens next" in confirmation
    assert "we will email you the decision" in confirmation
    # A reload of the confirmation files nothing more.
    client.get(response["Location"])
    assert BiasReport.objects.count() == 1


def test_partial_post_lands_on_the_partial_confirmation(client, article):
    response = client.post(URL + "?partial=1", {"reason": "political_slant"}, follow=True)
    html = response.content.decode()
    assert "<html" not in html and BiasReport.objects.get().reference in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose the kind of bias you saw: one of the six below."),
        ({"reason": "nonsense"}, "Select a valid choice."),
        ({"reason": "other"}, "details are required when the reason is Other"),
        ({"reason": "factual_error", "quoted_passage": "q" * 301},
         "Quoted passages can be at most 300 characters; this one has 301."),
        ({"reason": "factual_error", "details": "d" * 1001},
         "Details can be at most 1000 characters; this one has 1001."),
        ({"reason": "factual_error", "evidence_url": "not a link"},
         "Enter the link’s whole address, such as https://www.example.org/story, or leave "
         "this empty."),
        ({"reason": "factual_error", "contact_email": "nope"},
         "Enter an email address such as name@example.org."),
    ],
)
def test_bad_reports_are_refused_with_reasons_and_text_kept(client, article, data, message):
    data = {"quoted_passage": "kept text", **data}
    response = client.post(URL, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert data["quoted_passage"] in html
    assert not BiasReport.objects.exists()


def test_the_same_report_twice_is_filed_once_and_told_politely(client, article):
    data = {"reason": "factual_error", "details": "The bridge opened in 1998."}
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert BiasReport.objects.count() == 1
    assert second.status_code == 303
    assert second["Location"] == first["Location"] + "?again=1"
    html = client.get(second["Location"]).content.decode()
    assert "You have already sent this report" in html


def test_a_different_report_from_the_same_reader_is_filed(client, article):
    client.post(URL, {"reason": "factual_error", "details": "one"})
    client.post(URL, {"reason": "factual_error", "details": "two"})
    assert BiasReport.objects.count() == 2


def test_no_reports_on_stories_that_are_not_public(client):
    draft = ArticleFactory(draft=True)
    assert client.get(f"/articles/{draft.slug}/report-bias/").status_code == 404
    assert client.post(f"/articles/{draft.slug}/report-bias/",
                       {"reason": "other", "details": "x"}).status_code == 404


# A well-formed reference no report has is answered as any other not the reader's
# (test_a_reference_tells_no_one_but_its_reporter_whether_it_is_on_the_story).
@pytest.mark.parametrize("reference", ["BR-x", "XX-000001", "BR-" + "9" * 5000])
def test_a_malformed_reference_is_404(client, article, reference):
    assert client.get(f"{URL}{reference}/").status_code == 404


def test_outcome_email_reaches_the_reporter(article, django_capture_on_commit_callbacks):
    from standards.workflow import decide_bias_report

    moderator = UserFactory(username="mod", is_staff=True)
    report = BiasReport.objects.create(article=article, reason="factual_error",
                                       contact_email="reporter@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        decide_bias_report(report, BiasReport.Status.IN_REVIEW, moderator)
    assert mail.outbox == []  # no email until there is a decision
    with django_capture_on_commit_callbacks(execute=True):
        decide_bias_report(report, BiasReport.Status.UPHELD, moderator,
                           "The year was wrong; we corrected it.")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reporter@example.org"]
    assert report.reference in message.subject and "upheld" in message.subject
    assert "The year was wrong; we corrected it." in message.body
    assert "http://127.0.0.1:8000/articles/harbour/" in message.body
    report.refresh_from_db()
    assert report.moderator == moderator and report.resolved_at is not None


def test_no_email_without_an_address(article, django_capture_on_commit_callbacks):
    from standards.workflow import decide_bias_report

    report = BiasReport.objects.create(article=article, reason="other", details="d")
    with django_capture_on_commit_callbacks(execute=True):
        decide_bias_report(report, BiasReport.Status.DISMISSED, UserFactory())
    assert mail.outbox == []


def test_a_reference_tells_no_one_but_its_reporter_whether_it_is_on_the_story(client, article):
    """QA, 2026-12-06: a reference on the story answered 200 and any other 404, so counting
    through the references told which stories drew reports, and how many, undecided."""
    other = ArticleFactory(slug="ferries", headline="Ferries resume")
    on_story = BiasReportFactory(article=article)
    elsewhere = BiasReportFactory(article=other)
    pages = {reference: client.get(f"{URL}{reference}/")
             for reference in (on_story.reference, elsewhere.reference, "BR-999999")}
    assert {response.status_code for response in pages.values()} == {200}
    bodies = {response.content.decode().replace(reference, "") for reference, response
              in pages.items()}
    assert len(bodies) == 1
    assert client.get(f"{URL}BR-nonsense/").status_code == 404
    assert client.get("/articles/no-such-story/report-bias/BR-000001/").status_code == 404
