"""Names a screen reader hears, a11y2 round: a story's tables are named by their heading,
each page of comments by its number and each Report control by the comment it reports,
and on the bias-report triage each card's story and its scrolling whole story by the
report's reference."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.text import render_markdown
from tests.factories import ArticleFactory, BiasReportFactory, CommentFactory, UserFactory

TABLE = "| Route | Time |\n|---|---|\n| North | 45 min |\n"


def _table_names(html):
    return re.findall(r'<div class="table-scroll" role="region" tabindex="0" '
                      r'aria-label="([^"]*)"><table>', html)


def test_a_table_is_named_by_the_heading_before_it():
    html = render_markdown(f"{TABLE}\nIntro.\n\n## Fares & times\n\nText.\n\n{TABLE}\n{TABLE}\n"
                           f"### Winter\n\n{TABLE}")
    assert _table_names(html) == ["Table", "Table: Fares &amp; times", "Table 2: Fares &amp; times",
                                  "Table: Winter"]
    assert "scrolls sideways" not in html
    assert html.count("</table></div>") == 4


def test_a_heading_with_quotes_and_markup_names_a_table_as_plain_text():
    html = render_markdown(f'<h2>A "quoted" <em>word</em> &lt;b&gt;</h2>\n\n{TABLE}')
    assert _table_names(html) == ["Table: A &quot;quoted&quot; word &lt;b&gt;"]


# The comments page --------------------------------------------------------------

@pytest.fixture
def crowded(db):
    story = ArticleFactory(headline="Ferries resume", published_at=timezone.now()
                           - timedelta(days=1))
    now = timezone.now()
    for n in range(21):
        CommentFactory(article=story, reader=UserFactory(username=f"reader{n}"),
                       body=f"Comment {n}", created_at=now - timedelta(minutes=n))
    return story


def test_each_page_of_comments_has_its_own_title_and_marks_itself(client, crowded):
    url = f"/articles/{crowded.slug}/comments/"
    first = client.get(url).content.decode()
    second = client.get(f"{url}?page=2").content.decode()
    assert re.search(r"<title>Comments: Ferries resume · [^<]+</title>", first)
    assert re.search(r"<title>Comments: Ferries resume, page 2 · [^<]+</title>", second)
    assert ('<span class="pagination-current" id="comments-page" aria-current="page">'
            'Page 2 of 2</span>') in second


def test_the_report_control_names_the_comment_it_reports(client, crowded):
    client.force_login(UserFactory(username="ana"))
    text = client.get(f"/articles/{crowded.slug}/comments/").content.decode()
    summaries = re.findall(r'<summary>(.*?)</summary>', text)
    assert len(summaries) == 20
    assert summaries[0] == ('Report<span class="visually-hidden"> the comment by '
                            '<bdi>reader0</bdi></span>')


# The bias-report triage -----------------------------------------------------------

def test_each_report_names_its_story_and_its_scrolling_whole_story(client, db):
    moderator = UserFactory(username="mod", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    story = ArticleFactory(published_at=timezone.now() - timedelta(days=1))
    reports = [BiasReportFactory(article=story) for _ in range(2)]
    text = client.get("/admin/moderation/bias-reports/").content.decode()
    for report in reports:
        assert re.search(
            rf'<h3 id="report-{report.pk}-story">The story<span class="visually-hidden"> '
            rf'reported in {report.reference}</span>', text)
        assert (f'<div class="desk-story-text" tabindex="0" role="region" '
                f'aria-label="The whole story reported in {report.reference}">') in text
