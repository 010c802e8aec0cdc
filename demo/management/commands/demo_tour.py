"""A short guided tour of the demo newsroom, printed by `make run` before it serves.

Every link is made from what the database holds (the lead story, a draft, the
moderation desk), so the tour never names a page that is not there.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.urls import reverse

from articles.models import Article
from demo.management.commands.seed_demo import DEMO_PASSWORD, _load

# The roles the tour walks through, by the group of their account in accounts.json.
ROLES = (("a reader", None), ("an editor", "Editors"), ("a moderator", "Moderators"))


class Command(BaseCommand):
    help = "Print a short tour of the demo newsroom: its accounts and what to try as each."

    def handle(self, *args, **options):
        accounts = _demo_accounts()
        if not accounts:
            self.stdout.write("The demo accounts are missing: run manage.py seed_demo first.")
            return
        site = settings.SITE_URL

        def link(label, path):
            return f"  {label:<24} {site}{path}"

        def note(text):  # under the link it explains
            return f"  {'':<24} ({text})"

        public = Article.objects.published()
        lead = (public.filter(is_featured=True).order_by("-published_at").first()
                or public.order_by("-published_at").first())
        draft = (Article.objects.drafts().filter(author__is_ai=False).order_by("pk").first()
                 or Article.objects.drafts().order_by("pk").first())

        lines = [f"A short tour of the demo newsroom (every account's password is "
                 f'"{DEMO_PASSWORD}"; sign in at {site}{reverse("accounts:login")}):']
        for role, group in ROLES:
            account = accounts.get(group)
            if account is None:
                continue
            name = f" ({account.get_full_name()})" if account.get_full_name() else ""
            lines += ["", f'As {role}, sign in as "{account.username}"{name}:']
            if group is None and lead:
                lines += [
                    link("Comment on the lead:", lead.get_absolute_url() + "#comments"),
                    link("Report bias in it:", reverse("standards:report-bias",
                                                       args=[lead.slug])),
                ]
            elif group == "Editors":
                lines.append(link("Write a draft:", reverse("admin:articles_article_add")))
                if draft:
                    lines += [
                        link("Preview a draft:", draft.get_absolute_url()),
                        link("Schedule it:", reverse("admin:articles_article_change",
                                                     args=[draft.pk])),
                        note("under Publishing: status Published, a time still to come"),
                    ]
                if lead:
                    lines += [
                        link("Correct a story:", reverse("admin:articles_article_change",
                                                         args=[lead.pk])),
                        note("Corrections and editor's notes, at the foot of the page"),
                    ]
                lines.append(link("The corrections log:", reverse("standards:corrections")))
            elif group == "Moderators":
                lines += [
                    link("The moderation desk:", reverse("moderation-overview")),
                    link("Held comments:", reverse("moderation-comments")),
                    link("Bias reports to triage:", reverse("moderation-bias-reports")),
                ]
        self.stdout.write("\n".join(lines))


def _demo_accounts():
    """The first demo account of each role that exists, by group name (None: a reader)."""
    wanted = _load("accounts.json")["accounts"]
    users = get_user_model().objects.in_bulk([a["username"] for a in wanted],
                                              field_name="username")
    found = {}
    for account in wanted:
        user = users.get(account["username"])
        if user is not None:
            found.setdefault(account["group"], user)
    return found
