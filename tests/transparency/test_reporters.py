"""Outcomes reach reporters: the decision, then the correction that followed it."""

from datetime import datetime, timezone as dt_timezone

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError

from core.ratelimit import fingerprint
from standards.models import BiasReport, Correction
from standards.views import REPORTER_COOKIE
from standards.workflow import decide_bias_report
from tests.factories import ArticleFactory, BiasReportFactory, CorrectionFactory, UserFactory

pytestmark = pytest.mark.django_db

# Filed before the corrections the tests date March 8, 2026: a correction cannot be
# dated before the report it cites (Correction.clean).
FILED = datetime(2026, 3, 2, tzinfo=dt_timezone.utc)


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def story():
    # Published before the corrections the tests date March 8, 2026: a correction
    # cannot be dated before its story (Correction.clean).
    return ArticleFactory(slug="harbour", headline="Harbour reopens",
                          published_at=datetime(2026, 3, 1, tzinfo=dt_timezone.utc))


@pytest.fixture
def report(story):
    return BiasReportFactory(article=story, reason="factual_error",
                             contact_email="reporter@example.org", created_at=FILED)


def _inline(prefix="corrections", total=1, initial=0, **fields):
    data = {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    data.update({f"{prefix}-0-{name}": value for name, value in fields.items()})
    return data


def test_upheld_without_a_correction_yet_promises_the_link(
        report, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        decide_bias_report(report, BiasReport.Status.UPHELD, staff("Moderators", "mod"))
    (message,) = mail.outbox
    assert "upheld" in message.subject
    assert "We will email you a link to the correction once it is published." in message.body


def test_a_correction_drafted_before_the_decision_goes_with_it(
        report, story, django_capture_on_commit_callbacks):
    correction = CorrectionFactory(article=story, bias_report=report)
    with django_capture_on_commit_callbacks(execute=True):
        decide_bias_report(report, BiasReport.Status.UPHELD, staff("Moderators", "mod"))
    (message,) = mail.outbox
    assert (f"Correction: http://127.0.0.1:8000/articles/harbour/#correction-{correction.pk}"
            in message.body)
    assert "We will email you" not in message.body


def test_dismissed_reports_get_no_promise(report, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        decide_bias_report(report, BiasReport.Status.DISMISSED, staff("Moderators", "mod"))
    (message,) = mail.outbox
    assert "dismissed" in message.subject and "correction" not in message.body.lower()


def test_saving_a_correction_citing_an_upheld_report_sends_the_link_once(
        client, report, story, django_capture_on_commit_callbacks):
    report.status, report.resolved_at = BiasReport.Status.UPHELD, report.created_at
    report.save()
    client.force_login(staff("Editors", "ed"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/standards/correction/add/", {
            "article": story.pk, "bias_report": report.pk, "kind": "correction",
            "date_0": "2026-03-08", "date_1": "12:00:00", "text": "The pier opened in 1998.",
        })
    assert response.status_code == 302, response.content.decode()[:2000]
    correction = Correction.objects.get()
    assert correction.bias_report == report
    (message,) = mail.outbox
    assert message.to == ["reporter@example.org"]
    assert report.reference in message.subject and "correction is published" in message.subject
    assert "The pier opened in 1998." in message.body
    assert f"/articles/harbour/#correction-{correction.pk}" in message.body

    # Editing the correction later tells nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/standards/correction/{correction.pk}/change/", {
            "article": story.pk, "bias_report": report.pk, "kind": "correction",
            "date_0": "2026-03-08", "date_1": "12:00:00", "text": "The pier opened in 1999.",
        })
    assert response.status_code == 302
    assert len(mail.outbox) == 1


def test_the_article_inline_cites_a_report_and_tells_its_reporter(
        client, report, story, django_capture_on_commit_callbacks):
    report.status = BiasReport.Status.UPHELD
    report.save()
    client.force_login(staff("Editors", "ed"))
    form = client.get(f"/admin/articles/article/{story.pk}/change/").content.decode()
    assert 'name="corrections-__prefix__-bias_report"' in form
    data = {
        "headline": story.headline, "slug": story.slug, "dek": story.dek, "body": story.body,
        "section": story.section_id, "author": story.author_id, "status": "published",
        "published_at_0": story.published_at.strftime("%Y-%m-%d"),
        "published_at_1": story.published_at.strftime("%H:%M:%S"),
        "ai_involvement": "none", "new_tags": "",
        **_inline("related_links", total=0),
        **_inline(kind="clarification", date_0="2026-03-08", date_1="12:00:00",
                  text="We added the operator's reply.", bias_report=report.pk),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/articles/article/{story.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Correction.objects.get().bias_report == report
    (message,) = mail.outbox
    assert "clarification is published" in message.subject


def test_no_email_for_an_open_report_or_without_an_address(
        client, report, story, django_capture_on_commit_callbacks):
    silent = BiasReportFactory(article=story, status="upheld", created_at=FILED)  # no address
    client.force_login(staff("Editors", "ed"))
    for cited in (report, silent):  # open, then without an address
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/admin/standards/correction/add/", {
                "article": story.pk, "bias_report": cited.pk, "kind": "correction",
                "date_0": "2026-03-08", "date_1": "12:00:00", "text": "Fixed.",
            })
    assert Correction.objects.count() == 2
    assert mail.outbox == []


def test_a_correction_cannot_cite_a_report_on_another_story(report):
    correction = Correction(article=ArticleFactory(), bias_report=report, text="x")
    with pytest.raises(ValidationError) as error:
        correction.full_clean()
    assert error.value.message_dict == {
        "bias_report": ["This bias report is about another story."]}


def test_upholding_offers_editors_a_prefilled_correction(client, report, story):
    editor_moderator = staff("Moderators", "both")
    editor_moderator.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor_moderator)
    response = client.post("/admin/standards/biasreport/", {
        "action": "uphold", "_selected_action": [report.pk], "reason": "Right.",
    }, follow=True)
    html = response.content.decode()
    url = (f"/admin/standards/correction/add/?article={story.pk}&amp;bias_report={report.pk}"
           f"&amp;kind=correction")
    assert f'{report.reference} upheld. <a href="{url}">Draft a correction citing it</a>' in html
    # The report's own page offers the same until a correction cites it.
    page = client.get(f"/admin/standards/biasreport/{report.pk}/change/").content.decode()
    assert f'href="{url}"' in page

    form = client.get(url.replace("&amp;", "&")).content.decode()
    assert f'name="bias_report" value="{report.reference}"' in form
    assert f'<option value="{story.pk}" selected>' in form
    assert '<option value="correction" selected>' in form


def test_moderators_who_cannot_add_corrections_are_told_who_will(client, report):
    client.force_login(staff("Moderators", "mod"))
    html = client.post("/admin/standards/biasreport/", {
        "action": "uphold", "_selected_action": [report.pk],
    }, follow=True).content.decode()
    assert "upheld: an editor can now draft the correction" in html
    assert "/admin/standards/correction/add/" not in html
    page = client.get(f"/admin/standards/biasreport/{report.pk}/change/").content.decode()
    assert "None yet: an editor drafts it." in page


def test_upholding_from_the_change_form_offers_the_draft_too(client, report, story):
    user = staff("Moderators", "both")
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    response = client.post(f"/admin/standards/biasreport/{report.pk}/change/", {
        "status": "upheld", "resolution_note": "The year was wrong.",
    }, follow=True)
    assert "Draft a correction citing it" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "upheld" and report.resolved_at is not None


def test_the_confirmation_page_says_what_the_reporter_will_get(client, report):
    # The reporter's browser: a stranger's page says nothing of the report.
    client.cookies[REPORTER_COOKIE] = "reporter-browser-key"
    BiasReport.objects.filter(pk=report.pk).update(
        reporter_key=fingerprint("reporter-browser-key"))
    html = client.get(report.get_confirmation_url()).content.decode()
    assert ("we will email you the decision and, if your report is upheld, a link to the "
            "correction once it is published") in html
