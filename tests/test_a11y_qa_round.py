"""What the admin's forms and the password forms tell a screen reader (accessibility QA round).

A split date and time names its errors and help (WCAG 3.3.1), a group of
radios its help (1.3.1), each control in a table's row its column and row
(1.3.1, 4.1.2), and a password that breaks a rule is marked on the field where
it is chosen (3.3.1). tests/browser/test_a11y_qa_round.py covers what the
browser draws: autocomplete drop-downs, added rows, the preview panel and the
story list's filters.
"""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model

from accounts.forms import PlainPasswordChangeForm, PlainSetPasswordForm, SignupForm
from articles.models import RelatedArticle
from comments.models import ReaderStanding
from tests.articles.newsroom import ADD_URL, article_form, change_url, staff
from tests.factories import (ArticleFactory, AuthorFactory, CorrectionFactory, SectionFactory,
                             UserFactory)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"  # UserFactory's
# Made by DateTimeShortcuts.js when the browser's clock is in another timezone.
TIMEZONE_NOTE = "_timezone_warning_helptext"


class _Elements(HTMLParser):
    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements, self.ids = [], set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])


def elements(response, status=200):
    assert response.status_code == status
    return _Elements(response.content.decode())


def attrs_of(page, element_id):
    (attrs,) = [attrs for _, attrs in page.elements if attrs.get("id") == element_id]
    return attrs


def described_by(page, element_id):
    return attrs_of(page, element_id).get("aria-describedby", "").split()


def dangling(page):
    """aria-describedby references to no element, outside the empty row "Add another" copies
    (which the browser renumbers) and the JavaScript's timezone note."""
    return sorted({(attrs.get("id"), ref) for _, attrs in page.elements
                   for ref in attrs.get("aria-describedby", "").split()
                   if ref not in page.ids and not ref.endswith(TIMEZONE_NOTE)
                   and "__prefix__" not in ref})


@pytest.fixture
def editor(client):
    client.force_login(staff("Editors"))


def story_with_bad_times(**extra):
    data = article_form(headline="Harbour talks", slug="harbour-talks", body="Talks.",
                        section=SectionFactory(), author=AuthorFactory())
    data.update({"published_at_0": "2026-13-45", "published_at_1": "25:99",
                 "ai_reviewed_at_0": "not a date", "ai_reviewed_at_1": "",
                 "related_links-TOTAL_FORMS": "0", "related_links-INITIAL_FORMS": "0",
                 "corrections-TOTAL_FORMS": "0", "corrections-INITIAL_FORMS": "0", **extra})
    return data


class TestSplitDateAndTime:
    @pytest.mark.parametrize("field", ["published_at", "ai_reviewed_at"])
    def test_both_inputs_name_the_list_of_errors(self, client, editor, field):
        page = elements(client.post(ADD_URL, story_with_bad_times()))

        assert f"id_{field}_error" in page.ids
        for part in ("0", "1"):
            attrs = attrs_of(page, f"id_{field}_{part}")
            assert attrs["aria-invalid"] == "true"
            assert described_by(page, f"id_{field}_{part}") == [
                f"id_{field}{TIMEZONE_NOTE}", f"id_{field}_error"]
        assert dangling(page) == []

    def test_a_correction_rows_date_names_its_errors(self, client, editor):
        data = story_with_bad_times(**{
            "published_at_0": "", "published_at_1": "", "ai_reviewed_at_0": "",
            "corrections-TOTAL_FORMS": "1", "corrections-0-kind": "correction",
            "corrections-0-date_0": "yesterday", "corrections-0-date_1": "",
            "corrections-0-text": "The ferry sails at nine, not ten."})
        page = elements(client.post(ADD_URL, data))

        assert "id_corrections-0-date_error" in page.ids
        assert described_by(page, "id_corrections-0-date_0") == [
            f"id_corrections-0-date{TIMEZONE_NOTE}", "id_corrections-0-date_error"]
        assert dangling(page) == []

    def test_without_errors_the_inputs_name_their_help(self, client):
        # A reader's suspension (ReaderStandingInline, stacked) has help text.
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        reader = UserFactory(username="ana")
        ReaderStanding.objects.create(reader=reader)
        page = elements(client.get(f"/admin/accounts/reader/{reader.pk}/change/"))

        (field_id,) = {attrs["id"].removesuffix("_0") for _, attrs in page.elements
                       if re.fullmatch(r"id_.*-0-suspended_until_0", attrs.get("id", ""))}
        assert f"{field_id}_helptext" in page.ids
        assert described_by(page, f"{field_id}_1") == [
            f"{field_id}{TIMEZONE_NOTE}", f"{field_id}_helptext"]
        assert dangling(page) == []


class TestRadioGroupHelp:
    def test_the_states_help_is_the_groups_description(self, client, editor):
        page = elements(client.post(ADD_URL, story_with_bad_times()))

        (fieldset,) = [attrs for tag, attrs in page.elements
                       if tag == "fieldset" and "aria-describedby" in attrs]
        assert fieldset["aria-describedby"] == "id_status_helptext"
        assert "id_status_helptext" in page.ids
        # The group's <legend> is not made a label for anything.
        assert not [attrs for tag, attrs in page.elements if tag == "legend" and "for" in attrs]


class TestRowsOfATable:
    def test_each_control_of_a_related_story_row_says_its_column_and_row(self, client, editor):
        story, first, second = ArticleFactory(), ArticleFactory(), ArticleFactory()
        RelatedArticle.objects.create(from_article=story, to_article=first, position=0)
        RelatedArticle.objects.create(from_article=story, to_article=second, position=1)
        page = elements(client.get(change_url(story)))

        for row in (0, 1):
            assert attrs_of(page, f"id_related_links-{row}-to_article")["aria-label"] == (
                f"Related story, row {row + 1}")
            assert attrs_of(page, f"id_related_links-{row}-position")["aria-label"] == (
                f"Position, row {row + 1}")
            assert attrs_of(page, f"id_related_links-{row}-DELETE")["aria-label"] == (
                f"Delete, row {row + 1}")
        # The row "Add another" copies; the browser numbers it (static/js/admin_a11y.js).
        assert attrs_of(page, "id_related_links-__prefix__-position")["aria-label"] == (
            "Position, new row")
        # Hidden fields and the form outside the table are left as they were.
        assert "aria-label" not in attrs_of(page, "id_related_links-0-id")
        assert "aria-label" not in attrs_of(page, "id_headline")

    def test_a_refused_row_keeps_its_labels_and_names_its_error(self, client, editor):
        story = ArticleFactory()
        data = article_form(story)
        data.update({"related_links-TOTAL_FORMS": "1", "related_links-INITIAL_FORMS": "0",
                     "related_links-0-to_article": ArticleFactory().pk,
                     "related_links-0-position": "-3",
                     "corrections-TOTAL_FORMS": "0", "corrections-INITIAL_FORMS": "0"})
        page = elements(client.post(change_url(story), data))

        position = attrs_of(page, "id_related_links-0-position")
        assert position["aria-label"] == "Position, row 1"
        assert position["aria-invalid"] == "true"
        assert "id_related_links-0-position_error" in described_by(
            page, "id_related_links-0-position")
        assert dangling(page) == []

    def test_a_stacked_inline_is_not_given_row_labels(self, client, editor):
        story = ArticleFactory()
        CorrectionFactory(article=story)
        page = elements(client.get(change_url(story)))

        assert "aria-label" not in attrs_of(page, "id_corrections-0-text")


class TestPasswordRules:
    """The rule broken is said on the new password; that the two differ, on the second."""

    SHORT = "12345"

    def test_signup(self):
        form = SignupForm({"username": "ana", "email": "ana@example.org",
                           "password1": self.SHORT, "password2": self.SHORT})
        assert not form.is_valid()
        assert "password1" in form.errors and "password2" not in form.errors
        assert "too short" in str(form.errors["password1"])

    def test_password_change(self):
        user = UserFactory()
        form = PlainPasswordChangeForm(user, {"old_password": PASSWORD,
                                              "new_password1": self.SHORT,
                                              "new_password2": self.SHORT})
        assert not form.is_valid()
        assert list(form.errors) == ["new_password1"]
        assert "entirely numeric" in str(form.errors["new_password1"])

    def test_a_new_password_after_a_reset(self):
        form = PlainSetPasswordForm(UserFactory(), {"new_password1": "password",
                                                    "new_password2": "password"})
        assert not form.is_valid()
        assert list(form.errors) == ["new_password1"]
        assert "too common" in str(form.errors["new_password1"])

    def test_two_different_passwords_are_still_said_on_the_second(self):
        form = PlainSetPasswordForm(UserFactory(), {"new_password1": self.SHORT,
                                                    "new_password2": "54321"})
        assert not form.is_valid()
        assert "didn’t match" in str(form.errors["new_password2"])
        assert "too short" in str(form.errors["new_password1"])

    def test_a_good_password_is_still_taken(self):
        user = UserFactory()
        form = PlainSetPasswordForm(user, {"new_password1": "four unrelated words here",
                                           "new_password2": "four unrelated words here"})
        assert form.is_valid()
        form.save()
        assert get_user_model().objects.get(pk=user.pk).check_password(
            "four unrelated words here")

    def test_the_signup_page_marks_the_password_chosen(self, client):
        page = elements(client.post("/accounts/signup/", {
            "username": "ana", "email": "ana@example.org",
            "password1": self.SHORT, "password2": self.SHORT}), status=400)

        assert attrs_of(page, "id_password1").get("aria-invalid") == "true"
        assert "aria-invalid" not in attrs_of(page, "id_password2")
        assert "id_password1_error" in described_by(page, "id_password1")
