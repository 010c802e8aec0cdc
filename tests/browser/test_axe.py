"""tests/browser/axe.py: axe put into a document once, and run afresh on what it shows."""

import pytest

from tests.browser import axe

pytestmark = pytest.mark.browser

FAINT = """<!doctype html><html lang="en"><title>Faint</title>
<main><p id="faint" style="color: #ccc; background: #fff">Hard to read</p></main>"""


def test_each_run_reads_the_document_as_it_is_now(new_page):
    page = new_page()
    page.set_content(FAINT)
    assert [line.split()[1] for line in axe.serious(page)] == ["color-contrast:"]
    assert axe.targets(page, "color-contrast") == [["#faint"]]

    page.evaluate("() => { document.getElementById('faint').style.color = '#222'; }")
    assert page.evaluate("() => typeof axe") == "object"  # still there: not sent again
    assert axe.serious(page) == []
    assert axe.findings(page, context="main") == []

    page.goto("about:blank")
    assert page.evaluate("() => typeof axe") == "undefined"  # a new document
    page.set_content(FAINT)
    assert axe.described(axe.findings(page, rules=["color-contrast"])) == axe.serious(page)
    assert len(axe.serious(page)) == 1
