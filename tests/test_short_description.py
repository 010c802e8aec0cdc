"""core.seo.short_description(): what Django's Truncator gives, faster where it cuts nothing."""

import pytest
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from core.seo import short_description


def truncated(text):
    return Truncator(Truncator(text).words(40, truncate=" …")).chars(300)


WORD = "quay"
TEXTS = [
    "",
    "   ",
    "A ferry trial is approved.",
    "  Spaces,\tTabs\nand  line feeds\r\n between words.  ",
    " ".join([WORD] * 40),  # as many words as it keeps
    " ".join([WORD] * 41),  # one more
    " ".join(["x" * 20] * 14),  # 294 characters
    " ".join(["x" * 20] * 15),  # 314 characters in 15 words: cut by characters
    "Cafe\u0301 de la mare\u0301e",  # decomposed: composed, as Truncator gives it
    "e\u0301" * 290,  # 580 code points, composed to 290 characters
    "q\u0323" * 160,  # no composed form: 320 code points, 160 that count
    "q\u0323" * 160 + " " + "x" * 200,  # 361 that count
    mark_safe("The harbour&rsquo;s <em>new</em> quay"),
]


@pytest.mark.parametrize("text", TEXTS)
def test_short_description_is_truncators(text):
    described = short_description(text)
    assert described == truncated(text)
    assert type(described) is str  # escaped where it is shown, as Truncator's was


def test_a_description_within_the_limits_is_not_cut():
    assert short_description(" ".join([WORD] * 41)).endswith(f"{WORD} …")
    assert short_description("e\u0301" * 290) == "\u00e9" * 290
