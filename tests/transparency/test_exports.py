"""Moderators take their data with them: CSV from the admin, JSON from a command."""

import csv
import io
import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import ModerationAction
from tests.factories import ArticleFactory, BiasReportFactory, UserFactory

from .conftest import NOW, utc

pytestmark = pytest.mark.django_db


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def text(response):
    return b"".join(response.streaming_content).decode("utf-8-sig")


def rows(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(text(response))))


@pytest.fixture
def reports(clock):
    story = ArticleFactory(headline="=HYPERLINK(\"http://evil\")", slug="harbour")
    other = ArticleFactory(headline="Quiet story")
    decided = BiasReportFactory(article=story, reason="factual_error", status="upheld",
                                created_at=utc(2026, 3, 1, 12), resolved_at=utc(2026, 3, 3, 0),
                                contact_email="reporter@example.org",
                                reporter_fingerprint="f" * 64)
    # 08:00 UTC on March 8 is 04:00 in New York, just after clocks went forward.
    waiting = BiasReportFactory(article=other, reason="other", status="new",
                                created_at=NOW - timedelta(days=2, hours=8),
                                contact_email="someone@example.org")
    return decided, waiting


def test_bias_report_queue_as_filtered(client, reports):
    decided, waiting = reports
    client.force_login(staff("Moderators", "mod"))
    changelist = client.get("/admin/standards/biasreport/?state=open").content.decode()
    assert 'href="/admin/standards/biasreport/export.csv?state=open"' in changelist

    everything = rows(client.get("/admin/standards/biasreport/export.csv"))
    assert everything[0] == ["reference", "story", "story_url", "reason", "status", "created",
                             "resolved", "waiting_days"]
    assert everything[1:] == [
        # Times in New York; a headline that looks like a formula is defused.
        [decided.reference, "'=HYPERLINK(\"http://evil\")",
         "http://127.0.0.1:8000/articles/harbour/", "factual_error", "upheld",
         "2026-03-01T07:00:00-05:00", "2026-03-02T19:00:00-05:00", "1.5"],
        [waiting.reference, "Quiet story",
         f"http://127.0.0.1:8000{waiting.article.get_absolute_url()}", "other", "new",
         "2026-03-08T04:00:00-04:00", "", "2.3"],
    ]
    only_open = rows(client.get("/admin/standards/biasreport/export.csv?state=open"))
    assert [row[0] for row in only_open[1:]] == [waiting.reference]
    searched = rows(client.get("/admin/standards/biasreport/export.csv?q=Quiet"))
    assert [row[0] for row in searched[1:]] == [waiting.reference]

    export = text(client.get("/admin/standards/biasreport/export.csv"))
    assert "@example.org" not in export and "f" * 64 not in export


def test_the_bias_report_queue_reads_no_story_text(client, reports):
    """A story's text is not in the export: read for every report, it was a third of
    the export's time at 20,000 reports."""
    client.force_login(staff("Moderators", "mod"))
    for url in ("/admin/standards/biasreport/", "/admin/standards/biasreport/export.csv"):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            if response.streaming:
                assert len(rows(response)) == 3
        assert captured.captured_queries
        assert not any('"articles_article"."body' in query["sql"]
                       for query in captured.captured_queries), url


def test_editors_may_export_the_queue_but_readers_may_not(client, reports):
    client.force_login(UserFactory(username="reader"))
    assert client.get("/admin/standards/biasreport/export.csv").status_code == 302  # to login
    client.force_login(staff("Editors", "ed"))
    assert len(rows(client.get("/admin/standards/biasreport/export.csv"))) == 3


def test_unknown_filters_are_refused(client, reports):
    client.force_login(staff("Moderators", "mod"))
    response = client.get("/admin/standards/biasreport/export.csv?nonsense=1")
    assert response.status_code == 400


def test_moderation_log_as_filtered(client, clock):
    moderator = staff("Moderators", "mod")
    ModerationAction.objects.create(moderator=moderator, action="comment hidden",
                                    target="comment 7 by loud", reason="Abuse",
                                    created_at=utc(2026, 3, 2, 12))
    ModerationAction.objects.create(moderator=None, action="bias report upheld",
                                    target="BR-000001", reason="-1 for accuracy",
                                    created_at=utc(2026, 3, 3, 12))
    client.force_login(moderator)
    changelist = client.get("/admin/comments/moderationaction/").content.decode()
    assert 'href="/admin/comments/moderationaction/export.csv"' in changelist
    log = rows(client.get("/admin/comments/moderationaction/export.csv"))
    assert log == [
        ["created", "moderator", "action", "target", "reason"],
        ["2026-03-03T07:00:00-05:00", "", "bias report upheld", "BR-000001", "'-1 for accuracy"],
        ["2026-03-02T07:00:00-05:00", "mod", "comment hidden", "comment 7 by loud", "Abuse"],
    ]
    hidden = rows(client.get(
        "/admin/comments/moderationaction/export.csv?action=comment+hidden"))
    assert [row[2] for row in hidden[1:]] == ["comment hidden"]


def test_a_long_log_is_streamed_in_chunks_as_it_is_read(client, clock, monkeypatch):
    """Rows are read and written while the answer goes out, not kept whole in memory first."""
    monkeypatch.setattr("core.admin.CSV_CHUNK_ROWS", 2)
    moderator = staff("Moderators", "mod")
    ModerationAction.objects.bulk_create(
        ModerationAction(moderator=moderator, action="comment hidden", target=f"comment {n}",
                         created_at=utc(2026, 3, 1, n)) for n in range(5))
    client.force_login(moderator)
    with CaptureQueriesContext(connection) as before_streaming:
        response = client.get("/admin/comments/moderationaction/export.csv")
    assert response.streaming
    assert not any('"comments_moderationaction"."target"' in query["sql"]
                   for query in before_streaming.captured_queries)

    chunks = [chunk.decode("utf-8-sig") for chunk in response.streaming_content]
    assert [chunk.count("\r\n") for chunk in chunks] == [2, 2, 2]  # the header and 5 rows
    assert [row[3] for row in csv.reader(io.StringIO("".join(chunks)))][1:] == [
        "comment 4", "comment 3", "comment 2", "comment 1", "comment 0"]


def test_export_transparency_writes_a_month_as_json(newsroom, capsys):
    call_command("export_transparency", "--month", "2026-02")
    data = json.loads(capsys.readouterr().out)
    assert data["month"] == "2026-02" and data["time_zone"] == "America/New_York"
    assert data["start"] == "2026-02-01T00:00:00-05:00"
    assert data["end"] == "2026-03-01T00:00:00-05:00"
    assert data["generated_at"] == "2026-03-10T12:00:00-04:00"
    assert data["stories"] == {"total": 2,
                               "by_ai_involvement": {"none": 1, "assisted": 1, "generated": 0},
                               "by_byline": {"ai_persona": 0, "human": 2}}
    assert data["ai_personas"] == []
    reports = data["bias_reports"]
    assert (reports["received"], reports["upheld"], reports["median_days_to_decision"]) == (
        1, 1, 4.0)
    factual = next(r for r in reports["by_reason"] if r["reason"] == "factual_error")
    assert factual == {"reason": "factual_error", "label": "Factual error", "received": 1,
                       "upheld": 1, "dismissed": 0, "open": 0, "median_days_to_decision": 4.0}
    assert data["corrections"] == {"total": 1, "correction": 0, "clarification": 1,
                                   "editors_note": 0, "after_upheld_bias_report": 1}
    assert data["comments"] == {"received": 4, "approved": 3, "held": 0, "hidden": 1,
                                "share_approved": 75.0, "share_held": 0.0,
                                "share_hidden": 25.0}


def test_export_transparency_to_a_file(newsroom, tmp_path, capsys):
    target = tmp_path / "2026-03.json"
    call_command("export_transparency", "--month", "2026-03", "--output", str(target))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["stories"]["total"] == 3
    assert [p["name"] for p in data["ai_personas"]] == ["Ada Persona", "Zed Persona"]
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("month", "message"), [
    ("2026-13", 'as YYYY-MM, such as 2026-02; got "2026-13"'),
    ("March", 'as YYYY-MM, such as 2026-02; got "March"'),
    ("2026-3", 'got "2026-3"'),
    ("0000-01", 'got "0000-01"'),
    ("2026-04", "2026-04 has not begun yet"),
])
def test_export_transparency_refuses_a_bad_month(clock, month, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        call_command("export_transparency", "--month", month)


def test_a_bad_month_exits_non_zero_with_a_clear_message(settings, tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "manage.py", "export_transparency", "--month", "2026-1"],
        capture_output=True, text=True, env=env, cwd=settings.BASE_DIR, check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    assert ('CommandError: --month must be a month as YYYY-MM, such as 2026-02; got "2026-1".'
            in result.stderr)
