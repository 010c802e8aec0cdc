"""Two editors on one story: each form says who else has it open, and tells the other at
once when one saves (static/js/editing_now.js, core/editing_now.py).

Screenshots at 1280 px and 390 px, light and dark, go to screenshots/editing_now/
(git-ignored), to be looked at.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from core import editing_now
from tests.browser.axe import serious
from tests.browser.shots import each_look
from tests.browser.test_desk import sign_in, staff
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "editing_now"


@pytest.fixture
def story(roles, monkeypatch):
    # The pages ask every second rather than every PING_SECONDS: the test waits less.
    monkeypatch.setattr(editing_now, "PING_SECONDS", 1)
    for username, first_name, last_name in (("ada", "Ada", "Lovell"), ("ben", "Ben", "Okafor")):
        editor = staff("Editors", username)
        editor.first_name, editor.last_name = first_name, last_name
        editor.save()
    return ArticleFactory(headline="Harbour ferries", slug="harbour-ferries")


def open_form(new_page, live_server, story, username):
    page = new_page()
    sign_in(page, live_server, username)
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    return page


def test_each_editor_sees_the_other_and_hears_of_their_save_at_once(live_server, new_page,
                                                                     story):
    SHOTS.mkdir(parents=True, exist_ok=True)
    ada = open_form(new_page, live_server, story, "ada")
    notice = ada.locator("[data-editing-now]")
    expect(notice).to_be_hidden()  # nobody else, nothing to say
    ben = open_form(new_page, live_server, story, "ben")
    expect(ben.locator("[data-editing-now]")).to_contain_text("Also open by Ada Lovell (since ")
    # Ada's page hears of Ben at its next turn, without a reload.
    expect(notice).to_contain_text("Also open by Ben Okafor (since ")
    # Ben's hears that Ada is changing it, and when she has typed it back as it was.
    ben_notice = ben.locator("[data-editing-now]")
    ada.fill("#id_headline", "Harbour ferries run later")
    expect(ben_notice).to_contain_text(re.compile(
        r"Also open by Ada Lovell \(since [^)]+, with changes not saved yet\)"))
    ada.fill("#id_headline", "Harbour ferries")
    expect(ben_notice).not_to_contain_text("with changes not saved yet")
    expect(notice).not_to_contain_text("saved this article")  # until Ben saves
    ben.fill("#id_headline", "Harbour ferries run later from May")
    ben.locator("input[name=_continue]").first.click()
    expect(ben.locator(".messagelist")).to_contain_text("was changed successfully")
    for width, scheme in each_look(ada):
        expect(notice).to_contain_text("Ben Okafor saved this article at ")
        expect(notice).to_contain_text("after this form was opened. Saving this form now would "
                                       "first show both versions side by side.")
        expect(notice).to_contain_text("Also open by Ben Okafor")  # open again after saving
        assert ada.evaluate(NO_HORIZONTAL_SCROLL)
        assert serious(ada) == []
        ada.screenshot(path=SHOTS / f"saved-{width}-{scheme}.png")
    notice.get_by_role("link", name="Open the saved version").click()
    expect(ada.locator("#id_headline")).to_have_value("Harbour ferries run later from May")
    expect(notice).not_to_contain_text("saved this article")
    expect(notice).to_contain_text("Also open by Ben Okafor")
    # Ben leaves the form for another page (its pagehide): Ada's page hears of it at its
    # next turn. His tab stays open meanwhile: closed at once, it may take the leaving page's
    # last message with it (going to another site, Chromium runs the old page's pagehide
    # after the next page is shown), and under load (CI) Ben stayed listed until timed out.
    ben.goto(f"{live_server.url}/admin/")
    expect(notice).to_be_hidden()
    # Then deletes the story from elsewhere: Ada's page says so before she saves in vain.
    elsewhere = Client()
    elsewhere.force_login(User.objects.get(username="ben"))
    elsewhere.post(f"/admin/articles/article/{story.pk}/delete/", {"post": "yes"})
    expect(notice).to_contain_text("Ben Okafor deleted this article at ")
    expect(notice).to_contain_text("Saving this form cannot bring it back: copy what you need "
                                   "from it before you leave.")
    for width, scheme in each_look(ada, looks=((390, "dark"), (1280, "light"))):
        assert serious(ada) == []
        ada.screenshot(path=SHOTS / f"deleted-{width}-{scheme}.png")
