"""The standards blocks on pages articles serves: a story's corrections and review records."""

from django import template
from django.db import connections, router

from core.rows import ModelRows, once_per_connection

from ..models import BiasReport, Correction

register = template.Library()


@register.simple_tag
def story_corrections(article):
    """The story's corrections, each marked when it followed an upheld report; read once.

    Not read at all when the story's own query counted none (correction_count,
    story_review_counts()).
    """
    if not hasattr(article, "_standards_corrections"):
        counted_none = getattr(article, "correction_count", None) == 0
        corrections = [] if counted_none else _corrections_of(article)
        for correction in corrections:
            correction.article = article
            correction.follows_upheld_report = correction.report_status == BiasReport.Status.UPHELD
        article._standards_corrections = corrections
    return article._standards_corrections


def _corrections_of(article):
    """article.corrections.annotate(report_status=F("bias_report__status")), in Meta's order.

    Written as SQL, and the report's status compared in Python: the ORM
    took longer to build and compile this than the database to run it, on
    every cold render of a story page.
    """
    connection = connections[article._state.db or router.db_for_read(Correction)]
    rows, sql = once_per_connection(connection, "story-corrections", _corrections_query)
    return rows.fetch(sql, [article.pk])


def _corrections_query(connection):
    # Columns named, not c.*: a kept plan (core.backends.postgresql) must not
    # change its result when a migration adds a column.
    name = connection.ops.quote_name
    corrections, reports = name(Correction._meta.db_table), name(BiasReport._meta.db_table)
    rows = ModelRows(connection, Correction, "c",
                     extra=[("report_status", BiasReport._meta.get_field("status").get_col("r"))])
    return rows, (f"SELECT {rows.columns}, r.status FROM {corrections} c "
                  f"LEFT JOIN {reports} r ON r.id = c.bias_report_id "
                  "WHERE c.article_id = %s ORDER BY c.date, c.id")


@register.simple_tag
def story_review_record(article):
    """Shown once a report is decided; open reports are not."""
    if not article.bias_reports_reviewed:
        return None
    return {
        "reviewed": article.bias_reports_reviewed,
        "upheld": article.bias_reports_upheld,
        "corrections": [c for c in story_corrections(article) if c.follows_upheld_report],
    }


@register.simple_tag
def author_review_record(author):
    """An AI persona's review record beside the newsroom's, per 10 public stories."""
    return {
        "reviewed": author.bias_reports_reviewed, "upheld": author.bias_reports_upheld,
        "stories": author.public_stories, "newsroom_stories": author.newsroom_stories,
        "per_10": _per_10(author.bias_reports_reviewed, author.bias_reports_upheld,
                          author.public_stories),
        "newsroom_per_10": _per_10(author.newsroom_reviewed, author.newsroom_upheld,
                                   author.newsroom_stories),
    }


def _per_10(reviewed, upheld, stories):
    """Reports reviewed and upheld per 10 public stories, to one decimal (None without stories)."""
    if not stories:
        return None
    return {"reviewed": round(10 * reviewed / stories, 1),
            "upheld": round(10 * upheld / stories, 1)}


@register.inclusion_tag("standards/includes/report_bias.html")
def report_bias_link(article):
    """The article page's "Report Bias" button, opening the form in a dialog."""
    return {"article": article}
