"""Control characters are never stored (core/text.py): whoever saves the text, in any field.

XML 1.0 cannot carry them, so one in a headline made every feed with the story
fail; they have no place in text either, wherever they were pasted from.
"""

import pytest

from core.text import strip_control_characters
from pages.models import Page
from standards.models import Correction
from tests.factories import ArticleFactory, AuthorFactory

CONTROLS = ("\x00\x01\x08\x0b\x0c\x0e\x1b\x1f\x7f\x80\x85\x9f\ud800\udfff\ufdd0\ufdef"
            "\ufffe\uffff\U0001fffe\U0010ffff")


def test_control_characters_noncharacters_and_lone_surrogates_are_stripped():
    assert strip_control_characters(f"Hea{CONTROLS}dline") == "Headline"


def test_the_text_around_them_is_kept_as_it_is():
    text = "Tab\tline\nbreak\r\nCafé 東京 👍🏽 \u200d\ufeff\u00a0\ufffd"
    assert strip_control_characters(text) == text
    assert strip_control_characters("") == "" and strip_control_characters(None) is None


@pytest.mark.django_db
def test_every_text_field_of_a_model_is_saved_without_them():
    author = AuthorFactory(name="Li\x1b Wei", title="Asia\x0c correspondent",
                           bio="Bio\x7f.\r\nMore.")
    page = Page.objects.get(slug="about")
    page.title, page.body = "About\ufffe us", "Who\x01 we are."
    page.save()
    correction = Correction.objects.create(article=ArticleFactory(), text="Fixed\x85 a date.")

    author.refresh_from_db(), page.refresh_from_db(), correction.refresh_from_db()
    assert (author.name, author.title, author.bio) == ("Li Wei", "Asia correspondent",
                                                       "Bio.\nMore.")
    assert (page.title, page.body) == ("About us", "Who we are.")
    assert correction.text == "Fixed a date."
