"""A word rule's form says what a rule matches, digits and symbols for letters included,
and a comment can be tried against the rules.

A moderator who writes a rule the way spammers spell it ("$cumbag") is told that
a rule in letters matches that spelling too, and keeps what they typed; one who
tries a comment sees what the rules would do with it. Screenshots at 1280 px and
390 px, light and dark, go to screenshots/wordrules/ (git-ignored), to be looked at.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from comments.models import WordRule
from tests.browser.axe import serious
from tests.browser.shots import each_look
from tests.browser.test_desk import sign_in, staff
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "wordrules"


def test_a_rule_written_with_symbols_is_refused_saying_letters_will_do(live_server, new_page,
                                                                       roles):
    staff("Moderators", "jmod")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    sign_in(page, live_server, "jmod")
    page.goto(f"{live_server.url}/admin/comments/wordrule/add/")
    helptext = page.locator("#id_word_helptext")
    tells = "with digits and symbols for letters (“$cumb4g”), with its letters apart"
    expect(helptext).to_contain_text(tells)
    page.fill("#id_word", "$cumbag")
    page.select_option("#id_kind", "banned")
    page.locator("input[name=_save]").click()
    error = page.locator("#id_word_error")
    expect(error).to_be_visible()  # the refusal's page loaded before the looks are turned
    # The refused form, photographed in each look before it is sent again.
    for width, scheme in each_look(page):
        expect(error).to_contain_text(
            "A rule in letters also matches its words written with symbols for letters: "
            "“scumbag” matches “$cumb@g”.")
        expect(page.locator("#id_word")).to_have_value("$cumbag")
        expect(helptext).to_contain_text(tells)
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        page.screenshot(path=SHOTS / f"word-rule-refused-{width}-{scheme}.png", full_page=True)
    # Written in letters, it is taken.
    page.fill("#id_word", "scumbag")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert list(WordRule.objects.values_list("word", "kind")) == [("scumbag", "banned")]


def test_a_moderator_tries_a_comment_against_the_rules(live_server, new_page, roles):
    staff("Moderators", "jmod")
    WordRule.objects.create(word="scumbag", kind=WordRule.Kind.BANNED)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    sign_in(page, live_server, "jmod")
    page.goto(f"{live_server.url}/admin/comments/wordrule/")
    page.get_by_role("link", name="Try a comment").click()
    page.get_by_label("Comment").fill("The skipper is a $cumb4g, and s c u m b a g too.")
    page.get_by_role("button", name="Try it").click()
    verdict = "Refused: it uses a word or phrase we do not publish: “scumbag”."
    # The verdict's page loaded before the looks are turned.
    expect(page.locator("#content-main")).to_contain_text(verdict)
    for width, scheme in each_look(page):
        expect(page.locator("#content-main")).to_contain_text(verdict)
        expect(page.get_by_label("Comment")).to_have_value(
            "The skipper is a $cumb4g, and s c u m b a g too.")
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert serious(page) == []
        page.screenshot(path=SHOTS / f"try-{width}-{scheme}.png", full_page=True)
