"""EMAIL_URL becomes a mailer that works, and one that cannot is named at start-up."""

import os
import subprocess
import sys

from django.conf import settings

from core.checks import mailers_can_be_made

SEND = ("from django.core.mail import send_mail; "
        "send_mail('Harbour', 'The tide is in.', 'desk@example.org', ['ana@example.org'])")


def manage(tmp_path, *args, **variables):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "SECRET_KEY": "test-only", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "CACHE_URL": f"filecache://{tmp_path / 'cache'}", **variables}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_filemail_writes_each_email_into_its_folder(tmp_path):
    folder = tmp_path / "mail"
    variables = {"EMAIL_URL": f"filemail:///{folder}"}
    check = manage(tmp_path, "check", **variables)
    assert check.returncode == 0, check.stderr
    sent = manage(tmp_path, "shell", "-c", SEND, **variables)
    assert sent.returncode == 0, sent.stderr
    [written] = folder.iterdir()
    assert "The tide is in." in written.read_text()


def test_a_mailer_that_cannot_be_set_up_fails_the_checks(settings):
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend", "OPTIONS": {}}}
    [error] = mailers_can_be_made(None)
    assert error.id == "core.E003"
    assert "MAILERS['default'] cannot send email" in error.msg
    assert "file_path" in error.msg


def test_the_test_settings_mailer_passes(settings):
    assert mailers_can_be_made(None) == []


def test_a_relative_mail_folder_is_pointed_out(settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": "var/mail"}}}
    [warning] = mailers_can_be_made(None)
    assert warning.id == "core.W003"
    assert f"({tmp_path / 'var' / 'mail'} now)" in warning.msg
    assert "four slashes" in warning.hint
