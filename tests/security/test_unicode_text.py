"""Unicode tricks in comments and bias reports: blank text, stacked marks, direction controls."""

import re
from html import unescape

import pytest
from django.core.cache import cache

from comments.models import Comment
from standards.models import BiasReport
from tests.commenting import post_comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

EMPTY = "Write something before posting: the comment is empty."
STACKED = ("Too many accents or marks are stacked on one character: at most 4 may sit on a "
           "letter, or the text draws over the lines around it.")


@pytest.fixture
def reader(client):
    ArticleFactory(slug="harbour")
    user = UserFactory(username="ana")
    client.force_login(user)
    return user


def post(client, body, partial=False):
    cache.clear()  # each accepted comment would start the 10-second burst limit
    return post_comment(client, "harbour", body, partial=partial)


@pytest.mark.parametrize("body", [
    "\u200b" * 50,                       # zero-width spaces
    "\u3164" * 20,                       # Hangul filler
    "\u115f\u1160\uffa0" * 5,            # the other Hangul fillers
    "\u2800" * 30,                       # braille pattern blank
    "\ufe0f\ufe0e" * 10,                 # variation selectors
    "\u0301\u0308",                      # combining marks with nothing to sit on
    "\u200d\u2060\u00ad\u180e\u034f",    # joiners, word joiner, soft hyphen, and so on
    "\U000e0041\U000e0042\U000e007f",    # tag characters
    "\u202e\u202c \u2067\u2069",         # direction controls alone
    " \u200b\n\u3164\r\n\u2800 ",        # a mix, over lines
    "\u2003\u2009\u205f\u3000\u00a0",    # spaces of every width
])
@pytest.mark.parametrize("partial", [False, True])
def test_text_with_nothing_visible_is_refused_as_empty(client, reader, body, partial):
    response = post(client, body, partial=partial)
    html = unescape(response.content.decode())
    assert response.status_code == 400
    assert EMPTY in html
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", [
    "Tiếng Việt có dấu đầy đủ: người, được, những.",            # Vietnamese, composed
    "Tie\u0302\u0301ng Vie\u0323\u0302t, ngu\u031bo\u031b\u0300i.",  # and decomposed
    "नमस्ते, यह स्त्री क्षत्रिय की कहानी है।",                          # Hindi
    "بِسْمِ ٱللَّٰهِ ٱلرَّحْمَٰنِ ٱلرَّحِيمِ",                          # Arabic with harakat
    # Hebrew with points and a cantillation mark
    "\u05d1\u05b0\u05bc\u05e8\u05b5\u05d0\u05e9\u05b4\u05c1\u0596\u05d9\u05ea",
    "สวัสดีครับ ผู้อ่านทุกท่าน",                                         # Thai
    "ကြွေး မြွှော်",                                                      # Burmese
    "👨‍👩‍👧‍👦 🧑🏽‍🤝‍🧑🏻 🏳️‍🌈 👁️‍🗨️",                                       # emoji ZWJ sequences
    "🇫🇷 🇯🇵 🇧🇷 \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # flags
    "👍🏻👍🏼👍🏽👍🏾👍🏿 1️⃣ #️⃣ ❤️",                                          # skin tones, keycaps
    "a\u0301\u0302\u0303\u0304 is four marks on one letter",
    "Zero\u200bwidth space inside visible text",
])
def test_real_writing_is_accepted_as_typed(client, reader, body):
    response = post(client, body)
    assert response.status_code == 303, unescape(response.content.decode())
    assert Comment.objects.get().body == body


@pytest.mark.parametrize("body", ["a" + "\u0301" * 249, "a\u0301\u0302\u0303\u0304\u0305",
                                  "Zalgo h\u0336\u0335\u0334\u0337\u0338\u0489e",
                                  "joined \u0301\u200d\u0301\u200d\u0301\u200d\u0301\u200d\u0301"])
def test_marks_stacked_past_four_are_refused_with_the_text_kept(client, reader, body):
    response = post(client, body)
    html = unescape(response.content.decode())
    assert response.status_code == 400
    assert STACKED in html
    assert body in html
    assert not Comment.objects.exists()


@pytest.mark.parametrize(("body", "stored"), [
    ("\u202eevil.exe", "evil.exe"),                               # an override never closed
    ("a \u2067b", "a b"),                                         # an isolate never closed
    ("close\u202c nothing\u2069", "close nothing"),               # closers with no opener
    ("\u202bone\nline\u202c", "one\nline"),                       # a line break ends them
    ("\u2067\u202eab\u2069", "\u2067ab\u2069"),                   # an override left open inside
    ("keep \u2067שלום\u2069 and \u202bmark\u202c", "keep \u2067שלום\u2069 and \u202bmark\u202c"),
])
def test_unpaired_direction_controls_are_removed_and_paired_ones_kept(client, reader, body,
                                                                      stored):
    assert post(client, body).status_code == 303
    assert Comment.objects.get().body == stored


def test_the_limit_counts_as_the_live_counter_does_before_controls_are_removed(client, reader):
    body = "x" * 250 + "\u202e"  # 251 on the counter
    response = post(client, body)
    assert response.status_code == 400
    assert "this one has 251" in response.content.decode()


def test_each_comment_and_name_is_isolated_on_the_page(client, reader):
    article = ArticleFactory(slug="other")
    UserFactory(username="\u05e9\u05dc\u05d5\u05dd")  # a right-to-left name
    CommentFactory(article=article, body="older \u202e stays inside")
    CommentFactory(article=article, reader=UserFactory(username="רות"), body="שלום עולם")
    html = client.get("/articles/other/comments/").content.decode()
    bodies = re.findall(r'<div class="comment-body" dir="auto">', html)
    authors = re.findall(r'<span class="comment-author"><bdi>[^<]*</bdi></span>', html)
    assert len(bodies) == len(authors) == 2
    assert '<span class="comment-author"><bdi>רות</bdi></span>' in html


class TestBiasReports:
    def test_blank_details_count_as_none(self, client, reader):
        response = client.post("/articles/harbour/report-bias/",
                               {"reason": "other", "details": "\u200b" * 20})
        assert response.status_code == 400
        assert "details are required when the reason is Other" in response.content.decode()
        assert not BiasReport.objects.exists()

    def test_blank_passage_is_stored_empty_and_controls_are_removed(self, client, reader):
        response = client.post("/articles/harbour/report-bias/", {
            "reason": "loaded_language", "quoted_passage": "\u3164\u3164",
            "details": "\u202eThe headline calls them a mob."})
        assert response.status_code == 303
        report = BiasReport.objects.get()
        assert report.quoted_passage == ""
        assert report.details == "The headline calls them a mob."

    def test_stacked_marks_are_refused(self, client, reader):
        response = client.post("/articles/harbour/report-bias/",
                               {"reason": "other", "details": "o" + "\u0308" * 30})
        assert response.status_code == 400
        assert STACKED in unescape(response.content.decode())
