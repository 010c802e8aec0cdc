"""demo_tour: what `make run` prints before it serves, checked against the seeded site."""

import io
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import resolve

from demo import illustrations

pytestmark = pytest.mark.django_db

ROLE_LINE = re.compile(r'^As an? (reader|editor|moderator), sign in as "([^"]+)"')


def tour():
    out = io.StringIO()
    call_command("demo_tour", stdout=out)
    return out.getvalue()


def _sections(text):
    """{username: [paths]} for each role's part of the tour, and the paths before them."""
    sections, current = {None: []}, None
    for line in text.splitlines():
        if match := ROLE_LINE.match(line):
            current = match.group(2)
            sections[current] = []
        for url in re.findall(r"https?://\S+", line):
            sections[current].append(url.rstrip("):;,."))
    return sections


def test_the_tour_names_the_demo_accounts_and_pages_that_answer(monkeypatch, settings, client):
    monkeypatch.setattr(illustrations, "HERO_SIZE", (356, 200))
    monkeypatch.setattr(illustrations, "AVATAR_SIZE", 48)
    call_command("seed_demo", "--allow-without-debug", stdout=io.StringIO())

    text = tour()
    assert 'password is "evadaily-demo"' in text
    sections = _sections(text)
    assert set(sections) == {None, "reader", "editor", "moderator"}
    for role, wanted in [("reader", ("/#comments", "/report-bias/")),
                         ("editor", ("/admin/articles/article/add/", "/change/",
                                     "/articles/council-budget-options/", "/corrections/")),
                         ("moderator", ("/admin/moderation/", "/admin/moderation/comments/",
                                        "/admin/moderation/bias-reports/"))]:
        for path in wanted:
            assert any(path in url for url in sections[role]), (role, path)

    User = get_user_model()
    for username, urls in sections.items():
        client.logout()
        if username is not None:
            user = User.objects.get(username=username)
            assert user.check_password("evadaily-demo")
            client.force_login(user)
        for url in urls:
            parts = urlsplit(url)
            assert f"{parts.scheme}://{parts.netloc}" == settings.SITE_URL
            resolve(parts.path)
            response = client.get(parts.path)
            assert response.status_code == 200, (username, url, response.status_code)
    # The draft is previewed, not public.
    client.logout()
    assert client.get("/articles/council-budget-options/").status_code == 404


def test_without_the_demo_accounts_the_tour_says_how_to_get_them():
    assert tour().strip() == "The demo accounts are missing: run manage.py seed_demo first."
