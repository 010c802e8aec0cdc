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


def integer(name, default, minimum=0, zero="", maximum=None):
    """A whole number from minimum to maximum (no greater one where that is None); zero
    says what 0 means, where it means something."""
    value = given(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum or (maximum is not None and number > maximum):
        bounds = f"of {minimum} or more" if maximum is None else f"from {minimum} to {maximum}"
        refuse(name, value, f"a whole number {bounds}, e.g. {default}{zero}")
    return number


def text(name, default):
    """The value, stripped; the default when it is unset, empty or only white space."""
    return given(name) or default


# A host name, an optional port and an optional path: what follows https:// in an address.
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:/[^\s]*)?")


def domain(name):
    """A domain, and if wanted a path, that the site writes after https:// (MEDIA_CDN_DOMAIN,
    django-storages' custom_domain): cdn.example.org or cdn.example.org/media; None when
    unset. Written with its scheme, every picture's address began https://https://; a
    slash at its end is left out, or every path after it began with two.
    """
    value = given(name)
    if not value:
        return None
    if not _DOMAIN.fullmatch(value):
        refuse(name, value, "a domain such as cdn.example.org (without https://)")
    return value.rstrip("/")


# One address: no spaces, brackets, quotes or separators, one @ with something either side.
_ADDRESS = r"[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+"


def email_address(name, default, named=False):
    """An email address; with named, it may carry a name before it in angle brackets.

    "EVA DAILY newsroom@x.org", the brackets forgotten, went out as the sender
    "EVA DAILY newsroom"@x.org, which mail servers refuse, and a space or a
    missing @ made About's mailto: link lead nowhere.
    """
    value = given(name)
    if not value:
        return default
    shape = rf"(?:[^<>]*<{_ADDRESS}>|{_ADDRESS})" if named else _ADDRESS
    if not re.fullmatch(shape, value):
        refuse(name, value, "an email address such as " + (
            "EVA DAILY <newsroom@news.example.org>" if named else "newsroom@news.example.org"))
    return value


def choice(name, default, choices):
    """One of choices (in lower case), in any case; anything else is refused, not the default."""
    value = given(name).lower()
    if not value:
        return default
    if value not in choices:
        refuse(name, given(name), f"one of {', '.join(choices)}")
    return value


def text_list(name, default):
    """A comma list; empty means the default, not no items.

    Each item is stripped and empty ones are dropped: "a.org, b.org" kept
    " b.org" with its space, a host no request could match.
    """
    items = [item for item in map(str.strip, given(name).split(",")) if item]
    return items or default  # "," alone is no list either: the default, not nothing


def hosts(name, default):
    """ALLOWED_HOSTS: a comma list of host names, none with a space inside ("a b" is two
    hosts with a comma forgotten: kept as one, it matched no request)."""
    items = text_list(name, default)
    for item in items:
        if re.search(r"\s", item):
            refuse(name, item, "a host name (the hosts are separated by commas)")
    return items


def http_address_problem(url):
    """Why url is not an http:// or https:// address with a host, or None."""
    if re.search(r"\s", url):
        return "a space inside: the addresses are separated by commas"
    try:
        parts = urlsplit(url)
    except ValueError as error:  # "http://[fe80::1/": Invalid IPv6 URL
        return str(error)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an http:// or https:// URL"
    try:
        parts.port
    except ValueError as error:  # a port that is not a number from 0 to 65535
        return str(error)
    return None


def http_addresses(name):
    """A comma list of http(s):// addresses (EDGE_PURGE_URLS); empty by default."""
    items = text_list(name, [])
    for item in items:
        if (problem := http_address_problem(item)) is not None:
            refuse(name, item, f"an address such as http://10.0.0.5:6081/ ({problem})")
    return items


def folder(name, default, base):
    """A folder's absolute path; a relative one is taken from base (the project folder)."""
    return Path(base, text(name, default))


def _hidden_password(url):
    """The URL as an error may show it: without the password in user:password@.

    Up to the last @: a password may hold one (the host comes after the last),
    and what followed its first @ was shown.
    """
    return re.sub(r"(://[^:/@]*:).*@", r"\1***@", url)


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


# The databases the site runs on (DESIGN.md section 1): its migrations use
# PostgreSQL's own features where they are there, and SQLite's otherwise.
ENGINES = {"django.db.backends.postgresql", "django.db.backends.sqlite3"}


def _usable_database(config):
    """PostgreSQL or SQLite, and a database named: without a name (postgres://host/,
    sqlite://) start-up went ahead, and every page was a 500, the site's tables being
    nowhere (SQLite's :memory: is a new, empty database for each connection)."""
    if config.get("ENGINE") not in ENGINES:
        return False
    if config["ENGINE"] == "django.db.backends.sqlite3":
        return config.get("NAME") not in ("", ":memory:")
    return bool(config.get("NAME") or config.get("OPTIONS", {}).get("service"))


def database(name, default, base=None):
    """DATABASE_URL as Django's DATABASES entry: PostgreSQL or SQLite.

    A relative SQLite path (sqlite:///db.sqlite3) is taken from base, the
    project folder, as the default is: from the current folder, a command
    run elsewhere made a new empty database there.
    """
    config = _url(name, default, _env.db_url_config, _usable_database,
                  "postgres://user:password@127.0.0.1:5432/evadaily or sqlite:////srv/db.sqlite3")
    if (base is not None and config is not None
            and config["ENGINE"] == "django.db.backends.sqlite3"
            and config["NAME"] != ":memory:" and not config["NAME"].startswith("file:")):
        config["NAME"] = str(Path(base, config["NAME"]))
    return config


def cache(name, default, base=None):
    """CACHE_URL (or SECURITY_CACHE_URL) as Django's CACHES entry.

    The backend must be one the site is built on (CACHE_BACKENDS), and a
    Redis URL needs a port from 1 to 65535 and a database number: a wrong one
    made every page a 500 while /healthz said ok. A relative folder
    (filecache://.cache/pages) is taken from base, the project folder: a
    worker started from another folder kept its own cache.
    """
    config = _url(name, default, _env.cache_url_config, _usable_cache,
                  "redis://127.0.0.1:6379/1 or filecache:///var/cache/evadaily")
    if (base is not None and config is not None
            and config["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"):
        config["LOCATION"] = str(Path(base, config["LOCATION"]))
    return config


# The stores the site is built and tested on: Redis, shared by processes and machines; a
# folder, by the processes of one machine; memory or nothing, for one process (tests, a
# trial). django-environ takes more, and each made every page a 500 while /healthz said
# ok: memcache:// names the backend Django removed in 4.1, pymemcache:// and pylibmc://
# one whose client library the site does not install (and memcached refuses keys over
# 250 characters, as a long address makes), dbcache:// a table nothing creates.
CACHE_BACKENDS = {"django.core.cache.backends.redis.RedisCache",
                  "django.core.cache.backends.filebased.FileBasedCache",
                  "django.core.cache.backends.locmem.LocMemCache",
                  "django.core.cache.backends.dummy.DummyCache"}


def _usable_cache(config):
    if config["BACKEND"] not in CACHE_BACKENDS:
        return False
    if config["BACKEND"].endswith(".RedisCache"):
        return all(redis_database(location) is not None
                   for location in config["LOCATION"].split(","))
    return True


def redis_database(location):
    """The database number of a redis:// URL (0 without one); None when the URL is no
    server's: a port that is not 1 to 65535, or a database that is not a number."""
    parts = urlsplit(location)
    try:
        port = parts.port
    except ValueError:
        return None
    number = parts.path.strip("/") or "0"
    if port == 0 or not re.fullmatch(r"[0-9]+", number):
        return None
    return int(number)


def dotenv(path):
    r"""Read a .env file into os.environ, for the variables not set already.

    A line is NAME=value (`export ` before it and spaces around `=` allowed),
    a blank line, or a # comment. An unquoted value ends before a # that
    follows white space (`DEBUG=True  # for now` is True); a value in single
    quotes is kept as it is, and in double quotes \" and \\ are one character.
    Any other line stops start-up naming its number, not its text, which may
    hold a password: django-environ skipped it (`KEY = value`) or kept the
    comment in the value, and only its debug log said so.
    """
    path = Path(path)
    try:
        # utf-8-sig: an editor's byte order mark is not part of line 1's name.
        lines = path.read_bytes().decode("utf-8-sig").splitlines()
    except FileNotFoundError:
        return
    except OSError as error:  # a folder, or a file this process may not read
        raise ImproperlyConfigured(f"{path} cannot be read: {error.strerror}.") from None
    except UnicodeDecodeError as error:
        number = error.object[:error.start].count(b"\n") + 1
        raise ImproperlyConfigured(f"{path}, line {number}: not UTF-8 (save the file as "
                                   "UTF-8).") from None
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)", line)
        value = match and _dotenv_value(match[2])
        if value is None:
            raise ImproperlyConfigured(
                f"{path}, line {number}: not NAME=value (a comment line starts with #).")
        os.environ.setdefault(match[1], value)


def _dotenv_value(written):
    """The value written after NAME=, without its quotes or comment; None when malformed."""
    if not written.startswith(("'", '"')):
        return re.split(r"\s#", written, maxsplit=1)[0].strip()
    quoted = re.match(r"'([^']*)'|\"((?:[^\"\\]|\\.)*)\"", written)
    if quoted is None or not re.fullmatch(r"(\s+#.*)?", written[quoted.end():]):
        return None
    if quoted[1] is not None:
        return quoted[1]
    # As django-environ reads them: \n, \r and \t stay as written.
    return re.sub(r"\\(.)", lambda m: m[0] if m[1] in "nrt" else m[1], quoted[2])


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
    # Files beside the zones that are none: "localtime" is the machine's zone under
    # another name, "Factory" a placeholder, posix/ and right/ copies (right/ counts
    # leap seconds, so its clocks run 27 seconds off).
    not_a_zone = (value in ("localtime", "posixrules", "Factory")
                  or value.startswith(("posix/", "right/")))
    if not known or not_a_zone or (hasattr(time, "tzset") and system.exists()
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

