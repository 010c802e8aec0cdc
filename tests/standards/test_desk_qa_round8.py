"""The moderators' desk, QA of 2026-12-06: what a moderator types is kept or refused, never
cut or changed on the way; a report is found by the reference its reporter quotes."""

import pytest

from standards.models import BiasReport
from tests.factories import ArticleFactory, BiasReportFactory

pytestmark = pytest.mark.django_db

REPORTS = "/admin/standards/biasreport/"


def listed(client, query):
    response = client.get(REPORTS, {"q": query})
    assert response.status_code == 200
    return {report.pk for report in response.context["cl"].result_list}


def test_a_report_is_found_by_the_reference_its_reporter_quotes(moderator):
    story = ArticleFactory(headline="Harbour talks resume")
    first, second = BiasReportFactory(article=story), BiasReportFactory(article=story)
    BiasReportFactory(article=story, details=f"Compare with report {second.pk}.")
    for query in (second.reference, second.reference.lower(), f"BR-{second.pk}",
                  f" {second.reference} "):
        assert listed(moderator, query) == {second.pk}, query
    # A bare number is a reference too, and still words in a report.
    assert second.pk in listed(moderator, str(second.pk))
    assert len(listed(moderator, str(second.pk))) == 2
    assert listed(moderator, "Harbour") == set(BiasReport.objects.values_list("pk", flat=True))
    assert listed(moderator, "BR-999999") == set()
    assert listed(moderator, "BR-99999999999999999999") == set()
    assert first.pk not in listed(moderator, second.reference)


TRIAGE = "/admin/moderation/bias-reports/"
LONG_NOTE = "Our reporter checked the figures with the harbour office. " * 40 + "END"


def decide(client, report, decision, note):
    return client.post(f"{TRIAGE}{report.pk}/decide/",
                       {"decision": decision, "note": note, "next": TRIAGE})


@pytest.fixture
def report():
    return BiasReportFactory(article=ArticleFactory(headline="Harbour talks resume"),
                             contact_email="reporter@example.org")


def test_the_triage_refuses_a_note_too_long_and_shows_it_to_copy(moderator, report, mailoutbox):
    assert len(LONG_NOTE) > 2000
    response = decide(moderator, report, "dismiss", LONG_NOTE)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"this one has {len(LONG_NOTE):,}" in page and "Nothing was decided" in page
    assert "END</textarea>" in page  # all of it, to copy
    report.refresh_from_db()
    assert report.status == BiasReport.Status.NEW and report.resolution_note == ""
    assert mailoutbox == []
    assert decide(moderator, report, "dismiss", LONG_NOTE[:2000]).status_code == 303
    report.refresh_from_db()
    assert report.status == BiasReport.Status.DISMISSED
    assert report.resolution_note == LONG_NOTE[:2000].strip()


def test_the_report_list_refuses_a_note_too_long_rather_than_cut_it(moderator, report):
    response = moderator.post(REPORTS, {"action": "dismiss", "index": "0", "reason": LONG_NOTE,
                                        "_selected_action": [report.pk]}, follow=True)
    said = [str(message) for message in response.context["messages"]]
    assert said == [f"Nothing was decided. A reason can be at most 2000 characters (this one "
                    f"has {len(LONG_NOTE)}): shorten it, then choose the reports again."]
    report.refresh_from_db()
    assert report.status == BiasReport.Status.NEW and report.resolution_note == ""
    page = moderator.get(REPORTS).content.decode()
    # No maxlength: the browser cut a pasted note there unsaid (tests/test_qa10_moderation.py).
    assert 'name="reason"' in page and 'maxlength="2000"' not in page


def test_a_note_for_a_report_decided_meanwhile_is_shown_to_copy(moderator, report):
    assert decide(moderator, report, "uphold", "Checked: the figure was wrong.").status_code \
        == 303
    response = decide(moderator, report, "dismiss", "Second thoughts, from an old tab.")
    assert response.status_code == 409
    page = response.content.decode()
    # The moderator decided it from another tab: said as such, not by their username.
    assert f"{report.reference} was already upheld by you" in page
    assert "Second thoughts, from an old tab.</textarea>" in page
    report.refresh_from_db()
    assert report.status == BiasReport.Status.UPHELD


def test_the_triage_note_is_not_filled_in_by_the_browser(moderator, report):
    page = moderator.get(TRIAGE).content.decode()
    assert f'id="note-{report.pk}" name="note"' in page
    assert f'<textarea id="note-{report.pk}" name="note" rows="2" autocomplete="off">' in page


def test_the_moderation_log_reads_as_the_record_it_logs(moderator, report):
    """A note with a right-to-left override was stored without it on the report and with
    it in the log, which then showed the note backwards."""
    from comments.models import ModerationAction

    note = "Spam link \u202eapproved by editor-in-chief"
    assert decide(moderator, report, "dismiss", note).status_code == 303
    report.refresh_from_db()
    [entry] = ModerationAction.objects.all()
    assert "\u202e" not in report.resolution_note
    assert entry.reason == report.resolution_note == "Spam link approved by editor-in-chief"


def test_a_moderator_whose_permissions_went_is_told_on_the_desk_with_the_note(client, report):
    """QA, 2026-12-06: taken out of Moderators with the queue open, the moderator's decision
    landed on the public site's "This page is not open to your account", the note lost."""
    from django.contrib.auth.models import Group

    from comments.models import Comment
    from tests.articles.newsroom import staff
    from tests.factories import CommentFactory

    moderator = staff("Moderators", username="mod3")
    client.force_login(moderator)
    comment = CommentFactory(status=Comment.Status.PENDING)
    moderator.groups.remove(Group.objects.get(name="Moderators"))
    for url, data, said in [
        (f"{TRIAGE}{report.pk}/decide/", {"decision": "dismiss", "note": "Checked: fair."},
         "may no longer decide bias reports"),
        (f"/admin/moderation/comments/{comment.pk}/decide/",
         {"decision": "hide", "reason": "Checked: fair.", "version": "new"},
         "may no longer decide comments")]:
        response = client.post(url, {**data, "next": TRIAGE})
        page = response.content.decode()
        assert response.status_code == 403
        assert f"Nothing was decided: your account {said}" in page
        assert "Checked: fair.</textarea>" in page
        assert "EVA DAILY newsroom" in page  # the desk's page, not the public site's
    report.refresh_from_db()
    comment.refresh_from_db()
    assert report.status == BiasReport.Status.NEW and comment.status == Comment.Status.PENDING
