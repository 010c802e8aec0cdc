"""Fill the database with a large, plausible archive for benchmarks and query plans.

Rows go in with bulk inserts; Markdown is rendered once per body template,
not per row, and no images are made.
"""

import random
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from articles.models import Article, RelatedArticle, Section, search_document
from authors.models import Author
from comments.models import Comment
from core.text import estimate_reading_minutes, render_markdown

BATCH = 5000
SECTIONS = ["World", "Politics", "Business", "Science", "Climate", "Culture", "Sport",
            "Cities"]
WORDS = ("harbour council budget ferry strike election reform tariff drought forest "
         "museum festival court ruling bridge tunnel archive river coalition minister "
         "vaccine satellite orchestra league harvest storm census tram library port "
         "treaty summit protest market wages housing rents pension startup reactor "
         "glacier reef lighthouse senate mayor union referendum").split()
PARAGRAPH = ("The {a} in Port Evander has become the question of the season, and the "
             "{b} that followed it has divided residents who rarely disagree about "
             "anything. Officials said the {c} would be reviewed before the {d} next "
             "spring, while critics argued that the {a} had been settled long ago. ")
# The editor named as having reviewed the AI stories (Article.clean asks for one), and
# how long before its publication, or before now for a scheduled story, each was reviewed.
REVIEWER = "scale-editor"
REVIEWED_BEFORE = timedelta(minutes=30)


def _progress(out, label, done, total, started):
    width = 30
    filled = int(width * done / total) if total else width
    rate = done / max(time.monotonic() - started, 1e-6)
    out.write(f"\r{label:<9} [{'#' * filled}{'.' * (width - filled)}] "
              f"{done:>9,}/{total:,} {rate:>9,.0f}/s", ending="\n" if done >= total else "")
    out.flush()


class Command(BaseCommand):
    help = "Bulk-insert a large archive: articles, tags, related links, readers, comments."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=10_000)
        parser.add_argument("--comments", type=int, default=100_000)
        parser.add_argument("--readers", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--allow-without-debug", action="store_true",
                            help="run even with DEBUG off (a benchmark's own database; "
                                 "never a real site's)")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_without_debug"]:
            # Its stories are public at once, some dated today: on a real site they went
            # into the next edition to subscribers, beside 5,000 made-up readers and a
            # staff account.
            raise CommandError(
                "seed_scale publishes thousands of made-up stories, readers and comments, "
                "so it runs only with DEBUG on. Pass --allow-without-debug for a benchmark's "
                "own database, never a real site's.")
        if options["articles"] < 1 or options["comments"] < 0 or options["readers"] < 1:
            raise CommandError("--articles and --readers must be at least 1, "
                               "--comments at least 0.")
        rng = random.Random(options["seed"])
        out = self.stdout
        run = timezone.now().strftime("%Y%m%d%H%M%S")
        started = time.monotonic()
        with transaction.atomic():
            sections = self._sections()
            authors = self._authors(rng)
            tags = self._tags(rng)
            reviewer = self._reviewer()
            article_ids = self._articles(rng, options["articles"], sections, authors, tags,
                                         reviewer, run, out)
            readers = self._readers(options["readers"], run, out)
            self._comments(rng, options["comments"], article_ids, readers, out)
        from core.pagecache import SITE_TAG, changed

        # Bulk inserts send no signals: every cached page is stale.
        changed({SITE_TAG})
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {options['articles']:,} articles and {options['comments']:,} comments "
            f"in {time.monotonic() - started:.0f} s."))

    def _sections(self):
        existing = {s.name: s for s in Section.objects.all()}
        missing = [Section(name=name, slug=slugify(name), position=index)
                   for index, name in enumerate(SECTIONS) if name not in existing]
        Section.objects.bulk_create(missing)
        return list(Section.objects.all())

    def _authors(self, rng):
        names = [f"Scale Writer {i:02d}" for i in range(40)]
        Author.objects.bulk_create(
            [Author(name=name, slug=slugify(name), title="Correspondent", is_ai=i < 6,
                    ai_disclosure="Generated by the newsroom's language model; the "
                                  "duty editor is accountable." if i < 6 else "")
             for i, name in enumerate(names)],
            ignore_conflicts=True)
        return list(Author.objects.filter(name__in=names))

    def _reviewer(self):
        """The newsroom editor who reviewed the AI stories: staff, in Editors, cannot sign in."""
        editors = Group.objects.filter(name="Editors").first()
        if editors is None:
            raise CommandError('The "Editors" group is missing; run migrate first.')
        reviewer, _ = get_user_model().objects.get_or_create(username=REVIEWER, defaults={
            "first_name": "Scale", "last_name": "Editor", "is_staff": True,
            "password": make_password(None)})
        reviewer.groups.add(editors)
        return reviewer

    def _tags(self, rng):
        names = [f"{a} {b}" for a in WORDS[:25] for b in WORDS[25:45]][:500]
        Tag.objects.bulk_create([Tag(name=n, slug=slugify(n)) for n in names],
                                ignore_conflicts=True)
        return list(Tag.objects.filter(name__in=names).values_list("pk", flat=True))

    def _bodies(self, rng):
        bodies = []
        for _ in range(40):
            paragraphs = [PARAGRAPH.format(**{k: rng.choice(WORDS) for k in "abcd"}) * 2
                          for _ in range(rng.randint(4, 12))]
            source = "\n\n".join(paragraphs)
            html = render_markdown(source)
            bodies.append((source, html, estimate_reading_minutes(html)))
        return bodies

    def _articles(self, rng, total, sections, authors, tags, reviewer, run, out):
        now = timezone.now()
        bodies = self._bodies(rng)
        # A few sections and authors carry most stories, as in a real newsroom.
        section_weights = [1 / (i + 1) for i in range(len(sections))]
        author_weights = [1 / (i + 1) ** 0.7 for i in range(len(authors))]
        tag_weights = [1 / (i + 1) ** 0.9 for i in range(len(tags))]
        content_type = ContentType.objects.get_for_model(Article)
        ids = []
        started = time.monotonic()
        for start in range(0, total, BATCH):
            batch = []
            for i in range(start, min(start + BATCH, total)):
                source, html, minutes = rng.choice(bodies)
                roll = rng.random()
                published_at = now - timedelta(minutes=rng.randint(5, 3 * 365 * 24 * 60))
                status = Article.Status.PUBLISHED
                if roll < 0.02:
                    status, published_at = Article.Status.DRAFT, None
                elif roll < 0.03:
                    published_at = now + timedelta(hours=rng.randint(1, 240))
                words = rng.sample(WORDS, 6)
                # Drawn in the order they always were: a seed gives the stories it gave.
                section = rng.choices(sections, section_weights)[0]
                author = rng.choices(authors, author_weights)[0]
                is_featured = rng.random() < 0.002
                generated = rng.random() < 0.1
                article = Article(
                    headline=f"{words[0].title()} {words[1]} and the {words[2]} of "
                             f"{words[3]} {i}",
                    slug=f"scale-{run}-{i}",
                    dek=f"What the {words[4]} means for the {words[5]}.",
                    body=source, body_html=html, reading_minutes=minutes,
                    section=section, author=author,
                    status=status, published_at=published_at,
                    is_featured=is_featured,
                    # An AI persona's story is never "none" (Article.clean).
                    ai_involvement=Article.AIInvolvement.GENERATED if generated
                    else Article.AIInvolvement.ASSISTED if author.is_ai
                    else Article.AIInvolvement.NONE,
                )
                if status == Article.Status.PUBLISHED and article.needs_ai_review():
                    article.ai_reviewed_by = reviewer
                    article.ai_reviewed_at = min(published_at, now) - REVIEWED_BEFORE
                batch.append(article)
            created = Article.objects.bulk_create(batch)
            batch_ids = [a.pk for a in created] or list(
                Article.objects.filter(slug__in=[a.slug for a in batch])
                .values_list("pk", flat=True))
            tagged = []
            for article_id in batch_ids:
                for tag_id in set(rng.choices(tags, tag_weights, k=rng.randint(1, 5))):
                    tagged.append(TaggedItem(tag_id=tag_id, object_id=article_id,
                                             content_type=content_type))
            TaggedItem.objects.bulk_create(tagged)
            links = []
            for article_id in batch_ids:
                if ids and rng.random() < 0.2:
                    picks = rng.sample(ids[-2000:], min(len(ids[-2000:]), rng.randint(1, 3)))
                    links += [RelatedArticle(from_article_id=article_id, to_article_id=pick,
                                             position=n) for n, pick in enumerate(picks)]
            RelatedArticle.objects.bulk_create(links, ignore_conflicts=True)
            ids += batch_ids
            _progress(out, "articles", len(ids), total, started)
        if connection.vendor == "postgresql":
            # bulk_create skips save(), which keeps the search vector current.
            Article.objects.filter(pk__in=ids).update(search_vector=search_document())
        return ids

    def _readers(self, total, run, out):
        User = get_user_model()
        password = make_password(None)  # unusable: these readers cannot sign in
        started = time.monotonic()
        for start in range(0, total, BATCH):
            User.objects.bulk_create([
                User(username=f"scale-{run}-{i}", password=password)
                for i in range(start, min(start + BATCH, total))
            ])
            _progress(out, "readers", min(start + BATCH, total), total, started)
        return list(User.objects.filter(username__startswith=f"scale-{run}-")
                    .values_list("pk", flat=True))

    def _comments(self, rng, total, article_ids, readers, out):
        if not total:
            return
        now = timezone.now()
        # Attention is skewed: a few stories draw most of the comments.
        weights = [1 / (rank + 1) ** 0.8 for rank in range(len(article_ids))]
        started = time.monotonic()
        for start in range(0, total, BATCH):
            count = min(BATCH, total - start)
            chosen = rng.choices(article_ids, weights, k=count)
            Comment.objects.bulk_create([
                Comment(article_id=article_id, reader_id=rng.choice(readers),
                        body=f"{rng.choice(WORDS).title()} is the real story here; "
                             f"nobody mentions the {rng.choice(WORDS)}.",
                        status="approved" if rng.random() < 0.95 else
                        rng.choice(["pending", "hidden"]),
                        created_at=now - timedelta(minutes=rng.randint(1, 365 * 24 * 60)))
                for article_id in chosen
            ])
            _progress(out, "comments", start + count, total, started)
