"""Which engine renders the templates, and that both render every page alike.

The site's templates are Django's template language, rendered by default by
django-rust-templates (TEMPLATE_ENGINE=native) and on request by Django's own
engine (TEMPLATE_ENGINE=django). The package promises Django's output byte for
byte; here every page type the site has, public and in the newsroom, is
rendered by both from the same data and compared, so an upgrade of either
that changed a page would fail here first.
"""

import difflib
import re
import subprocess
import sys
import threading

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from tests import test_html_validity
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The small newsroom whose every page type passes the HTML checker: a fixture.
newsroom = test_html_validity.newsroom

NATIVE = "django_rust_templates.RustTemplates"
DJANGO = "django.template.backends.django.DjangoTemplates"

# What differs from one request to the next whichever engine renders it.
_PER_REQUEST = re.compile(
    r'(nonce="|name="(?:csrfmiddlewaretoken|submission_token)" value=")[^"]*"')


def _settings(**environ):
    """(TEMPLATE_ENGINE, the backend, silenced checks) of a fresh process, or its error."""
    code = ("import django, json; django.setup(); from django.conf import settings; "
            "print(json.dumps([settings.TEMPLATE_ENGINE, settings.TEMPLATES[0]['BACKEND'], "
            "settings.SILENCED_SYSTEM_CHECKS]))")
    hide = environ.pop("hide_package", False)
    if hide:  # as on a machine without the package's wheels
        code = ("import importlib.util as u; find = u.find_spec; "
                "u.find_spec = lambda name, *a: None if name == 'django_rust_templates' "
                "else find(name, *a); " + code)
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"DJANGO_SETTINGS_MODULE": "evadaily.settings", "SECRET_KEY": "test-only",
             "PATH": "/usr/bin:/bin", **environ},
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60)
    return result.stdout.strip() if result.returncode == 0 else result.stderr


def test_the_native_engine_renders_unless_told_otherwise():
    assert _settings() == f'["native", "{NATIVE}", ["admin.E403"]]'
    assert _settings(TEMPLATE_ENGINE="django") == f'["django", "{DJANGO}", []]'
    assert "TEMPLATE_ENGINE" in _settings(TEMPLATE_ENGINE="jinja2")
    # make run: Django's error pages and template reloading are made for its own engine.
    assert _settings(DEBUG="True") == f'["django", "{DJANGO}", []]'
    assert _settings(DEBUG="True", TEMPLATE_ENGINE="native").startswith('["native"')


def test_forms_and_pages_read_in_threads_at_once_all_render(settings):
    """A threaded worker (core.gunicorn_worker) reads a form's templates and a page's at
    once. The native engine makes its templates through a switch it turns for the whole
    process, and a form's template read by Django's engine meanwhile was refused; once
    the switch stayed turned, every form was: the comments page answered 500."""
    from django.template.utils import EngineHandler

    from core.forms import SiteFormRenderer

    assert settings.TEMPLATE_ENGINE == "native"
    refused = []

    def read(get_template, name):
        for _ in range(300):  # each time a new engine, so each reads its template anew
            try:
                get_template()(name)
            except Exception as error:  # noqa: BLE001 (counted, then shown)
                refused.append(f"{name}: {error}")

    threads = [
        threading.Thread(target=read, args=(
            lambda: SiteFormRenderer().get_template, "django/forms/widgets/input.html")),
        threading.Thread(target=read, args=(
            lambda: EngineHandler()["django"].get_template, "base.html")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not refused, f"{len(refused)} refused, the first: {refused[0]}"


def test_without_the_package_django_renders_and_native_is_refused():
    assert _settings(hide_package=True) == f'["django", "{DJANGO}", []]'
    refused = _settings(hide_package=True, TEMPLATE_ENGINE="native")
    assert "TEMPLATE_ENGINE=native needs django-rust-templates" in refused


def test_with_debug_on_an_edited_template_shows_on_the_next_page(tmp_path):
    """DEBUG with TEMPLATE_ENGINE=native: Django's autoreloader empties only its own
    engine's cache of templates, so the native engine kept serving a template as it was
    when first read."""
    (tmp_path / "page.html").write_text("before")
    code = ("import django, pathlib; django.setup(); from django.conf import settings; "
            "from django.template.utils import EngineHandler; "
            f"folder = pathlib.Path({str(tmp_path)!r}); "
            "engine = EngineHandler([{**settings.TEMPLATES[0], 'DIRS': [folder]}])['django']; "
            "print(type(engine).__name__, engine.get_template('page.html').render()); "
            "(folder / 'page.html').write_text('after'); "
            "print(engine.get_template('page.html').render())")
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"DJANGO_SETTINGS_MODULE": "evadaily.settings", "DEBUG": "True",
             "TEMPLATE_ENGINE": "native", "PATH": "/usr/bin:/bin"},
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["RustTemplates", "before", "after"], result.stderr


def test_the_admin_context_the_native_engine_must_give_is_checked(settings):
    from core.checks import native_templates_serve_the_admin

    assert native_templates_serve_the_admin(None) == []
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {"context_processors": [
        "django.template.context_processors.request"]}}]
    assert [error.id for error in native_templates_serve_the_admin(None)] == ["core.E004"] * 2
    settings.TEMPLATE_ENGINE = "django"
    assert native_templates_serve_the_admin(None) == []


def _pages(client, newsroom, editor):
    """{name: HTML} of every page type, anonymous, signed in, and at the newsroom's desks."""
    lead = newsroom["lead"]
    story = lead.get_absolute_url()
    urls = {
        "home": "/", "article": story, "article-plain": newsroom["stories"][1].get_absolute_url(),
        "comments": f"{story}comments/", "comments-partial": f"{story}comments/?partial=1",
        "report-bias": f"{story}report-bias/", "section": "/sections/world/",
        "tag": "/tags/ports/", "latest": "/articles/", "latest-page-2": "/articles/?page=2",
        "authors": "/authors/", "author-ai": "/authors/vera/",
        "author-human": "/authors/marta-keller/", "search": "/search/?q=ferry",
        "search-none": "/search/?q=zeppelin", "corrections": "/corrections/",
        "transparency": "/transparency/", "about": "/about/", "standards": "/standards/",
        "sign-in": "/accounts/login/", "sign-up": "/accounts/signup/",
        "newsletter": "/newsletter/", "feed": "/feed/", "sitemap": "/sitemap.xml",
        "not-found": "/no-such-page/",
    }
    pages = {name: client.get(url) for name, url in urls.items()}
    pages["sign-up-errors"] = client.post("/accounts/signup/", {
        "username": "", "email": "not-an-address", "password1": "a", "password2": "b"})

    client.force_login(newsroom["readers"][0])
    pages["article-signed-in"] = client.get(story)
    pages["account"] = client.get("/accounts/")
    client.logout()

    client.force_login(editor)
    desks = {
        "preview": newsroom["draft"].get_absolute_url(), "admin": "/admin/",
        "stories": "/admin/articles/article/",
        "story": f"/admin/articles/article/{lead.pk}/change/",
        "new-story": "/admin/articles/article/add/",
        "history": f"/admin/articles/article/{lead.pk}/history/",
        "moderation": "/admin/moderation/", "comment-queue": "/admin/moderation/comments/",
    }
    pages.update({name: client.get(url) for name, url in desks.items()})
    client.logout()
    return {name: (response.status_code, _PER_REQUEST.sub(r'\1…"', response.content.decode()))
            for name, response in pages.items()}


def _rendered_by(backend, client, settings, newsroom, editor):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "BACKEND": backend}]
    return _pages(client, newsroom, editor)


def test_every_page_type_renders_the_same_with_either_engine(client, settings, newsroom):
    editor = UserFactory(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"), Group.objects.get(name="Moderators"))
    with time_machine.travel(timezone.now(), tick=False):
        native = _rendered_by(NATIVE, client, settings, newsroom, editor)
        django = _rendered_by(DJANGO, client, settings, newsroom, editor)
    assert native.keys() == django.keys()
    assert native["sign-up-errors"][0] == 400 and native["not-found"][0] == 404
    assert all(status in (200, 400, 404) for status, _ in native.values()), native
    for name, (status, html) in native.items():
        expected_status, expected = django[name]
        assert status == expected_status, name
        assert html == expected, f"{name} differs:\n" + "\n".join(list(difflib.unified_diff(
            expected.splitlines(), html.splitlines(), "django", "native", lineterm=""))[:40])
