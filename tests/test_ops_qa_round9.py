"""Operations, QA round 9: a tester followed README literally.

After a restore the caches served pages of what the backup did not hold
(manage.py purge_pages); and README left out collectstatic, a varnishd
command that works, settings gunicorn and the site read, and what the site
keeps about readers. scripts/backup.py's own findings are in
tests/test_backup_qa_round9.py.
"""

import os
import re
import shlex
import subprocess
import sys
from datetime import datetime, timedelta, timezone as dt_timezone
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import RequestFactory

from articles.models import Article
from core import edge, pagecache, ratelimit
from tests.factories import ArticleFactory
from tests.test_settings_qa_round import _settings
from tests.varnish import VARNISHD

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=dt_timezone.utc)


def _section(title):
    """One `## title` section of README, without its heading."""
    readme = (ROOT / "README.md").read_text()
    return readme.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _code_blocks(text):
    return re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)


# 2. manage.py purge_pages: after a restore, no page kept from before is served.

def _purge_pages():
    out = StringIO()
    call_command("purge_pages", stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def story():
    return ArticleFactory(headline="Harbour reopens", slug="harbour",
                          published_at=NOW - timedelta(hours=1))


@pytest.mark.django_db
@pytest.mark.usefixtures("page_cache_on")
@time_machine.travel(NOW, tick=False)
def test_purge_pages_renders_a_page_kept_before_it_anew(client, story):
    assert client.get("/articles/harbour/")["X-Page-Cache"] == "miss"
    # A restore changes rows without saving them: nothing tells the page cache.
    Article.objects.filter(pk=story.pk).update(headline="Harbour stays shut")
    kept = client.get("/articles/harbour/")
    assert kept["X-Page-Cache"] == "hit" and b"Harbour reopens" in kept.content
    assert _purge_pages() == "Every page the page cache kept is rendered anew on its next request."
    fresh = client.get("/articles/harbour/")
    assert fresh["X-Page-Cache"] == "miss"
    assert b"Harbour stays shut" in fresh.content and b"Harbour reopens" not in fresh.content


@pytest.mark.django_db
@pytest.mark.usefixtures("page_cache_on")
@time_machine.travel(NOW, tick=False)
def test_purge_pages_serves_no_page_from_before_even_while_one_renders_it(client, story):
    """A page merely stale is served while another request renders it: the restored
    database may not hold the story it shows."""
    client.get("/articles/harbour/")
    _purge_pages()
    request = RequestFactory().get("/articles/harbour/")
    assert pagecache._public_view(request)
    assert cache.add(f"{pagecache._key(request)}:rendering", 1, 10)
    assert client.get("/articles/harbour/")["X-Page-Cache"] == "miss"


@pytest.mark.django_db
def test_purge_pages_keeps_rate_limits_and_lock_outs(settings, tmp_path):
    # Two stores, as in production (the suite shares one between both aliases).
    store = "django.core.cache.backends.locmem.LocMemCache"
    settings.CACHES = {"default": {"BACKEND": store, "LOCATION": f"pages-{tmp_path.name}"},
                       "security": {"BACKEND": store, "LOCATION": f"limits-{tmp_path.name}"}}
    limits = (ratelimit.Limit("qa-round9", 1, 3600),)
    assert ratelimit.acquire(limits, "reader") == 0
    _purge_pages()
    assert ratelimit.acquire(limits, "reader") > 0  # still used up


@pytest.mark.django_db
def test_purge_pages_purges_every_edge_cache_by_the_site_tag(settings, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    settings.EDGE_PURGE_URLS = ["http://127.0.0.1:6081/", "http://10.0.0.6:6081/"]
    sent = []
    monkeypatch.setattr(edge, "purge", lambda tags, kept_for=None: sent.append(sorted(tags)))
    with django_capture_on_commit_callbacks(execute=True):
        said = _purge_pages().splitlines()
    assert sent == [[pagecache.SITE_TAG]]
    assert said[1] == ("Sent 2 edge caches a purge of every page (tag 'site'); a cache that "
                       "did not confirm it is named in a warning, and the task worker sends it "
                       "the purge again.")


@pytest.mark.django_db
def test_purge_pages_reminds_of_a_cdn_purged_through_its_own_api(settings):
    settings.EDGE_PURGE_URLS, settings.EDGE_CACHE_TAGS = [], True
    assert _purge_pages().splitlines()[1] == (
        "EDGE_CACHE_TAGS is on: purge your CDN of tag 'site' through its own API.")


def test_readme_restores_then_purges_the_pages():
    restoring = _section("Backup and restore")
    command = ("pg_restore --clean --if-exists --no-owner --single-transaction "
               "--exit-on-error")
    assert command in restoring
    assert (restoring.index("scripts/backup.py verify backup.dump`")
            < restoring.index(command) < restoring.index("manage.py purge_pages\n"))
    assert "pg_dump" in restoring and "postgresql-client" in restoring
    assert "refuses while anything still has the database open" not in restoring


# 1, 15. The set-up runs collectstatic; cron runs in the project folder with its Python.

def test_readme_sets_up_with_collectstatic_before_the_server_starts():
    setup = next(block for block in _code_blocks(_section("Deployment"))
                 if "createsuperuser" in block and "docker" not in block)
    lines = setup.splitlines()
    steps = [next(n for n, line in enumerate(lines) if said in line)
             for said in ("manage.py migrate", "manage.py collectstatic --noinput",
                          "gunicorn evadaily.wsgi")]
    assert steps == sorted(steps)


def test_readme_cron_lines_run_in_the_project_folder_with_its_python():
    cron = next(block for block in _code_blocks(_section("Deployment"))
                if "purge_personal_data" in block and "docker" not in block)
    jobs = [line for line in cron.splitlines() if line.strip()]
    assert len(jobs) == 2
    for job in jobs:
        assert re.match(r"(\S+ +){5}cd /srv/evadaily && \.venv/bin/python manage\.py "
                        r"(send_edition|purge_personal_data) ", job), job


# 14, 8. Every variable the settings and gunicorn read has its row in the table.

def _read_variables():
    settings_py = (ROOT / "evadaily" / "settings.py").read_text()
    names = set(re.findall(r"read\.\w+\(\s*\"([A-Z_]+)\"", settings_py))
    for path in ("gunicorn.conf.py", "core/gunicorn_worker.py"):
        names |= set(re.findall(r"(?:os\.environ\.get|_variable)\(\"(GUNICORN_\w+)\"",
                                (ROOT / path).read_text()))
    return names


def test_the_configuration_table_has_every_variable_that_is_read():
    rows = [line for line in _section("Configuration").splitlines() if line.startswith("| `")]
    in_table = {name for row in rows for name in re.findall(r"`([A-Z_]+)`", row.split("|")[1])}
    read = _read_variables()
    assert {"CONN_MAX_AGE", "PAGE_CACHE_ENABLED", "PAGE_CACHE_SECONDS",
            "GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS"} <= read
    assert read - in_table == set()
    gunicorn = next(row for row in rows if "`GUNICORN_BIND`" in row)
    assert "from the environment only" in gunicorn and ".env" in gunicorn


# 12. HSTS as the settings send it.

def test_readme_says_what_hsts_https_turns_on(tmp_path):
    values = _settings(tmp_path, ["SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
                                  "SECURE_HSTS_PRELOAD"], HTTPS="True")
    assert values == {"SECURE_HSTS_SECONDS": 365 * 24 * 3600,
                      "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True}
    row = next(line for line in _section("Configuration").splitlines()
               if line.startswith("| `HTTPS`"))
    assert "max-age=31536000; includeSubDomains; preload" in row
    assert "every subdomain" in row and "Hard to undo" in row


# 9. README's varnishd command finds backends.vcl.

def _readme_varnishd():
    text = _section("Deployment").replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("varnishd "))
    return shlex.split(line.replace("/srv/evadaily", str(ROOT)))


@pytest.mark.databaseless
def test_the_readme_varnishd_command_compiles_the_shipped_vcl(tmp_path):
    args = _readme_varnishd()
    options = dict(zip(args[1::2], args[2::2]))
    assert options["-f"] == str(ROOT / "deploy" / "varnish" / "default.vcl")
    # -C compiles the VCL (includes and all) and exits; -a and -s are not needed for that.
    compiled = subprocess.run(
        [VARNISHD, "-C", "-n", str(tmp_path / "work"), "-f", options["-f"],
         "-p", options["-p"]], capture_output=True, text=True, timeout=60)
    assert compiled.returncode == 0, compiled.stderr[-2000:]
    # Without vcl_path, as the tester ran it first:
    alone = subprocess.run([VARNISHD, "-C", "-n", str(tmp_path / "work"), "-f", options["-f"]],
                           capture_output=True, text=True, timeout=60)
    assert "Cannot read file 'backends.vcl'" in alone.stderr


def test_readme_says_what_the_tls_terminator_in_front_of_varnish_must_send():
    deployment = _section("Deployment")
    assert "`X-Forwarded-Proto: https`" in deployment and "`BEHIND_PROXY=True`" in deployment


# 15. purge_personal_data says what it does.

def test_purge_personal_data_help_says_when_reporters_emails_go():
    from accounts.management.commands.purge_personal_data import Command

    assert "30 days after their report was decided" in Command.help
    assert "outcome was sent" not in Command.help


def test_an_empty_gunicorn_threads_means_the_default():
    # A process of its own: the worker reads the variable when it is imported.
    result = subprocess.run(
        [sys.executable, "-c", "import core.gunicorn_worker as w; print(w.DEFAULT_THREADS)"],
        cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=60,
        env={**os.environ, "GUNICORN_THREADS": " "}, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "4"
