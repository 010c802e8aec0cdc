import os
import shutil
import subprocess
import sys
import uuid

import pytest
from django.conf import settings

SCRIPT = [sys.executable, "scripts/backup.py"]


def _run(env, *args, check=True):
    return subprocess.run([*SCRIPT, *args], cwd=settings.BASE_DIR, env=env, check=check,
                          capture_output=True, text=True, timeout=300)


def _manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                   check=True, capture_output=True, timeout=300)


def _postgres(url, name):
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def _migrated_site(tmp_path_factory):
    """Migrated once per run; each test's database is a copy of it.

    A SQLite file copied whole, or a PostgreSQL database made with its
    template: seconds cheaper than running every migration per test.
    """
    folder = tmp_path_factory.mktemp("backup-template")
    env = {**os.environ, "SECRET_KEY": "test-only", "MEDIA_ROOT": str(folder / "media")}
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = f"backup_template_{uuid.uuid4().hex[:10]}"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True,
                       timeout=60)
        env["DATABASE_URL"] = _postgres(url, name)
    else:
        name = folder / "site.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{name}"
    try:
        _manage(env, "migrate", "--noinput")
        yield name
    finally:
        if url.startswith("postgres"):
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", name], timeout=60)


@pytest.fixture
def site_database(_migrated_site, tmp_path):
    """A migrated database of its own: SQLite in tmp_path, or a scratch PostgreSQL one."""
    env = {**os.environ, "SECRET_KEY": "test-only", "MEDIA_ROOT": str(tmp_path / "media")}
    url = os.environ.get("DATABASE_URL", "")
    name = None
    if url.startswith("postgres"):
        name = f"backup_test_{uuid.uuid4().hex[:10]}"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "-T", _migrated_site,
                        name], check=True, timeout=60)
        env["DATABASE_URL"] = _postgres(url, name)
    else:
        shutil.copyfile(_migrated_site, tmp_path / "site.sqlite3")
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    yield env
    if name:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", name], timeout=60)


def _add_section(env, name):
    _manage(env, "shell", "-c",
            f"from articles.models import Section; Section.objects.create(name={name!r}, "
            f"slug={name.lower()!r})")


def test_backup_restores_with_the_same_rows(site_database, tmp_path):
    _add_section(site_database, "World")
    target = tmp_path / "backup.dump"
    assert "Backed up" in _run(site_database, "backup", str(target)).stdout
    result = _run(site_database, "verify", str(target))
    assert "Restore verified" in result.stdout


def test_verify_of_a_backup_without_its_record_fails_when_the_live_database_differs(
        site_database, tmp_path):
    target = tmp_path / "backup.dump"
    _run(site_database, "backup", str(target))
    # A backup made before the counts were recorded beside it: compared with the live one.
    (tmp_path / "backup.dump.counts.json").unlink()
    _add_section(site_database, "Later")
    result = _run(site_database, "verify", str(target), check=False)
    assert result.returncode != 0
    assert "articles_section: live 1, restored 0" in result.stdout
