"""The standing pages' first copy, one Markdown file a page in pages/fixtures/.

The files are the copy's only home: the data migrations read them (Django's
recommended way to provide initial data), and editors take it from there in
the admin. `loaddata` is not used: it saves without rendering `body_html`,
and it would overwrite what editors have written.
"""

from pathlib import Path

from .models import render_page

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def read_page(slug):
    """pages/fixtures/<slug>.md: `field: value` lines between two `---` lines, then the body."""
    text = (FIXTURES / f"{slug}.md").read_text(encoding="utf-8")
    opening, header, body = text.split("---\n", 2)
    if opening:
        raise ValueError(f"{slug}.md must start with a '---' line.")
    return {"slug": slug, **dict(line.split(": ", 1) for line in header.splitlines()),
            "body": body}


def load_pages(Page, slugs):
    """Create each missing page from its file; a page that exists keeps its editors' words."""
    for slug in slugs:
        page = read_page(slug)
        # Migrations pass historical models, which have no custom save(): render here.
        Page.objects.get_or_create(
            slug=slug, defaults={**page, "body_html": render_page(page["body"])})
