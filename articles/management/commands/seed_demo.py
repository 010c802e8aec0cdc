"""The demo newsroom: a fictional news site about the coastal city of Port Evander.

Every person, place, company and event in these stories is invented; the
republic of Veloria and its neighbours do not exist. The stories are loaded
the way real copy is, by writing an import file (with generated avatars and
hero images) and running import_articles on it.
"""

import io
import json
import math
import random
import tempfile
import textwrap
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from articles.models import Article, Correction

DEMO_PASSWORD = "evadaily-demo"
HERO_SIZE = (1600, 900)
AVATAR_SIZE = 384  # pixels square; renditions are 96 and 192

# username, first name, last name, group (None: an ordinary reader)
ACCOUNTS = [
    ("editor", "Irene", "Sallis", "Editors"),
    ("moderator", "Theo", "Brandt", "Moderators"),
    ("reader", "", "", None),
]
REVIEWER = "editor"  # Irene Sallis, named as accountable in the AI disclosures


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

    def handle(self, *args, if_empty, allow_without_debug, **options):
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "seed_demo creates staff accounts whose password is public, so it runs only "
                "with DEBUG on. Pass --allow-without-debug if this is not a real site."
            )
        if if_empty and Article.objects.exists():
            self.stdout.write("The database already has articles; the demo newsroom was "
                              "not loaded again.")
            accounts = _ensure_accounts()
        else:
            accounts = _ensure_accounts()
            now = timezone.now().replace(second=0, microsecond=0)
            with tempfile.TemporaryDirectory(prefix="evadaily-demo-") as folder:
                path = _write_import(Path(folder), now)
                call_command("import_articles", str(path), stdout=self.stdout,
                             stderr=self.stderr, verbosity=options["verbosity"])
            _demo_conversation(now)

        self.stdout.write(f'Demo accounts (password "{DEMO_PASSWORD}"):')
        for username, role, created in accounts:
            note = "" if created else " (already existed; password left unchanged)"
            self.stdout.write(f"  {username:<10} {role}{note}")


DEMO_READERS = ["reader", "harbourwatcher", "mira_k", "old_quay_tom"]
DEMO_COMMENTS = [
    ("reader", "The ferry timetable change will hit early shift workers hardest. "
               "Good to see it reported."),
    ("harbourwatcher", "I was at the council meeting. The vote was closer than this makes it "
                       "sound, but the facts are right."),
    ("mira_k", "Thank you for explaining the tariff in plain words.\nMore of this, please."),
    ("old_quay_tom", "My grandfather mended nets on that quay. Lovely piece. 👏🏽"),
    ("reader", "Does anyone know when the consultation closes?"),
    ("harbourwatcher", "Café owners on the waterfront were not asked, as far as I know."),
]


def _demo_conversation(now):
    """Readers' comments and a few bias reports in each state, once."""
    from comments.models import BiasReport, Comment
    from comments.moderation import decide_bias_report

    if Comment.objects.exists() or BiasReport.objects.exists():
        return
    User = get_user_model()
    readers = {}
    for username in DEMO_READERS:
        readers[username], created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"})
        if created:
            readers[username].set_unusable_password()
            readers[username].save()
    stories = list(Article.objects.published().for_listing()[:6])
    for index, (username, body) in enumerate(DEMO_COMMENTS):
        Comment.objects.create(article=stories[index % 2], reader=readers[username], body=body,
                               created_at=now - timedelta(minutes=17 * (index + 1)))
    Comment.objects.create(article=stories[0], reader=readers["old_quay_tom"],
                           body="Full story at www.example.org/the-truth",
                           status=Comment.Status.PENDING, hold_reason="Contains a link",
                           created_at=now - timedelta(minutes=5))
    moderator = User.objects.get(username="moderator")
    BiasReport.objects.create(
        article=stories[2], reason=BiasReport.Reason.ONE_SIDED_SOURCING,
        details="Only the port authority is quoted; the fishers' union is not.",
        contact_email="harbourwatcher@example.org", created_at=now - timedelta(days=2))
    in_review = BiasReport.objects.create(
        article=stories[3], reason=BiasReport.Reason.LOADED_LANGUAGE,
        quoted_passage="a reckless plan", details="This judges rather than reports.",
        created_at=now - timedelta(days=3))
    decide_bias_report(in_review, BiasReport.Status.IN_REVIEW, moderator)
    dismissed = BiasReport.objects.create(
        article=stories[4], reason=BiasReport.Reason.POLITICAL_SLANT,
        details="The story favours the governing coalition.",
        created_at=now - timedelta(days=6))
    decide_bias_report(dismissed, BiasReport.Status.DISMISSED, moderator,
                       "Both coalition and opposition are quoted at similar length.")
    upheld = BiasReport.objects.create(
        article=stories[5], reason=BiasReport.Reason.MISSING_CONTEXT,
        details="The story leaves out that the plan was first proposed by the opposition.",
        created_at=now - timedelta(days=4))
    decide_bias_report(upheld, BiasReport.Status.UPHELD, moderator,
                       "The plan's origin matters to the story; we added it.")
    Correction.objects.create(
        article=stories[5], kind=Correction.Kind.CLARIFICATION, bias_report=upheld,
        text="This story has been updated to say that the plan was first proposed by "
             "the opposition, in 2024.", date=now - timedelta(days=3))


def _ensure_accounts():
    """Create the demo accounts once; later runs only restore their roles."""
    User = get_user_model()
    result = []
    for username, first_name, last_name, group_name in ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first_name, "last_name": last_name,
                      "email": f"{username}@example.org"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = group_name is not None
        user.save()
        if group_name:
            try:
                user.groups.add(Group.objects.get(name=group_name))
            except Group.DoesNotExist:
                raise CommandError(f'The "{group_name}" group is missing; run migrate first.')
            role = f"staff, {group_name}"
        else:
            role = "reader"
        result.append((username, role, created))
    return result


def _write_import(folder, now):
    """Write the import file and its images into folder; return the file's path."""
    (folder / "avatars").mkdir()
    (folder / "images").mkdir()
    authors = {}
    for key, author in AUTHORS.items():
        avatar = f"avatars/{key}.png"
        (folder / avatar).write_bytes(avatar_image(author["name"], author["colour"],
                                                   author["is_ai"]))
        authors[key] = {k: v for k, v in author.items() if k != "colour"} | {"avatar": avatar}

    articles = []
    for story in STORIES:
        image = f"images/{story.slug}.jpg"
        (folder / image).write_bytes(hero_image(story.slug, story.hero.scene,
                                                story.hero.palette))
        articles.append(story.as_import(authors[story.author], image, now))
    path = folder / "demo.json"
    path.write_text(json.dumps({"articles": articles}, indent=2, ensure_ascii=False),
                    encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Stories


@dataclass
class Hero:
    scene: str  # a key of SCENES
    palette: str  # a key of PALETTES
    caption: str
    source: str = ""
    photographer: str = ""
    ai_generated: bool = False


@dataclass
class Story:
    slug: str
    headline: str
    dek: str
    section: str
    author: str  # a key of AUTHORS
    age: float | None  # days before now; negative is scheduled; None is an undated draft
    hero: Hero
    body: str
    tags: list = field(default_factory=list)
    related: list = field(default_factory=list)
    featured: bool = False
    draft: bool = False
    ai: str = "none"  # none, assisted, generated

    def as_import(self, author, image, now):
        """This story in the import format of DESIGN.md section 8."""
        data = {
            "slug": self.slug,
            "headline": self.headline,
            "dek": self.dek,
            "body": textwrap.dedent(self.body).strip(),
            "section": self.section,
            "author": author,
            "status": "draft" if self.draft else "published",
            "featured": self.featured,
            "image": {
                "file": image,
                "alt": (f"Illustration: {SCENES[self.hero.scene]} "
                        f"{PALETTES[self.hero.palette].alt}."),
                "caption": self.hero.caption,
                "credit_source": self.hero.source,
                "credit_photographer": self.hero.photographer,
                "ai_generated": self.hero.ai_generated,
            },
            "tags": self.tags,
            "related": self.related,
        }
        published_at = None
        if self.age is not None:
            published_at = now - timedelta(days=self.age)
            data["published_at"] = published_at.isoformat()
        data["ai"] = {"involvement": self.ai}
        # Stories by an AI persona go out only once a named editor has read them;
        # the one AI draft is left unreviewed to show that state in the admin.
        if author["is_ai"] and not self.draft:
            data["ai"]["reviewed_by"] = REVIEWER
            data["ai"]["reviewed_at"] = (published_at - timedelta(minutes=40)).isoformat()
        return data


# ---------------------------------------------------------------------------
# Generated images: abstract landscapes for heroes, initials for avatars


@dataclass(frozen=True)
class Palette:
    alt: str
    sky_top: tuple
    sky_bottom: tuple
    light: tuple  # sun or moon
    far: tuple
    near: tuple
    sea: tuple
    lit_windows: float  # share of city windows lit


PALETTES = {
    "dawn": Palette("at dawn", (58, 64, 120), (246, 182, 150), (255, 228, 190),
                    (128, 112, 152), (44, 40, 74), (84, 100, 150), 0.25),
    "day": Palette("on a clear day", (62, 126, 198), (206, 228, 242), (255, 251, 228),
                   (120, 152, 160), (38, 82, 72), (36, 98, 148), 0.05),
    "dusk": Palette("at dusk", (30, 30, 72), (240, 132, 82), (255, 194, 104),
                    (92, 62, 92), (26, 20, 42), (52, 42, 82), 0.45),
    "night": Palette("at night", (8, 12, 36), (44, 54, 104), (232, 232, 212),
                     (32, 36, 72), (10, 10, 26), (16, 22, 52), 0.6),
    "storm": Palette("under storm clouds", (58, 68, 80), (152, 162, 160), (208, 210, 198),
                     (82, 92, 96), (34, 44, 50), (60, 76, 86), 0.3),
    "autumn": Palette("in autumn light", (108, 140, 190), (246, 216, 160), (255, 242, 204),
                      (172, 130, 90), (90, 60, 40), (70, 102, 132), 0.15),
}

SCENES = {
    "harbour": "a calm sea below a distant headland",
    "hills": "layered hills",
    "city": "a city skyline in silhouette beside the water",
    "abstract": "overlapping circles and bands of colour",
}


def _mix(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _gradient(size, top, bottom):
    column = Image.new("RGB", (1, 2))
    column.putpixel((0, 0), top)
    column.putpixel((0, 1), bottom)
    return column.resize(size, Image.BILINEAR)


def _ridge(rng, width, height, base, amplitude):
    """A smooth skyline of hills: a sum of sine waves with random phases."""
    waves = [(rng.uniform(0.5, 1) * amplitude / (i + 1), rng.uniform(1, 3) * (i + 1),
              rng.uniform(0, math.tau)) for i in range(3)]
    points = [(x, base + sum(a * math.sin(x / width * math.tau * f + p) for a, f, p in waves))
              for x in range(0, width + 20, 20)]
    return points + [(width, height), (0, height)]


def hero_image(seed, scene, palette_name, size=HERO_SIZE):
    """A JPEG landscape-like illustration, the same every time for the same seed."""
    rng = random.Random(seed)
    p = PALETTES[palette_name]
    width, height = size
    image = _gradient(size, p.sky_top, p.sky_bottom)
    draw = ImageDraw.Draw(image, "RGBA")
    horizon = round(height * rng.uniform(0.58, 0.7))

    radius = rng.randint(height // 16, height // 9)
    cx, cy = rng.randint(width // 6, width * 5 // 6), rng.randint(height // 7, horizon - radius)
    for step in range(6, 0, -1):  # a soft glow, then the disc
        r = radius * (1 + step * 0.35)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*p.light, 14))
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(*p.light, 235))

    if scene == "abstract":
        for _ in range(rng.randint(7, 12)):
            r = rng.randint(height // 10, height // 2)
            x, y = rng.randint(0, width), rng.randint(0, height)
            colour = _mix(p.far, p.light, rng.random())
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(*colour, rng.randint(40, 110)))
        for _ in range(rng.randint(3, 5)):
            y, thickness = rng.randint(0, height), rng.randint(20, 90)
            slope = rng.randint(-height // 3, height // 3)
            draw.polygon([(0, y), (width, y + slope), (width, y + slope + thickness),
                          (0, y + thickness)], fill=(*_mix(p.near, p.sea, rng.random()), 90))
    elif scene == "hills":
        layers = 4
        for layer in range(layers):
            t = layer / (layers - 1)
            base = horizon - height * 0.22 + t * height * 0.3
            draw.polygon(_ridge(rng, width, height, base, height * (0.05 + 0.04 * t)),
                         fill=_mix(_mix(p.far, p.sky_bottom, 0.3), p.near, t))
    else:
        draw.polygon(_ridge(rng, width, height, horizon - height * 0.05, height * 0.03),
                     fill=p.far)
        # The sea, lighter at the horizon, with the light's reflection on it.
        sea = _gradient((width, height - horizon), _mix(p.sea, p.sky_bottom, 0.35), p.sea)
        image.paste(sea, (0, horizon))
        for y in range(horizon + 4, height, 9):
            spread = radius * (0.6 + (y - horizon) / height * 2)
            offset = rng.uniform(-spread * 0.2, spread * 0.2)
            draw.line((cx - spread + offset, y, cx + spread + offset, y),
                      fill=(*p.light, 70), width=3)
        if scene == "city":
            x = rng.randint(-40, 0)
            while x < width:
                w, h = rng.randint(50, 140), rng.randint(height // 10, height // 2)
                draw.rectangle((x, horizon - h, x + w, horizon), fill=p.near)
                for wy in range(horizon - h + 14, horizon - 10, 22):
                    for wx in range(x + 10, x + w - 12, 18):
                        if rng.random() < p.lit_windows:
                            draw.rectangle((wx, wy, wx + 7, wy + 10), fill=(255, 214, 140, 210))
                x += w + rng.randint(0, 12)
        else:  # harbour: a breakwater and a few boats
            pier_y = horizon + (height - horizon) // 3
            pier_end = rng.randint(width // 3, width * 2 // 3)
            draw.rectangle((0, pier_y, pier_end, pier_y + 14), fill=p.near)
            draw.rectangle((pier_end - 22, pier_y - 70, pier_end - 6, pier_y), fill=p.near)
            for _ in range(rng.randint(2, 4)):
                bx = rng.randint(0, width - 140)
                by = rng.randint(horizon + 20, height - 40)
                scale = 0.5 + (by - horizon) / (height - horizon)
                bw = 110 * scale
                draw.polygon([(bx, by), (bx + bw, by), (bx + bw * 0.85, by + 18 * scale),
                              (bx + bw * 0.12, by + 18 * scale)], fill=p.near)
                draw.polygon([(bx + bw * 0.45, by - 80 * scale), (bx + bw * 0.45, by - 4),
                              (bx + bw * 0.9, by - 4)], fill=_mix(p.light, p.near, 0.25))

    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def avatar_image(name, colour, is_ai, size=AVATAR_SIZE):
    """A PNG of the name's initials: a circle for people, a rounded square for AI personas."""
    image = Image.new("RGB", (size, size), (244, 241, 234))
    draw = ImageDraw.Draw(image)
    margin = size // 16
    box = (margin, margin, size - margin, size - margin)
    if is_ai:
        draw.rounded_rectangle(box, radius=size // 6, fill=colour)
    else:
        draw.ellipse(box, fill=colour)
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    font = ImageFont.load_default(size=size * 0.38)
    draw.text((size / 2, size / 2), initials, font=font, anchor="mm", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# The newsroom. Invented people writing about an invented country.

AUTHORS = {
    "mara": {
        "name": "Mara Ellison", "is_ai": False, "title": "City Hall reporter",
        "colour": (176, 58, 46),
        "bio": "Mara Ellison covers Port Evander's city council, housing and transport. "
               "She joined EVA DAILY from the Corran Islands' weekly paper, where she "
               "learned that every council decision is somebody's ferry timetable.",
    },
    "tomas": {
        "name": "Tomas Vey", "is_ai": False, "title": "Business editor",
        "colour": (31, 97, 141),
        "bio": "Tomas Vey edits EVA DAILY's business coverage and writes about the port, "
               "trade and the firms that depend on them. Before journalism he spent six "
               "years as a shipping clerk at Ness Point.",
    },
    "priya": {
        "name": "Priya Castellane", "is_ai": False,
        "title": "Science and climate correspondent", "colour": (30, 132, 73),
        "bio": "Priya Castellane reports on the science of the coast: the estuary, the "
               "weather and the changing sea. She trained as a marine biologist at the "
               "Evander Institute of Marine Science.",
    },
    "jonah": {
        "name": "Jonah Ferrell", "is_ai": False, "title": "Culture critic",
        "colour": (125, 60, 152),
        "bio": "Jonah Ferrell reviews books, exhibitions and theatre, and writes about the "
               "people who keep Port Evander's crafts and festivals alive.",
    },
    "lucia": {
        "name": "Lucía Marrow", "is_ai": False, "title": "Foreign affairs correspondent",
        "colour": (185, 119, 14),
        "bio": "Lucía Marrow covers Veloria's neighbours across the strait and beyond the "
               "northern border, and the diplomacy between them. She has reported from "
               "Ostrel and Haldvik.",
    },
    "ledger": {
        "name": "EVA Ledger", "is_ai": True, "title": "Markets and data (AI persona)",
        "colour": (52, 73, 94),
        "bio": "EVA Ledger is an AI persona that writes EVA DAILY's routine market reports "
               "and port statistics.",
        "ai_disclosure": "EVA Ledger is not a person. Its reports are drafted by Quillstone 4, "
                         "a language model run by the EVA DAILY data desk, working only from "
                         "published exchange, central bank and harbour authority figures. "
                         "Irene Sallis, managing editor, reviews every report before it is "
                         "published and is accountable for what it says. Its stories are "
                         "corrected under the same policy as any other.",
    },
    "tidewatch": {
        "name": "EVA Tidewatch", "is_ai": True, "title": "Tides and weather (AI persona)",
        "colour": (22, 119, 130),
        "bio": "EVA Tidewatch is an AI persona that writes EVA DAILY's tide bulletins and "
               "summaries of weather service outlooks.",
        "ai_disclosure": "EVA Tidewatch is not a person. Its bulletins are drafted by "
                         "Harbourlight 2, a language model the newsroom runs on its own "
                         "servers, from published tide tables and national weather service "
                         "forecasts. Irene Sallis, managing editor, reviews every bulletin "
                         "before it is published and is accountable for it. In an emergency, "
                         "follow official warnings rather than any news story.",
    },
}

# Sections are created in the order they first appear here, which is the
# order of the navigation.
STORIES = [
    # World ---------------------------------------------------------------
    Story(
        slug="kestmark-fishing-accord",
        headline="Kestmark and Veloria sign fishing accord after a decade of disputes",
        dek="The agreement sets shared quotas for cod and herring on the northern banks "
            "and creates a joint patrol, ending years of seized boats and diplomatic protests.",
        section="World", author="lucia", age=10.2,
        tags=["Kestmark", "Fisheries", "Trade"],
        related=["seagrass-returns-sallow-estuary", "last-net-maker-old-quay"],
        hero=Hero("harbour", "dawn", "Fishing boats leaving Port Evander for the northern banks.",
                  "EVA DAILY", "Noor Lindqvist"),
        body="""
        Veloria and Kestmark signed an agreement on Friday that sets shared fishing quotas
        in the waters between the two countries, ending a dispute that has led to seized
        boats, fines and diplomatic protests for more than ten years.

        The accord, signed in the Kestmark port of Haldvik by the two countries' fisheries
        ministers, covers the northern banks, a stretch of shallow sea rich in cod and
        herring where the two countries' claims overlap. Under the deal, each country may
        catch an agreed share of the fish there, set each year on the advice of a joint
        scientific panel. A joint patrol of inspectors from both countries will check catches.

        "For ten years, our fishers have been arrested for doing what their grandparents
        did," said Veloria's fisheries minister, Elsbeth Norr. "From today, they know the
        rules, and the rules are the same on both sides."

        ## How the dispute began

        The disagreement dates back to a change in how Kestmark measured its maritime
        border, which moved the line several kilometres south. Velorian boats that kept
        fishing in the area were boarded by Kestmark coastguards, and at least forty were
        fined. Veloria responded by detaining Kestmark boats in its own waters, and for two
        years in the middle of the dispute, crews from each country were advised not to
        enter the other's ports.

        Negotiations restarted two years ago after a change of government in Kestmark.
        Officials on both sides said the turning point came when the two countries agreed
        to let a joint scientific panel, rather than politicians, recommend the size of
        each year's catch.

        The border itself has not been settled. The accord sets it aside: both countries
        keep their claims, but agree that fishing in the disputed area will be managed
        jointly for twenty years.

        Fishers in Port Evander reacted cautiously. The Velorian share of the cod quota for
        the first year is lower than some had hoped, but several said certainty was worth
        more than a bigger share. "I would rather catch less and sleep at home," said one
        skipper, who asked not to be named because his boat had been seized twice.

        The agreement must be approved by both parliaments. A vote in the Chamber of
        Deputies is expected next month.
        """,
    ),
    Story(
        slug="aurel-election-what-it-means",
        headline="A new government across the strait: what the Aurel election means for Veloria",
        dek="The Aurel Confederacy's new coalition has promised to review port fees and build "
            "a second ferry terminal. Velorian exporters are watching closely.",
        section="World", author="lucia", age=13.0,
        tags=["Aurel Confederacy", "Elections", "Trade", "Ferries"],
        related=["aurel-ferry-link-resumes", "kestmark-fishing-accord"],
        hero=Hero("city", "dusk", "The assembly building in Ostrel, the Aurel capital.",
                  "Aurel Confederacy Press Office"),
        body="""
        Voters in the Aurel Confederacy, Veloria's neighbour across the strait, have elected
        a new government, ending fourteen years of rule by the Centre Union. The Green and
        Labour coalition that takes office next month won 54 percent of the seats in the
        Aurel assembly, according to final results published on Tuesday.

        For Veloria, the Aurel Confederacy matters more than its size suggests. It is the
        country's largest trading partner, and more than a third of the containers that
        pass through Port Evander's Ness Point terminal come from or go to Aurel ports. Tens
        of thousands of people cross the strait each month by ferry, to work, study or visit
        family.

        ## What the new government has promised

        The coalition's programme, published during the campaign, includes several
        commitments that could affect Veloria:

        - **Port fees.** A review of the fees charged to ships at Aurel ports, which the
          coalition says are too low to pay for harbour maintenance. Higher fees could raise
          the cost of shipping goods across the strait.
        - **A second ferry terminal.** A new passenger terminal at Sennholm, closer to the
          capital, Ostrel, than the existing terminal at Vessa. It would shorten journeys
          from Port Evander to the capital by about forty minutes.
        - **Cleaner shipping.** A requirement for ships docking in Aurel ports to plug into
          shore power rather than run their engines, starting with ferries.

        Velorian exporters were cautious. "A second terminal is good news. Higher fees are
        not," said a spokesperson for the Velorian Chamber of Commerce. "We will need to see
        the details."

        ## A friendlier neighbour?

        Relations between the two governments have been correct but cool in recent years,
        strained by disagreements over shipping lanes and the treatment of Velorian workers
        in Aurel. Both leaders of the incoming coalition studied in Veloria, and the incoming
        foreign minister, Livia Kessel, gave her first interview after the election to a
        Velorian radio station, in fluent Velorian.

        Premier Odile Varga congratulated the winners on Tuesday evening and said she hoped
        to visit Ostrel "within the new government's first hundred days." Officials said a
        meeting of the two countries' transport ministers, postponed during the campaign,
        would be rescheduled for the summer.
        """,
    ),
    Story(
        slug="aurel-ferry-link-resumes",
        headline="Ferry link to the Aurel coast resumes after winter repairs",
        dek="The MV Corran Star is back on the Port Evander to Vessa route after three months "
            "in dry dock that left the strait with a single daily crossing.",
        section="World", author="lucia", age=6.8,
        tags=["Ferries", "Aurel Confederacy", "Transport"],
        related=["aurel-election-what-it-means", "night-ferry-trial-approved"],
        hero=Hero("harbour", "day", "The MV Corran Star leaving Port Evander on its first "
                  "crossing since December.", "EVA DAILY", "Felix Harrow"),
        body="""
        The MV Corran Star returned to service between Port Evander and the Aurel port of
        Vessa on Monday, after three months in dry dock that left travellers with a single
        daily crossing of the strait through the winter.

        The ferry, which carries up to 900 passengers and 220 cars, left Old Quay at 7:15
        a.m. with about 400 passengers on board, many of them commuters who had spent the
        winter on a slower, more crowded sister ship or on long detours by road and rail
        through Kestmark.

        "It is like getting two hours of my day back," said Piotr Greve, an engineer who
        lives in Port Evander and works at a shipyard in Vessa. "I have been leaving the
        house at five since December."

        ## Why it took so long

        The repairs were planned to take six weeks. But when engineers opened up the engine
        room, they found corrosion in the exhaust system that had to be replaced, and the
        parts took longer to arrive than expected. The operator, Strait Lines, apologised to
        passengers and said it had refunded more than 6,000 tickets.

        During the refit, the ship was also given engines that can run on a mix of diesel
        and biofuel, and a connection that will let it plug into shore power at both ports
        once the equipment on the quays is ready. Strait Lines says that will be within two
        years in Port Evander; the timetable in Vessa is less clear.

        ## Busier crossings ahead

        Passenger numbers on the strait have grown every year for the past five, and Strait
        Lines says it expects a record summer. It has added a late-evening crossing on
        Fridays and Sundays from May to September, and is considering a third ship from next
        year.

        The new Aurel government has promised a second passenger terminal at Sennholm,
        which would shorten journeys to the Aurel capital. Strait Lines said it would welcome
        the terminal but that the Vessa route would remain its main crossing.

        For now, regular travellers are simply glad the winter is over. On the first
        crossing, the café on the upper deck ran out of cinnamon buns before the ship had
        cleared the harbour breakwater.
        """,
    ),
    Story(
        slug="regional-weather-warnings-meeting",
        headline="Regional ministers meet in Port Evander to agree shared storm warnings",
        dek="Veloria, Kestmark and the Aurel Confederacy want one warning system for storms "
            "that cross their borders. The hard part is agreeing who presses the button.",
        section="World", author="lucia", age=3.9,
        tags=["Storms", "Kestmark", "Aurel Confederacy", "Weather"],
        related=["storm-season-outlook", "lighthouse-keepers-weather-logs"],
        hero=Hero("abstract", "storm", "Delegates arriving at the Maritime Hall on the first "
                  "morning of the meeting.", "EVA DAILY", "Noor Lindqvist"),
        body="""
        Ministers from Veloria, Kestmark and the Aurel Confederacy met in Port Evander on
        Thursday to discuss a shared warning system for storms, floods and heat waves that
        cross the borders between the three countries.

        At present, each country's weather service issues its own warnings, using its own
        colour codes and thresholds. A storm that is "amber" on one side of the strait can
        be "orange" on the other and not yet mentioned at all in the third country, even
        when it is the same storm, hours away. Ferry operators, fishing fleets and emergency
        services that work across borders have long complained about the confusion.

        "The weather does not carry a passport," said Veloria's interior minister, Bruno
        Aalto, opening the meeting at the Maritime Hall on Old Quay. "Our warnings should not
        need one either."

        ## What is on the table

        Officials are discussing three options. The simplest is a shared colour scale, so
        that a warning means the same thing in each country even if it is issued separately.
        A more ambitious option would create a joint forecasting desk, staffed by
        meteorologists from all three services, to issue warnings for the strait and the
        northern banks. The most ambitious, favoured by Aurel officials, would add a common
        mobile phone alert, sent to everyone in an affected area whichever country's network
        their phone is connected to.

        The difficulty is responsibility. Each government is legally responsible for warning
        its own citizens, and none wants to hand that duty to a body it does not control.
        "Everyone agrees on the colour of the warning," one official said. "Nobody agrees on
        who presses the button."

        ## Next steps

        The meeting ended with a statement committing the three countries to adopt a shared
        colour scale before next winter and to study the joint forecasting desk over the
        next year. The phone alert was not mentioned.

        Emergency planners in Port Evander welcomed the progress. The city's civil
        protection office said that during last autumn's storms it had received warnings
        from three services, in three formats, within an hour, and had spent valuable time
        working out whether they described the same storm.
        """,
    ),
    # Politics ------------------------------------------------------------
    Story(
        slug="night-ferry-trial-approved",
        headline="Port Evander council approves night ferry trial after three-hour debate",
        dek="Two boats will run between Old Quay and the Corran Islands until 1 a.m. for six "
            "months, paid for by a levy on late-opening bars.",
        section="Politics", author="mara", age=2.3, featured=True,
        tags=["Port Evander", "Ferries", "Transport", "City Council", "Corran Islands"],
        related=["spring-tides-old-quay-closures", "aurel-ferry-link-resumes"],
        hero=Hero("harbour", "dusk", "Ferries moored at Old Quay after the last evening "
                  "sailing.", "EVA DAILY", "Anja Roos"),
        body="""
        Port Evander's city council voted 19 to 12 on Tuesday night to run ferries between
        Old Quay and the Corran Islands until 1 a.m., ending a timetable that has left the
        islands cut off after 9 p.m. for as long as most residents can remember.

        The six-month trial will start in the spring. Two of the harbour's five passenger
        boats will make four extra crossings each evening, with the last sailing from Old
        Quay at 12:40 a.m. Councillors expect the service to cost about 1.4 million velors,
        most of which will come from a new levy on bars and restaurants licensed to open
        past midnight.

        The debate ran for more than three hours. Supporters described islanders who leave
        concerts early, nurses who sleep on friends' sofas after late shifts, and restaurant
        staff who pay for water taxis that can cost a day's wages. "We have built a city
        that closes the door on part of itself at nine o'clock," said Councillor Rasa Quint,
        who proposed the trial. "Tonight we open it a little."

        Opponents argued less against late boats than against the way they will be paid
        for. Councillor Emil Hartog, whose ward covers the bars along the Causeway, said the
        levy would fall on a handful of businesses still paying off debts from two poor
        summers. "If the whole city benefits, the whole city should pay," he said. An
        amendment to fund the service from general transport revenue failed by three votes.

        ## What happens next

        The harbour authority must now agree a crew roster with the ferry workers' union,
        which has said it supports the trial as long as night shifts are voluntary and paid
        at the higher rate. Timetables are due to be published four weeks before the first
        sailing.

        The council will review passenger numbers after three months. If fewer than 150
        people use the late crossings on an average night, the trial can be cut short; if
        demand is higher, officials say a third boat could be added on Fridays and Saturdays.

        On the islands, the reaction was mostly relief. At the quay in Corran Harbour on
        Wednesday morning, a fish smoker named Ilka Brun said she had not been to the cinema
        on the mainland in eleven years. "Now I might go twice," she said, "and see how the
        film ends."
        """,
    ),
    Story(
        slug="varga-coalition-survives-confidence-vote",
        headline="Premier Varga's coalition survives confidence vote by four seats",
        dek="The vote in Marenne ends a month of speculation, but the governing parties still "
            "disagree over the ports bill that set off the crisis.",
        section="Politics", author="mara", age=9.1,
        tags=["Chamber of Deputies", "Coalition", "Harbour"],
        related=["electoral-map-explained"],
        hero=Hero("city", "day", "The Chamber of Deputies in Marenne on the morning of the "
                  "vote.", "EVA DAILY", "Felix Harrow"),
        body="""
        Premier Odile Varga's three-party coalition survived a confidence vote in the
        Chamber of Deputies on Thursday, 86 votes to 82, after a month in which her
        government looked more likely to fall than at any time since it took office.

        The vote was called by the opposition Civic Alliance after the Farmers' and Fishers'
        League, the smallest party in the coalition, threatened to walk out over a bill that
        would merge Veloria's five regional port authorities into one national body. In the
        end, eleven of the League's twelve deputies voted with the government. One abstained.

        Speaking before the vote, Ms Varga told the chamber that the country could not afford
        "a season of elections" while it negotiates new trade terms with its neighbours. She
        did not mention the ports bill by name, but promised "a longer conversation with
        every harbour town before any authority is changed."

        That promise appears to have been enough for the League's leader, Anselm Orel, who
        said afterwards that his party had "won time, not the argument." League deputies from
        the coast, including two from Port Evander, say a national authority would move
        decisions about dredging, berths and harbour fees to Marenne, two hundred kilometres
        inland. Supporters of the merger say one authority could negotiate better terms with
        shipping lines and stop ports underbidding each other.

        ## A narrow path

        The result leaves the government with a working majority of four but little room to
        pass contested laws. The ports bill returns to committee, where officials say
        amendments letting regional boards keep control over fees are likely. The budget,
        due in the autumn, is expected to be the next test.

        Opposition leader Katrin Sebald said the coalition had "bought a month, not a
        mandate," and that her party would keep pressing for early elections. Polls published
        last week suggest neither bloc would win a majority on its own if a vote were held now.

        In Port Evander, the harbour master's office declined to comment on the vote. A
        spokesperson for the dock workers' union said its members would be watching the
        committee stage closely. "Who decides the fees decides who gets work," she said.
        """,
    ),
    Story(
        slug="rent-cap-public-vote",
        headline="Rent cap for harbour districts heads to a public vote in June",
        dek="A petition signed by 41,000 residents forces the city to ask voters whether rents "
            "in four waterfront districts should rise no faster than wages.",
        section="Politics", author="mara", age=5.6,
        tags=["Housing", "Port Evander", "City Council", "Elections"],
        related=["saltmarsh-buyout-offer"],
        hero=Hero("city", "dusk", "Terraced houses on Lanternhill, one of the four districts "
                  "the proposal covers.", "Port Evander City Council"),
        body="""
        Voters in Port Evander will decide in June whether to cap rent increases in four
        waterfront districts, after a petition organised by tenants' groups passed the
        threshold that forces the city to hold a public vote.

        The city clerk confirmed on Monday that 41,212 valid signatures had been submitted,
        about 6,000 more than the law requires. The proposal would limit yearly rent rises in
        Old Quay, Lanternhill, Greywater and Saltmarsh to the average rise in wages across the
        city in the previous year. New buildings would be exempt for their first ten years.

        Organisers say rents in the four districts have risen by almost half in five years,
        as the expansion of the Ness Point terminal brought new jobs and short-term lets
        spread through the old fishing streets. "People who have lived on the same staircase
        for thirty years are being priced out by a spreadsheet," said Alma Kovač of the
        Harbour Tenants' Union, which collected most of the signatures.

        Landlords' associations say a cap would freeze investment in buildings that already
        need repair. The Port Evander Property Owners' Association said many of its members
        own one or two flats, and that a cap tied to wages would not cover rising costs for
        insulation, insurance and flood protection.

        ## What is on the ballot

        The council has six weeks to agree the exact wording of the question. It can also
        put forward an alternative of its own, which would appear on the same ballot. Mayor
        Ines Valcourt said she would ask the council to consider a "repair-first" version
        that lets landlords raise rents above the cap if they can show the money was spent
        on the building.

        The vote is likely to be held alongside the regional elections on June 14. City
        officials estimate the cost of adding the question to ballot papers at about 200,000
        velors.

        Housing economists at the University of Port Evander have published a short guide to
        the evidence on rent caps in other cities, which they describe as "mixed, and heavily
        dependent on the details." Printed copies will be available in libraries across the
        city from next week.
        """,
    ),
    Story(
        slug="electoral-map-explained",
        headline="What the new electoral map means for the coast",
        dek="Port Evander gains a seat in the Chamber of Deputies, the Corran Islands lose "
            "their own, and three rural districts merge. We mapped the changes.",
        section="Politics", author="mara", age=14.2, ai="assisted",
        tags=["Elections", "Chamber of Deputies", "Corran Islands"],
        related=["varga-coalition-survives-confidence-vote", "rent-cap-public-vote"],
        hero=Hero("abstract", "day", "The new districts take effect at the next national "
                  "election.", "EVA DAILY graphics"),
        body="""
        Veloria's boundary commission published its final map of parliamentary districts on
        Friday, the first redrawing in twelve years. The changes follow the census, which
        found that the coast has grown while much of the interior has lost people. The new
        map will be used at the next national election, due within two years.

        Here is what changes along the coast.

        - **Port Evander gains a seat.** The city will elect six deputies instead of five.
          The new district, Port Evander East, takes in Ness Point, the Causeway and the new
          housing around the rail depot, where the population has grown by a quarter since
          the last census.
        - **The Corran Islands lose their own seat.** The islands, with about 19,000 voters,
          will join Port Evander North. Island councillors had argued for an exception
          because their ferry-dependent communities have distinct needs; the commission said
          the law did not allow one.
        - **Three rural districts merge.** Upper Sallow, Brenmoor and Vell become one
          district, Sallow Valley, which will elect two deputies.

        The commission said the average district will now hold about 71,000 voters, and that
        no district is more than 5 percent larger or smaller than that, the limit set by the
        constitution.

        ## Who benefits?

        Boundary changes are often described as good or bad for particular parties, and both
        main blocs issued statements on Friday claiming the map was unfair to them. In
        practice, our comparison of the last two election results on the new boundaries
        suggests the changes are small. The governing coalition would have won the same
        number of coastal seats under the new map. The Civic Alliance would probably have
        gained the new Port Evander East seat, but lost ground in Sallow Valley.

        Island voters are the clearest losers in one sense: a community that once had its
        own deputy will now share one with forty thousand city residents. Several island
        councillors said on Friday that they would ask the Chamber to revisit the rules
        before the next redrawing.

        *How we made this: we compared the commission's boundary files with results from the
        last two national elections. An AI tool was used to match polling stations to the
        new districts; a reporter checked every match and every figure in this article.*
        """,
    ),
    Story(
        slug="council-budget-options",
        headline="Council budget: the options on the table",
        dek="Three ways to close a 48-million-velor gap, none of them popular.",
        section="Politics", author="mara", age=None, draft=True,
        tags=["Budget", "City Council"],
        hero=Hero("city", "day", "Port Evander city hall.", "EVA DAILY", "Felix Harrow"),
        body="""
        Port Evander's city council will begin debating next year's budget on Monday with a
        gap of about 48 million velors between what departments say they need and what the
        city expects to collect in taxes and fees.

        The finance committee has published three options for closing the gap. None of them
        is popular, and councillors from every party have said privately that the final
        budget is likely to combine parts of all three.

        ## Option one: raise property tax

        Raising the city's property tax by 4 percent would close about two-thirds of the
        gap. A typical household in a three-room flat would pay about 160 velors more a
        year. The finance committee says it would be the first increase in six years, and
        that property tax in Port Evander remains lower than in Marenne.

        ## Option two: cut and delay

        The second option would delay the renovation of three schools and the library in
        Greywater by two years, cut the grant to the Harbour Museum by a fifth and reduce
        street cleaning in the city centre from daily to five days a week. Together these
        would save about 30 million velors.

        ## Option three: charge more for parking

        The third option would extend paid parking to Lanternhill and the Causeway, raise
        fees in the centre and introduce a charge for residents' permits, which are now
        free. The finance office estimates this would raise 19 million velors a year once
        fully in place.

        ## What comes next

        Public hearings will be held in each district over the next month. [TO CHECK: dates
        of the hearings with the clerk's office; the finance office to confirm the 48
        million figure, which was 52 million in the first draft of the committee paper.]

        Councillors must approve a budget by the end of November. If they do not, the city
        keeps spending at this year's levels until they do, which would rule out any new
        projects, including the night ferry trial.
        """,
    ),
    Story(
        slug="night-ferry-timetable",
        headline="Night ferries to the Corran Islands: the timetable and fares",
        dek="The six-month trial starts on Friday. Here is when the boats run, what they cost "
            "and how to get to and from the quay.",
        section="Politics", author="mara", age=-10,
        tags=["Ferries", "Transport", "Corran Islands", "Port Evander"],
        related=["night-ferry-trial-approved"],
        hero=Hero("harbour", "night", "The ferry terminal at Old Quay at night.",
                  "EVA DAILY", "Anja Roos"),
        body="""
        The night ferry trial between Old Quay and the Corran Islands begins on Friday, with
        extra crossings in each direction every evening until the trial ends in six months'
        time.

        ## Timetable

        Late sailings from Old Quay to Corran Harbour leave at 9:40 p.m., 10:40 p.m., 11:40
        p.m. and 12:40 a.m. Sailings from Corran Harbour to Old Quay leave at 10:10 p.m.,
        11:10 p.m. and 12:10 a.m., with a last boat back to the mainland at 1:10 a.m. on
        Fridays and Saturdays only. Each crossing takes about 25 minutes.

        The daytime timetable does not change.

        ## Fares

        Fares on the late crossings are the same as during the day: 4.50 velors for a single
        journey, or 2.20 velors with a resident's card. Monthly passes are valid. Bicycles
        travel free; cars are not carried on the late boats.

        Tickets can be bought at the terminal until 9 p.m. After that, they can be bought on
        board, by card only.

        ## Getting to and from the quay

        The city has agreed to extend the number 4 bus, which links Old Quay with the rail
        station, so that it meets each late ferry until 1:30 a.m. On the islands, a shared
        taxi service will wait for the last two boats and take passengers to any village on
        Corran for a flat fare of 6 velors.

        ## How the trial will be judged

        The council will count passengers on every late crossing. If fewer than 150 people
        use the late sailings on an average night after three months, the trial can be ended
        early. The harbour authority says it will publish the numbers each month on its
        website, and EVA DAILY will report them.

        The trial's supporters on the council say the first weeks matter most, because
        habits form early and the three-month count starts on the first night. Islanders who
        want to make the case for keeping the service have been given the simplest possible
        advice by the councillors who fought for it: use it.
        """,
    ),
    # Business ------------------------------------------------------------
    Story(
        slug="ness-point-electric-cranes",
        headline="Ness Point terminal orders four electric cranes in bid to cut diesel use",
        dek="The 96-million-velor order is the largest single investment at the container "
            "port in a decade, and depends on a substation the grid operator has yet to approve.",
        section="Business", author="tomas", age=3.4,
        tags=["Harbour", "Trade", "Energy", "Port Evander"],
        related=["port-traffic-first-quarter", "lantern-festival-greener-parade"],
        hero=Hero("harbour", "dawn", "Ship-to-shore cranes at Ness Point at first light.",
                  "EVA DAILY", "Noor Lindqvist"),
        body="""
        The operator of the Ness Point container terminal has ordered four electric
        ship-to-shore cranes, the largest single investment at Port Evander's main cargo port
        in more than a decade.

        Evander Container Terminals said on Wednesday that the cranes would cost 96 million
        velors and replace four diesel-electric machines that have worked the terminal's
        northern berth since it opened. The new cranes will arrive in pieces by ship next
        year and are expected to enter service the year after.

        The company says the switch will cut the terminal's diesel use by about a third and
        reduce noise at night, a long-running complaint from residents of the Causeway, the
        neighbourhood closest to the berths. "Every container that moves through this port is
        lifted at least twice," said chief executive Margit Solberg. "If we want the port to
        be cleaner, the cranes are where we start."

        ## The substation question

        The plan depends on power. The four cranes will need a new high-voltage connection,
        and the national grid operator has not yet approved the substation that would supply
        it. Ms Solberg said the company was "confident but not complacent" about approval and
        had arranged the order so that delivery could be delayed by up to a year without
        penalty.

        Grid planners have warned that the coast's electricity network is already under
        strain as factories, buses and ferries switch away from fossil fuels. A spokesperson
        for the grid operator said the application was one of several from the harbour area
        being assessed together, and that a decision was expected in the summer.

        The terminal handled a record number of containers last year, driven largely by trade
        with the Aurel Confederacy. Shipping lines have been asking for faster turnarounds,
        and the new cranes will be able to lift two containers at once, something the current
        machines cannot do.

        The dock workers' union welcomed the order but said it wanted guarantees that crane
        drivers would be retrained rather than replaced as the terminal automates more of its
        yard. The company said no jobs would be lost as a result of the investment and that
        training would begin well before the new cranes arrive.
        """,
    ),
    Story(
        slug="weekly-markets-velor-steadies",
        headline="Weekly markets: velor steadies as fish exports recover",
        dek="The currency ended the week little changed against its main trading partners, "
            "while fish export prices rose for a third week running.",
        section="Business", author="ledger", age=1.2, ai="generated",
        tags=["Markets", "Fisheries", "Trade"],
        related=["kestmark-fishing-accord", "ness-point-electric-cranes"],
        hero=Hero("abstract", "night", "An illustration generated for this week's market "
                  "report.", "EVA DAILY illustration", ai_generated=True),
        body="""
        The velor finished the week almost where it started, ending Friday at 1.084 against
        the Aurel crown and 0.962 against the Kestmark mark, after five quiet days in which
        traders waited for next month's central bank decision.

        The clearest movement was in fish. Wholesale prices at the Port Evander fish
        exchange rose for a third week in a row, with the average price of cod up 4.2
        percent and mackerel up 2.8 percent on the previous week. Exporters said buyers in
        the Aurel Confederacy had returned after a slow winter, and that the new fishing
        accord with Kestmark had made it easier to plan catches for the season.

        Volumes were also higher. The exchange handled 3,140 tonnes of fish over the week,
        the most since October. About two-thirds was sold for export.

        ## Shares and bonds

        The Marenne stock index rose 0.6 percent. Shipping and logistics companies led the
        gains after Evander Container Terminals announced its order for electric cranes,
        which analysts said signalled confidence in trade volumes. Retailers fell slightly
        after a survey showed households planning to spend less on holidays this summer.

        Ten-year government bond yields were unchanged at 3.1 percent. Yields on two-year
        bonds edged up as traders priced in a small chance of an interest rate rise next
        month; most still expect the central bank to hold its rate at 2.75 percent.

        ## What to watch next week

        - The national statistics office publishes last month's inflation figures on
          Tuesday. Economists expect prices to have risen 2.3 percent on a year earlier.
        - The harbour authority releases its monthly port traffic figures on Thursday.
        - The fish exchange is closed on Wednesday for a public holiday; exporters expect
          higher volumes on Tuesday and Thursday as a result.

        *This report was written by EVA Ledger, an AI persona, from exchange and central
        bank data, and checked by an editor before publication. Figures are provisional.*
        """,
    ),
    Story(
        slug="bakeries-buy-flour-direct",
        headline="Family bakeries band together to buy flour direct from inland mills",
        dek="Twenty-three bakeries across Port Evander have formed a buying cooperative, "
            "hoping to cut costs by ordering together from mills in the Sallow valley.",
        section="Business", author="tomas", age=11.7,
        tags=["Small business", "Food", "Sallow Valley"],
        related=["last-net-maker-old-quay"],
        hero=Hero("hills", "autumn", "Wheat fields in the Sallow valley, where most of the "
                  "cooperative's flour is milled.", "EVA DAILY", "Anja Roos"),
        body="""
        When the price of flour rose for the fifth time in a year, Davor Lind did the sums on
        the back of a delivery note and concluded that his bakery in Greywater had about
        eighteen months left. "I could raise the price of bread again," he said, "or I could
        find another way to buy flour."

        The other way, it turns out, involved twenty-two other bakers. Since January,
        bakeries across Port Evander have been meeting on Monday afternoons, when most of
        them are closed, to set up a buying cooperative. It was registered last week as the
        Evander Bakers' Flour Cooperative and placed its first joint order on Friday: forty
        tonnes from two family-run mills in the Sallow valley.

        By buying together, the members expect to pay about 12 percent less than they would
        separately through wholesalers, and to get flour milled from wheat grown within a
        hundred kilometres of the city. The mills, in turn, get a large, predictable order at
        a time when supermarket chains have been importing cheaper flour from abroad.

        ## Small orders, big logistics

        The hardest part, the bakers say, was not the price but the lorry. Many members work
        from old premises in narrow streets, with room for a week's flour at most. The
        cooperative has rented space in a warehouse near the rail depot and pays a driver to
        make a round of the bakeries twice a week.

        "We are bakers, not a logistics company," said Hana Petrov, whose bakery on
        Lanternhill has been in her family since her grandfather's time, and who has become
        the cooperative's treasurer. "But it turns out that twenty-three bakers can run a
        small logistics company if they have to."

        The cooperative is open to new members, and several cafés and a school kitchen have
        asked to join. The board has decided to grow slowly. "The mills need to know we will
        still be here next year," Mr Lind said. "So do we."

        Economists at the University of Port Evander said similar cooperatives had helped
        independent shops survive in other trades, but that their success often depended on
        a few members doing a great deal of unpaid work.
        """,
    ),
    Story(
        slug="port-traffic-first-quarter",
        headline="Port traffic report: container volumes up 6 percent in the first quarter",
        dek="Ness Point handled 212,400 containers between January and March, driven by trade "
            "with the Aurel Confederacy; bulk grain and fuel fell.",
        section="Business", author="ledger", age=6.3, ai="generated",
        tags=["Harbour", "Trade", "Markets"],
        related=["ness-point-electric-cranes", "kestmark-fishing-accord"],
        hero=Hero("harbour", "night", "An illustration of the harbour at night, generated for "
                  "this report.", "EVA DAILY illustration", ai_generated=True),
        body="""
        Port Evander's harbour handled 212,400 standard containers in the first three months
        of the year, 6.1 percent more than in the same period last year, according to figures
        published by the harbour authority on Thursday.

        It was the strongest first quarter on record for the Ness Point container terminal.
        The authority said most of the growth came from routes across the strait to the
        Aurel Confederacy, where container traffic rose by 11 percent. Traffic with Kestmark
        was up 2 percent. Trade with ports further afield was flat.

        ## By cargo type

        | Cargo | First quarter | Change on last year |
        |---|---|---|
        | Containers (standard units) | 212,400 | +6.1% |
        | Bulk grain (tonnes) | 318,000 | −8.4% |
        | Fuel and oil (tonnes) | 402,000 | −3.2% |
        | Ferry passengers | 486,000 | +4.7% |

        Bulk grain exports fell for a second quarter, which the authority put down to a
        smaller harvest in the Sallow valley last year and lower prices abroad. Fuel imports
        continued a slow decline as more of the region's heating and transport switches to
        electricity.

        Passenger numbers on the harbour's ferries rose, helped by the return of the MV
        Corran Star to the Vessa route and by growth on routes to the Corran Islands.

        The authority also reported that 37 percent of containers leaving the port were
        empty, a share that has barely moved in three years. Empty boxes are shipped back to
        where they are needed, and the imbalance reflects the fact that Veloria imports more
        manufactured goods than it exports.

        ## Ships in port

        The average time a container ship spent at berth fell to 29 hours, from 31 hours a
        year earlier. The harbour authority said this reflected changes in working patterns
        agreed with the dock workers' union last year. Its longer-term target is 24 hours,
        which it says will need the electric cranes the terminal has now ordered.

        Cruise calls, which are counted separately, begin in May. Fourteen cruise visits are
        booked for the season, two fewer than last year.

        *This report was written by EVA Ledger, an AI persona, from harbour authority
        statistics, and checked by an editor before publication.*
        """,
    ),
    Story(
        slug="weekly-markets-exporters-brace",
        headline="Weekly markets: exporters brace for higher fees across the strait",
        dek="Shipping shares slipped after the incoming Aurel government confirmed its review "
            "of port fees.",
        section="Business", author="ledger", age=None, draft=True, ai="generated",
        tags=["Markets", "Trade", "Aurel Confederacy"],
        hero=Hero("abstract", "dusk", "An illustration generated for this week's market "
                  "report.", "EVA DAILY illustration", ai_generated=True),
        body="""
        The velor weakened slightly this week, ending Friday at 1.079 against the Aurel
        crown, after the incoming Aurel government confirmed it would review the fees charged
        to ships at its ports.

        Shipping and logistics shares fell on the Marenne stock index, which ended the week
        down 0.4 percent. Evander Container Terminals lost 2.1 percent, giving back some of
        the gains it made after announcing its order for electric cranes. Analysts said
        investors were worried that higher port fees in Aurel could slow the growth in
        container traffic across the strait that has driven the terminal's recent results.

        Fish prices were mixed. The average price of cod at the Port Evander fish exchange
        fell 1.3 percent, while herring rose 3.6 percent as the first catches under the new
        accord with Kestmark were landed. The exchange handled 2,870 tonnes of fish over the
        week.

        Grain exporters had a better week. Prices for Sallow valley wheat rose for the first
        time in two months after a poor harvest forecast in Kestmark, and two grain ships
        left Ness Point on Tuesday, the first since February. Retailers edged up after
        figures showed that visitors spent 5 percent more in Port Evander over the spring
        holiday than a year earlier.

        ## Bonds and rates

        Ten-year government bond yields rose to 3.2 percent. The central bank left its main
        interest rate unchanged at 2.75 percent on Wednesday, as expected. In a statement, it
        said inflation was close to its target but that it was watching the cost of imported
        goods.

        ## What to watch next week

        - The Aurel government is expected to publish the terms of its review of port fees.
        - The national statistics office publishes retail sales figures on Wednesday.
        - Evander Container Terminals reports its half-year results on Thursday.

        *Draft written by EVA Ledger, an AI persona. It has not yet been reviewed by an
        editor and must not be published until it has.*
        """,
    ),
    # Science -------------------------------------------------------------
    Story(
        slug="seagrass-returns-sallow-estuary",
        headline="Seagrass meadows are spreading back into the Sallow estuary, survey finds",
        dek="Divers from the Evander Institute of Marine Science mapped 140 hectares of "
            "seagrass, more than double the area recorded a decade ago.",
        section="Science", author="priya", age=4.5,
        tags=["Sallow Estuary", "Marine science", "Fisheries"],
        related=["harbour-water-sensor-students", "kestmark-fishing-accord"],
        hero=Hero("harbour", "day", "Shallow water at the mouth of the Sallow, where most of "
                  "the new meadows were found.", "Evander Institute of Marine Science"),
        body="""
        Seagrass meadows in the Sallow estuary have more than doubled in area over the past
        ten years, according to a survey published this week by the Evander Institute of
        Marine Science, in one of the clearest signs yet that the estuary is recovering from
        decades of pollution.

        Divers and a small survey boat mapped 140 hectares of seagrass last summer, compared
        with 61 hectares when the institute last carried out a full survey. Most of the
        growth is in shallow water near the mouth of the river, but small new patches were
        also found inside the harbour breakwater, where seagrass had not been recorded for at
        least forty years.

        "Seagrass is fussy," said Dr Lene Farrow, who led the survey. "It needs clear water
        and it does not like being disturbed. When it comes back on its own, it is telling you
        something about the whole estuary."

        ## Why it matters

        Seagrass meadows shelter young fish, including cod and plaice that are later caught
        offshore, and they slow the waves that wear away the shore. They also store carbon in
        the mud beneath them, although the institute cautioned that the amount stored by the
        Sallow meadows is small compared with the region's emissions.

        The researchers link the recovery mainly to cleaner water. Upgrades to Port Evander's
        sewage works, finished eight years ago, cut the nutrients reaching the estuary, and
        fewer algae now cloud the water in summer. A ban on bottom trawling inside the
        estuary, agreed with local fishers in the same period, has also helped.

        Not everything is improving. The survey found that meadows near the Ness Point
        terminal are thinner than elsewhere, possibly because of dredging and propeller wash
        from large ships. The institute has recommended that dredging be scheduled outside
        the spring growing season.

        Fishers' groups welcomed the findings and said they hoped the data would be taken
        into account in the next round of quota talks. The institute plans to repeat the
        survey every three years, and is training volunteer divers to monitor smaller sites
        in between.
        """,
    ),
    Story(
        slug="public-tide-gauge-archive",
        headline="University opens the country's first public tide-gauge archive",
        dek="Handwritten records going back to 1871 have been typed up by volunteers and "
            "published online, giving scientists a longer view of rising seas.",
        section="Science", author="priya", age=20.5,
        tags=["Universities", "Open data", "Tides"],
        related=["lighthouse-keepers-weather-logs", "spring-tides-old-quay-closures"],
        hero=Hero("abstract", "dawn", "A page from the harbour master's tide book of 1893, now "
                  "held by the university library.", "University of Port Evander"),
        body="""
        For more than a century, someone at Port Evander's harbour master's office wrote down
        the height of the tide at high and low water, every day, in a series of leather-bound
        books. On Tuesday, the University of Port Evander published all of those numbers
        online, free for anyone to use.

        The archive covers the years 1871 to 1979, after which the readings were taken
        automatically. It holds more than 150,000 measurements, each typed up from the
        original handwriting by volunteers over the past four years. The university says it
        is the first complete, public record of tides from any Velorian port.

        "We knew the books were there; everyone did," said Professor Aurelio Santangel, a
        physical oceanographer who led the project. "But a book in a cupboard is not data.
        Now it is."

        ## A longer view of rising seas

        The record shows that average sea level at Port Evander has risen by about 24
        centimetres since the first readings were taken, with the rate of rise increasing in
        recent decades. Until now, researchers studying the Velorian coast relied on
        automatic gauges that only go back to the 1970s, too short a period to separate
        long-term trends from natural swings.

        The archive also records storms. The margins of the books are full of notes from
        harbour staff: "gale from the west, water over the quay," "ice in the basin," "tide
        did not fall." The project team has kept these notes alongside the numbers, and
        historians have already begun using them to date floods mentioned in old newspapers.

        About 380 volunteers took part, many of them retired residents of the city. Each page
        was typed up twice by different volunteers and the two versions compared by
        computer; where they disagreed, a member of the university team checked the
        original. "Handwriting from 1880 is not easy," said one volunteer, Marta Ilves, a
        former schoolteacher. "But you get to know the people. One harbour clerk always
        crossed his sevens."

        The data is published under an open licence. The university says it hopes engineers
        planning flood defences will use it, as well as scientists.
        """,
    ),
    Story(
        slug="lighthouse-keepers-weather-logs",
        headline="Why the Corran Islands' lighthouse keepers still log the weather by hand",
        dek="Automatic stations do most of the work now, but the national weather service says "
            "the keepers' notes catch what instruments miss.",
        section="Science", author="priya", age=8.8,
        tags=["Corran Islands", "Weather", "Storms"],
        related=["public-tide-gauge-archive", "storm-season-outlook"],
        hero=Hero("harbour", "storm", "The lighthouse on Corran Head, where the weather has "
                  "been recorded since 1902.", "EVA DAILY", "Felix Harrow"),
        body="""
        Every three hours, day and night, someone at the Corran Head lighthouse steps
        outside, looks at the sky and writes down what they see. Cloud type and height.
        Visibility. The state of the sea. Whether the gulls are sitting on the water or
        flying inland.

        The lighthouse has had an automatic weather station since 1998, which reports
        temperature, pressure, wind and rain every minute. So why do the keepers still keep
        a log?

        "Because the instruments do not look at the sky," said Ruth Anker, who has kept the
        light with her husband, Joakim, for sixteen years. "They can tell you the wind is
        forty knots. They can't tell you there's a wall of fog coming in from the south-west,
        and that it's the kind of fog that sits for two days."

        The national weather service pays for the observations and says they remain useful.
        Human observers report things that are hard to measure automatically, such as the
        type of cloud or the look of the sea, which help forecasters judge how a storm is
        developing. The Corran Head records are also among the longest continuous weather
        records in the country, going back to 1902, and scientists value them for that.

        ## A job that may not last

        The arrangement is not guaranteed. The weather service is reviewing its network of
        staffed stations, and three of the eight lighthouses that once sent reports have
        already stopped. Officials say cameras and new instruments may be able to do much of
        what human observers do.

        The keepers are realistic. "Nobody keeps a lighthouse forever," Ms Anker said. But
        island residents have written to the weather service asking that the Corran Head
        observations continue, pointing out that the fishing fleet and the ferries rely on
        the keepers' reports when the weather turns.

        Researchers at the University of Port Evander have begun digitising the lighthouse's
        older logs, following the success of their tide-gauge archive. Many of the early
        pages include notes about shipwrecks, unusual birds and, in one entry from 1911, "a
        whale asleep off the point, snoring."
        """,
    ),
    Story(
        slug="harbour-water-sensor-students",
        headline="Students build a low-cost sensor to watch the harbour's water",
        dek="Engineering students at the University of Port Evander have put twelve floating "
            "sensors in the harbour, each built for less than 300 velors.",
        section="Science", author="priya", age=12.3,
        tags=["Universities", "Harbour", "Marine science", "Open data"],
        related=["seagrass-returns-sallow-estuary"],
        hero=Hero("abstract", "day", "One of the students' sensors, moored off Old Quay.",
                  "EVA DAILY", "Noor Lindqvist"),
        body="""
        A group of engineering students at the University of Port Evander has built a
        floating water-quality sensor that costs less than 300 velors, and put twelve of
        them into the harbour to show what it can do.

        The sensors, each about the size of a football, measure water temperature, salinity,
        cloudiness and dissolved oxygen every ten minutes, and send the readings by radio to
        a receiver on the roof of the engineering building. Anyone can see the results on a
        public website, which shows a map of the harbour with each sensor's latest readings.

        Commercial instruments that measure the same things can cost a hundred times as much,
        although they are more accurate and last longer. The students say their aim is not
        to replace professional equipment but to fill in the gaps. "The harbour authority has
        three very good sensors," said Sofia Lindahl, a third-year student who led the
        design. "We have twelve less good ones. Between us, we can see a lot more of the
        harbour."

        ## Learning from the weather

        The project began as a coursework assignment and grew when the first prototypes
        survived a winter storm. Several early designs did not: one sank, one was found on a
        beach on the Corran Islands, and one was picked up by a fishing boat whose crew
        returned it with a note asking what it was.

        The current design uses a sealed plastic housing, a small solar panel and a battery
        that lasts about four days without sun. The parts list and the software are published
        online so that schools and community groups can build their own.

        The Evander Institute of Marine Science, which monitors the estuary, has asked to
        compare the students' data with its own. Early results are encouraging: the cheap
        sensors track changes in temperature and salinity closely, though their oxygen
        readings drift over time and need recalibrating every few weeks.

        The students plan to keep the sensors in the water for a full year. By then, they
        hope to show how the harbour's water changes with the seasons, the tides and, in
        summer, the crowds of swimmers off Old Quay beach.
        """,
    ),
    # Climate -------------------------------------------------------------
    Story(
        slug="saltmarsh-buyout-offer",
        headline="Saltmarsh homeowners weigh a buyout offer as flood defences are redrawn",
        dek="The city will pay for 212 homes in the lowest streets of Saltmarsh, where the new "
            "flood wall will not reach. Some owners have said yes; others say they will "
            "never leave.",
        section="Climate", author="priya", age=0.6, featured=True,
        tags=["Flooding", "Housing", "Port Evander", "Storms"],
        related=["rent-cap-public-vote", "heat-plan-cooling-rooms", "storm-season-outlook"],
        hero=Hero("hills", "dusk", "Houses on Marsh Lane, inside the area covered by the "
                  "buyout offer.", "EVA DAILY", "Anja Roos"),
        body="""
        The letters arrived on a Saturday, which Pieter Mol thinks was a mistake. "You should
        not tell people on a weekend that the city has decided their street is not worth
        defending," he said, standing on the step of the house on Marsh Lane where he has
        lived for thirty-one years. "There is nobody to call."

        The city has not quite said that. But the letters sent last week to the owners of 212
        homes in the lowest part of Saltmarsh set out a choice that many residents had
        feared. A new flood wall, to be built over the next six years, will protect most of
        the district from storm surges. It will not protect them. Instead, the city is
        offering to buy their homes at the value they would have if they were not at risk of
        flooding, plus moving costs.

        ## Why the line was drawn here

        Engineers considered building the wall further out, around the whole of Saltmarsh.
        It would have been two kilometres longer, cost an estimated 340 million velors more,
        and cut through the edge of the salt marsh that gives the district its name and that
        absorbs some of the force of incoming waves. The council chose the shorter route in
        February.

        "Nobody on this council wanted to draw a line through a neighbourhood," said Deputy
        Mayor Jonas Ekdahl, who chairs the council's climate committee. "But we had to choose
        between protecting most people well and protecting everyone badly. The buyout is the
        part of the plan that tries to be fair to the people on the wrong side of the line."

        Homes in the affected streets have flooded four times in the past fifteen years,
        twice badly enough that residents had to move out for months. Insurance has become
        harder to get: several residents said their premiums had tripled, and two said they
        had been refused cover altogether.

        ## Yes, no and not yet

        By Friday, the owners of 37 homes had told the city they intended to accept. For some,
        the offer came as a relief. "I have been awake every stormy night for ten years," said
        Agnes Tamm, who lives with her daughter on Reed Street. "I love this house. I do not
        love being afraid in it."

        Others say they will stay. The offer is voluntary, and the city has said it will not
        force anyone to sell. But officials have also said that once the wall is built, roads
        and drains outside it will be maintained "to a basic standard," and residents fear
        that services will slowly disappear.

        Tenants are in a harder position. About a third of the homes are rented, and the offer
        is made to owners. The city says tenants will get help finding homes elsewhere in Port
        Evander and a payment towards moving costs, but tenants' groups say that is not enough
        in a city where rents are rising fast, one reason the rent cap vote in June has drawn
        so much attention in Saltmarsh.

        Owners have until the end of the year to decide. The land the city buys will be
        returned to salt marsh, which engineers say will help protect the wall behind it.

        Mr Mol has not decided. "My wife's ashes are in the garden," he said. "Where would I
        take the garden?"
        """,
    ),
    Story(
        slug="storm-season-outlook",
        headline="Storm season outlook: more autumn gales, fewer summer squalls expected",
        dek="The national weather service's seasonal outlook points to a stormier autumn than "
            "usual along the coast. Here is what it says and how sure it is.",
        section="Climate", author="tidewatch", age=7.5, ai="generated",
        tags=["Storms", "Weather"],
        related=["regional-weather-warnings-meeting", "saltmarsh-buyout-offer"],
        hero=Hero("hills", "storm", "An illustration of storm clouds over coastal hills, "
                  "generated for this outlook.", "EVA DAILY illustration", ai_generated=True),
        body="""
        The national weather service expects the coming autumn to be stormier than average
        along the Velorian coast, according to its seasonal outlook published on Monday,
        while the summer months should bring fewer of the sudden squalls that caught out
        small boats last year.

        Seasonal outlooks are not forecasts for particular days. They describe how likely it
        is that a season will be wetter, windier or warmer than usual, based on ocean
        temperatures, the state of the atmosphere over recent months and the output of
        several computer models. The weather service rates its confidence in this outlook as
        "moderate."

        ## What the outlook says

        - **Summer (June to August):** slightly warmer than average, with a lower than usual
          chance of squall lines, the fast-moving bands of thunderstorms that can bring
          sudden strong winds. Rainfall close to average.
        - **Autumn (September to November):** a higher than usual chance of deep
          low-pressure systems reaching the coast, bringing gales and storm surges. The
          weather service puts the chance of at least one storm strong enough to trigger a
          coastal flood warning at about 70 percent, against a long-term average of about
          55 percent.
        - **Sea temperatures:** the sea off Port Evander is about 1.1 degrees warmer than
          usual for the time of year, which can add energy to autumn storms.

        ## What it means for the coast

        The weather service advises harbour users, coastal residents and event organisers to
        plan for a stormier autumn, but not to change plans on the strength of the outlook
        alone. Warnings for individual storms are issued up to five days ahead.

        Port Evander's civil protection office said it would use the outlook to schedule
        maintenance of the flood gates at Old Quay and Saltmarsh before September, and to
        check its stock of sandbags. The harbour authority said it would review mooring
        arrangements in the inner harbour.

        Outlooks of this kind have a mixed record. The weather service's own review found
        that its autumn outlooks over the past ten years were right about the direction of
        change, stormier or calmer than average, in seven years out of ten.

        *This summary was written by EVA Tidewatch, an AI persona, from the national weather
        service's published outlook, and reviewed by an editor before publication.*
        """,
    ),
    Story(
        slug="heat-plan-cooling-rooms",
        headline="City will open cooling rooms in libraries during heat waves",
        dek="Port Evander's first heat plan also sets up phone calls to older residents who "
            "live alone and moves outdoor work to the early morning on the hottest days.",
        section="Climate", author="mara", age=16.2,
        tags=["Heat", "City Council", "Libraries", "Port Evander"],
        related=["storm-season-outlook"],
        hero=Hero("city", "day", "The central library on Harbour Square, one of nine buildings "
                  "that will open as cooling rooms.", "EVA DAILY", "Felix Harrow"),
        body="""
        Port Evander will open cooling rooms in nine public libraries whenever the national
        weather service issues a heat warning for the city, under a heat plan approved by the
        city council on Wednesday.

        The plan, the first of its kind in the city, follows two summers in which
        temperatures in Port Evander passed 35 degrees for several days in a row. The city
        has no official count of deaths linked to those heat waves, but the regional health
        authority estimated last year that hot weather contributed to about 60 more deaths
        than would normally be expected over one August fortnight, most of them among people
        over 75.

        "Port Evander has always thought of itself as a cool city with a sea breeze," said
        Councillor Nadia Ferro, who chairs the health committee. "The breeze does not reach
        the top floor of a tower block in Greywater."

        ## What the plan does

        When a heat warning is issued:

        1. Nine libraries will open from 8 a.m. to 10 p.m., with air conditioning, water and
           seating. No library card or registration will be needed.
        2. Volunteers and city staff will telephone about 4,000 residents over 75 who live
           alone and have agreed to be on a contact list. Anyone who does not answer will
           get a visit.
        3. Outdoor work by city staff, including street cleaning and park maintenance, will
           move to the early morning where possible.
        4. Public swimming pools will stay open longer, and entry will be free for children.

        The city is also planting trees on twelve streets identified as the hottest in
        summer, using temperature maps made by the University of Port Evander. Most of the
        streets are in Greywater and around the rail depot, areas with few trees and many
        dark roofs.

        Librarians broadly welcomed the plan but said they would need extra staff on long
        days. The council has set aside money for temporary staff during heat warnings, and
        the library workers' union said it was satisfied with the arrangements.

        The plan will be reviewed after its first summer. Ms Ferro said the council would
        look at whether cooling rooms should also open in community centres in neighbourhoods
        without a library nearby.
        """,
    ),
    Story(
        slug="spring-tides-old-quay-closures",
        headline="Spring tides bulletin: Old Quay road closures expected on three evenings",
        dek="Unusually high tides and a forecast south-westerly wind mean water may reach the "
            "quayside road on Thursday, Friday and Saturday evenings.",
        section="Climate", author="tidewatch", age=2.9, ai="generated",
        tags=["Tides", "Transport", "Port Evander", "Flooding"],
        related=["night-ferry-trial-approved", "public-tide-gauge-archive"],
        hero=Hero("harbour", "night", "An illustration of high water at night, generated for "
                  "this bulletin.", "EVA DAILY illustration", ai_generated=True),
        body="""
        High spring tides this week are expected to bring water over parts of the Old Quay
        road on Thursday, Friday and Saturday evenings, and the city's civil protection
        office has announced temporary closures.

        Spring tides come twice a month, around the new and full moon, when the pull of the
        sun and the moon line up. This week's are among the highest of the year because the
        moon is also close to its nearest point to the earth. On their own, they would come
        close to the top of the quay wall. With the south-westerly wind forecast for the end
        of the week, which pushes water into the harbour, the civil protection office expects
        some water to come over.

        ## Expected high water

        | Day | High tide | Predicted height |
        |---|---|---|
        | Thursday | 7:42 p.m. | 3.31 m |
        | Friday | 8:24 p.m. | 3.38 m |
        | Saturday | 9:05 p.m. | 3.34 m |

        Heights are above the local chart datum. The top of the quay wall at its lowest
        point, near the fish market, is 3.35 metres. Wind and air pressure can add or take
        away up to 20 centimetres.

        ## Closures and advice

        - The Old Quay road between the fish market and the ferry terminal will close from
          one hour before to one hour after each evening high tide.
        - Ferries will run as normal. Passengers should use the upper walkway from Harbour
          Square to reach the terminal.
        - Residents with ground-floor homes on Quay Street should keep flood boards ready.
          The civil protection office will deliver sandbags on request.
        - Cars should be moved off the quayside by 6 p.m. on each of the three days.

        The civil protection office says the risk to homes is low, but that the quayside
        itself can be dangerous when waves break over the wall. People are asked not to walk
        along the edge to watch.

        The next high spring tides are due in four weeks. The weather service will issue
        updated tide and wind forecasts each morning until Saturday.

        *This bulletin was written by EVA Tidewatch, an AI persona, from tide tables and the
        weather service's forecast, and checked by an editor before publication.*
        """,
    ),
    # Culture -------------------------------------------------------------
    Story(
        slug="harbour-museum-ship-models-review",
        headline="Review: the Harbour Museum's new gallery lets the ship models speak",
        dek="Two hundred models, a restored lifeboat and the voices of the people who sailed "
            "in them. The museum's long-awaited refit was worth the wait.",
        section="Culture", author="jonah", age=15.5,
        tags=["Museums", "Harbour", "Reviews"],
        related=["last-net-maker-old-quay"],
        hero=Hero("abstract", "dusk", "The restored lifeboat Margarethe at the centre of the "
                  "new gallery.", "Harbour Museum"),
        body="""
        For as long as anyone can remember, the ship models at the Harbour Museum sat in rows
        of glass cases on the first floor, each with a typed card giving its name, its
        tonnage and the year it was built. They were beautiful and completely silent.
        Children ran past them to get to the diving helmet.

        The museum's new Sea Lanes gallery, which opened on Saturday after two years of work,
        keeps almost all of the models but changes everything around them. They are now
        grouped not by type or date but by the journeys they made: fishing trips to the
        northern banks, emigrant voyages across the ocean, the short ferry hops to the Corran
        Islands that were, for generations, the only way on or off.

        Each group comes with voices. The museum spent a year recording interviews with
        former sailors, fishers, ferry crews and their families, and short extracts play
        quietly as you approach each case. It is a simple idea and it works extraordinarily
        well. Standing by a model of a herring drifter, you hear a woman describe the smell
        of her father's coat when he came home. By the emigrant ships, a man in his nineties
        reads a letter his grandmother wrote on board.

        ## The lifeboat

        The centrepiece is the Margarethe, a wooden rowing lifeboat that served the Port
        Evander station from 1894 to 1931 and spent most of the following century in a shed
        on the Corran Islands. Restored by volunteers, she sits in the middle of the gallery
        with her oars raised, and the names of the people she rescued are painted on the wall
        behind her: 312 of them, with the names of the four crew members who died in service.

        Not everything succeeds. A large touch-screen table meant to let visitors plot their
        own voyages was broken on both of my visits, and the lighting, kept low to protect the
        models, makes some of the wall text hard to read. The café, moved to the ground
        floor, has lost its view of the harbour.

        But these are small complaints about a gallery that takes objects many visitors had
        stopped seeing and makes them matter again. Go on a weekday morning, when it is quiet
        enough to hear the voices properly.

        *Sea Lanes is open daily except Monday. Entry is free for residents of Port Evander.*
        """,
    ),
    Story(
        slug="lantern-festival-greener-parade",
        headline="Lanternhill's lantern festival returns with a quieter, greener parade",
        dek="After complaints about noise and waste, organisers have swapped generators for "
            "batteries and paper lanterns for reusable ones, and moved the fireworks offshore.",
        section="Culture", author="jonah", age=19.8,
        tags=["Festivals", "Port Evander", "Energy"],
        related=["ness-point-electric-cranes"],
        hero=Hero("city", "night", "Lanterns on the steps of Lanternhill during last year's "
                  "festival.", "EVA DAILY", "Anja Roos"),
        body="""
        The Lanternhill Lantern Festival, Port Evander's oldest street celebration, returns
        next month with a parade that organisers promise will be quieter, cleaner and, they
        hope, just as bright.

        The festival has taken place on the first Saturday of autumn for more than 150 years.
        It began, according to local tradition, as a procession by the families of fishers
        who carried lights down the steep streets of Lanternhill to guide the boats home. It
        has since grown into an evening that draws about 60,000 people, with a parade of
        illuminated floats, music on every corner and fireworks over the harbour at midnight.

        It has also drawn complaints. Residents of Lanternhill say recent festivals have been
        too loud, with diesel generators powering floats and sound systems until the early
        hours, and that the streets have been left covered in burnt paper from thousands of
        single-use lanterns. Last year, the festival committee received more than 400
        complaints.

        ## What is changing

        This year, the floats will run on batteries rather than generators. The city's ferry
        operator has lent the festival a mobile battery unit normally used to charge its
        electric maintenance boats, and local firms have donated others. Amplified music will
        stop at 11 p.m. in residential streets.

        The paper lanterns sold along the parade route will be replaced by reusable lanterns
        with LED candles, which visitors can buy or borrow for a deposit. Children from
        eleven schools have spent the past month decorating them. The fireworks will be
        launched from a barge in the outer harbour, further from homes.

        "We wanted to keep what the festival means and lose what it had become," said
        festival director Cosima Hale. "It is a festival about light coming home over the
        water. It does not need to sound like a building site."

        Not everyone is convinced. Some long-time visitors say the paper lanterns, released
        from the harbour wall at the end of the night, were the heart of the festival. The
        committee has promised a final gathering at the wall at midnight, where lanterns will
        be raised together and then, for the first time, carried home.
        """,
    ),
    Story(
        slug="low-water-at-greywater-review",
        headline="Book review: 'Low Water at Greywater' maps a city's memory street by street",
        dek="Ilse Marrack's first novel follows three generations of one family through the "
            "docks district that made them. It is patient, funny and quietly devastating.",
        section="Culture", author="jonah", age=27.4,
        tags=["Books", "Reviews", "Port Evander"],
        related=["harbour-museum-ship-models-review"],
        hero=Hero("hills", "dawn", "Greywater's old dock basin, where the novel is set.",
                  "EVA DAILY", "Noor Lindqvist"),
        body="""
        About a third of the way through Ilse Marrack's first novel, *Low Water at
        Greywater*, a dock worker named Aksel teaches his granddaughter to tell the time by
        the tide. He does not own a watch. He does not need one. The water comes in, the
        water goes out, and a man who has worked beside it for forty years knows to the
        minute where it will be. The granddaughter, who has a watch and is twelve, is not
        impressed. By the end of the book, she is the only person left who remembers how he
        did it.

        That is Marrack's subject: what a place knows, and how it forgets. The novel follows
        three generations of the Sorel family through the Greywater docks district of Port
        Evander, from the years when the basin was full of timber ships to the present, when
        the warehouses are flats and the basin is a marina. Each part of the book is set in a
        single street, and the streets are real; readers who know the city could walk the
        novel.

        It could easily have been a lament, and at moments it is. But Marrack is too funny,
        and too interested in her characters, to write a simple story of decline. Aksel's
        wife, Ruth, runs a card game in the back of a fish shop for thirty years and is never
        caught. Their son becomes a union organiser and then, to the family's lasting
        amusement, a harbour manager. The granddaughter, Vera, leaves for Marenne, becomes an
        architect and comes back to design the flats that replace the warehouse where her
        grandfather worked. Marrack lets her feel every contradiction in that, without
        judging her.

        The prose is plain and exact, in a way that suits the people it describes. There are
        no grand speeches. The most moving chapter, about a dock accident in the 1970s, is
        told almost entirely through the shopping lists Ruth writes in the weeks after it.

        The book is not perfect. The middle section, set during a long strike, loses
        momentum, and a late subplot about a lost painting feels as if it belongs to another
        novel. But these are the stumbles of a writer taking risks, and the ending, back at
        the water's edge with Vera and a watch she no longer needs, is as good as anything I
        have read this year.

        *Low Water at Greywater is published by Lanternhill Press.*
        """,
    ),
    Story(
        slug="last-net-maker-old-quay",
        headline="The last net-maker on Old Quay teaches one more class",
        dek="Ottar Brann has mended fishing nets in the same loft for fifty-four years. This "
            "spring, he is passing the craft on to twelve students, most of whom have never "
            "been to sea.",
        section="Culture", author="jonah", age=9.6,
        tags=["Fisheries", "Crafts", "Port Evander"],
        related=["kestmark-fishing-accord", "harbour-museum-ship-models-review"],
        hero=Hero("harbour", "autumn", "The net loft on Old Quay, where Ottar Brann has "
                  "worked since he was sixteen.", "EVA DAILY", "Anja Roos"),
        body="""
        The net loft above the old chandlery on Old Quay is reached by an outside staircase
        so steep that Ottar Brann climbs it sideways. At the top is a long room with windows
        on three sides, smelling of tar and rope, where he has mended fishing nets since he
        was sixteen. He is now seventy, and he is the last person in Port Evander who does
        it for a living.

        On Tuesday and Thursday evenings this spring, the loft is also a classroom. Twelve
        students, chosen from more than sixty who applied, are learning to mend and make
        nets by hand on a course run by Mr Brann with support from the Harbour Museum and the
        city's craft school. Most of them have never worked on a boat.

        "I asked them on the first night why they wanted to learn," Mr Brann said. "One said
        she was a sculptor. One said he was a software developer who wanted to do something
        with his hands. One said his great-grandfather had been a fisherman and he wanted to
        know what that meant. I said: good, all good reasons. Now pick up the needle."

        ## A craft that changed

        Net-making was once one of the most common trades on the quay. In the 1950s, Port
        Evander had more than thirty net lofts, employing several hundred people, many of
        them women. Machine-made nets, which arrived in the 1960s, made most of that work
        unnecessary. Mending survived longer, because nets torn at sea still needed repair,
        but in recent years most boats have sent damaged nets to a factory in Kestmark or
        simply replaced them.

        Mr Brann still mends nets for a handful of local boats, and says there is more work
        than he can take on. The new fishing accord with Kestmark, which is expected to bring
        more boats back to the northern banks, may add to it.

        The course is not meant to train professional net-makers, although Mr Brann says two
        of his students could become good enough. Its aim is to keep the knowledge alive: the
        knots, the tools, the way a net should hang. The Harbour Museum is filming every
        session and will publish the videos.

        "Fifty years from now, someone will find a net in a shed and want to fix it," Mr
        Brann said. "They should be able to find out how."
        """,
    ),
]
