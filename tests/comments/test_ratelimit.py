import subprocess
import sys
import textwrap

import pytest
import time_machine

from comments import ratelimit
from comments.models import BiasReport, Comment
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = 1_800_000_000  # a fixed instant, whole hour


@pytest.fixture
def article():
    return ArticleFactory(slug="harbour")


@pytest.fixture
def reader():
    return UserFactory()


def test_one_comment_per_ten_seconds(client, article, reader):
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(reader)  # sessions are dated: sign in at the pinned time
        assert client.post("/articles/harbour/comments/", {"body": "first"}).status_code == 303
        clock.shift(4)
        response = client.post("/articles/harbour/comments/", {"body": "second, too soon"})
        assert response.status_code == 429
        assert response["Retry-After"] == "6"
        html = response.content.decode()
        assert "You can post again in 6 seconds" in html
        assert "second, too soon" in html  # the typed text is kept
        clock.shift(6)
        assert client.post("/articles/harbour/comments/",
                           {"body": "second, later"}).status_code == 303
    assert Comment.objects.count() == 2


def test_twenty_comments_an_hour(client, article, reader):
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(reader)
        for i in range(20):
            assert client.post("/articles/harbour/comments/",
                               {"body": f"comment {i}"}).status_code == 303
            clock.shift(11)
        response = client.post("/articles/harbour/comments/", {"body": "twenty-first"})
        assert response.status_code == 429
        assert int(response["Retry-After"]) == 3600 - 20 * 11
        assert "minutes" in response.content.decode()
    assert Comment.objects.count() == 20


def test_refused_content_does_not_use_the_allowance(client, article, reader):
    with time_machine.travel(T0, tick=False):
        client.force_login(reader)
        assert client.post("/articles/harbour/comments/", {"body": "x" * 251}).status_code == 400
        assert client.post("/articles/harbour/comments/", {"body": "  "}).status_code == 400
        assert client.post("/articles/harbour/comments/", {"body": "fine"}).status_code == 303


def test_limits_are_per_reader(client, article, reader):
    with time_machine.travel(T0, tick=False):
        client.force_login(reader)
        client.post("/articles/harbour/comments/", {"body": "mine"})
        client.force_login(UserFactory())
        assert client.post("/articles/harbour/comments/", {"body": "theirs"}).status_code == 303


def test_five_bias_reports_an_hour_per_address(client, article):
    with time_machine.travel(T0, tick=False):
        for i in range(5):
            response = client.post("/articles/harbour/report-bias/",
                                   {"reason": "other", "details": f"problem {i}"})
            assert response.status_code == 303
        response = client.post("/articles/harbour/report-bias/",
                               {"reason": "other", "details": "problem six"})
        assert response.status_code == 429
        assert response["Retry-After"] == "3600"
        assert "problem six" in response.content.decode()
        other = client.post("/articles/harbour/report-bias/",
                            {"reason": "other", "details": "from elsewhere"},
                            REMOTE_ADDR="203.0.113.9")
        assert other.status_code == 303
    assert BiasReport.objects.count() == 6


def test_limits_hold_across_two_processes_sharing_the_cache(settings, tmp_path):
    """Another process uses the allowance; this one is then refused."""
    location = tmp_path / "shared-cache"
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(location)}}
    script = textwrap.dedent(f"""
        import django, os
        os.environ["DJANGO_SETTINGS_MODULE"] = "evadaily.settings"
        os.environ.setdefault("SECRET_KEY", "test-only")
        os.environ["CACHE_URL"] = "filecache://{location}"
        django.setup()
        from comments import ratelimit
        print(ratelimit.acquire(ratelimit.COMMENT_LIMITS, "reader:42"))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=settings.BASE_DIR, timeout=60)
    assert out.stdout.strip() == "0"
    assert 1 <= ratelimit.acquire(ratelimit.COMMENT_LIMITS, "reader:42") <= 10
    assert ratelimit.acquire(ratelimit.COMMENT_LIMITS, "reader:43") == 0


def test_acquire_gives_back_what_it_took_when_another_limit_refuses():
    limits = (ratelimit.Limit("a", 1, 10), ratelimit.Limit("b", 2, 3600))
    with time_machine.travel(T0, tick=False) as clock:
        assert ratelimit.acquire(limits, "x") == 0
        clock.shift(11)
        assert ratelimit.acquire(limits, "x") == 0
        clock.shift(11)
        assert ratelimit.acquire(limits, "x") > 10  # hourly limit reached
        # The one-per-ten-seconds marker was given back: only the hour blocks.
        assert ratelimit.acquire((limits[0],), "x") == 0


def test_the_wait_never_exceeds_the_period_when_another_clock_is_ahead():
    # Two requests at once: the one whose clock read later stored the marker.
    # Found by tests/integration/test_concurrency.py (Retry-After: 11).
    assert ratelimit.acquire(ratelimit.COMMENT_LIMITS, "x", now=T0 + 0.4) == 0
    assert ratelimit.acquire(ratelimit.COMMENT_LIMITS, "x", now=T0) == 10


def test_addresses_are_stored_as_keyed_hashes(client, article):
    client.post("/articles/harbour/report-bias/", {"reason": "other", "details": "d"},
                REMOTE_ADDR="198.51.100.7")
    report = BiasReport.objects.get()
    assert "198.51.100.7" not in report.reporter_fingerprint
    assert report.reporter_fingerprint == ratelimit.fingerprint("198.51.100.7")
    assert len(report.reporter_fingerprint) == 64
