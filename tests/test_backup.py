import os
import shutil
import subprocess
import sys
import uuid

import pytest
from django.conf import settings

from tests.integration import conftest as integration

SCRIPT = [sys.executable, "scripts/backup.py"]

# The integration tests' database, migrated once per run (with the static files it needs).
_migrated_template = integration._migrated_template
_collected_static = integration._collected_static


def _run(env, *args, check=True):
    return subprocess.run([*SCRIPT, *args], cwd=settings.BASE_DIR, env=env, check=check,
                          capture_output=True, text=True, timeout=300)


def _manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                   check=True, capture_output=True, timeout=300)


def _postgres(url, name):
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def site_database(_migrated_template, tmp_path):
    """A migrated database of its own: SQLite in tmp_path, or a scratch PostgreSQL one.

    Each is a copy of the integration tests' database migrated once per run
    (a SQLite file copied whole, a PostgreSQL database made from it as a
    template): seconds cheaper than running every migration per test.
    """
    env = {**os.environ, "SECRET_KEY": "test-only", "MEDIA_ROOT": str(tmp_path / "media")}
    url = os.environ.get("DATABASE_URL", "")
    name = None
    if url.startswith("postgres"):
        name = f"backup_test_{uuid.uuid4().hex[:10]}"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres",
                        "-T", _migrated_template, name], check=True, timeout=60)
        env["DATABASE_URL"] = _postgres(url, name)
    else:
        shutil.copyfile(_migrated_template, tmp_path / "site.sqlite3")
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
