"""EXPLAIN the hot queries on the benchmark database: each must use an index.

Run by bench/bench.py through `manage.py shell`; prints one line per query
and exits non-zero when a plan scans a whole table of articles or comments.
"""

import re
import sys

from django.db import connection

from articles import search
from django.db.models import Count
from taggit.models import Tag

from articles.models import Article, Section
from comments.models import Comment, WaitingComments, waiting
from standards.models import BiasReport

article = Article.objects.published().filter(comments__isnull=False).first()
section = Section.objects.first()
tag = Tag.objects.annotate(n=Count("taggit_taggeditem_items")).order_by("-n").first()
QUERIES = {
    "front page: latest by section": Article.objects.published().latest_by_section(
        5, list(Section.objects.all())),
    "front page: featured lead": Article.objects.published().filter(is_featured=True)
    .for_listing()[:1],
    "article by slug": Article.objects.filter(slug=article.slug),
    "section page": Article.objects.published().filter(section=section).for_listing()[:20],
    "all articles page": Article.objects.published().for_listing()[:20],
    # core.pagination.ArchivePaginator: a later page's ids, from the index alone.
    "all articles, page 1,000's ids": Article.objects.published().for_listing()
    .values("pk")[19980:20000],
    "busiest tag's page": Article.objects.published().tagged(tag).for_listing()[:20],
    "busiest tag's stories (its count)": Article.objects.published().tagged(tag).order_by()
    .values("pk"),
    "comments page": Comment.objects.for_display().filter(article=article)[:20],
    "related by tags": Article.objects.published()
    .filter(tags__in=list(article.tags.values_list("pk", flat=True)))[:4],
    # The newsroom's lists in the admin, every state, in their models' order.
    "admin: story list": Article.objects.select_related("section", "author")
    .order_by("-published_at", "-pk")[:100],
    "admin: bias-report list": BiasReport.objects.select_related("article")
    .order_by("created_at", "pk")[:100],
    # The comment list, past those needing review (comments.admin._in_parts).
    "admin: comment list, the rest": Comment.objects.exclude(waiting())
    .order_by("created_at", "pk")[:100],
    "admin: comment list by status": Comment.objects.order_by("status", "created_at", "pk")[:100],
    # The moderation desk: a page of the waiting comments' keys (WaitingComments).
    "desk: a page of waiting comments": WaitingComments(None).keys()[:10],
    # bench.py's two words: in most stories (walk the newest), in one (the GIN index).
    "search, common word": search.newest_matches("harbour", Article.objects.published()),
    "search, rare word": search.newest_matches("flour", Article.objects.published()),
}
failed = False
for label, queryset in QUERIES.items():
    # QuerySet.explain() cannot wrap a query filtered on a window function.
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    big_scan = any(re.search(rf"Seq Scan on {table}\b", plan)
                   for table in ("articles_article", "comments_comment"))
    uses_index = "Index" in plan
    failed |= big_scan or not uses_index
    verdict = "index" if uses_index and not big_scan else "NO INDEX"
    print(f"  {verdict:<8} {label}: {plan.splitlines()[0].strip()[:90]}")
if failed:
    sys.exit("A hot query does not use an index at this size.")
