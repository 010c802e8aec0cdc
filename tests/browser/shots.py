"""Screenshots that browser tests save for people to look at (screenshots/ is git-ignored)."""


def shooter(folder):
    """shoot(page, name, width, scheme, full_page=True): the page's screenshot in folder, named
    after what it shows and the look it was taken in (1280 px and 390 px, light and dark)."""

    def shoot(page, name, width, scheme, full_page=True):
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}-{width}-{scheme}.png"), full_page=full_page)

    return shoot
