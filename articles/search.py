"""Search over stories: the public search page, and the newsroom's story list and
story fields in the admin (articles.admin.ArticleAdmin.get_search_results).

PostgreSQL ranks a stored, weighted search vector (headline over dek over the
body as shown) against a `websearch` query and highlights matches with
ts_headline. Other databases fall back to case-insensitive matching of words
from their start (a single letter or digit only as itself), with the same
weights, reading the query as websearch_to_tsquery does: words, "quoted
phrases", -exclusions and `or`, stop words left out. Both read a story's text
as they read the query (models.search_text).
"""

import html
import re
import time
import unicodedata
from dataclasses import dataclass
from operator import itemgetter

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.validators import slug_re
from django.db import DatabaseError, connections
from django.db.models import (BooleanField, Case, ExpressionWrapper, F, FloatField, Func, Q,
                              TextField, Value, When)
from django.db.models.expressions import RawSQL
from django.db.models.functions import (Coalesce, Concat, Greatest, Least, Left, Lower,
                                        NullIf, Replace, StrIndex, Substr)
from django.db.models.lookups import IContains, IRegex
from django.shortcuts import render
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.views.generic.list import MultipleObjectMixin

from authors.models import Author
from core import ratelimit
from core.busy import ran_too_long
from core.middleware import takes
from core.pagination import StrictPageMixin

from .context_processors import site_sections
from .feeds import public_authors
from .models import SEARCH_CONFIG, Article, SearchText, search_text

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
# Control, private-use and surrogate characters have no place in a query;
# PostgreSQL refuses NUL in text outright. They part words, as a space.
# (Format characters, invisible, are left out as the stories' are: search_text.)
_DROPPED_CATEGORIES = {"Cc", "Co", "Cs"}
# Typographic quotes and apostrophes, as the site prints them and phones type
# them, mean what the straight ones do.
_STRAIGHT_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'",
                                  "\u201b": "'", "\u201c": '"', "\u201d": '"',
                                  "\u201e": '"', "\u201f": '"'})
_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")  # no character to_tsquery reads as an operator
# The fallback's weights, as PostgreSQL's default weights for A, B and C.
_WEIGHTS = (("headline", 1.0), ("dek", 0.4), ("body_html", 0.2))

# PostgreSQL's English stop words (tsearch_data/english.stop, SEARCH_CONFIG's):
# websearch_to_tsquery leaves them out of the query, and so does the fallback.
STOP_WORDS = frozenset("""
    i me my myself we our ours ourselves you your yours yourself yourselves he him
    his himself she her hers herself it its itself they them their theirs
    themselves what which who whom this that these those am is are was were be
    been being have has had having do does did doing a an the and but if or
    because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more
    most other some such no nor not only own same so than too very s t can will
    just don should now
""".split())
# Characters websearch_to_tsquery reads as operators: they end a word and are
# otherwise skipped ("!harbour" is "harbour"; only "-" excludes).
_OPERATOR_CHARACTERS = frozenset("!&|()<:*")
_LETTERS = re.compile(r"[^\W_]+")  # the words of a term, as PostgreSQL's parser splits it
_ASCII_RUN = re.compile(r"[A-Za-z0-9]+")
# The fallback's patterns are read by Python's re on SQLite (Django's REGEXP)
# and by PostgreSQL's own regular expressions (the fallback forced in tests):
# they keep to what both read alike. A term's words, first to last, with
# anything but letters and digits between them, the first at a word's start.
_GAP = r"(?:\W|_)+"
# In body_html: tags and character references part words too; "&amp;" is not
# the word "amp". Its text holds no raw "<" or ">" (nh3 escapes both, also
# in attributes), so a match followed by a ">" before any "<" is inside a tag:
# an attribute (a link's address, a title) that readers do not see.
_HTML_GAP = r"(?:[^\w<>&]|_|<[^>]*>|&#?\w+;)+"
_WORD_START = r"(?:(?<!\w)|(?<=_))"
_HTML_WORD_START = _WORD_START + r"(?<!&)(?<!&#)"
_OUTSIDE_TAGS = r"(?![^<>]*>)"
_WORD_END = r"(?![^\W_])"  # no letter or digit follows


def clean_query(raw):
    """The query as searched, and whether it had to be shortened.

    Read as the stories are (models.search_text): "\\ufb01nancial" is "financial",
    and a zero-width space or soft hyphen pasted inside a word leaves it whole.
    """
    text = search_text(raw or "").translate(_STRAIGHT_QUOTES)
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
    databases match each term's words in the headline, dek or body as shown.
    """
    if _is_postgresql():
        return stories.filter(search_vector=_search_query(query))
    alternatives = _parse(query).alternatives
    if not alternatives:  # stop words alone, or no word at all: PostgreSQL finds nothing
        return stories.none()
    return stories.filter(Q.create(
        [Q.create([~_contains(term.words) if term.excluded else _contains(term.words)
                   for term in terms]) for terms in alternatives], connector=Q.OR))


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
    headline = _as_searched("headline")
    return stories.filter(*(IContains(headline, word) for word in words))


def _search_query(query):
    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def _rank(query):
    if _is_postgresql():
        return SearchRank(F("search_vector"), _search_query(query))
    return sum((Case(When(_field_contains(field, words), then=Value(weight)),
                     default=Value(0.0), output_field=FloatField())
                for words in _parse(query).wanted() for field, weight in _WEIGHTS),
               Value(0.0))


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
    terms = [" ".join(words) for words in _parse(query).wanted()]
    if _is_postgresql():
        # ts_headline shows and marks the text as stored; a story whose text search
        # reads otherwise (search_text_differs: a ligature, a zero-width space) is
        # marked as the fallback marks it, to be shown as written all the same.
        _add_postgresql_snippets([a for a in articles if not a.search_text_differs], query)
        differing = [article for article in articles if article.search_text_differs]
        if differing:
            bodies = dict(Article.objects.filter(pk__in=[article.pk for article in differing])
                          .values_list("pk", "body_html"))
            for article in differing:
                article.snippet = _plain_snippet(
                    _searchable_text(article.dek, bodies.get(article.pk, "")), terms)
        return
    for article in articles:
        article.snippet = _plain_snippet(_searchable_text(article.dek, article.body_html), terms)


@dataclass(frozen=True)
class _Term:
    words: tuple  # as typed, letters and digits only: "Evander's" is ("Evander",)
    excluded: bool


@dataclass(frozen=True)
class _Parsed:
    alternatives: list  # of lists of _Term, any list matching all its terms
    searched: str  # the query as far as it was searched: all of it, or MAX_TERMS terms

    def wanted(self):
        """The words of each term not excluded, for ranking and snippets."""
        return [term.words for terms in self.alternatives for term in terms
                if not term.excluded]


def _parse(query):
    """The query read as PostgreSQL's websearch_to_tsquery reads it (PostgreSQL 15).

    Terms are words or "quoted phrases"; "-" before one leaves it out (twice,
    in again), even apart from it ("- ferry"); "or" between terms is the
    lowest operator ("a b or c" is a and b, or c); other operator characters
    are skipped; a term of stop words alone is left out, with its "-" or
    "or". Within a term, words are split at anything but letters and digits
    ("harbour?" is "harbour", "night-ferry" the phrase "night ferry").
    """
    alternatives, terms, kept = [], [], 0
    excluded, waiting_operand = False, True
    position, end, searched_to = 0, len(query), None
    while position < end:
        character = query[position]
        if not waiting_operand:
            if character.isspace():
                position += 1
                continue
            waiting_operand = True
            if character != '"' and _or_here(query, position):
                alternatives.append(terms)
                terms = []
                position += 2
            continue  # else an implicit "and" before the next term
        if character == "-":
            excluded = not excluded
            position += 1
            continue
        if character.isspace() or character in _OPERATOR_CHARACTERS:
            position += 1
            continue
        if character == '"':
            close = query.find('"', position + 1)
            close = end if close < 0 else close
            text, following = query[position + 1:close], close + 1
        else:
            following = position
            while (following < end and not query[following].isspace()
                   and query[following] not in _OPERATOR_CHARACTERS
                   and query[following] != '"'):
                following += 1
            text = query[position:following]
        if words := _words(text):
            if kept == MAX_TERMS:
                break
            terms.append(_Term(words, excluded))
            kept, searched_to = kept + 1, following
        excluded, waiting_operand, position = False, False, following
    else:
        searched_to = end
    alternatives.append(terms)
    return _Parsed([terms for terms in alternatives if terms], query[:searched_to].rstrip())


def _or_here(query, position):
    """Whether "or" is at position as the operator: a word of its own, a term after it."""
    if query[position:position + 2].lower() != "or":
        return False
    after = query[position + 2:position + 3]
    return (after not in ("", "-", "_") and not after.isalnum()
            and bool(query[position + 3:].strip()))


def _words(text):
    """text's words, less the stop words at either end (PostgreSQL drops them)."""
    words = _LETTERS.findall(text)
    while words and words[0].lower() in STOP_WORDS:
        words.pop(0)
    while words and words[-1].lower() in STOP_WORDS:
        words.pop()
    return tuple(words)


def _contains(words):
    return Q.create([_field_contains(field, words) for field, _ in _WEIGHTS], connector=Q.OR)


def _as_searched(field):
    """field as search reads it (models.search_text), as the query is: through
    SearchText for the stories whose text it changes, as stored for the others,
    whose rows need no function called."""
    return Case(When(search_text_differs=True, then=SearchText(field)), default=F(field),
                output_field=TextField())


def _field_contains(field, words):
    """words, in order, in field (the body as shown: not inside its tags).

    Python's re, on SQLite, reads case in every script ("ÉCOLE" is "école");
    LIKE, by SQLite's own rule only in ASCII, first leaves out the stories
    without each of the term's runs of ASCII letters, longest first, so that
    few are read by re. With the longest alone, "port city" read every story
    holding "port" ("report", "sport"): 4.7 s at 20,000 stories.
    """
    if field == "body_html":
        pattern = _pattern(words, _HTML_WORD_START, _HTML_GAP) + _OUTSIDE_TAGS
    else:
        pattern = _pattern(words, _WORD_START, _GAP)
    text = _as_searched(field)
    found = Q(IRegex(text, pattern))
    runs = {run.lower() for word in words for run in _ASCII_RUN.findall(word)}
    if runs:
        found = Q(*(IContains(text, run) for run in sorted(runs, key=lambda r: (-len(r), r)))
                  ) & found
    return found


def _pattern(words, word_start, gap):
    # The first word is written first, and where it starts is tested after it,
    # so that re looks for the word rather than testing every position.
    first = re.escape(words[0])
    pattern = f"{first}(?<={word_start}{first})" + "".join(gap + re.escape(w)
                                                           for w in words[1:])
    # Words match from their start ("ferr" finds "ferry"), but a single letter or
    # digit only itself, as PostgreSQL's does: "R&D" is "R" and "D", and as the
    # beginnings of words those two found nearly every story.
    return pattern + _WORD_END if len(words[-1]) == 1 else pattern


def _searchable_text(dek, body_html):
    return " ".join(f"{dek} {html.unescape(strip_tags(body_html))}".split())


# A quote typed straight at a term's edge also marks the typographic one shown.
_QUOTE_PATTERNS = {"'": "['\u2018\u2019]", '"': '["\u201c\u201d]'}


def _snippet_pattern(term):
    """A pattern for term in plain text, as the fallback matches it; a quote typed
    at its start or end is marked with it."""
    words = _LETTERS.findall(term)
    if not words:
        return None
    before = term[:term.index(words[0])][-1:]
    after = term[term.rindex(words[-1]) + len(words[-1]):][:1]
    return (_QUOTE_PATTERNS.get(before, "") + _pattern(words, _WORD_START, _GAP)
            + _QUOTE_PATTERNS.get(after, ""))


def _plain_snippet(text, terms):
    """Up to SNIPPET_CHARS of text around the first match, matches in <mark>.

    Matches are found in the text as searched (models.search_text) and shown
    as written: "\\ufb01nancial" is found by "financial" and shown with its ligature.
    """
    patterns = [pattern for pattern in map(_snippet_pattern, terms) if pattern]
    pattern = re.compile("|".join(patterns), re.IGNORECASE) if patterns else None
    matches = _matches(pattern, text) if pattern else []
    start = 0
    if matches and matches[0][0] > SNIPPET_CHARS // 3:
        start = text.rfind(" ", 0, matches[0][0] - SNIPPET_CHARS // 3) + 1
    end = start + SNIPPET_CHARS
    if end < len(text):
        end = text.rfind(" ", start, end) if " " in text[start:end] else end
    pieces = []
    position = start
    for match_start, match_end in matches:
        if match_start < position or match_end > end:
            continue
        pieces.append(escape(text[position:match_start]))
        pieces.append(f"<mark>{escape(text[match_start:match_end])}</mark>")
        position = match_end
    pieces.append(escape(text[position:end]))
    snippet = "".join(pieces)
    return mark_safe(("… " if start else "") + snippet + (" …" if end < len(text) else ""))


def _matches(pattern, text):
    """(start, end) in text of each of pattern's matches in search_text(text)."""
    if search_text(text) == text:
        return [match.span() for match in pattern.finditer(text)]
    searched, spans = _searched_with_spans(text)
    return [(spans[match.start()][0], spans[match.end() - 1][1])
            for match in pattern.finditer(searched) if match.end() > match.start()]


# A run of characters search_text() may change, with the character before it (an
# accent typed apart joins the letter before it).
_NOT_ASCII = re.compile(r"[\x00-\x7f]?[^\x00-\x7f]+")


def _searched_with_spans(text):
    """search_text(text), and for each of its characters the (start, end) in text of
    what it comes from.

    Made a character and the marks after it at a time: an accent typed apart
    joins its letter, a ligature becomes two letters from one place, and a
    format character becomes nothing.
    """
    pieces, spans, position = [], [], 0
    for run in _NOT_ASCII.finditer(text):
        pieces.append(text[position:run.start()])
        spans.extend((place, place + 1) for place in range(position, run.start()))
        start, position = run.start(), run.end()
        while start < position:
            end = start + 1
            while end < position and unicodedata.category(text[end]).startswith("M"):
                end += 1
            piece = search_text(text[start:end])
            pieces.append(piece)
            spans.extend([(start, end)] * len(piece))
            start = end
    pieces.append(text[position:])
    spans.extend((place, place + 1) for place in range(position, len(text)))
    return "".join(pieces), spans


def _add_postgresql_snippets(articles, query):
    if not articles:
        return
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
    # Each term's longest word: the words of a term may be apart, or written
    # with other quotes or dashes than typed.
    places = [NullIf(StrIndex(Lower(story_text), Value(max(words, key=len).lower())), Value(0))
              for words in _parse(query).wanted()]
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


def _search_allowance(request, now):
    """Use one of this address's searches: (why it may not search now, a
    ratelimit.Refused or None; the limits it used, to give back).

    Searching is reading: when the limits' store cannot be reached, the
    search goes ahead rather than the page refusing everyone.
    """
    per_minute = settings.SEARCH_LIMIT_PER_MINUTE
    if per_minute <= 0:
        return None, ()
    limits = (ratelimit.Limit("search-minute", per_minute, 60),)
    try:
        wait = ratelimit.acquire(limits, ratelimit.address_key(request), now)
    except ratelimit.Unavailable:
        return None, ()
    if wait:
        notice = TOO_MANY_SEARCHES.format(wait=ratelimit.human_wait(wait))
        return ratelimit.Refused(notice, 429, wait), ()
    return None, limits


@takes("GET", "HEAD")
def article_search(request):
    """/search/?q=: public stories matching q, optionally in one section or by one author."""
    query, shortened = clean_query(request.GET.get("q", ""))
    section = request.GET.get("section", "")
    author = request.GET.get("author", "")
    context = {"query": query, "shortened": shortened, "section_slug": section,
               "author_slug": author, "authors": public_authors().only("name", "slug")}
    if query and not _parse(query).alternatives:
        # Nothing is left to search (PostgreSQL's query would be empty too): said
        # so, rather than "0 results", and nothing is run or counted.
        context.update(nothing_searched=True, articles=[],
                       common_word=next(iter(_LETTERS.findall(query)), ""))
    elif query:
        # A place first: a search refused as busy uses none of the reader's allowance.
        with ratelimit.place("search", settings.SEARCH_CONCURRENCY, PLACE_SECONDS) as placed:
            if not placed:
                return ratelimit.refusal(request, "articles/search.html", context,
                                         ratelimit.Refused(BUSY, 503, BUSY_RETRY))
            now = time.time()
            refused, used = _search_allowance(request, now)
            if refused:
                return ratelimit.refusal(request, "articles/search.html", context, refused)
            try:
                _run_search(request, query, section, author, context)
            except DatabaseError as error:
                # The database away or busy (503) is no search of the reader's; one
                # that ran past the statement timeout is, and it was dear.
                if used and not ran_too_long(error):
                    ratelimit.give_back(used, ratelimit.address_key(request), now)
                raise
    return render(request, "articles/search.html", context)


NO_SUCH_SECTION = "There is no section “{}”; showing results from every section."
NO_SUCH_AUTHOR = "There is no author “{}”; showing results by every author."
NO_SUCH_SECTION_PLAIN = "There is no such section; showing results from every section."
NO_SUCH_AUTHOR_PLAIN = "There is no such author; showing results by every author."
# An author with nothing public yet has a page, but is not in the form's list.
NO_STORIES_BY_AUTHOR = "{} has no published stories yet; showing results by every author."


def _unknown(slug, choices, said, said_plainly):
    """What to tell the reader when slug names none of choices (the form's), else None.

    A slug is quoted back; anything else (a NUL, a page of text) is not.
    """
    if not slug or any(choice.slug == slug for choice in choices):
        return None
    return said.format(slug) if slug_re.fullmatch(slug) and len(slug) <= 100 else said_plainly


def _form_authors(slug):
    """(the form's authors: those with a public story, the name of slug's author when
    they have none yet or None), read in the one query the form's list takes."""
    authors = public_authors()
    if slug_re.fullmatch(slug) and len(slug) <= 100:  # PostgreSQL refuses a NUL
        authors = authors | Author.objects.filter(slug=slug)
    authors = authors.annotate(listed=ExpressionWrapper(
        Q(pk__in=Article.objects.published().values("author")), output_field=BooleanField()))
    authors = list(authors.only("name", "slug"))
    unlisted = next((author.name for author in authors if not author.listed), None)
    return [author for author in authors if author.listed], unlisted


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
        context["authors"], unlisted = _form_authors(author)
        if said := _unknown(author, context["authors"], NO_SUCH_AUTHOR, NO_SUCH_AUTHOR_PLAIN):
            if unlisted:
                said = NO_STORIES_BY_AUTHOR.format(unlisted)
            unknown.append(said)
            context["author_slug"] = ""
        else:
            stories = stories.filter(author__slug=author)
    if not _is_postgresql():
        # The fallback searches MAX_TERMS terms: the reader is told which.
        searched = _parse(query).searched
        if searched != query:
            context.update(searched=searched, max_terms=MAX_TERMS)
    pages = _Pages(request)
    paginator, page, ids, _ = pages.paginate_queryset(
        ranked_ids(query, stories), pages.paginate_by)
    articles = stories_by_id(ids)
    add_snippets(articles, query)
    context.update(paginator=paginator, page_obj=page, articles=articles,
                   at_limit=paginator.count >= RANKED_MATCHES, unknown_filters=unknown)
