"""The newsroom admin keeps working under the site's Content-Security-Policy."""

import pytest
from django.contrib.auth.models import Group

from articles.models import Article
from tests.factories import AuthorFactory, SectionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"  # UserFactory's
# Every violation the page reports, whether or not the browser logs it.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def watched_page(new_page):
    """A page that collects CSP messages from the console and script errors."""
    page = new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    page.console_csp = []
    page.errors = []
    page.on("console", lambda message: "Content Security Policy" in message.text
            and page.console_csp.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def violations(page):
    return page.evaluate("window.__cspViolations")


def choose(page, field, term, option):
    """Pick `option` in the admin's autocomplete (select2) widget for `field`."""
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(term)
    page.locator(".select2-results__option", has_text=option).click()


def test_an_editor_adds_a_story_with_no_policy_violation(live_server, watched_page, roles):
    editor = UserFactory(username="jeditor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    SectionFactory(name="World", slug="world")
    AuthorFactory(name="Margaret Okonkwo", slug="margaret-okonkwo")
    page = watched_page

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "jeditor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    assert page.locator("#site-name").inner_text() == "EVA DAILY newsroom"

    response = page.goto(f"{live_server.url}/admin/articles/article/add/")
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    # The admin's own scripts run: the slug follows the headline, select2 searches.
    page.locator("#id_headline").press_sequentially("Harbour talks resume")
    assert page.input_value("#id_slug") == "harbour-talks-resume"
    page.fill("#id_body", "The talks resumed on Tuesday.")
    choose(page, "section", "Wor", "World")
    choose(page, "author", "Marg", "Margaret Okonkwo")
    add_form = violations(page), list(page.console_csp)
    page.click("input[name=_continue]")
    assert "was added successfully" in page.locator(".messagelist").inner_text()
    article = Article.objects.get()

    # The pages an editor goes through next, the revisions among them.
    seen = {"add form": add_form[0], "after saving": violations(page)}
    for path in ("/admin/", "/admin/articles/article/",
                 f"/admin/articles/article/{article.pk}/change/",
                 f"/admin/articles/article/{article.pk}/history/"):
        page.goto(f"{live_server.url}{path}")
        seen[path] = violations(page)

    assert add_form == ([], []), add_form
    scripts = [v for found in seen.values() for v in found if v.startswith("script-src")]
    assert scripts == [] and [m for m in page.console_csp if "script-src" in m] == []
    # Styles too: the project's history template has none inline (django-simple-history's has).
    assert all(found == [] for found in seen.values()), seen
    assert page.console_csp == []
    assert page.errors == []
