"""Settings, QA round: a wrong environment value stops start-up with one line naming it.

Before, a typo was read silently (HTTPS=ture was HTTPS off, TIME_ZONE= made
every page a 500, SITE_URL without a scheme made every absolute link junk), or
start-up failed with a library's error naming neither the variable nor its value
(int(), KeyError 'ENGINE', "Invalid cache schema"). An empty variable is an
unset one: it means the default (ALLOWED_HOSTS= answered 400 everywhere).
"""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from core import env as read
from tests.security.test_deploy import manage

REFUSED = "ImproperlyConfigured: "


@pytest.mark.parametrize(("name", "value", "line"), [
    ("TIME_ZONE", "Mars/Olympus",
     "TIME_ZONE: 'Mars/Olympus' is not a time zone such as UTC or Europe/Berlin."),
    ("TIME_ZONE", "UTC/", "TIME_ZONE: 'UTC/' is not a time zone"),
    ("SITE_URL", "news.evadaily.org",
     "SITE_URL: 'news.evadaily.org' is not an address such as https://news.example.org "
     "(http or https, a host and an optional port, no path)."),
    ("SITE_URL", "https://news.example.org/news", "SITE_URL: 'https://news.example.org/news'"),
    ("HTTPS", "ture", "HTTPS: 'ture' is not true or false (or 1/0, yes/no, on/off)."),
    ("DEBUG", "maybe", "DEBUG: 'maybe' is not true or false"),
    ("PAGE_CACHE_ENABLED", "nope", "PAGE_CACHE_ENABLED: 'nope' is not true or false"),
    ("BEHIND_PROXY", "ye", "BEHIND_PROXY: 'ye' is not true or false"),
    ("EDGE_CACHE_TAGS", "si", "EDGE_CACHE_TAGS: 'si' is not true or false"),
    ("SEARCH_LIMIT_PER_MINUTE", "abc", "SEARCH_LIMIT_PER_MINUTE: 'abc' is not a whole number "
                                       "of 0 or more, e.g. 30 (0 for no limit)."),
    ("SEARCH_CONCURRENCY", "-1", "SEARCH_CONCURRENCY: '-1' is not a whole number from 0 to 1000"),
    ("PAGE_CACHE_SECONDS", "abc", "PAGE_CACHE_SECONDS: 'abc' is not a whole number from 0 to"),
    ("PAGE_CACHE_SECONDS", "-600", "PAGE_CACHE_SECONDS: '-600' is not a whole number"),
    ("EDITION_STALL_SECONDS", "0", "EDITION_STALL_SECONDS: '0' is not a whole number from 1 to"),
    # Past these, start-up went ahead and then every page was a 500 (a timestamp past the
    # platform's), every request a 503 (PostgreSQL's limit of about 24 days), every search a
    # 500 (a list of that many places).
    ("PAGE_CACHE_SECONDS", "99999999999999999999",
     "PAGE_CACHE_SECONDS: '99999999999999999999' is not a whole number from 0 to 86400, "
     "e.g. 600."),
    ("DATABASE_STATEMENT_TIMEOUT", "3000000",
     "DATABASE_STATEMENT_TIMEOUT: '3000000' is not a whole number from 0 to 86400"),
    ("DATABASE_LOCK_TIMEOUT", "86401", "DATABASE_LOCK_TIMEOUT: '86401' is not a whole number"),
    ("SEARCH_CONCURRENCY", "99999999999", "SEARCH_CONCURRENCY: '99999999999' is not a whole"),
    ("EDITION_STALL_SECONDS", "86401", "EDITION_STALL_SECONDS: '86401' is not a whole number"),
    ("DATABASE_URL", "notaurl", "DATABASE_URL: 'notaurl' is not a URL such as postgres://"),
    ("DATABASE_URL", "foo://bar", "DATABASE_URL: 'foo://bar' is not a URL such as postgres://"),
    # No database named: the site's tables were nowhere, and every page was a 500.
    ("DATABASE_URL", "sqlite://", "DATABASE_URL: 'sqlite://' is not a URL such as postgres://"),
    ("DATABASE_URL", "sqlite:///:memory:", "DATABASE_URL: 'sqlite:///:memory:' is not a URL"),
    ("DATABASE_URL", "postgres://app@127.0.0.1:5432/",
     "DATABASE_URL: 'postgres://app@127.0.0.1:5432/' is not a URL such as postgres://"),
    ("CACHE_URL", "foo://bar", "CACHE_URL: 'foo://bar' is not a URL such as redis://"),
    ("SECURITY_CACHE_URL", "foo://bar", "SECURITY_CACHE_URL: 'foo://bar' is not a URL"),
    ("EMAIL_URL", "notaurl", "EMAIL_URL: 'notaurl' is not a URL such as smtp+tls://"),
    ("REQUEST_LOG_LEVEL", "LOUD", "REQUEST_LOG_LEVEL: 'LOUD' is not a log level: "
                                  "DEBUG, INFO, WARNING, ERROR, CRITICAL."),
])
def test_a_wrong_value_stops_start_up_with_one_line_naming_it(tmp_path, name, value, line):
    result = manage("check", tmp_path=tmp_path, **{name: value})
    assert result.returncode != 0
    # The last line says what is wrong, and no library's error (ValueError: from int(),
    # KeyError: 'ENGINE') comes with it.
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.strip().startswith(REFUSED + line), result.stderr
    assert "Traceback" not in result.stderr  # manage.py says the one line alone
    assert "Error: " not in result.stderr and "Warning: " not in result.stderr


def _settings(tmp_path, names, **variables):
    code = ("import json; from django.conf import settings as s; "
            f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}, default=str))")
    result = manage("shell", "-c", code, tmp_path=tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_an_empty_variable_means_the_default(tmp_path):
    names = ["TIME_ZONE", "ALLOWED_HOSTS", "SITE_URL", "HTTPS", "SEARCH_LIMIT_PER_MINUTE",
             "PAGE_CACHE_SECONDS", "PAGE_CACHE_ENABLED", "CACHES", "DATABASES", "EDITION_TIME"]
    empty = _settings(tmp_path, names, **dict.fromkeys(
        ["TIME_ZONE", "ALLOWED_HOSTS", "SITE_URL", "HTTPS", "SEARCH_LIMIT_PER_MINUTE",
         "PAGE_CACHE_SECONDS", "PAGE_CACHE_ENABLED", "CACHE_URL", "DATABASE_URL",
         "EDITION_TIME"], ""))
    assert empty["TIME_ZONE"] == "UTC"
    assert empty["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1"]
    assert empty["SITE_URL"] == "http://127.0.0.1:8000"
    assert empty["HTTPS"] is False and empty["PAGE_CACHE_ENABLED"] is True
    assert (empty["SEARCH_LIMIT_PER_MINUTE"], empty["PAGE_CACHE_SECONDS"]) == (30, 600)
    assert empty["CACHES"]["default"]["LOCATION"].endswith("/.cache/django")
    assert empty["DATABASES"]["default"]["NAME"].endswith("/db.sqlite3")
    assert empty["EDITION_TIME"] == "06:00:00"


def test_the_values_the_project_itself_sets_still_work(tmp_path):
    # As the Makefile, CI, the Dockerfile, bench/bench.py and the integration tests set them.
    names = ["DEBUG", "HTTPS", "PAGE_CACHE_ENABLED", "SITE_URL", "TIME_ZONE",
             "SEARCH_LIMIT_PER_MINUTE", "SEARCH_CONCURRENCY", "PAGE_CACHE_SECONDS",
             "ALLOWED_HOSTS", "LOGGING"]
    values = _settings(tmp_path, names, DEBUG="True", HTTPS="False", PAGE_CACHE_ENABLED="False",
                       SITE_URL="http://127.0.0.1", TIME_ZONE="Europe/Berlin",
                       SEARCH_LIMIT_PER_MINUTE="100000000", SEARCH_CONCURRENCY="0",
                       PAGE_CACHE_SECONDS="2", ALLOWED_HOSTS="127.0.0.1,localhost",
                       REQUEST_LOG_LEVEL="WARNING", CACHE_URL="locmemcache://")
    assert values["DEBUG"] is True and values["HTTPS"] is False
    assert values["PAGE_CACHE_ENABLED"] is False
    assert values["SITE_URL"] == "http://127.0.0.1" and values["TIME_ZONE"] == "Europe/Berlin"
    assert (values["SEARCH_LIMIT_PER_MINUTE"], values["SEARCH_CONCURRENCY"],
            values["PAGE_CACHE_SECONDS"]) == (100000000, 0, 2)
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert values["LOGGING"]["loggers"]["evadaily.requests"]["level"] == "WARNING"
    assert _settings(tmp_path, ["SITE_URL", "HTTPS"], SITE_URL="https://news.example.org/",
                     HTTPS="on") == {"SITE_URL": "https://news.example.org", "HTTPS": True}


@pytest.mark.parametrize(("value", "expected"), [
    ("True", True), ("true", True), ("1", True), ("yes", True), ("ON", True), (" on ", True),
    ("False", False), ("false", False), ("0", False), ("no", False), ("Off", False),
    ("", "default"),
])
def test_booleans_are_read_strictly(monkeypatch, value, expected):
    monkeypatch.setenv("FLAG", value)
    assert read.boolean("FLAG", default="default") == expected


@pytest.mark.parametrize("value", ["ture", "maybe", "nope", "2", "y", "ok", "t"])
def test_a_boolean_typo_is_refused_not_false(monkeypatch, value):
    monkeypatch.setenv("FLAG", value)
    with pytest.raises(ImproperlyConfigured, match=rf"^FLAG: '{value}' is not true or false"):
        read.boolean("FLAG", default=False)


def test_whole_numbers_may_have_a_ceiling(monkeypatch):
    monkeypatch.setenv("COUNT", "60")
    assert read.integer("COUNT", default=5, maximum=60) == 60
    for value in ("61", "-1", "ten", "99999999999999999999"):
        monkeypatch.setenv("COUNT", value)
        line = rf"^COUNT: '{value}' is not a whole number from 0 to 60, e\.g\. 5\.$"
        with pytest.raises(ImproperlyConfigured, match=line):
            read.integer("COUNT", default=5, maximum=60)


def test_a_database_named_by_a_service_needs_no_name(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.internal/?service=evadaily")
    assert read.database("DATABASE_URL", default=None)["OPTIONS"] == {"service": "evadaily"}


def test_whole_numbers_have_a_floor(monkeypatch):
    monkeypatch.setenv("COUNT", "0")
    assert read.integer("COUNT", default=5) == 0
    with pytest.raises(ImproperlyConfigured, match=r"^COUNT: '0' is not a whole number of 1 or"):
        read.integer("COUNT", default=5, minimum=1)
    for value in ("-1", "1.5", "ten", "0x10"):
        monkeypatch.setenv("COUNT", value)
        with pytest.raises(ImproperlyConfigured, match=r"e\.g\. 5 \(0 for none\)\.$"):
            read.integer("COUNT", default=5, zero=" (0 for none)")
    monkeypatch.setenv("COUNT", "")
    assert read.integer("COUNT", default=5) == 5


@pytest.mark.parametrize("value", [
    "http://127.0.0.1:8000", "https://news.example.org", "https://news.example.org/",
    "https://News.Example.org", "http://[::1]:8000", "http://localhost",
])
def test_a_site_url_is_a_scheme_a_host_and_a_port(monkeypatch, value):
    monkeypatch.setenv("SITE_URL", value)
    assert read.site_url("SITE_URL", default="http://127.0.0.1:8000") == value.rstrip("/")


@pytest.mark.parametrize("value", [
    "news.evadaily.org", "//news.example.org", "ftp://news.example.org",
    "https://news.example.org/news", "https://news.example.org?x=1", "https://news.example.org#a",
    "https://user:pass@news.example.org", "https://news.example.org:99999", "https://",
    "https://news example.org", "https://news.example.org:0",
])
def test_a_site_url_with_anything_else_is_refused(monkeypatch, value):
    monkeypatch.setenv("SITE_URL", value)
    with pytest.raises(ImproperlyConfigured, match=r"^SITE_URL: .* such as https://news.example"):
        read.site_url("SITE_URL", default="http://127.0.0.1:8000")


def test_time_zones_are_checked_with_zoneinfo(monkeypatch):
    for value, expected in (("Europe/Berlin", "Europe/Berlin"), ("", "UTC")):
        monkeypatch.setenv("TIME_ZONE", value)
        assert read.time_zone("TIME_ZONE", default="UTC") == expected
    for value in ("Nope/Zone", "utc", "Europe", "../etc/passwd", "/etc/localtime", "UTC/"):
        monkeypatch.setenv("TIME_ZONE", value)
        with pytest.raises(ImproperlyConfigured, match="^TIME_ZONE: .* is not a time zone"):
            read.time_zone("TIME_ZONE", default="UTC")


def test_a_refused_url_does_not_show_its_password(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app:s3cret@db.internal:port/evadaily")
    with pytest.raises(ImproperlyConfigured) as refused:
        read.database("DATABASE_URL", default=None)
    assert "s3cret" not in str(refused.value)
    assert str(refused.value).startswith("DATABASE_URL: 'postgres://app:***@db.internal:port/")


def test_urls_are_parsed_as_before(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@127.0.0.1:5432/evadaily")
    assert read.database("DATABASE_URL", default=None)["NAME"] == "evadaily"
    monkeypatch.setenv("CACHE_URL", "redis://127.0.0.1:6379/1")
    assert read.cache("CACHE_URL", default=None)["LOCATION"] == "redis://127.0.0.1:6379/1"
    monkeypatch.setenv("EMAIL_URL", "")
    assert read.email("EMAIL_URL", default="smtp://localhost:25")["EMAIL_HOST"] == "localhost"
    monkeypatch.delenv("SECURITY_CACHE_URL", raising=False)
    assert read.cache("SECURITY_CACHE_URL", default=None) is None


def test_log_levels_in_any_case(monkeypatch):
    monkeypatch.setenv("REQUEST_LOG_LEVEL", "warning")
    assert read.log_level("REQUEST_LOG_LEVEL", default="INFO") == "WARNING"
    monkeypatch.setenv("REQUEST_LOG_LEVEL", "20")
    with pytest.raises(ImproperlyConfigured, match="^REQUEST_LOG_LEVEL: '20' is not a log level"):
        read.log_level("REQUEST_LOG_LEVEL", default="INFO")
