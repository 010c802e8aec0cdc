"""Reading pages the way crawlers do: head metadata, links, scripts, JSON-LD."""

import json
from html.parser import HTMLParser
from xml.etree import ElementTree


class Page(HTMLParser):
    """Collects what tests look at in an HTML page."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.meta = {}  # property or name -> content (first one)
        self.meta_all = []  # (property or name, content)
        self.links = []  # (rel, href, type)
        self.hrefs = []  # every href and src
        self.scripts = []  # (attrs, text)
        self.styles = 0
        self.inline_handlers = []
        self.title = ""
        self.ids = set()
        self._in = None
        self._buffer = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in attrs:
            if name.startswith("on") or name == "style":
                self.inline_handlers.append((tag, name))
        for name in ("href", "src"):
            if attrs.get(name):
                self.hrefs.append(attrs[name])
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta.setdefault(key, attrs.get("content", ""))
                self.meta_all.append((key, attrs.get("content", "")))
        elif tag == "link":
            self.links.append((attrs.get("rel"), attrs.get("href"), attrs.get("type")))
        elif tag in ("script", "title", "style"):
            self._in, self._buffer = (tag, attrs), []
            if tag == "style":
                self.styles += 1

    def handle_data(self, data):
        if self._in:
            self._buffer.append(data)

    def handle_endtag(self, tag):
        if self._in and self._in[0] == tag:
            text = "".join(self._buffer)
            if tag == "script":
                self.scripts.append((self._in[1], text))
            elif tag == "title":
                self.title = text
            self._in = None

    def link(self, rel, type_=None):
        """The href of the first <link> with this rel (and type)."""
        for link_rel, href, link_type in self.links:
            if link_rel == rel and (type_ is None or link_type == type_):
                return href
        return None

    def json_ld(self):
        """Every JSON-LD block, parsed."""
        return [json.loads(text) for attrs, text in self.scripts
                if attrs.get("type") == "application/ld+json"]


def parse_html(response):
    return Page(response.content.decode())


def parse_xml(response):
    """The response as an XML tree; fails the test when it is not well-formed."""
    return ElementTree.fromstring(response.content)
