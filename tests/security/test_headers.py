"""Security headers on every kind of response, and public pages that need no CSP exceptions."""

from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db

# name -> (URL, status); "staff" pages are requested signed in as an editor.
PAGES = {
    "front": ("/", 200),
    "list": ("/articles/", 200),
    "article": ("/articles/harbour-ferries/", 200),
    "section": ("/sections/world/", 200),
    "tag": ("/tags/shipping/", 200),
    "author index": ("/authors/", 200),
    "author page": ("/authors/li-wei/", 200),
    "search": ("/search/?q=harbour", 200),
    "comments page": ("/articles/harbour-ferries/comments/", 200),
    "comments partial": ("/articles/harbour-ferries/comments/?partial=1", 200),
    "bias form": ("/articles/harbour-ferries/report-bias/", 200),
    "feed": ("/feeds/latest/", 200),
    "atom feed": ("/feeds/latest/atom/", 200),
    "section feed": ("/sections/world/feed/", 200),
    "sitemap": ("/sitemap.xml", 200),
    "news sitemap": ("/sitemap-news.xml", 200),
    "robots": ("/robots.txt", 200),
    "about": ("/about/", 200),
    "corrections": ("/corrections/", 200),
    "login": ("/accounts/login/", 200),
    "signup": ("/accounts/signup/", 200),
    "password reset": ("/accounts/password_reset/", 200),
    "404": ("/no-such-page/", 404),
    "article 404": ("/articles/no-such-story/", 404),
    "admin login": ("/admin/login/", 200),
    "admin changelist (staff)": ("/admin/articles/article/", 200),
    "admin add form (staff)": ("/admin/articles/article/add/", 200),
}
# Cached whole and shared, so they can carry no per-response nonce.
PUBLIC_HTML = ["front", "list", "article", "section", "tag", "author index", "author page",
               "search", "about", "corrections", "comments page", "bias form", "login",
               "signup", "404"]
CACHED = ["front", "list", "article", "section", "tag", "author index", "author page",
          "about", "corrections", "feed", "sitemap", "robots"]


def csp_directives(header):
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name.lower()] = values
    return directives


def assert_security_headers(response, name):
    csp = response.get("Content-Security-Policy")
    assert csp, f"{name}: no Content-Security-Policy"
    directives = csp_directives(csp)
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src, f"{name}: {csp}"
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, csp
    assert directives["object-src"] == ["'none'"], csp
    assert directives["base-uri"], csp
    assert directives["form-action"] == ["'self'"], csp
    assert directives["frame-ancestors"] == ["'none'"], csp
    assert response["X-Content-Type-Options"] == "nosniff", name
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", name
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", name
    assert "camera=()" in response["Permissions-Policy"], name
    assert response["X-Frame-Options"] == "DENY", name


def get(client, editor, name):
    url, status = PAGES[name]
    if "(staff)" in name:
        client.force_login(editor)
    response = client.get(url)
    assert response.status_code == status, f"{name}: {url}"
    return response


@pytest.mark.parametrize("name", PAGES)
def test_every_kind_of_response_carries_the_security_headers(client, site, editor, name):
    assert_security_headers(get(client, editor, name), name)


@pytest.mark.parametrize("name", ["comments page", "comments partial", "bias form"])
def test_signed_in_pages_with_forms_carry_them_too(client, site, editor, name):
    client.force_login(editor)
    assert_security_headers(get(client, editor, name), name)


def test_refusals_carry_them_too(client, site):
    too_large = client.post("/articles/harbour-ferries/comments/", data="x",
                            content_type="text/plain", CONTENT_LENGTH=str(10**7))
    assert too_large.status_code == 413
    assert_security_headers(too_large, "413")
    not_allowed = client.put("/accounts/logout/")
    assert not_allowed.status_code == 405
    assert_security_headers(not_allowed, "405")


class Markup(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script>."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags = []  # (tag, attrs)
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


@pytest.mark.parametrize("name", PUBLIC_HTML)
def test_public_pages_need_no_inline_script_or_style(client, site, editor, name):
    response = get(client, editor, name)
    html = response.content.decode()
    tags = Markup(html).tags
    inline_scripts = [attrs for tag, attrs in tags
                      if tag == "script" and "src" not in attrs
                      and attrs.get("type") != "application/ld+json"]
    assert inline_scripts == [], name
    assert [tag for tag, _ in tags if tag == "style"] == [], name
    assert [tag for tag, attrs in tags if "style" in attrs] == [], name
    assert [(tag, a) for tag, attrs in tags for a in attrs if a.startswith("on")] == [], name
    assert "nonce=" not in html, name
    # Nothing asked for a nonce, so the policy offers none.
    assert "'nonce-" not in response["Content-Security-Policy"], name


def test_the_article_page_has_its_json_ld_and_external_scripts_only(client, site):
    tags = Markup(client.get("/articles/harbour-ferries/").content.decode()).tags
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert {"type": "application/ld+json"} in scripts
    assert all(attrs.get("src", "").startswith("/static/") for attrs in scripts
               if attrs.get("type") != "application/ld+json")


@pytest.mark.parametrize("name", CACHED)
def test_cached_answers_carry_the_same_headers(client, site, editor, settings, name):
    settings.PAGE_CACHE_ENABLED = True
    first = get(client, editor, name)
    second = get(client, editor, name)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert_security_headers(second, f"{name} (cached)")
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert second.content == first.content
