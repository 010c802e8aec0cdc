"""Search, after a QA round on SQLite's fallback and PostgreSQL's full text: typographic
quotes, punctuation at a word's edge, text readers cannot see, case outside ASCII,
invisible characters, a query's words past MAX_TERMS, the allowance of a busy
search, an author with nothing public yet, and the two databases reading one query
alike."""

import importlib
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import search
from articles.models import Article
from tests.articles.test_search import _budget
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(params=["database", "fallback"])
def engine(request, monkeypatch):
    """PostgreSQL's full text (or, on SQLite, its fallback), and the fallback itself."""
    if request.param == "fallback":
        monkeypatch.setattr(search, "_is_postgresql", lambda: False)
    return request.param


@pytest.fixture
def fallback(monkeypatch):
    monkeypatch.setattr(search, "_is_postgresql", lambda: False)


def _story(headline, body="Nothing to see here.", dek="", hours_ago=1, **kwargs):
    return ArticleFactory(headline=headline, body=body, dek=dek,
                          published_at=NOW - timedelta(hours=hours_ago), **kwargs)


def _found(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return [article.headline for article in response.context["articles"]]


class TestTypographicQuotes:
    def test_a_curly_apostrophe_finds_what_a_straight_one_does(self, client, engine):
        _story("Evander's boat", hours_ago=1)
        _story("Quiet day", body="Evander's nets were mended.", hours_ago=2)
        _story("Quiet night", body="Nobody came.", hours_ago=3)
        expected = ["Evander's boat", "Quiet day"]
        assert _found(client, "Evander's") == expected
        assert _found(client, "Evander\u2019s") == expected
        assert _found(client, "\u2018Evander\u2019s\u2019") == expected

    def test_curly_double_quotes_make_a_phrase(self, client, engine):
        _story("The night ferry", hours_ago=1)
        _story("Ferry at night", hours_ago=2)
        assert _found(client, '"night ferry"') == ["The night ferry"]
        assert _found(client, "\u201cnight ferry\u201d") == ["The night ferry"]
        assert _found(client, "\u201enight ferry\u201c") == ["The night ferry"]

    def test_the_query_is_searched_with_straight_quotes(self):
        assert search.clean_query("\u201cnight ferry\u201d Evander\u2019s") == (
            "\"night ferry\" Evander's", False)


class TestPunctuationAtAWordsEdge:
    @pytest.mark.parametrize("query", ["harbour?", "harbour!", "#harbour", "(harbour",
                                       "^harbour", "harbour.", "\u00bfharbour?", "harbour,"])
    def test_is_not_part_of_the_word(self, client, engine, query):
        _story("Harbour talks")
        _story("Ferry news", hours_ago=2)
        assert _found(client, query) == ["Harbour talks"]

    def test_a_currency_sign(self, client, engine):
        _story("Fares rise", body="A ticket now costs \u20ac300.")
        _story("Fares fall", body="A ticket now costs \u20ac250.", hours_ago=2)
        assert _found(client, "\u20ac300") == ["Fares rise"]

    def test_inner_apostrophes_and_hyphens_keep_the_word(self, client, engine):
        _story("O'Brien returns", body="A well-known face.")
        _story("Brien and O", body="Known well.", hours_ago=2)
        assert _found(client, "O'Brien") == ["O'Brien returns"]
        assert _found(client, "O\u2019Brien") == ["O'Brien returns"]
        assert _found(client, "well-known") == ["O'Brien returns"]


# Markdown whose comment, link address and dropped markup readers never see.
HIDDEN = ("The council met.\n\n<!-- Editor note: source is Gerta Vilkas -->\n\n"
          "Read [the report](https://example.org/secretpathword/report.pdf).\n\n"
          "<img src=x onerror=alert(1)> <abbr title=\"abbrsecret\">NATO</abbr> agreed, "
          "AT&T too.")


class TestOnlyWhatReadersSee:
    @pytest.mark.parametrize("query", ["Vilkas", "secretpathword", "example.org",
                                       "onerror", "abbrsecret", "noopener", "href",
                                       "amp", "abbr"])
    def test_hidden_text_is_not_searched(self, client, engine, query):
        _story("Council news", body=HIDDEN)
        assert _found(client, query) == []

    @pytest.mark.parametrize("query", ["council", "report", "NATO", '"the report"'])
    def test_the_text_shown_is(self, client, engine, query):
        _story("Port news", body=HIDDEN)
        assert _found(client, query) == ["Port news"]

    def test_a_link_written_out_as_text_is_seen(self, client, engine):
        _story("Port news", body="See <https://example.org/plans> for the plans.")
        assert _found(client, "example.org") == ["Port news"]

    def test_the_snippet_comes_from_the_text_shown(self, client, engine):
        _story("Port news", body=HIDDEN)
        [article] = client.get("/search/", {"q": "report"}).context["articles"]
        snippet = str(article.snippet)
        assert "<mark>report</mark>" in snippet
        assert "Vilkas" not in snippet and "secretpathword" not in snippet
        assert "onerror" not in snippet

    def test_words_across_inline_markup_make_a_phrase(self, client, engine):
        _story("Port news", body="The *night* ferry left.")
        assert _found(client, '"night ferry"') == ["Port news"]

    @pytest.mark.postgresql
    def test_the_vector_holds_the_text_shown_only(self):
        story = _story("Council news", body=HIDDEN)
        vector = Article.objects.values_list("search_vector", flat=True).get(pk=story.pk)
        assert "'council':" in vector and "'report':" in vector and "'nato':" in vector
        for hidden in ("vilka", "secretpathword", "example.org", "onerror", "abbrsecret",
                       "amp", "noopen", "href", "abbr"):
            assert hidden not in vector

    @pytest.mark.postgresql
    def test_migration_0019_refills_every_vector_in_batches(self):
        stories = [_story("Council news", body=HIDDEN), _story("Port news", hours_ago=2)]
        Article.objects.update(search_vector=None)
        migration = importlib.import_module("articles.migrations.0019_search_visible_text")
        with connection.schema_editor(atomic=False) as editor, \
                CaptureQueriesContext(connection) as queries:
            migration.fill_search_vectors(django_apps, editor)
        updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
        assert len(updates) == 1
        vectors = dict(Article.objects.values_list("pk", "search_vector"))
        assert "'council':1A" in vectors[stories[0].pk] and "'port':1A" in vectors[stories[1].pk]
        assert "example.org" not in vectors[stories[0].pk]
        assert "onerror" not in vectors[stories[0].pk]


class TestCaseBeyondAscii:
    @pytest.mark.parametrize("stored, query", [
        ("\u00c9COLE", "\u00e9cole"), ("\u00e9cole", "\u00c9COLE"),
        ("\u0395\u03bb\u03bb\u03ac\u03b4\u03b1", "\u03b5\u03bb\u03bb\u03ac\u03b4\u03b1"),
        ("caf\u00e9", "CAF\u00c9"), ("\u0421\u041c\u0418", "\u0441\u043c\u0438"),
    ])
    def test_case_is_folded_in_every_script(self, client, fallback, stored, query):
        _story(f"News of the {stored}", hours_ago=1)
        _story("Other news", body="Nothing.", hours_ago=2)
        assert _found(client, query) == [f"News of the {stored}"]

    @pytest.mark.postgresql
    def test_as_postgresql_folds_it(self, client):
        _story("News of the \u00c9COLE")
        assert _found(client, "\u00e9cole") == ["News of the \u00c9COLE"]


class TestInvisibleCharacters:
    @pytest.mark.parametrize("character", ["\u00ad", "\u200d", "\u200b", "\u2060", "\ufeff",
                                           "\u200e"])
    def test_leave_a_word_whole(self, client, engine, character):
        _story("Harbour talks", hours_ago=1)
        _story("Har bour bar", body="A bour.", hours_ago=2)
        response = client.get("/search/", {"q": f"har{character}bour"})
        assert response.context["query"] == "harbour"
        assert [a.headline for a in response.context["articles"]] == ["Harbour talks"]
        assert 'value="harbour"' in response.content.decode()


class TestTermsPastTheLimit:
    QUERY = " ".join(f"w{i}" for i in range(search.MAX_TERMS)) + " zebra quagga"

    def test_the_reader_is_told_which_words_were_searched(self, client, fallback):
        _story(" ".join(f"w{i}" for i in range(search.MAX_TERMS)))
        response = client.get("/search/", {"q": self.QUERY})
        searched = " ".join(f"w{i}" for i in range(search.MAX_TERMS))
        assert response.context["searched"] == searched
        text = response.content.decode()
        assert (f"We search for up to {search.MAX_TERMS} words or phrases at a time, so we "
                f"searched only for \u201c<bdi>{searched}</bdi>\u201d.") in text
        assert f"1 result for \u201c<bdi>{searched}</bdi>\u201d" in text
        # The box keeps every word typed.
        assert f'value="{self.QUERY}"' in text

    def test_stop_words_and_operators_past_the_limit_say_nothing(self, client, fallback):
        words = " ".join(f"w{i}" for i in range(search.MAX_TERMS))
        _story(words)
        response = client.get("/search/", {"q": f"{words} the or -"})
        assert "searched" not in response.context
        assert "words or phrases at a time" not in response.content.decode()

    def test_a_phrase_counts_as_one_term(self):
        parsed = search._parse(" ".join(f'"a{i} b{i}"' for i in range(search.MAX_TERMS + 1)))
        assert sum(map(len, parsed.alternatives)) == search.MAX_TERMS
        assert parsed.searched.endswith(f'"a{search.MAX_TERMS - 1} b{search.MAX_TERMS - 1}"')

    @pytest.mark.postgresql
    def test_postgresql_searches_every_word_and_says_nothing(self, client):
        _story(" ".join(f"w{i}" for i in range(search.MAX_TERMS)) + " zebra quagga")
        response = client.get("/search/", {"q": self.QUERY})
        assert "searched" not in response.context
        assert len(response.context["articles"]) == 1


def test_a_busy_search_uses_none_of_the_readers_allowance(client, settings):
    settings.SEARCH_LIMIT_PER_MINUTE = 1
    settings.SEARCH_CONCURRENCY = 1
    _story("Harbour talks")
    with search.ratelimit.place("search", 1, search.PLACE_SECONDS) as placed:
        assert placed
        assert client.get("/search/", {"q": "harbour"}).status_code == 503
    assert _found(client, "harbour") == ["Harbour talks"]
    assert client.get("/search/", {"q": "harbour"}).status_code == 429


class TestAuthorWithoutPublicStories:
    def test_is_said_truthfully(self, client):
        AuthorFactory(name="Quinn Newbie", slug="qa-newbie")
        _story("Harbour talks")
        response = client.get("/search/", {"q": "harbour", "author": "qa-newbie"})
        text = response.content.decode()
        assert "There is no author" not in text
        assert ("Quinn Newbie has no published stories yet; showing results by every "
                "author.") in text
        assert [a.headline for a in response.context["articles"]] == ["Harbour talks"]

    def test_a_draft_is_not_public(self, client):
        newbie = AuthorFactory(name="Quinn Newbie", slug="qa-newbie")
        _story("Harbour draft", author=newbie, draft=True)
        text = client.get("/search/", {"q": "harbour", "author": "qa-newbie"}).content.decode()
        assert "Quinn Newbie has no published stories yet" in text

    def test_costs_no_query(self, client, django_assert_num_queries):
        AuthorFactory(name="Quinn Newbie", slug="qa-newbie")
        _story("Harbour talks")
        with django_assert_num_queries(_budget()):
            client.get("/search/", {"q": "harbour", "author": "qa-newbie"})

    @pytest.mark.parametrize("slug", ["nobody", "no\x00body", "x" * 300])
    def test_an_author_who_does_not_exist_is_still_said_so(self, client, slug):
        _story("Harbour talks")
        response = client.get("/search/", {"q": "harbour", "author": slug})
        assert response.status_code == 200
        assert "There is no" in response.content.decode()


class TestOneQueryOneMeaning:
    """The fallback reads a query as websearch_to_tsquery does."""

    @pytest.fixture(autouse=True)
    def _stories(self):
        _story("Harbour and ferry", hours_ago=1)
        _story("Harbour alone", hours_ago=2)
        _story("Ferry alone", hours_ago=3)
        _story("Pier news", body="Nothing at the pier.", hours_ago=4)

    @pytest.mark.parametrize("query, expected", [
        ("- harbour", ["Ferry alone", "Pier news"]),
        ("harbour - ferry", ["Harbour alone"]),
        ("- -harbour", ["Harbour and ferry", "Harbour alone"]),
        ("harbour or -ferry", ["Harbour and ferry", "Harbour alone", "Pier news"]),
        # "or" binds least: (harbour and ferry) or pier.
        ("harbour ferry or pier", ["Harbour and ferry", "Pier news"]),
        ("pier or harbour ferry", ["Harbour and ferry", "Pier news"]),
        ("the", []), ("the or pier", ["Pier news"]), ("pier - or news", ["Pier news"]),
        ("!harbour", ["Harbour and ferry", "Harbour alone"]),
    ])
    def test_operators(self, client, engine, query, expected):
        assert sorted(_found(client, query)) == sorted(expected)

    def test_words_match_from_their_start(self, client, engine):
        _story("Brunch menu", hours_ago=5)
        _story("Run for mayor", hours_ago=6)
        assert _found(client, "run") == ["Run for mayor"]


@pytest.mark.postgresql
@pytest.mark.parametrize("query", [
    "harbour", "harbour?", "#harbour", "- harbour", "harbour - ferry", "harbour or -ferry",
    "- -harbour", "harbour ferry or pier", "the", "the or pier", '"night ferry"',
    "\u201cnight ferry\u201d", "Evander\u2019s", "-\"night ferry\" or pier", "or or", "-",
    "pier<->ferry", "harbour!ferry", "Vilkas", "example.org",
])
def test_the_fallback_finds_what_postgresql_finds(client, monkeypatch, query):
    _story("Harbour and ferry", body="Evander's boat took the night ferry.", hours_ago=1)
    _story("Harbour alone", body=HIDDEN, hours_ago=2)
    _story("Ferry alone", body="A ferry at night.", hours_ago=3)
    _story("Pier news", body="Nothing at the pier.", hours_ago=4)
    full_text = sorted(_found(client, query))
    monkeypatch.setattr(search, "_is_postgresql", lambda: False)
    assert sorted(_found(client, query)) == full_text
