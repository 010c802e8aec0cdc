"""Integration fixtures: a fresh database, real gunicorn processes, a stdlib HTTP client.

Nothing here uses pytest-django's test database. Each module gets its own
database, a copy of one migrated once per session by `manage.py migrate` and
seeded by manage.py subprocesses, and gunicorn servers on 127.0.0.1 that
share it and one cache, as app servers behind a load balancer do:

- when the suite's DATABASE_URL is a postgres URL: a new PostgreSQL database
  `evadaily_it_<random>` on the same server, Redis database 11 as the cache
  and 13 as the security cache;
- otherwise (the SQLite default): a SQLite file and a file-based cache, both
  in a temporary folder (the security cache beside it, as settings.py does).

Tests that stop Redis start their own `redis-server` (the `redis_server`
fixture) on a free port, never touching the shared one.

Every subprocess and request has a timeout, and every server is stopped at
teardown, before its database is dropped.
"""

import http.cookiejar
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.redis_dbs import redis_url
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PASSWORD = "it-reader-password-7311"
REDIS_URL = redis_url(0)  # private to these tests: flushed at start and end
SECURITY_REDIS_URL = redis_url(2)  # likewise
REQUEST_TIMEOUT = 20  # seconds, every HTTP request
START_TIMEOUT = 30  # seconds for a server to answer /healthz


def suite_database_url():
    return os.environ.get("DATABASE_URL", "")


def on_postgres():
    return suite_database_url().startswith(("postgres://", "postgresql://", "pgsql://"))


# ---------------------------------------------------------------------------
# Databases and caches


def _postgres_url(name):
    """The URL of database `name` on the suite's PostgreSQL server."""
    return urllib.parse.urlsplit(suite_database_url())._replace(path=f"/{name}").geturl()


def _postgres_admin(sql):
    """Run sql in the server's maintenance database (CREATE and DROP DATABASE)."""
    import psycopg

    server = urllib.parse.urlsplit(_postgres_url("postgres"))._replace(scheme="postgresql")
    with psycopg.connect(server.geturl(), autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql)


@contextmanager
def _postgres_database(template):
    """A copy of the migrated template database, and the Redis databases, flushed."""
    import redis

    name = f"evadaily_it_{secrets.token_hex(4)}"
    caches = [redis.Redis.from_url(url, socket_timeout=10)
              for url in (REDIS_URL, SECURITY_REDIS_URL)]
    _postgres_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        for cache in caches:
            cache.flushdb()
        yield _postgres_url(name), {"CACHE_URL": REDIS_URL,
                                    "SECURITY_CACHE_URL": SECURITY_REDIS_URL}
    finally:
        try:
            for cache in caches:
                cache.flushdb()
        finally:
            for cache in caches:
                cache.close()
            _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _sqlite_database(folder, template):
    """A copy of the migrated template file, and a file-based cache beside it."""
    shutil.copyfile(template, folder / "db.sqlite3")
    yield f"sqlite:///{folder / 'db.sqlite3'}", {"CACHE_URL": f"filecache://{folder / 'cache'}"}


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory, _collected_static):
    """Migrated once per session; each module's site starts from a copy of it.

    A PostgreSQL database copied with CREATE DATABASE … TEMPLATE, or a SQLite file
    copied whole: seconds cheaper than running every migration again per module.
    """
    folder = tmp_path_factory.mktemp("template")
    if on_postgres():
        name = f"evadaily_it_template_{secrets.token_hex(4)}"
        _postgres_admin(f'CREATE DATABASE "{name}"')
        database_url = _postgres_url(name)
    else:
        name = folder / "db.sqlite3"
        database_url = f"sqlite:///{name}"
    env = _site_env(folder, database_url, {"CACHE_URL": f"filecache://{folder / 'cache'}"})
    try:
        Site(env, folder).manage("migrate", "--noinput", "-v0")
        yield name
    finally:
        if on_postgres():
            _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------------------
# Static files: DEBUG is off, so pages need an up-to-date collectstatic manifest.


def _manifest_is_stale():
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    try:
        known = json.loads(manifest.read_text())["paths"]
    except (OSError, ValueError, KeyError):
        return True
    built = manifest.stat().st_mtime
    sources = [ROOT / "static", *(p for p in ROOT.glob("*/static") if p.parent.name != ".venv")]
    for folder in sources:
        for path in folder.rglob("*"):
            if path.is_file() and (path.relative_to(folder).as_posix() not in known
                                   or path.stat().st_mtime > built):
                return True
    return False


@pytest.fixture(scope="session")
def _collected_static():
    if _manifest_is_stale():
        env = {**os.environ, "DEBUG": "False", "SECRET_KEY": "test"}
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                       env=env, check=True, timeout=120)


# ---------------------------------------------------------------------------
# Servers


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base + path

    def log(self):
        return self.log_path.read_text(errors="replace")

    def wait_until_up(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=5) as response:
                    if response.read() == b"ok":
                        return True
            except OSError:
                time.sleep(0.2)
        return False

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn's graceful shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                # The master leads its own session: this ends it and its workers.
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@dataclass
class Site:
    """One database and cache, and the gunicorn instances serving them."""

    env: dict
    folder: Path
    servers: list = field(default_factory=list)

    def manage(self, *args, timeout=120):
        result = subprocess.run([PYTHON, "manage.py", *args], check=False, cwd=ROOT,
                                env=self.env, capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, (
            f"manage.py {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result

    def shell(self, code, timeout=120, **params):
        """Run code in `manage.py shell`; it prints `RESULT <json>`, which is returned."""
        prelude = f"import json\nPARAMS = json.loads({json.dumps(params)!r})\n"
        output = self.manage("shell", "-v0", "-c", prelude + code, timeout=timeout).stdout
        for line in reversed(output.splitlines()):
            if line.startswith("RESULT "):
                return json.loads(line.removeprefix("RESULT "))
        raise AssertionError(f"no RESULT line in the shell's output:\n{output[-3000:]}")

    def start(self, workers=2, env=None):
        """A gunicorn instance on a free port, once it answers /healthz.

        env: variables to set or override for this instance only.
        """
        return self._start(lambda port: [
            PYTHON, "-m", "gunicorn", "evadaily.wsgi",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--timeout", "30", "--graceful-timeout", "5", "--log-level", "warning",
            # Instances would otherwise share ~/.gunicorn/gunicorn.ctl.
            "--no-control-socket"], lambda port: env or {})

    def start_as_in_production(self):
        """gunicorn started as the Dockerfile starts it: no flags, only gunicorn.conf.py."""
        gunicorn = str(Path(PYTHON).parent / "gunicorn")
        return self._start(lambda port: [gunicorn, "evadaily.wsgi"],
                           lambda port: {"GUNICORN_BIND": f"127.0.0.1:{port}"})

    def _start(self, command, env):
        for _ in range(3):  # a free port can be taken between the probe and the bind
            port = _free_port()
            log_path = self.folder / f"gunicorn-{port}.log"
            with open(log_path, "wb") as log:
                process = subprocess.Popen(
                    command(port), cwd=ROOT, env={**self.env, **env(port)}, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True)
            server = Server(process, port, log_path)
            self.servers.append(server)
            if server.wait_until_up():
                return server
            server.stop()
            if "Address already in use" not in server.log():
                break
        raise AssertionError(f"gunicorn did not start:\n{server.log()[-3000:]}")

    def stop_all(self):
        for server in self.servers:
            server.stop()

    def server_errors(self):
        """Log lines of every server that tell of an error (a 500, a dead worker)."""
        markers = ('"level": "ERROR"', '"level": "CRITICAL"', "Traceback", "[CRITICAL]",
                   "WORKER TIMEOUT", "database is locked")
        return [line for server in self.servers for line in server.log().splitlines()
                if any(marker in line for marker in markers)]


class Worker:
    """`manage.py db_worker` in a session of its own, stopped (or killed) by its PID."""

    def __init__(self, env, log_path):
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [PYTHON, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay",
                 "--no-reload"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()  # finishes the task in hand, then exits
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def _site_env(folder, database_url, cache_urls):
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "test",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        **cache_urls,
        "MEDIA_ROOT": str(folder / "media"),
        "REQUEST_LOG_LEVEL": "WARNING",
        "SITE_URL": "http://127.0.0.1",
        "HTTPS": "False",
        "PAGE_CACHE_ENABLED": "True",
        "EMAIL_URL": "consolemail://",
        "MEDIA_STORAGE": "local",
    }
    # What the machine's environment says of these would change what is tested.
    for name in ("BEHIND_PROXY", "TRUSTED_PROXIES", "SECURITY_CACHE_URL", "GUNICORN_BIND",
                 "GUNICORN_WORKERS", "GUNICORN_THREADS"):
        if name not in cache_urls:
            env.pop(name, None)
    return env


@contextmanager
def gunicorn_alone(folder, **variables):
    """gunicorn as the image runs it, on a SQLite file and a file cache of its own in
    folder, migrated: for tests of the server itself, the same on any database
    (`databaseless`). variables: more of the environment (GUNICORN_WORKERS...)."""
    site = Site(_site_env(folder, f"sqlite:///{folder / 'db.sqlite3'}",
                          {"CACHE_URL": f"filecache://{folder / 'cache'}", **variables}), folder)
    # /healthz, which the start waits for, reads the site's tables.
    site.manage("migrate", "--noinput", "-v0")
    try:
        yield site.start_as_in_production()
    finally:
        site.stop_all()


@pytest.fixture(scope="module")
def site(tmp_path_factory, _migrated_template):
    """A migrated, empty site: start servers with site.start(), seed with site.shell()."""
    folder = tmp_path_factory.mktemp("site")
    database = (_postgres_database(_migrated_template) if on_postgres()
                else _sqlite_database(folder, _migrated_template))
    with database as (database_url, cache_urls):
        site = Site(_site_env(folder, database_url, cache_urls), folder)
        try:
            yield site
        finally:
            site.stop_all()


@pytest.fixture
def redis_server(tmp_path):
    """A running redis-server of this test's own (not the shared one on 6379)."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


NEWSROOM = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone
from articles.models import Article, Section
from authors.models import Author

User = get_user_model()
password = make_password(PARAMS["password"])  # hashed once: it is slow on purpose
editor = User.objects.create(username="it_editor", email="it_editor@example.org",
                             password=password, is_staff=True)
editor.groups.add(Group.objects.get(name="Editors"))
for name in PARAMS["readers"]:
    User.objects.create(username=name, email=f"{name}@example.org", password=password)
world = Section.objects.create(name="World", slug="world", position=1)
author = Author.objects.create(name="Ada Reporter", slug="ada-reporter")
now = timezone.now()
body = "The harbour authority met on Tuesday.\\n\\nIt agreed a new timetable."
published = [
    Article.objects.create(headline=f"Harbour story number {i}", slug=f"harbour-story-{i}",
                           body=body, section=world, author=author, status="published",
                           published_at=now - timedelta(hours=i + 1)).slug
    for i in range(3)
]
draft = Article.objects.create(headline="Lighthouse keepers return to Cape Mara",
                               slug="lighthouse-keepers-return", body=body, section=world,
                               author=author, status="draft")
print("RESULT " + json.dumps({"published": published, "draft": {
    "id": draft.pk, "slug": draft.slug, "headline": draft.headline}}))
"""

READERS = ["reader_a", "reader_c"]


_SIGNED_IN_READERS = """
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model
from importlib import import_module

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
backend = next(b for b in settings.AUTHENTICATION_BACKENDS if b.endswith(".ModelBackend"))
sessions = {}
for name in PARAMS["names"]:
    user = get_user_model()(username=name, email=f"{name}@example.org")
    user.set_unusable_password()
    user.save()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    sessions[name] = session.session_key
print("RESULT " + json.dumps(sessions))
"""


def signed_in_readers(site, names):
    """New readers with sessions made as a sign-in makes them: {name: session key}.

    Made directly: hashing a password per reader (slow on purpose) would take
    most of a test's time.
    """
    return site.shell(_SIGNED_IN_READERS, names=names)


@pytest.fixture(scope="module")
def newsroom(site):
    """Three public stories and a draft in World, an editor, readers (all with PASSWORD)."""
    return site.shell(NEWSROOM, password=PASSWORD, readers=READERS)


# ---------------------------------------------------------------------------
# HTTP: the standard library, a cookie jar, CSRF from the csrftoken cookie


@dataclass
class Response:
    status: int
    headers: object  # an email.message.Message: case-insensitive get()
    text: str


def until(condition, seconds=10):
    """condition()'s first true value within seconds, else its last one."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx itself is returned, to be checked


# For servers whose readers come through a proxy on 127.0.0.1, each from an
# address of their own (Client(address=...)).
FROM_PROXY = {"BEHIND_PROXY": "True", "TRUSTED_PROXIES": "127.0.0.1"}


class Client:
    """A browser without JavaScript: one cookie jar, sent to every port on 127.0.0.1.

    address: where the reader is, as a proxy in front would say (X-Forwarded-For),
    for a server started with FROM_PROXY; without it, every reader is 127.0.0.1,
    one connection with one connection's allowances.
    """

    def __init__(self, address=None):
        self.headers = {"X-Forwarded-For": address} if address else {}
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(self.jar),
            _NoRedirect,
        )

    def cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), None)

    def set_cookie(self, name, value):
        self.jar.set_cookie(http.cookiejar.Cookie(
            0, name, value, None, False, "127.0.0.1", False, False, "/", True, False,
            None, False, None, None, {}))

    def request(self, method, url, data=None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, method=method,
                                         headers={**self.headers, **(headers or {})})
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                return Response(response.status, response.headers,
                                response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:  # 3xx, 4xx and 5xx
            with error:
                return Response(error.code, error.headers,
                                error.read().decode("utf-8", "replace"))

    def get(self, url):
        return self.request("GET", url)

    def post(self, url, data):
        """POST a form with the CSRF token from the cookie, as field and header."""
        token = self.cookie("csrftoken")
        assert token, "no csrftoken cookie yet: GET a page with a form first"
        return self.request("POST", url, {**data, "csrfmiddlewaretoken": token},
                            headers={"X-CSRFToken": token})

    def login(self, server, username, password=PASSWORD):
        page = self.get(server.url("/accounts/login/"))
        assert page.status == 200, page.status
        response = self.post(server.url("/accounts/login/"),
                             {"username": username, "password": password, "next": "/"})
        assert response.status == 302, (response.status, response.text[-2000:])
        assert self.cookie("sessionid"), "signed in without a session cookie"
        return response
