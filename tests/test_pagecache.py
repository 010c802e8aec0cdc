import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import signing
from django.core.cache import cache

from articles.models import Article
from core import pagecache
from pages.models import Page
from tests.factories import (ArticleFactory, AuthorFactory, CorrectionFactory,
                             SectionFactory, UserFactory)
from tests.redis_dbs import redis_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=dt_timezone.utc)


@pytest.fixture
def story():
    section = SectionFactory(name="World", slug="world")
    return ArticleFactory(headline="Original headline", slug="harbour", section=section,
                          author=AuthorFactory(name="Ines Duarte", slug="ines"),
                          tags=["ports"], published_at=NOW - timedelta(hours=1))


PUBLIC_URLS = ["/", "/articles/", "/articles/harbour/", "/sections/world/", "/tags/ports/",
               "/authors/", "/authors/ines/", "/feeds/latest/", "/feeds/latest/atom/",
               "/sitemap.xml", "/sitemap-news.xml", "/robots.txt", "/corrections/"]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_second_anonymous_request_is_a_hit_with_no_queries(client, story, url,
                                                           django_assert_num_queries):
    first = client.get(url)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert not second.cookies  # no session was touched


@time_machine.travel(NOW, tick=False)
def test_public_pages_say_public_with_lifetimes_and_an_etag(client, story):
    for response in (client.get("/articles/harbour/"), client.get("/articles/harbour/")):
        control = response["Cache-Control"]
        assert "public" in control and "max-age=60" in control
        assert "s-maxage=600" in control and "stale-while-revalidate=30" in control
        assert response["ETag"].startswith('"')


@time_machine.travel(NOW, tick=False)
def test_conditional_requests_get_304(client, story):
    etag = client.get("/articles/harbour/")["ETag"]
    hit = client.get("/articles/harbour/", HTTP_IF_NONE_MATCH=etag)
    assert hit.status_code == 304 and hit.content == b""
    pagecache._local.clear()
    cache.clear()
    miss = client.get("/articles/harbour/", HTTP_IF_NONE_MATCH=etag)
    assert miss.status_code == 304 and miss["X-Page-Cache"] == "miss"
    other = client.get("/articles/harbour/", HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200


@time_machine.travel(NOW, tick=False)
def test_signed_in_readers_and_staff_bypass_the_cache(client, story):
    client.get("/articles/harbour/")
    client.force_login(UserFactory(username="ana"))
    response = client.get("/articles/harbour/")
    assert "X-Page-Cache" not in response
    assert "Signed in as <strong>ana</strong>" in response.content.decode()
    # Not even the browser keeps it: Back after signing out brought it back.
    assert response["Cache-Control"] == "private, no-cache, no-store"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("cookie", [{"sessionid": "x"}, {"sessionid": "a1b2" * 8},
                                    {"sessionid": "../%00"}, {"messages": "forged:sig"}])
def test_a_cookie_with_nothing_behind_it_does_not_turn_the_cache_off(client, story, cookie):
    """Anyone may send `sessionid=x`: each such request was rendered anew (17 times the
    cost of a hit), and its answer, which deleted the cookie, was never kept."""
    client.get("/articles/harbour/")
    client.cookies.load(cookie)
    assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"
    first = client.get("/authors/ines/")  # a page no one has kept yet
    assert first["X-Page-Cache"] == "miss" and not first.cookies
    assert client.get("/authors/ines/")["X-Page-Cache"] == "hit"


@time_machine.travel(NOW, tick=False)
def test_a_pending_message_still_turns_the_cache_off(client, story):
    client.get("/articles/harbour/")
    client.cookies["messages"] = signing.get_cookie_signer(
        salt=CookieStorage.key_salt).sign("[]")
    response = client.get("/articles/harbour/")
    assert "X-Page-Cache" not in response and "private" in response["Cache-Control"]


@time_machine.travel(NOW, tick=False)
def test_personal_pages_are_private(client, story):
    for url in ("/articles/harbour/report-bias/", "/accounts/login/", "/search/?q=harbour"):
        response = client.get(url)
        assert "public" not in response["Cache-Control"], url
        assert "X-Page-Cache" not in response, url


def test_the_comments_block_is_shared_by_anonymous_readers_only(client, story):
    for url in ("/articles/harbour/comments/", "/articles/harbour/comments/?partial=1"):
        assert client.get(url)["X-Page-Cache"] == "miss"
        assert client.get(url)["X-Page-Cache"] == "hit"
    client.force_login(UserFactory(username="ana"))
    response = client.get("/articles/harbour/comments/?partial=1")
    assert "X-Page-Cache" not in response and "private" in response["Cache-Control"]
    assert "comment-form" in response.content.decode()  # the reader's own form, with a token


def _edit_headline(story):
    story.headline = "Edited headline"
    story.save()


def _unpublish(story):
    story.status = Article.Status.DRAFT
    story.save()


def _schedule(story):
    story.published_at = NOW + timedelta(days=1)
    story.save()


def _correct(story):
    CorrectionFactory(article=story, text="A brand new correction.")


def _rename_author(story):
    story.author.name = "Ines Duarte-Silva"
    story.author.save()


def _rename_section(story):
    story.section.name = "Worldwide"
    story.section.save()


def _retag(story):
    story.tags.add("Fresh tag")


def _rewrite_about_page(story):
    page = Page.objects.get(slug="about")
    page.body = "A rewritten about page."
    page.save()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("change", "url", "expected", "gone"), [
    (_edit_headline, "/articles/", "Edited headline", "Original headline"),
    (_edit_headline, "/feeds/latest/", "Edited headline", "Original headline"),
    (_unpublish, "/", None, "Original headline"),
    (_schedule, "/sections/world/", None, "Original headline"),
    (_correct, "/articles/harbour/", "A brand new correction.", None),
    (_correct, "/corrections/", "A brand new correction.", None),
    (_rename_author, "/authors/", "Ines Duarte-Silva", None),
    (_rename_section, "/", "Worldwide", None),
    (_retag, "/articles/harbour/", "Fresh tag", None),
    (_rewrite_about_page, "/about/", "A rewritten about page.", None),
])
def test_changes_show_at_once(client, story, change, url, expected, gone):
    before = client.get(url).content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"
    change(story)
    after = client.get(url)
    page = after.content.decode()
    assert page != before
    if expected:
        assert expected in page
    if gone:
        assert gone not in page


def test_publishing_a_new_story_shows_on_the_front_page(client, story):
    with time_machine.travel(NOW, tick=False):
        client.get("/")
        ArticleFactory(headline="Breaking: ferry returns", published_at=NOW)
        assert "Breaking: ferry returns" in client.get("/").content.decode()


def test_a_scheduled_story_appears_on_time_with_no_write(client, story, settings):
    settings.EDGE_CACHE_TAGS = True
    ArticleFactory(headline="Embargoed until noon", slug="embargo",
                   published_at=NOW + timedelta(minutes=5), section=story.section)
    with time_machine.travel(NOW, tick=False) as clock:
        first = client.get("/")
        assert "Embargoed until noon" not in first.content.decode()
        # Readers learn nothing of the schedule; the edge keeps it only until then.
        assert "s-maxage=600" in first["Cache-Control"]
        assert first["Surrogate-Control"] == "max-age=300"
        assert client.get("/")["X-Page-Cache"] == "hit"
        clock.shift(timedelta(minutes=5))
        assert "Embargoed until noon" in client.get("/").content.decode()
        assert "Embargoed until noon" in client.get("/sections/world/").content.decode()


def test_pages_expire_at_midnight_in_time_zone(client, story, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    # 14:59:30 UTC is 23:59:30 in Tokyo: the masthead date changes in 30 s.
    with time_machine.travel(datetime(2026, 3, 10, 14, 59, 30, tzinfo=dt_timezone.utc),
                             tick=False) as clock:
        response = client.get("/articles/")
        assert "s-maxage=30" in response["Cache-Control"]
        assert "Tuesday, March 10, 2026" in response.content.decode()
        clock.shift(timedelta(seconds=31))
        assert "Wednesday, March 11, 2026" in client.get("/articles/").content.decode()


def test_the_per_process_layer_answers_without_the_shared_entry(client, story, settings):
    # Some seconds after the story was saved, as pages are rendered.
    with time_machine.travel(datetime.now(tz=dt_timezone.utc) + timedelta(seconds=5),
                             tick=False):
        client.get("/articles/harbour/")
        # Drop the shared entry but keep the stamps: this process still answers.
        for key in list(pagecache._local):
            cache.delete(key)
        assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"
        # Another count of changes, and nothing the page shows changed: still current.
        cache.incr(pagecache.CHANGES_KEY)
        assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"
        # Another server stamps the story in the shared cache: the local copy is not used.
        pagecache._stamp(frozenset({f"story-{story.pk}"}), takedown=False)
        assert client.get("/articles/harbour/")["X-Page-Cache"] == "miss"


@time_machine.travel(NOW, tick=False)
def test_previews_are_never_cached(client, story, django_user_model):
    from django.contrib.auth.models import Group

    ArticleFactory(slug="draft-story", draft=True)
    editor = django_user_model.objects.create_user("ed", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    response = client.get("/articles/draft-story/")
    assert "no-store" in response["Cache-Control"]
    client.logout()
    assert client.get("/articles/draft-story/").status_code == 404


def test_a_bump_in_another_process_invalidates_here(client, story, settings, tmp_path):
    location = tmp_path / "shared"
    settings.CACHES = {"default": {"BACKEND": "core.file_cache.FileCache",  # as the site has it
                                   "LOCATION": str(location)}}
    client.get("/articles/")
    assert client.get("/articles/")["X-Page-Cache"] == "hit"
    _changed_in_another_process(f"filecache://{location}", f"story-{story.pk}", settings)
    assert client.get("/articles/")["X-Page-Cache"] == "miss"


def _changed_in_another_process(cache_url, tag, settings):
    script = textwrap.dedent(f"""
        import django, os
        os.environ["DJANGO_SETTINGS_MODULE"] = "evadaily.settings"
        os.environ.setdefault("SECRET_KEY", "test-only")
        os.environ["CACHE_URL"] = "{cache_url}"
        django.setup()
        from core.pagecache import changed
        changed({{"{tag}"}})
    """)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=settings.BASE_DIR,
                   timeout=60, capture_output=True)


@time_machine.travel(NOW, tick=False)
def test_signed_in_readers_get_the_story_from_shared_fragments(client, story,
                                                               django_assert_num_queries):
    client.force_login(UserFactory(username="ana"))
    first = client.get("/articles/harbour/").content.decode()
    with django_assert_num_queries(1):  # the reader; session and story come from the cache
        second = client.get("/articles/harbour/").content.decode()
    assert second[second.index("<main"):] == first[first.index("<main"):]
    assert "Signed in as <strong>ana</strong>" in second and "Original headline" in second
    client.force_login(UserFactory(username="ben"))
    assert "Signed in as <strong>ben</strong>" in client.get("/articles/harbour/").content.decode()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("change", "expected", "gone"), [
    (_edit_headline, "Edited headline", "Original headline"),
    (_correct, "A brand new correction.", None),
    (_rename_author, "Ines Duarte-Silva", None),
    (_rename_section, "Worldwide", None),
    (_retag, "Fresh tag", None),
])
def test_changes_show_at_once_to_signed_in_readers(client, story, change, expected, gone):
    client.force_login(UserFactory(username="ana"))
    before = client.get("/articles/harbour/").content.decode()
    change(story)
    page = client.get("/articles/harbour/").content.decode()
    assert page != before and expected in page
    if gone:
        assert gone not in page


@time_machine.travel(NOW, tick=False)
def test_an_unpublished_story_is_gone_for_signed_in_readers(client, story):
    client.force_login(UserFactory(username="ana"))
    assert client.get("/articles/harbour/").status_code == 200
    _unpublish(story)
    assert client.get("/articles/harbour/").status_code == 404


def test_a_scheduled_related_story_appears_on_time_for_signed_in_readers(client, story):
    ArticleFactory(headline="Embargoed port story", slug="embargo", tags=["ports"],
                   published_at=NOW + timedelta(minutes=5), section=story.section)
    client.force_login(UserFactory(username="ana"))
    with time_machine.travel(NOW, tick=False) as clock:
        assert "Embargoed port story" not in client.get("/articles/harbour/").content.decode()
        assert client.get("/articles/embargo/").status_code == 404
        clock.shift(timedelta(minutes=5))
        assert "Embargoed port story" in client.get("/articles/harbour/").content.decode()
        assert client.get("/articles/embargo/").status_code == 200


@time_machine.travel(NOW, tick=False)
def test_a_preview_is_not_kept_in_the_cache(client, story, django_user_model):
    from django.contrib.auth.models import Group

    ArticleFactory(slug="draft-story", headline="Secret draft headline", draft=True)
    editor = django_user_model.objects.create_user("ed", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    for _ in range(2):
        assert "Secret draft headline" in client.get("/articles/draft-story/").content.decode()
    kept = repr([cache.get(key) for key in pagecache._local]) + repr(list(pagecache._local.values()))
    assert "Secret draft headline" not in kept


@time_machine.travel(NOW, tick=False)
def test_the_per_process_layer_keeps_what_is_used_most_recently(rf, settings, monkeypatch):
    monkeypatch.setattr(pagecache, "LOCAL_ENTRIES", 3)
    request = rf.get("/")
    renders = []

    def fragment(name):
        return pagecache.cached_fragment(request, name, lambda: renders.append(name) or name)

    for name in ("nav", "a", "b"):
        fragment(name)
    fragment("nav")  # used again: now the most recent
    fragment("c")  # evicts "a", the least recently used
    cache.clear()
    fragment("nav")
    fragment("a")
    assert renders == ["nav", "a", "b", "c", "a"]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("first, second", [
    ("/robots.txt", "/robots.txt?z=a-query-string-never-sent-before"),
    ("/articles/harbour/?utm_source=newsletter", "/articles/harbour/?ref=1&ref=2"),
    ("/feeds/latest/?a=1", "/feeds/latest/?b=2"),
    ("/articles/?page=1", "/articles/?page=1&z=junk"),
    ("/articles/?page=1", "/articles/?page=01"),  # the same page, as the view reads it
    ("/sitemap-articles.xml?p=1", "/sitemap-articles.xml?p=1&z=junk"),
])
def test_query_parameters_the_view_ignores_store_no_second_page(client, story, first, second):
    assert client.get(first)["X-Page-Cache"] == "miss"
    shared = set(pagecache._local)
    response = client.get(second)
    assert response.status_code == 200 and response["X-Page-Cache"] == "hit"
    assert set(pagecache._local) == shared


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("value", ["01", "yes", "1 ", "2"])
def test_a_flag_is_on_as_1_alone_for_the_key_and_the_view_alike(client, story, value):
    """?partial=01 was keyed as ?partial=1 but rendered as the whole page, which every
    reader paging the comments was then served in place of the block; and each other
    value stored one more copy of the page."""
    block_url = "/articles/harbour/comments/?partial=1"
    odd = client.get(f"/articles/harbour/comments/?partial={value}")
    assert odd.status_code == 200 and odd["X-Page-Cache"] == "miss"
    assert odd.content.startswith(b"<!doctype html>")  # the whole page, as without it
    whole = client.get("/articles/harbour/comments/")
    assert whole["X-Page-Cache"] == "hit" and whole.content == odd.content
    block = client.get(block_url)
    assert block["X-Page-Cache"] == "miss"
    assert not block.content.startswith(b"<!doctype html>")
    assert client.get(block_url).content == block.content


@time_machine.travel(NOW, tick=False)
def test_the_parameters_a_view_reads_are_part_of_the_key(client, story):
    for n in range(20):
        ArticleFactory(section=story.section, published_at=NOW - timedelta(days=1, hours=n))
    first, second = client.get("/articles/?page=1"), client.get("/articles/?page=2")
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "miss")
    assert first.content != second.content
    assert client.get("/articles/?page=2&z=1")["X-Page-Cache"] == "hit"
    assert client.get("/articles/?page=3").status_code == 404


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("url", ["/articles/", "/sections/world/", "/tags/ports/",
                                 "/authors/ines/"])
def test_a_kept_page_shows_nothing_of_the_parameters_it_is_not_kept_under(client, story, url):
    """Its links once copied the whole query string: the first visitor's
    ?utm_source=... went into the copy every other reader was served."""
    for n in range(20):
        ArticleFactory(section=story.section, author=story.author, tags=["ports"],
                       published_at=NOW - timedelta(days=1, hours=n))
    planted = client.get(url + "?utm_source=attacker&ref=spam-site")
    assert planted["X-Page-Cache"] == "miss"
    assert b'href="?page=2"' in planted.content
    served = client.get(url)
    assert served["X-Page-Cache"] == "hit"
    assert b"attacker" not in served.content and b"spam-site" not in served.content
    assert b'href="?page=2"' in served.content
    # Page 2 keeps its own parameter, the only one it is kept under.
    second = client.get(url + "?page=2&utm_source=attacker").content
    assert b"attacker" not in second and b'href="?page=1"' in second


@time_machine.travel(NOW, tick=False)
def test_the_port_in_the_host_header_stores_no_second_page(client, story):
    assert client.get("/articles/harbour/")["X-Page-Cache"] == "miss"
    response = client.get("/articles/harbour/", HTTP_HOST="testserver:8123")
    assert response.status_code == 200 and response["X-Page-Cache"] == "hit"


def test_entries_from_before_a_lost_count_of_changes_are_never_served(client, story):
    """Redis undoes writes it lost in an outage (core/redis_cache.py): the count among them.

    A change's stamps may have been lost with it, so nothing stored before is trusted.
    """
    with time_machine.travel(datetime.now(tz=dt_timezone.utc) + timedelta(seconds=5),
                             tick=False):
        client.get("/articles/harbour/")
        assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"
        cache.delete(pagecache.CHANGES_KEY)
        assert client.get("/articles/harbour/")["X-Page-Cache"] == "miss"
        assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"


@time_machine.travel(NOW, tick=False)
def test_on_redis_a_hit_makes_no_round_trip_and_a_change_elsewhere_shows_at_once(
        client, story, settings, monkeypatch):
    """The count of changes is watched (core.redis_cache._Watch): Redis pushes its changes."""
    import redis

    url = redis_url(1)
    settings.CACHES = {"default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": url}}
    cache.clear()
    client.get("/articles/harbour/")
    assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"
    sent = []
    send = redis.connection.Connection.send_packed_command
    monkeypatch.setattr(redis.connection.Connection, "send_packed_command",
                        lambda self, command, *a, **k: sent.append(command) or send(
                            self, command, *a, **k))
    for _ in range(5):
        assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"
    assert sent == []
    _changed_in_another_process(url, f"story-{story.pk}", settings)
    assert client.get("/articles/harbour/")["X-Page-Cache"] == "miss"
    cache.clear()


@pytest.fixture
def shared_reads(monkeypatch):
    """The keys this process reads from the shared cache with get_many, call by call."""
    from django.core.cache import caches

    backend = caches["default"]
    reads, real = [], backend.get_many
    monkeypatch.setattr(backend, "get_many",
                        lambda keys, *args, **kwargs: reads.append(list(keys)) or real(
                            keys, *args, **kwargs))
    return reads


def _stamp_reads(reads):
    return [key for keys in reads for key in keys if key.startswith(pagecache._soft_key(""))]


@time_machine.travel(NOW, tick=False)
def test_changes_to_other_things_are_judged_from_the_log_without_reading_stamps(
        client, story, shared_reads):
    client.get("/articles/harbour/")
    for n in range(3):  # a newsroom at work elsewhere
        pagecache.changed({f"story-{story.pk + 100 + n}"})
        assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"
    assert _stamp_reads(shared_reads) == []
    pagecache.changed({f"story-{story.pk}"})
    assert client.get("/articles/harbour/")["X-Page-Cache"] == "miss"


def test_without_the_log_the_stamps_judge_as_before(client, story, shared_reads):
    # Stamps are times: the fixture's own changes must be past (STAMP_MARGIN).
    with time_machine.travel(time.time() + 5, tick=False):
        client.get("/articles/harbour/")
        client.get("/tags/ports/")
        epoch, count = pagecache._read_counters()[0]
        pagecache.changed({"story-999999"})
        cache.delete(pagecache._log_key(epoch, count + 1))  # evicted
        assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"
        assert _stamp_reads(shared_reads)  # asked the tags instead
        pagecache.changed({f"story-{story.pk}"}, takedown=True)
        cache.delete(pagecache._log_key(epoch, count + 2))
        assert cache.add(f"{pagecache._key(_request('/tags/ports/'))}:rendering", 1, 10)
        # Another request renders it: after a takedown, never the previous copy meanwhile.
        assert client.get("/tags/ports/")["X-Page-Cache"] == "miss"


@time_machine.travel(NOW, tick=False)
def test_a_takedown_in_the_log_is_never_served_stale(client, story):
    client.get("/tags/ports/")
    pagecache.changed({f"story-{story.pk}"}, takedown=True)
    assert cache.add(f"{pagecache._key(_request('/tags/ports/'))}:rendering", 1, 10)
    # Another request is rendering it: a soft change would get the previous copy.
    assert client.get("/tags/ports/")["X-Page-Cache"] == "miss"


def _request(path):
    from django.test import RequestFactory

    request = RequestFactory().get(path)
    assert pagecache._public_view(request)
    return request


def test_routes_are_resolved_once_per_path_and_kept_bounded(monkeypatch):
    from django.urls.resolvers import URLResolver

    monkeypatch.setattr(pagecache, "ROUTES", 3)
    resolved, real = [], URLResolver.resolve
    monkeypatch.setattr(URLResolver, "resolve",
                        lambda self, path: resolved.append(path) or real(self, path))
    pagecache._routes.clear()
    assert pagecache._route("/articles/")[0] == "articles/"
    assert pagecache._route("/articles/")[0] == "articles/"
    assert pagecache._route("/no-such-page/") is None
    assert pagecache._route("/no-such-page/") is None
    top_level = [path for path in resolved if path.startswith("/")]
    assert top_level == ["/articles/", "/no-such-page/"]
    for n in range(5):  # made-up URLs never hold more than ROUTES paths
        pagecache._route(f"/made-up-{n}/")
    assert all(len(routes) <= 3 for routes in pagecache._routes.values())


def test_a_new_urlconf_is_resolved_afresh(settings):
    assert pagecache._route("/articles/")[0] == "articles/"
    settings.ROOT_URLCONF = "tests.urls_without_articles"
    assert pagecache._route("/articles/") is None
