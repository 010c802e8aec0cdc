"""QA round 12, the newsroom's record in the admin, continued.

A correction's history compares any two of its revisions by number, as a story's does
(core.revisions.ComparedRevisionsMixin); a correction deleted with its story keeps its 404.
A comment's or bias report's History page lists its moderation decisions, from the lists'
actions and the desk, which write the moderation log alone (core.admin.DecisionsInHistoryMixin).
"""

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import ModerationAction
from standards.models import Correction
from tests.articles.newsroom import staff
from tests.factories import ArticleFactory, BiasReportFactory, CommentFactory, CorrectionFactory
from tests.test_admin_at_scale import _indexes_read

CORRECTIONS = "/admin/standards/correction/"


def revised(correction, editor_user, texts):
    """The correction saved again with each text; its history, oldest first."""
    for text in texts:
        correction.text = text
        correction._history_user = editor_user
        correction.save()
    return list(correction.history.order_by("history_date", "history_id"))


@pytest.fixture
def editor(client):
    user = staff("Editors", username="editor", first_name="Jane", last_name="Editor")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_any_two_revisions_of_a_correction_are_compared_by_number(client, editor):
    correction = CorrectionFactory(text="The bridge opened in 1931.")
    texts = [f"The bridge opened in {1800 + n}." for n in range(104)]
    revisions = revised(correction, editor, [*texts, "The bridge opened in 1937, not 1931."])
    oldest, newest = revisions[0], revisions[-1]
    history = f"{CORRECTIONS}{correction.pk}/history/"

    # Its history shows each revision's number and a link to compare it with any other.
    second_page = client.get(f"{history}?p=2").content.decode()
    assert f'<span class="revision-number">No. {oldest.pk}</span>' in second_page
    assert f'href="{history}compare/?from={oldest.pk}"' in second_page
    first_page = client.get(history).content.decode()
    assert f'action="{history}compare/"' in first_page

    asked = client.get(f"{history}compare/", {"from": oldest.pk})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Choose the other revision to compare it with." in page
    assert f"the latest is No. {newest.pk}" in page

    compared = client.get(f"{history}compare/", {"from": newest.pk, "to": oldest.pk})
    assert compared.status_code == 200
    assert (compared.context["older"], compared.context["newer"]) == (oldest, newest)
    rows = {row["label"]: row for row in compared.context["rows"]}
    assert rows["Text"]["changed"] and not rows["Kind"]["changed"]
    assert [text for kind, text in rows["Text"]["diff"] if kind == "added"] == ["1937, not "]
    assert rows["Kind"]["old"] == "Correction"
    assert rows["Article"]["old"] == str(correction.article)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["x", "99999999", "1" * 30])
def test_a_number_that_is_no_revision_of_the_correction_is_said_and_kept(client, editor, typed):
    correction, other = CorrectionFactory(), CorrectionFactory()
    mine = correction.history.get()
    for wrong in (typed, str(other.history.get().pk)):
        response = client.get(f"{CORRECTIONS}{correction.pk}/history/compare/",
                              {"from": mine.pk, "to": wrong})
        page = response.content.decode()
        assert response.status_code == 404
        assert "is not the number of a revision of this correction." in page
        assert f'name="to" value="{wrong}"' in page


@pytest.mark.django_db
def test_a_correction_deleted_alone_is_compared_and_one_deleted_with_its_story_is_not(
        client, editor):
    story = ArticleFactory()
    alone, with_story = CorrectionFactory(article=story), CorrectionFactory()
    alone_first = revised(alone, editor, ["Said again."])[0]
    with_first = revised(with_story, editor, ["Said again."])[0]
    alone_pk, with_story_pk = alone.pk, with_story.pk
    alone.delete()
    with_story.article.delete()

    deletion = Correction.history.filter(id=alone_pk).latest()
    compared = client.get(f"{CORRECTIONS}{alone_pk}/history/compare/",
                          {"from": alone_first.pk, "to": deletion.pk})
    assert compared.status_code == 200
    text = next(row for row in compared.context["rows"] if row["label"] == "Text")
    assert text["new"] == "Said again."
    assert client.get(f"{CORRECTIONS}{with_story_pk}/history/").status_code == 404
    assert client.get(f"{CORRECTIONS}{with_story_pk}/history/compare/",
                      {"from": with_first.pk}).status_code == 404
    assert client.get(f"{CORRECTIONS}x/history/compare/").status_code == 404


@pytest.mark.django_db
def test_a_correction_s_revisions_are_compared_only_by_who_may_see_corrections(client):
    correction = CorrectionFactory()
    client.force_login(staff(username="nobody"))
    assert client.get(f"{CORRECTIONS}{correction.pk}/history/compare/").status_code == 403


# A record's History page lists its moderation decisions ----------------------------------------

COMMENTS = "/admin/comments/comment/"
REPORTS = "/admin/standards/biasreport/"


@pytest.fixture
def moderator(client):
    user = staff("Moderators", username="mod", first_name="Mo", last_name="Derator")
    client.force_login(user)
    return user


def decisions(response):
    """The History page's decisions, newest first: (moderator, action, reason)."""
    assert response.status_code == 200
    return [(entry.moderator.get_username() if entry.moderator else None, entry.action,
             entry.reason) for entry in response.context["decisions"]]


@pytest.mark.django_db
def test_a_comment_s_history_lists_its_decisions_from_the_list_and_the_desk(client, moderator):
    comment, other = CommentFactory(status="pending"), CommentFactory(status="pending")
    # A comment whose number begins with this one's: none of its decisions.
    ModerationAction.objects.create(action="comment hidden",
                                    target=f"comment {comment.pk}1 by reader 9")
    before = LogEntry.objects.count()

    client.post(COMMENTS, {"action": "hide", "index": "0", "reason": "Off topic.",
                           "_selected_action": [comment.pk, other.pk]})
    comment.refresh_from_db()
    client.post(f"/admin/moderation/comments/{comment.pk}/decide/",
                {"decision": "approve", "version": comment.moderated_at.isoformat(),
                 "next": "/admin/moderation/comments/"})
    comment.refresh_from_db()
    assert comment.status == "approved"
    # Nothing written twice: the decisions are in the moderation log alone.
    assert LogEntry.objects.count() == before
    assert ModerationAction.objects.count() == 4

    page = client.get(f"{COMMENTS}{comment.pk}/history/")
    assert decisions(page) == [("mod", "comment approved", ""),
                               ("mod", "comment hidden", "Off topic.")]
    html = page.content.decode()
    assert "Moderation decisions" in html and "Comment hidden" in html and "Off topic." in html
    assert "mod (Mo Derator)" in html


@pytest.mark.django_db
def test_a_former_reader_s_comment_keeps_its_decisions_on_its_history(client, moderator):
    comment = CommentFactory(status="pending")
    client.post(COMMENTS, {"action": "hide", "index": "0", "reason": "",
                           "_selected_action": [comment.pk]})
    comment.reader.delete()
    page = client.get(f"{COMMENTS}{comment.pk}/history/")
    assert decisions(page) == [("mod", "comment hidden", "")]
    assert "None on record." not in page.content.decode()


@pytest.mark.django_db
def test_a_bias_report_s_history_lists_its_decisions_from_the_list_and_the_desk(
        client, moderator):
    report = BiasReportFactory(contact_email="reporter@example.org")
    other = BiasReportFactory()
    before = LogEntry.objects.count()
    client.post(REPORTS, {"action": "mark_in_review", "index": "0", "reason": "",
                          "_selected_action": [report.pk, other.pk]})
    client.post(f"/admin/moderation/bias-reports/{report.pk}/decide/",
                {"decision": "dismiss", "note": "Checked: the headline is fair.",
                 "next": "/admin/moderation/bias-reports/"})
    report.refresh_from_db()
    assert report.status == "dismissed"
    assert LogEntry.objects.count() == before

    page = client.get(f"{REPORTS}{report.pk}/history/")
    assert decisions(page) == [("mod", "bias report dismissed", "Checked: the headline is fair."),
                               ("mod", "bias report in_review", "")]
    assert decisions(client.get(f"{REPORTS}{other.pk}/history/")) == [
        ("mod", "bias report in_review", "")]
    # A record with no decision says so, and no more than its own.
    fresh = BiasReportFactory()
    page = client.get(f"{REPORTS}{fresh.pk}/history/")
    assert decisions(page) == [] and "None on record." in page.content.decode()


@pytest.mark.django_db
def test_decisions_are_not_shown_to_who_may_not_see_the_record(client):
    comment = CommentFactory(status="pending")
    client.force_login(staff(username="nobody"))
    assert client.get(f"{COMMENTS}{comment.pk}/history/").status_code == 403


@pytest.mark.django_db
def test_a_long_record_of_decisions_shows_the_latest_and_leads_to_the_log(client, moderator):
    report = BiasReportFactory()
    ModerationAction.objects.bulk_create(
        ModerationAction(moderator=moderator, action="bias report note edited",
                         target=report.reference, reason=f"Note {number}")
        for number in range(101))
    page = client.get(f"{REPORTS}{report.pk}/history/")
    shown = decisions(page)
    assert len(shown) == 100 and page.context["more_decisions"]
    assert shown[0][2] == "Note 100"
    assert (f'/admin/comments/moderationaction/?q=%22{report.reference}%22'
            in page.content.decode())
    # Followed, the log lists this report's entries alone.
    log = client.get(f"/admin/comments/moderationaction/?q=%22{report.reference}%22")
    assert log.context["cl"].result_count == 101


@pytest.mark.django_db
def test_a_records_decisions_are_read_by_the_logs_index_on_target(client, moderator):
    """The log grows with every decision, and a History page read all of it (60 ms at
    500,000 entries): it reads the index on target (comments 0020), for a bias report's
    reference, and on PostgreSQL for a comment's "comment 5 by " too (a prefix, which
    SQLite's LIKE, blind to case, reads no index for)."""
    comment, report = CommentFactory(status="pending"), BiasReportFactory()
    pages = [(f"{REPORTS}{report.pk}/history/", report.reference)]
    if connection.vendor == "postgresql":
        pages.append((f"{COMMENTS}{comment.pk}/history/", f"comment {comment.pk} by "))
    for url, target in pages:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        asked = [query["sql"] for query in captured.captured_queries
                 if 'FROM "comments_moderationaction"' in query["sql"] and target in query["sql"]]
        assert len(asked) == 1, url
        assert "moderation_log_target_idx" in _indexes_read(asked[0]), url
