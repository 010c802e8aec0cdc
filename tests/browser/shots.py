"""Screenshots that browser tests save for people to look at (screenshots/ is git-ignored)."""

from playwright.sync_api import Error as PlaywrightError

# The looks every screen people see is checked and photographed in: a desktop and a phone,
# light and dark.
LOOKS = ((1280, "light"), (1280, "dark"), (390, "light"), (390, "dark"))


def shooter(folder):
    """shoot(page, name, width, scheme, full_page=True): the page's screenshot in folder, named
    after what it shows and the look it was taken in (1280 px and 390 px, light and dark)."""

    def shoot(page, name, width, scheme, full_page=True):
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}-{width}-{scheme}.png"), full_page=full_page)

    return shoot


def each_look(page, looks=LOOKS, height=900):
    """Turn page to each look in turn, yielding (width, scheme): its viewport's width and
    its colour scheme change in place, the page not loaded again, and the stylesheets'
    media queries apply at once. A test checks and photographs each look this way after
    doing its work once: done again for each look, as a test of its own, that work (the
    data made, the pages loaded, the forms sent) cost CI four times over. A page whose
    script reads the width only as it loads is loaded at each width instead."""
    for width, scheme in looks:
        page.set_viewport_size({"width": width, "height": height})
        page.emulate_media(color_scheme=scheme)
        _settle(page)
        yield width, scheme


def _settle(page, tries=20):
    """Wait until page shows its new look (SETTLED). The test's last click or key may have
    begun loading another page: until it has loaded (the old one gone, or the new one still
    empty), wait for it from here. Not from the page's own script: with JavaScript off, a
    page runs neither its timers nor its event listeners, and a wait there never ends."""
    for _ in range(tries):
        try:
            if page.evaluate(SETTLED):
                return
        except PlaywrightError as error:
            if "context was destroyed" not in str(error):
                raise
        page.wait_for_load_state()
    raise AssertionError(f"{page.url} did not finish loading")


def first_look(page, height=900):
    """Turn page back to the first look (1280 px wide, light), where a test goes on after
    checking each look."""
    page.set_viewport_size({"width": LOOKS[0][0], "height": height})
    page.emulate_media(color_scheme=LOOKS[0][1])


# false while the page is still loading; else its styles worked out again for the new look,
# then the transitions they started run to their end, for a second at most: Django's admin
# fades a link's colour over 0.15 s, and axe, run at once, measured the contrast of a colour
# halfway from dark to light. Transitions alone: an animation that repeats for ever never
# finishes.
SETTLED = """async () => {
    if (document.readyState !== "complete") {
        return false;
    }
    getComputedStyle(document.documentElement).color;
    const fading = document.getAnimations().filter(a => a instanceof CSSTransition);
    await Promise.race([
        Promise.all(fading.map(a => a.finished.catch(() => null))),
        new Promise(done => setTimeout(done, 1000)),
    ]);
    return true;
}"""
