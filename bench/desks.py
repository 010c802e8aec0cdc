"""The desks and the readers' pages at the archive's size: ms and queries per page.

    python bench/desks.py [--rounds 3] [--add-reports]

Opens the pages editors and moderators work in (the moderation desk, the
comment and reader lists, a prolific reader's and the busiest tag's pages,
the story list and its search, a story field's suggestions, the bias
reports) as a superuser, then readers' pages with no page cache (the lists
and their later pages, the busiest tag's and the most prolific author's
pages, feeds, sitemaps, the transparency report) as an anonymous reader,
through Django's test client, and prints two Markdown tables: the median
time of `--rounds` loads after one not counted, the queries and the
slowest one.
`make bench` runs it on its 100,000-story database after the scale stage,
with --add-reports: comment and bias reports topped up to 20,000 of each
(about a fifth of the comment reports open), for the queues to hold something.

Reads DATABASE_URL like the site; run it against a copy, never a live site:
it adds a superuser (bench-desks) and, with --add-reports, reports.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PAGE_CACHE_ENABLED"] = "False"  # readers' pages as a miss renders them
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evadaily.settings")
os.environ.setdefault("REQUEST_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from taggit.models import Tag  # noqa: E402

from articles.models import Article  # noqa: E402
from comments.models import Comment, CommentReport  # noqa: E402
from standards.models import BiasReport  # noqa: E402

REPORTS = 20_000
SUGGEST = "/admin/autocomplete/?app_label=articles&model_name=relatedarticle&field_name=to_article"


def add_reports(rng):
    """Comment and bias reports, up to REPORTS of each (seed_scale makes neither).

    The demo newsroom (seed_demo) files a handful of bias reports; they are
    topped up rather than counted as a queue.
    """
    now = timezone.now()
    if not CommentReport.objects.exists():
        comments = list(Comment.objects.filter(status=Comment.Status.APPROVED)
                        .order_by("?").values_list("pk", "created_at")[:REPORTS])
        CommentReport.objects.bulk_create(
            (CommentReport(comment_id=pk, reason=CommentReport.Reason.SPAM,
                           created_at=created + timedelta(hours=1),
                           resolved_at=(created + timedelta(days=1)
                                        if rng.random() < 0.8 else None))
             for pk, created in comments), batch_size=5000)
    if (filed := BiasReport.objects.count()) < REPORTS:
        stories = list(Article.objects.published().values_list("pk", flat=True))
        statuses = list(BiasReport.Status.values)
        reports = []
        for _ in range(REPORTS - filed):
            created = now - timedelta(days=rng.random() * 700)
            status = rng.choices(statuses, [3, 1, 4, 12])[0]
            decided = status in (BiasReport.Status.UPHELD, BiasReport.Status.DISMISSED)
            reports.append(BiasReport(
                article_id=rng.choice(stories), reason=rng.choice(BiasReport.Reason.values),
                details="Seems one-sided.", status=status, created_at=created,
                resolved_at=created + timedelta(days=rng.random() * 10) if decided else None,
                resolution_note="Checked." if decided else ""))
        BiasReport.objects.bulk_create(reports, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner learns of the reports


def pages():
    """(label, path) of the pages measured, picked from the data."""
    reader = (Comment.objects.exclude(reader=None).values("reader")
              .annotate(n=Count("pk")).order_by("-n").values_list("reader", flat=True).first())
    tag = (Tag.objects.annotate(n=Count("taggit_taggeditem_items")).order_by("-n")
           .values_list("pk", flat=True).first())
    reader_name = (get_user_model().objects.filter(pk=reader).values_list("username", flat=True)
                   .first())
    talked_about = (Comment.objects.values("article").annotate(n=Count("pk")).order_by("-n")
                    .values_list("article", flat=True).first())
    section = (Article.objects.values("section").annotate(n=Count("pk")).order_by("-n")
               .values_list("section", flat=True).first())
    found = [
        ("moderation overview", "/admin/moderation/"),
        ("comment queue (desk)", "/admin/moderation/comments/"),
        ("comment queue, reported", "/admin/moderation/comments/?show=reported"),
        ("comment list", "/admin/comments/comment/"),
        ("comment list, needs review", "/admin/comments/comment/?queue=review"),
        # A click on a column's heading: status, reader, hold reason, open reports.
        ("comment list by status", "/admin/comments/comment/?o=4"),
        ("comment list by reader", "/admin/comments/comment/?o=2"),
        ("comment list by hold reason", "/admin/comments/comment/?o=5"),
        ("comment list, most reported first", "/admin/comments/comment/?o=-6"),
        ("comment list, page 500", "/admin/comments/comment/?p=500"),
        ("comment list, search: common word", "/admin/comments/comment/?q=harbour"),
        ("comment list, search: a reader's name",
         f"/admin/comments/comment/?q={reader_name}"),
        ("reader list", "/admin/accounts/reader/"),
        ("most prolific reader's page", f"/admin/accounts/reader/{reader}/change/"),
        ("busiest tag's page", f"/admin/taggit/tag/{tag}/change/"),
        ("story list", "/admin/articles/article/"),
        ("story list, search: common word", "/admin/articles/article/?q=harbour"),
        ("story list, search: rare word", "/admin/articles/article/?q=flour"),
        ("story list, AI-generated", "/admin/articles/article/?ai_involvement__exact=generated"),
        ("story field, suggestions for 'harb'", f"{SUGGEST}&term=harb"),
        ("bias-report triage", "/admin/moderation/bias-reports/"),
        ("bias-report list", "/admin/standards/biasreport/"),
        # Deleting: what would go with the object, or what keeps it from going.
        ("most commented story's delete page", f"/admin/articles/article/{talked_about}/delete/"),
        ("busiest section's delete page", f"/admin/articles/section/{section}/delete/"),
        ("busiest tag's delete page", f"/admin/taggit/tag/{tag}/delete/"),
    ]
    return [(label, path) for label, path in found if "None" not in path]


def reader_pages():
    """(label, path) of readers' pages, the lists' last pages among them."""
    public = Article.objects.published()
    tag = Tag.objects.annotate(n=Count("taggit_taggeditem_items")).order_by("-n").first()
    author = public.values("author__slug").annotate(n=Count("pk")).order_by("-n").first()
    section = public.values("section__slug").annotate(n=Count("pk")).order_by("-n").first()
    found = [
        ("front page", "/"),
        ("latest stories", "/articles/"),
        ("latest stories, last page", f"/articles/?page={_last(public.count())}"),
        ("busiest section", f"/sections/{section['section__slug']}/"),
        ("busiest section, last page", f"/sections/{section['section__slug']}/"
         f"?page={_last(public.filter(section__slug=section['section__slug']).count())}"),
        ("authors", "/authors/"),
        ("most prolific author", f"/authors/{author['author__slug']}/"),
        ("most prolific author, last page", f"/authors/{author['author__slug']}/"
         f"?page={_last(author['n'])}"),
        ("corrections", "/corrections/"),
        ("sitemap index", "/sitemap.xml"),
        ("stories' sitemap, first page", "/sitemap-articles.xml"),
        ("tags' sitemap", "/sitemap-tags.xml"),
        ("news sitemap", "/sitemap-news.xml"),
        ("feed", "/feeds/latest/"),
        ("transparency report", "/transparency/"),
    ]
    if tag is not None:
        count = public.tagged(tag).count()
        found[5:5] = [("busiest tag", f"/tags/{tag.slug}/"),
                      ("busiest tag, last page", f"/tags/{tag.slug}/?page={_last(count)}"),
                      ("busiest tag's feed", f"/tags/{tag.slug}/feed/")]
    return found


def _last(count):
    """The number of a list's last page."""
    return max(1, -(-count // settings.ARTICLES_PER_PAGE))


def measure(client, path, rounds):
    client.get(path)  # not counted: what a process reads once
    times, counts, slowest = [], 0, 0.0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
        counts = len(captured.captured_queries)
        slowest = max([slowest, *(float(q["time"]) * 1000 for q in captured.captured_queries)])
    return statistics.median(times), counts, slowest


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--add-reports", action="store_true")
    parser.add_argument("--seed", type=int, default=14)
    options = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if options.add_reports:
        add_reports(random.Random(options.seed))
    user, _ = get_user_model().objects.update_or_create(
        username="bench-desks", defaults={"is_staff": True, "is_superuser": True})
    client = Client()
    client.force_login(user)
    lines = [f"The desks at {Article.objects.count():,} stories, {Comment.objects.count():,} "
             f"comments, {CommentReport.objects.count():,} comment reports and "
             f"{BiasReport.objects.count():,} bias reports (bench/desks.py, in-process, "
             f"median of {options.rounds}):", "",
             "| page | ms | queries | slowest query ms |", "|---|---:|---:|---:|"]
    for label, path in pages():
        ms, count, slowest = measure(client, path, options.rounds)
        lines.append(f"| {label} | {ms:.0f} | {count} | {slowest:.0f} |")
        print(lines[-1], file=sys.stderr, flush=True)
    lines += ["", "Readers' pages, anonymous, with no page cache (what a miss costs):", "",
              "| page | ms | queries | slowest query ms |", "|---|---:|---:|---:|"]
    for label, path in reader_pages():
        ms, count, slowest = measure(Client(), path, options.rounds)
        lines.append(f"| {label} | {ms:.0f} | {count} | {slowest:.0f} |")
        print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
