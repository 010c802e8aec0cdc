"""Two moderators, one queue: a decision made on a page loaded earlier never silently
overturns a decision made since, through the admin's lists and change forms as on the desk.

Each moderator is a browser of their own (tests.test_edit_conflicts.Editor):
they load a page, someone else decides, then they act on what they loaded.
"""

import re
from html import unescape

import pytest
from django.core import mail

from comments.models import ModerationAction, ReaderStanding
from standards.models import BiasReport
from standards.workflow import decide_bias_report
from tests.factories import BiasReportFactory, CommentFactory, UserFactory
from tests.test_edit_conflicts import Editor

pytestmark = pytest.mark.django_db

REPORTS = "/admin/standards/biasreport/"
COMMENTS = "/admin/comments/comment/"


class Moderator(Editor):
    def __init__(self, username, full_name):
        super().__init__(username, full_name, group="Moderators")

    def load_list(self, url):
        """The list as drawn now: the time its action form carries."""
        html = self.client.get(url).content.decode()
        drawn = re.search(r'name="drawn" value="([^"]+)"', html)
        assert drawn, "the action form carries when the list was drawn"
        return unescape(drawn.group(1))

    def act(self, url, drawn, action, rows, reason=""):
        return self.client.post(url, {"action": action, "_selected_action": [r.pk for r in rows],
                                      "reason": reason, "drawn": drawn}, follow=True)


@pytest.fixture
def moderators():
    return Moderator("first", "Ada First"), Moderator("second", "Ben Second")


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# Bias reports.


def test_a_list_loaded_before_a_dismissal_does_not_uphold_the_report(
        moderators, django_capture_on_commit_callbacks):
    first, second = moderators
    report = BiasReportFactory(contact_email="reporter@example.com")
    drawn = second.load_list(REPORTS)
    with django_capture_on_commit_callbacks(execute=True):
        first.client.post(f"/admin/moderation/bias-reports/{report.pk}/decide/", {
            "decision": "dismiss", "note": "We checked: the story is fair."})
    report.refresh_from_db()
    assert report.status == BiasReport.Status.DISMISSED
    assert len(mail.outbox) == 1
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = second.act(REPORTS, drawn, "uphold", [report])

    report.refresh_from_db()
    assert report.status == BiasReport.Status.DISMISSED
    assert report.resolution_note == "We checked: the story is fair."
    assert report.moderator.get_username() == "first"
    assert mail.outbox == []
    shown = messages_of(response)
    assert any(f"{report.reference} was already dismissed by first" in m for m in shown)
    assert not any("marked" in m for m in shown)


def test_a_dismissal_from_the_list_needs_its_note(moderators, django_capture_on_commit_callbacks):
    first, _ = moderators
    report = BiasReportFactory(contact_email="reporter@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = first.act(REPORTS, first.load_list(REPORTS), "dismiss", [report], reason="  ")
    report.refresh_from_db()
    assert report.status == BiasReport.Status.NEW
    assert mail.outbox == []
    assert any("write the note the reporter will receive" in m for m in messages_of(response))

    response = first.act(REPORTS, first.load_list(REPORTS), "dismiss", [report],
                         reason="Opinion, labelled as such.")
    report.refresh_from_db()
    assert report.status == BiasReport.Status.DISMISSED
    assert "1 report marked dismissed." in messages_of(response)


def test_only_the_open_reports_of_a_list_are_decided(moderators):
    first, _ = moderators
    open_report, decided = BiasReportFactory(), BiasReportFactory()
    decide_bias_report(decided, BiasReport.Status.UPHELD, UserFactory(username="earlier"))
    response = first.act(REPORTS, first.load_list(REPORTS), "mark_in_review",
                         [open_report, decided])
    open_report.refresh_from_db()
    decided.refresh_from_db()
    assert (open_report.status, decided.status) == ("in_review", "upheld")
    shown = messages_of(response)
    assert "1 report marked in review." in shown
    assert any(f"{decided.reference} was already upheld by earlier" in m for m in shown)


def test_a_new_decision_does_not_carry_the_old_ones_note(django_capture_on_commit_callbacks):
    report = BiasReportFactory(contact_email="reporter@example.com")
    moderator = UserFactory()
    decide_bias_report(report, BiasReport.Status.DISMISSED, moderator, "Fair as written.")
    with django_capture_on_commit_callbacks(execute=True):
        decide_bias_report(report, BiasReport.Status.UPHELD, moderator)
    report.refresh_from_db()
    assert report.resolution_note == ""
    assert "Fair as written." not in mail.outbox[0].body


def test_a_reports_page_saved_over_another_moderators_decision_is_refused(
        moderators, django_capture_on_commit_callbacks):
    first, second = moderators
    report = BiasReportFactory(contact_email="reporter@example.com")
    url = f"{REPORTS}{report.pk}/change/"
    first.open(url)
    second.open(url)
    with django_capture_on_commit_callbacks(execute=True):
        first.save(status="upheld", resolution_note="The headline was loaded.")
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        refused = second.save(status="dismissed", resolution_note="Fair as written.")

    assert refused.status_code == 200
    assert "Someone else saved this bias report after you opened it" in refused.content.decode()
    assert second.value("resolution_note") == "Fair as written."  # kept in the form
    report.refresh_from_db()
    assert (report.status, report.resolution_note) == ("upheld", "The headline was loaded.")
    assert len(mail.outbox) == 1


def test_a_dismissal_on_the_reports_page_needs_its_note(moderators):
    first, _ = moderators
    report = BiasReportFactory(contact_email="reporter@example.org")
    first.open(f"{REPORTS}{report.pk}/change/")
    refused = first.save(status="dismissed", resolution_note="")
    assert refused.status_code == 200
    assert "Write the note the reporter will receive with the dismissal." in (
        refused.content.decode())
    assert first.value("status") == "dismissed"  # what was chosen is kept
    report.refresh_from_db()
    assert report.status == BiasReport.Status.NEW


# Comments.


def test_a_list_loaded_before_an_approval_does_not_hide_the_comment(moderators):
    first, second = moderators
    comment = CommentFactory(body="The council should publish the figures.", status="pending")
    drawn = second.load_list(COMMENTS)
    first.client.post(f"/admin/moderation/comments/{comment.pk}/decide/", {
        "decision": "approve", "version": "new", "reason": "fine by me"})

    response = second.act(COMMENTS, drawn, "hide", [comment], reason="spam")

    comment.refresh_from_db()
    assert (comment.status, comment.moderation_reason) == ("approved", "fine by me")
    assert comment.moderator.get_username() == "first"
    shown = messages_of(response)
    assert not any("hidden." in m for m in shown)
    assert any("decided by someone else since this list was loaded" in m
               and "“The council should publish the figures.”" in m for m in shown)
    assert ModerationAction.objects.filter(action="comment hidden").count() == 0


def test_the_rest_of_the_selection_is_still_decided(moderators):
    first, second = moderators
    decided_since, fresh = CommentFactory(status="pending"), CommentFactory(status="pending")
    drawn = second.load_list(COMMENTS)
    first.client.post(f"/admin/moderation/comments/{decided_since.pk}/decide/", {
        "decision": "approve", "version": "new"})
    response = second.act(COMMENTS, drawn, "hide", [decided_since, fresh])
    decided_since.refresh_from_db()
    fresh.refresh_from_db()
    assert (decided_since.status, fresh.status) == ("approved", "hidden")
    assert "1 comment hidden." in messages_of(response)


def test_a_comment_gone_from_a_filtered_list_is_named_not_counted_as_nothing(moderators):
    first, second = moderators
    comment = CommentFactory(body="Held for a link.", status="pending")
    review = COMMENTS + "?queue=review"
    drawn = second.load_list(review)
    first.client.post(f"/admin/moderation/comments/{comment.pk}/decide/", {
        "decision": "approve", "version": "new"})
    response = second.act(review, drawn, "hide", [comment])
    comment.refresh_from_db()
    assert comment.status == "approved"
    shown = messages_of(response)
    assert "0 comments hidden." not in shown
    assert any("“Held for a link.”" in m for m in shown)


def test_a_comments_page_saved_over_another_moderators_decision_is_refused(moderators):
    first, second = moderators
    comment = CommentFactory(status="pending")
    url = f"{COMMENTS}{comment.pk}/change/"
    first.open(url)
    second.open(url)
    first.save(status="approved", moderation_reason="fine")
    refused = second.save(status="hidden", moderation_reason="spam")
    assert "Someone else saved this comment after you opened it" in refused.content.decode()
    comment.refresh_from_db()
    assert (comment.status, comment.moderation_reason) == ("approved", "fine")


def test_the_comment_lists_reader_link_opens_the_readers_page(moderators):
    first, _ = moderators
    comment = CommentFactory(reader=UserFactory(username="loud"))
    html = first.client.get(COMMENTS).content.decode()
    link = re.search(r'<a href="([^"]+)">loud</a>', html).group(1)
    assert link == f"/admin/accounts/reader/{comment.reader_id}/change/"
    assert first.client.get(link).status_code == 200


def test_the_desk_counts_the_view_a_decision_was_made_on(moderators):
    first, _ = moderators
    held = [CommentFactory(status="pending") for _ in range(3)]
    reported = CommentFactory()
    reported.reports.create(reporter=UserFactory(), reason="spam")
    response = first.client.post(f"/admin/moderation/comments/{held[0].pk}/decide/", {
        "decision": "approve", "version": "new",
        "next": "/admin/moderation/comments/?show=held"}, HTTP_X_REQUESTED_WITH="fetch")
    assert 'data-waiting="2"' in response.content.decode()  # held ones left, not all 3
    response = first.client.post(f"/admin/moderation/comments/{held[1].pk}/decide/", {
        "decision": "approve", "version": "new", "next": "/admin/moderation/comments/"},
        HTTP_X_REQUESTED_WITH="fetch")
    assert 'data-waiting="2"' in response.content.decode()  # everything waiting: 1 + 1


# Readers' standing.


def test_a_standing_set_since_the_page_was_opened_is_said_not_hidden(moderators):
    first, second = moderators
    reader = UserFactory(username="loud")
    url = f"/admin/accounts/reader/{reader.pk}/change/"
    first.open(url)
    second.open(url)
    first.fields.append(("standing-0-is_banned", "on"))  # ticked
    first.save()
    assert ReaderStanding.objects.get(reader=reader).is_banned

    second.fields.append(("standing-0-is_premoderated", "on"))
    refused = second.save()

    html = refused.content.decode()
    assert refused.status_code == 200
    assert "first set this reader’s standing after you opened the page: suspended for good" in (
        unescape(html))
    standing = ReaderStanding.objects.get(reader=reader)
    assert standing.is_banned and not standing.is_premoderated


# The moderation log's dates.


@pytest.mark.parametrize("query", ["created_at__year=9999&created_at__month=12",
                                   "created_at__year=9999&created_at__month=12&created_at__day=31",
                                   "created_at__year=9999"])
def test_the_last_dates_python_holds_are_a_bad_filter_not_an_error(moderators, query):
    first, _ = moderators
    log = "/admin/comments/moderationaction/"
    response = first.client.get(f"{log}?{query}")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    assert first.client.get(f"{log}export.csv?{query}").status_code == 400
    assert first.client.get(f"{log}?created_at__year=2026").status_code == 200


def test_a_comment_chosen_and_deleted_meanwhile_is_said(moderators):
    """QA, 2026-12-06: "1 comment approved." named the one decided by someone else and said
    nothing of the one deleted meanwhile."""
    first, second = moderators
    deleted, decided_since, fresh = (CommentFactory(status="pending") for _ in range(3))
    drawn = second.load_list(COMMENTS)
    first.client.post(f"/admin/moderation/comments/{decided_since.pk}/decide/", {
        "decision": "hide", "version": "new"})
    chosen = [deleted, decided_since, fresh]
    type(deleted).objects.filter(pk=deleted.pk).delete()
    shown = messages_of(second.act(COMMENTS, drawn, "approve", chosen))
    assert "1 comment approved." in shown
    assert any("decided by someone else since this list was loaded" in m for m in shown)
    assert "1 comment chosen was deleted meanwhile: nothing was decided for it." in shown
    fresh.refresh_from_db()
    assert fresh.status == "approved"
