"""QA round 9, the contract (DESIGN.md) off the happy path: configuration read as written,
words counted at block edges, credits, chart titles and tag addresses as readers write them."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from taggit.models import Tag

from articles.models import Article
from core import env as read
from core.text import count_words, estimate_reading_minutes
from standards.charts import Series, bar_chart, column_chart
from tests.factories import ArticleFactory
from tests.security.test_deploy import manage
from tests.test_settings_qa_round import REFUSED, _settings

# Configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [",", " , ", ",,"])
def test_allowed_hosts_of_commas_alone_is_the_default_not_no_host(monkeypatch, value):
    monkeypatch.setenv("ALLOWED_HOSTS", value)
    assert read.hosts("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"]) == [
        "localhost", "127.0.0.1"]


def test_allowed_hosts_with_a_space_inside_a_host_is_refused(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "news.example.org, a.example b.example")
    with pytest.raises(ImproperlyConfigured, match=r"^ALLOWED_HOSTS: 'a.example b.example' is "
                                                   r"not a host name \(the hosts are separated "
                                                   r"by commas\)\.$"):
        read.hosts("ALLOWED_HOSTS", default=[])
    monkeypatch.setenv("ALLOWED_HOSTS", " news.example.org ,.example.net")
    assert read.hosts("ALLOWED_HOSTS", default=[]) == ["news.example.org", ".example.net"]


@pytest.mark.parametrize("value", ["localtime", "posixrules", "Factory", "posix/Europe/Berlin",
                                   "right/UTC"])
def test_a_zone_file_that_is_no_zone_is_refused(monkeypatch, value):
    monkeypatch.setenv("TIME_ZONE", value)
    with pytest.raises(ImproperlyConfigured, match=rf"^TIME_ZONE: '{value}' is not a time zone"):
        read.time_zone("TIME_ZONE", default="UTC")


@pytest.mark.parametrize("value", ["Etc/UTC", "America/Argentina/Buenos_Aires", "Asia/Tokyo"])
def test_real_zones_are_still_taken(monkeypatch, value):
    monkeypatch.setenv("TIME_ZONE", value)
    assert read.time_zone("TIME_ZONE", default="UTC") == value


@pytest.mark.parametrize(("value", "shown", "why"), [
    ("notaurl", "notaurl", "not an http:// or https:// URL"),
    ("http://10.0.0.5:6081/, 10.0.0.6:6081", "10.0.0.6:6081", "not an http:// or https:// URL"),
    ("http://10.0.0.7:608100/", "http://10.0.0.7:608100/", "Port out of range 0-65535"),
])
def test_an_edge_address_that_is_none_stops_start_up(tmp_path, value, shown, why):
    result = manage("check", tmp_path=tmp_path, EDGE_PURGE_URLS=value)
    assert result.returncode != 0
    assert result.stderr.strip() == (
        f"{REFUSED}EDGE_PURGE_URLS: {shown!r} is not an address such as "
        f"http://10.0.0.5:6081/ ({why}).")


def test_edge_addresses_are_read_as_a_list(monkeypatch):
    monkeypatch.setenv("EDGE_PURGE_URLS", "http://10.0.0.5:6081/, https://edge.example/ ,")
    assert read.http_addresses("EDGE_PURGE_URLS") == [
        "http://10.0.0.5:6081/", "https://edge.example/"]
    monkeypatch.setenv("EDGE_PURGE_URLS", "")
    assert read.http_addresses("EDGE_PURGE_URLS") == []


def test_a_relative_file_cache_is_in_the_project_folder_wherever_a_command_starts(tmp_path):
    values = _settings(tmp_path, ["CACHES", "BASE_DIR"], CACHE_URL="filecache://.cache/pages")
    base = values["BASE_DIR"]
    assert values["CACHES"]["default"]["LOCATION"] == f"{base}/.cache/pages"
    assert values["CACHES"]["security"]["LOCATION"] == f"{base}/.cache/pages-security"
    absolute = _settings(tmp_path, ["CACHES"], CACHE_URL=f"filecache://{tmp_path}/c")
    assert absolute["CACHES"]["default"]["LOCATION"] == f"{tmp_path}/c"


def test_email_goes_to_the_console_when_developing_and_to_the_machine_in_production(
        tmp_path):
    # As README says: DESIGN.md's console, but not where Django's deploy check refuses it.
    production = _settings(tmp_path, ["MAILERS"], EMAIL_URL="")["MAILERS"]["default"]
    assert production["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (production["OPTIONS"]["host"], production["OPTIONS"]["port"]) == ("localhost", 25)
    developing = _settings(tmp_path, ["MAILERS"], EMAIL_URL="", DEBUG="True")
    assert developing["MAILERS"]["default"]["BACKEND"] == (
        "django.core.mail.backends.console.EmailBackend")


# Words, credits, charts -------------------------------------------------------------------


@pytest.mark.parametrize(("html", "words"), [
    ("<p>one</p><p>two</p>", 2),
    ("<p>one<br>two</p>", 2),
    ("<p>one<br/>two<BR />three</p>", 3),
    ("one&nbsp;two", 2),
    ("<ul><li>one</li><li>two</li></ul><h2>three</h2><blockquote><p>four</p></blockquote>", 4),
    ("<table><tr><td>one</td><td>two</td></tr></table>", 2),
    ("<p><em>un</em>sure and <a href=\"/x\">linked</a>.</p>", 3),
    ("<p>x &amp; y</p>\n<p>z</p>", 4),
])
def test_words_end_where_blocks_and_lines_end(html, words):
    assert count_words(html) == words


def test_a_story_of_hand_written_paragraphs_is_timed_by_all_its_words():
    html = "".join(f"<p>{'word ' * 99}last</p>" for _ in range(4))  # 400 words, no newlines
    assert estimate_reading_minutes(html) == 2


@pytest.mark.parametrize(("illustration", "credit"), [
    (False, "Photo: AI-generated image"), (True, "Illustration: AI-generated image")])
def test_an_ai_image_with_no_other_credit_says_so_plainly(illustration, credit):
    article = Article(image_is_ai_generated=True, image_is_illustration=illustration)
    assert article.image_credit == credit


SERIES = [Series("correction", "Corrections", "chart-s4", one="Correction"),
          Series("note", "Editor's notes", "chart-s1", one="Editor's note"),
          Series("upheld", "Upheld", "chart-s2")]


def test_chart_titles_say_one_correction_not_one_corrections():
    columns = [("Dec", "2026", "December 2026", {"correction": 1, "note": 2, "upheld": 1}),
               ("Nov", "", "November 2026", {"correction": 2, "note": 1, "upheld": 0})]
    titles = [bar["title"] for bar in column_chart("c", "t", columns, SERIES)["bars"]]
    assert titles == ["December 2026: 1 correction, 2 editor's notes, 1 upheld",
                      "November 2026: 2 corrections, 1 editor's note, 0 upheld"]
    rows = [("Politics", {"correction": 1, "note": 0, "upheld": 3})]
    assert bar_chart("b", "t", rows, SERIES)["bars"][0]["title"] == (
        "Politics: 1 correction, 0 editor's notes, 3 upheld")


# Tag addresses ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_tag_address_with_a_combining_accent_leads_to_the_tag(client):
    story = ArticleFactory()
    story.tags.add("café")
    slug = Tag.objects.get(name="café").slug
    assert slug == "café"
    assert client.get("/tags/caf%C3%A9/").status_code == 200
    # "e" and U+0301, as some keyboards and macOS file names write it.
    response = client.get("/tags/cafe%CC%81/")
    assert response.status_code == 301 and response["Location"] == "/tags/caf%C3%A9/"
    assert client.get("/tags/CAFE%CC%81/?page=1")["Location"] == "/tags/caf%C3%A9/?page=1"


@pytest.mark.parametrize(("value", "why"), [
    ("http://h:6081/ http://g:6081/", "a space inside: the addresses are separated by commas"),
    ("http://[fe80::1/", "Invalid IPv6 URL"),
])
def test_an_edge_address_list_with_a_comma_forgotten_or_a_broken_address_is_named(
        monkeypatch, value, why):
    monkeypatch.setenv("EDGE_PURGE_URLS", value)
    with pytest.raises(ImproperlyConfigured, match=rf"^EDGE_PURGE_URLS: .* \({re.escape(why)}"):
        read.http_addresses("EDGE_PURGE_URLS")
