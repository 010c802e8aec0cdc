"""core.W004: with DEBUG off, `check --deploy` names a sender address no mail server trusts."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as project
from django.core import checks

from core.checks import sender_is_a_real_domain
from tests.security.test_deploy import CHECK_ID, REAL_KEY


@pytest.mark.parametrize(("address", "domain"), [
    ("EVA DAILY <newsroom@localhost>", "'localhost'"),
    ("newsroom@LOCALHOST.", "'localhost'"),
    ("newsroom@mail.localhost", "'mail.localhost'"),
    ("EVA DAILY <newsroom@evadaily.local>", "'evadaily.local'"),
    ("newsroom@evadaily.invalid", "'evadaily.invalid'"),
    ("newsroom@evadaily.test", "'evadaily.test'"),
    ("newsroom@evadaily.example", "'evadaily.example'"),
    ("newsroom@example.com", "'example.com'"),
    ("newsroom@example.org", "'example.org'"),
    ("newsroom@news.example.net", "'news.example.net'"),
])
def test_a_placeholder_sender_is_named_with_the_setting_to_set(settings, address, domain):
    settings.DEBUG = False
    settings.DEFAULT_FROM_EMAIL = address
    [warning] = sender_is_a_real_domain(None)
    assert warning.id == "core.W004" and warning.level == checks.WARNING
    assert f"DEFAULT_FROM_EMAIL is {address!r}" in warning.msg
    assert f"from the domain {domain}," in warning.msg
    assert "Set the DEFAULT_FROM_EMAIL environment variable" in warning.hint


def test_an_address_with_no_domain_is_named_too(settings):
    settings.DEBUG = False
    settings.DEFAULT_FROM_EMAIL = "newsroom"
    [warning] = sender_is_a_real_domain(None)
    assert "from an address with no domain," in warning.msg


@pytest.mark.parametrize("address", [
    "EVA DAILY <newsroom@evadaily.news>",
    "newsroom@mail.evadaily.co.uk",
    "desk@localhost-news.com",       # a real name that only begins like one
    "desk@example.community",
    "desk@notexample.com",
])
def test_a_real_sender_passes(settings, address):
    settings.DEBUG = False
    settings.DEFAULT_FROM_EMAIL = address
    assert sender_is_a_real_domain(None) == []


def test_development_is_left_alone(settings):
    settings.DEBUG = True
    settings.DEFAULT_FROM_EMAIL = "EVA DAILY <newsroom@localhost>"
    assert sender_is_a_real_domain(None) == []


def test_it_runs_with_the_deployment_checks_only(settings):
    settings.DEBUG = False
    settings.DEFAULT_FROM_EMAIL = "EVA DAILY <newsroom@localhost>"
    security = [checks.Tags.security]
    assert "core.W004" in {m.id for m in checks.run_checks(
        tags=security, include_deployment_checks=True)}
    assert "core.W004" not in {m.id for m in checks.run_checks(tags=security)}


def manage(tmp_path, *args, **variables):
    """manage.py with a production-like environment and no DEFAULT_FROM_EMAIL unless given."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "SECRET_KEY": REAL_KEY, "ALLOWED_HOSTS": "news.example.org",
           "SITE_URL": "https://news.example.org", "HTTPS": "True",
           "CACHE_URL": f"filecache://{tmp_path / 'cache'}", "EMAIL_URL": "smtp://localhost:25",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **variables}
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=project.BASE_DIR,
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    return result, set(CHECK_ID.findall(result.stdout + result.stderr))


def test_make_check_passes_and_the_deploy_check_names_the_default_sender(tmp_path):
    # As `make check` runs it: DEBUG unset (off), on the default sender.
    result, ids = manage(tmp_path, "check", "--fail-level", "WARNING")
    assert result.returncode == 0 and ids == set(), result.stderr
    result, ids = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0 and ids == {"core.W004"}, result.stderr
    assert "DEFAULT_FROM_EMAIL is 'EVA DAILY <newsroom@localhost>'" in result.stderr
    result, ids = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                         DEFAULT_FROM_EMAIL="EVA DAILY <newsroom@evadaily.news>")
    assert result.returncode == 0 and ids == set(), result.stderr
