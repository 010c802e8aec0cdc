"""What a reader notices on cards, bylines and lists (issue 17), in a real Chromium.

At 1280 px and 390 px, light and dark. Screenshots go to screenshots/issue-17/
(git-ignored), to be looked at by a person.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from demo import illustrations
from tests.browser import axe
from tests.browser.shots import each_look
from tests.factories import ArticleFactory, AuthorFactory, CorrectionFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "issue-17"
WIDTHS = [1280, 390]
SCHEMES = ["light", "dark"]
# Each test makes its stories once and loads its pages again at each width (the images'
# sizes and lazy loading are chosen as a page loads), each page then seen light and dark.
WIDTH_LOOKS = [(width, "light") for width in WIDTHS]
AI_COLOUR = (20, 110, 100)
HUMAN_COLOUR = (176, 58, 46)

# The width the browser reads from an image's `sizes` (the first media
# condition that matches, its length measured with a probe element).
SIZES_WIDTH = """img => {
  for (const part of img.getAttribute("sizes").split(/,(?![^(]*\\))/)) {
    const match = part.trim().match(/^(\\(.*?\\))\\s+(.+)$/);
    if (match && !matchMedia(match[1]).matches) continue;
    const probe = document.createElement("div");
    const length = match ? match[2] : part.trim();
    probe.style.cssText = "position:absolute;visibility:hidden;width:" + length;
    document.body.append(probe);
    const width = probe.getBoundingClientRect().width;
    probe.remove();
    return width;
  }
  return null;
}"""


def shoot(page, name, full_page=True):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"reading-{name}.png"), full_page=full_page)


def avatar(name, colour):
    return ContentFile(illustrations.avatar_image(name, colour, False, size=192),
                       name=f"{name.lower().replace(' ', '-')}.png")


@pytest.fixture
def reading(db):
    """Two sections, a person and an AI persona with the demo's avatars, and enough
    stories with long names and headlines that card meta lines must wrap."""
    now = timezone.now()
    world = SectionFactory(name="World", slug="world", position=0)
    business = SectionFactory(name="Business", slug="business", position=1)
    human = AuthorFactory(name="Margaret Okonkwo-Castellane", slug="margaret",
                          title="Political editor",
                          avatar=avatar("Margaret Okonkwo", HUMAN_COLOUR))
    ai = AuthorFactory(ai=True, name="EVA Ledger", slug="eva-ledger",
                       title="Markets and data (AI persona)",
                       avatar=avatar("EVA Ledger", AI_COLOUR))
    published = (now - timedelta(days=3)).replace(hour=9, minute=15, second=0, microsecond=0)
    story = ArticleFactory(
        with_image=True, slug="quay-budget", section=world, author=ai,
        headline='Mayor\'s "quiet" budget keeps the old quay open',
        dek="'Fair enough', say the fishermen who use it every morning.",
        body='The mayor said "the quay stays". It\'s the third vote this year.',
        image_caption='The "old" quay at dawn.', published_at=published, tags=["Harbours"],
    )
    # A correction on the day of publication: an "Updated" line would repeat the date.
    CorrectionFactory(article=story, date=published + timedelta(hours=2))
    later = ArticleFactory(with_image=True, slug="later-fix", section=world, author=human,
                           published_at=published - timedelta(days=2), tags=["Harbours"])
    CorrectionFactory(article=later, date=published)
    stories = [
        ArticleFactory(
            with_image=True, slug=f"story-{index}", section=(world, business)[index % 2],
            author=(human, ai)[index % 2],
            headline=f"Harbour board weighs a longer ferry season, story {index}",
            published_at=now - timedelta(hours=index + 1), tags=["Harbours"],
        )
        for index in range(8)
    ]
    return {"story": story, "later": later, "stories": stories, "world": world,
            "human": human, "ai": ai}


def open_page(browser, width, scheme, scale=1):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme,
                                  device_scale_factor=scale)
    return context, context.new_page()


def each_scheme(page):
    """Look at the loaded page in light, then dark, then leave it light again."""
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        yield scheme
    page.emulate_media(color_scheme="light")


def assert_axe_clean(page, what):
    problems = axe.serious(page)
    assert not problems, (what, problems)


def test_card_meta_items_wrap_as_wholes(live_server, reading, browser):
    context, page = open_page(browser, WIDTHS[0], "light")
    try:
        for width, _ in each_look(page, WIDTH_LOOKS):
            for name, url in (("latest", "/articles/"), ("front", "/"),
                              ("author", reading["ai"].get_absolute_url())):
                page.goto(live_server.url + url)
                items = page.locator(".card-meta .meta-item")
                assert items.count() >= 6, url
                # An inline box split across lines has one client rectangle per line.
                lines = items.evaluate_all("items => items.map(i => [i.textContent.trim(),"
                                           " i.getClientRects().length])")
                assert all(count == 1 for _, count in lines), (url, lines)
                assert any(text.endswith("min read") for text, _ in lines), lines
                # The meta line does wrap somewhere on a phone: between items, not inside them.
                if width == 390 and name == "latest":
                    heights = page.locator(".card-meta").evaluate_all(
                        "metas => metas.map(m => m.getClientRects()[0].height / "
                        "parseFloat(getComputedStyle(m).lineHeight))")
                    assert max(heights) >= 1.9, heights
                for scheme in each_scheme(page):
                    shoot(page, f"cards-{name}-{width}-{scheme}", full_page=False)
    finally:
        context.close()


def test_the_article_shows_its_date_in_the_dateline_and_the_byline_line_only(
        live_server, reading, browser):
    story = reading["story"]
    local = timezone.localtime(story.published_at)
    short = f"{local:%b} {local.day}, {local.year}"
    context, page = open_page(browser, WIDTHS[0], "light")
    try:
        for width, _ in each_look(page, WIDTH_LOOKS):
            page.goto(live_server.url + story.get_absolute_url())
            header = page.locator(".story-header").inner_text()
            assert header.count(short) == 1, header  # "Feb 4, 2026 · 4 min read" (item 6)
            assert f"{short} · 1 min read" in header
            dateline = page.locator(".dateline time").inner_text()
            assert dateline.startswith(f"{local:%A, %B} {local.day}")
            assert "Updated" not in header  # the same-day correction's date would repeat it
            # Typographic quotes in the headline, dek, body and caption.
            assert page.locator("h1").inner_text() == (
                "Mayor’s “quiet” budget keeps the old quay open")
            assert page.locator(".dek").inner_text().startswith("‘Fair enough’, say")
            assert "“the quay stays”. It’s the third" in page.locator(".story-body").inner_text()
            assert page.locator("figure.hero figcaption").inner_text().startswith("The “old” quay")
            for scheme in each_scheme(page):
                shoot(page, f"article-header-{width}-{scheme}", full_page=False)
                assert_axe_clean(page, f"article {width} {scheme}")

            # A correction on a later day is news: it shows, once.
            page.goto(live_server.url + reading["later"].get_absolute_url())
            later_header = page.locator(".story-header").inner_text()
            assert later_header.count(short) == 1 and "Updated " + short in later_header
    finally:
        context.close()


def avatar_pixels(page, selector):
    """The avatar's shape and three pixels, read from a screenshot of it: a
    corner (outside the shape), and just inside its top and left edges."""
    from io import BytesIO

    from PIL import Image

    element = page.locator(selector).first
    element.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=element.element_handle())
    shot = Image.open(BytesIO(element.screenshot())).convert("RGB")
    width, height = shot.size
    return {
        "radius": element.evaluate("img => getComputedStyle(img).borderTopLeftRadius"),
        "ring": element.evaluate("img => getComputedStyle(img).boxShadow"),
        "corner": shot.getpixel((0, 0)),
        "top": shot.getpixel((width // 2, max(2, height // 24))),
        "left": shot.getpixel((max(2, width // 24), height // 2)),
        "size": (width, height),
    }


def near(pixel, colour, tolerance=24):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def test_avatars_are_whole_shapes_without_a_light_ring(
        live_server, reading, browser):
    context, page = open_page(browser, WIDTHS[0], "light")
    papers = {"light": (251, 250, 247), "dark": (19, 20, 22)}
    try:
        places = [
            ("byline", reading["story"].get_absolute_url(), ".byline img.avatar", AI_COLOUR, True),
            ("author-list-ai", "/authors/", ".author-card img.avatar-ai", AI_COLOUR, True),
            ("author-list-person", "/authors/", ".author-card img.avatar:not(.avatar-ai)",
             HUMAN_COLOUR, False),
            ("profile", reading["ai"].get_absolute_url(), ".author-profile img.avatar", AI_COLOUR,
             True),
        ]
        for width, _ in each_look(page, WIDTH_LOOKS):
            for name, url, selector, colour, is_ai in places:
                page.goto(live_server.url + url)
                for scheme in each_scheme(page):
                    seen = avatar_pixels(page, selector)
                    # People are round, AI personas rounded squares: a shape chosen, not clipped.
                    if is_ai:
                        radius = seen["radius"]
                        assert radius.endswith("%") and 10 <= float(radius[:-1]) <= 30, seen
                    else:
                        assert seen["radius"] == "50%", seen
                    # The corner outside the shape is the page; inside the edge is the avatar's
                    # colour right away, not a cream frame.
                    assert near(seen["corner"], papers[scheme], 40), (name, scheme, seen)
                    assert near(seen["top"], colour) and near(seen["left"], colour), (name, seen)
                    assert seen["ring"] != "none", seen
                    page.locator(selector).first.scroll_into_view_if_needed()
                    shoot(page, f"avatar-{name}-{width}-{scheme}", full_page=False)
    finally:
        context.close()


def test_card_image_sizes_match_the_widths_shown(live_server, reading, browser):
    for width in WIDTHS:
        for url in ("/", "/articles/", reading["world"].get_absolute_url(), "/tags/harbours/",
                    reading["ai"].get_absolute_url(), reading["story"].get_absolute_url()):
            # Twice the pixels, like most phones: the `sizes` decides the file fetched. A
            # fresh context each time, as Chromium reuses a larger file it already holds.
            context, page = open_page(browser, width, "light", scale=2)
            try:
                page.goto(live_server.url + url)
                # Every card's picture in one look at the page (one round trip, not three
                # for each picture): its width shown, the width its `sizes` declares, and,
                # for a thumbnail on a phone, the file fetched once it is scrolled to.
                cards = page.locator(".card-image img").evaluate_all(
                    f"""async (images, phone) => {{
                        const declared = {SIZES_WIDTH};
                        const cards = [];
                        for (const img of images) {{
                            const shown = img.getBoundingClientRect().width;
                            let fetched = null;
                            if (phone && shown < 240) {{
                                img.scrollIntoView();
                                await img.decode();
                                fetched = img.currentSrc;
                            }}
                            cards.push([shown, declared(img), fetched]);
                        }}
                        return cards;
                    }}""", width == 390)
                assert len(cards) >= 2, url
                for index, (shown, declared, fetched) in enumerate(cards):
                    assert shown * 0.9 <= declared <= shown * 1.3 + 8, (url, index, shown, declared)
                    if fetched is not None:
                        # A thumbnail on a phone: the smallest rendition, never the 960 w one.
                        assert "-480w." in fetched, (url, index)
                assert width != 390 or any(fetched for *_, fetched in cards), url
            finally:
                context.close()


def test_the_first_card_image_of_a_list_is_fetched_at_once(live_server, reading, browser):
    context, page = open_page(browser, WIDTHS[0], "light")
    try:
        for width, _ in each_look(page, WIDTH_LOOKS):
            for url in ("/articles/", reading["world"].get_absolute_url(), "/tags/harbours/"):
                page.goto(live_server.url + url)
                images = page.locator(".story-list .card-image img")
                first = images.first
                assert first.get_attribute("loading") == "eager", url
                assert first.get_attribute("fetchpriority") == "high", url
                assert first.evaluate("img => img.getBoundingClientRect().top < innerHeight"), url
                rest = images.evaluate_all("imgs => imgs.slice(1).map(i => [i.loading, "
                                           "i.getAttribute('fetchpriority')])")
                assert rest and all(entry == ["lazy", None] for entry in rest), (url, rest)
            page.goto(live_server.url + "/")
            assert page.locator(".card-lead img").get_attribute("fetchpriority") == "high"
            assert page.locator(".section-block .card-image img[fetchpriority]").count() == 0
    finally:
        context.close()


def test_list_pages_share_one_heading_and_a_follow_control(
        live_server, reading, browser):
    context, page = open_page(browser, WIDTHS[0], "light")
    styles = {}
    try:
        for width, _ in each_look(page, WIDTH_LOOKS):
            for name, url, kind, title in (
                    ("latest", "/articles/", "EVERY SECTION", "Latest stories"),
                    ("section", reading["world"].get_absolute_url(), "SECTION", "World"),
                    ("tag", "/tags/harbours/", "TOPIC", "Harbours")):
                page.goto(live_server.url + url)
                heading = page.locator("h1")
                assert heading.inner_text() == title
                assert page.locator(".page-header .list-kind").inner_text() == kind
                styles[name] = heading.evaluate(
                    "h => ['fontFamily', 'fontSize', 'fontWeight', 'textTransform', 'color',"
                    " 'letterSpacing'].map(p => getComputedStyle(h)[p])")

                follow = page.locator(".page-header details.follow")
                assert follow.count() == 1
                summary = follow.locator("summary")
                assert summary.inner_text().startswith("Follow")
                rss = follow.get_by_role("link", name="RSS feed")
                assert not rss.is_visible()  # no jargon until a reader asks
                assert "RSS" not in page.locator(".page-header").inner_text()
                summary.click()
                assert rss.is_visible()
                assert follow.get_by_role("link", name="Atom feed").is_visible()
                options = follow.locator(".follow-options").inner_text()
                assert "feed reader app" in options
                assert ("By email" in options) == (name != "tag")  # the newsletter has no topics
                if name != "tag":
                    assert follow.get_by_role("link", name="sign up" if name == "section"
                                              else "get the daily edition").get_attribute(
                        "href") == "/newsletter/"
                for scheme in each_scheme(page):
                    shoot(page, f"list-{name}-{width}-{scheme}", full_page=False)
                    assert_axe_clean(page, f"{name} {width} {scheme} (follow open)")

                kickers = page.locator(".story-list .card .kicker")
                if name == "section":
                    assert kickers.count() == 0  # World on every World card says nothing
                else:
                    assert kickers.count() == page.locator(".story-list .card").count() > 0
            assert styles["latest"] == styles["section"] == styles["tag"], styles
    finally:
        context.close()


def test_follow_opens_without_javascript(live_server, reading, browser):
    context = browser.new_context(viewport={"width": 390, "height": 900},
                                  java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + reading["ai"].get_absolute_url())
        follow = page.locator(".author-profile details.follow")
        assert follow.locator("summary").inner_text() == "Follow EVA Ledger"
        follow.locator("summary").click()
        assert follow.get_by_role("link", name="RSS feed").get_attribute("href") == (
            "/authors/eva-ledger/feed/")
        shoot(page, "follow-author-nojs-390-light", full_page=False)
    finally:
        context.close()
