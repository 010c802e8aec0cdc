"""What reporters are emailed, QA round (email2): no correction link while its story is not
public (it is sent once the story is public again), and outcome emails limited per inbox,
one for all of an address's reports decided together."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from standards import notices
from standards.models import BiasReport, Correction, HeldNotice
from standards.workflow import decide_bias_report
from tests.articles.newsroom import article_form, change_url, staff
from tests.factories import ArticleFactory, BiasReportFactory, CorrectionFactory, UserFactory

pytestmark = pytest.mark.django_db

REPORTER = "reporter@example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://news.example"


@pytest.fixture
def story():
    return ArticleFactory(slug="harbour", headline="Harbour reopens",
                          published_at=timezone.now() - timedelta(days=10))


@pytest.fixture
def report(story):
    return BiasReportFactory(article=story, reason="factual_error", contact_email=REPORTER,
                             created_at=timezone.now() - timedelta(days=9))


def correction_form(story, report, text="The pier opened in 1998."):
    date = timezone.localtime(timezone.now() - timedelta(days=1))
    return {"article": story.pk, "bias_report": report.reference, "kind": "correction",
            "date_0": date.strftime("%Y-%m-%d"), "date_1": date.strftime("%H:%M:%S"),
            "text": text}


def path_of(url):
    return url.removeprefix("https://news.example")


# Finding 3: a correction's link only while its story is public.

def test_a_correction_on_a_withdrawn_story_is_sent_once_the_story_is_public_again(
        client, story, report, django_capture_on_commit_callbacks):
    BiasReport.objects.filter(pk=report.pk).update(status=BiasReport.Status.UPHELD,
                                                   resolved_at=timezone.now())
    client.force_login(staff("Editors", username="ed"))
    # The story is taken down (back to draft), and the correction written meanwhile.
    response = client.post(change_url(story), article_form(story, status="draft"))
    assert response.status_code == 302, response.content.decode()[:2000]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/standards/correction/add/", correction_form(story, report))
    assert response.status_code == 302, response.content.decode()[:2000]
    correction = Correction.objects.get()
    assert mail.outbox == []  # its link would answer 404
    assert HeldNotice.objects.filter(correction=correction).exists()

    # Published again: the reporter gets the link, and it opens.
    story.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(story), article_form(story, status="published"))
    assert response.status_code == 302, response.content.decode()[:2000]
    (message,) = mail.outbox
    assert message.to == [REPORTER]
    assert message.subject == f"Your bias report {report.reference}: the correction is published"
    assert "The pier opened in 1998." in message.body
    (link,) = re.findall(r"https://news\.example/\S+", message.body)
    assert link.endswith(f"/articles/harbour/#correction-{correction.pk}")
    client.logout()
    assert client.get(path_of(link).partition("#")[0]).status_code == 200
    assert not HeldNotice.objects.exists()

    # Saved again, or taken down and published again: told once.
    story.refresh_from_db()
    client.force_login(staff("Editors", username="ed2"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(story), article_form(story, status="draft"))
        story.refresh_from_db()
        client.post(change_url(story), article_form(story, status="published"))
    assert len(mail.outbox) == 1


def test_a_held_correction_whose_report_was_reopened_is_not_sent(
        story, report, django_capture_on_commit_callbacks):
    story.status = story.Status.DRAFT
    story.save()
    BiasReport.objects.filter(pk=report.pk).update(status=BiasReport.Status.UPHELD)
    report.refresh_from_db()
    correction = CorrectionFactory(article=story, bias_report=report,
                                   date=timezone.now() - timedelta(days=1))
    notices.correction_cites_report(correction)
    assert HeldNotice.objects.count() == 1
    BiasReport.objects.filter(pk=report.pk).update(status=BiasReport.Status.IN_REVIEW)
    story.status = story.Status.PUBLISHED
    with django_capture_on_commit_callbacks(execute=True):
        story.save()
    assert mail.outbox == [] and not HeldNotice.objects.exists()


def test_the_outcome_on_a_withdrawn_story_links_nothing_and_the_link_follows(
        story, report, django_capture_on_commit_callbacks):
    correction = CorrectionFactory(article=story, bias_report=report,
                                   date=timezone.now() - timedelta(days=1))
    story.status = story.Status.DRAFT
    story.save()
    report.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        decide_bias_report(report, BiasReport.Status.UPHELD, UserFactory(username="mod"))
    (outcome,) = mail.outbox
    assert "/articles/" not in outcome.body
    assert "What we published" not in outcome.body
    body = " ".join(outcome.body.split())
    assert ("We have written the correction that follows your report, and will email you "
            "its link once the story is published again.") in body
    assert "The story is not published at the moment." in body

    story.status = story.Status.PUBLISHED
    with django_capture_on_commit_callbacks(execute=True):
        story.save()
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == (f"Your bias report {report.reference}: the correction "
                                      f"is published")
    assert f"/articles/harbour/#correction-{correction.pk}" in mail.outbox[1].body


# Finding 4: outcome emails take from the inbox's allowance; one email per address.

def test_a_bulk_dismissal_sends_each_address_one_email(client, django_capture_on_commit_callbacks):
    client.force_login(staff("Moderators", username="mod"))
    ana = [BiasReportFactory(contact_email="ana@example.org" if n % 2 else "Ana+br@example.org")
           for n in range(7)]
    bo = BiasReportFactory(contact_email="bo@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/standards/biasreport/", {
            "action": "dismiss", "_selected_action": [r.pk for r in [*ana, bo]],
            "reason": "Checked against the sources: fair.",
        }, follow=True)
    assert "8 reports marked dismissed." in response.content.decode()
    assert BiasReport.objects.filter(status=BiasReport.Status.DISMISSED).count() == 8
    assert sorted(m.to[0] for m in mail.outbox) == ["Ana+br@example.org", "bo@example.org"]
    together = next(m for m in mail.outbox if m.to != ["bo@example.org"])
    references = ", ".join(r.reference for r in ana)
    assert together.subject == f"Your bias reports {references}: dismissed"
    body = " ".join(together.body.split())  # the text is wrapped at 78 characters
    for each in ana:
        assert f"{each.reference} on “{each.article.headline}”: dismissed." in body
    assert body.count("The moderator's note: Checked against the sources: fair.") == 7
    single = next(m for m in mail.outbox if m.to == ["bo@example.org"])
    assert single.subject == f"Your bias report {bo.reference}: dismissed"


@pytest.mark.django_db(transaction=True)
def test_outcome_emails_stop_at_the_inbox_allowance_and_the_moderator_is_told(client):
    client.force_login(staff("Moderators", username="mod"))
    spellings = ["ana@example.org", "ANA@example.org", "ana+1@example.org",
                 "ana@example.org", "Ana+2@Example.org", "ana@example.org"]
    reports = [BiasReportFactory(contact_email=email) for email in spellings]
    pages = []
    for report in reports:
        response = client.post(f"/admin/moderation/bias-reports/{report.pk}/decide/",
                               {"decision": "dismiss", "note": "Fair as written.",
                                "next": "/admin/moderation/bias-reports/"}, follow=True)
        assert response.status_code == 200
        pages.append(response.content.decode())
    # One inbox, however it is spelt: five emails an hour, every form's and decision's.
    assert len(mail.outbox) == 5
    last = reports[-1]
    assert f"{last.reference} dismissed. The reporter is emailed your note." not in pages[-1]
    assert (f"{last.reference}: The reporter was not emailed: their address has had as many "
            f"emails from us as we send one address in an hour.") in pages[-1]
    assert f"{last.reference} dismissed." in pages[-1]
    assert f"{reports[0].reference} dismissed. The reporter is emailed your note." in pages[0]
    assert BiasReport.objects.filter(status=BiasReport.Status.DISMISSED).count() == 6


def test_a_bulk_decision_past_the_allowance_says_whose_reporter_was_not_told(
        client, django_capture_on_commit_callbacks):
    from core import ratelimit

    for _ in range(5):  # the inbox had its five emails this hour
        assert not ratelimit.acquire(ratelimit.INBOX_LIMITS, ratelimit.email_key("cy@example.org"))
    client.force_login(staff("Moderators", username="mod"))
    report = BiasReportFactory(contact_email="cy@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/standards/biasreport/", {
            "action": "dismiss", "_selected_action": [report.pk], "reason": "Fair.",
        }, follow=True)
    assert mail.outbox == []
    assert (f"{report.reference}: The reporter was not emailed: their address has had as "
            f"many emails from us") in response.content.decode()


def test_deleting_the_account_forgets_an_email_naming_its_report_among_others(flaky_mail):
    from django_tasks_db.models import DBTaskResult

    bob = UserFactory(username="bob", email="bob@example.org")
    mine = BiasReportFactory(reader=bob, contact_email="bob.private@example.net",
                             status=BiasReport.Status.DISMISSED)
    # Filed signed out, from the same address, and decided with it.
    signed_out = BiasReportFactory(contact_email="bob.private@example.net",
                                   status=BiasReport.Status.DISMISSED)
    notices.send_outcomes([mine, signed_out])
    (task,) = DBTaskResult.objects.filter(task_path="core.mail.send_email")
    assert task.args_kwargs["kwargs"]["subject"] == (
        f"Your bias reports {mine.reference}, {signed_out.reference}: dismissed")
    client = Client()
    client.force_login(bob)
    assert client.post("/accounts/delete/",
                       {"password": "a-long-test-passphrase"}).status_code == 302
    assert not DBTaskResult.objects.filter(task_path="core.mail.send_email").exists()
