import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.text import (
    JS_WHITESPACE,
    MAX_STACKED_MARKS,
    clean_limited_text,
    count_chars,
    has_visible_text,
    most_stacked_marks,
    normalize,
    normalize_limited,
    strip_control_characters,
    strip_direction_overrides,
    strip_unpaired_bidi,
)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("abc", 3),
        ("café", 4),                       # precomposed é: one code point
        ("cafe\u0301", 5),                 # e + combining accent: two
        ("👍", 1),
        ("👍🏽", 2),                        # thumbs up + skin tone modifier
        ("🇫🇷", 2),                        # a flag is two regional indicators
        ("👩‍👩‍👧", 5),                      # family: three people and two joiners
        ("a\r\nb", 3),                     # CR LF counts as one line break
        ("a\rb", 3),
        ("  padded \n", 6),
        ("\ufeffx\u3000", 1),               # JavaScript's trim() removes these too
    ],
)
def test_count_matches_the_counter(text, count):
    assert count_chars(text) == count


def test_normalize_stores_lf_line_breaks():
    assert normalize(" one\r\ntwo\rthree \r\n") == "one\ntwo\nthree"


def test_250_is_accepted_and_251_refused_with_the_count():
    assert len(clean_limited_text("é" * 250, 250, "Comments")) == 250
    with pytest.raises(ValidationError) as error:
        clean_limited_text("é" * 251, 250, "Comments")
    assert error.value.messages == ["Comments can be at most 250 characters; this one has 251."]


def test_crlf_line_breaks_do_not_count_twice():
    text = "line\r\n" * 50  # 250 with CR LF, 249 after normalising and trimming
    assert clean_limited_text(text, 250, "Comments") == ("line\n" * 50).strip()


def test_empty_after_trimming_is_refused():
    with pytest.raises(ValidationError):
        clean_limited_text(" \r\n\t ", 250, "Comments", empty_message="Empty.")


JS_SPACE = st.sampled_from(list(JS_WHITESPACE))


@given(st.text(max_size=400))
def test_count_is_the_length_of_what_is_stored(text):
    assert count_chars(text) == len(normalize_limited(text))
    assert "\r" not in normalize_limited(text)


@given(st.text(min_size=1, max_size=260).filter(lambda t: normalize(t)),
       st.lists(JS_SPACE, max_size=5), st.lists(JS_SPACE, max_size=5))
def test_surrounding_white_space_never_counts(core, before, after):
    assert count_chars("".join(before) + core + "".join(after)) == count_chars(core)


@given(st.text(max_size=600))
def test_limit_accepts_exactly_what_the_count_allows(text):
    count = count_chars(text)
    if "\x00" in normalize(text):
        return
    if count <= 250:
        try:
            stored = clean_limited_text(text, 250, "Comments")
        except ValidationError as error:
            assert error.code == "stacked_marks"
            assert most_stacked_marks(text) > MAX_STACKED_MARKS
        else:
            # Stored as counted, less control characters, direction overrides and
            # unpaired direction controls; blank text is empty.
            expected = normalize_limited(strip_unpaired_bidi(strip_direction_overrides(
                strip_control_characters(normalize_limited(text)))))
            assert stored == (expected if has_visible_text(expected) else "")
            assert len(stored) <= count
    else:
        with pytest.raises(ValidationError) as error:
            clean_limited_text(text, 250, "Comments")
        assert error.value.code == "too_long"
