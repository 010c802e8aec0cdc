"""A newsroom form says who else has it open, and who saved it since it was opened.

Each editor opens the change form as a browser does (tests/test_edit_conflicts.py's
Editor); the page's script asks the form's "editing-now" address again every
PING_SECONDS with the form's version token (core/editing_now.py,
core.admin.EditConflictMixin.editing_now_view), which the tests do by hand. The
browser test (tests/browser/test_editing_now.py) shows the notice change in place.
"""

import re
from html import unescape

import pytest
from django.test import Client

from core import editing_now
from tests.articles.newsroom import change_url, staff
from tests.factories import ArticleFactory, BiasReportFactory
from tests.test_edit_conflicts import Editor

pytestmark = pytest.mark.django_db

SCRIPT = '<script type="module" src="/static/js/editing_now.js"></script>'
OTHERS = "Whoever saves second sees both versions before anything is overwritten."
SINCE = r"\(since \d{1,2}:\d\d [AP]M\)"


@pytest.fixture
def story():
    return ArticleFactory(headline="Ferries resume", body="The ferries resume on Monday.")


@pytest.fixture
def first():
    return Editor("first", "Ada First")


@pytest.fixture
def second():
    return Editor("second", "Ben Second")


def ping_url(story):
    return f"/admin/articles/article/{story.pk}/editing-now/"


def notice(html):
    """The notice's words as read; None when the page has no notice at all."""
    found = re.search(r'<div class="editing-now" role="status" data-editing-now="([^"]+)" '
                      r'data-every="(\d+)">(.*?)</div>', html, re.DOTALL)
    if found is None:
        return None
    return words(found[3])


def words(html):
    return " ".join(unescape(re.sub(r"</?p[^>]*>", " ", re.sub(r"<(?!/?p\b)[^>]+>", "", html)))
                    .split())


def ping(editor, story, **extra):
    """What the page's script gets when it asks (static/js/editing_now.js)."""
    response = editor.client.post(ping_url(story), {"version": editor.value("_edit_version"),
                                                    **extra})
    assert response.status_code == 200, response.status_code
    return words(response.content.decode())


def test_a_form_alone_says_nothing_and_asks_again_every_so_often(first, story):
    html = first.open(change_url(story)).content.decode()
    assert notice(html) == ""
    assert f'data-editing-now="{ping_url(story)}" data-every="{editing_now.PING_SECONDS}"' \
        in html
    assert SCRIPT in html
    assert ping(first, story) == ""


def test_each_editor_sees_who_else_has_it_open_and_since_when(first, second, story):
    first.open(change_url(story))
    said = notice(second.open(change_url(story)).content.decode())
    assert re.fullmatch(rf"Also open by Ada First {SINCE}\. {OTHERS}", said), said
    # The first editor's page hears of the second at its next turn; nobody sees themselves.
    assert re.fullmatch(rf"Also open by Ben Second {SINCE}\. {OTHERS}", ping(first, story))


def test_several_are_named_in_the_order_they_opened_it(first, second, story):
    third, fourth = Editor("third", "Cy Third"), Editor("fourth", "Di Fourth")
    for editor in (first, second, third):
        editor.open(change_url(story))
    said = notice(fourth.open(change_url(story)).content.decode())
    assert re.fullmatch(r"Also open by Ada First \(since .+?\), Ben Second \(since .+?\) and "
                        rf"Cy Third \(since .+?\)\. {OTHERS}", said), said
    # Opening it again (a reload) keeps the time it was first opened.
    first.open(change_url(story))
    assert ping(fourth, story) == said


def test_leaving_closes_it_and_so_does_silence(first, second, story, monkeypatch):
    first.open(change_url(story))
    second.open(change_url(story))
    response = second.client.post(ping_url(story), {"leaving": "1"})
    assert response.status_code == 204
    assert ping(first, story) == ""
    second.open(change_url(story))
    assert "Ben Second" in ping(first, story)
    # The second editor's computer went to sleep: no word from their page since.
    later = editing_now.time.time() + editing_now.OPEN_SECONDS + 1
    monkeypatch.setattr(editing_now.time, "time", lambda: later)
    assert ping(first, story) == ""


def test_a_question_answered_after_its_page_left_does_not_list_it_open_again(first, second,
                                                                            story):
    first.open(change_url(story))
    second.open(change_url(story))
    # Under load the page's last question reached the site after its leaving (CI).
    second.client.post(ping_url(story), {"leaving": "1", "page": "tab-1"})
    assert "Also open by Ada First" in ping(second, story, page="tab-1")  # answered still
    assert ping(first, story) == ""
    # The form opened again (a reload, or the page back from history with an id of its
    # own) is open.
    ping(second, story, page="tab-2")
    assert "Ben Second" in ping(first, story)
    second.client.post(ping_url(story), {"leaving": "1", "page": "tab-2"})
    second.open(change_url(story))
    assert "Ben Second" in ping(first, story)


def test_a_question_answered_while_its_page_leaves_does_not_list_it_open(first, second,
                                                                        story, monkeypatch):
    first.open(change_url(story))
    second.open(change_url(story))
    ping(second, story, page="tab-1")
    # Two workers at once: the page's last question has read what was kept, and its leaving
    # is written before the question writes the form open.
    leaving, write = [], editing_now.cache.set  # leaving: the leaving's answer, once asked

    def set_after_the_leaving(key, *args, **kwargs):
        if key.startswith("editing-now:") and not leaving:
            leaving.append(None)  # asked: its own writes go straight through
            leaving[0] = second.client.post(ping_url(story), {"leaving": "1", "page": "tab-1"})
        return write(key, *args, **kwargs)

    monkeypatch.setattr(editing_now.cache, "set", set_after_the_leaving)
    ping(second, story, page="tab-1")
    monkeypatch.undo()
    assert leaving[0].status_code == 204
    assert ping(first, story) == ""
    ping(second, story, page="tab-2")  # the form opened again
    assert "Ben Second" in ping(first, story)


def test_a_save_since_the_form_was_opened_is_told_with_a_link_to_the_saved_version(
        first, second, story):
    first.open(change_url(story))
    second.open(change_url(story))
    assert second.save(headline="Ferries resume on Monday").status_code == 302
    said = ping(first, story)
    assert re.fullmatch(
        r"Ben Second saved this article at \d{1,2}:\d\d [AP]M, after this form was opened\. "
        r"Saving this form now would first show both versions side by side\. Open the saved "
        r"version", said), said
    response = first.client.post(ping_url(story), {"version": first.value("_edit_version")})
    assert f'<a href="{change_url(story)}">Open the saved version</a>' in response.content.decode()
    # "Save and continue editing" leads the second editor to the form again: open, on the
    # version saved.
    second.open(change_url(story))
    assert re.search(rf"Open the saved version Also open by Ben Second {SINCE}\. {OTHERS}$",
                     ping(first, story))
    assert ping(second, story).startswith("Also open by Ada First")
    # Opened again, the first editor's form is on the saved version too.
    first.open(change_url(story))
    assert ping(first, story).startswith("Also open by Ben Second")


def test_a_save_from_another_window_of_ones_own_is_told_as_yours(first, story):
    first.open(change_url(story))
    other_window = Editor.__new__(Editor)
    other_window.client, other_window.fields = first.client, []
    other_window.open(change_url(story))
    assert other_window.save(headline="Ferries resume on Monday").status_code == 302
    assert ping(first, story).startswith("You saved this article in another window at ")


def test_a_save_that_leaves_the_form_closes_it(first, second, story):
    first.open(change_url(story))
    second.open(change_url(story))
    data = {}
    for name, value in second.fields:
        data.setdefault(name, []).append(value)
    response = second.client.post(change_url(story), {**data, "_save": "Save"})
    assert response.status_code == 302  # to the list
    assert "Also open" not in ping(first, story)


def test_a_form_sent_back_with_an_error_is_still_open(first, second, story):
    first.open(change_url(story))
    second.open(change_url(story))
    assert second.save(headline="").status_code == 200  # a headline is required
    assert "Also open by Ben Second" in ping(first, story)


def test_names_are_shown_as_text(story):
    Editor("first", "Ada <b>First</b>").open(change_url(story))
    html = Editor("second", "Ben Second").open(change_url(story)).content.decode()
    assert "Ada &lt;b&gt;First&lt;/b&gt;" in html


def test_moderators_see_each_other_on_a_bias_report():
    report = BiasReportFactory()
    url = f"/admin/standards/biasreport/{report.pk}/change/"
    Editor("mod1", "Mo One", group="Moderators").open(url)
    said = notice(Editor("mod2", "Mo Two", group="Moderators").open(url).content.decode())
    assert said.startswith("Also open by Mo One (since ")


def test_who_may_only_read_it_is_neither_told_nor_counted(first, story):
    first.open(change_url(story))
    moderator = Client()
    moderator.force_login(staff("Moderators", username="reader_mod"))
    html = moderator.get(change_url(story)).content.decode()  # read-only for a moderator
    assert notice(html) is None and SCRIPT not in html
    assert moderator.post(ping_url(story)).status_code == 403
    assert ping(first, story) == ""


def test_the_address_takes_a_signed_in_editors_post_only(first, story, client):
    first.open(change_url(story))
    assert first.client.get(ping_url(story)).status_code == 405
    response = client.post(ping_url(story))  # signed out: to the sign-in page
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    missing = "/admin/articles/article/999999/editing-now/"
    assert first.client.post(missing, {"version": "x"}).status_code == 404
    # A version token that cannot be read tells of no save, and breaks nothing.
    response = first.client.post(ping_url(story), {"version": "not a token"})
    assert response.status_code == 200 and words(response.content.decode()) == ""
    assert first.client.post(ping_url(story)).status_code == 200


def test_add_forms_and_revisions_have_no_notice(first, story):
    html = first.client.get("/admin/articles/article/add/").content.decode()
    assert "data-editing-now" not in html and SCRIPT not in html
    revision = story.history.get()
    html = first.client.get(f"/admin/articles/article/{story.pk}/history/"
                            f"{revision.history_id}/").content.decode()
    assert "data-editing-now" not in html


def test_asking_costs_a_few_queries(first, second, story, django_assert_max_num_queries):
    first.open(change_url(story))
    second.open(change_url(story))
    # The session and its account, the object, the staff accounts, the saves since.
    with django_assert_max_num_queries(6):
        ping(first, story)


def test_with_the_cache_away_nobody_shows_and_saves_are_still_told(first, second, story,
                                                                   settings):
    # Nothing listens on port 1: every read is a miss and every write is lost
    # (core.redis_cache.RedisCache treats an unreachable Redis as an empty cache).
    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "core.redis_cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    first.open(change_url(story))
    assert notice(second.open(change_url(story)).content.decode()) == ""
    assert ping(first, story) == ""
    assert second.save(headline="Ferries resume on Monday").status_code == 302
    assert ping(first, story).startswith("Ben Second saved this article at ")  # the log's


def test_a_form_open_since_an_earlier_day_says_which(first, second, story):
    first.open(change_url(story))
    key = f"editing-now:articles.article:{story.pk}:{first.client.session['_auth_user_id']}"
    kept = editing_now.cache.get(key)
    editing_now.cache.set(key, {**kept, "since": kept["since"] - 86400 * 2}, 60)
    said = notice(second.open(change_url(story)).content.decode())
    assert re.fullmatch(rf"Also open by Ada First \(since [A-Z][a-z]{{2}} \d{{1,2}}, "
                        rf"\d{{1,2}}:\d\d [AP]M\)\. {OTHERS}", said), said


def test_a_deletion_since_the_form_was_opened_is_told(first, second, story):
    first.open(change_url(story))
    response = second.client.post(f"/admin/articles/article/{story.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert re.fullmatch(r"Ben Second deleted this article at \d{1,2}:\d\d [AP]M, after this "
                        r"form was opened\. Saving this form cannot bring it back: copy what "
                        r"you need from it before you leave\.", ping(first, story))
    # Asked with a version opened after it, or by someone who may not change articles: 404, 403.
    response = first.client.post(ping_url(story), {"version": "not a token"})
    assert response.status_code == 404
    moderator = Client()
    moderator.force_login(staff("Moderators", username="reader_mod"))
    response = moderator.post(ping_url(story), {"version": first.value("_edit_version")})
    assert response.status_code == 403


def test_a_form_changed_and_not_saved_yet_says_so_to_the_others(first, second, story):
    first.open(change_url(story))
    second.open(change_url(story))
    ping(first, story, changed="1")  # the page's script: the form differs from what it showed
    assert re.fullmatch(rf"Also open by Ada First \(since \d{{1,2}}:\d\d [AP]M, with changes "
                        rf"not saved yet\)\. {OTHERS}", ping(second, story))
    ping(first, story)  # typed back as it was
    assert re.fullmatch(rf"Also open by Ada First {SINCE}\. {OTHERS}", ping(second, story))


@pytest.mark.parametrize("page", ["tab 1", "tab\x07", "x" * 300, "ᚠ"])
def test_a_page_id_the_script_never_sends_is_not_used(first, second, story, page):
    # The id becomes part of a cache key: one with a space or a control character is no key
    # for some stores, and a long one too long.
    first.open(change_url(story))
    second.open(change_url(story))
    assert "Ben Second" in ping(first, story)
    assert second.client.post(ping_url(story), {"leaving": "1", "page": page}).status_code == 204
    assert ping(first, story) == ""
    assert "Ada First" in ping(second, story, page=page)
    assert "Ben Second" in ping(first, story)


def test_an_entry_kept_by_the_version_before_is_read(first, second, story):
    # Until 2026-12-07 a page's leaving was kept as {"left": its id}, for 90 seconds: a deploy
    # meanwhile must not make the next question fail.
    first.open(change_url(story))
    second.open(change_url(story))
    key = editing_now._key(story._meta, story.pk, second.client.session["_auth_user_id"])
    editing_now.cache.set(key, {"left": "tab-1"}, editing_now.OPEN_SECONDS)
    assert ping(first, story) == ""
    ping(second, story, page="tab-2")
    assert "Ben Second" in ping(first, story)
