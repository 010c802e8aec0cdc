"""The demo newsroom, read from demo/data/ (its README describes the files).

Stories are loaded the way real copy is, through an import file (with generated
pictures) and import_articles; those already on the site are left as they are.
"""

import json
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from articles.models import Article
from articles.tasks import make_waiting_renditions
from authors.models import Author
from comments.models import Comment
from demo import illustrations
from standards.models import BiasReport, Correction
from standards.workflow import decide_bias_report

DATA = Path(__file__).resolve().parents[2] / "data"
DEMO_PASSWORD = "evadaily-demo"
INTERRUPTED = 130  # the exit status of a program Ctrl-C stopped (128 + SIGINT)
# How long before an AI persona's story goes out its reviewing editor read it.
REVIEW_LEAD = timedelta(minutes=40)


def _load(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class Command(BaseCommand):
    help = (
        "Load the demo newsroom: fictional stories, human and AI authors, generated "
        "images, and demo accounts (editor, moderator, reader) with a published password."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing when the database already has articles")
        parser.add_argument("--allow-without-debug", action="store_true",
                            help="run even with DEBUG off (the demo accounts' password "
                                 "is public, so never on a real site)")

    def handle(self, *args, if_empty, allow_without_debug, verbosity, **options):
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "seed_demo creates staff accounts whose password is public, so it runs only "
                "with DEBUG on. Pass --allow-without-debug if this is not a real site."
            )
        try:
            self._seed(if_empty, verbosity)
        except KeyboardInterrupt:
            # Each step (accounts, the stories' import, the conversation) is saved
            # whole or not at all, and a second run does what is missing.
            raise CommandError("Interrupted; nothing is left half-done: run seed_demo again.",
                               returncode=INTERRUPTED) from None

    def _seed(self, if_empty, verbosity):
        if if_empty and Article.objects.exists():
            # Nothing, not even the demo accounts: their roles and rights stay as an
            # administrator left them (make run calls this at every start).
            self.stdout.write("The database already has articles; the demo newsroom was "
                              "not loaded again.")
            return
        accounts = _ensure_accounts()
        now = timezone.now().replace(second=0, microsecond=0)
        self._import_stories(now, verbosity)
        _demo_conversation(now)

        self.stdout.write(f'Demo accounts (password "{DEMO_PASSWORD}"):')
        for username, role, created in accounts:
            note = "" if created else " (already existed; password left unchanged)"
            self.stdout.write(f"  {username:<10} {role}{note}")

    def _import_stories(self, now, verbosity):
        stories = _load("stories.json")["stories"]
        on_site = Article.objects.in_bulk([story["slug"] for story in stories], field_name="slug")
        missing = [story for story in stories if story["slug"] not in on_site]
        if not missing:
            self.stdout.write("The demo stories are already on the site; none was imported.")
            return
        with tempfile.TemporaryDirectory(prefix="evadaily-demo-") as folder:
            path = _write_import(Path(folder), missing, now)
            call_command("import_articles", str(path), stdout=self.stdout,
                         stderr=self.stderr, verbosity=verbosity)
        # The import queued the pictures' renditions for the task worker; the demo
        # is complete without one.
        make_waiting_renditions()


@transaction.atomic
def _ensure_accounts():
    """Create the demo accounts once; later runs only restore their roles."""
    User = get_user_model()
    result = []
    for account in _load("accounts.json")["accounts"]:
        username, group_name = account["username"], account["group"]
        group = Group.objects.filter(name=group_name).first() if group_name else None
        if group_name and group is None:
            raise CommandError(f'The "{group_name}" group is missing; run migrate first.')
        user, created = User.objects.get_or_create(username=username, defaults={
            "first_name": account["first_name"], "last_name": account["last_name"],
            "email": f"{username}@example.org", "is_staff": bool(group),
            "password": lambda: make_password(DEMO_PASSWORD)})  # hashed only when created
        if user.is_staff != bool(group):
            user.is_staff = bool(group)
            user.save(update_fields=["is_staff"])
        if group:
            user.groups.add(group)
        result.append((username, f"staff, {group_name}" if group else "reader", created))
    return result


def _write_import(folder, stories, now):
    """Write the import file for stories, with their pictures, into folder; return its path."""
    for sub in ("avatars", "images"):
        (folder / sub).mkdir()
    authors = {}
    for spec in _load("authors.json")["authors"]:
        existing = Author.objects.filter(name__iexact=spec["name"]).first()
        if existing:  # named by slug, so that the import leaves the author as it is
            authors[spec["name"]] = existing.slug
            continue
        avatar = f"avatars/{slugify(spec['name'])}.png"
        (folder / avatar).write_bytes(illustrations.avatar_image(
            spec["name"], tuple(spec["colour"]), spec["is_ai"]))
        authors[spec["name"]] = {k: v for k, v in spec.items() if k != "colour"} | {
            "avatar": avatar}

    articles = []
    for story in stories:
        slug, picture = story["slug"], story["illustration"]
        image = f"images/{slug}.jpg"
        (folder / image).write_bytes(
            illustrations.hero_image(slug, picture["scene"], picture["palette"]))
        article = {k: v for k, v in story.items() if k not in ("days_ago", "illustration")}
        drawn = {"file": image, "illustration": True,
                 "alt": illustrations.describe(picture["scene"], picture["palette"])}
        article |= {"body": (DATA / "stories" / f"{slug}.md").read_text(encoding="utf-8"),
                    "author": authors[story["author"]], "image": drawn | story["image"]}
        if "days_ago" in story:  # else an undated draft; negative is scheduled
            published_at = now - timedelta(days=story["days_ago"])
            article["published_at"] = published_at.isoformat()
            if "reviewed_by" in story.get("ai", {}):
                article["ai"] = story["ai"] | {
                    "reviewed_at": (published_at - REVIEW_LEAD).isoformat()}
        articles.append(article)
    path = folder / "demo.json"
    path.write_text(json.dumps({"articles": articles}, ensure_ascii=False), encoding="utf-8")
    return path


@transaction.atomic  # whole or not at all: a second run adds it only when there is none
def _demo_conversation(now):
    """Readers' comments and a few bias reports in each state, once."""
    if Comment.objects.exists() or BiasReport.objects.exists():
        return
    data = _load("conversation.json")
    User = get_user_model()
    moderator = User.objects.get(username="moderator")
    comments = [comment | {"story": pool["story"]} for pool in data["comment_pools"]
                for comment in pool["comments"]]
    stories = Article.objects.in_bulk(
        [item["story"] for item in comments + data["bias_reports"]], field_name="slug")
    for item in map(dict, comments):
        username = item.pop("reader")
        reader, _ = User.objects.get_or_create(username=username, defaults={
            "email": f"{username}@example.org", "password": make_password(None)})
        Comment.objects.create(article=stories[item.pop("story")], reader=reader,
                               created_at=now - timedelta(minutes=item.pop("minutes_ago")),
                               **item)
    for item in map(dict, data["bias_reports"]):
        status, note = item.pop("status", "new"), item.pop("resolution_note", "")
        correction = item.pop("correction", None)
        report = BiasReport.objects.create(
            article=stories[item.pop("story")],
            created_at=now - timedelta(days=item.pop("days_ago")), **item)
        if status != BiasReport.Status.NEW:
            decide_bias_report(report, status, moderator, note)
        if correction:
            Correction.objects.create(
                article=report.article, bias_report=report, kind=correction["kind"],
                text=correction["text"], date=now - timedelta(days=correction["days_ago"]))
