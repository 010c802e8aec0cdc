"""EVA DAILY settings: one module, configured from the environment (DESIGN.md section 3)."""

import importlib.util
import ipaddress
import os
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from core import env as read

BASE_DIR = Path(__file__).resolve().parent.parent
# The longest the durations read below may be, in seconds.
_DAY = 24 * 60 * 60

# A local .env is read for convenience; real environment variables win.
read.dotenv(BASE_DIR / ".env")

# Every value goes through core.env: a wrong one stops start-up with a line
# that names it (HTTPS=ture was HTTPS off), and an empty one means the default.
DEBUG = read.boolean("DEBUG", default=False)

# As given, not stripped: a key that changed would sign every reader out. Only
# white space is no key (it was taken as one).
SECRET_KEY = os.environ["SECRET_KEY"] if read.given("SECRET_KEY") else ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set the SECRET_KEY environment variable: it is required when DEBUG is off."
        )
    SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production"

ALLOWED_HOSTS = read.hosts("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
SITE_URL = read.site_url("SITE_URL", default="http://127.0.0.1:8000")
SITE_NAME = "EVA DAILY"
# Where readers write to the newsroom: shown on /about/ (pages).
NEWSROOM_EMAIL = read.email_address("NEWSROOM_EMAIL", default="newsroom@example.org")

INSTALLED_APPS = [
    "core.apps.NewsroomAdminConfig",  # django.contrib.admin on its own AdminSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "taggit",
    "simple_history",
    "axes",
    "core",
    "articles",
    "authors",
    "comments",
    "standards",
    "pages",
    "accounts",
    # The task queue (django.tasks with a database backend) before the newsletter,
    # whose admin re-registers the queue's (core.E001).
    "django_tasks_db",
    "newsletter",
    "demo",
]

# Order matters: the headers middleware sit outside the page cache and the
# size limit so that cached answers and refusals get them too; the page cache
# sits before sessions and authentication so that a hit touches neither.
MIDDLEWARE = [
    # A HEAD answer without its body: first, so that it sees the final answer.
    "core.middleware.HeadMiddleware",
    "core.middleware.RequestLogMiddleware",
    # /healthz for probes that ask by address, before the Host check and the
    # HTTPS redirect (SecurityMiddleware, CommonMiddleware).
    "core.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Django's, with the policy built once per process (core.middleware).
    "core.middleware.ContentSecurityPolicyMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "core.middleware.AdminQueryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # gzip for what the page cache does not serve (it keeps its pages compressed);
    # after WhiteNoise, which serves static files compressed already.
    "core.middleware.CompressionMiddleware",
    "core.pagecache.PageCacheMiddleware",
    # 405 for methods the site never takes, before CSRF would refuse them as a
    # form; after the page cache, which serves GET and HEAD only.
    "core.middleware.MethodMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Records who made each article revision; after authentication.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The links of the page: the request's URLconf, script prefix and language, read once.
    "core.middleware.RouteMiddleware",
    # 503 when rate limits or lock-outs cannot be checked (the security cache).
    "core.middleware.UnavailableMiddleware",
    # Turns a sign-in lock-out into its 429 page; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "evadaily.urls"
WSGI_APPLICATION = "evadaily.wsgi.application"

# Django's template language throughout. In production it is rendered by
# django-rust-templates, a native port of Django's own engine: the same
# templates, tags, escaping and output, in about half the time (README,
# "Templates"). TEMPLATE_ENGINE=django renders with Django's engine instead,
# which is also the default with DEBUG on (`make run`: its error pages and
# template reloading are made for Django's engine) and where the package is not
# installed (its wheels are for Linux). With the native engine, make templates
# through the engine (render, get_template, engines["django"]), never with
# django.template.Template or Engine: core.forms.SiteFormRenderer says why.
_NATIVE_TEMPLATES = importlib.util.find_spec("django_rust_templates") is not None
TEMPLATE_ENGINE = read.choice("TEMPLATE_ENGINE", choices=("native", "django"),
                              default="native" if _NATIVE_TEMPLATES and not DEBUG else "django")
if TEMPLATE_ENGINE == "native" and not _NATIVE_TEMPLATES:
    raise ImproperlyConfigured("TEMPLATE_ENGINE=native needs django-rust-templates "
                               "(make install); or set TEMPLATE_ENGINE=django.")
TEMPLATES = [
    {
        "BACKEND": ("django_rust_templates.RustTemplates" if TEMPLATE_ENGINE == "native"
                    else "django.template.backends.django.DjangoTemplates"),
        # engines["django"] whichever renders.
        "NAME": "django",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "articles.context_processors.site",
            ],
        },
    },
]
if DEBUG and TEMPLATE_ENGINE == "native":
    # Django's autoreloader empties only its own engine's cache of templates, so here the
    # native engine reads them afresh for each page and an edit shows at once.
    TEMPLATES[0]["APP_DIRS"] = False
    TEMPLATES[0]["OPTIONS"]["loaders"] = ["django.template.loaders.filesystem.Loader",
                                          "django.template.loaders.app_directories.Loader"]
# The admin's check asks for an instance of Django's backend class (admin.E403); the
# native engine renders the admin's templates alike, and core.checks asks of it what the
# admin's checks would (core.E004).
SILENCED_SYSTEM_CHECKS = ["admin.E403"] if TEMPLATE_ENGINE == "native" else []
# A form sent back with errors opens on its first invalid field (core.forms).
FORM_RENDERER = "core.forms.SiteFormRenderer"

# Databases. SQLite is tuned so that several gunicorn workers can write at
# once: WAL lets readers run beside a writer, the busy timeout (seconds)
# waits for a lock instead of failing, and IMMEDIATE transactions take the
# write lock up front so two writers never deadlock on an upgrade.
DATABASES = {
    "default": read.database("DATABASE_URL", default="sqlite:///db.sqlite3", base=BASE_DIR),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA mmap_size=134217728;"
                "PRAGMA cache_size=-20000;"
            ),
        }
    )
else:
    # Persistent connections are worth 7x throughput on PostgreSQL here
    # (VERIFIED.md); health checks drop connections that died in between.
    # Not with DEBUG on (`make run`): the development server answers each
    # request on a thread of its own, and what a thread kept open when it
    # ended was closed only when the garbage collector next ran; browsing
    # for a few minutes took all of PostgreSQL's 100 connections.
    _db["CONN_MAX_AGE"] = read.integer("CONN_MAX_AGE", default=0 if DEBUG else 600,
                                       zero=" (0: a connection per request)")
    _db["CONN_HEALTH_CHECKS"] = True
    # Seconds to wait for a new connection: a database host that does not
    # answer at all held a worker for the system's two minutes, long past
    # gunicorn's timeout. `?connect_timeout=` in DATABASE_URL overrides it.
    _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # Queries go with their parameters bound by psycopg on the client, as
    # Django does by default. Server-side binding for every query would let
    # the server keep each query's plan but limits a query to 65,535
    # parameters (seed_scale's update of 100,000 stories by id failed), and a
    # kept plan no longer fits each search's words (articles/search.py). So
    # only the public pages' queries, few and small, are prepared: Django's
    # backend with that one addition (core/backends/postgresql). Off behind
    # a connection pooler that cannot keep prepared statements (PgBouncer in
    # transaction mode before 1.21).
    if (_db["ENGINE"] == "django.db.backends.postgresql"
            and read.boolean("DATABASE_PREPARED_STATEMENTS", default=True)):
        _db["ENGINE"] = "core.backends.postgresql"
# Seconds a query waits for another's lock, and runs at most, in the processes
# that answer requests (core.database: PostgreSQL through core.backends.postgresql);
# migrate, the task worker and other commands have neither. Past either, the
# request answers 503 busy (core.busy) instead of holding a thread. At most a day:
# PostgreSQL takes no more than about 24 days, and past that every request was a 503.
DATABASE_LOCK_TIMEOUT = read.integer("DATABASE_LOCK_TIMEOUT", default=5, zero=" (0: no limit)",
                                     maximum=_DAY)
DATABASE_STATEMENT_TIMEOUT = read.integer("DATABASE_STATEMENT_TIMEOUT", default=30,
                                          zero=" (0: no limit)", maximum=_DAY)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A story's tags field: only commas separate tags, so "New York" is one tag
# (taggit's own parser splits on spaces when there is no comma).
TAGGIT_TAGS_FROM_STRING = "articles.tags.parse_tags"

# One cache shared by every process on the machine by default; Redis when there
# are several machines (the stores CACHE_URL may name: core.env.CACHE_BACKENDS).
# On Redis, pages and sessions are read from the database while Redis cannot be
# reached.
_REDIS = "django.core.cache.backends.redis.RedisCache"
_FILES = "django.core.cache.backends.filebased.FileBasedCache"
CACHES = {
    "default": read.cache("CACHE_URL", default=f"filecache://{BASE_DIR / '.cache' / 'django'}",
                          base=BASE_DIR),
}
if CACHES["default"]["BACKEND"] == _FILES:
    # Django's default of 300 entries would throw out pages, and the page
    # cache's change stamps (core/pagecache.py), a third at a time.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 50_000)
# Rate limits and sign-in lock-outs get a store of their own, so that page
# traffic can never push them out, and it fails closed: while it cannot be
# reached, nothing it guards goes ahead. By default: on Redis, the next
# database number on the same server; with the file cache, a folder beside
# it that keeps every live entry; SECURITY_CACHE_URL may name another.
if read.given("SECURITY_CACHE_URL"):
    CACHES["security"] = read.cache("SECURITY_CACHE_URL", default=None, base=BASE_DIR)
elif CACHES["default"]["BACKEND"] == _REDIS:
    _locations = CACHES["default"]["LOCATION"].split(",")
    if any(read.redis_database(location) >= 15 for location in _locations):
        # Redis has databases 0 to 15 unless configured otherwise; wrapping round
        # to 0 would put lock-outs in a database something else may use.
        raise ImproperlyConfigured(
            "Set SECURITY_CACHE_URL: CACHE_URL uses Redis database 15 or above, and rate "
            "limits and lock-outs would take the next one, which Redis may not have.")
    CACHES["security"] = {**CACHES["default"], "LOCATION": ",".join(
        url._replace(path=f"/{read.redis_database(url.geturl()) + 1}").geturl()
        for url in map(urlsplit, _locations))}
elif CACHES["default"]["BACKEND"] == _FILES:
    CACHES["security"] = {"BACKEND": _FILES,
                          "LOCATION": f"{CACHES['default']['LOCATION'].rstrip('/')}-security"}
elif CACHES["default"]["BACKEND"].endswith((".LocMemCache", ".DummyCache")):
    CACHES["security"] = {**CACHES["default"], "LOCATION": "security"}  # one process only
if "security" not in CACHES or CACHES["security"].get("LOCATION") == CACHES["default"].get(
        "LOCATION"):
    # Emptying the page cache (after a Redis outage, say) must not lift lock-outs.
    raise ImproperlyConfigured("Set SECURITY_CACHE_URL to a store other than CACHE_URL's.")
_CACHE_BACKENDS = {
    "default": {_REDIS: "core.redis_cache.RedisCache", _FILES: "core.file_cache.FileCache"},
    "security": {_REDIS: "core.redis_cache.SecurityRedisCache",
                 _FILES: "core.security_cache.SecurityFileCache"},
}
for _alias, _backends in _CACHE_BACKENDS.items():
    _config = CACHES[_alias]
    _config["BACKEND"] = _backends.get(_config["BACKEND"], _config["BACKEND"])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.VisibleCharactersValidator"},
]
# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = read.time_zone("TIME_ZONE", default="UTC")
# The site is in English only; without translation machinery each date,
# gettext and {% translate %} skips looking up the active language.
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = read.folder("MEDIA_ROOT", default="media", base=BASE_DIR)
# Everything in it is served at /media/ (core.views.media): never the project
# folder (.env, the settings), the database (password hashes, sessions) or git.
_published = MEDIA_ROOT.resolve()
_exposed = [(BASE_DIR.resolve(), "the project folder")]
if _db["ENGINE"] == "django.db.backends.sqlite3" and _db["NAME"] != ":memory:":
    _exposed.append((Path(_db["NAME"]).resolve(), "the database"))
for _path, _what in _exposed:
    if _path.is_relative_to(_published):
        raise ImproperlyConfigured(
            f"MEDIA_ROOT: {str(MEDIA_ROOT)!r} holds {_what}, and everything in it is served "
            "at /media/: give uploads a folder of their own, such as media/.")
if _published.is_relative_to(BASE_DIR.resolve() / ".git"):
    raise ImproperlyConfigured(
        f"MEDIA_ROOT: {str(MEDIA_ROOT)!r} is inside .git, and everything in it is served at "
        "/media/: give uploads a folder of their own, such as media/.")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "core.storage.StaticFilesStorage"
    },
}
# Uploaded images on object storage (S3 or compatible) when MEDIA_STORAGE=s3;
# install the "s3" extra (django-storages). Renditions are written there too.
if read.choice("MEDIA_STORAGE", default="local", choices=("local", "s3")) == "s3":
    if not read.given("MEDIA_BUCKET"):
        raise ImproperlyConfigured("Set MEDIA_BUCKET, the bucket's name, with MEDIA_STORAGE=s3.")
    # Without them every page with a picture was a 500 while `check` and /healthz passed.
    _missing = [name for name in ("storages", "boto3") if importlib.util.find_spec(name) is None]
    if _missing:
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE=s3 needs the s3 extra, and {' and '.join(_missing)} "
            f"{'is' if len(_missing) == 1 else 'are'} not installed: pip install \".[s3]\".")
    if read.given("MEDIA_ENDPOINT_URL") and (
            _problem := read.http_address_problem(read.given("MEDIA_ENDPOINT_URL"))):
        read.refuse("MEDIA_ENDPOINT_URL", read.given("MEDIA_ENDPOINT_URL"),
                    f"an address such as https://s3.example.org ({_problem})")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": read.given("MEDIA_BUCKET"),
            "endpoint_url": read.text("MEDIA_ENDPOINT_URL", default=None),
            "region_name": read.text("MEDIA_REGION", default=None),
            "custom_domain": read.domain("MEDIA_CDN_DOMAIN"),
            "querystring_auth": False,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }

# Hashed file names never change content, so browsers may keep them a year.
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365

# Email: EMAIL_URL (e.g. smtp+tls://user:pass@host:587) into Django 6.1's MAILERS.
# The console when developing; in production the machine's own mail server,
# unless EMAIL_URL says otherwise: Django's `check --deploy` refuses the console there
# (mail.E001), and DESIGN.md asks that check to pass on the defaults.
_email = read.email("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            key: value
            for key, value in {
                "host": _email.get("EMAIL_HOST"),
                "port": _email.get("EMAIL_PORT"),
                "username": _email.get("EMAIL_HOST_USER"),
                "password": _email.get("EMAIL_HOST_PASSWORD"),
                "use_tls": _email.get("EMAIL_USE_TLS"),
                "use_ssl": _email.get("EMAIL_USE_SSL"),
                # filemail:////var/mail/evadaily: a folder, one file per email
                # (four slashes for an absolute path, as with sqlite:////).
                "file_path": _email.get("EMAIL_FILE_PATH"),
            }.items()
            if value
        },
    }
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    # A mail server that stops answering must not hold a task worker forever (seconds).
    MAILERS["default"]["OPTIONS"].setdefault("timeout", 30)
DEFAULT_FROM_EMAIL = read.email_address("DEFAULT_FROM_EMAIL",
                                        default="EVA DAILY <newsroom@localhost>",
                                        named=True)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Slow work (every email, the daily edition) runs in a task worker, never in a
# request: `manage.py db_worker`. The queue is a table in the shared database,
# so a worker may run on any machine, and a task is stored in the transaction
# that queues it. Tests use the immediate backend (tests/conftest.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The daily edition goes out at this local time (TIME_ZONE), when cron or a
# scheduler runs `manage.py send_edition`.
EDITION_TIME = read.given("EDITION_TIME") or "06:00"
try:
    EDITION_TIME = datetime.strptime(EDITION_TIME, "%H:%M").time()
except ValueError:
    raise ImproperlyConfigured(
        f"EDITION_TIME: {EDITION_TIME!r} is not a time of day such as 06:00.") from None
# Seconds without progress after which an edition's unsent part is queued again
# (its worker died); no subscriber gets an edition twice either way.
# At least a second: 0 would queue the unsent part again on every look.
EDITION_STALL_SECONDS = read.integer("EDITION_STALL_SECONDS", default=600, minimum=1,
                                     maximum=_DAY)

# HTTPS: when on, the site answers only over HTTPS.
HTTPS = read.boolean("HTTPS", default=False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Behind a proxy: X-Forwarded-Proto is trusted, and X-Forwarded-For only from
# the proxies listed (addresses or networks, comma list): any other sender
# could write any address there (core.ratelimit.client_address).
BEHIND_PROXY = read.boolean("BEHIND_PROXY", default=False)
TRUSTED_PROXIES = read.text_list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an address or a network.") from None
if BEHIND_PROXY:
    if not TRUSTED_PROXIES:
        # Otherwise every reader would share the proxy's address, and one
        # reader's rate limits and sign-in lock-outs would be everyone's.
        raise ImproperlyConfigured(
            "Set TRUSTED_PROXIES (the proxies' addresses) when BEHIND_PROXY is on.")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the shared cache and written through to the database,
# with the account signed in to each, so that deleting it ends them all
# (Django's cached_db engine and its documented way to extend it).
SESSION_ENGINE = "accounts.sessions"
SECURE_CONTENT_TYPE_NOSNIFF = True
# A form refused for its CSRF token gets the site's page, which says what to do.
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sign-in lock-out (django-axes): 5 failures for one username from one address
# lock that pair out for 15 minutes. Failures are counted in the security
# cache, so the limit holds across workers and servers and no address is
# stored in the database; a failure during the lock-out starts the 15 minutes
# again. The handler also limits the sign-in attempts from one address, for
# every username together (accounts/lockout.py, SIGN_IN_ADDRESS_LIMITS).
AXES_HANDLER = "accounts.lockout.SignInHandler"
AXES_CACHE = "security"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_network"  # an IPv6 client by its /64
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False

# Public pages: 20 stories a list page (DESIGN.md section 4).
ARTICLES_PER_PAGE = 20
# Searches one address may make a minute (articles/search.py); 0 for no limit.
# A search is the dearest page a reader can ask for, and no cache answers it.
SEARCH_LIMIT_PER_MINUTE = read.integer("SEARCH_LIMIT_PER_MINUTE", default=30,
                                       zero=" (0 for no limit)")
# Searches running at once, counted across every worker and machine; past that
# the search page asks the reader to try again in a few seconds, so that a
# flood of searches from many addresses cannot take every worker and the
# database from readers. 0 for no cap; at most 1000, each place a key tried in turn
# (far more, and every search was a 500).
SEARCH_CONCURRENCY = read.integer("SEARCH_CONCURRENCY", default=4, zero=" (0 for no cap)",
                                  maximum=1000)

# Whole-page cache for anonymous readers (core/pagecache.py), in seconds.
# Entries also end at midnight and at the next scheduled publication.
PAGE_CACHE_ENABLED = read.boolean("PAGE_CACHE_ENABLED", default=True)
# At most a day: a page ends at midnight whatever this says (far larger, every page was
# a 500: the publication sweep looks this far back).
PAGE_CACHE_SECONDS = read.integer("PAGE_CACHE_SECONDS", default=600, maximum=_DAY)
# Browsers revalidate sooner than shared caches (s-maxage is the full lifetime).
BROWSER_MAX_AGE = 60
# Edge caches (Varnish, deploy/varnish/) purged by cache tag, comma list of URLs
# such as http://127.0.0.1:6081/ (core/edge.py); empty: no edge cache.
EDGE_PURGE_URLS = read.http_addresses("EDGE_PURGE_URLS")
# Public pages name their cache tags (xkey, Surrogate-Key headers) only for an
# edge cache: always when EDGE_PURGE_URLS lists one, and with this on for a
# CDN purged by its own API instead. Readers must not see them otherwise.
EDGE_CACHE_TAGS = read.boolean("EDGE_CACHE_TAGS", default=False)

# Content Security Policy. Public pages carry no inline script or style (they
# are cached whole, and a nonce must never be reused); JSON-LD data blocks are
# not executed, so script-src does not apply to them. Pages that are never
# cached, such as the admin, may use the per-response nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
PERMISSIONS_POLICY_DISABLED = [
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
    "magnetometer", "microphone", "midi", "payment", "usb", "interest-cohort",
]

# Request bodies: readers send little; the admin uploads images (20 MB each).
MAX_REQUEST_BYTES = 256 * 1024
ADMIN_MAX_REQUEST_BYTES = 45 * 1024 * 1024
# A form's fields, in memory: enough for a story's body at its longest (BODY_MAX_CHARS,
# 300,000 characters, up to 4 bytes each) with the rest of the story form. Readers'
# requests stay within MAX_REQUEST_BYTES (core.middleware), whatever their fields.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Structured logs: one JSON object a line on stderr, requests and errors,
# without addresses, cookies or query strings.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logs.JsonFormatter"}},
    "filters": {"refused_requests": {"()": "core.logs.RefusedRequests"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                             "filters": ["refused_requests"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "evadaily.requests": {"handlers": ["console"], "level": read.log_level(
            "REQUEST_LOG_LEVEL", default="INFO"), "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # Django's own handlers for its loggers go: with DEBUG on they printed each
        # line a second time, in plain text (the task worker's, under make run),
        # and mail_admins has no ADMINS to write to. Its lines reach the JSON
        # handler above through the root.
        "django": {"handlers": [], "level": "INFO"},
    },
}
