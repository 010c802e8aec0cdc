"""QA round 3 on abuse of comments and bias reports: what word rules and the link hold
read, bans escaped through a new account, many accounts from one connection, spoofed
evidence links, and allowances used up by the wrong sends."""

from datetime import timedelta
from html import unescape
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from accounts.models import ProvenEmail
from comments import moderation
from comments.forms import CommentForm
from comments.models import Comment, HeldStanding, ModerationAction, ReaderStanding, WordRule
from core import ratelimit
from core.text import (CONTROL_CHARACTERS, DIRECTION_OVERRIDES, as_read, clean_limited_text,
                       most_stacked_marks)
from standards.forms import BiasReportForm
from standards.models import BiasReport
from tests.articles.newsroom import staff
from tests.commenting import post_comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-harbour-passphrase"
SCUMBAG = "This comment uses a word we do not publish (“scumbag”)."


@pytest.fixture
def article():
    return ArticleFactory(slug="harbour")


@pytest.fixture
def reader(client, article):
    cache.clear()  # each accepted comment starts the 10-second burst limit
    user = UserFactory(username="ana")
    client.force_login(user)
    return user


@pytest.fixture
def banned_words():
    WordRule.objects.create(word="scumbag", kind=WordRule.Kind.BANNED)
    WordRule.objects.create(word="idiot", kind=WordRule.Kind.BANNED)
    WordRule.objects.create(word="free money", kind=WordRule.Kind.BANNED)


def post(client, body, **extra):
    cache.clear()
    return post_comment(client, "harbour", body, **extra)


# 1. Control characters go before any rule reads the text -------------------------

@pytest.mark.parametrize("body", [
    "The skipper is a scum\x7fbag, honestly.",
    "scum\x7fbag and id\x01iot",
    "What an id\x1fiot.",
    "scum\x85bag",
])
def test_a_control_character_inside_a_banned_word_is_refused(client, reader, banned_words,
                                                             body):
    response = post(client, body)
    assert response.status_code == 400
    assert "uses a word we do not publish" in unescape(response.content.decode())
    assert not Comment.objects.exists()


def test_a_link_with_a_control_character_inside_is_held(client, reader):
    assert post(client, "Proof at evil-shop\x7f.example/deals").status_code == 303
    comment = Comment.objects.get()
    assert comment.body == "Proof at evil-shop.example/deals"
    assert (comment.status, comment.hold_reason) == (Comment.Status.PENDING, "Contains a link")


def test_marks_stacked_with_control_characters_between_are_refused(client, reader):
    body = "Z" + ("\u0301\u0302\u0303\u0304" + "\x01") * 12
    response = post(client, body)
    assert response.status_code == 400
    assert "Too many accents or marks are stacked" in unescape(response.content.decode())
    assert not Comment.objects.exists()


def test_a_repeat_with_a_control_character_inside_is_held(client, reader):
    assert post(client, "The ferry was late again today.").status_code == 303
    assert post(client, "The ferry was la\x02te again today.").status_code == 303
    repeat = Comment.objects.latest("pk")
    assert repeat.body == "The ferry was late again today."
    assert repeat.hold_reason == "Repeats the reader's previous comment"


# What a reader's short text is checked as is what is stored: checked again, it is the same.
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", " ", "\n", "\x01", "\x7f", "\x85", "\x1b",
                                 "\u0301", "\u202e", "\u202d", "\u202c", "\u2067", "\u2069",
                                 "\u200b", "é"]), max_size=40).map("".join))
@example("scum\x7fbag")
@example("\x01 a")
@example("\u202egabmucs\u202c")
def test_clean_text_is_the_text_stored_and_reads_the_same_checked_again(text):
    try:
        cleaned = clean_limited_text(text, 250, "Comments")
    except ValidationError:
        return
    assert not CONTROL_CHARACTERS.search(cleaned)
    assert not DIRECTION_OVERRIDES.search(cleaned)
    assert clean_limited_text(cleaned, 250, "Comments") == cleaned
    assert most_stacked_marks(cleaned) <= 4


def test_the_comment_form_gives_the_text_as_it_is_stored(article):
    form = CommentForm({"body": "A scum\x7fbag\x1b!", "submission_token": "t" * 32})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"] == "A scumbag!"
    comment = CommentFactory(article=article, body=form.cleaned_data["body"])
    comment.refresh_from_db()
    assert comment.body == form.cleaned_data["body"]


def test_a_bias_reports_text_loses_its_control_characters_before_it_is_checked():
    form = BiasReportForm({"reason": "other", "details": "Calls him a scum\x7fbag\x01.",
                           "quoted_passage": "\x02a\x7fb", "submission_token": "t" * 32})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["details"] == "Calls him a scumbag."
    assert form.cleaned_data["quoted_passage"] == "ab"


# 2. Rules read the text as readers do -------------------------------------------

@pytest.mark.parametrize("body", [
    "You scum\u200bbag", "You scum\u00adbag", "You scum\u200dbag", "You scum\u2060bag",
    "You scum\u034fbag", "You scum\ufe0fbag", "You scum\u0336bag",
    "You ｓｃｕｍｂａｇ", "You 𝐬𝐜𝐮𝐦𝐛𝐚𝐠", "You SCUMBAG",
    "You s\u0441umb\u0430g",  # Cyrillic с and а
    "\u0455\u0435\u0445",  # "sex" in Cyrillic letters alone
    "Just \u0455\u0435\u0445",
])
def test_invisible_fullwidth_styled_and_look_alike_spellings_are_read_as_the_word(
        banned_words, body):
    WordRule.objects.create(word="sex", kind=WordRule.Kind.BANNED)
    reader = UserFactory()
    with pytest.raises(ValidationError) as refused:
        moderation.check_comment(reader, None, body)
    assert refused.value.code == "banned_word"


def test_a_look_alike_spelling_is_refused_through_the_form(client, reader, banned_words):
    response = post(client, "The skipper is a s\u0441umb\u0430g.")
    assert response.status_code == 400
    assert SCUMBAG in unescape(response.content.decode())


def test_a_comment_drawn_in_reverse_is_stored_in_its_own_order(client, reader, banned_words):
    assert post(client, "\u202egabmucs\u202c").status_code == 303
    assert Comment.objects.get().body == "gabmucs"
    # However it is saved.
    comment = CommentFactory(body="\u202dgabmucs\u202c and more")
    comment.refresh_from_db()
    assert comment.body == "gabmucs and more"


def test_a_phrase_drawn_in_reverse_order_by_right_to_left_text_is_found(banned_words):
    reader = UserFactory()
    with pytest.raises(ValidationError):
        moderation.check_comment(reader, None, "\u200f\u2067money\u2069 \u2067free\u2069")


@pytest.mark.parametrize("body", [
    "Это сор, а не новость.",  # Russian "сор" (rubbish) is not the Latin "cop"
    "Сор из избы не выносят.",
    "¡Feliz año a todos!",  # "año" is not "ano"
    "Tôi đọc bài này hôm qua.",
    "東京。大阪に行きました。",  # ideographic full stops in prose are no link
])
def test_ordinary_words_in_other_alphabets_are_read_as_themselves(body):
    for word in ("cop", "ano"):
        WordRule.objects.create(word=word, kind=WordRule.Kind.BANNED)
    assert moderation.check_comment(UserFactory(), None, body) == (Comment.Status.APPROVED, "")


@pytest.mark.parametrize("body", [
    "Log in at \u0430\u0440\u0440\u04cf\u0435.com/login",  # Cyrillic "apple"
    "Visit münchen.de today",
    "Лучшее казино.рф",
    "Deals at bit。ly/abc",
    "See ｅｘａｍｐｌｅ．ｃｏｍ",
    "Buy at CheapPills.Com now",
    "Go to ｈｔｔｐｓ：／／example.org",
    "bit\u200b.ly/x",
])
def test_hosts_in_any_alphabet_or_width_are_held(body):
    assert moderation.check_comment(UserFactory(), None, body) == (
        Comment.Status.PENDING, "Contains a link")


def test_as_read_drops_what_draws_nothing_and_keeps_what_does():
    assert as_read("scum\u200b\u00ad\ufe0f\x7fbag") == "scumbag"
    assert as_read("ｅｘａｍｐｌｅ．ｃｏｍ bit。ly") == "example.com bit.ly"
    assert as_read("Feliz año,\nTiếng") == "Feliz año,\nTiếng"


# 3. A restricted reader's standing follows their mailbox --------------------------

def sign_up(username, email, address="192.0.2.1"):
    return Client(REMOTE_ADDR=address).post("/accounts/signup/", {
        "username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD})


def proven(user):
    """user, having followed a link to its address: only then does its standing follow
    the mailbox (accounts.models.ProvenEmail; tests/accounts/test_privacy_r6.py)."""
    ProvenEmail.record(user)
    return user


def delete_account(user):
    client = Client()
    client.force_login(user)
    assert client.post("/accounts/delete/", {"password": "a-long-test-passphrase"}
                       ).status_code == 302


def comment_as(username, article, body="Good story about the harbour."):
    from django.contrib.auth import get_user_model

    cache.clear()
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return post_comment(client, article.slug, body)


def test_a_banned_readers_new_account_at_the_same_mailbox_is_banned(article):
    banned = proven(UserFactory(username="qa_r1", email="r1@example.org"))
    ReaderStanding.objects.create(reader=banned, is_banned=True)
    assert sign_up("harbour_gull", "R1+gull@Example.org").status_code == 302
    standing = ReaderStanding.objects.get(reader__username="harbour_gull")
    assert standing.is_banned
    assert f"reader {banned.pk}" in standing.note
    client = Client()
    client.force_login(standing.reader)
    assert "Your account can no longer post comments." in client.get(
        "/articles/harbour/comments/").content.decode()
    assert client.post("/articles/harbour/comments/", {"body": "Hello"}).status_code == 403
    assert not Comment.objects.exists()
    entry = ModerationAction.objects.get(action="reader standing carried over")
    assert entry.reader == standing.reader and entry.moderator is None


def test_a_restricted_reader_who_deletes_the_account_is_restricted_again(article):
    moderator = staff("Moderators", username="desk")
    restricted = proven(UserFactory(username="qa_r3", email="r3@example.org"))
    comment = CommentFactory(article=article, reader=restricted)
    moderation.decide_comment(comment, Comment.Status.HIDDEN, moderator, restrict=True)
    delete_account(restricted)
    held = HeldStanding.objects.get()
    assert held.is_premoderated and "r3@" not in held.email
    assert sign_up("qa_r3", "r3@example.org").status_code == 302
    assert ReaderStanding.objects.get(reader__username="qa_r3").is_premoderated
    assert comment_as("qa_r3", article).status_code == 303
    assert Comment.objects.get(reader__username="qa_r3").status == Comment.Status.PENDING


def test_the_strictest_standing_is_carried(article):
    later = timezone.now() + timedelta(days=3)
    one = proven(UserFactory(username="one", email="same@example.org"))
    two = proven(UserFactory(username="two", email="same@example.org"))
    ReaderStanding.objects.create(reader=one, is_premoderated=True)
    ReaderStanding.objects.create(reader=two, suspended_until=later)
    assert sign_up("three", "same@example.org").status_code == 302
    standing = ReaderStanding.objects.get(reader__username="three")
    assert standing.is_premoderated and standing.suspended_until == later
    assert not standing.is_banned


def test_a_reader_at_another_mailbox_or_after_the_standing_ended_is_free(article):
    ReaderStanding.objects.create(reader=UserFactory(email="r1@example.org"), is_banned=True)
    ReaderStanding.objects.create(reader=UserFactory(email="old@example.org"),
                                  suspended_until=timezone.now() - timedelta(minutes=1))
    assert sign_up("fresh", "fresh@example.org").status_code == 302
    assert sign_up("later", "old@example.org").status_code == 302
    assert not ReaderStanding.objects.filter(reader__username__in=["fresh", "later"]).exists()
    assert comment_as("fresh", article).status_code == 303
    assert Comment.objects.get().status == Comment.Status.APPROVED


def test_purge_drops_a_held_standing_once_its_time_is_up():
    HeldStanding.objects.create(email="email:x", is_premoderated=True,
                                until=timezone.now() - timedelta(minutes=1))
    kept = HeldStanding.objects.create(email="email:y", is_premoderated=True,
                                       until=timezone.now() + timedelta(days=1))
    out = StringIO()
    call_command("purge_personal_data", stdout=out)
    assert list(HeldStanding.objects.all()) == [kept]
    assert "1 standings held from deleted accounts whose time was up" in out.getvalue()


# 4. Many accounts, one text; many accounts, one connection -------------------------

CAMPAIGN = "Everyone should read the truth about this harbour on my profile page"


def test_the_same_text_from_another_account_on_the_story_is_held(article):
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    assert moderation.check_comment(first, article, CAMPAIGN)[0] == Comment.Status.APPROVED
    CommentFactory(article=article, reader=first, body=CAMPAIGN)
    # However it is written: case, punctuation, invisible characters.
    for body in (CAMPAIGN, CAMPAIGN.upper() + "!!", CAMPAIGN.replace("truth", "tr\u200buth")):
        assert moderation.check_comment(second, article, body) == (
            Comment.Status.PENDING, moderation.SAME_AS_ANOTHER)
    # A short text is written alike by readers who never met; another story is another
    # conversation; a day later the wave has passed.
    CommentFactory(article=article, reader=first, body="Thank you for this story.")
    assert moderation.check_comment(third, article, "Thank you for this story.")[0] == \
        Comment.Status.APPROVED
    assert moderation.check_comment(third, ArticleFactory(), CAMPAIGN)[0] == \
        Comment.Status.APPROVED
    Comment.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert moderation.check_comment(third, article, CAMPAIGN)[0] == Comment.Status.APPROVED


# Needs the comments/views.py and core/ratelimit.py diffs of this round's report.
def test_one_connection_posts_three_readers_worth_of_comments(article):
    cache.clear()
    answers = []
    # On the clock as it runs: the limit holds over any 10 seconds, however the posts
    # fall against the clock's (it counted in windows of the clock, and four posts on
    # a busy machine fell in two: CI, 2026-12-06).
    for number in range(4):
        client = Client(REMOTE_ADDR="203.0.113.9")
        client.force_login(UserFactory(username=f"sock{number}"))
        answers.append(post_comment(client, "harbour", f"Comment number {number} here."))
    assert [answer.status_code for answer in answers] == [303, 303, 303, 429]
    assert Comment.objects.count() == 3
    # A reader on another connection is not held back by them.
    client = Client(REMOTE_ADDR="198.51.100.7")
    client.force_login(UserFactory(username="neighbour"))
    assert post_comment(client, "harbour", "Another view entirely.").status_code == 303


# Needs the comments/views.py and core/ratelimit.py diffs of this round's report.
def test_a_connection_has_an_hourly_comment_limit(article):
    cache.clear()
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.force_login(UserFactory())
    request = type("Request", (), {"META": {"REMOTE_ADDR": "203.0.113.9"}})()
    for _ in range(60):
        ratelimit.acquire(ratelimit.COMMENT_ADDRESS_LIMITS[1:], ratelimit.address_key(request))
    response = post_comment(client, "harbour", "One more comment from here.")
    assert response.status_code == 429
    assert not Comment.objects.exists()
    # The reader's own allowance was not used up by the refusal.
    assert ratelimit.acquire(ratelimit.COMMENT_LIMITS, f"reader:{response.wsgi_request.user.pk}"
                             ) == 0


# 6. Evidence links that read as another address ------------------------------------

def report_form(**data):
    return BiasReportForm({"reason": "other", "details": "Slanted.",
                           "submission_token": "t" * 32, **data})


@pytest.mark.parametrize(("url", "says"), [
    ("https://www.reuters.com@evil.example/story", "leads to evil.example, not to "
                                                   "www.reuters.com"),
    ("https://user:pass@example.org/", "leads to example.org"),
    ("https://example.com/\u202egpj.exe", "a character that does not show"),
    ("https://exa\u200bmple.com/", "a character that does not show"),
])
def test_an_evidence_link_that_reads_as_another_is_refused_saying_why(url, says):
    form = report_form(evidence_url=url)
    assert not form.is_valid()
    assert says in " ".join(form.errors["evidence_url"])


def test_the_refused_link_is_kept_in_the_form(client, article):
    url = "https://www.reuters.com@evil.example/story"
    response = client.post("/articles/harbour/report-bias/", {
        "reason": "other", "details": "Slanted.", "evidence_url": url})
    assert response.status_code == 400
    assert f'value="{url}"' in unescape(response.content.decode())


def test_a_link_to_a_host_in_another_alphabet_is_taken(article):
    assert report_form(evidence_url="https://münchen.de/news").is_valid()


def test_the_desk_shows_where_each_evidence_link_leads_in_ascii(client, article):
    client.force_login(staff("Moderators", username="desk"))
    links = {
        "https://www.reuters.com@evil.example/story": (
            "https://www.reuters.com@evil.example/story", "evil.example", False),
        "https://\u0430\u0440\u0440\u04cf\u0435.com/news": (
            "https://xn--80ak6aa92e.com/news", "xn--80ak6aa92e.com", True),
        "https://example.com/\u202egpj.exe": (
            "https://example.com/%E2%80%AEgpj.exe", "example.com", False),
        "https://example.org/report": ("https://example.org/report", "example.org", True),
    }
    for url in links:
        report = BiasReport.objects.create(article=article, reason="other", details="x",
                                           evidence_url=url)
        # As stored before saving took direction overrides out (core.text.LineFeeds).
        BiasReport.objects.filter(pk=report.pk).update(evidence_url=url)
    response = client.get("/admin/moderation/bias-reports/")
    shown = {item["report"].evidence_url: (item["evidence_shown"], item["evidence_host"],
                                           item["evidence_is_web"])
             for item in response.context["items"]}
    assert shown == links
    html = response.content.decode()
    # Neither is a link to follow, as the form would now refuse them.
    assert 'href="https://www.reuters.com@evil.example/story"' not in html
    assert 'href="https://example.com/\u202egpj.exe"' not in html
    assert 'href="https://example.org/report"' in html


# 7. Allowances used by the right sends ---------------------------------------------

def test_a_twin_of_a_bias_report_uses_no_allowance(client, article, monkeypatch):
    from standards import views

    cache.clear()
    data = {"reason": "other", "details": "Slanted.", "submission_token": "s" * 32}
    assert client.post("/articles/harbour/report-bias/", data).status_code == 303
    # The twin sent at once from another process: the first was not yet committed
    # when it looked, so it goes on to file, and the database refuses it.
    real, looks = views._submitted, []

    def not_committed_yet(article, token):
        looks.append(token)
        return None if len(looks) == 1 else real(article, token)

    monkeypatch.setattr(views, "_submitted", not_committed_yet)
    monkeypatch.setattr(views, "_duplicate_report", lambda *args: None)
    assert client.post("/articles/harbour/report-bias/", data).status_code == 303
    assert BiasReport.objects.count() == 1
    monkeypatch.undo()
    # Four more reports fit in the hour's five.
    for number in range(4):
        assert client.post("/articles/harbour/report-bias/", {
            "reason": "other", "details": f"Slanted {number}."}).status_code == 303
    assert client.post("/articles/harbour/report-bias/", {
        "reason": "other", "details": "One too many."}).status_code == 429


# Needs the comments/views.py and core/ratelimit.py diffs of this round's report.
def test_refused_comments_have_an_allowance_of_their_own(client, reader, banned_words):
    cache.clear()
    for _ in range(10):
        response = post_comment(client, "harbour", "You scumbag.")
        assert response.status_code == 400
        assert SCUMBAG in unescape(response.content.decode())
    response = post_comment(client, "harbour", "You scumbag.")
    html = unescape(response.content.decode())
    assert response.status_code == 429 and response["Retry-After"]
    assert SCUMBAG not in html  # the word is no longer named
    assert "You scumbag." in html  # the text is kept
    assert not Comment.objects.exists()
    # A comment with nothing refused still goes.
    assert post_comment(client, "harbour", "A fair story.").status_code == 303


@pytest.mark.parametrize("email", ["root@localhost", "ops@[10.0.0.5]", '"ana"@example.org'])
def test_a_contact_email_no_mail_reaches_is_refused(email):
    assert not report_form(contact_email=email).is_valid()


def test_a_contact_email_is_kept_as_one_spelling(client, article):
    cache.clear()
    response = client.post("/articles/harbour/report-bias/", {
        "reason": "other", "details": "Slanted.", "contact_email": "Ana@Example.ORG"})
    assert response.status_code == 303
    assert BiasReport.objects.get().contact_email == "ana@example.org"
    form = report_form(contact_email="ana@bücher.example")
    assert form.is_valid() and form.cleaned_data["contact_email"] == "ana@xn--bcher-kva.example"
