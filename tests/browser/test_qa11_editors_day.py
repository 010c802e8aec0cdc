"""QA round 11, an editor's long day in the admin: a picture too large for the site, chosen
beside a long story; a preview sent after signing out elsewhere; changes on offer while
the editor works on. Screenshots at 1280 and 390 px, light and dark, go to
screenshots/qa11/ (git-ignored), to be looked at."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.images import MAX_UPLOAD_BYTES
from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.browser.test_desk import sign_in, staff
from tests.browser.test_tag_merge import NO_HORIZONTAL_SCROLL
from tests.browser.test_unsaved_changes import sign_in_again, sign_out_elsewhere
from tests.factories import ArticleFactory, image_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(Path(__file__).resolve().parents[2] / "screenshots" / "qa11")

# Three thousand words, two hours' work.
LONG_BODY = "\n\n".join(f"Paragraph {number} of the harbour story." + " Word" * 95
                        for number in range(30))


@pytest.fixture
def story(roles):
    staff("Editors", "jeditor")
    return ArticleFactory(draft=True, headline="Harbour ferries", slug="harbour-ferries")


def _file(folder, name, size):
    """A file of size bytes, written sparse: its content is never read."""
    path = folder / name
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def test_a_picture_over_the_limit_is_refused_as_it_is_chosen_and_the_story_saves(
        live_server, new_page, story, tmp_path):
    # Chosen, it was sent with the form, and refused only once all of it had gone: a
    # file past the admin's request limit (45 MB) was answered with a bare line of text.
    too_large = _file(tmp_path, "harbour-from-the-drone.jpg", MAX_UPLOAD_BYTES + 7 * 2**20)
    page = new_page()
    sign_in(page, live_server, "jeditor")
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.fill("#id_body", LONG_BODY)
    field = page.locator("#id_image")
    field.set_input_files(too_large)
    note = page.locator("#id_image_too_large")
    expect(note).to_have_attribute("role", "alert")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert "id_image_too_large" in field.get_attribute("aria-describedby").split()
    assert field.evaluate("input => input.files.length") == 0  # nothing of it is sent
    for width, scheme in each_look(page):
        expect(note).to_have_text(
            "Images can be at most 20 MB; this file (harbour-from-the-drone.jpg) is 27.0 MB, "
            "so it was not added. Choose a smaller one.")
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert serious(page) == []
        note.scroll_into_view_if_needed()
        shoot(page, "image-too-large", width, scheme, full_page=False)
    # A picture the site takes clears the word; saving keeps the long body.
    field.set_input_files({"name": "harbour.jpg", "mimeType": "image/jpeg",
                           "buffer": image_file("harbour.jpg", size=(1200, 800)).read()})
    expect(note).to_have_count(0)
    assert field.get_attribute("aria-invalid") is None
    page.fill("#id_image_alt", "The north pier at dawn")
    page.locator("input[name=_continue]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    story.refresh_from_db()
    assert story.body.replace("\r\n", "\n") == LONG_BODY
    assert story.image


def test_without_javascript_a_form_over_the_admins_limit_says_what_to_do(
        live_server, new_page, story, tmp_path):
    too_large = _file(tmp_path, "harbour-panorama.tif", 46 * 1024 * 1024)
    page = new_page(javascript=False)
    sign_in(page, live_server, "jeditor")
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.fill("#id_body", LONG_BODY)
    page.locator("#id_image").set_input_files(too_large)
    page.locator("input[name=_save]").first.click()
    for width, scheme in each_look(page):
        expect(page.locator("body")).to_contain_text(
            "Not saved: the form was more than the newsroom takes at once (45 MB), because "
            "of the file chosen in it. An image can be at most 20 MB.")
        shoot(page, "form-too-large", width, scheme, full_page=False)
    page.go_back()
    # The browser gives the form back as it was typed.
    expect(page.locator("#id_body")).to_have_value(LONG_BODY)
    story.refresh_from_db()
    assert story.body != LONG_BODY


def test_without_javascript_a_preview_sent_after_signing_out_elsewhere_says_what_to_do(
        live_server, new_page, story):
    page = new_page(javascript=False)
    sign_in(page, live_server, "jeditor")
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.fill("#id_body", LONG_BODY)
    sign_out_elsewhere(page, live_server)
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Preview").click()
    preview = opened.value
    preview.wait_for_load_state()
    sign_in_again(preview)
    for width, scheme in each_look(preview):
        # It was a blank page (405).
        expect(preview.locator(".story-preview-note")).to_have_text(
            "Nothing to preview here: a preview shows the text sent with the Preview button "
            "of a story’s form. If you were just asked to sign in again, what you typed is "
            "still in the story’s own tab: close this tab, and press Preview there again.")
        assert preview.evaluate(NO_HORIZONTAL_SCROLL)
        shoot(preview, "preview-after-signing-in", width, scheme)
    preview.close()
    assert page.input_value("#id_body") == LONG_BODY


def test_work_done_while_changes_are_on_offer_is_kept_too(live_server, new_page, story):
    # The form offered the changes a refused save had left, and kept nothing more until
    # they were restored or discarded: an editor who worked on without answering, and
    # was signed out again, found only the first changes offered, the rest lost.
    url = f"{live_server.url}/admin/articles/article/{story.pk}/change/"
    page = new_page()
    sign_in(page, live_server, "jeditor")
    page.goto(url)
    dek = "The operators answer the islanders' petition."
    page.fill("#id_dek", dek)
    sign_out_elsewhere(page, live_server)
    page.locator("input[name=_save]").first.click()
    sign_in_again(page)
    offer = page.locator("[data-unsaved-changes]")
    expect(offer).to_contain_text("that were not saved, made at")
    expect(offer).to_contain_text(": Dek (standfirst).")
    # Working on without answering the offer, and signed out once more.
    body = f"{LONG_BODY} (worked on)"
    page.fill("#id_body", body)
    page.wait_for_timeout(600)  # unsaved_changes.js writes 400 ms after the last change
    sign_out_elsewhere(page, live_server)
    page.locator("input[name=_save]").first.click()
    sign_in_again(page)
    expect(page).to_have_url(url)
    for width, scheme in each_look(page):
        expect(offer).to_contain_text(": Dek (standfirst), Body.")
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        shoot(page, "offered-after-working-on", width, scheme, full_page=False)
    offer.get_by_role("button", name="Restore them").click()
    expect(page.locator("#id_dek")).to_have_value(dek)
    expect(page.locator("#id_body")).to_have_value(body)
    page.locator("input[name=_continue]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    story.refresh_from_db()
    assert (story.dek, story.body.replace("\r\n", "\n")) == (dek, body)


def test_changes_on_offer_outlast_another_sign_out_left_unanswered(live_server, new_page,
                                                                    story):
    # Signing out in another tab takes every copy away; the form on offer did not write
    # its copy again when it was sent, and the changes were lost.
    page = new_page()
    sign_in(page, live_server, "jeditor")
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.fill("#id_dek", "The operators answer the islanders' petition.")
    for _ in range(2):
        sign_out_elsewhere(page, live_server)
        page.locator("input[name=_save]").first.click()
        sign_in_again(page)
        expect(page.locator("[data-unsaved-changes]")).to_contain_text(
            "that were not saved, made at")
    expect(page.locator("[data-unsaved-changes]")).to_contain_text(": Dek (standfirst).")


# What static/js/editing_now.js sends every 20 seconds.
ASK_WHO_ELSE = """async () => {
  const notice = document.querySelector("[data-editing-now]");
  const data = new FormData();
  data.set("csrfmiddlewaretoken", notice.closest("form").elements.csrfmiddlewaretoken.value);
  data.set("version", "");
  try {
    await fetch(notice.dataset.editingNow, { method: "POST", body: data, redirect: "error" });
  } catch {}
}"""


def test_the_sign_in_page_says_once_that_the_save_was_not_saved(live_server, new_page, story):
    # The form's background questions while signed out each added the word again: a
    # minute later the sign-in page said it four times.
    page = new_page()
    sign_in(page, live_server, "jeditor")
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.fill("#id_dek", "The operators answer the islanders' petition.")
    sign_out_elsewhere(page, live_server)
    for _ in range(3):
        page.evaluate(ASK_WHO_ELSE)
    page.locator("input[name=_save]").first.click()
    for width, scheme in each_look(page):
        expect(page.locator(".messagelist li")).to_have_text([
            "You were signed out, so what you sent was not saved. Sign in and you are taken "
            "back to the page; a newsroom form there offers your changes back, to restore."])
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        shoot(page, "signed-out-said-once", width, scheme, full_page=False)
