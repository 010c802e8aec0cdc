import socket
import subprocess
import sys
import textwrap
import time

import pytest
import time_machine

from comments.models import Comment
from core import ratelimit
from standards.models import BiasReport
from tests.commenting import post_comment
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
        assert post_comment(client, "harbour", "first").status_code == 303
        clock.shift(4)
        response = post_comment(client, "harbour", "second, too soon")
        assert response.status_code == 429
        assert response["Retry-After"] == "6"
        html = response.content.decode()
        assert "You can post again in 6 seconds" in html
        assert "second, too soon" in html  # the typed text is kept
        assert Comment.objects.count() == 1
        clock.shift(6)
        assert post_comment(client, "harbour", "second, later").status_code == 303
    assert Comment.objects.count() == 2


def test_twenty_comments_an_hour(client, article, reader):
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(reader)
        for i in range(20):
            assert post_comment(client, "harbour", f"comment {i}").status_code == 303
            clock.shift(11)
        response = post_comment(client, "harbour", "twenty-first")
        assert response.status_code == 429
        # Counted in tenths of the hour: the first tenth leaves the hour at T0 + 3960.
        assert int(response["Retry-After"]) == 3960 - 20 * 11
        assert "minutes" in response.content.decode()
    assert Comment.objects.count() == 20


def test_refused_content_does_not_use_the_allowance(client, article, reader):
    with time_machine.travel(T0, tick=False):
        client.force_login(reader)
        assert post_comment(client, "harbour", "x" * 251).status_code == 400
        assert post_comment(client, "harbour", "  ").status_code == 400
        assert post_comment(client, "harbour", "fine").status_code == 303


def test_limits_are_per_reader(client, article, reader):
    with time_machine.travel(T0, tick=False):
        client.force_login(reader)
        post_comment(client, "harbour", "mine")
        client.force_login(UserFactory())
        assert post_comment(client, "harbour", "theirs").status_code == 303


def test_five_bias_reports_an_hour_per_address(client, article):
    with time_machine.travel(T0, tick=False):
        for i in range(5):
            response = client.post("/articles/harbour/report-bias/",
                                   {"reason": "other", "details": f"problem {i}"})
            assert response.status_code == 303
        response = client.post("/articles/harbour/report-bias/",
                               {"reason": "other", "details": "problem six"})
        assert response.status_code == 429
        assert response["Retry-After"] == "3960"  # an hour from the tenth they fell in
        assert "problem six" in response.content.decode()
        other = client.post("/articles/harbour/report-bias/",
                            {"reason": "other", "details": "from elsewhere"},
                            REMOTE_ADDR="203.0.113.9")
        assert other.status_code == 303
    assert BiasReport.objects.count() == 6


def _file_cache_env(tmp_path):
    """Production settings with the default file cache in tmp_path (settings.py picks the rest)."""
    return {"PATH": "/usr/bin:/bin", "SECRET_KEY": "test-only",
            "DJANGO_SETTINGS_MODULE": "evadaily.settings",
            "CACHE_URL": f"filecache://{tmp_path / 'cache'}"}


ACQUIRE = textwrap.dedent("""
    import django, sys, time
    django.setup()
    from core import ratelimit
    start = float(sys.argv[1])
    time.sleep(max(0, start - time.time()))
    print(ratelimit.acquire((ratelimit.Limit("burst", 1, 600),), "reader:42"),
          ratelimit.acquire((ratelimit.Limit("hourly", 3, 3600),), "reader:7"))
""")


def test_limits_hold_across_processes_acting_at_the_same_instant(settings, tmp_path):
    """Eight processes at once on the default file cache: one burst allowance, three hourly.

    The burst's window is ten minutes, not seconds: on a loaded machine the
    processes may take longer than a short window to get through, and the
    next window's allowance would be a second one.
    """
    env = _file_cache_env(tmp_path)
    start = str(time.time() + 3)  # after every process has started Django
    processes = [subprocess.Popen([sys.executable, "-c", ACQUIRE, start], env=env,
                                  cwd=settings.BASE_DIR, stdout=subprocess.PIPE, text=True)
                 for _ in range(8)]
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0
        results.append([int(wait) for wait in out.split()])
    assert sorted(burst == 0 for burst, _ in results).count(True) == 1, results
    assert sorted(hourly == 0 for _, hourly in results).count(True) == 3, results

    # This process, on the same store, is refused too; other readers are not.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
                       "security": {"BACKEND": "core.security_cache.SecurityFileCache",
                                    "LOCATION": f"{tmp_path / 'cache'}-security"}}
    assert 1 <= ratelimit.acquire((ratelimit.Limit("burst", 1, 600),), "reader:42") <= 600
    assert ratelimit.acquire((ratelimit.Limit("burst", 1, 600),), "reader:43") == 0


def test_the_hourly_count_keeps_its_hour_on_the_file_cache(settings, tmp_path):
    # Django's own file cache restarts an entry's lifetime (300 s) on incr.
    settings.CACHES = {**settings.CACHES,
                       "security": {"BACKEND": "core.security_cache.SecurityFileCache",
                                    "LOCATION": str(tmp_path / "security")}}
    limits = (ratelimit.Limit("hourly", 2, 3600),)
    with time_machine.travel(T0, tick=False) as clock:
        assert ratelimit.acquire(limits, "x") == 0
        assert ratelimit.acquire(limits, "x") == 0
        clock.shift(1800)  # past Django's default lifetime of 300 seconds
        assert ratelimit.acquire(limits, "x") == 2160  # an hour from T0's tenth of it


def test_a_security_cache_that_cannot_be_reached_raises_unavailable(settings):
    settings.CACHES = {**settings.CACHES, "security": {
        "BACKEND": "core.redis_cache.SecurityRedisCache",
        "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0"}}
    with pytest.raises(ratelimit.Unavailable):
        ratelimit.acquire(ratelimit.COMMENT_LIMITS, "reader:42")


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


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


HOURLY = (ratelimit.Limit("hourly", 10, 3600),)


def test_a_limit_counts_over_the_last_period_not_from_the_clocks_hour():
    # Ten at 10:59:50; at 11:00:00 they still count. Counted by windows of the
    # clock, each from zero, ten more passed there at once.
    for second in range(10):
        assert ratelimit.acquire(HOURLY, "x", now=T0 - 10 + second) == 0
    assert ratelimit.acquire(HOURLY, "x", now=T0) == 3600
    assert ratelimit.acquire(HOURLY, "x", now=T0 + 1800) == 1800
    assert ratelimit.acquire(HOURLY, "x", now=T0 + 3600) == 0


def test_no_hour_holds_more_than_the_limit_however_the_tries_are_spread():
    allowed = [now for now in range(T0 - 3000, T0 + 4 * 3600, 45)
               if ratelimit.acquire(HOURLY, "x", now=now) == 0]
    assert max(sum(start <= now < start + 3600 for now in allowed) for start in allowed) == 10
    # Counted in tenths of the hour, a use is held at most a tenth longer than an hour.
    assert len(allowed) >= 10 * (4 * 3600 + 3000) // 3960


def test_the_wait_is_until_the_oldest_uses_leave_the_hour():
    for _ in range(5):
        ratelimit.acquire(HOURLY, "x", now=T0)
    for _ in range(5):
        ratelimit.acquire(HOURLY, "x", now=T0 + 1000)
    # Counted in tenths of the hour: the first five leave it at T0 + 360 + 3600.
    assert ratelimit.acquire(HOURLY, "x", now=T0 + 1800) == 2160
    assert ratelimit.acquire(HOURLY, "x", now=T0 + 3959) == 1
    assert [ratelimit.acquire(HOURLY, "x", now=T0 + 3960) for _ in range(6)] == [0] * 5 + [720]


def test_a_limit_of_no_uses_refuses_for_its_period():
    assert ratelimit.acquire((ratelimit.Limit("none", 0, 60),), "x", now=T0) == 60


def test_a_use_given_back_does_not_count_in_the_hour():
    ratelimit.acquire(HOURLY, "x", now=T0)
    ratelimit.give_back(HOURLY, "x", T0)
    for _ in range(10):
        assert ratelimit.acquire(HOURLY, "x", now=T0 + 1800) == 0


def test_addresses_are_stored_as_keyed_hashes(client, article):
    client.post("/articles/harbour/report-bias/", {"reason": "other", "details": "d"},
                REMOTE_ADDR="198.51.100.7")
    report = BiasReport.objects.get()
    assert "198.51.100.7" not in report.reporter_fingerprint
    assert report.reporter_fingerprint == ratelimit.fingerprint("198.51.100.7")
    assert len(report.reporter_fingerprint) == 64


def test_the_keys_limits_count_under_are_keyed_hashes_and_ignore_an_addresss_case(rf):
    request = rf.get("/", REMOTE_ADDR="198.51.100.7")
    assert ratelimit.address_key(request) == "address:" + ratelimit.fingerprint("198.51.100.7")
    assert ratelimit.email_key("Ana@Example.org") == ratelimit.email_key("ana@example.org")
    assert "ana" not in ratelimit.email_key("ana@example.org")


def test_a_refusal_keeps_the_form_and_says_when_to_try_again(rf):
    request = rf.post("/newsletter/", {"email": "ana@example.org"})
    refused = ratelimit.refusal(request, "newsletter/subscribe.html", {},
                                ratelimit.Refused("Not now.", 429, 90))
    assert refused.status_code == 429 and refused["Retry-After"] == "90"
    assert 'class="notice notice-wait"' in refused.content.decode()
    unavailable = ratelimit.refusal(request, "newsletter/subscribe.html", {},
                                    ratelimit.Refused("Not now.", 503))
    # When to come back, as sign-in says it; not marked as a wait the reader caused.
    assert unavailable.status_code == 503 and unavailable["Retry-After"] == "60"
    assert "notice-wait" not in unavailable.content.decode()
    assert "Not now." in unavailable.content.decode()


def test_check_uses_an_allowance_or_says_why_not(monkeypatch):
    limits = (ratelimit.Limit("check-test", 2, 3600),)
    too_many = "Too many; try again in {wait}."
    with time_machine.travel(1_800_000_000, tick=False):
        assert ratelimit.check(limits, "address:x", too_many) is None
        assert ratelimit.check(limits, "address:x", too_many) is None
        assert ratelimit.check(limits, "address:x", too_many) == ratelimit.Refused(
            "Too many; try again in 66 minutes.", 429, 3960)
        assert ratelimit.check(limits, "address:y", too_many) is None  # counted apart

    def unavailable(limits, ident, now=None):
        raise ratelimit.Unavailable("the store is down")

    monkeypatch.setattr(ratelimit, "acquire", unavailable)
    assert ratelimit.check(limits, "address:z", too_many) == ratelimit.Refused(
        ratelimit.UNAVAILABLE_NOTICE, 503)
    assert ratelimit.check(limits, "address:z", too_many, "Not now.").notice == "Not now."
