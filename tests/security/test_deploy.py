"""Deployment settings, checked by running manage.py in a clean environment, as in production."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL_KEY = "q8Vx2mLr7TfN4bWc9HjK1pZs6YdE3gUa0RoI5nMvXeCtQwBl-yAzJ_hFiSkDuGP"
HTTPS_WARNINGS = {"security.W004", "security.W008", "security.W012", "security.W016"}
CHECK_ID = re.compile(r"\(([a-z_]+\.[A-Z]\d{3})\)")


def manage(*args, tmp_path, **variables):
    """Run manage.py with only what production sets, never the test run's environment.

    Every setting the checks depend on is given, so that a developer's .env
    (read for keys not set here) cannot change the answer.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DEBUG": "False",
        "HTTPS": "False",
        "SECRET_KEY": REAL_KEY,
        "ALLOWED_HOSTS": "news.example.org",
        "SITE_URL": "https://news.example.org",
        "CACHE_URL": f"filecache://{tmp_path / 'cache'}",
        "EMAIL_URL": "smtp://localhost:25",
        "DEFAULT_FROM_EMAIL": "EVA DAILY <newsroom@evadaily.news>",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **variables,
    }
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def deploy_check(tmp_path, **variables):
    result = manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path,
                    **variables)
    return result, set(CHECK_ID.findall(result.stdout + result.stderr))


def test_with_https_the_deploy_check_is_clean(tmp_path):
    result, ids = deploy_check(tmp_path, HTTPS="True")
    assert result.returncode == 0, result.stderr
    assert ids == set()
    assert "System check identified no issues" in result.stdout


def test_with_https_and_redis_the_deploy_check_is_clean(tmp_path):
    # Several machines share Redis; nothing connects to it during checks.
    result, ids = deploy_check(tmp_path, HTTPS="True", CACHE_URL="redis://127.0.0.1:6379/9")
    assert result.returncode == 0, result.stderr
    assert ids == set()


def test_without_https_only_the_https_warnings_remain(tmp_path):
    result, ids = deploy_check(tmp_path)
    assert result.returncode != 0
    assert ids == HTTPS_WARNINGS, result.stderr


def test_the_check_still_catches_a_weak_key(tmp_path):
    result, ids = deploy_check(tmp_path, HTTPS="True", SECRET_KEY="short-key")
    assert result.returncode != 0
    assert ids == {"security.W009"}


def test_the_check_still_catches_a_lockout_cache_that_is_not_shared(tmp_path):
    # The lock-out store (the security cache) follows CACHE_URL; a per-process
    # cache would let every worker count sign-in failures on its own.
    result, ids = deploy_check(tmp_path, HTTPS="True", CACHE_URL="locmemcache://")
    assert result.returncode != 0
    assert ids == {"axes.W001"}


def test_https_settings_are_a_year_of_hsts_with_preload_and_secure_cookies(tmp_path):
    code = ("import json; from django.conf import settings as s; print(json.dumps({n: getattr("
            "s, n) for n in ['SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', "
            "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
            "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'DEBUG']}))")
    result = manage("shell", "-c", code, tmp_path=tmp_path, HTTPS="True")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 60 * 60,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "DEBUG": False,
    }


def test_start_up_refuses_without_a_secret_key_and_names_it(tmp_path):
    result = manage("check", tmp_path=tmp_path, SECRET_KEY="")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_a_development_machine_needs_no_secret_key(tmp_path):
    result = manage("check", tmp_path=tmp_path, SECRET_KEY="", DEBUG="True")
    assert result.returncode == 0, result.stderr


def test_behind_a_proxy_start_up_needs_the_trusted_proxies(tmp_path):
    result = manage("check", tmp_path=tmp_path, BEHIND_PROXY="True")
    assert result.returncode != 0
    assert "Set TRUSTED_PROXIES" in result.stderr
    result = manage("check", tmp_path=tmp_path, BEHIND_PROXY="True",
                    TRUSTED_PROXIES="10.0.0.0/8,proxy.internal")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.internal' is not an address or a network." in result.stderr


def test_behind_trusted_proxies_the_deploy_check_is_clean(tmp_path):
    result, ids = deploy_check(tmp_path, HTTPS="True", BEHIND_PROXY="True",
                               TRUSTED_PROXIES="10.0.0.0/8,2001:db8::1")
    assert result.returncode == 0, result.stderr
    assert ids == set()


def _caches(tmp_path, **variables):
    code = ("import json; from django.conf import settings; "
            "print(json.dumps(settings.CACHES))")
    result = manage("shell", "-c", code, tmp_path=tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_limits_and_lock_outs_have_a_cache_of_their_own(tmp_path):
    caches = _caches(tmp_path)
    assert caches["security"] == {"BACKEND": "core.security_cache.SecurityFileCache",
                                  "LOCATION": f"{tmp_path / 'cache'}-security"}
    caches = _caches(tmp_path, CACHE_URL="redis://127.0.0.1:6379/1")
    assert caches["security"] == {"BACKEND": "core.redis_cache.SecurityRedisCache",
                                  "LOCATION": "redis://127.0.0.1:6379/2"}
    caches = _caches(tmp_path, CACHE_URL="redis://127.0.0.1:6379/1",
                     SECURITY_CACHE_URL="redis://10.0.0.5:6379/0")
    assert caches["security"]["LOCATION"] == "redis://10.0.0.5:6379/0"
    result = manage("check", tmp_path=tmp_path, CACHE_URL="redis://127.0.0.1:6379/1",
                    SECURITY_CACHE_URL="redis://127.0.0.1:6379/1")
    assert result.returncode != 0
    assert "Set SECURITY_CACHE_URL to a store other than CACHE_URL's." in result.stderr
