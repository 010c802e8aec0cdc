"""Settings read from the environment (evadaily/settings.py imports this before Django is set up).

A value that is wrong stops start-up with one line that names the variable, the
value and an example, rather than a library's traceback that names neither, or
a silent default (HTTPS=ture was HTTPS off). An empty variable is an unset one:
it means the default. Only the standard library, django-environ and Django's
exceptions here: no models, no apps.
"""

import os
import re
import time
import warnings
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_env = environ.Env()
TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def given(name):
    """The variable's value, stripped; "" when it is unset or empty."""
    return os.environ.get(name, "").strip()


def refuse(name, shown, what):
    """Stop start-up: `NAME: 'value' is not <what>.`"""
    raise ImproperlyConfigured(f"{name}: {shown!r} is not {what}.")


def boolean(name, default):
    """true/false, 1/0, yes/no or on/off in any case; anything else is refused, not False."""
    value = given(name)
    if not value:
        return default
    if value.lower() in TRUE | FALSE:
        return value.lower() in TRUE
    refuse(name, value, "true or false (or 1/0, yes/no, on/off)")


def integer(name, default, minimum=0, zero=""):
    """A whole number no less than minimum; zero says what 0 means, where it means something."""
    value = given(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        refuse(name, value, f"a whole number of {minimum} or more, e.g. {default}{zero}")
    return number


def text_list(name, default):
    """A comma list, as django-environ reads one; empty means the default, not no items."""
    return _env.list(name) if given(name) else default


def _hidden_password(url):
    """The URL as an error may show it: without the password in user:password@."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _url(name, default, parse, valid, example):
    """A URL setting parsed by django-environ; None when unset and without a default."""
    if not given(name):
        return None if default is None else parse(default)
    value = os.environ[name]
    try:
        with warnings.catch_warnings():
            # environ warns of an unknown scheme before refusing it here.
            warnings.simplefilter("ignore")
            config = parse(value)
    except (ValueError, KeyError, ImproperlyConfigured):
        config = None
    if config is None or not valid(config):
        refuse(name, _hidden_password(value), f"a URL such as {example}")
    return config


def database(name, default):
    """DATABASE_URL as Django's DATABASES entry; the scheme must name a known database."""
    engines = set(environ.Env.DB_SCHEMES.values())
    return _url(name, default, _env.db_url_config, lambda config: config.get("ENGINE") in engines,
                "postgres://user:password@127.0.0.1:5432/evadaily or sqlite:////srv/db.sqlite3")


def cache(name, default):
    """CACHE_URL (or SECURITY_CACHE_URL) as Django's CACHES entry."""
    return _url(name, default, _env.cache_url_config, bool,
                "redis://127.0.0.1:6379/1 or filecache:///var/cache/evadaily")


def email(name, default):
    """EMAIL_URL as django-environ's EMAIL_* settings."""
    return _url(name, default, _env.email_url_config, bool,
                "smtp+tls://user:password@mail.example.org:587 or smtp://localhost:25")


def time_zone(name, default):
    """A zone name as zoneinfo knows it: an unknown one made every page a 500."""
    value = given(name)
    if not value:
        return default
    try:
        known = zoneinfo.ZoneInfo(value) is not None
    except (ValueError, zoneinfo.ZoneInfoNotFoundError, OSError):
        known = False
    # Django's own test at start-up too, on the system's zone files when there are any.
    system = Path("/usr/share/zoneinfo")
    if not known or (hasattr(time, "tzset") and system.exists()
                     and not system.joinpath(*value.split("/")).is_file()):
        refuse(name, value, "a time zone such as UTC or Europe/Berlin")
    return value


def site_url(name, default):
    """The site's address, http(s)://host[:port] without a trailing slash.

    Every absolute link (canonical, og:url, feeds, sitemaps, robots.txt,
    emails) is this plus a path, so a missing scheme or a path made them junk.
    """
    value = given(name) or default
    url = value.rstrip("/")
    if not _is_address(url):
        refuse(name, value, "an address such as https://news.example.org "
                            "(http or https, a host and an optional port, no path)")
    return url


def _is_address(url):
    """True for scheme://host[:port] with http or https, and nothing else."""
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError when it is not a number from 0 to 65535
    except ValueError:
        return False
    return (parts.scheme in ("http", "https") and parts.username is None and port != 0
            and re.fullmatch(r"[a-z0-9.-]+|[0-9a-f:.]+", parts.hostname or "") is not None
            and f"{parts.scheme}://{parts.netloc}".lower() == url.lower())


def log_level(name, default):
    """A logging level's name in any case, given in capitals as logging wants it."""
    value = given(name)
    if not value:
        return default
    if value.upper() not in LOG_LEVELS:
        refuse(name, value, f"a log level: {', '.join(LOG_LEVELS)}")
    return value.upper()

