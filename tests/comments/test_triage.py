"""Bias-report triage on the moderation desk: the passage in its story, decisions, who sees what."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from comments.models import ModerationAction
from standards.admin import draft_correction_url
from standards.models import BiasReport
from standards.passages import excerpt, mark_passage, story_blocks
from tests.factories import ArticleFactory, BiasReportFactory, CorrectionFactory, UserFactory

TRIAGE = "/admin/moderation/bias-reports/"
EMAIL = "private-reporter@example.org"
BODY = """The council met on Tuesday.

The mayor called the protesters “a mob” — twice — in her speech.

## Reaction

Residents said the word was unfair.
"""


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def decide(client, report, decision, note=""):
    return client.post(f"/admin/moderation/bias-reports/{report.pk}/decide/",
                       {"decision": decision, "note": note, "next": TRIAGE})


# Finding the passage: pure functions, no database.

def marked(blocks):
    return [text for block in blocks for text, is_marked in block.segments if is_marked]


def test_a_passage_is_found_despite_quotes_dashes_case_and_spaces():
    blocks = story_blocks("Council row", "", "<p>The mayor called the protesters “a mob” "
                                                "— twice — in her speech.</p>")
    assert mark_passage(blocks, 'called the PROTESTERS\n"a mob" - twice') == 1
    assert marked(blocks) == ["called the protesters “a mob” — twice"]


def test_a_passage_across_two_paragraphs_is_marked_in_both():
    blocks = story_blocks("H", "", "<p>It ended badly.</p><p>Nobody came back.</p>")
    assert mark_passage(blocks, "ended badly. Nobody came") == 1
    assert marked(blocks) == ["ended badly.", "Nobody came"]


def test_headline_and_dek_are_searched_and_every_occurrence_marked():
    blocks = story_blocks("A mob in the square", "The mob dispersed.", "<p>No mob here.</p>")
    assert mark_passage(blocks, "mob") == 3
    assert [b.kind for b in blocks if b.marks] == ["headline", "dek", "paragraph"]


def test_a_missing_passage_marks_nothing():
    blocks = story_blocks("H", "", "<p>Calm words only.</p>")
    assert mark_passage(blocks, "a mob") == 0
    assert mark_passage(blocks, "   ") == 0
    assert excerpt(blocks) == []


def test_the_excerpt_keeps_a_paragraph_either_side_and_shows_gaps():
    body = "".join(f"<p>Paragraph {n}.</p>" for n in range(1, 9))
    blocks = story_blocks("H", "", body)
    mark_passage(blocks, "Paragraph 3.")
    mark_passage(blocks, "Paragraph 7.")
    assert [b.text for b in excerpt(blocks)] == [
        "Paragraph 2.", "Paragraph 3.", "Paragraph 4.", "…",
        "Paragraph 6.", "Paragraph 7.", "Paragraph 8."]


def test_story_text_is_read_from_lists_tables_quotes_and_code():
    blocks = story_blocks("H", "", "<ul><li>one</li></ul><blockquote><p>said it</p>"
                                   "</blockquote><table><tr><td>a</td><td>b</td></tr></table>"
                                   "<pre><code>x = 1\ny = 2</code></pre>")
    assert [(b.kind, b.text) for b in blocks[1:]] == [
        ("item", "one"), ("quote", "said it"), ("row", "a | b"), ("code", "x = 1\ny = 2")]


# The triage page.


@pytest.fixture
def moderator(client, db):
    user = staff("Moderators", "mod")
    client.force_login(user)
    return user


@pytest.fixture
def story(db):
    return ArticleFactory(headline="Council row", body=BODY)


@pytest.mark.django_db
def test_open_reports_come_first_oldest_first_and_decided_ones_behind_a_filter(
        client, moderator, story):
    now = timezone.now()
    newer = BiasReportFactory(article=story, details="newer one",
                              created_at=now - timedelta(hours=1))
    older = BiasReportFactory(article=story, details="older one", status="in_review",
                              created_at=now - timedelta(days=2))
    BiasReportFactory(article=story, details="already upheld", status="upheld",
                      resolved_at=now - timedelta(hours=3))
    BiasReportFactory(article=story, details="already dismissed", status="dismissed",
                      resolved_at=now - timedelta(hours=2))
    html = client.get(TRIAGE).content.decode()
    assert html.index(older.reference) < html.index(newer.reference)
    assert "older one" in html and "already upheld" not in html
    assert "Open (2)" in html and "Decided (2)" in html
    decided = client.get(TRIAGE + "?state=decided").content.decode()
    assert "already upheld" in decided and "older one" not in decided
    # The latest decision first.
    assert decided.index("already dismissed") < decided.index("already upheld")


@pytest.mark.django_db
def test_the_quoted_passage_is_marked_in_the_story_and_everything_is_escaped(
        client, moderator, story):
    BiasReportFactory(article=story, quoted_passage='"a mob" - twice',
                      details="<script>alert(1)</script>",
                      evidence_url="https://example.org/?a=<b>")
    html = client.get(TRIAGE).content.decode()
    assert "<mark>“a mob” — twice</mark>" in html
    assert "Found in the story" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.django_db
def test_a_passage_not_in_the_story_is_said_to_be_missing(client, moderator, story):
    BiasReportFactory(article=story, quoted_passage="<b>thugs</b> rampaged")
    html = client.get(TRIAGE).content.decode()
    assert "Not found in the story as it reads now" in html
    assert "&lt;b&gt;thugs&lt;/b&gt; rampaged" in html and "<mark>" not in html


@pytest.mark.django_db
def test_triage_runs_a_fixed_number_of_queries(client, moderator,
                                               django_assert_max_num_queries):
    for index in range(12):
        BiasReportFactory(reader=UserFactory(), quoted_passage="mob")
    # The user and permissions; the open and decided counts, the page's count and
    # reports with their corrections, the reporters' records.
    with django_assert_max_num_queries(9):
        response = client.get(TRIAGE)
    assert len(response.context["items"]) == 10


@pytest.mark.django_db
def test_moderators_see_the_reporter_and_editors_never_do(client, moderator, story):
    open_report = BiasReportFactory(article=story, contact_email=EMAIL,
                                    reader=UserFactory(username="complainant"))
    BiasReportFactory(article=story, contact_email=EMAIL, status="upheld",
                      resolved_at=timezone.now(), reader=open_report.reader)
    html = client.get(TRIAGE).content.decode()
    assert EMAIL in html and "complainant" in html

    client.force_login(staff("Editors", "ed"))
    for url in (TRIAGE, TRIAGE + "?state=decided", "/admin/moderation/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert EMAIL not in response.content.decode(), url
        assert "complainant" not in response.content.decode(), url
    html = client.get(TRIAGE).content.decode()
    assert open_report.reference in html
    assert "moderators decide them" in html and 'name="decision"' not in html


@pytest.mark.django_db
def test_editors_cannot_decide_reports_through_the_desk(client, story):
    report = BiasReportFactory(article=story)
    client.force_login(staff("Editors", "ed"))
    for decision in ("in_review", "uphold", "dismiss"):
        assert decide(client, report, decision, note="n").status_code == 403
    report.refresh_from_db()
    assert report.status == "new" and not ModerationAction.objects.exists()
    client.force_login(UserFactory(username="reader"))
    assert client.get(TRIAGE).status_code == 302


@pytest.mark.django_db
def test_in_review_is_logged(client, moderator, story):
    report = BiasReportFactory(article=story)
    response = decide(client, report, "in_review")
    assert response.status_code == 303 and response["Location"] == TRIAGE
    report.refresh_from_db()
    assert report.status == "in_review" and report.moderator == moderator
    log = ModerationAction.objects.get()
    assert (log.moderator, log.action, log.target) == (
        moderator, "bias report in_review", report.reference)
    # Once in review, the button is gone and pressing it again changes nothing.
    assert f'{report.pk}/decide/' in client.get(TRIAGE).content.decode()
    assert 'value="in_review"' not in client.get(TRIAGE).content.decode()
    decide(client, report, "in_review")
    assert ModerationAction.objects.count() == 1


@pytest.mark.django_db
def test_dismissing_needs_a_note_which_the_reporter_receives(
        client, moderator, story, django_capture_on_commit_callbacks):
    report = BiasReportFactory(article=story, contact_email=EMAIL)
    response = decide(client, report, "dismiss", note="   ")
    report.refresh_from_db()
    assert report.status == "new"
    assert "write the note the reporter will receive" in client.get(
        response["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        decide(client, report, "dismiss", note="The word is the mayor's, quoted.")
    report.refresh_from_db()
    assert report.status == "dismissed" and report.resolved_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [EMAIL]
    assert "The word is the mayor's, quoted." in mail.outbox[0].body
    log = ModerationAction.objects.get()
    assert (log.action, log.target, log.reason) == (
        "bias report dismissed", report.reference, "The word is the mayor's, quoted.")


@pytest.mark.django_db
def test_upholding_opens_the_correction_draft_for_those_who_write_corrections(client, story):
    report = BiasReportFactory(article=story, reason="factual_error")
    both = staff("Moderators", "both")
    both.groups.add(Group.objects.get(name="Editors"))
    client.force_login(both)
    response = decide(client, report, "uphold")
    assert response.status_code == 303
    assert response["Location"] == draft_correction_url(report)
    report.refresh_from_db()
    assert report.status == "upheld"
    assert ModerationAction.objects.get().action == "bias report upheld"


@pytest.mark.django_db
def test_a_moderator_upholds_and_the_editor_is_offered_the_draft(client, moderator, story):
    report = BiasReportFactory(article=story)
    response = decide(client, report, "uphold")
    assert response["Location"] == TRIAGE
    assert "an editor drafts the correction" in client.get(TRIAGE).content.decode()
    decided = client.get(TRIAGE + "?state=decided").content.decode()
    assert "None yet: an editor drafts it." in decided
    client.force_login(staff("Editors", "ed"))
    decided = client.get(TRIAGE + "?state=decided").content.decode()
    assert draft_correction_url(report).replace("&", "&amp;") in decided
    # Once the correction exists, it is linked instead.
    correction = CorrectionFactory(article=story, bias_report=report)
    decided = client.get(TRIAGE + "?state=decided").content.decode()
    assert f"#correction-{correction.pk}" in decided and "Draft a correction" not in decided


@pytest.mark.django_db
def test_a_decided_report_is_not_decided_again_from_the_desk(client, moderator, story):
    report = BiasReportFactory(article=story, status="upheld", resolved_at=timezone.now(),
                               moderator=UserFactory(username="first"))
    response = decide(client, report, "dismiss", note="No.")
    # The refusal on a page of its own, with the note to copy (QA, 2026-12-06).
    assert response.status_code == 409
    assert "was already upheld by first" in response.content.decode()
    # Without a note, on the triage.
    response = decide(client, report, "uphold", note="")
    assert "was already upheld by first" in client.get(response["Location"]).content.decode()
    report.refresh_from_db()
    assert report.status == "upheld" and not ModerationAction.objects.exists()
    assert BiasReport.objects.decided().count() == 1


@pytest.mark.django_db
def test_decisions_refuse_get_and_unknown_outcomes(client, moderator, story):
    report = BiasReportFactory(article=story)
    url = f"/admin/moderation/bias-reports/{report.pk}/decide/"
    assert client.get(url).status_code == 405
    assert client.post(url, {"decision": "delete"}).status_code == 400
