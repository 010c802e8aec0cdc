"""The moderators' desk, keys QA round: a dismissal refused for want of a note says where
the note goes, to the reporter or, when they left no email, to the record alone; the
comment queue's key legend and its off switch are there for the script to show."""

import pytest
from django.contrib.auth.models import Group

from standards import workflow
from standards.models import BiasReport
from tests.factories import BiasReportFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

TRIAGE = "/admin/moderation/bias-reports/"
QUEUE = "/admin/moderation/comments/"


@pytest.fixture
def moderator(client):
    user = UserFactory(username="mod", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    return user


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_a_refused_dismissal_without_an_email_asks_for_a_note_for_the_record(
        client, moderator):
    report = BiasReportFactory()
    response = client.post(f"{TRIAGE}{report.pk}/decide/",
                           {"decision": "dismiss", "note": "", "next": TRIAGE}, follow=True)
    [said] = [text for text in messages_of(response) if "was not dismissed" in text]
    assert said.startswith(f"{report.reference} was not dismissed: write a note for the record")
    assert "left no email" in said
    assert "will receive" not in said
    report.refresh_from_db()
    assert report.status == BiasReport.Status.NEW


def test_a_refused_dismissal_with_an_email_still_names_the_reporter(client, moderator):
    report = BiasReportFactory(contact_email="reader@example.org")
    response = client.post(f"{TRIAGE}{report.pk}/decide/",
                           {"decision": "dismiss", "note": "\u200b", "next": TRIAGE},
                           follow=True)
    assert f"{report.reference} was not dismissed: write the note the reporter will receive " \
           "with the decision." in messages_of(response)
    report.refresh_from_db()
    assert report.status == BiasReport.Status.NEW


def test_the_refusal_itself_follows_the_email():
    silent = BiasReportFactory()
    assert "for the record" in workflow.refusal(silent, BiasReport.Status.DISMISSED, "")
    told = BiasReportFactory(contact_email="reader@example.org")
    assert "reporter will receive" in workflow.refusal(told, BiasReport.Status.DISMISSED, "")
    assert workflow.refusal(silent, BiasReport.Status.DISMISSED, "Not loaded.") is None


def test_the_queue_has_the_key_legend_and_its_switch_hidden_without_javascript(
        client, moderator):
    CommentFactory(status="pending", hold_reason="Contains a link")
    page = client.get(QUEUE).content.decode()
    # Hidden until desk.js shows it: without JavaScript there are no keys to explain.
    assert '<div class="desk-keys" data-desk-keys hidden>' in page
    assert 'type="button" class="desk-keys-switch" aria-pressed="true" data-desk-keys-switch' \
        in page
    assert "only while that comment has the focus" in page


def test_the_report_admin_asks_for_the_note_the_reporter_gets_only_when_there_is_an_email():
    from django.test import Client

    from tests.test_mod_qa_round import html, staff

    client = Client()
    client.force_login(staff("Moderators", "admin-mod"))
    for email, said in (("reporter@example.org", "Write the note the reporter will receive"),
                        ("", "Write a note for the record saying why")):
        report = BiasReportFactory(contact_email=email)
        response = client.post(f"/admin/standards/biasreport/{report.pk}/change/",
                               {"status": "dismissed", "resolution_note": ""})
        assert said in html(response), email
