"""Search, after a QA round on what it reads: a story's text read as its query is
(compatibility forms as their letters, no format characters) on both databases,
results shown as the shared story card shows them, one address for a search's
pages, and one-letter and stop-word-only queries."""

import importlib
from datetime import datetime, timedelta, timezone as dt_timezone
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import connection
from django.db.models import TextField, Value
from django.test.utils import CaptureQueriesContext

from articles import search
from articles.models import Article, SearchText, search_text
from tests.factories import ArticleFactory, AuthorFactory
from tests.markup import parse_html

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)
SITE = "https://news.example"


@pytest.fixture(autouse=True)
def _site_and_clock(settings):
    settings.SITE_URL = SITE
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(params=["database", "fallback"])
def engine(request, monkeypatch):
    """PostgreSQL's full text (or, on SQLite, its fallback), and the fallback itself."""
    if request.param == "fallback":
        monkeypatch.setattr(search, "_is_postgresql", lambda: False)
    return request.param


def _story(headline, body="Nothing to see here.", dek="", hours_ago=1, **kwargs):
    return ArticleFactory(headline=headline, body=body, dek=dek,
                          published_at=NOW - timedelta(hours=hours_ago), **kwargs)


def _get(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return response


def _found(client, query, **params):
    return [article.headline for article in _get(client, query, **params).context["articles"]]


# (as a story may hold it, as a reader types it)
WRITTEN = [
    ("\ufb01nancial", "financial"),  # a ligature, from a PDF
    ("Ca\u0301diz", "C\u00e1diz"),  # an accent typed apart (NFD, as macOS writes it)
    ("re\u0301sume\u0301", "r\u00e9sum\u00e9"),
    ("zwsp\u200bword", "zwspword"),  # a zero-width space inside a word
    ("soft\u00adhyphen", "softhyphen"),  # a soft hyphen
    ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian, with a zero-width
     "\u0645\u06cc\u062e\u0648\u0627\u0647\u0645"),  # non-joiner; typed without it
]


class TestTheStoryIsReadAsTheQuery:
    @pytest.mark.parametrize("written, typed", WRITTEN)
    def test_a_word_is_found_as_typed_and_as_pasted_from_the_story(self, client, engine,
                                                                    written, typed):
        _story("Port news", body=f"The {written} report came out today.", hours_ago=1)
        _story("Market news", body="The plain report came out too.", hours_ago=2)
        assert _found(client, typed) == ["Port news"]
        assert _found(client, written) == ["Port news"]
        assert _found(client, f'"{written} report"') == ["Port news"]

    def test_the_headline_and_dek_are_read_so_too_and_weigh_as_before(self, client, engine):
        _story("A quiet week", body="The \ufb01nancial year ended.", hours_ago=1)
        _story("Council meets", dek="A \ufb01nancial question.", hours_ago=2)
        _story("The \ufb01nancial year closes", hours_ago=3)
        assert _found(client, "financial") == [
            "The \ufb01nancial year closes", "Council meets", "A quiet week"]

    def test_the_snippet_shows_the_story_as_written_its_match_marked(self, client, engine):
        _story("Port news", body="Our \ufb01nancial year, in Ca\u0301diz, ended.")
        [article] = _get(client, "financial C\u00e1diz").context["articles"]
        snippet = str(article.snippet)
        assert "<mark>\ufb01nancial</mark>" in snippet
        assert "<mark>Ca\u0301diz</mark>" in snippet

    def test_a_snippet_keeps_the_joiners_a_script_is_written_with(self, client, engine):
        written, typed = WRITTEN[-1]
        _story("Persian news", body=f"\u0627\u0648 {written} \u0628\u0631\u0648\u062f.")
        [article] = _get(client, typed).context["articles"]
        assert f"<mark>{written}</mark>" in str(article.snippet)

    def test_stories_written_plainly_are_still_found_and_marked(self, client, engine):
        _story("Port news", body="The ferry left \u201con time\u201d, at dawn.")
        [article] = _get(client, "ferry").context["articles"]
        assert "<mark>ferry</mark> left \u201con time\u201d, at dawn" in str(article.snippet)

    def test_the_editors_story_list_finds_them_too(self, client, engine, editor):
        _story("The \ufb01nancial year closes", draft=True)
        _story("Market day", hours_ago=2)
        page = client.get("/admin/articles/article/", {"q": "financial"}).content.decode()
        assert "The \ufb01nancial year closes" in page and "Market day" not in page

    def test_a_story_field_suggests_them_by_their_beginnings(self, client, engine, editor):
        _story("The \ufb01nancial year closes")
        stories = search.beginning_with("financ", Article.objects.all())
        assert [story.headline for story in stories] == ["The \ufb01nancial year closes"]


class TestWhatSaveRecords:
    def test_a_story_whose_text_search_reads_otherwise_is_marked(self):
        plain = _story("Ferry news", body="The \u201cferry\u201d left.")
        pasted = _story("Ferry news", body="The \ufb01nancial year.")
        assert Article.objects.get(pk=plain.pk).search_text_differs is False
        assert Article.objects.get(pk=pasted.pk).search_text_differs is True
        pasted.body = "The financial year."
        pasted.save()
        assert Article.objects.get(pk=pasted.pk).search_text_differs is False

    def test_saving_the_headline_alone_marks_it_too(self):
        story = _story("Ferry news")
        story.headline = "Ferry\u00adnews"
        story.save(update_fields=["headline"])
        assert Article.objects.get(pk=story.pk).search_text_differs is True
        story.headline = "Ferry news"
        story.save(update_fields=["status"])  # the text is not written: neither is the mark
        assert Article.objects.get(pk=story.pk).search_text_differs is True

    @pytest.mark.parametrize("written, typed", WRITTEN)
    def test_the_database_reads_text_as_python_does(self, written, typed):
        _story("Port news")
        expression = SearchText(Value(f"A {written}\u2026 x\u00b2", output_field=TextField()))
        read = Article.objects.annotate(read=expression).values_list("read", flat=True)[0]
        assert read == search_text(f"A {written}\u2026 x\u00b2") == f"A {typed}... x2"

    @pytest.mark.postgresql
    def test_the_vector_holds_the_text_as_searched(self):
        story = _story("Zwsp\u200bword", body="The \ufb01nancial year in Ca\u0301diz.")
        vector = Article.objects.values_list("search_vector", flat=True).get(pk=story.pk)
        assert "'zwspword':1A" in vector and "'financi':" in vector and "'c\u00e1diz':" in vector


class TestMigration:
    def _migrate(self):
        migration = importlib.import_module("articles.migrations.0023_search_text")
        with CaptureQueriesContext(connection) as queries:
            # What it asks of its schema editor: the connection.
            migration.mark_stories(django_apps, SimpleNamespace(connection=connection))
        return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]

    def test_it_marks_the_stories_whose_text_search_reads_otherwise(self, client, engine):
        ligature = _story("Port news", body="The \ufb01nancial year.", hours_ago=1)
        hyphen = _story("Soft\u00adhyphen", hours_ago=2)
        plain = _story("Market news", body="The financial year.", hours_ago=3)
        # As stored before: no mark, and the vectors made from the text as stored.
        Article.objects.update(search_text_differs=False)
        if connection.vendor == "postgresql":
            migration = importlib.import_module(
                "articles.migrations.0020_strip_control_characters")
            for story in (ligature, hyphen, plain):
                Article.objects.filter(pk=story.pk).update(
                    search_vector=migration._search_vector(story))
        assert sorted(_found(client, "financial")) == ["Market news"]
        assert len(self._migrate()) == 1  # one batch
        marked = set(Article.objects.filter(search_text_differs=True).values_list("pk",
                                                                                 flat=True))
        assert marked == {ligature.pk, hyphen.pk}
        assert sorted(_found(client, "financial")) == ["Market news", "Port news"]
        assert _found(client, "softhyphen") == ["Soft\u00adhyphen"]

    def test_it_writes_nothing_when_every_story_reads_as_stored(self):
        _story("Market news", body="The financial year.")
        assert len(self._migrate()) == 1
        assert not Article.objects.filter(search_text_differs=True).exists()


class TestResultsLookLikeCards:
    def test_headline_snippet_byline_and_query_as_the_shared_card_shows_them(self, client):
        author = AuthorFactory(name="\u0633\u0627\u0631\u0627 \u0627\u062d\u0645\u062f\u06cc")
        _story('Council says "no" to the ferry', body="The ferry stays.", author=author)
        _story("\u0645\u0631\u062f\u0645 \u0641\u0631\u06cc \u0645\u06cc\u200c\u062e\u0648"
               "\u0627\u0647\u0646\u062f", body="ferry", hours_ago=2)
        text = _get(client, "ferry").content.decode()
        assert "Council says \u201cno\u201d to the ferry</a></h3>" in text
        assert text.count('<h3 class="card-headline" dir="auto">') == 2
        assert text.count('<p class="search-snippet" dir="auto">') == 2
        assert f"<bdi>{author.name}</bdi>" in text
        assert "2 results for \u201c<bdi>ferry</bdi>\u201d" in text

    def test_a_right_to_left_query_is_echoed_in_its_own_direction(self, client):
        query = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
        text = _get(client, query).content.decode()
        assert f"0 results for \u201c<bdi>{search.clean_query(query)[0]}</bdi>\u201d" in text


class TestCanonical:
    def test_every_page_of_a_search_names_the_search_page(self, client):
        for i in range(23):
            _story(f"Harbour story {i:02d}", hours_ago=i + 1)
        for params in ({"q": "harbour"}, {"q": "harbour", "page": "2"}):
            page = parse_html(client.get("/search/", params))
            assert page.link("canonical") == f"{SITE}/search/"
            assert page.meta["og:url"] == f"{SITE}/search/"


class TestOneLetterAndCommonWords:
    def test_a_single_letter_matches_itself_not_the_words_it_begins(self, client, engine):
        _story("R&D budget grows", body="More for research.", hours_ago=1)
        _story("Roads and Dams", body="Rain delays the works.", hours_ago=2)
        _story("Dan reads the news", hours_ago=3)
        assert _found(client, "R&D") == ["R&D budget grows"]
        assert _found(client, "d") == ["R&D budget grows"]
        assert _found(client, "r d") == ["R&D budget grows"]
        if engine == "fallback" or connection.vendor == "sqlite":
            # The fallback still matches longer words from their start.
            assert _found(client, "Da") == ["Roads and Dams", "Dan reads the news"]

    def test_a_single_letter_is_marked_alone(self, client, engine):
        _story("Budget", body="Spending on R&D rose; Dan said so.")
        [article] = _get(client, "R&D").context["articles"]
        snippet = str(article.snippet)
        assert "<mark>D</mark>" in snippet and "<mark>D</mark>an" not in snippet

    @pytest.mark.parametrize("query", ["the", "The", "the or a", "-the", '"of the"'])
    def test_common_words_alone_are_said_not_searched(self, client, engine, query):
        _story("The ferry", body="The boat.")
        with CaptureQueriesContext(connection) as empty_form:
            client.get("/search/")
        with CaptureQueriesContext(connection) as searched:
            response = _get(client, query)
        text = response.content.decode()
        word = search._LETTERS.findall(query)[0]
        assert (f"Very common words such as \u201c<bdi>{word}</bdi>\u201d are not searched; "
                f"add a more specific word.") in text
        assert "results for" not in text and "Try fewer or different words" not in text
        assert f'value="{query.replace(chr(34), "&quot;")}"' in text  # the box keeps it
        # Nothing was searched: the page asks what the empty form asks.
        assert len(searched.captured_queries) == len(empty_form.captured_queries)

    def test_punctuation_alone_is_said_not_searched(self, client, engine):
        text = _get(client, "!!! ???").content.decode()
        assert "Punctuation and symbols alone are not searched; add a word." in text
        assert 'value="!!! ???"' in text and "results for" not in text

    def test_a_common_word_beside_another_searches_the_other(self, client, engine):
        _story("The ferry", body="The boat.")
        response = _get(client, "the ferry")
        assert [a.headline for a in response.context["articles"]] == ["The ferry"]
        assert "Very common words" not in response.content.decode()
