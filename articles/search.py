"""Search over stories: the public search page, and the newsroom's story list and
story fields in the admin (articles.admin.ArticleAdmin.get_search_results).

PostgreSQL ranks a stored, weighted search vector (headline over dek over body)
against a `websearch` query and highlights matches with ts_headline. Other
databases fall back to case-insensitive matching with the same weights and
the same simple syntax: words, "quoted phrases", -exclusions and `or`.
"""

import html
import re
import unicodedata
from operator import itemgetter

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.validators import slug_re
from django.db import connections
from django.db.models import Case, F, FloatField, Func, Q, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import (Coalesce, Concat, Greatest, Least, Left, Lower,
                                        NullIf, Replace, StrIndex, Substr)
from django.shortcuts import render
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.views.generic.list import MultipleObjectMixin

from core import ratelimit
from core.pagination import StrictPageMixin

from .context_processors import site_sections
from .feeds import public_authors
from .models import SEARCH_CONFIG, Article

MAX_QUERY_LENGTH = 200  # characters
MAX_TERMS = 12  # the fallback scans three columns per term
# Only the newest matches are ranked: a common word can match most of the
# archive, and ranking every match takes seconds at 100,000 stories.
RANKED_MATCHES = 1000
SNIPPET_CHARS = 240
# Characters of a story's text. ts_headline parses all the text it is given, so
# PostgreSQL's snippets come from this much text around the first place a query
# word is written as typed (from the opening when none is), and from the whole
# story when that window has no match (a word found only through its stem).
OPENING_CHARS = 2000
LEAD_CHARS = 300  # of the window, before that first place

# Marks ts_headline puts around matches: private-use characters, stripped from the
# text first, so that the text can be escaped before they become <mark> tags.
_START, _STOP = "\ue000", "\ue001"
_MARKERS = re.compile(f"({_START}|{_STOP})")
# Control, format, private-use and surrogate characters have no place in a query;
# PostgreSQL refuses NUL in text outright.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Co", "Cs"}
_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")  # no character to_tsquery reads as an operator
_TOKENS = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
# The fallback's weights, as PostgreSQL's default weights for A, B and C.
_WEIGHTS = (("headline", 1.0), ("dek", 0.4), ("body", 0.2))


def clean_query(raw):
    """The query as searched, and whether it had to be shortened."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(" " if unicodedata.category(c) in _DROPPED_CATEGORIES else c for c in text)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_LENGTH:
        return text[:MAX_QUERY_LENGTH].rstrip(), True
    return text, False


def _is_postgresql():
    return connections[Article.objects.db].vendor == "postgresql"


def ranked_ids(query, stories):
    """Ids of the newest RANKED_MATCHES of `stories` matching query, most relevant first.

    One query finds the matches and ranks them together, newest first; the
    ranking by relevance, then recency, is done here on at most
    RANKED_MATCHES rows.
    """
    # The sort is stable, also reversed: equal ranks stay newest first.
    return [pk for _, pk in sorted(newest_matches(query, stories), key=itemgetter(0),
                                   reverse=True)]


def newest_matches(query, stories):
    """(rank, pk) of the newest RANKED_MATCHES of `stories` matching query, newest first.

    On PostgreSQL a common word is found by walking the stories newest first
    (article_public_idx and its siblings) and testing each one's vector until
    RANKED_MATCHES match; a rare one through the vector's GIN index.
    """
    return (matching(query, stories).annotate(rank=_rank(query))
            .order_by("-published_at", "-pk").values_list("rank", "pk")[:RANKED_MATCHES])


def matching(query, stories):
    """The stories matching query (a cleaned one: clean_query()), unranked.

    PostgreSQL reads the stored search vector through its GIN index; other
    databases match each term in the headline, dek or body.
    """
    if _is_postgresql():
        return stories.filter(search_vector=_search_query(query))
    groups, excluded = _parse(query)
    found = Q()
    for alternatives in groups:
        found &= Q.create([_contains(term) for term in alternatives], connector=Q.OR)
    for term in excluded:
        found &= ~_contains(term)
    return stories.filter(found) if groups or excluded else stories.none()


def beginning_with(query, stories):
    """The stories whose words begin as query's do: the story being typed in a field.

    Every word counts, the last one too, however far it is typed ("night fe"
    finds "Night ferry"). PostgreSQL reads the search vector's index (headline,
    dek and body, a word's beginning matched against its stem); other
    databases read the headline.
    """
    words = _WORD.findall(query)
    if not words:
        return stories.none()
    if _is_postgresql():
        prefixes = " & ".join(f"{word}:*" for word in words)
        return stories.filter(search_vector=SearchQuery(prefixes, search_type="raw",
                                                        config=SEARCH_CONFIG))
    return stories.filter(*(Q(headline__icontains=word) for word in words))


def _search_query(query):
    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def _rank(query):
    if _is_postgresql():
        return SearchRank(F("search_vector"), _search_query(query))
    groups, _ = _parse(query)
    return sum((Case(When(**{f"{field}__icontains": term}, then=Value(weight)),
                     default=Value(0.0), output_field=FloatField())
                for alternatives in groups for term in alternatives
                for field, weight in _WEIGHTS), Value(0.0))


def stories_by_id(ids):
    """The stories with these ids, in that order, as cards.

    The fallback also reads their text, for its snippets.
    """
    stories = Article.objects.for_listing()
    if not _is_postgresql():
        stories = stories.defer(None).defer("body", "search_vector")
    found = stories.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def add_snippets(articles, query):
    """Give each article a `snippet`: HTML-safe text around its matches, in <mark>."""
    if not articles:
        return
    if _is_postgresql():
        _add_postgresql_snippets(articles, query)
        return
    groups, _ = _parse(query)
    terms = [term for alternatives in groups for term in alternatives]
    for article in articles:
        article.snippet = _plain_snippet(_searchable_text(article.dek, article.body_html), terms)


def _contains(term):
    return Q(headline__icontains=term) | Q(dek__icontains=term) | Q(body__icontains=term)


def _parse(query):
    """([[term, or_term, ...], ...], [excluded, ...]) from websearch-like syntax."""
    groups, excluded, join_next = [], [], False
    for match in _TOKENS.finditer(query):
        negated = bool(match[1] or match[3])
        term = (match[2] if match[2] is not None else match[4]).strip('"').strip()
        if term.lower() == "or" and not negated:
            join_next = bool(groups)
            continue
        if not any(c.isalnum() for c in term):
            continue
        if negated:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
        if len(excluded) + sum(map(len, groups)) >= MAX_TERMS:
            break
    return groups, excluded


def _searchable_text(dek, body_html):
    return " ".join(f"{dek} {html.unescape(strip_tags(body_html))}".split())


def _quote_tolerant(term):
    """A pattern for term that also matches the typographic quotes bodies are shown with."""
    pattern = re.escape(term)
    for straight, curly in (("'", "'‘’"), ('"', '"“”')):
        pattern = pattern.replace(re.escape(straight), f"[{curly}]")
    return pattern


def _plain_snippet(text, terms):
    """Up to SNIPPET_CHARS of text around the first match, matches in <mark>."""
    pattern = re.compile("|".join(_quote_tolerant(t) for t in terms), re.IGNORECASE) if terms else None
    first = pattern.search(text) if pattern else None
    start = 0
    if first and first.start() > SNIPPET_CHARS // 3:
        start = text.rfind(" ", 0, first.start() - SNIPPET_CHARS // 3) + 1
    end = start + SNIPPET_CHARS
    if end < len(text):
        end = text.rfind(" ", start, end) if " " in text[start:end] else end
    window = text[start:end]
    pieces = []
    position = 0
    for match in (pattern.finditer(window) if pattern else ()):
        pieces.append(escape(window[position:match.start()]))
        pieces.append(f"<mark>{escape(match[0])}</mark>")
        position = match.end()
    pieces.append(escape(window[position:]))
    snippet = "".join(pieces)
    return mark_safe(("… " if start else "") + snippet + (" …" if end < len(text) else ""))


def _add_postgresql_snippets(articles, query):
    # One query for the page's snippets: ts_headline reads whole documents, so it
    # runs on the twenty shown rather than on every match. It drops anything that
    # looks like a tag, so the plain-text dek is escaped like body_html's text
    # first; _marked() decodes both before escaping everything once.
    dek = "dek"
    for character, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        dek = Replace(dek, Value(character), Value(entity), output_field=TextField())
    text = Func(Concat(dek, Value(" "), "body_html", output_field=TextField()),
                Value(f"<[^>]*>|[{_START}{_STOP}]"), Value(" "), Value("g"),
                function="regexp_replace", output_field=TextField())
    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    options = {"config": SEARCH_CONFIG, "start_sel": _START, "stop_sel": _STOP,
               "max_words": 35, "min_words": 15, "max_fragments": 2,
               "fragment_delimiter": " … "}
    story_text = RawSQL(_OpeningOrWhole.text_column, (), output_field=TextField())
    headline = _OpeningOrWhole(
        text,
        SearchHeadline(_window(story_text, query), search_query, **options),
        SearchHeadline(story_text, search_query, **options))
    snippets = dict(Article.objects.filter(pk__in=[a.pk for a in articles])
                    .annotate(snippet=headline).values_list("pk", "snippet"))
    for article in articles:
        article.snippet = _marked(snippets.get(article.pk, ""))


def _window(story_text, query):
    """OPENING_CHARS of the text from a little before the first query word as typed.

    From the opening when no word is there as typed. A long story's match is
    often far into it; parsing all of it for each result is what made a
    common word's search slow on an archive of long stories.
    """
    groups, _ = _parse(query)
    places = [NullIf(StrIndex(Lower(story_text), Value(term.lower())), Value(0))
              for alternatives in groups for term in alternatives]
    if not places:
        return Left(story_text, OPENING_CHARS)
    first = places[0] if len(places) == 1 else Least(*places)
    start = Greatest(Coalesce(first - Value(LEAD_CHARS), Value(1)), Value(1))
    return Substr(story_text, start, OPENING_CHARS)


class _OpeningOrWhole(Func):
    """The opening's headline when it marks a match, else the whole text's.

    Subqueries name the text and the opening's headline, so that each is
    computed once; CASE computes the whole text's headline only for the stories
    whose opening has no match. Both headlines read the text as `text_column`.
    """

    output_field = TextField()
    text_column = "story_text"

    def as_sql(self, compiler, connection, **extra_context):
        text, opening, whole = self.get_source_expressions()
        text_sql, text_params = compiler.compile(text)
        opening_sql, opening_params = compiler.compile(opening)
        whole_sql, whole_params = compiler.compile(whole)
        # OFFSET 0 keeps PostgreSQL from folding a subquery into the expressions
        # that use its columns, which would compute them once per use.
        return (f"(SELECT CASE WHEN strpos(opening, %s) > 0 THEN opening ELSE {whole_sql} END "
                f"FROM (SELECT {self.text_column}, {opening_sql} AS opening "
                f"FROM (SELECT {text_sql} AS {self.text_column} OFFSET 0) AS story "
                f"OFFSET 0) AS headline)",
                (_START, *whole_params, *opening_params, *text_params))


def _marked(highlighted):
    """ts_headline's output as safe HTML: text escaped, only the markers become tags."""
    pieces = []
    for part in _MARKERS.split(highlighted):
        if part == _START:
            pieces.append("<mark>")
        elif part == _STOP:
            pieces.append("</mark>")
        else:
            pieces.append(escape(_WHITESPACE.sub(" ", html.unescape(part))))
    return mark_safe("".join(pieces))


class _Pages(StrictPageMixin, MultipleObjectMixin):
    """The list pages' rules (20 a page, a bad ?page= is a 404), for a function view."""

    def __init__(self, request):
        self.request, self.kwargs = request, {}


TOO_MANY_SEARCHES = ("You have searched many times in the last minute. Please wait "
                     "{wait} and search again; your words are still in the box.")
BUSY = ("Search is busy right now. Please try again in a few seconds; your words are "
        "still in the box.")
BUSY_RETRY = 5  # seconds, for Retry-After
# A search's place is given back when it ends; one whose worker died holding it
# frees itself after this long, far longer than a search takes.
PLACE_SECONDS = 30


def _refused_search(request):
    """Why this address may not search now (ratelimit.Refused), or None.

    Searching is reading: when the limits' store cannot be reached, the
    search goes ahead rather than the page refusing everyone.
    """
    per_minute = settings.SEARCH_LIMIT_PER_MINUTE
    if per_minute <= 0:
        return None
    return ratelimit.check((ratelimit.Limit("search-minute", per_minute, 60),),
                           ratelimit.address_key(request), TOO_MANY_SEARCHES, unavailable=None)


def article_search(request):
    """/search/?q=: public stories matching q, optionally in one section or by one author."""
    query, shortened = clean_query(request.GET.get("q", ""))
    section = request.GET.get("section", "")
    author = request.GET.get("author", "")
    context = {"query": query, "shortened": shortened, "section_slug": section,
               "author_slug": author, "authors": public_authors().only("name", "slug")}
    if query and (refused := _refused_search(request)):
        return ratelimit.refusal(request, "articles/search.html", context, refused)
    if query:
        with ratelimit.place("search", settings.SEARCH_CONCURRENCY, PLACE_SECONDS) as placed:
            if not placed:
                return ratelimit.refusal(request, "articles/search.html", context,
                                         ratelimit.Refused(BUSY, 503, BUSY_RETRY))
            _run_search(request, query, section, author, context)
    return render(request, "articles/search.html", context)


NO_SUCH_SECTION = "There is no section “{}”; showing results from every section."
NO_SUCH_AUTHOR = "There is no author “{}”; showing results by every author."
NO_SUCH_SECTION_PLAIN = "There is no such section; showing results from every section."
NO_SUCH_AUTHOR_PLAIN = "There is no such author; showing results by every author."


def _unknown(slug, choices, said, said_plainly):
    """What to tell the reader when slug names none of choices (the form's), else None.

    A slug is quoted back; anything else (a NUL, a page of text) is not.
    """
    if not slug or any(choice.slug == slug for choice in choices):
        return None
    return said.format(slug) if slug_re.fullmatch(slug) and len(slug) <= 100 else said_plainly


def _run_search(request, query, section, author, context):
    """Run the search, and put its page of results into context.

    A section or author that is not one of the form's choices (an old or
    mistyped link) is said plainly and left out, as the form shows it, rather
    than matching nothing. The form's lists are read here once, for both.
    """
    stories = Article.objects.published()
    unknown = []
    if section:
        if said := _unknown(section, site_sections(request), NO_SUCH_SECTION,
                            NO_SUCH_SECTION_PLAIN):
            unknown.append(said)
            context["section_slug"] = ""
        else:
            stories = stories.filter(section__slug=section)
    if author:
        context["authors"] = authors = list(context["authors"])
        if said := _unknown(author, authors, NO_SUCH_AUTHOR, NO_SUCH_AUTHOR_PLAIN):
            unknown.append(said)
            context["author_slug"] = ""
        else:
            stories = stories.filter(author__slug=author)
    pages = _Pages(request)
    paginator, page, ids, _ = pages.paginate_queryset(
        ranked_ids(query, stories), pages.paginate_by)
    articles = stories_by_id(ids)
    add_snippets(articles, query)
    context.update(paginator=paginator, page_obj=page, articles=articles,
                   at_limit=paginator.count >= RANKED_MATCHES, unknown_filters=unknown)
