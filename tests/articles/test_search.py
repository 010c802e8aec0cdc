from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import search
from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory
from tests.markup import parse_html

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _story(headline, body="Nothing to see here.", dek="", hours_ago=1, **kwargs):
    return ArticleFactory(headline=headline, body=body, dek=dek,
                          published_at=NOW - timedelta(hours=hours_ago), **kwargs)


def _results(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def _headlines(response):
    return [article.headline for article in response.context["articles"]]


@pytest.fixture(params=["database", "fallback"])
def engine(request, monkeypatch):
    """Each behaviour test runs with the database's own search, and with the fallback
    that SQLite uses (forced on PostgreSQL too)."""
    if request.param == "fallback":
        monkeypatch.setattr(search, "_is_postgresql", lambda: False)
    return request.param


class TestSearch:
    def test_finds_public_stories_only(self, client, engine):
        _story("Harbour talks resume")
        _story("Harbour draft", slug="harbour-draft", draft=True)
        _story("Harbour tomorrow", slug="harbour-tomorrow", hours_ago=-2)
        response = _results(client, q="harbour")
        assert _headlines(response) == ["Harbour talks resume"]
        text = response.content.decode()
        assert "harbour-draft" not in text and "Harbour tomorrow" not in text
        assert "1 result for “<bdi>harbour</bdi>”" in text

    def test_headline_match_beats_dek_beats_body(self, client, engine):
        _story("A quiet week", body="The lighthouse keeper retired.", hours_ago=1)
        _story("Council meets", dek="The lighthouse is for sale.", hours_ago=2)
        _story("Lighthouse sold at auction", hours_ago=3)
        assert _headlines(_results(client, q="lighthouse")) == [
            "Lighthouse sold at auction", "Council meets", "A quiet week"]

    def test_every_word_must_match(self, client, engine):
        _story("Ferry strike ends", body="The harbour reopens.", hours_ago=1)
        _story("Ferry timetable", body="Nothing changes.", hours_ago=2)
        assert _headlines(_results(client, q="ferry harbour")) == ["Ferry strike ends"]
        assert _headlines(_results(client, q="FERRY")) == ["Ferry strike ends",
                                                           "Ferry timetable"]

    def test_filters_by_section_and_author(self, client, engine):
        world = SectionFactory(name="World", slug="world")
        li = AuthorFactory(name="Li Wei", slug="li-wei")
        _story("Harbour in world by Li", section=world, author=li, hours_ago=1)
        _story("Harbour in world by another", section=world, hours_ago=2)
        _story("Harbour elsewhere by Li", author=li, hours_ago=3)
        assert _headlines(_results(client, q="harbour", section="world")) == [
            "Harbour in world by Li", "Harbour in world by another"]
        assert _headlines(_results(client, q="harbour", author="li-wei")) == [
            "Harbour in world by Li", "Harbour elsewhere by Li"]
        assert _headlines(_results(client, q="harbour", section="world",
                                   author="li-wei")) == ["Harbour in world by Li"]
        # A section the form does not offer is said, and left out of the search.
        nowhere = _results(client, q="harbour", section="nowhere")
        assert _headlines(nowhere) == ["Harbour in world by Li", "Harbour in world by another",
                                       "Harbour elsewhere by Li"]
        assert "There is no section “nowhere”" in nowhere.content.decode()

    def test_snippet_highlights_the_match(self, client, engine):
        _story("Port news", body="Yesterday the ferry returned to the harbour at dawn.")
        [article] = _results(client, q="ferry").context["articles"]
        assert "<mark>ferry</mark>" in str(article.snippet)
        assert "harbour at dawn" in str(article.snippet)

    def test_snippets_never_carry_article_html(self, client, engine):
        _story("Port news", dek='<img src=x onerror="alert(1)"> ferry &amp; <b>bold</b>',
               body="Ferry text with `<script>alert(2)</script>` and &lt;i&gt; too.")
        response = _results(client, q="ferry")
        [article] = response.context["articles"]
        snippet = str(article.snippet)
        assert "<img" not in snippet and "<script" not in snippet and "<b>" not in snippet
        # The dek is plain text: shown as typed, escaped.
        assert "&lt;b&gt;bold&lt;/b&gt;" in snippet and "&amp;amp;" in snippet
        page = parse_html(response)
        assert page.inline_handlers == []
        assert all(attrs.get("src") or attrs.get("type") == "application/ld+json"
                   for attrs, _ in page.scripts)

    def test_paginated_twenty_a_page_with_the_total(self, client, engine):
        for i in range(23):
            _story(f"Harbour story {i:02d}", hours_ago=i + 1)
        first = _results(client, q="harbour")
        assert len(first.context["articles"]) == 20
        assert "23 results for “<bdi>harbour</bdi>”" in first.content.decode()
        second = _results(client, q="harbour", page="2")
        assert _headlines(second) == ["Harbour story 20", "Harbour story 21",
                                      "Harbour story 22"]
        assert "Page 2 of 2" in second.content.decode()
        # The pagination links keep the query.
        assert "?q=harbour&amp;page=2" in first.content.decode()

    def test_only_the_newest_matches_are_ranked_with_a_notice(self, client, engine,
                                                              monkeypatch):
        monkeypatch.setattr(search, "RANKED_MATCHES", 3)
        _story("Harbour in the headline, but old", hours_ago=50)
        for i in range(4):
            _story(f"Story {i}", body="A harbour in the body.", hours_ago=i + 1)
        response = _results(client, q="harbour")
        assert _headlines(response) == ["Story 0", "Story 1", "Story 2"]
        page = response.content.decode()
        assert "The 3 newest results for “<bdi>harbour</bdi>”" in page
        assert "Older stories may match too" in page

    def test_the_newest_matches_are_picked_within_the_section(self, client, engine,
                                                             monkeypatch):
        monkeypatch.setattr(search, "RANKED_MATCHES", 2)
        world = SectionFactory(name="World", slug="world")
        _story("Old world harbour", section=world, hours_ago=50)
        for i in range(3):
            _story(f"Harbour elsewhere {i}", hours_ago=i + 1)
        response = _results(client, q="harbour", section="world")
        assert _headlines(response) == ["Old world harbour"]
        assert "1 result for “<bdi>harbour</bdi>”" in response.content.decode()

    @pytest.mark.parametrize("page", ["0", "3", "abc", "-1", "1.5", "last", ""])
    def test_bad_pages_are_404(self, client, engine, page):
        _story("Harbour talks")
        assert client.get("/search/", {"q": "harbour", "page": page}).status_code == 404

    def test_no_results_and_empty_queries_answer_calmly(self, client, engine):
        _story("Harbour talks")
        response = _results(client, q="zeppelin")
        assert "0 results for “<bdi>zeppelin</bdi>”" in response.content.decode()
        assert "No published story matches" in response.content.decode()
        for query in ("", "   ", "\t\n"):
            response = _results(client, q=query)
            assert response.context.get("articles") is None
            assert "Type a word or two" in response.content.decode()
        assert _results(client).status_code == 200

    def test_a_very_long_query_is_shortened_with_a_message(self, client, engine):
        _story("Harbour talks")
        response = _results(client, q="harbour " + "x" * 10_000)
        assert response.context["query"] == ("harbour " + "x" * 10_000)[:200]
        text = response.content.decode()
        assert "only its first 200 characters" in text
        assert "x" * 201 not in text

    @pytest.mark.parametrize("query", [
        "harbour\x00", "\x00", "harb\x00our", "'; DROP TABLE articles_article; --",
        '"unbalanced', '"', "-", "--harbour", "or", "or or", "harbour or", "!!!", "&|!():*",
        "%", "_", "\\", "\\x00", "<script>alert(1)</script>", "😀", "\u202eharbour",
        "harbour\u200b", "e\u0301", "\ud800".encode("utf-8", "surrogatepass").decode(
            "utf-8", "replace"), "\ue000harbour\ue001", "ﬁ" * 300, "a" * 199 + "é",
        "the", "-the", "the and of", "harbour -talks", '"harbour talks"',
    ])
    def test_hostile_queries_never_500(self, client, engine, query):
        _story("Harbour talks", body="A body with 100% of _the_ words.")
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()

    def test_nul_bytes_are_dropped_not_refused(self, client, engine):
        _story("Harbour talks")
        assert _headlines(_results(client, q="harbour\x00")) == ["Harbour talks"]
        assert _headlines(_results(client, q="\x00harbour\x00talks")) == ["Harbour talks"]

    def test_form_works_without_javascript(self, client, engine):
        text = _results(client, q="harbour").content.decode()
        assert '<form class="search-form" method="get" action="/search/" role="search">' in text
        assert 'name="q" value="harbour"' in text
        assert 'name="section"' in text and 'name="author"' in text


class TestFallbackSyntax:
    """The fallback (SQLite's search) understands the simple websearch syntax."""

    @pytest.fixture(autouse=True)
    def _fallback(self, monkeypatch):
        monkeypatch.setattr(search, "_is_postgresql", lambda: False)

    def test_phrases_exclusions_and_or(self, client):
        _story("Harbour talks resume", hours_ago=1)
        _story("Talks about the harbour", hours_ago=2)
        _story("Ferry news", hours_ago=3)
        assert _headlines(_results(client, q='"harbour talks"')) == ["Harbour talks resume"]
        assert _headlines(_results(client, q="harbour -resume")) == ["Talks about the harbour"]
        assert _headlines(_results(client, q="resume or ferry")) == [
            "Harbour talks resume", "Ferry news"]
        assert _headlines(_results(client, q="-harbour")) == ["Ferry news"]

    def test_parse(self):
        parsed = search._parse('a "b c" -d e or f -"g h" or')
        # "a" is a stop word; "or" binds least, as websearch_to_tsquery reads it.
        assert [[(t.excluded, t.words) for t in terms] for terms in parsed.alternatives] == [
            [(False, ("b", "c")), (True, ("d",)), (False, ("e",))],
            [(False, ("f",)), (True, ("g", "h"))]]
        assert search._parse("!!! - or").alternatives == []
        parsed = search._parse(" ".join(f"w{i}" for i in range(50)))
        assert sum(map(len, parsed.alternatives)) == search.MAX_TERMS

    def test_clean_query(self):
        assert search.clean_query("  a\x00b\u200bc \n d ") == ("a bc d", False)
        assert search.clean_query("ﬁsh") == ("fish", False)
        assert search.clean_query("x" * 250) == ("x" * 200, True)


@pytest.mark.postgresql
class TestPostgreSQL:
    def test_search_vector_is_kept_current_on_save(self):
        story = _story("Harbour talks", body="Plain words.")
        vector = Article.objects.values_list("search_vector", flat=True).get(pk=story.pk)
        assert "'harbour':1A" in vector and "'plain':" in vector
        story.headline = "Lighthouse sold"
        story.save()
        vector = Article.objects.values_list("search_vector", flat=True).get(pk=story.pk)
        assert "'lighthous':1A" in vector and "harbour" not in vector

    def test_the_vector_has_a_gin_index(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                           ["article_search_idx"])
            [(definition,)] = cursor.fetchall()
        assert "USING gin (search_vector)" in definition
        # No pending list for every search to read through until a vacuum.
        assert "fastupdate=off" in definition

    def test_stemming_and_websearch_syntax(self, client):
        _story("Harbour talks resume", hours_ago=1)
        _story("Talks about the harbour", hours_ago=2)
        _story("Ferry news", body="The ferries are running.", hours_ago=3)
        assert _headlines(_results(client, q="talk")) == [
            "Harbour talks resume", "Talks about the harbour"]
        assert _headlines(_results(client, q="ferry")) == ["Ferry news"]
        assert _headlines(_results(client, q='"harbour talks"')) == ["Harbour talks resume"]
        assert _headlines(_results(client, q="harbour -resume")) == ["Talks about the harbour"]
        assert {a.headline for a in _results(client, q="resume or ferry").context["articles"]} == {
            "Harbour talks resume", "Ferry news"}

    def test_ranking_uses_weights_not_just_recency(self, client):
        _story("Budget news", body="lighthouse " * 3, hours_ago=1)
        _story("Lighthouse budget", hours_ago=48)
        ranked = _results(client, q="lighthouse").context["articles"]
        assert [a.headline for a in ranked] == ["Lighthouse budget", "Budget news"]

    def test_headline_snippets_come_from_ts_headline(self, client):
        _story("Port news", body="The ferries returned to the harbour at dawn.")
        [article] = _results(client, q="ferry").context["articles"]
        # Stemming: "ferry" highlights "ferries".
        assert "<mark>ferries</mark>" in str(article.snippet)

    def test_the_vector_is_kept_in_the_row(self):
        # Out of line, in the TOAST table, each vector a search tests costs three
        # more page reads; a common word tests a thousand or more.
        with connection.cursor() as cursor:
            cursor.execute("SELECT attstorage FROM pg_attribute WHERE attrelid = "
                           "'articles_article'::regclass AND attname = 'search_vector'")
            [(storage,)] = cursor.fetchall()
        assert storage == "m"

    # ts_headline's cost grows with the text it reads: it reads OPENING_CHARS from
    # a little before the first "ferry" as typed (the opening when there is none),
    # and the whole story only when that has no match.
    @pytest.mark.parametrize("body, shown, not_shown", [
        ("The ferry left early. {filler} Later the ferry sank.",
         "<mark>ferry</mark> left early", "sank"),
        ("{filler} Later the ferry sank.", "<mark>ferry</mark> sank", None),
        # The later, denser passage is never read.
        ("{filler} Later the ferry sank. {filler} Ferry ferry ferry: the ferry festival.",
         "<mark>ferry</mark> sank", "festival"),
        ("{filler} Later both ferries sank.", "<mark>ferries</mark> sank", None),  # its stem
    ], ids=["in the opening", "past the opening", "far into a long story", "by its stem"])
    def test_the_snippet_is_read_around_the_first_match(self, client, body, shown, not_shown):
        filler = "Quiet weather over the bay. " * (search.OPENING_CHARS // 20)
        _story("Port news", body=body.format(filler=filler))
        [article] = _results(client, q="ferry").context["articles"]
        assert shown in str(article.snippet)
        assert not_shown is None or not_shown not in str(article.snippet)

    def test_the_text_and_the_opening_are_computed_once_per_story(self):
        story = _story("Port news", body="The ferry left early.")
        with CaptureQueriesContext(connection) as queries:
            search.add_snippets([story], "ferry")
        [sql] = [q["sql"] for q in queries if "ts_headline" in q["sql"]]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN VERBOSE " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        # A headline for the opening and one, in CASE, for the whole text; subqueries
        # folded into the expressions using them would repeat both.
        assert plan.count("ts_headline(") == 2
        assert plan.count("regexp_replace(") == 1

    def test_stop_words_alone_find_nothing_calmly(self, client):
        _story("The harbour")
        assert _headlines(_results(client, q="the")) == []


@pytest.mark.sqlite
def test_sqlite_leaves_the_vector_empty_and_searches_the_text(client):
    story = _story("Harbour talks")
    assert Article.objects.values_list("search_vector", flat=True).get(pk=story.pk) is None
    assert _headlines(_results(client, q="harbour")) == ["Harbour talks"]


def _budget():
    # Sections (navigation and filter), authors (filter), count, page of results,
    # and on PostgreSQL the page's highlighted snippets.
    return 5 if connection.vendor == "postgresql" else 4


def test_search_queries_stay_constant_as_results_grow(client, django_assert_num_queries):
    section, author = SectionFactory(), AuthorFactory()
    for i in range(3):
        _story(f"Harbour {i}", section=section, author=author, with_image=(i == 0))
    with django_assert_num_queries(_budget()):
        assert len(_results(client, q="harbour").context["articles"]) == 3
    for i in range(40):
        _story(f"Harbour more {i}", section=SectionFactory(), author=AuthorFactory())
    with django_assert_num_queries(_budget()):
        response = _results(client, q="harbour", page="2")
    assert len(response.context["articles"]) == 20
    with django_assert_num_queries(_budget()):
        _results(client, q="harbour", section=section.slug, author=author.slug)


def test_snippets_mark_a_straight_quoted_term_in_typographic_text():
    """Bodies are shown with typographic quotes; a reader types straight ones."""
    snippet = search._plain_snippet("The council\u2019s vote was close.", ["council's"])
    assert "<mark>council\u2019s</mark>" in snippet
    snippet = search._plain_snippet("He said \u201cno\u201d twice.", ['"no"'])
    assert "<mark>\u201cno\u201d</mark>" in snippet


class TestTooManySearches:
    """One address may search SEARCH_LIMIT_PER_MINUTE times a minute: a search is the
    dearest page a reader can ask for, and no cache answers it."""

    def test_past_the_limit_it_waits_with_the_words_and_filters_kept(self, client, settings):
        settings.SEARCH_LIMIT_PER_MINUTE = 3
        _story("Harbour talks", section=SectionFactory(name="World", slug="world"))
        for _ in range(3):
            assert _headlines(_results(client, q="harbour")) == ["Harbour talks"]
        with CaptureQueriesContext(connection) as refused_queries:
            response = client.get("/search/", {"q": "harbour talks", "section": "world"})
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 66  # a minute on from its tenth
        text = response.content.decode()
        wait = int(response["Retry-After"])
        assert ('<p class="notice notice-wait" role="alert">You have searched many times in the '
                f"last minute. Please wait {search.ratelimit.human_wait(wait)} and search "
                "again; your words are still in the box.</p>") in text
        assert 'name="q" value="harbour talks"' in text
        assert '<option value="world" selected>World</option>' in text
        assert "search-result" not in text and "Harbour talks" not in text
        # No search ran: the form's sections and authors only.
        assert not any("LIKE" in q["sql"] or "@@" in q["sql"]
                       for q in refused_queries.captured_queries)

    def test_the_next_minute_searches_again(self, client, settings):
        settings.SEARCH_LIMIT_PER_MINUTE = 1
        _story("Harbour talks")
        _results(client, q="harbour")
        assert client.get("/search/", {"q": "harbour"}).status_code == 429
        with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
            assert _headlines(_results(client, q="harbour")) == ["Harbour talks"]

    def test_each_address_has_its_own_allowance(self, settings):
        from django.test import Client

        settings.SEARCH_LIMIT_PER_MINUTE = 1
        _story("Harbour talks")
        first, second = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="192.0.2.2")
        _results(first, q="harbour")
        assert first.get("/search/", {"q": "harbour"}).status_code == 429
        assert _headlines(_results(second, q="harbour")) == ["Harbour talks"]

    def test_the_empty_search_page_is_not_counted(self, client, settings):
        settings.SEARCH_LIMIT_PER_MINUTE = 1
        _story("Harbour talks")
        for query in ("", "   ", ""):
            assert "Type a word or two" in _results(client, q=query).content.decode()
        assert _headlines(_results(client, q="harbour")) == ["Harbour talks"]

    def test_with_the_limits_store_down_search_still_answers(self, client, settings,
                                                              monkeypatch):
        settings.SEARCH_LIMIT_PER_MINUTE = 1
        _story("Harbour talks")

        def unavailable(limits, ident, now=None):
            raise search.ratelimit.Unavailable("redis is down")

        monkeypatch.setattr(search.ratelimit, "acquire", unavailable)
        for _ in range(3):
            assert _headlines(_results(client, q="harbour")) == ["Harbour talks"]

    def test_zero_lifts_the_limit(self, client, settings):
        settings.SEARCH_LIMIT_PER_MINUTE = 0
        _story("Harbour talks")
        for _ in range(5):
            assert _headlines(_results(client, q="harbour")) == ["Harbour talks"]


class TestSearchBusy:
    """At most SEARCH_CONCURRENCY searches run at once, counted across every worker and
    machine: a flood of searches from many addresses, each within its own allowance,
    must not take every worker and the database from readers."""

    def test_with_every_place_taken_the_search_waits_with_the_words_kept(self, client,
                                                                          settings):
        settings.SEARCH_CONCURRENCY = 1
        _story("Harbour talks", section=SectionFactory(name="World", slug="world"))
        with search.ratelimit.place("search", 1, search.PLACE_SECONDS) as placed:
            assert placed
            with CaptureQueriesContext(connection) as refused_queries:
                response = client.get("/search/", {"q": "harbour talks", "section": "world"})
        assert response.status_code == 503 and response["Retry-After"] == "5"
        text = response.content.decode()
        assert ('<p class="notice notice-wait" role="alert">Search is busy right now. Please '
                "try again in a few seconds; your words are still in the box.</p>") in text
        assert 'name="q" value="harbour talks"' in text
        assert '<option value="world" selected>World</option>' in text
        assert not any("LIKE" in q["sql"] or "@@" in q["sql"]
                       for q in refused_queries.captured_queries)
        # The place is given back when its search ends.
        for _ in range(3):
            assert _headlines(_results(client, q="harbour")) == ["Harbour talks"]

    def test_as_many_searches_as_places_run_at_once(self, settings):
        settings.SEARCH_CONCURRENCY = 3
        with search.ratelimit.place("search", 3, 30) as first, \
                search.ratelimit.place("search", 3, 30) as second, \
                search.ratelimit.place("search", 3, 30) as third:
            assert first and second and third
            with search.ratelimit.place("search", 3, 30) as fourth:
                assert not fourth
        with search.ratelimit.place("search", 3, 30) as again:
            assert again

    def test_a_place_whose_worker_died_holding_it_frees_itself(self, client, settings):
        settings.SEARCH_CONCURRENCY = 1
        _story("Harbour talks")
        died = search.ratelimit.place("search", 1, search.PLACE_SECONDS)
        assert died.__enter__()  # and never leaves
        assert client.get("/search/", {"q": "harbour"}).status_code == 503
        later = NOW + timedelta(seconds=search.PLACE_SECONDS + 1)
        with time_machine.travel(later, tick=False):
            assert _headlines(_results(client, q="harbour")) == ["Harbour talks"]

    def test_a_search_that_fails_gives_its_place_back(self, client, settings):
        settings.SEARCH_CONCURRENCY = 1
        _story("Harbour talks")
        assert client.get("/search/", {"q": "harbour", "page": "9"}).status_code == 404
        assert _headlines(_results(client, q="harbour")) == ["Harbour talks"]

    def test_with_the_store_down_search_still_answers(self, client, settings, monkeypatch):
        settings.SEARCH_CONCURRENCY = 1
        _story("Harbour talks")

        def unavailable(*args, **kwargs):
            raise search.ratelimit.Unavailable("redis is down")

        monkeypatch.setattr(search.ratelimit.caches["security"], "add", unavailable)
        for _ in range(2):
            assert _headlines(_results(client, q="harbour")) == ["Harbour talks"]

    @pytest.mark.parametrize("places", [0, -1])
    def test_zero_lifts_the_cap(self, client, settings, places):
        settings.SEARCH_CONCURRENCY = places
        _story("Harbour talks")
        with search.ratelimit.place("search", places, 30) as placed:
            assert placed
            assert _headlines(_results(client, q="harbour")) == ["Harbour talks"]
