"""Corrections and bias reports move to standards with every row, permission and log entry."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Article
from comments.models import Comment
from standards.models import BiasReport, Correction

pytestmark = pytest.mark.django_db(transaction=True)

# The last migrations before standards/ was cut out (issue 13).
BEFORE = [("standards", None), ("articles", "0006_reviewer_is_kept_on_record"),
          ("comments", "0003_comment_submission_token"),
          ("accounts", "0002_username_skeletons_of_existing_users")]
T = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)
PERMISSIONS = [("articles", "correction", "add"), ("articles", "correction", "change"),
               ("comments", "biasreport", "view"), ("comments", "biasreport", "change")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def _fill_before(apps):
    """Today's rows, written with the models as they stood before the move."""
    get = apps.get_model
    ContentType = get("contenttypes", "ContentType")
    Permission = get("auth", "Permission")
    user = get("auth", "User").objects.create(username="editor", is_staff=True)
    section = get("articles", "Section").objects.create(name="World", slug="world")
    author = get("authors", "Author").objects.create(name="Ada Reyes", slug="ada-reyes")
    article = get("articles", "Article").objects.create(
        headline="Port strike ends", slug="port-strike-ends", body="Text.", body_html="<p>Text.</p>",
        section=section, author=author, status="published", published_at=T)
    get("articles", "HistoricalArticle").objects.create(
        id=article.pk, headline=article.headline, slug=article.slug, body=article.body,
        section_id=section.pk, author_id=author.pk, status="published", published_at=T,
        created_at=T, updated_at=T, history_date=T, history_type="+", tag_names="Ports")
    report = get("comments", "BiasReport").objects.create(
        article=article, reason="factual_error", quoted_passage="ends", details="It did not.",
        contact_email="reader@example.com", status="upheld", moderator=user,
        resolution_note="Right.", created_at=T, resolved_at=T)
    correction = get("articles", "Correction").objects.create(
        article=article, kind="correction", text="The strike ended on Tuesday.", date=T,
        bias_report=report)
    get("comments", "Comment").objects.create(article=article, reader=user, body="Thanks.",
                                              created_at=T)
    types = {}
    for app_label, model in (("articles", "correction"), ("comments", "biasreport")):
        types[model], _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    group = get("auth", "Group").objects.create(name="Standards desk")
    for app_label, model, action in PERMISSIONS:
        permission, _ = Permission.objects.get_or_create(
            content_type=types[model], codename=f"{action}_{model}",
            defaults={"name": f"Can {action} {model}"})
        group.permissions.add(permission)
    for model, row in (("correction", correction), ("biasreport", report)):
        get("admin", "LogEntry").objects.create(
            user=user, content_type=types[model], object_id=str(row.pk),
            object_repr=f"{model} {row.pk}", action_flag=1, action_time=T)
    return {"article": article.pk, "report": report.pk, "correction": correction.pk,
            "types": {model: ct.pk for model, ct in types.items()}}


def test_the_move_keeps_every_row_permission_and_log_entry():
    executor = _migrate(BEFORE)
    moved_apps = {app for app, _ in BEFORE}
    today = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in moved_apps]
    before = _fill_before(executor.loader.project_state(today + BEFORE[1:]).apps)

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    report = BiasReport.objects.get(pk=before["report"])
    assert (report.article_id, report.reason, report.quoted_passage, report.details,
            report.contact_email, report.status, report.moderator.username,
            report.resolution_note, report.created_at, report.resolved_at) == (
        before["article"], "factual_error", "ends", "It did not.", "reader@example.com",
        "upheld", "editor", "Right.", T, T)
    correction = Correction.objects.get(pk=before["correction"])
    assert (correction.article_id, correction.kind, correction.text, correction.date,
            correction.bias_report) == (before["article"], "correction",
                                        "The strike ended on Tuesday.", T, report)
    assert list(report.corrections.all()) == [correction]
    assert (Comment.objects.get().body, Comment.objects.get().reader.username) == (
        "Thanks.", "editor")
    article = Article.objects.get(pk=before["article"])
    assert article.history.get().tag_names == "Ports"

    # Same content type rows, now labelled standards: nothing points at a stale one.
    correction_type = ContentType.objects.get_for_model(Correction)
    report_type = ContentType.objects.get_for_model(BiasReport)
    assert (correction_type.pk, report_type.pk) == (before["types"]["correction"],
                                                     before["types"]["biasreport"])
    assert (correction_type.app_label, report_type.app_label) == ("standards", "standards")
    assert not ContentType.objects.filter(app_label="articles", model="correction").exists()
    assert not ContentType.objects.filter(app_label="comments", model="biasreport").exists()
    group = Group.objects.get(name="Standards desk")
    assert {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()} == {
        "standards.add_correction", "standards.change_correction",
        "standards.view_biasreport", "standards.change_biasreport"}
    entries = {(e.content_type_id, e.object_id): e.get_edited_object()
               for e in LogEntry.objects.all()}
    assert entries == {(correction_type.pk, str(correction.pk)): correction,
                       (report_type.pk, str(report.pk)): report}
    # The roles follow too: editors still read reports and write corrections.
    editors = {f"{p.content_type.app_label}.{p.codename}"
               for p in Group.objects.get(name="Editors").permissions.all()}
    assert {"standards.add_correction", "standards.view_biasreport"} <= editors
