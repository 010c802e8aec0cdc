"""Properties that hold for any input: the comment limit, the import validator, the sanitiser."""

import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from articles.forms import ARTICLE_KEYS as FIELD_KEYS
from articles.importer import ImportFailed, ImportPlan, read_json, validate
from comments.models import COMMENT_MAX_LINE_BREAKS, Comment
from core.text import (
    MAX_STACKED_MARKS,
    count_chars,
    count_line_breaks,
    has_visible_text,
    most_stacked_marks,
    normalize_limited,
    render_markdown,
    strip_control_characters,
    strip_direction_overrides,
    strip_unpaired_bidi,
)
from tests.commenting import comment_form
from tests.factories import ArticleFactory, UserFactory

# The keys of the import format (DESIGN.md section 8), from the importer's own table.
ARTICLE_KEYS = {key.split(".")[0] for key in FIELD_KEYS}
IMAGE_KEYS = {key.split(".")[1] for key in FIELD_KEYS if key.startswith("image.")}
AI_KEYS = {key.split(".")[1] for key in FIELD_KEYS if key.startswith("ai.")}
AUTHOR_KEYS = {"name", "is_ai", "title", "bio", "ai_disclosure", "avatar"}

# Database work in each example: no deadline, and fixtures shared by the examples.
DB_EXAMPLES = settings(max_examples=60, deadline=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture])

# ---------------------------------------------------------------------------
# The comment limit, through the view

# Text a browser can send: any character but lone surrogates, which UTF-8 cannot carry.
TEXT = st.characters(exclude_categories=["Cs"])
COMMENT_TEXT = st.one_of(
    st.text(TEXT, max_size=300),
    st.text(TEXT, min_size=245, max_size=256),  # around the limit
    st.lists(st.sampled_from(["é", "👍🏽", "🇫🇷", "\r\n", "\r", " ", "\u3000", "\ufeff", "\x00",
                              "e\u0301", "<b>", "a", "\u200b", "\u3164", "\u0301", "\u202e",
                              "\u202c", "\u2067", "\u2069", "\u200d"]), max_size=260).map("".join),
)


@pytest.fixture
def commenting(db):
    ArticleFactory(slug="harbour")
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    return client


@DB_EXAMPLES
@given(text=COMMENT_TEXT)
@example(text="x" * 250).via("the limit")
@example(text="x" * 251).via("one over")
@example(text="line\r\n" * 50).via("CR LF counts once")
@example(text=" \t\u3000 ").via("only white space")
@example(text="\u200b" * 50).via("only zero-width spaces")
@example(text="a" + "\u0301" * 249).via("stacked accents")
@example(text="\u202eevil").via("an unpaired override")
@example(text="\u202egabmucs\u202c").via("a paired override")
@example(text="\x01 leading control").via("a control character before white space")
def test_any_comment_is_stored_normalised_within_the_limit_or_refused(commenting, text):
    client = commenting
    cache.clear()  # the rate limit is tested elsewhere
    before = Comment.objects.count()
    response = client.post("/articles/harbour/comments/",
                           comment_form(client, "harbour", body=text))
    assert response.status_code in (303, 400), response.status_code
    # Stored as counted, less control characters, direction overrides and the
    # direction controls nothing closes (core.text.clean_limited_text).
    stored = normalize_limited(strip_unpaired_bidi(strip_direction_overrides(
        strip_control_characters(normalize_limited(text)))))
    if response.status_code == 303:
        comment = Comment.objects.latest("pk")
        assert Comment.objects.count() == before + 1
        assert comment.body == stored
        assert 1 <= len(comment.body) <= 250 and "\r" not in comment.body
        assert has_visible_text(comment.body)
        assert most_stacked_marks(comment.body) <= MAX_STACKED_MARKS
    else:
        assert Comment.objects.count() == before
        assert (count_chars(text) > 250 or not has_visible_text(stored) or "\x00" in text
                or most_stacked_marks(stored) > MAX_STACKED_MARKS
                or count_line_breaks(text) > COMMENT_MAX_LINE_BREAKS)


# ---------------------------------------------------------------------------
# The import validator

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                         st.floats(allow_nan=True, allow_infinity=True))
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
# Values that look like the right ones, and the odd ones out.
TEXTISH = st.one_of(
    st.text(max_size=30), st.sampled_from(["", " ", "World", "2026-02-04T23:06:00Z",
                                           "2026-02-30", "published", "draft", "../x.jpg",
                                           "/etc/passwd", "a\x00b", "x" * 400, "\n", "Ünï"]),
)
ANYTHING = st.one_of(TEXTISH, JSON_VALUES)


def _object(keys, value=ANYTHING):
    return st.dictionaries(st.sampled_from(sorted(keys)) | st.text(max_size=8), value,
                           max_size=len(keys) + 1)


ARTICLE = st.fixed_dictionaries({}, optional={
    "headline": TEXTISH, "body": TEXTISH, "section": TEXTISH, "slug": TEXTISH,
    "status": ANYTHING, "published_at": ANYTHING, "featured": ANYTHING, "dek": ANYTHING,
    "author": st.one_of(TEXTISH, _object(AUTHOR_KEYS)),
    "image": st.one_of(_object(IMAGE_KEYS), ANYTHING),
    "tags": st.one_of(st.lists(TEXTISH, max_size=3), ANYTHING),
    "related": st.one_of(st.lists(TEXTISH, max_size=3), ANYTHING),
    "ai": st.one_of(_object(AI_KEYS), ANYTHING),
}) | _object(ARTICLE_KEYS)
IMPORT_FILES = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries({"articles": st.lists(st.one_of(ARTICLE, ANYTHING), max_size=3)}),
    st.fixed_dictionaries({"articles": ANYTHING}, optional={"extra": ANYTHING}),
)


@DB_EXAMPLES
@given(data=IMPORT_FILES)
@example(data={"articles": [{"author": "\x00"}]}).via("PostgreSQL refuses NUL")
@example(data={"articles": [{"slug": "\x00"}]}).via("NUL in the slug looked up")
@example(data={"articles": [{"headline": "H", "body": "B", "section": "\x00",
                             "author": "\x00", "tags": ["\x00"], "slug": "a\x00"}]}
         ).via("NUL in section, tags and slug")
@example(data={"articles": [{"headline": "H", "body": "B", "section": "S",
                             "author": {"name": "a\x00"}, "related": ["\x00"],
                             "ai": {"reviewed_by": "\x00"}}]}).via("NUL in lookups")
def test_the_validator_returns_problems_or_a_plan_for_anything(db, tmp_path, data):
    try:
        plan = validate(data, tmp_path)
    except ImportFailed as failure:
        assert failure.problems
        assert all(str(problem) for problem in failure.problems)
    else:
        assert isinstance(plan, ImportPlan)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(st.binary(max_size=200),
                     JSON_VALUES.map(lambda v: json.dumps(v).encode()),
                     st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_any_file_is_read_as_json_or_refused_with_a_reason(tmp_path, raw):
    path = tmp_path / "import.json"
    path.write_bytes(raw)
    try:
        read_json(path)
    except ImportFailed as failure:
        assert len(failure.problems) == 1


# ---------------------------------------------------------------------------
# The Markdown sanitiser

FRAGMENTS = st.sampled_from([
    "<script>alert(1)</script>", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>", "<<script>script>", "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>", "<body onload=alert(1)>", '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>', '<a href="java\tscript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>', '<a href=" javascript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>', '<a href="\x01javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))", "![x](javascript:alert(1))",
    "[x]: javascript:alert(1)\n\n[y][x]", "<javascript:alert(1)>", "[x](vbscript:msgbox)",
    "[x](data:text/html,<script>alert(1)</script>)", '<a href="x" onclick="alert(1)">x</a>',
    '<p onmouseover="alert(1)">x</p>', "<iframe src=//evil.example></iframe>",
    "<style>body{}</style>", '<div style="background:url(javascript:alert(1))">x</div>',
    "<object data=x></object>", "<form action=//evil.example><input></form>",
    "<!-- <script>alert(1)</script> -->", "<![CDATA[<script>alert(1)</script>]]>",
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>", "`<script>`", "```\n<script>\n```",
    "# Heading", "## Sub", "> quote", "* item", "1. item", "| a | b |\n|---|---|\n| c | d |",
    "\n\n", "\n", " ", "*", "_", "[", "]", "(", ")", "<", ">", '"', "'", "&", "=",
    "on", "onerror=", "javascript:", "script", "</", "/>",
])
MARKUP = st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=25).map("".join)
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")


class _Output(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs = [], []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


C0_AND_SPACE = "".join(map(chr, range(0x21)))


def _scheme(url):
    """The URL as a browser parses it (WHATWG URL): entities decoded, C0 controls and
    spaces trimmed from the ends, tabs and newlines removed everywhere."""
    return re.sub(r"[\t\n\r]", "", unescape(url or "").strip(C0_AND_SPACE)).lower()


# The box core.text wraps every table in (its only attributes, fixed by the code but for
# its name, from the heading before it).
TABLE_BOX = {("class", "table-scroll"), ("role", "region"), ("tabindex", "0")}


@settings(max_examples=100, deadline=None)
@given(source=MARKUP)
@example(source='<a href="java\tscript:alert(1)">x</a>').via("a tab in the scheme")
def test_no_markup_survives_as_script(source):
    html = render_markdown(source)
    assert "<script" not in html.lower()
    output = _Output(html)
    assert not {"script", "style", "iframe", "object", "svg", "math", "form"} & set(output.tags)
    for name, value in output.attrs:
        assert not name.lower().startswith("on"), (name, value)
        assert name in {"href", "title", "align", "rel"} or (name, value) in TABLE_BOX or (
            name == "aria-label" and value.startswith("Table")), name
        if name == "href":
            assert not _scheme(value).startswith(DANGEROUS_SCHEMES), value
