"""QA round on the transparency figures: corrections dated before the report they cite,
the export's first month east of UTC, "AI" in the charts' text, and control characters
stored before the site stripped them (articles migration 0020)."""

from datetime import datetime, timezone as dt_timezone

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from standards import figures
from standards.admin import draft_correction_url
from standards.charts import bar_chart, column_chart
from standards.models import Correction
from standards.views import INVOLVEMENT_SERIES, OUTCOME_SERIES
from tests.articles.newsroom import article_form, change_url
from tests.factories import ArticleFactory, BiasReportFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=dt_timezone.utc)
PUBLISHED = datetime(2026, 11, 20, 9, 0, tzinfo=dt_timezone.utc)
FILED = datetime(2026, 12, 5, 9, 0, 40, tzinfo=dt_timezone.utc)
CORRECTION_ADD = "/admin/standards/correction/add/"


def before_the_report(report):
    return (f"{report.reference} was filed on Dec 5, 2026, 9:00 AM: date a correction that "
            f"cites it then or later.")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def report():
    return BiasReportFactory(article=ArticleFactory(headline="Harbour reopens",
                                                    published_at=PUBLISHED),
                             created_at=FILED)


class TestACorrectionFollowsTheReportItCites:
    def test_dated_before_the_report_was_filed_it_is_refused_on_its_date(self, report):
        correction = Correction(article=report.article, bias_report=report, text="Fixed.",
                                date=datetime(2026, 12, 2, 9, tzinfo=dt_timezone.utc))
        with pytest.raises(ValidationError) as error:
            correction.full_clean()
        assert error.value.message_dict == {"date": [before_the_report(report)]}

    @pytest.mark.parametrize("date", [datetime(2026, 12, 5, 9, 0, tzinfo=dt_timezone.utc),
                                      FILED, NOW], ids=["the minute shown", "filed", "now"])
    def test_dated_when_the_report_was_filed_or_later_it_stands(self, report, date):
        Correction(article=report.article, bias_report=report, text="Fixed.",
                   date=date).full_clean()

    def test_without_a_report_the_date_is_only_held_to_the_story(self, report):
        Correction(article=report.article, text="Fixed.",
                   date=datetime(2026, 12, 2, 9, tzinfo=dt_timezone.utc)).full_clean()

    def test_the_correction_form_refuses_it_keeping_what_was_typed(self, editor, report):
        response = editor.post(CORRECTION_ADD, {
            "article": report.article.pk, "bias_report": report.reference,
            "kind": "correction", "date_0": "2026-12-02", "date_1": "09:00:00",
            "text": "The pier opened in 1998."})
        page = response.content.decode()
        assert response.status_code == 200
        assert before_the_report(report) in page and "The pier opened in 1998." in page
        assert not Correction.objects.exists()

    def test_the_storys_form_refuses_it_and_saves_nothing(self, editor, report):
        story = report.article
        data = {**article_form(story, headline="Harbour reopens at last"),
                "corrections-TOTAL_FORMS": "1", "corrections-INITIAL_FORMS": "0",
                "corrections-0-kind": "correction", "corrections-0-date_0": "2026-12-02",
                "corrections-0-date_1": "09:00:00", "corrections-0-bias_report": report.reference,
                "corrections-0-text": "The pier opened in 1998."}
        response = editor.post(change_url(story), data)
        assert response.status_code == 200
        assert before_the_report(report) in response.content.decode()
        story.refresh_from_db()
        assert story.headline == "Harbour reopens" and not story.corrections.exists()

    def test_the_correction_drafted_from_the_report_is_dated_now_and_saved(self, editor, report):
        form = editor.get(draft_correction_url(report))
        assert form.status_code == 200
        # The form is dated now (the model's default), after the report was filed.
        assert form.context["adminform"].form["date"].value() == NOW
        response = editor.post(CORRECTION_ADD, {
            "article": report.article.pk, "bias_report": str(report.pk), "kind": "clarification",
            "date_0": "2026-12-05", "date_1": "12:00:00", "text": "The pier opened in 1998."})
        assert response.status_code == 302
        assert Correction.objects.get().bias_report == report


class TestTheExportsMonthsAtTheEndsOfTheCalendar:
    def test_the_first_month_east_of_utc_is_refused_with_a_reason(self, settings):
        settings.TIME_ZONE = "Europe/Berlin"
        with pytest.raises(CommandError) as error:
            call_command("export_transparency", "--month", "0001-01")
        assert str(error.value) == (
            "0001-01 cannot be counted in Europe/Berlin: in UTC it reaches beyond the years "
            "1 to 9999 that dates can hold. Give a later month.")

    def test_the_month_after_it_is_counted(self, settings, capsys):
        settings.TIME_ZONE = "Europe/Berlin"
        call_command("export_transparency", "--month", "0001-02")
        assert '"month": "0001-02"' in capsys.readouterr().out

    @pytest.mark.parametrize("zone", ["America/New_York", "UTC", "Europe/Berlin"])
    def test_the_last_month_of_the_calendar_is_no_period(self, settings, zone):
        settings.TIME_ZONE = zone
        with pytest.raises(ValueError, match="9999-12 in .* reaches beyond the years 1 to"):
            figures.month_period(9999, 12)
        assert figures.month_period(9999, 11).key == "9999-11"


class TestTheChartsSayAIAsTheTableDoes:
    def test_a_columns_text_keeps_the_capitals_of_ai(self):
        chart = column_chart("chart-stories", "Stories", [
            ("Dec", "2026", "December 2026", {"none": 3, "assisted": 0, "generated": 2})],
            INVOLVEMENT_SERIES)
        assert chart["bars"][0]["title"] == (
            "December 2026: 3 written by people, 0 AI-assisted, 2 AI-generated")

    def test_a_bars_text_keeps_the_capitals_of_ai_and_lowers_the_rest(self):
        chart = bar_chart("chart-reasons", "Reasons",
                          [("Factual error", {"upheld": 2, "dismissed": 0, "open": 1})],
                          OUTCOME_SERIES)
        assert chart["bars"][0]["title"] == "Factual error: 2 upheld, 0 dismissed, 1 still open"
        chart = bar_chart("chart-x", "X", [("All", {"assisted": 1})], INVOLVEMENT_SERIES[1:2])
        assert chart["bars"][0]["title"] == "All: 1 AI-assisted"


# Migration 0020: text stored before control characters were stripped on save.

BEFORE_0020 = [("articles", "0019_search_visible_text")]
T = datetime(2026, 11, 20, 9, 30, tzinfo=dt_timezone.utc)
# Every kind the site strips: C0 but tab and line feed, DEL, C1 (NEL), the noncharacters.
DIRTY = "Port\x0bstrike\x1b ends\x7f\x85\ufffe\U0010ffff\ufdd0"


def _migrate(targets):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def _fill(apps):
    """Rows as they were saved before the site stripped control characters."""
    get = apps.get_model
    user = get("auth", "User").objects.create(username="reader")
    section = get("articles", "Section").objects.create(name="World\x0c", slug="world")
    author = get("authors", "Author").objects.create(
        name="Ada\x1b Reyes", slug="ada-reyes", title="Port\x07 reporter", bio="Line\r\none\x0b.")
    Article = get("articles", "Article")
    dirty = Article.objects.create(
        headline=DIRTY, slug="port-strike-ends", dek="Dek\x1b.", body=f"Body {DIRTY}\n\nTwo",
        body_html=f"<p>Body {DIRTY}</p>\n<p>Two</p>", image_alt="Alt\x9f",
        section=section, author=author, status="published", published_at=T)
    clean = Article.objects.create(
        headline="Quay\tworks", slug="quay", body="Text.\n", body_html="<p>Text.</p>",
        section=section, author=author, status="published", published_at=T)
    Article.objects.filter(pk__in=[dirty.pk, clean.pk]).update(updated_at=T)
    get("articles", "HistoricalArticle").objects.create(
        id=dirty.pk, headline=DIRTY, slug=dirty.slug, body=dirty.body, section_id=section.pk,
        author_id=author.pk, status="published", published_at=T, created_at=T, updated_at=T,
        history_date=T, history_type="+", tag_names="")
    Tag = get("taggit", "Tag")
    tags = [Tag.objects.create(name="Ports\x1f", slug="ports"),
            Tag.objects.create(name="Harbours", slug="harbours"),
            Tag.objects.create(name="Harbours\x0b", slug="harbours-2"),
            Tag.objects.create(name="Quays\x1b", slug="quays"),
            Tag.objects.create(name="Quays\x1c", slug="quays-2")]
    report = get("standards", "BiasReport").objects.create(
        article=dirty, reason="factual_error", quoted_passage="ends\x0b", details="No\ufffe.",
        status="upheld", created_at=T)
    correction = get("standards", "Correction").objects.create(
        article=dirty, text="Fixed\x1b.", date=T, bias_report=report)
    comment = get("comments", "Comment").objects.create(
        article=dirty, reader=user, body="Thanks\x0c!", moderation_reason="Spam\x85",
        created_at=T)
    page, _ = get("pages", "Page").objects.update_or_create(slug="about", defaults={
        "title": "About\x1b us", "description": "", "body": "Hi\x0b.",
        "body_html": "<p>Hi\x0b.</p>"})
    return {"dirty": dirty.pk, "clean": clean.pk, "section": section.pk, "author": author.pk,
            "tags": [tag.pk for tag in tags], "report": report.pk,
            "correction": correction.pk, "comment": comment.pk, "page": page.pk}


@pytest.mark.django_db(transaction=True)
def test_0020_strips_stored_control_characters_from_the_rows_that_hold_them(
        monkeypatch, capsys):
    from django.db import connection
    from django.db.models import QuerySet

    from articles.models import Article, Section, search_document
    from authors.models import Author
    from comments.models import Comment
    from pages.models import Page
    from standards.models import BiasReport
    from taggit.models import Tag

    executor = _migrate(BEFORE_0020)
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "articles"]
    ids = _fill(executor.loader.project_state(others + BEFORE_0020).apps)
    written = []
    bulk_update = QuerySet.bulk_update

    def recording(self, objs, fields, **kwargs):
        written.append((self.model._meta.label, sorted(obj.pk for obj in objs), fields))
        return bulk_update(self, objs, fields, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_update", recording)
    _migrate(executor.loader.graph.leaf_nodes())

    story = Article.objects.get(pk=ids["dirty"])
    assert story.headline == "Portstrike ends"
    assert (story.dek, story.body, story.body_html, story.image_alt) == (
        "Dek.", "Body Portstrike ends\n\nTwo", "<p>Body Portstrike ends</p>\n<p>Two</p>", "Alt")
    # No save: the story was not updated to readers, and its history has no new revision.
    assert story.updated_at == T and story.history.count() == 1
    assert story.history.get().headline == DIRTY
    clean = Article.objects.get(pk=ids["clean"])
    assert (clean.headline, clean.body, clean.updated_at) == ("Quay\tworks", "Text.\n", T)
    assert Section.objects.get(pk=ids["section"]).name == "World"
    author = Author.objects.get(pk=ids["author"])
    assert (author.name, author.title, author.bio) == ("Ada Reyes", "Port reporter",
                                                       "Line\r\none.")
    assert [Tag.objects.get(pk=pk).name for pk in ids["tags"]] == [
        "Ports", "Harbours", "Harbours\x0b", "Quays", "Quays\x1c"]
    said = capsys.readouterr().out
    assert f"taggit.Tag {ids['tags'][2]}: name 'Harbours' is taken; kept as stored" in said
    assert f"taggit.Tag {ids['tags'][4]}: name 'Quays' is taken; kept as stored" in said
    report = BiasReport.objects.get(pk=ids["report"])
    assert (report.quoted_passage, report.details, report.status) == ("ends", "No.", "upheld")
    assert report.corrections.get().text == "Fixed."
    comment = Comment.objects.get(pk=ids["comment"])
    assert (comment.body, comment.moderation_reason) == ("Thanks!", "Spam")
    page = Page.objects.get(pk=ids["page"])
    assert (page.title, page.body, page.body_html) == ("About us", "Hi.", "<p>Hi.</p>")

    # Only the rows holding a character were written, each model's once.
    assert [(label, pks) for label, pks, _ in written] == [
        ("articles.Article", [ids["dirty"]]), ("articles.Section", [ids["section"]]),
        ("taggit.Tag", [ids["tags"][0], ids["tags"][2], ids["tags"][3], ids["tags"][4]]),
        ("authors.Author", [ids["author"]]), ("standards.Correction", [ids["correction"]]),
        ("standards.BiasReport", [ids["report"]]), ("comments.Comment", [ids["comment"]]),
        ("pages.Page", [ids["page"]])]
    if connection.vendor == "postgresql":
        # The search reads the cleaned text, as after a save; the clean story is untouched.
        vectors = dict(Article.objects.annotate(fresh=search_document())
                       .values_list("pk", "fresh"))
        assert Article.objects.get(pk=ids["dirty"]).search_vector == vectors[ids["dirty"]]
        assert Article.objects.get(pk=ids["clean"]).search_vector is None

    # Reversed, nothing changes: the characters are not wanted back.
    _migrate(BEFORE_0020)
    assert Article.objects.values_list("headline", flat=True).get(pk=ids["dirty"]) == (
        "Portstrike ends")
    _migrate(executor.loader.graph.leaf_nodes())  # later migrations add columns


def test_a_sections_name_is_stored_without_control_characters():
    from tests.factories import SectionFactory

    section = SectionFactory(name="World\x1b\x0b", slug="world")
    section.refresh_from_db()
    assert section.name == "World"
