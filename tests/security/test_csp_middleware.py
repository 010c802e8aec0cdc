"""core.middleware.ContentSecurityPolicyMiddleware: Django's header, built once per process."""

from django.http import HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware as DjangoMiddleware
from django.utils.csp import CSP

from core.middleware import ContentSecurityPolicyMiddleware

ENFORCE, REPORT_ONLY = str(CSP.HEADER_ENFORCE), str(CSP.HEADER_REPORT_ONLY)


def _headers(middleware_class, rf, view=lambda request: HttpResponse("page")):
    return middleware_class(view)(rf.get("/")).headers


def test_the_header_is_djangos(rf, settings):
    settings.SECURE_CSP_REPORT_ONLY = {"default-src": [CSP.SELF], "report-uri": "/csp/"}
    ours, django = _headers(ContentSecurityPolicyMiddleware, rf), _headers(DjangoMiddleware, rf)
    assert ours[ENFORCE] == django[ENFORCE] and "script-src 'self'" in ours[ENFORCE]
    assert ours[REPORT_ONLY] == django[REPORT_ONLY]


def test_the_policy_is_built_once_until_the_setting_changes(rf, settings, monkeypatch):
    import core.middleware

    built, real = [], core.middleware.build_policy
    monkeypatch.setattr(core.middleware, "build_policy",
                        lambda config, nonce=None: built.append(config) or real(config, nonce))
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("page"))
    for _ in range(3):
        middleware(rf.get("/"))
    assert len(built) == 1
    settings.SECURE_CSP = {"default-src": [CSP.SELF], "img-src": ["https://images.example"]}
    assert middleware(rf.get("/"))[ENFORCE] == (
        "default-src 'self'; img-src https://images.example")
    settings.SECURE_CSP["img-src"].append("data:")  # changed in place: built again too
    assert middleware(rf.get("/"))[ENFORCE].endswith("img-src https://images.example data:")


def test_a_page_that_uses_its_nonce_gets_it_in_its_header(rf):
    def view(request):
        return HttpResponse(f'<script nonce="{request._csp_nonce}"></script>')

    middleware = ContentSecurityPolicyMiddleware(view)
    first, second = middleware(rf.get("/")), middleware(rf.get("/"))
    nonce = first.content.decode().split('"')[1]
    assert f"'nonce-{nonce}'" in first[ENFORCE]
    assert first[ENFORCE] != second[ENFORCE]  # a new nonce each time, never kept


def test_a_views_own_policy_and_header_are_kept(rf):
    def own_policy(request):
        response = HttpResponse("page")
        response._csp_config = {"default-src": [CSP.NONE]}
        return response

    def own_header(request):
        response = HttpResponse("page")
        response[ENFORCE] = "default-src 'self' https://maps.example"
        return response

    assert _headers(ContentSecurityPolicyMiddleware, rf, own_policy)[ENFORCE] == (
        "default-src 'none'")
    assert _headers(ContentSecurityPolicyMiddleware, rf, own_header)[ENFORCE] == (
        "default-src 'self' https://maps.example")
