"""Every public page type, as readers and staff get it, passes the W3C Nu HTML Checker.

The checker is vnu.jar from the vnu-jar npm package, run with Debian's Java;
scripts/ensure-test-tools (run by `make test`) installs both. Java starts
slowly, so all pages are checked in one run.
"""

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import override_settings
from django.utils import timezone

from comments.models import Comment
from standards.models import BiasReport, Correction
from tests.factories import (ArticleFactory, AuthorFactory, BiasReportFactory, CommentFactory,
                             CorrectionFactory, SectionFactory, UserFactory, image_file)

VNU_JAR = Path(settings.BASE_DIR) / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar"

pytestmark = pytest.mark.django_db

BODY = """The harbour authority voted on Tuesday to keep the night ferry running through
the winter, after a month of meetings in which fishers, shop owners and the
ferry's crew argued over the timetable.

# What changes

- The last crossing leaves at 23:40 instead of 22:15.
- Fares for residents stay at "two euros", the price set in 2019.
- A second boat runs on market days.

> "We did not want to choose between the fishers and the night shift," said the
> authority's chair, Ana Ruiz.

## The cost

The extra crossings cost about **€180,000** a year, paid from the port's
[harbour dues](https://example.org/dues) rather than from the town budget.
Details are in the authority's `2026-03` minutes.

1. Night ferry: kept.
2. Market-day boat: added.
"""


@pytest.fixture
def newsroom():
    """A small newsroom with everything a page can show: a featured story with a hero
    image, corrections, an AI author, comments, tags, related stories, two list pages."""
    now = timezone.now()
    # Stored times carry microseconds, as timezone.now() gives them.
    now = now.replace(microsecond=123456)
    world = SectionFactory(name="World", slug="world", position=1)
    business = SectionFactory(name="Business", slug="business", position=2)
    human = AuthorFactory(name="Marta Keller", slug="marta-keller", title="Harbour reporter",
                          avatar=image_file("marta.jpg", size=(400, 400)))
    persona = AuthorFactory(ai=True, name="Vera", slug="vera", title="AI market reporter",
                            avatar=image_file("vera.png", size=(400, 400), fmt="PNG"))
    lead = ArticleFactory(
        with_image=True, headline="Harbour authority keeps the night ferry",
        slug="night-ferry", dek="Fishers and the night shift both get a crossing.",
        body=BODY, section=world, author=persona, is_featured=True,
        ai_involvement="generated", published_at=now - timedelta(hours=5),
        ai_reviewed_at=now - timedelta(hours=6), tags=["Ports", "Transport"])
    stories = [ArticleFactory(section=business if i % 2 else world,
                              author=human if i % 3 else persona,
                              ai_involvement="generated" if not i % 3 else "none",
                              published_at=now - timedelta(hours=6 + i),
                              tags=["Ports"] if i % 4 == 0 else [],
                              with_image=i < 3)
               for i in range(24)]
    lead.related.add(*stories[:3])
    CorrectionFactory(article=lead, date=now - timedelta(hours=2),
                      text="An earlier version gave the last crossing as 23:30.")
    CorrectionFactory(article=lead, kind=Correction.Kind.EDITORS_NOTE,
                      date=now - timedelta(hours=1),
                      text="This story was updated with the authority's cost estimate.")
    readers = [UserFactory(username=name) for name in ("ana", "ben", "chidi")]
    for i, reader in enumerate(readers):
        CommentFactory(article=lead, reader=reader, created_at=now - timedelta(minutes=40 - i),
                       body=f"The 23:40 crossing is what the night shift needed ({i}).")
    CommentFactory(article=lead, reader=None, body="Good news for the market stalls.")
    moderator = UserFactory(username="moderator", is_staff=True)
    hidden = CommentFactory(article=lead, reader=readers[0], body="Spam spam spam.",
                            status=Comment.Status.HIDDEN, moderator=moderator,
                            moderated_at=now, moderation_reason="Spam")
    BiasReportFactory(article=lead, status=BiasReport.Status.UPHELD, moderator=moderator,
                      resolved_at=now, resolution_note="Corrected.")
    BiasReportFactory(article=lead, status=BiasReport.Status.DISMISSED, moderator=moderator,
                      resolved_at=now, resolution_note="The wording is the authority's own.")
    draft = ArticleFactory(draft=True, headline="Draft: the ferry's budget", slug="ferry-budget",
                           section=world, author=human)
    return {"lead": lead, "stories": stories, "readers": readers, "draft": draft,
            "human": human, "persona": persona, "hidden": hidden}


def _pages(client, newsroom):
    """(name, HTML) of every public page type, anonymous unless said otherwise."""
    lead = newsroom["lead"]
    anonymous = {
        "home": "/",
        "article": lead.get_absolute_url(),
        "article-plain": newsroom["stories"][1].get_absolute_url(),
        "comments": f"{lead.get_absolute_url()}comments/",
        "report-bias": f"{lead.get_absolute_url()}report-bias/",
        "section": "/sections/world/",
        "tag": "/tags/ports/",
        "latest": "/articles/",
        "latest-page-2": "/articles/?page=2",
        "authors": "/authors/",
        "author-ai": "/authors/vera/",
        "author-human": "/authors/marta-keller/",
        "search-results": "/search/?q=ferry",
        "search-none": "/search/?q=zeppelin",
        "search-empty": "/search/",
        "corrections": "/corrections/",
        "transparency": "/transparency/",
        "about": "/about/",
        "standards": "/standards/",
        "privacy": "/privacy/",
        "sign-in": "/accounts/login/",
        "sign-up": "/accounts/signup/",
        "password-reset": "/accounts/password_reset/",
        "newsletter": "/newsletter/",
        "not-found": "/no-such-page/",
    }
    pages = {}
    for name, url in anonymous.items():
        response = client.get(url)
        expected = 404 if name == "not-found" else 200
        assert response.status_code == expected, f"{name} ({url}): {response.status_code}"
        pages[name] = response.content.decode()

    assert lead.headline in pages["search-results"]
    assert lead.headline not in pages["search-none"]

    with override_settings(SEARCH_LIMIT_PER_MINUTE=1):
        client.get("/search/?q=harbour")
        response = client.get("/search/?q=harbour+ferries")
    assert response.status_code == 429
    pages["search-too-many"] = response.content.decode()

    response = client.post("/accounts/signup/", {"username": "", "email": "not-an-address",
                                                 "password1": "a", "password2": "b"})
    assert response.status_code == 400 and b"field-errors" in response.content
    pages["sign-up-errors"] = response.content.decode()

    client.force_login(newsroom["readers"][0])
    signed_in = {"comments-signed-in": f"{lead.get_absolute_url()}comments/",
                 "article-signed-in": lead.get_absolute_url(),
                 "account": "/accounts/"}
    for name, url in signed_in.items():
        response = client.get(url)
        assert response.status_code == 200, f"{name} ({url}): {response.status_code}"
        pages[name] = response.content.decode()
    client.logout()

    editor = UserFactory(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    response = client.get(newsroom["draft"].get_absolute_url())
    assert response.status_code == 200 and "Preview — not public" in response.content.decode()
    pages["preview"] = response.content.decode()
    client.logout()

    client.force_login(UserFactory(username="leaving"))
    response = client.post("/accounts/delete/", {"password": "a-long-test-passphrase"},
                           follow=True)
    assert response.redirect_chain == [("/accounts/deleted/", 302)]
    pages["account-deleted"] = response.content.decode()
    return pages


def _validate(files):
    """The Nu HTML Checker's errors for the files, in one run of the checker."""
    if not VNU_JAR.exists() or not shutil.which("java"):
        pytest.fail(f"The Nu HTML Checker ({VNU_JAR}) or Java is missing: "
                    "run scripts/ensure-test-tools.")
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--errors-only",
         *map(str, files)],
        capture_output=True, text=True, timeout=300)
    # The checker reports on standard error; status 1 means it found errors.
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stderr)["messages"]


def _readable(messages):
    """One paragraph per distinct error: the message, then where it occurs and one extract."""
    where = {}
    for message in messages:
        page = Path(message.get("url", "").removeprefix("file:")).stem
        places, _ = where.setdefault(message["message"], ([], message.get("extract", "")))
        places.append(f"{page}:{message.get('lastLine', '?')}")
    return "\n".join(f"- {text}\n    at {', '.join(places)}\n    {extract!r}"
                     for text, (places, extract) in where.items())


def test_every_public_page_type_passes_the_nu_html_checker(client, newsroom, tmp_path):
    pages = _pages(client, newsroom)
    files = []
    for name, text in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    messages = _validate(files)
    assert not messages, (f"{len(messages)} errors in {len(pages)} pages (page:line):\n"
                          + _readable(messages))


def test_the_checker_reports_errors(tmp_path):
    """The run above would fail on a page with an error: the checker is not silent."""
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><html lang="en"><title>x</title>'
                    '<p><time datetime="2026-02-04T23:06:00.123456+00:00">x</time>')
    messages = _validate([page])
    assert len(messages) == 1 and "fraction of a second" in messages[0]["message"]
