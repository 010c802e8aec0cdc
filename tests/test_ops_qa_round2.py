"""Operations, second QA round: settings that published the project or broke every
page, the health check behind a real host name, the image, the deploy check's
blind spots, and commands that ended in a traceback.
"""

import http.server
import io
import json
import logging
import os
import re
import runpy
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from comments.models import Comment
from core import env as read
from core.ratelimit import Unavailable
from core.security_cache import SecurityFileCache
from demo.management.commands import seed_demo
from standards.models import BiasReport
from tests.factories import ArticleFactory
from tests.security.test_deploy import deploy_check, manage
from tests.test_settings_qa_round import _settings

ROOT = Path(__file__).resolve().parent.parent
REFUSED = "ImproperlyConfigured: "


def _refused(result):
    """The one line start-up stopped with, and that it came alone."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(REFUSED), result.stderr
    return lines[0].removeprefix(REFUSED)


# 1. An empty variable means its default: MEDIA_ROOT= published the project folder.

def test_an_empty_variable_means_its_default_for_every_text_setting(tmp_path):
    values = _settings(tmp_path, ["MEDIA_ROOT", "NEWSROOM_EMAIL", "DEFAULT_FROM_EMAIL"],
                       MEDIA_ROOT="", NEWSROOM_EMAIL="", DEFAULT_FROM_EMAIL=" ")
    assert values == {"MEDIA_ROOT": str(ROOT / "media"),
                      "NEWSROOM_EMAIL": "newsroom@example.org",
                      "DEFAULT_FROM_EMAIL": "EVA DAILY <newsroom@localhost>"}


def test_a_secret_key_of_white_space_is_no_key(tmp_path):
    result = manage("check", tmp_path=tmp_path, SECRET_KEY="   ")
    assert _refused(result).startswith("Set the SECRET_KEY environment variable")


def test_a_secret_key_is_kept_as_given(tmp_path):
    assert _settings(tmp_path, ["SECRET_KEY"], SECRET_KEY=" a key with spaces ") == {
        "SECRET_KEY": " a key with spaces "}


@pytest.mark.parametrize(("value", "line"), [
    ("/", "MEDIA_ROOT: '/' holds the project folder, and everything in it is served at "
          "/media/: give uploads a folder of their own, such as media/."),
    (".", f"MEDIA_ROOT: '{ROOT}' holds the project folder"),
    (str(ROOT.parent), f"MEDIA_ROOT: '{ROOT.parent}' holds the project folder"),
    (".git/uploads", f"MEDIA_ROOT: '{ROOT / '.git' / 'uploads'}' is inside .git"),
    ("{tmp}", "MEDIA_ROOT: '{tmp}' holds the database"),
])
def test_a_media_root_that_would_publish_the_project_or_the_database_is_refused(
        tmp_path, value, line):
    # tests.security.test_deploy.manage keeps the database in tmp_path.
    value, line = value.replace("{tmp}", str(tmp_path)), line.replace("{tmp}", str(tmp_path))
    assert _refused(manage("check", tmp_path=tmp_path, MEDIA_ROOT=value)).startswith(line)


def test_a_media_root_of_its_own_is_taken(tmp_path):
    assert _settings(tmp_path, ["MEDIA_ROOT"], MEDIA_ROOT=str(tmp_path / "media")) == {
        "MEDIA_ROOT": str(tmp_path / "media")}


def test_text_readers_treat_empty_as_unset(monkeypatch):
    monkeypatch.setenv("SOME_TEXT", "  ")
    assert read.text("SOME_TEXT", default="fallback") == "fallback"
    monkeypatch.setenv("SOME_TEXT", " value ")
    assert read.text("SOME_TEXT", default="fallback") == "value"
    monkeypatch.setenv("SOME_FOLDER", "")
    assert read.folder("SOME_FOLDER", default="media", base=ROOT) == ROOT / "media"
    monkeypatch.setenv("SOME_FOLDER", "/srv/media")
    assert read.folder("SOME_FOLDER", default="media", base=ROOT) == Path("/srv/media")


# 2. /healthz answers probes that ask by address, with HTTPS on; the image's
# HEALTHCHECK asks on GUNICORN_BIND's port.

@pytest.fixture
def real_deployment(settings):
    settings.ALLOWED_HOSTS = ["evadaily.org"]
    settings.SECURE_SSL_REDIRECT = True


@pytest.mark.django_db
def test_healthz_answers_a_probe_by_address_whatever_allowed_hosts_and_https_say(
        real_deployment, client, caplog):
    caplog.set_level(logging.WARNING)
    for host in ("10.0.0.5:8000", "127.0.0.1", "evadaily.org"):
        response = client.get("/healthz", HTTP_HOST=host)
        assert (response.status_code, response.content) == (200, b"ok"), host
        assert response["Cache-Control"].startswith("max-age=0")
        # Before SecurityMiddleware, which would have said so (QA round 6).
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "text/plain; charset=utf-8"
    head = client.head("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert (head.status_code, head.content) == (200, b"")
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    # Nothing else is let through: other pages and paths still check the host first.
    assert client.get("/", HTTP_HOST="10.0.0.5:8000").status_code == 400
    assert client.get("/healthz/", HTTP_HOST="10.0.0.5:8000").status_code == 400
    assert client.get("/", HTTP_HOST="evadaily.org").status_code == 301  # to https://


@pytest.mark.django_db
def test_healthz_by_address_is_still_503_without_the_database(real_deployment, client,
                                                               monkeypatch):
    def broken(*args, **kwargs):
        raise Exception("database down")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 503
    assert response.content.decode().splitlines()[0] == "database unavailable"


def _dockerfile_healthcheck():
    """The HEALTHCHECK's command as the image's shell runs it (continued lines joined)."""
    text = re.sub(r"\\\n", "", (ROOT / "Dockerfile").read_text())
    line = next(line for line in text.splitlines() if line.startswith("HEALTHCHECK "))
    return line.split(" CMD ", 1)[1]


class _Probe(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_the_images_healthcheck_asks_on_the_port_gunicorn_binds(tmp_path, status, healthy):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type(
        "Probe", (_Probe,), {"status": status}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        env = {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        for bind in (f"0.0.0.0:{port}", f"127.0.0.1:{port}"):
            result = subprocess.run(["sh", "-c", _dockerfile_healthcheck()], timeout=30,
                                    env={**env, "GUNICORN_BIND": bind}, capture_output=True)
            assert (result.returncode == 0) is healthy, result.stderr
    finally:
        server.shutdown()
        server.server_close()


def test_gunicorn_takes_an_empty_variable_for_its_default(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "")
    monkeypatch.setenv("GUNICORN_WORKERS", " ")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (config["bind"], config["workers"]) == (["127.0.0.1:8000"], 4)


# 3. The image is built without a developer's .env, database, uploads or caches.

def test_the_image_leaves_out_local_settings_data_and_caches():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".env", ".venv", "db.sqlite3*", "media", ".cache", ".git"} <= ignored
    assert "COPY . ." in (ROOT / "Dockerfile").read_text()  # hence the list above


# 4. A Redis URL the server cannot take: refused at start-up, or, for a database
# only the server knows it lacks, left to the cache's outage handling.

@pytest.mark.parametrize("value", [
    "redis://127.0.0.1:abc/1", "redis://127.0.0.1:0/1", "redis://127.0.0.1:70000/1",
    "redis://127.0.0.1:6379/one", "redis://127.0.0.1:6379/1,redis://10.0.0.6:x/1",
    "memcache://127.0.0.1:11211",
])
def test_a_cache_url_no_server_answers_is_refused(monkeypatch, value):
    monkeypatch.setenv("CACHE_URL", value)
    with pytest.raises(ImproperlyConfigured, match=r"^CACHE_URL: .* is not a URL such as redis"):
        read.cache("CACHE_URL", default=None)


def test_a_cache_url_is_refused_at_start_up_in_one_line(tmp_path):
    assert _refused(manage("check", tmp_path=tmp_path, CACHE_URL="redis://127.0.0.1:abc/1")) == (
        "CACHE_URL: 'redis://127.0.0.1:abc/1' is not a URL such as redis://127.0.0.1:6379/1 or "
        "filecache:///var/cache/evadaily.")


def test_the_last_redis_database_needs_a_security_cache_of_its_own(tmp_path):
    line = _refused(manage("check", tmp_path=tmp_path, CACHE_URL="redis://127.0.0.1:6379/15"))
    assert line.startswith("Set SECURITY_CACHE_URL: CACHE_URL uses Redis database 15")
    caches = _settings(tmp_path, ["CACHES"], CACHE_URL="redis://127.0.0.1:6379/15",
                       SECURITY_CACHE_URL="redis://127.0.0.1:6379/3")["CACHES"]
    assert caches["security"]["LOCATION"] == "redis://127.0.0.1:6379/3"
    caches = _settings(tmp_path, ["CACHES"], CACHE_URL="redis://127.0.0.1:6379")["CACHES"]
    assert caches["security"]["LOCATION"] == "redis://127.0.0.1:6379/1"


# 5. A security-cache folder that cannot be made: commands run, `check` warns.

def test_an_unusable_security_cache_folder_lets_every_command_run(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    folder = {"SECURITY_CACHE_URL": f"filecache://{blocker}/security"}
    migrate = manage("migrate", "--noinput", tmp_path=tmp_path, **folder)
    assert migrate.returncode == 0 and "Traceback" not in migrate.stderr, migrate.stderr
    check = manage("check", tmp_path=tmp_path, **folder)
    assert check.returncode == 0, check.stderr
    assert "(core.W008) The security cache's folder cannot be made: [Errno 20] Not a " \
           "directory" in check.stderr
    assert "Traceback" not in check.stderr


def test_the_folder_is_said_unavailable_at_first_use(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    store = SecurityFileCache(str(blocker / "security"), {})  # made without raising
    assert store.folder_problem().startswith("[Errno 20] Not a directory")
    for use in (lambda: store.get("lock"), lambda: store.has_key("lock"),
                lambda: store.add("lock", 1, 10), lambda: store.incr("lock")):
        with pytest.raises(Unavailable):
            use()
    blocker.unlink()  # the folder can be made now
    assert store.add("lock", 1, 10) and store.get("lock") == 1 and store.has_key("lock")


# 6. Comma lists: items are trimmed, empty ones dropped.

def test_comma_lists_are_trimmed(tmp_path, monkeypatch):
    monkeypatch.setenv("HOSTS", " a.org, b.org ,, ")
    assert read.text_list("HOSTS", default=["x"]) == ["a.org", "b.org"]
    monkeypatch.setenv("HOSTS", " ")
    assert read.text_list("HOSTS", default=["x"]) == ["x"]
    values = _settings(tmp_path, ["ALLOWED_HOSTS", "TRUSTED_PROXIES", "EDGE_PURGE_URLS"],
                       ALLOWED_HOSTS="news.example.org, www.example.org", BEHIND_PROXY="True",
                       TRUSTED_PROXIES="10.0.0.1, 10.0.0.0/8",
                       EDGE_PURGE_URLS="http://10.0.0.5:6081/, http://10.0.0.6:6081/")
    assert values == {"ALLOWED_HOSTS": ["news.example.org", "www.example.org"],
                      "TRUSTED_PROXIES": ["10.0.0.1", "10.0.0.0/8"],
                      "EDGE_PURGE_URLS": ["http://10.0.0.5:6081/", "http://10.0.0.6:6081/"]}


# 7. check --deploy names a SITE_URL that is not the site's address.

@pytest.mark.parametrize(("variables", "ids"), [
    ({"SITE_URL": ""}, {"core.W005", "core.W006", "core.W007"}),  # the default
    ({"SITE_URL": "http://localhost:8000", "ALLOWED_HOSTS": "localhost"},
     {"core.W005", "core.W006"}),
    ({"SITE_URL": "http://news.example.org"}, {"core.W006"}),
    ({"SITE_URL": "https://www.example.org"}, {"core.W007"}),
    ({"SITE_URL": "https://www.example.org", "ALLOWED_HOSTS": ".example.org"}, set()),
    ({"SITE_URL": "https://news.example.org"}, set()),
])
def test_the_deploy_check_names_a_site_url_readers_cannot_use(tmp_path, variables, ids):
    result, found = deploy_check(tmp_path, HTTPS="True", **variables)
    assert found == ids, result.stderr
    assert (result.returncode == 0) is (not ids)


def test_development_keeps_its_loopback_site_url(tmp_path):
    result, found = deploy_check(tmp_path, DEBUG="True", SITE_URL="http://127.0.0.1:8000",
                                 ALLOWED_HOSTS="127.0.0.1")
    assert not found & {"core.W005", "core.W006", "core.W007"}, result.stderr


# 9. The README says how to deploy: first migration, first editor, the image, cron.

def test_the_readme_says_how_to_set_up_and_run_a_deployment():
    readme = (ROOT / "README.md").read_text()
    deployment = readme.split("\n## Deployment\n", 1)[1].split("\n## ", 1)[0]
    for said in ("python manage.py migrate", "python manage.py createsuperuser",
                 "docker build -t evadaily .", "purge_personal_data", "send_edition",
                 "Editors", "Moderators"):
        assert said in deployment, said


# 10. Commands: one line, not a traceback; paths from the project folder; .env lines.

@pytest.mark.django_db
@pytest.mark.parametrize("size", ["0", "-5", "100000000000000000000"])
def test_send_edition_refuses_a_batch_size_it_cannot_use(size):
    with pytest.raises(CommandError, match=rf"^--batch-size {size}: give a number of "
                                           r"subscribers from 1 to 100,000\.$"):
        call_command("send_edition", "--batch-size", size, stdout=io.StringIO())


@pytest.mark.django_db
def test_seed_demo_interrupted_leaves_nothing_half_done(monkeypatch):
    story = ArticleFactory(slug="a-story")
    conversation = {
        "comment_pools": [{"story": story.slug, "keywords": [], "comments": [
            {"reader": "reader", "body": "A first comment.", "minutes_ago": 5}]}],
        "bias_reports": [{"story": story.slug, "reason": "other", "details": "Why?",
                          "days_ago": 1, "status": "upheld", "resolution_note": "Fixed."}],
    }
    load = seed_demo._load
    monkeypatch.setattr(seed_demo, "_load", lambda name: (
        conversation if name == "conversation.json" else load(name)))
    monkeypatch.setattr(seed_demo.Command, "_import_stories", lambda *args: None)

    def ctrl_c(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(seed_demo, "decide_bias_report", ctrl_c)
    try:
        with pytest.raises(CommandError) as interrupted:
            call_command("seed_demo", "--allow-without-debug", stdout=io.StringIO())
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C came out of seed_demo as a traceback")
    assert str(interrupted.value) == "Interrupted; nothing is left half-done: run seed_demo again."
    assert interrupted.value.returncode == 130
    assert not Comment.objects.exists() and not BiasReport.objects.exists()


def test_a_relative_sqlite_path_is_taken_from_the_project_folder(tmp_path):
    code = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code], cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "SECRET_KEY": "x",
             "DATABASE_URL": "sqlite:///data/site.sqlite3"},
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(ROOT / "data" / "site.sqlite3")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "value", "line"), [
    ("DATABASE_URL", "mysql://app:s3cret@127.0.0.1/evadaily",
     "DATABASE_URL: 'mysql://app:***@127.0.0.1/evadaily' is not a URL such as postgres://"),
    ("CACHE_URL", "memcache://127.0.0.1:11211",
     "CACHE_URL: 'memcache://127.0.0.1:11211' is not a URL such as redis://"),
    # Taken before, and every page was a 500 while /healthz said ok: a client library
    # the site does not install (django-environ reads pymemcache:// as pylibmc), and a
    # table nothing creates.
    ("CACHE_URL", "pymemcache://127.0.0.1:11211",
     "CACHE_URL: 'pymemcache://127.0.0.1:11211' is not a URL such as redis://"),
    ("CACHE_URL", "dbcache://cache_table",
     "CACHE_URL: 'dbcache://cache_table' is not a URL such as redis://"),
    ("SECURITY_CACHE_URL", "pylibmc://127.0.0.1:11211",
     "SECURITY_CACHE_URL: 'pylibmc://127.0.0.1:11211' is not a URL such as redis://"),
    ("MEDIA_STORAGE", "s4", "MEDIA_STORAGE: 's4' is not one of local, s3."),
])
def test_an_unsupported_backend_stops_start_up_in_one_line(tmp_path, name, value, line):
    assert _refused(manage("check", tmp_path=tmp_path, **{name: value})).startswith(line)


def test_media_storage_is_read_in_any_case(tmp_path):
    storages, stderr = _s3_storages(tmp_path, MEDIA_STORAGE="S3")
    assert storages is not None, stderr
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storages["default"]["OPTIONS"]["bucket_name"] == "evadaily-media"


def _s3_storages(tmp_path, **variables):
    """(settings.STORAGES or None, stderr) with MEDIA_STORAGE=s3, its extra taken as installed."""
    code = ("import importlib.util, json; real = importlib.util.find_spec; "
            "importlib.util.find_spec = lambda name, *args: object() "
            "if name in ('storages', 'boto3') else real(name, *args); "
            "from django.conf import settings; print(json.dumps(settings.STORAGES))")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
             "DJANGO_SETTINGS_MODULE": "evadaily.settings", "SECRET_KEY": "test-only",
             "MEDIA_STORAGE": "s3", "MEDIA_BUCKET": "evadaily-media", **variables})
    if result.returncode:
        return None, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


@pytest.mark.parametrize(("value", "kept"), [
    ("cdn.example.org", "cdn.example.org"),
    ("cdn.example.org/", "cdn.example.org"),  # storages writes https://{domain}/{name}
    ("d111111abcdef8.cloudfront.net/media/", "d111111abcdef8.cloudfront.net/media"),
    ("cdn.example.org:8443", "cdn.example.org:8443"),
])
def test_the_cdn_domain_is_kept_as_the_pictures_addresses_need_it(tmp_path, value, kept):
    storages, stderr = _s3_storages(tmp_path, MEDIA_CDN_DOMAIN=value)
    assert storages is not None, stderr
    assert storages["default"]["OPTIONS"]["custom_domain"] == kept


@pytest.mark.parametrize("value", ["https://cdn.example.org", "//cdn.example.org",
                                   "cdn example.org", "http:cdn.example.org"])
def test_a_cdn_domain_written_as_an_address_stops_start_up(tmp_path, value):
    """django-storages writes https:// before it: every picture's address was
    https://https://cdn.example.org/..., and no picture showed."""
    storages, stderr = _s3_storages(tmp_path, MEDIA_CDN_DOMAIN=value)
    assert storages is None
    assert stderr.strip().splitlines()[-1] == (
        f"django.core.exceptions.ImproperlyConfigured: MEDIA_CDN_DOMAIN: {value!r} is not a "
        "domain such as cdn.example.org (without https://).")


@pytest.fixture
def dotenv(tmp_path, monkeypatch):
    """Read a .env file of these lines; the variables it sets are undone after the test."""
    def read_lines(*lines):
        path = tmp_path / ".env"
        path.write_text("\n".join(lines) + "\n")
        for line in lines:
            name = re.match(r"\s*(?:export\s+)?(\w+)", line)
            if name:
                monkeypatch.delenv(name[1], raising=False)
        read.dotenv(path)
        return os.environ
    return read_lines


def test_a_dotenv_file_reads_comments_spaces_and_quotes(dotenv):
    environ = dotenv("# a comment", "", "DOTENV_A=on  # for now", "DOTENV_B = spaced",
                     "export DOTENV_C=exported", "DOTENV_D='kept # as is'",
                     'DOTENV_E="say \\"hi\\"" # quoted', "DOTENV_F=abc#def", "DOTENV_G=")
    assert [environ[f"DOTENV_{c}"] for c in "ABCDEFG"] == [
        "on", "spaced", "exported", "kept # as is", 'say "hi"', "abc#def", ""]


def test_a_dotenv_file_does_not_override_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DOTENV_SET", "from the environment")
    (tmp_path / ".env").write_text("DOTENV_SET=from the file\n")
    read.dotenv(tmp_path / ".env")
    read.dotenv(tmp_path / "missing.env")  # no file: nothing to read
    assert os.environ["DOTENV_SET"] == "from the environment"


@pytest.mark.parametrize("line", ["DEBUG True", "SECRET_KEY='unterminated",
                                  "NAME='quoted' and more", "1NAME=x", "= value"])
def test_a_malformed_dotenv_line_stops_start_up_naming_its_number(dotenv, line):
    with pytest.raises(ImproperlyConfigured, match=r", line 2: not NAME=value \(a comment "
                                                   r"line starts with #\)\.$") as refused:
        dotenv("DOTENV_OK=1", line)
    assert "unterminated" not in str(refused.value)  # the line may hold a password


def test_django_logs_once_in_development(tmp_path):
    code = "import logging; logging.getLogger('django.tasks').info('Task ran')"
    result = manage("shell", "-c", code, tmp_path=tmp_path, DEBUG="True")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "Task ran" in line]
    assert len(lines) == 1 and json.loads(lines[0])["logger"] == "django.tasks", result.stderr
