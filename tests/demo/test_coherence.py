"""The demo newsroom holds together: comments, reports, corrections and pictures fit their stories.

The rules are checked against the data files themselves (demo/data/), and
then against what seed_demo puts on the site.
"""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Article
from comments.models import Comment
from demo import illustrations
from standards.models import BiasReport, Correction

DATA = Path(__file__).resolve().parents[2] / "demo" / "data"
CONVERSATION = json.loads((DATA / "conversation.json").read_text(encoding="utf-8"))
STORIES = {story["slug"]: story
           for story in json.loads((DATA / "stories.json").read_text(encoding="utf-8"))["stories"]}
BODIES = {slug: (DATA / "stories" / f"{slug}.md").read_text(encoding="utf-8") for slug in STORIES}
MINUTES_A_DAY = 24 * 60


def _plain(text):
    """Text as a reader quotes it: one space for any run of white space, straight quotes."""
    text = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'}))
    return " ".join(text.split())


def _mentions(text, keyword):
    """Whether text names keyword as a word or phrase of its own, in any case."""
    return re.search(rf"(?<!\w){re.escape(_plain(keyword))}(?!\w)", _plain(text),
                     re.IGNORECASE) is not None


def comment_problems(comments, pools, bodies):
    """What is wrong with comments, given as (story slug, body) pairs.

    A comment fits its story when it names something from its story's pool
    of keywords, and names nothing from another story's pool that its own
    story does not mention too (a ferry timetable under the Saltmarsh story).
    """
    keywords = {pool["story"]: pool["keywords"] for pool in pools}
    problems = []
    for slug, body in comments:
        if not any(_mentions(body, k) for k in keywords.get(slug, ())):
            problems.append(f"{slug}: {body!r} names nothing from its story")
        for other, words in keywords.items():
            for word in words:
                if (other != slug and _mentions(body, word)
                        and not _mentions(bodies[slug], word)):
                    problems.append(f"{slug}: {body!r} is about {word!r} ({other})")
    return problems


def report_problems(reports, bodies):
    """Quoted passages missing from their story, and corrections its text does not show."""
    problems = []
    for report in reports:
        slug, body = report["story"], _plain(bodies[report["story"]])
        passage = report.get("quoted_passage")
        if passage is not None and _plain(passage) not in body:
            problems.append(f"{slug}: quoted passage {passage!r} is not in the story")
        correction = report.get("correction")
        if correction is None:
            continue
        text = _plain(correction["text"])
        now_reads = _plain(correction.get("now_reads", ""))
        if not now_reads or now_reads not in body:
            problems.append(f"{slug}: the corrected text {now_reads!r} is not in the story")
        if now_reads.casefold() not in text.casefold():
            problems.append(f"{slug}: the correction does not say what the story now says")
        was = _plain(correction.get("was", ""))
        if was and (was in body or was not in text):
            problems.append(f"{slug}: {was!r} should be named by the correction and gone "
                            "from the story")
    return problems


def _comments():
    return [(pool["story"], comment["body"])
            for pool in CONVERSATION["comment_pools"] for comment in pool["comments"]]


# ---------------------------------------------------------------------------
# The data files


def test_every_comment_fits_the_story_it_sits_under():
    assert comment_problems(_comments(), CONVERSATION["comment_pools"], BODIES) == []


def test_each_pool_belongs_to_one_story_and_its_keywords_are_in_that_story():
    pools = CONVERSATION["comment_pools"]
    slugs = [pool["story"] for pool in pools]
    assert len(slugs) == len(set(slugs)) >= 5  # spread over several stories
    for pool in pools:
        assert pool["comments"], pool["story"]
        for keyword in pool["keywords"]:
            assert _mentions(BODIES[pool["story"]], keyword), (pool["story"], keyword)


def test_comments_come_after_their_story_was_published():
    for pool in CONVERSATION["comment_pools"]:
        story = STORIES[pool["story"]]
        assert story.get("days_ago", -1) >= 0, f"{pool['story']} is not public"
        for comment in pool["comments"]:
            assert comment["minutes_ago"] < story["days_ago"] * MINUTES_A_DAY, comment["body"]


def test_comments_keep_their_variety():
    comments = [c for pool in CONVERSATION["comment_pools"] for c in pool["comments"]]
    held = [c for c in comments if c.get("status") == "pending"]
    assert held and all(c["hold_reason"] for c in held)
    assert any("\n" in c["body"] for c in comments)  # a line break kept
    assert any(ord(ch) > 0xFFFF for c in comments for ch in c["body"])  # an emoji
    assert all(len(c["body"]) <= 250 for c in comments)


def test_every_quoted_passage_and_correction_matches_its_story():
    assert report_problems(CONVERSATION["bias_reports"], BODIES) == []


def test_reports_and_corrections_follow_the_story_in_time():
    reports = CONVERSATION["bias_reports"]
    assert {r.get("status", "new") for r in reports} == {"new", "in_review", "upheld",
                                                        "dismissed"}
    for report in reports:
        assert report["days_ago"] < STORIES[report["story"]]["days_ago"], report["story"]
        if "correction" in report:
            assert report["status"] == "upheld"
            assert report["correction"]["days_ago"] < report["days_ago"]
    assert {r["correction"]["kind"] for r in reports if "correction" in r} == {
        "correction", "clarification"}


def test_the_rules_catch_the_newsroom_as_it_contradicted_itself():
    """The comments, passage and correction seeded before these rules were written."""
    old_comments = [
        ("saltmarsh-buyout-offer", "The ferry timetable change will hit early shift workers "
                                   "hardest. Good to see it reported."),
        ("weekly-markets-velor-steadies", "I was at the council meeting. The vote was closer "
                                          "than this makes it sound, but the facts are right."),
        ("saltmarsh-buyout-offer", "Thank you for explaining the tariff in plain words.\n"
                                   "More of this, please."),
        ("weekly-markets-velor-steadies", "My grandfather mended nets on that quay. Lovely "
                                          "piece. 👏🏽"),
        ("saltmarsh-buyout-offer", "Does anyone know when the consultation closes?"),
        ("weekly-markets-velor-steadies", "Café owners on the waterfront were not asked, as far "
                                          "as I know."),
    ]
    problems = comment_problems(old_comments, CONVERSATION["comment_pools"], BODIES)
    for slug, body in old_comments:
        assert any(repr(body) in problem for problem in problems), body

    old_reports = [
        {"story": "spring-tides-old-quay-closures", "quoted_passage": "a reckless plan"},
        {"story": "regional-weather-warnings-meeting", "correction": {
            "text": "This story has been updated to say that the plan was first proposed by "
                    "the opposition, in 2024.",
            "now_reads": "the plan was first proposed by the opposition, in 2024"}},
    ]
    assert len(report_problems(old_reports, BODIES)) == 2


def test_related_stories_never_share_a_picture_in_the_data():
    for slug, story in STORIES.items():
        group = [slug, *story["related"]]
        pictures = [tuple(STORIES[s]["illustration"].values()) for s in group]
        assert len(set(pictures)) == len(pictures), group


def test_illustrations_are_credited_as_illustrations_in_the_data():
    for slug, story in STORIES.items():
        image = story["image"]
        assert image["credit_source"] == "EVA DAILY" and image["credit_photographer"], slug
        assert "alt" not in image, f"{slug}: the alt text comes from what is drawn"


# ---------------------------------------------------------------------------
# On the site


@pytest.fixture
def seeded(db, monkeypatch):
    monkeypatch.setattr(illustrations, "HERO_SIZE", (356, 200))
    monkeypatch.setattr(illustrations, "AVATAR_SIZE", 48)
    call_command("seed_demo", "--allow-without-debug", stdout=io.StringIO())


def test_seeded_pictures_are_credited_described_and_never_twinned(seeded, client):
    for article in Article.objects.all():
        picture = STORIES[article.slug]["illustration"]
        assert article.image_credit.startswith("Illustration: EVA DAILY / "), article.slug
        assert article.image_alt == illustrations.describe(picture["scene"], picture["palette"])
        cards = [article, *article.related_articles()]
        pictures = [tuple(STORIES[a.slug]["illustration"].values()) for a in cards]
        assert len(set(pictures)) == len(pictures), [a.slug for a in cards]

    page = client.get("/articles/storm-season-outlook/").content.decode()
    assert ('<span class="credit">Illustration: EVA DAILY / EVA Tidewatch (AI-generated image)'
            "</span>") in page
    assert 'alt="Illustration: layers of rolling hills' in page


def test_seeded_conversation_sits_under_the_right_stories(seeded):
    expected = sorted(_comments())
    assert sorted(Comment.objects.values_list("article__slug", "body")) == expected
    for report in BiasReport.objects.select_related("article"):
        if report.quoted_passage:
            assert _plain(report.quoted_passage) in _plain(report.article.body)
    for correction in Correction.objects.select_related("article"):
        data = next(r["correction"] for r in CONVERSATION["bias_reports"]
                    if r["story"] == correction.article.slug and "correction" in r)
        assert correction.text == data["text"]
        assert _plain(data["now_reads"]) in _plain(correction.article.body)
