import pytest

from core.text import estimate_reading_minutes, normalize, render_markdown


@pytest.mark.parametrize(
    ("words", "minutes"),
    [(0, 1), (1, 1), (200, 1), (201, 2), (400, 2), (401, 3), (1000, 5)],
)
def test_reading_minutes_is_ceil_of_words_over_200_and_at_least_one(words, minutes):
    html = "<p>" + " ".join(["word"] * words) + "</p>"
    assert estimate_reading_minutes(html) == minutes


def test_reading_minutes_counts_text_not_tags():
    html = '<p><a href="https://example.org/a/very/long/url">two words</a></p>' * 100
    assert estimate_reading_minutes(html) == 1  # 200 words, however long the markup


def test_markdown_renders_paragraphs_and_emphasis():
    html = render_markdown("First *para*.\n\nSecond **para**.")
    assert html == "<p>First <em>para</em>.</p>\n<p>Second <strong>para</strong>.</p>"


def test_level_one_heading_becomes_level_two():
    html = render_markdown("# Big\n\n## Smaller")
    assert "<h1" not in html
    assert "<h2>Big</h2>" in html
    assert "<h2>Smaller</h2>" in html


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ('<a href="/x" onclick="steal()">x</a>', "onclick"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert(1)"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
        ("<style>body{display:none}</style>", "<style"),
        ('<p style="position:fixed">x</p>', "style="),
        ('<form action="https://evil.example"><input></form>', "<form"),
    ],
)
def test_markdown_is_sanitised(source, forbidden):
    assert forbidden.lower() not in render_markdown(source).lower()


def test_safe_links_are_kept_with_rel():
    html = render_markdown("[report](https://example.org/report)")
    assert 'href="https://example.org/report"' in html
    assert 'rel="noopener noreferrer"' in html


def test_normalize_trims_and_turns_crlf_into_lf():
    assert normalize("  a\r\nb\rc\n ") == "a\nb\nc"


def test_tables_scroll_inside_a_box_keyboard_users_can_reach():
    html = render_markdown("| Route | Time |\n|---|---|\n| North | 45 min |\n\n"
                           "<table><tr><td onclick=\"x()\">raw</td></tr></table>")
    assert html.count('<div class="table-scroll" role="region" tabindex="0" '
                      'aria-label="Table') == 2
    assert html.count("</table></div>") == 2
    assert "onclick" not in html
