"""Hostile input never gives a 500: every URL pattern, every form, odd bodies.

Each URL pattern of the project is found by walking the resolver, so a new
page is covered without being listed here. Responses are collected rather
than raised, so one run reports every URL that failed.
"""

import re

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from articles.models import Article
from comments.models import Comment
from standards.models import BiasReport
from tests.factories import UserFactory

from .conftest import newsroom

pytestmark = pytest.mark.django_db

LONG = "x" * 10_000
# Every URL gets these; a view ignores what it does not read.
HOSTILE_QUERIES = [
    "page=-1", "page=99999999999999999999", "page=" + "9" * 5000, "page=%ff%fe",
    "page=%00", "page=%D9%A3&page=2", "q=%27%20OR%201%3D1%20--",
    "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "q=%00", "q=%ff%fe", "q=" + "a" * 10_000,
    "partial=1&page=0", "next=//evil.example/&again=%00", "%ff%fe=%ff&%00=%00",
    "a" * 2000 + "=" + "b" * 10_000,
]
# Search's own filters, on top of the above.
SEARCH_QUERIES = [
    "q=harbour&section=%00", "q=harbour&section=" + "x" * 10_000, "q=harbour&author=%ff",
    "q=harbour&author=%27;--&section=world&page=2", "q=%25", "q=%22", "q=-", "q=or",
    "q=a&q=b", "q=-harbour%20or", "q=%22unclosed", "q=" + "%F0%9F%87%AB" * 500,
]
ADMIN_QUERIES = [
    "o=999", "o=-x.1", "p=-1", "p=99999999999999999999", "q=%00", "q=%ff%fe",
    "q=" + "a" * 5000, "e=1", "all=%00", "_to_field=password", "_popup=%00",
    "_changelist_filters=%ff%fe", "status__exact=%00", "published_at__gte=not-a-date",
    "id__in=1,x", "reader__id__exact=99999999999999999999", "from=x&to=%00",
]
# Patterns whose pages change for a signed-in reader are walked as one too.
READER_ROUTES = ("articles/<slug:slug>/comments/", "articles/<slug:slug>/report-bias/",
                 "comments/", "accounts/")
HOSTILE_PATHS = [
    "/%00", "/%ff%fe/", "/articles/%ff%fe/", "/articles/%00/", "/" + "a" * 10_000 + "/",
    "/articles/" + "a" * 10_000 + "/", "/tags/%3Cscript%3E/", "/sections/..%2F..%2F/",
    "/media/../evadaily/settings.py", "/media/%2e%2e/%2e%2e/etc/passwd", "/media/%00",
    "/media/" + "a" * 5000, "/admin/%00/", "/admin/%ff/", "//evil.example/", "/search/%00",
    "/articles/harbour-ferries/comments/%ff/", "/accounts/reset/%00/%00/",
    "/sitemap-%00.xml", "/feeds/latest/%ff/", "/\\evil.example",
]
PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
GROUP = re.compile(r"\((?:\?P<(?P<name>\w+)>)?(?P<body>[^()]*)\)")


def _walk(patterns, prefix=()):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + (pattern.pattern,))
        elif isinstance(pattern, URLPattern):
            yield prefix + (pattern.pattern,), pattern


def _route(parts):
    return "".join(str(part) for part in parts)


ROUTES = {_route(parts): (parts, pattern) for parts, pattern in _walk(get_resolver().url_patterns)}
PUBLIC = sorted(route for route in ROUTES if not route.startswith("admin/"))
# Admin pages are walked too, signed in as a superuser, a model's pages at a time.
ADMIN = sorted(route for route in ROUTES if route.startswith("admin/"))
ADMIN_GROUPS = {}
for _admin_route in ADMIN:
    _model = re.match(r"admin/(\w+/\w+/)", _admin_route)
    ADMIN_GROUPS.setdefault(_model[1] if _model else "site", []).append(_admin_route)


def fill(parts, value):
    """The path for a pattern, each parameter given by value(name, converter, position)."""
    path, position = [], 0
    for part in parts:
        if isinstance(part, RoutePattern):
            def param(match):
                nonlocal position
                position += 1
                return value(match["name"], match["conv"] or "str", position - 1)
            path.append(PARAM.sub(param, part._route))
        else:
            def group(match):
                nonlocal position
                position += 1
                choices = match["body"].split("|")
                if len(choices) > 1:
                    return "articles" if "articles" in choices else choices[0]
                return value(match["name"] or "", "regex", position - 1)
            path.append(GROUP.sub(group, part._regex).lstrip("^").rstrip("$"))
    return "/" + "".join(path).replace("\\", "")


@pytest.fixture
def world(db, settings):
    """A newsroom, plus one of everything a URL can name."""
    site = newsroom(with_image=False)  # no renditions to make: much faster
    media = settings.MEDIA_ROOT / "notes" / "hello.txt"
    media.parent.mkdir(parents=True)
    media.write_text("hello")
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    reader = UserFactory(username="hostile-reader")
    article = site["lead"]
    article.headline = "Harbour authority shortens ferry crossings, revised"
    article.save()  # a second revision for the history pages
    report = BiasReport.objects.create(article=article, reason="other", details="d")
    comment = Comment.objects.get()
    history_id = article.history.order_by("history_id").first().history_id
    normal = {
        "slug": {"sections": "world", "tags": "shipping", "authors": "li-wei"},
        "section": "articles",
        "reference": report.reference,
        "pk": str(comment.pk),
        "path": "notes/hello.txt",
        "uidb64": urlsafe_base64_encode(force_bytes(reader.pk)),
        "token": default_token_generator.make_token(reader),
        "content_type_id": str(ContentType.objects.get_for_model(Article).pk),
        "url": "no-such-admin-page/",
        "id": str(reader.pk),
    }

    def value_for(route):
        first = route.split("/", 1)[0]
        model_id = None
        match = re.match(r"admin/(\w+)/(\w+)/", route)
        if match and match[1] != "r":
            try:
                model = apps.get_model(match[1], match[2])
            except LookupError:
                model = None
            first_object = model and model._default_manager.order_by("pk").first()
            model_id = str(first_object.pk) if first_object else "1"

        def value(name, converter, position):
            if name == "slug":
                return normal["slug"].get(first, "harbour-ferries")
            if name == "object_id" or (converter == "regex" and position == 0):
                if model_id is None or "articles/article" in route:
                    return str(article.pk)
                return model_id
            if converter == "regex" and position == 1:
                return str(history_id)
            return normal.get(name, "1")
        return value

    return {"superuser": superuser, "reader": reader, "value_for": value_for,
            "article": article}


def hostile_values(converter, admin=False):
    """Values a converter accepts that a view may not expect."""
    if converter == "int":
        return ["0", "99999999999999999999"]
    if converter == "slug":
        return ["-", "_", "0", "a" * 300]
    if admin:
        return ["0", "-1", "99999999999999999999", "%ff%fe", "%00", "a" * 300]
    return ["0", "-1", "99999999999999999999", "%ff%fe", "%00", "a" * 300,
            "%27%20OR%201%3D1--", "%3Cscript%3E", "BR-99999999999999999999", "BR-%D9%A3",
            "..%2F..%2Fetc%2Fpasswd"]


def urls_for(route, world, queries, admin=False):
    """The pattern's normal path, with each query, and with each parameter made hostile."""
    parts, pattern = ROUTES[route]
    value = world["value_for"](route)
    base = fill(parts, value)
    urls = [base] + [f"{base}?{query}" for query in queries]
    converters = []  # in fill's order; a group of fixed choices cannot be made hostile
    for part in parts:
        if isinstance(part, RoutePattern):
            converters += [match["conv"] or "str" for match in PARAM.finditer(part._route)]
        else:
            converters += ["choice" if "|" in match["body"] else "regex"
                           for match in GROUP.finditer(part._regex)]
    for position, converter in enumerate(converters):
        if converter == "choice":
            continue
        for hostile in hostile_values(converter, admin):
            urls.append(fill(parts, lambda n, c, p, hostile=hostile, position=position:
                             hostile if p == position else value(n, c, p)))
    return base, pattern, urls


def request_all(client, urls, method="get", **kwargs):
    failures = []
    for url in urls:
        response = getattr(client, method)(url, **kwargs)
        if response.status_code >= 500:
            failures.append((response.status_code, url[:200]))
    return failures


def test_every_pattern_is_walked():
    assert len(PUBLIC) >= 35 and len(ADMIN) >= 80
    assert "admin/login/" in ADMIN and "articles/<slug:slug>/comments/" in PUBLIC


@pytest.mark.parametrize("route", PUBLIC)
def test_public_patterns_survive_hostile_paths_and_queries(world, route):
    queries = HOSTILE_QUERIES + (SEARCH_QUERIES if route == "search/" else [])
    base, pattern, urls = urls_for(route, world, queries)
    assert resolve(base).func == pattern.callback, base  # the walk is right
    anonymous = Client(raise_request_exception=False)
    failures = request_all(anonymous, urls) + request_all(anonymous, urls[:1], method="head")
    if route.startswith(READER_ROUTES):
        reader = Client(raise_request_exception=False)
        reader.force_login(world["reader"])
        failures += request_all(reader, urls)
    assert failures == []


@pytest.mark.parametrize("group", ADMIN_GROUPS)
def test_admin_patterns_survive_hostile_paths_and_queries(world, group):
    staff = Client(raise_request_exception=False)
    staff.force_login(world["superuser"])
    failures = []
    for route in ADMIN_GROUPS[group]:
        # Query strings on lists and forms; hostile ids on object pages.
        queries = [] if "<" in route or "(" in route else ADMIN_QUERIES
        base, pattern, urls = urls_for(route, world, queries, admin=True)
        assert resolve(base).func == pattern.callback, base
        failures += request_all(staff, urls)
        failures += request_all(Client(raise_request_exception=False), urls[:2])
    assert failures == []


def test_hostile_paths_are_never_a_server_error(world):
    anonymous = Client(raise_request_exception=False)
    staff = Client(raise_request_exception=False)
    staff.force_login(world["superuser"])
    assert request_all(anonymous, HOSTILE_PATHS) == []
    assert request_all(staff, HOSTILE_PATHS) == []


def test_what_the_walk_found(world):
    """Server errors the walk found, each now a plain refusal."""
    anonymous = Client(raise_request_exception=False)
    staff = Client(raise_request_exception=False)
    staff.force_login(world["superuser"])
    # The admin's list filters pass values to the database; PostgreSQL refuses NUL.
    response = staff.get("/admin/articles/article/?status__exact=%00")
    assert response.status_code == 400
    assert staff.get("/admin/articles/article/?status__exact=draft").status_code == 200
    # django-simple-history looked revisions up by an id that is not a number.
    assert staff.get("/admin/articles/article/x/history/").status_code == 404
    assert staff.get("/admin/articles/article/x/history/1/").status_code == 404
    article = world["article"].pk
    assert staff.get(f"/admin/articles/article/{article}/history/x/").status_code == 404
    assert staff.get(f"/admin/articles/article/{article}/history/").status_code == 200
    # A file name longer than the file system allows.
    assert anonymous.get("/media/" + "a" * 5000).status_code == 404
    assert anonymous.get("/media/notes/hello.txt").status_code == 200
    # Search filters that are not slugs name nothing: they are said and left out,
    # and not quoted back.
    response = anonymous.get("/search/?q=harbour&section=%00&author=%ff")
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is no such section" in page and "There is no such author" in page
    assert "No published story matches" not in page
    response = anonymous.get("/search/?q=harbour&section=world")
    assert "No published story matches" not in response.content.decode()


# ---------------------------------------------------------------------------
# Forms

FORMS = {
    "comment": "/articles/harbour-ferries/comments/",
    "comment (partial)": "/articles/harbour-ferries/comments/?partial=1",
    "comment report": "/comments/{comment}/report/",
    "bias report": "/articles/harbour-ferries/report-bias/",
    "signup": "/accounts/signup/",
    "login": "/accounts/login/",
    "admin login": "/admin/login/",
    "password reset": "/accounts/password_reset/",
    "password reset confirm": "/accounts/reset/{uid}/set-password/",
    "delete account": "/accounts/delete/",
    "logout": "/accounts/logout/",
}
HOSTILE_BODIES = [
    {},
    {"body": ""},
    {"body": LONG, "reason": LONG, "details": LONG, "quoted_passage": LONG},
    {"body": "a\x00b", "username": "a\x00b", "password": "a\x00b", "email": "a\x00@b.c",
     "details": "\x00", "reason": "\x00", "new_password1": "\x00", "new_password2": "\x00"},
    {"body": ["one", "two"], "reason": ["other", "spam"], "username": ["a", "b"],
     "email": ["a@example.org", "b@example.org"], "password": ["x", "y"]},
    {"reason": "not-a-reason", "details": "d", "evidence_url": "javascript:alert(1)",
     "contact_email": "not-an-email"},
    {"reason": "other", "details": "d", "evidence_url": "http://" + "a" * 600 + ".example"},
    {"username": LONG, "email": LONG + "@example.org", "password1": LONG, "password2": LONG},
    {"email": "ünïcode@exämple.org", "next": "//evil.example/"},
    {"next": "javascript:alert(1)", "username": "x", "password": "y"},
    {"body": "\u202e\u200b\ufeff" * 100, "details": "🇫🇷" * 600},
    {"password": LONG, "website": ""},
]


@pytest.fixture
def form_urls(world):
    uid = urlsafe_base64_encode(force_bytes(world["reader"].pk))
    comment = Comment.objects.get().pk
    return {name: url.format(uid=uid, comment=comment) for name, url in FORMS.items()}


def _clients(world):
    anonymous = Client(raise_request_exception=False)
    reader = Client(raise_request_exception=False)
    reader.force_login(world["reader"])
    return anonymous, reader


@pytest.mark.parametrize("name", FORMS)
def test_hostile_form_bodies_are_refused_not_crashed(world, form_urls, name):
    url = form_urls[name]
    failures = []
    for client in _clients(world):
        for data in HOSTILE_BODIES:
            response = client.post(url, data)
            if response.status_code >= 500:
                failures.append((response.status_code, sorted(data)))
        for content_type, body in [
            ("application/json", b'{"body": ["x"], "reason": {"a": 1}}'),
            ("text/plain", b"\xff\xfe\x00junk"),
            ("application/x-www-form-urlencoded", b"body=%ff%fe%00&reason=%&&=&username=%zz"),
            ("application/x-www-form-urlencoded", b"a=1&" * 2000),  # over the field limit
            ("multipart/form-data; boundary=xyz", b"--xyz\r\nnot a part\r\n--xyz--"),
            ("multipart/form-data; boundary=xyz", b"\x00" * 1000),
            ("multipart/form-data", b"--\r\n"),  # no boundary
            ("multipart/form-data; boundary=" + "b" * 100, b"junk"),
            ("multipart/form-data; boundary=xyz",
             (b'--xyz\r\nContent-Disposition: form-data; name="body"; filename="a.txt"\r\n'
              b"Content-Type: text/plain\r\n\r\nfile, not text\r\n--xyz--\r\n")),
        ]:
            response = client.post(url, body, content_type=content_type)
            if response.status_code >= 500:
                failures.append((response.status_code, content_type, body[:40]))
        for wrong_length in ("abc", "-1", "1" * 30):
            response = client.post(url, b"body=x", content_type="text/plain",
                                   CONTENT_LENGTH=wrong_length)
            if response.status_code >= 500 or wrong_length == "abc" and (
                    response.status_code != 400):
                failures.append((response.status_code, "Content-Length", wrong_length))
        response = client.put(url, b"body=x")
        if response.status_code >= 500:
            failures.append((response.status_code, "PUT"))
    assert failures == []


@pytest.mark.parametrize("name", FORMS)
def test_a_post_without_its_csrf_token_is_forbidden(world, form_urls, name):
    for signed_in in (False, True):
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        if signed_in:
            client.force_login(world["reader"])
        response = client.post(form_urls[name], {"body": "hello", "username": "x",
                                                  "password": "y", "email": "a@example.org"})
        assert response.status_code == 403, (name, signed_in)


@pytest.mark.parametrize("name", FORMS)
def test_a_form_in_another_charset_than_utf8_is_a_400_in_the_sites_page(world, form_urls,
                                                                         name):
    """Django refuses to read it (BadRequest); its 400 and 500 views then checked CSRF, which
    read it again, and gunicorn answered with its own bare page, without the site's
    headers."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get("/accounts/login/")  # the CSRF cookie, as a browser would have it
    # The client encodes it as latin-1.
    response = client.post(form_urls[name], "body=café&username=x&password=y",
                           content_type="application/x-www-form-urlencoded; charset=latin-1")
    assert response.status_code == 400, name
    assert "We could not read that request" in response.content.decode()
    assert "Content-Security-Policy" in response and response["X-Content-Type-Options"]


@pytest.mark.parametrize("name", [name for name in FORMS if name != "admin login"])
def test_an_oversized_body_is_refused_before_it_is_read(world, form_urls, name, settings):
    assert settings.MAX_REQUEST_BYTES == 256 * 1024
    body = b"body=" + b"x" * (settings.MAX_REQUEST_BYTES + 1)
    for client in _clients(world):
        response = client.post(form_urls[name], body,
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code == 413, name
        assert "at most 256 KB" in response.content.decode()
    assert Comment.objects.count() == 1 and BiasReport.objects.count() == 1


def test_the_admin_takes_uploads_but_not_oversized_forms(world, settings):
    """Image uploads may be large; form fields are still read up to the reader limit."""
    staff = Client(raise_request_exception=False)
    staff.force_login(world["superuser"])
    url = f"/admin/articles/article/{world['article'].pk}/change/"
    too_large = str(settings.ADMIN_MAX_REQUEST_BYTES + 1)
    response = staff.post(url, b"x", content_type="text/plain", CONTENT_LENGTH=too_large)
    assert response.status_code == 413
    # Under the upload limit, but more form text than Django will read: 400.
    fields = b"headline=" + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = staff.post(url, fields, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    response = Client(raise_request_exception=False).post("/admin/login/", fields,
                                                           content_type="application/"
                                                                        "x-www-form-urlencoded")
    assert response.status_code == 400
