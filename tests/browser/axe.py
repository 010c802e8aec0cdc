"""What axe-core finds on a page, for the browser tests' accessibility checks.

axe's script (570 KB) is put into each document once: a test that checks one page at each
look (shots.each_look) runs axe four times on the same document, and sending and compiling
the script again each time cost about a third of each run.
"""

from axe_playwright_python.sync_playwright import Axe

_SCRIPT = Axe().axe_script

_RUN = """([context, options]) => axe.run(context || document, options)
    .then(results => results.violations)"""


def findings(page, context=None, rules=None):
    """axe's violations on page (or within the context selector), every rule or only rules."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_SCRIPT)
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": list(rules)}
    return page.evaluate(_RUN, [context, options])


def described(violations):
    """One line a violation: its impact, rule, help and first five elements."""
    return [f"[{v['impact']}] {v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:5]]}"
            for v in violations]


def serious(page, context=None):
    """axe's serious and critical findings on page, one line each (none: [])."""
    return described(v for v in findings(page, context)
                     if v["impact"] in ("serious", "critical"))


def targets(page, rule):
    """The elements that one axe rule finds on the page."""
    return [node["target"] for violation in findings(page, rules=[rule])
            for node in violation["nodes"]]
