"""What the QA round found in the emails: the lead picture's credit, long words, automatic-
mail headers, line breaks in corrections, wrapped plain text, the size of an edition, the
greeting, and the masked new address."""

from datetime import datetime, timedelta
from email.utils import parseaddr

import pytest
from django.core import mail
from playwright.sync_api import sync_playwright

from accounts.email_change import apply, make_token, mask
from core.mail import TEXT_WIDTH, AutomaticEmail, queue_email, send_rendered, wrap
from newsletter import emails
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import ArticleFactory, CorrectionFactory, SectionFactory, UserFactory
from tests.newsletter import conftest as newsletter

from .newsletter.conftest import EDITION, post_subscribe
from .newsletter.test_edition import editions, send_edition, subscriber

pytestmark = pytest.mark.django_db

# The newsletter tests' pinned clock and small newsroom.
clock = newsletter.clock
newsroom = newsletter.newsroom

LONG_WORD = "Supercalifragilistic" * 8  # 160 letters, no place to break
LONG_URL = "https://example.org/" + "a-very-long-path-segment/" * 6


def flat(text):
    """Text with its line breaks and runs of spaces as single spaces (it is wrapped)."""
    return " ".join(text.split())


def daily_edition():
    """Send the edition to a daily subscriber; their email."""
    subscriber("daily@example.org", daily=True)
    send_edition()
    return editions()["daily@example.org"]


# 1. The lead picture's credit and AI label, as on the story's page -------------------

def test_the_lead_picture_is_credited_and_labelled_as_on_its_page(client, newsroom):
    story = ArticleFactory(
        with_image=True, slug="ledger", headline="Ferries return to the harbour",
        section=newsroom["world"], author=newsroom["human"], image_is_illustration=True,
        image_is_ai_generated=True, image_credit_source="EVA DAILY",
        image_credit_photographer="EVA Ledger", published_at=EDITION - timedelta(minutes=10))
    credit = "Illustration: EVA DAILY / EVA Ledger (AI-generated image)"
    page = client.get(story.get_absolute_url()).content.decode()
    assert f'<span class="credit">{credit}</span>' in page  # what the page shows
    message = daily_edition()
    html = message.alternatives[0].content
    # Under the picture, before the headline.
    _, rest = html.split('alt="A harbour at dawn"', 1)
    assert rest.index(credit) < rest.index("Ferries return to the harbour")
    assert f"[Picture: A harbour at dawn — {credit}]" in flat(message.body)
    assert "\n[Picture: A harbour at dawn" in message.body  # a line of its own


# 2. One long word cannot widen the edition ------------------------------------------

@pytest.fixture
def long_words(newsroom):
    ArticleFactory(headline=f"Harbour {LONG_WORD} opens", dek=f"See {LONG_URL} for times.",
                   section=newsroom["world"], author=newsroom["human"],
                   published_at=EDITION - timedelta(minutes=5))
    CorrectionFactory(article=newsroom["stories"]["world"], date=EDITION - timedelta(hours=1),
                      text=f"An earlier version misspelt {LONG_WORD}.")
    return daily_edition().alternatives[0].content


def test_long_words_wrap_inside_the_column_in_chromium(long_words, tmp_path):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for width in (600, 390):
                for scheme in ("light", "dark"):
                    page = browser.new_page(viewport={"width": width, "height": 900},
                                            color_scheme=scheme)
                    page.set_content(long_words)
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    assert wide <= width, (width, scheme, wide)
                    page.close()
        finally:
            browser.close()


def test_every_text_cell_lets_long_words_break_and_the_column_is_fixed(long_words):
    """What mail clients that are not Chromium read: the same rules, inline."""
    cells = long_words.split('<td class="ed-pad"')[1:]
    assert len(cells) >= 5
    for cell in cells:
        style = cell.split('style="', 1)[1].split('"', 1)[0]
        assert "word-break:break-word" in style and "overflow-wrap:anywhere" in style
    assert "table-layout:fixed" in long_words.split('class="ed-paper"', 1)[1].split(">", 1)[0]


# 3. Automatic emails say so, and their Message-IDs name the site --------------------

def headers(message):
    mime = message.message()
    return mime["Auto-Submitted"], parseaddr(mime["Message-ID"])[1].rsplit("@", 1)[1]


def test_every_kind_of_email_is_marked_automatic_and_its_id_names_the_site(client, newsroom):
    UserFactory(username="ana", email="ana@example.org")
    post_subscribe(client, "bo@example.org")  # the confirmation (a task)
    client.post("/accounts/password_reset/", {"email": "ana@example.org"})  # send_rendered
    queue_email("Your bias report BR-000001: upheld", "Thank you.", ["cy@example.org"])
    send_rendered("registration/welcome_subject.txt", "registration/welcome_email.txt",
                  {"users": [], "names": '"ana"', "reset_url": "https://news.example/r/"},
                  "ana@example.org")
    subscriber("daily@example.org", daily=True)
    send_edition()
    subjects = [message.subject for message in mail.outbox]
    assert len(subjects) == 5 and any(s.startswith("EVA DAILY for") for s in subjects)
    assert {headers(message) for message in mail.outbox} == {("auto-generated",
                                                              "news.example")}


def test_a_message_id_given_is_kept():
    message = AutomaticEmail("s", "b", ["a@example.org"], headers={"Message-ID": "<x@y.z>"})
    assert message.message()["Message-ID"] == "<x@y.z>"


# 4. A correction's line breaks, as the site shows them -----------------------------

def test_a_corrections_line_breaks_are_kept_in_both_parts(newsroom):
    CorrectionFactory(article=newsroom["stories"]["world"], date=EDITION - timedelta(hours=1),
                      text="The crossing takes 20 minutes.\r\nIt never took 32.")
    message = daily_edition()
    assert "The crossing takes 20 minutes.<br>It never took 32." in (
        message.alternatives[0].content)
    assert "minutes.\nIt never took 32.\n" in message.body
    assert "crossings”: The crossing takes 20 minutes. It never took 32." in flat(message.body)


# 5. Plain text wrapped at 78, URLs whole; the signature separator -----------------------

def test_wrap_breaks_long_lines_at_spaces_and_keeps_urls_whole():
    url = "https://news.example/newsletter/preferences/" + "x" * 90 + "/"
    text = wrap(f"{'word ' * 40}end\n- {'item ' * 30}\nLeave: {url}\n-- \nshort")
    lines = text.split("\n")
    assert all(len(line) <= TEXT_WIDTH for line in lines if line != url)
    assert url in lines  # whole, on a line of its own
    assert lines[lines.index(url) - 1] == "Leave:"
    assert "-- " in lines and lines[-1] == "short"
    items = [line for line in lines if "item" in line]
    assert items[0].startswith("- item") and all(line.startswith("  item")
                                                 for line in items[1:])
    assert " ".join(text.split()) == " ".join(
        f"{'word ' * 40}end - {'item ' * 30} Leave: {url} -- short".split())


def test_the_editions_text_is_wrapped_and_signed_off_with_dash_dash_space(newsroom):
    ArticleFactory(headline="Harbour " * 24 + "opens", dek="A dek " * 40,  # 197 characters
                   section=newsroom["world"], author=newsroom["human"],
                   published_at=EDITION - timedelta(minutes=5))
    message = daily_edition()
    lines = message.body.split("\n")
    long = [line for line in lines if len(line) > TEXT_WIDTH]
    assert long == [line for line in long if " " not in line and "://" in line]
    assert "-- " in lines and "--" not in lines


def test_notices_bodies_are_wrapped_too():
    queue_email("Subject", "Thank you. " * 30, ["ana@example.org"])
    [message] = mail.outbox
    assert max(len(line) for line in message.body.split("\n")) <= TEXT_WIDTH


# 6. An edition stops at MAX_STORIES and says where the rest are ---------------------

def test_an_edition_past_the_cap_shows_the_first_stories_and_links_to_the_rest(newsroom):
    culture = SectionFactory(name="Culture", slug="culture", position=2)
    world = [ArticleFactory(headline=f"World story {n:02d} " + "long headline " * 8,
                            dek="A dek of some length. " * 6, section=newsroom["world"],
                            author=newsroom["human"],
                            published_at=EDITION - timedelta(minutes=10 + n))
             for n in range(emails.MAX_STORIES + 2)]
    for n in range(3):
        ArticleFactory(headline=f"Culture story {n}", section=culture,
                       author=newsroom["human"], published_at=EDITION - timedelta(minutes=n))
    message = daily_edition()
    html, text = message.alternatives[0].content, message.body
    total = emails.MAX_STORIES + 2 + 1 + 1 + 3  # and the newsroom's world and business stories
    more = total - emails.MAX_STORIES
    # The first MAX_STORIES in the edition's order (section, then newest), in both parts.
    assert html.count('class="ed-headline"') == emails.MAX_STORIES
    assert world[emails.MAX_STORIES - 1].headline.strip() in html
    assert world[emails.MAX_STORIES].headline.strip() not in html
    assert "Culture story" not in html and "Culture story" not in text
    for part in (html, text):
        assert (f"{total} new stories in what you follow: the first {emails.MAX_STORIES} "
                f"here, the other {more} on the site.") in flat(part)
        assert f"{more} more new stories in what you follow did not fit" in flat(part)
    assert 'href="https://news.example/sections/culture/"' in html and "(3)" in html
    assert "- Culture (3): https://news.example/sections/culture/" in text
    assert "- World (3): https://news.example/sections/world/" in text
    assert "- Business (1): https://news.example/sections/business/" in text
    # The footer, with the links to leave, stays under Gmail's clip.
    assert len(html.encode()) < 102 * 1024
    assert "Unsubscribe</a>" in html


# 7. The greeting follows EDITION_TIME -----------------------------------------------

@pytest.mark.parametrize(("hour", "said"), [(0, "Good morning."), (6, "Good morning."),
                                            (11, "Good morning."), (12, "Good afternoon."),
                                            (17, "Good afternoon."), (18, "Good evening."),
                                            (23, "Good evening.")])
def test_the_greeting_follows_the_time_of_day(hour, said):
    assert emails.greeting(datetime(2026, 12, 2, hour, 30)) == said


def test_an_evening_edition_says_good_evening(settings, newsroom):
    settings.EDITION_TIME = datetime.strptime("18:00", "%H:%M").time()
    ArticleFactory(headline="Evening ferry", section=newsroom["world"],
                   author=newsroom["human"],
                   published_at=EDITION - timedelta(hours=13))  # Dec 1, 17:00
    message = daily_edition()
    assert "\nGood evening. 1 new story in what you follow.\n" in message.body
    assert "Good evening. 1 new story" in message.alternatives[0].content
    assert "Good morning" not in message.body + message.alternatives[0].content


# 8. The masked new address, as its owner wrote it --------------------------------------

@pytest.mark.parametrize(("email", "masked"), [
    ("reader@xn--bcher-kva.example", "r•••@bücher.example"),
    ("ana@example.org", "a•••@example.org"),
    # Not a real IDNA name (it hides a right-to-left override): left as it is.
    ("ana@xn--abc-4q0a.example", "a•••@xn--abc-4q0a.example"),
    ("ana@xn--zz.example", "a•••@xn--zz.example"),
])
def test_the_masked_address_shows_the_domain_as_typed(email, masked):
    assert mask(email) == masked


def test_the_old_address_is_told_the_new_domain_in_its_letters(client):
    user = UserFactory(username="ana", email="ana@example.org")
    user.set_password("correct horse battery")
    user.save()
    apply(make_token(user, "reader@xn--bcher-kva.example"))
    [notice] = [m for m in mail.outbox if m.to == ["ana@example.org"]]
    assert "r•••@bücher.example" in notice.body
