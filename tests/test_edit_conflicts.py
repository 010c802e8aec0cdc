"""Two editors, one row: a save over a version saved since the form was opened is refused.

Each editor opens the change form the way a browser does (every field as
the page shows it, the hidden version token among them) and sends it back.
The second save is refused, the refused page still holds the second
editor's input and shows both versions, and saving again after looking
goes through. Stories, authors, sections, pages and corrections all work
so (core.admin.EditConflictMixin).
"""

import re
import threading
from html import unescape
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from articles.admin import ArticleAdmin
from articles.models import Article, Section
from authors.models import Author
from pages.models import Page
from standards.models import Correction
from tests.articles.newsroom import staff
from tests.factories import (ArticleFactory, AuthorFactory, CorrectionFactory, SectionFactory,
                             UserFactory)

pytestmark = pytest.mark.django_db

REFUSED = "Someone else saved this {} after you opened it, so your changes are not saved yet."


class FormFields(HTMLParser):
    """The (name, value) pairs a browser sends for the admin's change form, files aside."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.fields = []
        self._inside = False
        self._select = None  # (name, [(value, selected)])
        self._textarea = None  # (name, [text])
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = attrs.get("id", "").endswith("_form")
        name = attrs.get("name")
        if not self._inside or not name or "__prefix__" in name:
            if tag == "option" and self._select is not None:
                self._select[1].append((attrs.get("value", ""), "selected" in attrs))
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value") or "on"))
            elif kind not in ("file", "submit", "button", "image", "reset"):
                self.fields.append((name, attrs.get("value") or ""))
        elif tag == "textarea":
            self._textarea = (name, [])
        elif tag == "select":
            self._select = (name, [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            # Browsers drop the newline that Django writes after <textarea>.
            self.fields.append((name, "".join(parts).removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, options = self._select
            chosen = [value for value, selected in options if selected]
            # A select with no options sends nothing.
            self.fields += [(name, value) for value in chosen or [v for v, _ in options[:1]]]
            self._select = None


class Editor:
    """One editor's browser: opens a change form, changes fields, saves."""

    def __init__(self, username, full_name, group="Editors"):
        first, last = full_name.split()
        self.client = Client()
        user = staff(group, username=username, first_name=first, last_name=last)
        if group is None:
            user.is_superuser = True
            user.save()
        self.client.force_login(user)
        self.fields = []

    def open(self, url):
        response = self.client.get(url)
        assert response.status_code == 200
        self.url, self.fields = url, FormFields(response.content.decode()).fields
        return response

    def value(self, name):
        return next(value for field, value in self.fields if field == name)

    def set(self, **changes):
        self.fields = [(name, changes.get(name, value)) for name, value in self.fields]

    def save(self, **changes):
        """Send the open form with changes; a refused save leaves its page open, as a browser."""
        self.set(**changes)
        data = {}
        for name, value in self.fields:
            data.setdefault(name, []).append(value)
        response = self.client.post(self.url, {**data, "_continue": "Save"})
        if response.status_code == 200:
            self.fields = FormFields(response.content.decode()).fields
        return response


@pytest.fixture
def editors():
    return Editor("first", "Ada First"), Editor("second", "Ben Second")


def _story():
    return ArticleFactory(headline="Ferries resume", body="The ferries resume on Monday.",
                          tags=["Harbours"])


def _page():
    return Page.objects.get_or_create(slug="about", defaults={
        "title": "About EVA DAILY", "body": "We are a newsroom."})[0]


# (model, make a row, its change URL, what the first editor changes, what the second does)
CASES = {
    "story": (Article, _story, "/admin/articles/article/{}/change/",
              {"headline": "Ferries resume after the storm"},
              {"body": "The ferries resume on Monday, the harbour master said."}),
    "author": (Author, lambda: AuthorFactory(name="Mara Ellison", title="Reporter",
                                             bio="Mara covers the harbour."),
               "/admin/authors/author/{}/change/",
               {"title": "Harbour correspondent"}, {"bio": "Mara covers ports and ferries."}),
    "section": (Section, lambda: SectionFactory(name="World", slug="world", position=3),
                "/admin/articles/section/{}/change/",
                {"name": "World news"}, {"position": "1"}),
    "page": (Page, _page, "/admin/pages/page/{}/change/",
             {"title": "About us"}, {"body": "We are a small newsroom by the harbour."}),
    "correction": (Correction, lambda: CorrectionFactory(text="The bridge opened in 1901."),
                   "/admin/standards/correction/{}/change/",
                   {"text": "The bridge opened in 1902."}, {"kind": "clarification"}),
}


@pytest.mark.parametrize("case", CASES)
def test_the_second_save_is_refused_and_loses_nothing(editors, case):
    model, make, url, theirs, yours = CASES[case]
    row = make()
    first, second = editors
    url = url.format(row.pk)
    first.open(url)
    second.open(url)
    [(their_field, their_value)] = theirs.items()
    [(your_field, your_value)] = yours.items()
    before = second.value(their_field)

    assert first.save(**theirs).status_code == 302
    refused = second.save(**yours)

    assert refused.status_code == 200
    page = unescape(refused.content.decode())
    assert REFUSED.format(model._meta.verbose_name) in page
    assert "Saved since you opened this form by Ada First" in page
    # The second editor's input is still in the form; what only the first changed is in
    # it as the first saved it (it held `before`, and saving it again put that back).
    assert second.value(your_field) == your_value
    assert second.value(their_field) == their_value != before
    stored = model.objects.get(pk=row.pk)
    assert str(getattr(stored, their_field)) == their_value
    assert str(getattr(stored, your_field)) != your_value
    # Their version beside yours, for both fields that differ, each saying who changed it.
    table = re.search(r'<section class="edit-conflict".*?</section>', page, re.S).group(0)
    assert re.search(rf"changed by them</span></th>\s*<td[^>]*>{re.escape(their_value)}</td>"
                     rf"\s*<td[^>]*>You had not changed it: their version is now in the form",
                     table)
    assert "changed by you" in table and your_value.split()[0].lower() in table.lower()

    # After looking, the second editor saves the form as it is: both changes are kept.
    assert second.save().status_code == 302
    stored = model.objects.get(pk=row.pk)
    assert str(getattr(stored, their_field)) == their_value
    assert str(getattr(stored, your_field)) == your_value


def test_saving_the_refused_page_again_keeps_the_second_version(editors):
    story = _story()
    first, second = editors
    for editor in editors:
        editor.open(f"/admin/articles/article/{story.pk}/change/")
    first.save(headline="Ferries resume after the storm")
    assert second.save(headline="Ferries are back").status_code == 200

    # The refused page carries the version it showed: saving it as it is goes through.
    assert second.save().status_code == 302
    story.refresh_from_db()
    assert story.headline == "Ferries are back"


def test_tags_are_part_of_the_version(editors):
    story = _story()
    first, second = editors
    for editor in editors:
        editor.open(f"/admin/articles/article/{story.pk}/change/")
    assert first.save(tags="Harbours, Storms").status_code == 302

    refused = second.save(dek="A new standfirst.")

    assert refused.status_code == 200
    assert re.search(r"Tags\s*<span class=\"edit-conflict-who\">changed by them</span>",
                     refused.content.decode())
    assert sorted(story.tags.names()) == ["Harbours", "Storms"]
    assert second.save(tags="Harbours, Storms").status_code == 302
    story.refresh_from_db()
    assert story.dek == "A new standfirst." and sorted(story.tags.names()) == [
        "Harbours", "Storms"]


def test_a_correction_added_on_the_story_since_is_kept(editors):
    story = _story()
    first, second = editors
    for editor in editors:
        editor.open(f"/admin/articles/article/{story.pk}/change/")
    first.set(**{"corrections-TOTAL_FORMS": "1"})
    first.fields += [("corrections-0-kind", "correction"),
                     ("corrections-0-date_0", timezone.localdate().isoformat()),
                     ("corrections-0-date_1", timezone.localtime().strftime("%H:%M:%S")),
                     ("corrections-0-text", "The ferries resume on Tuesday.")]
    assert first.save().status_code == 302

    refused = second.save(headline="Ferries resume on Tuesday")

    assert refused.status_code == 200
    page = unescape(refused.content.decode())
    assert "Corrections and editor's notes" in page
    assert "The ferries resume on Tuesday." in page
    assert second.save().status_code == 302
    assert [c.text for c in story.corrections.all()] == ["The ferries resume on Tuesday."]
    story.refresh_from_db()
    assert story.headline == "Ferries resume on Tuesday"


def test_the_same_change_by_both_is_not_a_conflict(editors):
    story = _story()
    first, second = editors
    for editor in editors:
        editor.open(f"/admin/articles/article/{story.pk}/change/")
    assert first.save(headline="Ferries are back").status_code == 302
    assert second.save(headline="Ferries are back", dek="Both agreed.").status_code == 302
    story.refresh_from_db()
    assert (story.headline, story.dek) == ("Ferries are back", "Both agreed.")


def test_a_save_that_changed_nothing_is_not_a_conflict(editors):
    story = _story()
    first, second = editors
    for editor in editors:
        editor.open(f"/admin/articles/article/{story.pk}/change/")
    assert first.save().status_code == 302
    assert second.save(headline="Ferries are back").status_code == 302


def test_a_token_that_cannot_be_read_is_refused(editors):
    story = _story()
    first, _ = editors
    first.open(f"/admin/articles/article/{story.pk}/change/")
    response = first.save(_edit_version="not-a-version", headline="Ferries are back")
    assert response.status_code == 200
    assert REFUSED.format("article") in unescape(response.content.decode())
    story.refresh_from_db()
    assert story.headline == "Ferries resume"


def test_a_form_sent_without_a_token_is_not_checked(editors):
    """A script or a page from before the token existed: saved as before, unchecked."""
    story = _story()
    first, _ = editors
    first.open(f"/admin/articles/article/{story.pk}/change/")
    first.fields = [(n, v) for n, v in first.fields if n != "_edit_version"]
    Article.objects.filter(pk=story.pk).update(dek="Changed in the shell.")
    assert first.save(headline="Ferries are back").status_code == 302


def test_restoring_a_revision_is_refused_over_a_newer_save(editors):
    story = _story()
    original = story.history.get()
    first, second = editors
    second.open(f"/admin/articles/article/{story.pk}/history/{original.pk}/")
    first.open(f"/admin/articles/article/{story.pk}/change/")
    assert first.save(headline="Ferries resume after the storm").status_code == 302

    second.set(headline="Ferries resume (restored)")
    data = {}
    for name, value in second.fields:
        data.setdefault(name, []).append(value)
    refused = second.client.post(second.url, {**data, "_save": "Revert"})

    assert refused.status_code == 200
    assert REFUSED.format("article") in unescape(refused.content.decode())
    story.refresh_from_db()
    assert story.headline == "Ferries resume after the storm"


def test_add_forms_carry_no_version(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for url in ("/admin/articles/article/add/", "/admin/authors/author/add/",
                "/admin/articles/section/add/", "/admin/standards/correction/add/"):
        assert 'name="_edit_version"' not in client.get(url).content.decode(), url


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_wait_for_each_other(monkeypatch):
    """The check and the save are one step: a second save waits on the row, then is refused."""
    story = _story()
    # Superusers: a transactional test may run after the groups were emptied.
    first, second = Editor("first", "Ada First", None), Editor("second", "Ben Second", None)
    for editor in (first, second):
        editor.open(f"/admin/articles/article/{story.pk}/change/")
    checked, go_on = threading.Event(), threading.Event()
    save_model = ArticleAdmin.save_model

    def held_save_model(model_admin, request, *args):
        if request.user.username == "first":
            checked.set()  # past its check, holding the row
            go_on.wait(10)
        return save_model(model_admin, request, *args)

    monkeypatch.setattr(ArticleAdmin, "save_model", held_save_model)
    answers = {}

    def save(editor, **changes):
        try:
            answers[editor] = editor.save(**changes).status_code
        finally:
            connection.close()

    saving_first = threading.Thread(target=save, args=(first,),
                                     kwargs={"headline": "Ferries are back"})
    saving_first.start()
    assert checked.wait(10)
    saving_second = threading.Thread(target=save, args=(second,),
                                     kwargs={"body": "The ferries run again."})
    saving_second.start()
    saving_second.join(1)
    assert saving_second.is_alive()  # waiting for the first save's lock
    go_on.set()
    saving_first.join(10)
    saving_second.join(10)

    assert answers == {first: 302, second: 200}
    story.refresh_from_db()
    assert (story.headline, story.body) == ("Ferries are back", "The ferries resume on Monday.")


class ListFields(FormFields):
    """The fields a browser sends from the admin's list (list_editable)."""

    def handle_starttag(self, tag, attrs):
        if tag == "form" and dict(attrs).get("id") == "changelist-form":
            attrs = [("id", "changelist_form")]
        super().handle_starttag(tag, attrs)


def _positions(client):
    html = client.get("/admin/articles/section/").content.decode()
    return [(name, value) for name, value in ListFields(html).fields
            if name != "action" and not name.startswith("select_across")]


def _save_list(client, fields, **changes):
    rows = {Section.objects.get(slug=slug).pk: position for slug, position in changes.items()}
    data = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    for name in list(data):
        if name.startswith("form-") and name.endswith("-id") and int(data[name][0]) in rows:
            data[name.replace("-id", "-position")] = [str(rows[int(data[name][0])])]
    return client.post("/admin/articles/section/", {**data, "_save": "Save"})


def test_a_list_saves_only_what_this_editor_changed(editors):
    first, second = editors
    world = SectionFactory(name="World", slug="world", position=0)
    climate = SectionFactory(name="Climate", slug="climate", position=4)
    shown = _positions(first.client)
    second.open(f"/admin/articles/section/{climate.pk}/change/")
    second.save(position="10")
    climate.refresh_from_db()
    assert climate.position == 10

    response = _save_list(first.client, shown, world=1)

    assert response.status_code == 302
    world.refresh_from_db()
    climate.refresh_from_db()
    assert (world.position, climate.position) == (1, 10)  # theirs kept


def test_a_row_changed_here_and_saved_there_since_is_refused_then_kept_on_saving_again(editors):
    first, second = editors
    climate = SectionFactory(name="Climate", slug="climate", position=4)
    shown = _positions(first.client)
    second.open(f"/admin/articles/section/{climate.pk}/change/")
    second.save(position="10")

    refused = _save_list(first.client, shown, climate=7)

    assert refused.status_code == 200
    html = unescape(refused.content.decode())
    assert "Someone else saved “10” here after you opened this list" in html
    climate.refresh_from_db()
    assert climate.position == 10
    again = _save_list(first.client, ListFields(refused.content.decode()).fields, climate=7)
    assert again.status_code == 302
    climate.refresh_from_db()
    assert climate.position == 7


def test_what_only_they_changed_is_in_the_refused_form_and_saving_it_keeps_both(editors):
    """QA, 2026-12-06: the refused form still held the second editor's copy of the body the
    first had rewritten, and saving it again (as the message invited) put that copy back."""
    story = _story()
    other_section = SectionFactory(name="Harbour", slug="harbour")
    first, second = editors
    url = f"/admin/articles/article/{story.pk}/change/"
    first.open(url)
    second.open(url)
    theirs = {"body": "The ferries resume on Monday, the harbour master said.",
              "section": str(other_section.pk), "tags": "Harbours, Storms",
              "published_at_0": "2026-11-30", "published_at_1": "08:15:00"}
    assert first.save(**theirs).status_code == 302

    refused = second.save(dek="Islanders welcome the news.")

    assert refused.status_code == 200
    for name, value in theirs.items():
        assert second.value(name) == value, name
    assert second.value("dek") == "Islanders welcome the news."
    assert second.save().status_code == 302
    story.refresh_from_db()
    assert story.body == theirs["body"] and story.section == other_section
    assert sorted(story.tags.names()) == ["Harbours", "Storms"]
    assert timezone.localtime(story.published_at).strftime("%Y-%m-%d %H:%M") == \
        "2026-11-30 08:15"
    assert story.dek == "Islanders welcome the news."


def test_a_form_sent_after_the_session_ended_is_said_not_saved_on_the_sign_in_page(editors):
    """QA, 2026-12-06: the sign-in page said nothing, and the editor could not tell whether
    the save had gone through."""
    story = _story()
    first, _ = editors
    first.open(f"/admin/articles/article/{story.pk}/change/")
    first.client.logout()
    response = first.client.post(first.url, {"headline": "Ferries are back"}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/admin/login/?next=")
    assert "You were signed out, so what you sent was not saved." in unescape(
        response.content.decode())
    story.refresh_from_db()
    assert story.headline == "Ferries resume"
    # Opening a page signed out is no lost save, nor is signing out again: nothing is said.
    assert "was not saved" not in first.client.get(first.url, follow=True).content.decode()
    assert "was not saved" not in first.client.post("/admin/logout/", follow=True
                                                    ).content.decode()
