"""Edit conflicts on long texts, QA round 9: the word-by-word comparison has a ceiling on its
work, so a refused save of a long body (or a history page) answers in good time."""

from core.admin import WORD_DIFF_MOST, word_diff

BODY = " ".join(f"word{n % 997} and{n % 13}" for n in range(20_000))  # 40,000 words


def test_two_long_versions_differing_throughout_are_shown_whole_at_once():
    changed = " ".join(w if n % 20 else "CHANGED" for n, w in enumerate(BODY.split(" ")))
    # It took minutes; now the ceiling (not the machine) says to show them whole.
    assert word_diff(BODY, changed) is None


def test_an_edit_at_the_end_of_a_long_body_is_still_compared_word_by_word():
    added = BODY + " One more paragraph."
    runs = word_diff(BODY, added)
    assert runs == [("same", BODY), ("added", " One more paragraph.")]
    assert "".join(text for kind, text in runs if kind != "removed") == added


def test_edits_near_each_other_in_a_long_body_are_compared_word_by_word():
    words = BODY.split(" ")
    edited = " ".join(words[:500] + ["NEW"] + words[500:900] + ["NEWER"] + words[900:])
    runs = word_diff(BODY, edited)
    assert runs is not None
    assert [text.strip() for kind, text in runs if kind == "added"] == ["NEW", "NEWER"]
    assert "".join(text for kind, text in runs if kind != "added") == BODY
    assert "".join(text for kind, text in runs if kind != "removed") == edited


def test_the_ceiling_counts_pairs_of_words_between_what_both_begin_and_end_with():
    assert WORD_DIFF_MOST == 4_000_000
    old, new = "a b c", "a x c"
    assert word_diff(old, new) == [("same", "a "), ("removed", "b"), ("added", "x"),
                                   ("same", " c")]
