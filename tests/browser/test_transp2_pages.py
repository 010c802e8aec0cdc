"""In a real Chromium: the transparency report with counts in the millions, and the comment
queue's card for a story that is no longer public.

At 1280 and 390 px, light and dark; screenshots go to screenshots/transp2/ (git-ignored).
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from articles.models import Article
from comments import transparency as comment_transparency
from tests.browser.axe import serious
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"  # UserFactory's
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "transp2"
WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"

# Approved comments in each of the 12 months shown, oldest first: the chart's
# columns and axis reach the millions (980,000 and the rest: 999,698, once "1000k").
APPROVED = [0, 0, 0, 0, 0, 0, 250_000, 600_000, 980_000, 1_000_000, 1_500_000, 2_400_000]
BEFORE = 5_000_000  # approved before the 12 months


def _counted_millions(queryset, field, periods, group_by, **extra):
    """comment_figures' query answered with millions: months, then the two totals."""
    def counts(factor):
        months = [n * factor for n in APPROVED]
        return {f"p{i}": n for i, n in enumerate([*months, sum(months),
                                                   sum(months) + BEFORE * factor])}
    rows = [{"status": "approved", **counts(1)}]
    for status, share in (("pending", 1 / 10_000), ("hidden", 1 / 50)):
        rows.append({"status": status, **{key: round(n * share)
                                          for key, n in counts(1).items()}})
    return rows


def test_the_report_with_counts_in_the_millions(live_server, newsroom, new_page, monkeypatch):
    monkeypatch.setattr(comment_transparency, "counted", _counted_millions)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        for scheme in SCHEMES:
            page = new_page(width=width, color_scheme=scheme)
            assert page.goto(live_server.url + "/transparency/").status == 200
            assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
            section = page.locator("#comments")
            labels = section.locator("svg.chart text").all_text_contents()
            assert {"255k", "612k", "1M", "1.5M", "2.4M", "3M"} <= set(labels), labels
            assert not any(label.endswith("000k") for label in labels), labels
            cells = section.locator("table td").all_inner_texts()
            assert {"2,448,240", "2,400,000 (98.0%)", "240 (0.0%)",
                    "48,000 (2.0%)"} <= set(cells), cells
            assert not any(re.search(r"[0-9]{4}", cell) for cell in cells), cells
            if scheme == "light":
                assert not serious(page), (width, "\n".join(serious(page)))
            section.screenshot(path=str(SHOTS / f"report-comments-{width}-{scheme}.png"))


def test_a_comment_card_on_a_story_no_longer_public(live_server, newsroom, roles, new_page):
    moderator = UserFactory(username="moderator", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    story = newsroom["others"][0]
    reader = UserFactory(username="harbourfan")
    now = timezone.now()
    CommentFactory(article=story, reader=reader, body="The pier was busy all week.",
                   created_at=now - timedelta(hours=3))
    off_story = CommentFactory(article=story, reader=reader, status="pending",
                               hold_reason="Contains a link",
                               body="Timetables here: www.ferry-deals.example",
                               created_at=now - timedelta(hours=2))
    Article.objects.filter(pk=story.pk).update(status=Article.Status.DRAFT)
    on_story = CommentFactory(article=newsroom["lead"], reader=reader, status="pending",
                              hold_reason="Contains a link", body="Still public: www.example.org",
                              created_at=now - timedelta(hours=1))

    SHOTS.mkdir(parents=True, exist_ok=True)
    signed_in = new_page()
    signed_in.goto(f"{live_server.url}/admin/login/")
    signed_in.fill("#id_username", "moderator")
    signed_in.fill("#id_password", PASSWORD)
    signed_in.click("input[type=submit]")
    signed_in.wait_for_url(f"{live_server.url}/admin/")
    cookies = signed_in.context.cookies()
    for width in WIDTHS:
        for scheme in SCHEMES:
            page = new_page(width=width, color_scheme=scheme)
            page.context.add_cookies(cookies)
            assert page.goto(live_server.url + "/admin/moderation/comments/").status == 200
            assert page.evaluate(NO_HORIZONTAL_SCROLL), (width, scheme)
            cards = page.locator("article.desk-item")
            assert cards.count() == 2
            hidden_story = page.locator(f"#comment-{off_story.pk}")
            tag = hidden_story.locator(".desk-tag-unpublished")
            assert tag.inner_text() == "Story not public" and tag.is_visible()
            assert hidden_story.locator(".desk-not-found").inner_text().startswith(
                "Not public now: the story is unpublished or scheduled for later")
            assert page.locator(f"#comment-{on_story.pk} .desk-tag-unpublished").count() == 0
            problems = serious(page)
            assert not problems, (width, scheme, "\n".join(problems))
            page.screenshot(path=str(SHOTS / f"queue-{width}-{scheme}.png"), full_page=True)
