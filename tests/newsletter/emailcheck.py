"""What email clients refuse or mangle in HTML, checked with the standard library's parser.

Gmail, Outlook and Apple Mail drop scripts, forms and embedded objects,
external style sheets and @import, event handlers and javascript: links;
Outlook's Word engine ignores flexbox, grid and positioning, so layout is
tables; relative links have no site to be relative to in an inbox; images
need width, height and alt text (many clients block them at first, and
the layout must hold without them).
"""

import re
from html.parser import HTMLParser

FORBIDDEN_TAGS = {"script", "form", "input", "button", "iframe", "object", "embed", "video",
                  "audio", "svg", "canvas", "base", "frame", "frameset", "noscript"}
LAYOUT_CSS = re.compile(r"display\s*:\s*(flex|grid|inline-flex|inline-grid)|position\s*:"
                        r"|float\s*:", re.I)
URL = re.compile(r"""https?://[^\s"'<>]+""")


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.links = []
        self.tags = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append(tag)
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> is removed by mail clients")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>: event handlers are removed")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}>: a javascript: URL")
        if tag == "link":
            self.problems.append("<link>: external style sheets are not loaded")
        if tag == "style":
            self._in_style = True
        if LAYOUT_CSS.search(attributes.get("style") or ""):
            self.problems.append(f"<{tag}>: flex, grid, float or position layout")
        if tag == "a":
            href = attributes.get("href") or ""
            if not href.startswith(("https://", "http://", "mailto:")):
                self.problems.append(f"<a href={href!r}>: not an absolute link")
            self.links.append(href)
        if tag == "img":
            for needed in ("src", "alt", "width", "height"):
                if attributes.get(needed) is None:
                    self.problems.append(f"<img> without {needed}")
            if not (attributes.get("src") or "").startswith(("https://", "http://")):
                self.problems.append("<img>: not an absolute source")
            if not (attributes.get("alt") or "").strip():
                self.problems.append("<img>: empty alt text")

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            if "@import" in data or "url(" in data:
                self.problems.append("<style> loads something from outside")
            if LAYOUT_CSS.search(data):
                self.problems.append("<style>: flex, grid, float or position layout")


def problems(html):
    """What a mail client would refuse or mangle in this HTML; empty when there is nothing."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    found = list(checker.problems)
    if "table" not in checker.tags:
        found.append("no table layout")
    if 'role="presentation"' not in html:
        found.append("layout tables are not marked role=presentation")
    if any(len(line) > 998 for line in html.splitlines()):
        found.append("a line longer than SMTP's 998 characters")
    return found


def links_in(text_or_html):
    """Every http(s) URL in a text or HTML body."""
    return [url.rstrip(".,)") for url in URL.findall(text_or_html)]
