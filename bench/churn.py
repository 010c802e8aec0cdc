"""The newsroom at work while make bench reads: a writer bounded in time.

Run by bench/bench.py beside the visit mix, with the bench's environment:

    python bench/churn.py --seconds 30 --stories STORIES [--ready-file FILE]

STORIES is the visit mix's story file (bench/visit_mix.lua), most read
first. Every change goes through the code the newsroom's own change goes
through, so the same signals fire and the same caches are emptied:

- every 3 s an editor edits a popular story, the standfirst or the body
  (clean() and save() in one transaction, as the admin's change form does);
- every 1 s a reader's comment is posted: check_comment() decides it, as the
  comment view does, and Comment.objects.create() stores it;
- every 5 s a reader files a bias report through BiasReportForm, as the
  report view does (without its per-address rate limit, which allows five
  an hour);
- every 5 s a moderator decides, in turn, a held comment (decide_comments)
  and an open bias report (decide_bias_report).

Prints one JSON line of counts at the end; exits non-zero on any failure.
"""

import argparse
import itertools
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POPULAR = 200  # stories that draw the edits, comments and reports
SKEW = 1.1  # Zipf exponent, as in the readers' visit mix
INTERVALS = {"edit": 3.0, "comment": 1.0, "bias_report": 5.0, "decision": 5.0}  # seconds
WORDS = ("ferry", "budget", "harbour", "council", "tram", "library", "wages", "forecast")


def _slugs(stories_file):
    """Story slugs from the visit mix's story file, most read first."""
    slugs = []
    for line in Path(stories_file).read_text().splitlines()[:POPULAR]:
        article_path = line.split("\t")[0]
        slugs.append(article_path.rstrip("/").rsplit("/", 1)[-1])
    return slugs


class Newsroom:
    """One editor, one moderator and many readers, acting on the popular stories."""

    def __init__(self, slugs, rng):
        from django.contrib.auth import get_user_model
        from django.db.models import Q

        from articles.models import Article

        User = get_user_model()
        self.rng = rng
        found = Article.objects.filter(slug__in=slugs)
        pks = dict(found.values_list("slug", "pk"))
        self.stories = [pks[slug] for slug in slugs if slug in pks]
        # seed_scale leaves some AI stories without a named reviewer, which
        # save() refuses, as the admin would: the editor edits the others.
        unreviewed = ((Q(author__is_ai=True) | Q(ai_involvement=Article.AIInvolvement.GENERATED))
                      & Q(ai_reviewed_by__isnull=True))
        editable = set(found.exclude(unreviewed).values_list("pk", flat=True))
        self.editable = [pk for pk in self.stories if pk in editable]
        if not self.editable:
            raise SystemExit("churn: no story of the visit mix can be edited")
        self.editor = User.objects.get_or_create(
            username="bench-editor", defaults={"is_staff": True})[0]
        self.moderator = User.objects.get_or_create(
            username="bench-moderator", defaults={"is_staff": True})[0]
        self.readers = list(User.objects.filter(is_staff=False, is_active=True)
                            .order_by("pk")[:500])
        if not self.readers:
            raise SystemExit("churn: no readers in the database")
        self.originals = {}  # story pk -> (dek, body) before the first edit
        self.sequence = itertools.count(1)
        self.decide_comment_next = True
        self.counts = {"edits": 0, "comments": 0, "comments_held": 0, "bias_reports": 0,
                       "comment_decisions": 0, "bias_decisions": 0,
                       "idle_decisions": 0}  # nothing was waiting to be decided

    def _story(self, among=None):
        """A story picked as readers pick them: the most read most often."""
        from articles.models import Article

        among = among or self.stories
        pk = self.rng.choices(among, [1 / (rank + 1) ** SKEW for rank in range(len(among))])[0]
        return Article.objects.select_related("author", "ai_reviewed_by").get(pk=pk)

    def edit(self):
        """An editor updates the standfirst or the body; the text does not grow."""
        from django.db import transaction

        article = self._story(self.editable)
        dek, body = self.originals.setdefault(article.pk, (article.dek, article.body))
        n = next(self.sequence)
        stamp = time.strftime("%H:%M:%S")
        if n % 2:
            article.dek = f"{dek} (Updated {stamp}.)".strip()
        else:
            article.body = f"{body}\n\n*This story was updated at {stamp}.*"
        article._history_user = self.editor  # the revision names its editor, as in the admin
        with transaction.atomic():
            article.clean()
            article.save()
        self.counts["edits"] += 1

    def comment(self):
        """A reader posts a comment through the comment view's own checks."""
        from comments.models import Comment
        from comments.moderation import check_comment

        article = self._story()
        reader = self.rng.choice(self.readers)
        n = next(self.sequence)
        body = f"Comment {n} from the bench: the {self.rng.choice(WORDS)} matters most here."
        status, hold_reason = check_comment(reader, article, body)
        Comment.objects.create(article=article, reader=reader, body=body, status=status,
                               hold_reason=hold_reason, submission_token=uuid.uuid4().hex)
        self.counts["comments"] += 1
        if status != Comment.Status.APPROVED:
            self.counts["comments_held"] += 1

    def bias_report(self):
        """A reader files a bias report through the report form."""
        from standards.forms import BiasReportForm
        from standards.models import BiasReport

        article = self._story()
        reasons = [r for r in BiasReport.Reason.values if r != BiasReport.Reason.OTHER]
        form = BiasReportForm({
            "reason": self.rng.choice(reasons),
            "quoted_passage": article.dek[:200],
            "details": f"Report {next(self.sequence)} from the bench: this reads one-sided.",
        })
        if not form.is_valid():
            raise RuntimeError(f"churn: the bias report form refused: {form.errors.as_json()}")
        report = form.save(commit=False)
        report.article = article
        report.reader = self.rng.choice(self.readers)
        report.save()
        self.counts["bias_reports"] += 1

    def decision(self):
        """A moderator decides the oldest held comment or open bias report, in turn."""
        from comments.models import Comment
        from comments.moderation import decide_comments
        from standards.models import BiasReport
        from standards.workflow import decide_bias_report

        first, self.decide_comment_next = self.decide_comment_next, not self.decide_comment_next
        for kind in (("comment", "bias") if first else ("bias", "comment")):
            if kind == "comment":
                held = (Comment.objects.filter(status=Comment.Status.PENDING)
                        .select_related("reader").order_by("created_at", "pk").first())
                if held is not None:
                    status = self.rng.choice([Comment.Status.APPROVED, Comment.Status.HIDDEN])
                    decide_comments([held], status, self.moderator, "Decided by the bench")
                    self.counts["comment_decisions"] += 1
                    return
            else:
                report = BiasReport.objects.open().order_by("created_at", "pk").first()
                if report is not None:
                    status = self.rng.choice([BiasReport.Status.UPHELD,
                                              BiasReport.Status.DISMISSED])
                    decide_bias_report(report, status, self.moderator, "Decided by the bench")
                    self.counts["bias_decisions"] += 1
                    return
        self.counts["idle_decisions"] += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, required=True, help="how long to write")
    parser.add_argument("--stories", required=True, help="the visit mix's story file")
    parser.add_argument("--ready-file", help="created once Django is set up")
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evadaily.settings")
    import django

    django.setup()
    newsroom = Newsroom(_slugs(options.stories), random.Random(options.seed))
    if options.ready_file:
        Path(options.ready_file).touch()

    started = time.monotonic()
    deadline = started + options.seconds
    due = dict.fromkeys(INTERVALS, started)
    # Bounded by count as well as time: never more actions than the schedule allows.
    budget = sum(int(options.seconds / every) + 1 for every in INTERVALS.values())
    for _ in range(budget):
        task, when = min(due.items(), key=lambda item: item[1])
        if when >= deadline:
            break
        time.sleep(max(0.0, when - time.monotonic()))
        getattr(newsroom, task)()
        # The next one is due an interval after this one was due, so a slow
        # action does not slow the schedule; after a long delay it runs at once,
        # and the actions missed meanwhile are not made up.
        due[task] = max(when + INTERVALS[task], time.monotonic())
    print(json.dumps({**newsroom.counts,
                      "seconds": round(time.monotonic() - started, 1)}), flush=True)


if __name__ == "__main__":
    main()
