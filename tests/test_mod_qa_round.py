"""The moderators' desk, QA round: an undo never lifts a restriction made since; a decide
or undo address opened (after signing in again) leads back to the queue; Enter in a card's
note sends nothing; a comment or report deleted meanwhile; invisible dismissal notes; the
note given with "In review"; a reason edited in the admin is logged; conflict messages
name who decided; passages marked on word edges; the 403 page; a story no longer public."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from comments import moderation
from comments.models import Comment, ModerationAction, ReaderStanding
from standards import workflow
from standards.models import BiasReport
from standards.passages import mark_passage, story_blocks
from tests.factories import ArticleFactory, BiasReportFactory, CommentFactory, UserFactory
from tests.test_edit_conflicts import Editor

pytestmark = pytest.mark.django_db

QUEUE = "/admin/moderation/comments/"
TRIAGE = "/admin/moderation/bias-reports/"
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def moderator(client):
    user = staff("Moderators", "mod")
    client.force_login(user)
    return user


def decide(client, comment, decision, headers=None, **data):
    return client.post(f"/admin/moderation/comments/{comment.pk}/decide/", {
        "decision": decision, "version": "new", "next": QUEUE, **data}, **(headers or {}))


def undo_url(action):
    return f"/admin/moderation/decisions/{action.pk}/undo/"


def html(response):
    return response.content.decode()


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# 1. Undoing a restriction leaves a standing changed since.

def test_a_second_restriction_from_a_card_drawn_before_the_first_is_refused(client, moderator):
    """Both cards offered "Hide and restrict"; the second would log a restriction that
    changed nothing and name its moderator on the standing (QA, 2026-12-06)."""
    reader = UserFactory(username="bob")
    first = CommentFactory(reader=reader, status="pending")
    second = CommentFactory(reader=reader, status="pending")
    page = html(client.get(QUEUE))
    assert page.count('value="restrict"') == 2  # both cards drawn before either decision
    decide(client, first, "restrict")
    standing = ReaderStanding.objects.get(reader=reader)
    response = decide(client, second, "restrict", FETCH)
    assert response.status_code == 409
    assert ("bob is in pre-moderation already (set by mod). Nothing was decided: use "
            "Hide to hide this comment.") in html(response)
    assert 'value="restrict"' not in html(response)  # the card again, with Hide
    second.refresh_from_db()
    assert second.status == "pending"
    assert ModerationAction.objects.count() == 1
    assert ReaderStanding.objects.get(reader=reader).updated_at == standing.updated_at
    decide(client, second, "hide")
    second.refresh_from_db()
    assert second.status == "hidden"


def test_undoing_a_restriction_leaves_another_moderators_standing_edit(client, moderator):
    reader = UserFactory(username="bob")
    comment = CommentFactory(reader=reader, status="pending")
    decide(client, comment, "restrict")
    other = staff("Moderators", "other")
    standing = ReaderStanding.objects.get(reader=reader)
    until = timezone.now() + timedelta(days=7)
    standing.suspended_until, standing.updated_by = until, other
    standing.save()

    response = client.post(undo_url(ModerationAction.objects.get()), {"next": QUEUE}, **FETCH)

    standing.refresh_from_db()
    assert standing.suspended_until == until and standing.is_premoderated
    assert standing.updated_by == other
    # The card comes back, saying why the standing stayed.
    assert f'id="comment-{comment.pk}"' in html(response)
    assert re.search(r"data-desk-card-notice>The reader’s standing was left as it is "
                     r"\(suspended until .*; then pre-moderated\): it was changed after that "
                     r"decision by other", html(response))


def test_undoing_restrictions_latest_first_puts_the_standing_back(client, moderator):
    reader = UserFactory(username="bob")
    first = CommentFactory(reader=reader, status="pending")
    second = CommentFactory(reader=reader, status="pending")
    decide(client, first, "restrict")
    standing = ReaderStanding.objects.get(reader=reader)
    standing.is_premoderated = False  # lifted in the readers' admin, then restricted again
    standing.save()
    decide(client, second, "restrict")
    for comment in (second, first):
        action = ModerationAction.objects.get(target__startswith=f"comment {comment.pk} ",
                                              undo__isnull=False)
        moderation.undo_decision(action, moderator)
    standing = ReaderStanding.objects.get(reader=reader)
    assert not standing.is_premoderated


# 2. A decide or undo address opened, not posted to: a page back to the queue.

def test_a_decide_or_undo_address_opened_leads_back_to_the_queue(client, moderator):
    comment = CommentFactory(status="pending")
    decide(client, comment, "hide")
    report = BiasReportFactory()
    for url, back in [(f"/admin/moderation/comments/{comment.pk}/decide/", QUEUE),
                      (undo_url(ModerationAction.objects.get()), QUEUE),
                      (f"/admin/moderation/bias-reports/{report.pk}/decide/", TRIAGE)]:
        response = client.get(url)
        assert response.status_code == 405 and response["Allow"] == "POST"
        page = html(response)
        assert "Nothing was decided" in page and "asked to sign in again" in page
        assert f'href="{back}"' in page
    comment.refresh_from_db()
    assert comment.status == "hidden"


def test_after_signing_in_again_the_decide_address_is_no_blank_page(client):
    """The session ended: the decision's POST went to the sign-in, which comes back to it."""
    comment = CommentFactory(status="pending")
    decide_url = f"/admin/moderation/comments/{comment.pk}/decide/"
    response = client.post(decide_url, {"decision": "approve", "version": "new"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(staff("Moderators", "mod"))
    page = client.get(decide_url)
    assert page.status_code == 405 and "Back to the comment queue" in html(page)
    comment.refresh_from_db()
    assert comment.status == "pending"


# 3. Enter in the note does not approve.

def test_the_cards_note_is_a_textarea_so_enter_sends_nothing(client, moderator):
    comment = CommentFactory(status="pending")
    form = re.search(r'<form class="desk-decide".*?</form>', html(client.get(QUEUE)), re.S)[0]
    assert f'<textarea id="reason-{comment.pk}" name="reason"' in form
    assert '<input id="reason' not in form and 'type="text"' not in form


# 4. A comment or report deleted meanwhile.

def test_deciding_a_deleted_comment_says_so_on_the_desk(client, moderator):
    comment = CommentFactory(status="pending")
    pk = comment.pk
    comment.delete()
    response = decide(client, Comment(pk=pk), "hide", headers=FETCH)
    assert response.status_code == 404
    assert "data-desk-receipt" in html(response)
    assert "That comment no longer exists" in html(response)
    plain = decide(client, Comment(pk=pk), "hide")
    assert plain.status_code == 404
    assert "That comment no longer exists" in html(plain)
    assert f'href="{QUEUE}"' in html(plain) and "Back to the comment queue" in html(plain)


def test_deciding_a_report_whose_story_was_deleted_says_so(client, moderator):
    report = BiasReportFactory()
    pk = report.pk
    report.article.delete()
    response = client.post(f"/admin/moderation/bias-reports/{pk}/decide/",
                           {"decision": "uphold", "note": "", "next": TRIAGE})
    assert response.status_code == 404
    assert "That report no longer exists" in html(response)
    assert f'href="{TRIAGE}"' in html(response)


# 6. A note of nothing visible.

def test_a_dismissal_note_of_a_zero_width_space_is_no_note(client, moderator):
    assert workflow.lacks_its_note(BiasReport.Status.DISMISSED, "\u200b")
    assert workflow.lacks_its_note(BiasReport.Status.DISMISSED, "\u200b\u2060 \ufe0f")
    assert not workflow.lacks_its_note(BiasReport.Status.DISMISSED, "Sourced.\u200b")
    report = BiasReportFactory()
    response = client.post(f"/admin/moderation/bias-reports/{report.pk}/decide/",
                           {"decision": "dismiss", "note": "\u200b", "next": TRIAGE},
                           follow=True)
    assert any("was not dismissed" in text for text in messages_of(response))
    report.refresh_from_db()
    assert report.status == "new"


def test_the_report_admin_refuses_an_invisible_dismissal_note():
    report = BiasReportFactory()
    boss = Editor("boss", "Ann Boss", group="Moderators")
    boss.open(f"/admin/standards/biasreport/{report.pk}/change/")
    response = boss.save(status="dismissed", resolution_note="\u200b")
    assert response.status_code == 200
    assert "Write a note for the record saying why" in html(response)  # it has no email
    report.refresh_from_db()
    assert report.status == "new"


# 7. The note given with "In review".

def test_an_in_review_note_is_shown_and_stays_in_the_log(client, moderator):
    report = BiasReportFactory(contact_email="r@example.org")
    client.post(f"/admin/moderation/bias-reports/{report.pk}/decide/",
                {"decision": "in_review", "note": "Asking the desk for the source.",
                 "next": TRIAGE})
    page = html(client.get(TRIAGE))
    assert "Note with “In review”" in page and "Asking the desk for the source." in page
    assert "not sent to the reporter" in page
    client.post(f"/admin/moderation/bias-reports/{report.pk}/decide/",
                {"decision": "uphold", "note": "", "next": TRIAGE})
    logged = ModerationAction.objects.get(action="bias report in_review")
    assert logged.reason == "Asking the desk for the source."


def test_the_note_label_does_not_say_an_in_review_note_is_emailed(client, moderator):
    report = BiasReportFactory(contact_email="r@example.org")
    label = re.search(rf'<label for="note-{report.pk}">(.*?)</label>',
                      html(client.get(TRIAGE)), re.S)[1]
    assert "emailed with Uphold or Dismiss" in label
    assert "with In review it stays on the record, not sent" in label


# 8. A reason edited in the admin is logged.

def test_a_reason_edited_in_the_admin_is_logged_and_the_decision_kept():
    first = staff("Moderators", "first")
    comment = CommentFactory(status="pending")
    moderation.decide_comment(comment, Comment.Status.HIDDEN, first, "Spam")
    decided_at = Comment.objects.get(pk=comment.pk).moderated_at
    second = Editor("second", "Ben Second", group="Moderators")
    second.open(f"/admin/comments/comment/{comment.pk}/change/")
    response = second.save(moderation_reason="Spam: a link to a shop")
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.moderation_reason == "Spam: a link to a shop"
    assert (comment.moderator, comment.moderated_at) == (first, decided_at)
    edit = ModerationAction.objects.get(action="comment reason edited")
    assert edit.moderator.username == "second"
    assert edit.reason == "Spam: a link to a shop"
    assert edit.target == f"comment {comment.pk} by reader {comment.reader_id}"


# 9. Conflict messages name who decided.

def test_an_undo_refused_names_the_moderator_who_decided_since(client, moderator):
    comment = CommentFactory(status="pending")
    decide(client, comment, "hide")
    first = ModerationAction.objects.get()
    comment.refresh_from_db()
    moderation.decide_comment(comment, Comment.Status.APPROVED, staff("Moderators", "other"))
    response = client.post(undo_url(first), {"next": QUEUE}, follow=True)
    said = " ".join(messages_of(response))
    assert "decided again since (approved), by other: only they can undo that" in said
    assert "undo that decision instead" not in said


def test_the_same_card_sent_twice_says_you(client, moderator):
    comment = CommentFactory(status="pending")
    decide(client, comment, "hide")
    decide(client, comment, "approve")
    response = client.get(QUEUE)
    said = " ".join(messages_of(response))
    assert "You have already decided this comment (hidden)" in said
    assert "mod has already" not in said


# 10. Passages on word edges.

def marked(blocks):
    return [text for block in blocks for text, is_marked in block.segments if is_marked]


def test_a_passage_is_marked_on_word_edges_only():
    blocks = story_blocks("H", "", "<p>They wear them. The group reclaims the claims.</p>")
    assert mark_passage(blocks, "the") == 2
    assert marked(blocks) == ["The", "the"]
    blocks = story_blocks("H", "", "<p>The group reclaims the claims.</p>")
    assert mark_passage(blocks, "claims") == 1
    blocks = story_blocks("H", "", "<p>He said “a mob”, twice.</p>")
    assert mark_passage(blocks, '"a mob",') == 1  # punctuation at either end needs no edge


# 11. The 403 page.

def test_an_editor_at_the_comment_desk_gets_the_sites_403_page(client):
    client.force_login(staff("Editors", "ed"))
    response = client.get(QUEUE)
    assert response.status_code == 403
    page = html(response)
    assert "This page is not open to your account" in page and "<p></p>" not in page
    assert 'href="/admin/"' in page


def test_the_csrf_failure_page_is_still_its_own():
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff("Moderators", "mod"))
    comment = CommentFactory(status="pending")
    response = client.post(f"/admin/moderation/comments/{comment.pk}/decide/",
                           {"decision": "hide", "version": "new"})
    assert response.status_code == 403 and "Your form was not sent" in html(response)


# 12. A story no longer public.

def test_a_report_on_a_story_unpublished_since_is_marked(client, moderator):
    report = BiasReportFactory(article=ArticleFactory(draft=True))
    public = BiasReportFactory()
    page = html(client.get(TRIAGE))
    card = re.search(rf'id="report-{report.pk}".*?</article>', page, re.S)[0]
    assert "Story not public" in card and "Not public now" in card
    other = re.search(rf'id="report-{public.pk}".*?</article>', page, re.S)[0]
    assert "Story not public" not in other


def test_the_outcome_email_of_a_story_unpublished_since_gives_no_dead_link(
        client, moderator, mailoutbox, django_capture_on_commit_callbacks):
    report = BiasReportFactory(article=ArticleFactory(draft=True),
                               contact_email="reporter@example.org")
    public = BiasReportFactory(contact_email="other@example.org")
    for each in (report, public):
        with django_capture_on_commit_callbacks(execute=True):
            workflow.decide_bias_report(each, BiasReport.Status.DISMISSED, moderator,
                                        note="Sourced and fair.")
    hidden, shown = (next(m.body for m in mailoutbox if m.to == [each.contact_email])
                     for each in (report, public))
    assert "/articles/" not in hidden and "not published at the moment" in hidden
    assert public.article.get_absolute_url() in shown
