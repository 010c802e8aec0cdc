"""Comments and bias reports in a real Chromium, with and without JavaScript.

DESIGN.md section 5 items 9-10 and section 6: the comments block loaded into
the article page, the live counter that counts exactly as the server does,
refused comments that keep the reader's text, the Report Bias dialog driven
with the keyboard only, the no-JavaScript pages, and axe scans of them all.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from comments.models import Comment, WordRule
from core.ratelimit import fingerprint
from core.text import count_chars, normalize
from standards.models import BiasReport
from standards.views import REPORTER_COOKIE
from tests.browser import axe, session
from tests.browser.shots import each_look, shooter
from tests.factories import BiasReportFactory, CommentFactory, UserFactory

shoot = shooter(Path(settings.BASE_DIR) / "screenshots" / "participation")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"
LIMIT = 250
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦
THUMB = "\U0001f44d\U0001f3fd"  # 👍🏽
FLAG_FR = "\U0001f1eb\U0001f1f7"  # 🇫🇷
FLAG_EU = "\U0001f1ea\U0001f1fa"  # 🇪🇺

# The text of a comment as a reader types it; each "\n" is a press of Enter.
TYPED = (
    f"  Bonjour {FLAG_FR} {THUMB} {FAMILY}\n"
    "Caf\u00e9 and cafe\u0301, na\u00efve\n"
    "\n"
    "Fin.  "
)

# Strings on which the page's counting function must agree with the server.
TRICKY = [
    "",
    "   ",
    "plain text",
    "a\r\nb",
    "a\rb",
    "a\nb",
    "a\r\n\r\nb",
    "a\r\rb",
    "a\n\rb",
    "\r\n",
    "\r\nline\r\n",
    "  leading and trailing  ",
    "\t\v\ftabs\t",
    "\ufeffbom\ufeff",
    "\u3000ideographic\u3000",
    "\u00a0nbsp\u00a0",
    "\u202fnarrow\u205f",
    "\u2028line\u2029",
    "\u1680ogham\u2000\u200a",
    "\u200bzero-width\u200b",  # not white space in JavaScript or here
    "\u180emongolian\u180e",  # not white space since ES2016
    "\u0085next-line\u0085",  # Python's strip() would remove it; trim() does not
    "\x1cseparators\x1f",  # likewise
    FAMILY,
    THUMB,
    FLAG_FR + FLAG_EU,
    "\U0001f3f3\ufe0f\u200d\U0001f308",  # rainbow flag
    "\U0001f469\U0001f3fe\u200d\U0001f4bb",  # woman technologist, skin tone
    "e\u0301",
    "e\u0301\u0302\u0323",
    "\u00e9",
    "\u1e9b\u0323",
    "\U0001d54f\U0001d4b3",  # mathematical letters, astral plane
    "\U0001f600" * 3,
    "\U00020000\U0002a6d6",  # CJK extension B
    "\U0001f1eb",  # a lone regional indicator
    " " + FLAG_FR * 125 + " ",
    "x" * 251,
]


# Helpers -------------------------------------------------------------------

def _reader(username="ana"):
    return UserFactory(username=username)


def sign_in(page, live_server, user, next_url="/"):
    """Signed in as user (tests/browser/session.py), on next_url."""
    session.sign_in(page.context, live_server.url, user)
    page.goto(live_server.url + next_url)
    assert "/accounts/login/" not in page.url, "signing in failed"


def _open_article(page, live_server, article):
    url = live_server.url + article.get_absolute_url()
    response = page.goto(url)
    assert response.status == 200
    return url


def _wait_for_block(page):
    """The comments block the script put in place of the loading line."""
    block = page.locator("[data-comments-src] [data-comments-block]")
    expect(block).to_be_visible()
    expect(page.locator(".comments-loading")).to_be_hidden()
    return block


def _counter(scope):
    return scope.locator(".counter")


def _body_as_text(locator):
    """A comment's shown text with each <br> read back as a line break."""
    return locator.evaluate(
        "el => Array.from(el.childNodes)"
        ".map(n => n.nodeName === 'BR' ? '\\n' : n.textContent).join('')"
    )


def _duplicate_ids(page):
    return page.evaluate(
        "() => { const seen = {}; document.querySelectorAll('[id]').forEach("
        "el => { seen[el.id] = (seen[el.id] || 0) + 1; });"
        " return Object.keys(seen).filter(id => seen[id] > 1); }"
    )


def _broken_references(page):
    """aria-describedby / aria-labelledby / label[for] IDs that name no element."""
    return page.evaluate(
        "() => { const broken = [];"
        " document.querySelectorAll('[aria-describedby], [aria-labelledby], label[for]')"
        ".forEach(el => { const ids = [el.getAttribute('aria-describedby'),"
        " el.getAttribute('aria-labelledby'), el.getAttribute('for')].join(' ')"
        ".split(/\\s+/).filter(Boolean);"
        " ids.forEach(id => { if (!document.getElementById(id))"
        " broken.push(`${el.tagName.toLowerCase()}#${el.id || el.getAttribute('name')}"
        " -> ${id}`); }); });"
        " return broken; }"
    )


def _posts(page):
    """Record the POST requests the page sends."""
    sent = []
    page.on("request", lambda request: sent.append(request.url)
            if request.method == "POST" else None)
    return sent


def _fill_to_limit(text):
    """text followed by emoji flags (two code points each) up to exactly LIMIT."""
    filler = ""
    while count_chars(text + filler) < LIMIT:
        filler += FLAG_EU if LIMIT - count_chars(text + filler) >= 2 else "\u00e9"
    return text + filler


# 1. The comments block with JavaScript ------------------------------------

def test_comments_block_counter_and_posting_in_place(live_server, newsroom, new_page):
    article = newsroom["lead"]
    reader = _reader()
    page = new_page()
    sign_in(page, live_server, reader)

    # Hold the block's request so that the loading line can be seen.
    held = []
    page.route("**/comments/?partial=1", lambda route: held.append(route))
    url = live_server.url + article.get_absolute_url()
    page.goto(url)
    loading = page.locator(".comments-loading")
    expect(loading).to_have_text("Loading comments...")
    expect(loading).to_be_visible()
    # The line shows before the script's request reaches the route: wait for it,
    # at most 5 seconds (on a busy machine it had not arrived yet).
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    page.unroute("**/comments/?partial=1")

    block = _wait_for_block(page)
    expect(page.locator(".comments-link")).to_be_hidden()
    assert _duplicate_ids(page) == []
    expect(block.get_by_role("heading")).to_have_count(0)
    textarea = block.get_by_label("Your comment")
    expect(textarea).to_be_visible()
    assert textarea.get_attribute("name") == "body"
    # The script enforces the real limit; the browser's maxlength would count
    # each emoji as two.
    assert textarea.get_attribute("maxlength") is None
    counter = _counter(block)
    expect(counter).to_have_text("0/250")

    # Type, pressing Enter for the line breaks.
    textarea.click()
    for number, line in enumerate(TYPED.split("\n")):
        if number:
            page.keyboard.press("Enter")
        page.keyboard.type(line)
    assert textarea.input_value() == TYPED
    expected = count_chars(TYPED)
    assert expected == len(normalize(TYPED)) == 49
    expect(counter).to_have_text(f"{expected}/{LIMIT}")
    expect(block.locator(".counter-error")).to_be_hidden()

    # Exactly the limit, mostly emoji: accepted by the counter (and far more
    # than 250 UTF-16 units, so a maxlength would have cut it short).
    at_limit = _fill_to_limit(TYPED)
    textarea.fill(at_limit)
    assert textarea.input_value() == at_limit
    assert len(at_limit.encode("utf-16-le")) // 2 > LIMIT
    expect(counter).to_have_text("250/250")
    expect(block.locator(".counter-error")).to_be_hidden()

    # One more character: the counter says so and the form refuses to send.
    page.keyboard.press("Control+End")
    page.keyboard.type("!")
    assert count_chars(textarea.input_value()) == 251
    expect(counter).to_have_text("251/250")
    expect(counter).to_have_class(re.compile(r"\bcounter-over\b"))
    message = block.locator(".counter-error")
    expect(message).to_be_visible()
    expect(message).to_have_text("Comments can be at most 250 characters; this one has 251.")
    assert textarea.get_attribute("aria-invalid") == "true"
    expect(textarea).to_have_accessible_description(
        re.compile("Comments can be at most 250 characters; this one has 251"))
    posts = _posts(page)
    block.get_by_role("button", name="Post comment").click()
    page.wait_for_timeout(300)
    assert posts == []
    assert page.url == url
    assert Comment.objects.count() == 0
    assert textarea.input_value().endswith("!")

    # Back to the limit, then post: the block refreshes in place.
    page.keyboard.press("Backspace")
    expect(counter).to_have_text("250/250")
    expect(message).to_be_hidden()
    assert textarea.get_attribute("aria-invalid") is None
    sent = textarea.input_value()
    page.evaluate("window.__stillHere = true")
    block.get_by_role("button", name="Post comment").click()

    notice = block.locator(".comment-outcome")
    expect(notice).to_have_text("Your comment is published.")
    assert page.url == url, "posting from the block must not navigate"
    assert page.evaluate("window.__stillHere") is True, "the page was reloaded"
    assert len(posts) == 1 and posts[0].endswith("/comments/?partial=1")

    comment = Comment.objects.get()
    assert comment.body == normalize(sent)
    assert len(comment.body) == LIMIT
    assert comment.body.startswith(f"Bonjour {FLAG_FR} {THUMB} {FAMILY}\nCaf\u00e9 and cafe\u0301")
    assert "\r" not in comment.body
    assert comment.reader == reader and comment.status == Comment.Status.APPROVED

    shown = block.locator(f"#comment-{comment.pk} .comment-body")
    expect(shown).to_be_visible()
    assert _body_as_text(shown) == comment.body
    assert shown.locator("br").count() == comment.body.count("\n") == 3
    expect(block.locator(".comment-author").first).to_have_text(reader.username)

    # The fresh form is empty and wired again.
    textarea = block.get_by_label("Your comment")
    assert textarea.input_value() == ""
    assert textarea.get_attribute("maxlength") is None
    expect(_counter(block)).to_have_text("0/250")
    textarea.fill("e\u0301")
    expect(_counter(block)).to_have_text("2/250")
    assert _duplicate_ids(page) == []


def test_signed_out_readers_get_a_sign_in_link_in_the_block(live_server, newsroom, new_page):
    article = newsroom["lead"]
    CommentFactory(article=article, body="First line\nSecond line")
    page = new_page()
    _open_article(page, live_server, article)
    block = _wait_for_block(page)
    expect(block.locator("textarea")).to_have_count(0)
    link = block.get_by_role("link", name="Sign in to comment")
    assert link.get_attribute("href") == (
        f"/accounts/login/?next=/articles/{article.slug}/%23comments")
    assert _body_as_text(block.locator(".comment-body")) == "First line\nSecond line"


def test_comment_pages_load_in_place(live_server, newsroom, new_page):
    article = newsroom["lead"]
    _many_comments(article)  # 21: newest first, 20 a page
    page = new_page()
    url = _open_article(page, live_server, article)
    block = _wait_for_block(page)
    expect(block.locator(".comment")).to_have_count(20)
    expect(block.locator(".comment-body").first).to_contain_text("Comment 20")
    block.get_by_role("link", name="Older comments").click()
    expect(block.locator(".pagination-current")).to_have_text("Page 2 of 2")
    expect(block.locator(".comment")).to_have_count(1)
    expect(block.locator(".comment-body")).to_contain_text("Comment 0")
    assert page.url == url
    block.get_by_role("link", name="Newer comments").click()
    expect(block.locator(".pagination-current")).to_have_text("Page 1 of 2")
    assert page.url == url


# 2. The counter agrees with the server --------------------------------------

def test_page_counting_agrees_with_the_server(live_server, newsroom, new_page):
    page = new_page()
    _open_article(page, live_server, newsroom["lead"])
    counted = page.evaluate(
        "async (strings) => {"
        " const { countChars } = await import('/static/js/counter.js');"
        " return strings.map((s) => countChars(s)); }",
        TRICKY,
    )
    expected = [count_chars(s) for s in TRICKY]
    mismatches = [(s, got, want) for s, got, want in zip(TRICKY, counted, expected)
                  if got != want]
    assert not mismatches, mismatches


def test_live_counter_agrees_with_the_server(live_server, newsroom, new_page):
    """The counter shown next to the field, fed each tricky string."""
    article = newsroom["lead"]
    page = new_page()
    sign_in(page, live_server, _reader())
    page.goto(f"{live_server.url}/articles/{article.slug}/comments/")
    textarea = page.get_by_label("Your comment")
    assert textarea.get_attribute("maxlength") is None
    counter = page.locator(".counter")
    for text in TRICKY:
        # The value as a script sets it, CRs included (fill would type it).
        textarea.evaluate(
            "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", text)
        want = count_chars(textarea.input_value())
        assert want == count_chars(text)
        expect(counter).to_have_text(f"{want}/{LIMIT}")


# 3. A refused comment keeps the text ----------------------------------------

def test_banned_word_is_refused_in_the_block_and_the_text_kept(live_server, newsroom,
                                                                 new_page):
    WordRule.objects.create(word="Blarg", kind=WordRule.Kind.BANNED)
    article = newsroom["lead"]
    page = new_page()
    sign_in(page, live_server, _reader(), next_url=article.get_absolute_url())
    url = page.url
    assert url == live_server.url + article.get_absolute_url()
    block = _wait_for_block(page)

    text = f"What a blarg decision {THUMB}\nreally."
    textarea = block.get_by_label("Your comment")
    textarea.fill(text)
    block.get_by_role("button", name="Post comment").click()

    errors = block.locator(".field-errors")
    expect(errors).to_have_text(
        "This comment uses a word we do not publish (\u201cblarg\u201d). Please rephrase it.")
    assert page.url == url
    assert Comment.objects.count() == 0
    textarea = block.get_by_label("Your comment")
    assert normalize(textarea.input_value()) == normalize(text)
    expect(textarea).to_be_focused()
    # The reason is part of the field's description, so it is read out there.
    expect(textarea).to_have_accessible_description(re.compile("Please rephrase it"))
    assert textarea.get_attribute("aria-invalid") == "true"
    assert textarea.get_attribute("maxlength") is None
    expect(_counter(block)).to_have_text(f"{count_chars(text)}/250")

    # Editing clears the server's mark; rephrased, the comment goes through
    # (the refusal used up no allowance).
    textarea.press("End")
    page.keyboard.type(" ")
    assert textarea.get_attribute("aria-invalid") is None
    textarea.fill(text.replace("blarg", "baffling"))
    block.get_by_role("button", name="Post comment").click()
    expect(block.locator(".comment-outcome")).to_have_text("Your comment is published.")
    expect(block.locator(".field-errors")).to_have_count(0)
    assert Comment.objects.get().body == normalize(text.replace("blarg", "baffling"))


# 4. Report Bias through the dialog, keyboard only ---------------------------

def _active(page, selector):
    return page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector)


def test_report_bias_dialog_with_the_keyboard(live_server, newsroom, new_page):
    article = newsroom["lead"]
    page = new_page()
    url = _open_article(page, live_server, article)
    _wait_for_block(page)
    trigger = page.locator("a[data-bias-dialog]")
    expect(trigger).to_have_text("Report Bias")

    for _ in range(200):
        page.keyboard.press("Tab")
        if _active(page, "a[data-bias-dialog]"):
            break
    else:
        pytest.fail("Tab never reached the Report Bias link")
    page.keyboard.press("Enter")

    dialog = page.locator("dialog[open]")
    expect(dialog).to_have_count(1)
    expect(dialog.locator("form[data-bias-form]")).to_be_visible()
    heading = dialog.get_by_role("heading", name="Report bias")
    expect(heading).to_be_focused()
    # Its focus ring goes round the heading beside the Close button, not under it (QA,
    # 2026-12-06).
    close = dialog.get_by_role("button", name="Close").bounding_box()
    assert heading.bounding_box()["x"] + heading.bounding_box()["width"] <= close["x"]
    shoot(page, "bias-dialog-opened", 1280, "light", full_page=False)
    assert page.url == url
    assert trigger.get_attribute("aria-haspopup") == "dialog"

    # Tab to the reasons, pick one with Space, move to another with the arrows.
    for _ in range(10):
        page.keyboard.press("Tab")
        if _active(page, "input[type=radio]"):
            break
    else:
        pytest.fail("Tab never reached the reasons")
    page.keyboard.press("Space")
    expect(dialog.locator("input[value=political_slant]")).to_be_checked()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(dialog.locator("input[value=loaded_language]")).to_be_checked()

    page.keyboard.press("Tab")
    assert _active(page, "textarea[name=quoted_passage]")
    page.keyboard.type("a mob of protesters")
    page.keyboard.press("Tab")
    assert _active(page, "textarea[name=details]")
    page.keyboard.type("The story calls peaceful protesters \u201ca mob\u201d.")
    page.keyboard.press("Enter")
    page.keyboard.type(f"Twice {THUMB}.")
    details = dialog.locator("textarea[name=details]")
    expect(dialog.locator("[data-counter-for=id_details]")).to_have_text(
        f"{count_chars(details.input_value())}/1000")

    for _ in range(10):
        page.keyboard.press("Tab")
        if _active(page, "button[type=submit]"):
            break
    else:
        pytest.fail("Tab never reached the Send report button")
    page.keyboard.press("Enter")

    reference = dialog.locator(".reference strong")
    expect(reference).to_have_text(re.compile(r"^BR-\d{6}$"))
    report = BiasReport.objects.get()
    assert reference.inner_text() == report.reference
    assert report.article == article
    assert report.reason == BiasReport.Reason.LOADED_LANGUAGE
    assert report.quoted_passage == "a mob of protesters"
    assert report.details == (
        f"The story calls peaceful protesters \u201ca mob\u201d.\nTwice {THUMB}.")
    assert report.reader is None
    expect(dialog.get_by_role("heading", name="Thank you: your report is in")).to_be_visible()
    assert page.url == url

    page.keyboard.press("Escape")
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(trigger).to_be_focused()
    assert BiasReport.objects.count() == 1


def test_report_bias_dialog_refusal_keeps_the_text(live_server, newsroom, new_page):
    article = newsroom["lead"]
    reader = _reader()
    page = new_page()
    sign_in(page, live_server, reader, next_url=article.get_absolute_url())
    page.get_by_role("link", name="Report Bias").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("form[data-bias-form]")).to_be_visible()
    # Empty, not the account's address: the reader gives one to hear the outcome.
    email = dialog.get_by_label("Your email (optional)")
    assert email.input_value() == ""
    email.fill(reader.email)

    # Too long a passage: the dialog's counter refuses to send it.
    passage = dialog.get_by_label("The passage (optional)")
    passage.fill(FLAG_FR * 150 + "!")
    expect(dialog.locator("[data-counter-for=id_quoted_passage]")).to_have_text("301/300")
    expect(dialog.locator("#id_quoted_passage-counter-error")).to_have_text(
        "Quoted passages can be at most 300 characters; this one has 301.")
    posts = _posts(page)
    dialog.get_by_role("button", name="Send report").click()
    page.wait_for_timeout(300)
    assert posts == []

    # No reason chosen: the server refuses, the dialog shows why, text kept.
    passage.fill(FLAG_FR * 150)
    dialog.get_by_label("Details", exact=True).fill("Line one\nline two")
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog.locator("#reason-errors")).to_have_text(
        "Choose the kind of bias you saw: one of the six below.")
    expect(dialog.locator("input[value=political_slant]")).to_be_focused()
    assert dialog.get_by_label("The passage (optional)").input_value() == FLAG_FR * 150
    assert dialog.get_by_label("Details", exact=True).input_value() == "Line one\nline two"
    expect(dialog.locator("[data-counter-for=id_quoted_passage]")).to_have_text("300/300")
    assert BiasReport.objects.count() == 0

    dialog.get_by_role("radio", name=re.compile("^Missing context")).check()
    # Chosen: the radios are no longer invalid, nor is the error read with them.
    expect(dialog.locator("input[type=radio][aria-invalid]")).to_have_count(0)
    expect(dialog.locator("#reason-errors")).to_be_hidden()
    assert dialog.locator("fieldset").first.get_attribute("aria-describedby") is None
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog.locator(".reference strong")).to_have_text(re.compile(r"^BR-\d{6}$"))
    report = BiasReport.objects.get()
    assert dialog.locator(".reference strong").inner_text() == report.reference
    assert report.quoted_passage == FLAG_FR * 150
    assert report.details == "Line one\nline two"
    assert report.reader == reader

    # Back to the story closes the dialog and returns focus.
    dialog.get_by_role("link", name="Back to the story").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.get_by_role("link", name="Report Bias")).to_be_focused()


# 5. Without JavaScript ------------------------------------------------------

def test_comments_without_javascript(live_server, newsroom, new_page):
    article = newsroom["lead"]
    reader = _reader()
    page = new_page(javascript=False)
    sign_in(page, live_server, reader)
    _open_article(page, live_server, article)

    expect(page.locator(".comments-loading")).to_be_hidden()
    link = page.get_by_role("link", name="Read the comments and join the conversation")
    expect(link).to_be_visible()
    assert link.get_attribute("href") == f"/articles/{article.slug}/comments/"
    link.click()
    comments_url = f"{live_server.url}/articles/{article.slug}/comments/"
    assert page.url == comments_url
    expect(page.locator("h1")).to_have_text(f"Comments on \u201c{article.headline}\u201d (0)")

    textarea = page.get_by_label("Your comment")
    assert textarea.get_attribute("maxlength") == "250"  # the fallback
    expect(page.locator(".counter")).to_have_text("0/250")
    text = "Without a script \u00e9\nstill works."
    textarea.fill(text)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Post comment").click()
    assert posted.value.status == 303
    page.wait_for_load_state()
    comment = Comment.objects.get()
    assert comment.body == normalize(text)
    assert page.url == f"{comments_url}#comment-{comment.pk}"
    expect(page.get_by_role("status")).to_have_text("Your comment is published.")
    assert _body_as_text(page.locator(f"#comment-{comment.pk} .comment-body")) == comment.body

    # 251 characters (a browser that ignores maxlength, or a pasted text that
    # got past it): refused with status 400, the reason shown, the text kept.
    too_long = FLAG_FR * 100 + "x" * 51
    assert count_chars(too_long) == 251
    textarea = page.get_by_label("Your comment")
    textarea.evaluate("(el, v) => { el.value = v; }", too_long)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Post comment").click()
    assert posted.value.status == 400
    page.wait_for_load_state()
    expect(page.locator(".field-errors")).to_have_text(
        "Comments can be at most 250 characters; this one has 251.")
    assert page.get_by_label("Your comment").input_value() == too_long
    expect(page.get_by_label("Your comment")).to_have_accessible_description(
        re.compile("at most 250 characters; this one has 251"))
    expect(page.locator(".counter")).to_have_text("251/250")
    assert Comment.objects.count() == 1


def test_report_bias_without_javascript(live_server, newsroom, new_page):
    article = newsroom["lead"]
    reader = _reader()
    page = new_page(javascript=False)
    sign_in(page, live_server, reader)
    _open_article(page, live_server, article)

    page.get_by_role("link", name="Report Bias").click()
    form_url = f"{live_server.url}/articles/{article.slug}/report-bias/"
    assert page.url == form_url
    expect(page.locator("h1")).to_have_text("Report bias")
    email = page.get_by_label("Your email (optional)")
    assert email.input_value() == ""  # not the account's: the reader gives one
    email.fill(reader.email)

    # Other without details: refused, the reason read out with the field.
    page.get_by_role("radio", name=re.compile("^Other")).check()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Send report").click()
    assert posted.value.status == 400
    page.wait_for_load_state()
    details = page.get_by_label("Details", exact=True)
    expect(details).to_have_accessible_description(re.compile(
        r"up to 1000 characters\. Required when you choose Other\..*"
        r"details are required when the reason is Other"))
    expect(page.get_by_role("radio", name=re.compile("^Other"))).to_be_checked()
    assert BiasReport.objects.count() == 0

    page.get_by_role("radio", name=re.compile("^Factual error")).check()
    page.get_by_label("Details", exact=True).fill("The bridge opened in 1998,\r\nnot 1989.")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Send report").click()
    assert posted.value.status == 303
    page.wait_for_load_state()

    report = BiasReport.objects.get()
    assert report.reason == BiasReport.Reason.FACTUAL_ERROR
    assert report.details == "The bridge opened in 1998,\nnot 1989."
    assert report.reader == reader and report.contact_email == reader.email
    assert page.url == f"{form_url}{report.reference}/"
    expect(page.locator(".reference")).to_have_text(f"Your reference: {report.reference}")
    assert re.fullmatch(r"BR-\d{6}", report.reference)

    # A reload shows the confirmation again and files nothing.
    page.reload()
    expect(page.locator(".reference strong")).to_have_text(report.reference)
    assert BiasReport.objects.count() == 1


# 6. Accessibility ------------------------------------------------------------

def _many_comments(article):
    for number in range(21):
        CommentFactory(article=article, body=f"Comment {number}\nwith a second line")


def _setup_comments_block(page, live_server, newsroom):
    _many_comments(newsroom["lead"])
    sign_in(page, live_server, _reader(), next_url=newsroom["lead"].get_absolute_url())
    block = _wait_for_block(page)
    expect(block.locator(".pagination")).to_be_visible()


def _setup_comments_page(page, live_server, newsroom):
    _many_comments(newsroom["lead"])
    sign_in(page, live_server, _reader(),
            next_url=f"/articles/{newsroom['lead'].slug}/comments/")
    expect(page.get_by_label("Your comment")).to_be_visible()


def _setup_refused_comment(page, live_server, newsroom):
    _setup_comments_block(page, live_server, newsroom)
    page.get_by_label("Your comment").fill("   ")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".field-errors")).to_be_visible()


def _setup_bias_dialog(page, live_server, newsroom):
    _open_article(page, live_server, newsroom["lead"])
    page.get_by_role("link", name="Report Bias").click()
    expect(page.locator("dialog[open] form")).to_be_visible()


def _setup_bias_form(page, live_server, newsroom):
    page.goto(f"{live_server.url}/articles/{newsroom['lead'].slug}/report-bias/")
    # With errors shown, the harder case.
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".field-errors").first).to_be_visible()


def _setup_confirmation(page, live_server, newsroom):
    # As the reporter's browser sees it (a stranger's page names no report).
    report = BiasReportFactory(article=newsroom["lead"],
                               reporter_key=fingerprint("reporter-browser-key"))
    page.context.add_cookies([{"name": REPORTER_COOKIE, "value": "reporter-browser-key",
                               "url": live_server.url + report.get_confirmation_url()}])
    page.goto(live_server.url + report.get_confirmation_url())
    expect(page.locator(".reference strong")).to_have_text(report.reference)


def _setup_signup(page, live_server, newsroom):
    page.goto(f"{live_server.url}/accounts/signup/")


def _setup_login(page, live_server, newsroom):
    page.goto(f"{live_server.url}/accounts/login/")


AXE_PAGES = {
    "comments block": _setup_comments_block,
    "comments page": _setup_comments_page,
    "refused comment": _setup_refused_comment,
    "bias dialog": _setup_bias_dialog,
    "bias form page": _setup_bias_form,
    "confirmation page": _setup_confirmation,
    "signup": _setup_signup,
    "login": _setup_login,
}


@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_axe_finds_no_serious_problems(live_server, newsroom, new_page, name):
    page = new_page()
    AXE_PAGES[name](page, live_server, newsroom)
    for _, color_scheme in each_look(page, [(1280, "light"), (1280, "dark")]):
        assert _duplicate_ids(page) == [], name
        assert _broken_references(page) == [], name
        problems = axe.serious(page)
        assert not problems, f"{name} ({color_scheme}):\n" + "\n".join(problems)
