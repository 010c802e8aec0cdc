"""QA round 10, the moderators' desks: notes never cut, and the record keeps them whole."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail

from comments.models import Comment, ModerationAction, ReaderStanding
from standards import workflow
from standards.models import BiasReport
from tests.factories import BiasReportFactory, CommentFactory, UserFactory
from tests.test_edit_conflicts import Editor

pytestmark = pytest.mark.django_db
User = get_user_model()

REPORTS = "/admin/standards/biasreport/"
COMMENTS = "/admin/comments/comment/"


def _box(html, name):
    """The input or textarea named name in html."""
    found = re.search(rf'<(?:input|textarea)[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert found, f"no box named {name}"
    return found[0]


def _said(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def moderator():
    return Editor("mod", "Mo Derator", "Moderators")


@pytest.mark.parametrize("url, make", [
    (REPORTS, lambda: BiasReportFactory(contact_email="reporter@example.com")),
    (COMMENTS, lambda: CommentFactory(status="pending")),
], ids=["bias reports", "comments"])
def test_the_lists_note_box_has_no_maxlength_to_cut_a_pasted_note(moderator, url, make):
    """The browser cut a note pasted there to the limit without a word, and the cut note
    went to the log, and to the reporter by email; the server's refusal never showed."""
    make()
    box = _box(moderator.client.get(url).content.decode(), "reason")
    assert "maxlength" not in box


def test_a_note_over_the_limit_on_the_reports_list_is_still_refused(moderator):
    report = BiasReportFactory(contact_email="reporter@example.com")
    note = "n" * (workflow.NOTE_MAX_CHARS + 1)
    response = moderator.client.post(REPORTS, {
        "action": "dismiss", "index": "0", "reason": note, "_selected_action": [report.pk]},
        follow=True)
    assert _said(response) == [
        "Nothing was decided. A reason can be at most 2000 characters (this one has 2001): "
        "shorten it, then choose the reports again."]
    report.refresh_from_db()
    assert report.status == BiasReport.Status.NEW and not mail.outbox


def test_a_note_over_the_limit_on_the_comments_list_is_still_refused(moderator):
    comment = CommentFactory(status="pending")
    response = moderator.client.post(COMMENTS, {
        "action": "hide", "index": "0", "reason": "r" * 301, "_selected_action": [comment.pk]},
        follow=True)
    assert _said(response) == [
        "Nothing was decided. A reason can be at most 300 characters (this one has 301): "
        "shorten it, then choose the comments again."]
    comment.refresh_from_db()
    assert comment.status == "pending" and not ModerationAction.objects.exists()


def test_a_reports_own_page_refuses_a_note_longer_than_the_desk_takes(
        moderator, django_capture_on_commit_callbacks):
    """The desk and the list refuse a note over 2,000 characters; the report's own page took
    any length, and emailed it to the reporter."""
    report = BiasReportFactory(contact_email="reporter@example.com")
    moderator.open(f"{REPORTS}{report.pk}/change/")
    note = "The figures were checked against the port's own. " * 41 + "x"  # 2,010
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator.save(status="dismissed", resolution_note=note)

    assert response.status_code == 200
    html = response.content.decode()
    assert ("A note can be at most 2,000 characters, and this one has 2,010: shorten it, "
            "then save again.") in html
    assert "The figures were checked against the port&#x27;s own." in html  # kept to edit
    report.refresh_from_db()
    assert report.status == BiasReport.Status.NEW and report.resolution_note == ""
    assert not mail.outbox and not ModerationAction.objects.exists()


def test_a_reports_own_page_takes_a_note_of_2000_characters(
        moderator, django_capture_on_commit_callbacks):
    report = BiasReportFactory(contact_email="reporter@example.com")
    moderator.open(f"{REPORTS}{report.pk}/change/")
    note = "x" * workflow.NOTE_MAX_CHARS
    with django_capture_on_commit_callbacks(execute=True):
        assert moderator.save(status="dismissed", resolution_note=note).status_code == 302
    report.refresh_from_db()
    assert report.status == BiasReport.Status.DISMISSED and report.resolution_note == note
    assert len(mail.outbox) == 1 and note in "".join(mail.outbox[0].body.split())


def test_the_log_keeps_the_whole_note_the_reporter_was_sent(
        moderator, django_capture_on_commit_callbacks):
    """The log cut a note to 300 characters. Once the note was edited (or the story and its
    reports deleted), the rest of what the reporter was emailed was on no record."""
    report = BiasReportFactory(contact_email="reporter@example.com")
    sent = "We compared the story with the council's minutes line by line. " * 30
    sent = sent.strip()
    assert 300 < len(sent) <= workflow.NOTE_MAX_CHARS
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator.client.post(f"/admin/moderation/bias-reports/{report.pk}/decide/",
                                         {"decision": "dismiss", "note": sent})
    assert response.status_code == 303
    assert sent in " ".join(mail.outbox[0].body.split())  # its lines wrapped

    moderator.open(f"{REPORTS}{report.pk}/change/")
    assert moderator.save(resolution_note="Fair as written.").status_code == 302

    log = list(ModerationAction.objects.order_by("pk").values_list("action", "reason"))
    assert log == [("bias report dismissed", sent),
                   ("bias report note edited", "Fair as written.")]


def test_the_log_holds_the_longest_note_a_decision_may_carry():
    assert (ModerationAction._meta.get_field("reason").max_length
            >= workflow.NOTE_MAX_CHARS)


def test_a_comments_own_page_refuses_a_long_reason_rather_than_cutting_it(moderator):
    comment = CommentFactory(status="pending")
    page = moderator.open(f"{COMMENTS}{comment.pk}/change/").content.decode()
    assert "maxlength" not in _box(page, "moderation_reason")
    response = moderator.save(status="hidden", moderation_reason="a" * 301)
    assert response.status_code == 200
    assert "at most 300 characters (it has 301)" in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == "pending" and comment.moderation_reason == ""
    assert not ModerationAction.objects.exists()


def test_a_readers_standing_note_box_has_no_maxlength(moderator):
    reader = UserFactory(username="ana")
    ReaderStanding.objects.create(reader=reader, note="Warned in March.")
    page = moderator.open(f"/admin/accounts/reader/{reader.pk}/change/").content.decode()
    assert "maxlength" not in _box(page, "standing-0-note")
    response = moderator.save(**{"standing-0-note": "b" * 301})
    assert response.status_code == 200
    assert "at most 300 characters (it has 301)" in response.content.decode()
    assert ReaderStanding.objects.get(reader=reader).note == "Warned in March."
    assert Comment.objects.count() == 0


def test_a_note_for_a_report_deleted_meanwhile_is_shown_to_copy(moderator):
    """Its story deleted while the triage was open: the comment desk kept the note, the
    triage lost it."""
    report = BiasReportFactory(contact_email="reporter@example.com")
    note = "Checked against the minutes: the quote is accurate, the figure is not."
    report.article.delete()
    response = moderator.client.post(f"/admin/moderation/bias-reports/{report.pk}/decide/",
                                      {"decision": "uphold", "note": note})
    assert response.status_code == 404
    html = response.content.decode()
    assert "That report no longer exists" in html
    assert 'class="desk-note-kept"' in html and note in html


# The reports' list deciding many at once.


def _choose(moderator, action, reports, reason=""):
    return moderator.client.post(REPORTS, {
        "action": action, "index": "0", "reason": reason,
        "_selected_action": [report.pk for report in reports]}, follow=True)


def test_upholding_many_from_the_list_says_so_in_one_message_not_one_a_report(moderator):
    """500 upheld at once gave 501 messages above the list, one offer of a draft each."""
    reports = BiasReportFactory.create_batch(7)
    said = _said(_choose(moderator, "uphold", reports))
    refs = [report.reference for report in reports]
    assert said == ["7 reports marked upheld.",
                    f"{', '.join(refs[:5])} and 2 more upheld: an editor can now draft each "
                    f"correction from its report's page."]
    assert BiasReport.objects.filter(status="upheld").count() == 7


def test_a_moderator_who_edits_upholding_a_few_is_offered_each_draft():
    both = Editor("both", "Bo Th", "Moderators")
    Group.objects.get(name="Editors").user_set.add(User.objects.get(username="both"))
    reports = BiasReportFactory.create_batch(2)
    said = _said(_choose(both, "uphold", reports))
    assert said[0] == "2 reports marked upheld."
    assert [text.split(". <a")[0] for text in said[1:]] == [
        f"{report.reference} upheld" for report in reports]


def test_many_refused_from_the_list_are_counted_after_the_first_five(moderator):
    other = UserFactory(username="ada", is_staff=True)
    reports = BiasReportFactory.create_batch(8)
    for report in reports:
        workflow.decide_bias_report(report, BiasReport.Status.UPHELD, other, "Upheld.")
    said = _said(_choose(moderator, "dismiss", reports, "Fair as written."))
    assert said == [
        *(f"{report.reference} was already upheld by ada; change it from the report’s admin "
          f"page if it must be reopened." for report in reports[:5]),
        "3 more reports chosen were not decided either, for the same kinds of reason."]


def test_a_report_deleted_while_the_list_decides_is_said_and_the_others_are_emailed(
        moderator, monkeypatch, django_capture_on_commit_callbacks):
    """Its story deleted by an editor while the list's decision ran: a 500, and the reports
    decided before it were never emailed (the emails go after the loop)."""
    first = BiasReportFactory(contact_email="one@example.com")
    gone = BiasReportFactory(contact_email="two@example.com")
    refusal = workflow.refusal

    def editor_deletes_meanwhile(report, *args, **kwargs):
        if report.pk == first.pk:
            gone.article.delete()
        return refusal(report, *args, **kwargs)

    monkeypatch.setattr(workflow, "refusal", editor_deletes_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        response = _choose(moderator, "dismiss", [first, gone], "Fair as written.")
    assert response.status_code == 200
    assert _said(response) == [
        "1 report marked dismissed.",
        f"{gone.reference} no longer exists: it was deleted meanwhile, or its story was. "
        f"Nothing was decided for it."]
    assert [message.to for message in mail.outbox] == [["one@example.com"]]


def test_a_comment_deleted_while_the_list_decides_is_said_not_a_server_error(
        moderator, monkeypatch):
    """Its story deleted while the list's decision ran over the others: a 500."""
    from comments import moderation

    first = CommentFactory(status="pending")
    gone = CommentFactory(status="pending")
    decide = moderation.decide_comment

    def editor_deletes_meanwhile(comment, *args, **kwargs):
        if comment.pk == first.pk:
            gone.article.delete()
        return decide(comment, *args, **kwargs)

    monkeypatch.setattr(moderation, "decide_comment", editor_deletes_meanwhile)
    response = moderator.client.post(COMMENTS, {
        "action": "approve", "index": "0", "reason": "",
        "_selected_action": [first.pk, gone.pk]}, follow=True)
    assert response.status_code == 200
    assert _said(response) == [
        "1 comment approved.",
        "1 comment chosen was deleted meanwhile: nothing was decided for it."]
    assert Comment.objects.get(pk=first.pk).status == "approved"


# A moderator's account, deleted: their decisions kept their place but lost their name.


@pytest.fixture
def decided_by_moderator():
    """A comment hidden by "modx", a moderator."""
    from comments import moderation

    modx = UserFactory(username="modx", is_staff=True, password="a-long-test-passphrase")
    modx.groups.add(Group.objects.get(name="Moderators"))
    comment = CommentFactory(status="pending")
    moderation.decide_comment(comment, Comment.Status.HIDDEN, modx, "Spam link.")
    return modx


def test_an_administrator_cannot_delete_a_moderator_with_decisions_on_record(
        client, decided_by_moderator):
    """The deletion took their name off every decision in the log, and the page confirming
    it listed none of them."""
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = f"/admin/auth/user/{decided_by_moderator.pk}/delete/"
    page = client.get(url).content.decode()
    assert "would require deleting the following protected related objects" in page
    assert "Moderation action" in page
    client.post(url, {"post": "yes"})
    assert User.objects.filter(pk=decided_by_moderator.pk).exists()
    assert ModerationAction.objects.get().moderator == decided_by_moderator


def test_a_former_moderator_deleting_their_account_is_told_why_it_stays(
        client, decided_by_moderator):
    decided_by_moderator.groups.clear()
    decided_by_moderator.is_staff = False
    decided_by_moderator.save()
    client.force_login(decided_by_moderator)
    response = client.post("/accounts/delete/", {"password": "a-long-test-passphrase"})
    assert response.status_code == 400
    assert ("This account is named as the moderator of decisions in the moderation log, so it "
            "cannot be deleted here.") in response.content.decode()
    assert User.objects.filter(pk=decided_by_moderator.pk).exists()


def test_a_moderator_who_decided_nothing_can_still_be_deleted(client):
    idle = UserFactory(username="idle", is_staff=True)
    idle.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.post(f"/admin/auth/user/{idle.pk}/delete/",
                       {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=idle.pk).exists()
