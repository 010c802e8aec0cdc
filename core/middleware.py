import copy
import logging
import re
import time

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed
from django.middleware import csp
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.template import loader
from django.urls import resolve
from django.utils.cache import patch_vary_headers
from django.utils.csp import CSP, build_policy
from django.views.decorators.http import require_http_methods

from .images import MAX_UPLOAD_BYTES
from .ratelimit import Unavailable
from .seo import forget_request_routes, keep_request_routes

request_log = logging.getLogger("evadaily.requests")
# Apps that answer some requests better than plain text (accounts: the sign-in page).
_unavailable_answers = []


def answer_unavailable_with(answer):
    """Let answer(request) reply when the security cache cannot be reached; None passes it on."""
    if answer not in _unavailable_answers:
        _unavailable_answers.append(answer)


# Text, and the XML and JSON the site sends; never images or files already compressed.
_COMPRESSIBLE = re.compile(r"text/|application/(json|xml|javascript|[\w.-]+\+(xml|json))\b")


def compressible(content_type):
    """Whether an answer of this Content-Type is worth compressing."""
    return _COMPRESSIBLE.match(content_type) is not None


class CompressionMiddleware(GZipMiddleware):
    """gzip for text answers not served by the page cache: signed-in pages, forms, the admin.

    Public pages come compressed from the page cache (core/pagecache.py), which
    compresses each page once, when it stores it; their answers carry
    X-Page-Cache and are left alone here. BREACH, the attack that guesses a
    secret in a compressed page from its size, is why these answers are
    compressed with Django's GZipMiddleware: it pads each answer with a random
    number of bytes (Heal the Breach), Django masks the CSRF token anew in each
    answer, and the session lives in a cookie, never in the page.
    """

    def process_response(self, request, response):
        if "X-Page-Cache" in response or not compressible(response.get("Content-Type", "")):
            return response
        accept_encoding = request.META.get("HTTP_ACCEPT_ENCODING", "")
        if not accepts_gzip(accept_encoding):
            patch_vary_headers(response, ("Accept-Encoding",))
            return response
        # Django's own test of the header is case-sensitive; codings are not.
        request.META["HTTP_ACCEPT_ENCODING"] = accept_encoding.lower()
        return super().process_response(request, response)


class ContentSecurityPolicyMiddleware(csp.ContentSecurityPolicyMiddleware):
    """Django's CSP middleware, building the policy once per process, not per answer.

    Django builds the header from SECURE_CSP on every response, a sixth of
    what a page-cache hit costs. Without a nonce the policy depends on the
    setting alone, so it is kept while the setting stays the same. A page
    that used its nonce, and a view with its own policy (csp_override), go
    through Django's code unchanged.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        self._policies = {}  # id(config) -> (config, a copy of it, its policy)

    def process_response(self, request, response):
        if (csp.get_nonce(request) or hasattr(response, "_csp_config")
                or hasattr(response, "_csp_ro_config")):
            return super().process_response(request, response)
        for header, config in ((CSP.HEADER_ENFORCE, settings.SECURE_CSP),
                               (CSP.HEADER_REPORT_ONLY, settings.SECURE_CSP_REPORT_ONLY)):
            if config and header not in response:
                response.headers[str(header)] = self._policy(config)
        return response

    def _policy(self, config):
        kept = self._policies.get(id(config))
        if kept is None or kept[0] is not config or kept[1] != config:
            kept = self._policies[id(config)] = (config, copy.deepcopy(config),
                                                 build_policy(config))
        return kept[2]


class SecurityHeadersMiddleware:
    """Headers Django has no setting for: Permissions-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DISABLED)

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.permissions_policy)
        return response


# The methods the site answers at all; each view takes some of them.
SITE_METHODS = ("GET", "HEAD", "POST", "OPTIONS")


class MethodMiddleware:
    """405 with Allow for any other method, and OPTIONS answered for every view, before CSRF.

    CsrfViewMiddleware refuses every method but GET, HEAD, OPTIONS and TRACE
    before the view runs, so a PUT or a made-up method got its "Your form
    was not sent" page, and views that read no method (feeds, sitemaps,
    search) answered OPTIONS and TRACE with the whole page. OPTIONS gets an
    empty 200 with Allow on every page, as Django's class-based views
    already answered it, rather than a 405 from some pages and not others.
    TRACE is refused, without a body: nothing a request carried is sent back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in ("GET", "HEAD"):
            return None
        methods = allowed_methods(view_func)
        if request.method == "POST":
            # A view that takes no POST says 405 whether or not the form's CSRF
            # token came with it: it was 403 "Your form was not sent" on pages
            # with no form, and feeds, search and media answered it in full.
            # Browsers send forms: they show a page that says so, not a blank one.
            return None if "POST" in methods else HttpResponseNotAllowed(
                methods, loader.get_template("405.html").render())
        if request.method == "OPTIONS":
            return HttpResponse(headers={"Allow": ", ".join(methods), "Content-Length": "0"})
        return HttpResponseNotAllowed(methods)


def allowed_methods(view):
    """The site's methods the view takes: a class-based view's handlers, those a
    function view names (takes()), else all of them.

    A function view that does not say which it takes and takes fewer refuses
    the others itself, with its own Allow (require_http_methods).
    """
    named = getattr(view, "http_methods", None)
    if named is not None:
        return tuple(method for method in SITE_METHODS if method in named or method == "OPTIONS")
    view_class = getattr(view, "view_class", None)  # as_view() sets it; wraps() copies it
    if view_class is None:
        return SITE_METHODS
    handlers = {name.upper() for name in view_class.http_method_names if hasattr(view_class, name)}
    if "GET" in handlers:
        handlers.add("HEAD")  # View.setup() answers HEAD with get()
    return tuple(method for method in SITE_METHODS if method in handlers)


def takes(*methods):
    """require_http_methods(methods), named for MethodMiddleware (allowed_methods)."""
    def decorator(view):
        checked = require_http_methods(list(methods))(view)
        checked.http_methods = methods
        return checked
    return decorator


def request_size_limit(path):
    """The most bytes a request's body may have at path: the admin takes image uploads.

    RequestSizeLimitMiddleware applies it, and so does the gunicorn worker
    (core/gunicorn_worker.py) from the request's head, before the body is sent.
    """
    return (settings.ADMIN_MAX_REQUEST_BYTES if path.startswith("/admin/")
            else settings.MAX_REQUEST_BYTES)


def too_large_message(limit, path=""):
    """What a request over limit is told; in the admin, in an editor's words.

    Only a form's files can take an admin form past its limit. There the bare
    "at most 46080 KB" was all an editor who chose a 50 MB photo beside a
    long story was told: not that nothing was saved, nor why, nor what to do.
    """
    if not path.startswith("/admin/"):
        return f"Request too large: at most {limit // 1024} KB may be sent here."
    return (f"Not saved: the form was more than the newsroom takes at once "
            f"({limit // 2**20} MB), because of the file chosen in it. An image can be at "
            f"most {MAX_UPLOAD_BYTES // 2**20} MB. Go back with your browser’s Back button: "
            "what you typed is still in the form, or the form offers it back. Choose a "
            "smaller image there and save again.")


class RequestSizeLimitMiddleware:
    """Refuse request bodies over the limit from their Content-Length, before reading them.

    The admin gets a larger limit for image uploads; everything readers send
    (comments, reports, sign-in) is small.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "HTTP_TRANSFER_ENCODING" in request.META and not request.META.get("CONTENT_LENGTH"):
            # Django reads only the bytes Content-Length announces, so a chunked
            # body would arrive empty, and what the reader sent would be lost.
            return HttpResponse("Send the body with a Content-Length.", status=400,
                                content_type="text/plain")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("Bad Content-Length.", status=400, content_type="text/plain")
        limit = request_size_limit(request.path)
        if length > limit:
            return HttpResponse(too_large_message(limit, request.path), status=413,
                                content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class AdminQueryMiddleware:
    """Refuse a NUL character in an admin query string: 400 rather than a server error.

    The admin hands list-filter values to the database as they come, and
    PostgreSQL refuses a NUL in text outright; public views clean their own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/admin/") and any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.GET.lists()):
            return HttpResponse("Bad query string.", status=400, content_type="text/plain")
        return self.get_response(request)


class HealthCheckMiddleware:
    """/healthz answered before the Host check and the HTTPS redirect.

    Load balancers, edge caches and the image's HEALTHCHECK probe each server
    by its address, over plain HTTP: the Host check answered them 400 (and
    logged an error with its traceback each time) and HTTPS=True a redirect,
    so a server that served readers counted as down. Only GET and HEAD of
    that exact path are taken (other methods go the usual way, to their 405),
    and the answer (core.views.healthz) names no host, no setting and no
    error: `ok`, or which part is down.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != "/healthz" or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        match = resolve(request.path_info)
        request.resolver_match = match  # for the request log's route
        return match.func(request, *match.args, **match.kwargs)


class HeadMiddleware:
    """A HEAD answer's headers, without its body; first, so last to see the answer.

    Views and the page cache answer HEAD as GET, as Django does, and leave
    the body to the server to drop: gunicorn drops it, but logs a warning for
    each (one line per uptime check, or per request of anyone who wants the
    log full). Content-Length stays the GET's, as RFC 9110 9.3.2 allows.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                # Not read: a file being served is still closed by the server's close().
                response.streaming_content = ()
            else:
                if not response.has_header("Content-Length"):
                    response["Content-Length"] = len(response.content)
                response.content = b""
        return response


def accepts_gzip(accept_encoding):
    """Whether an Accept-Encoding header takes gzip: named, or by *, with a q above 0.

    Django's pattern (re_accepts_gzip) looks for the word alone, so
    "gzip;q=0", which refuses it (RFC 9110 12.5.3), got gzip; and it reads
    the word in lower case only, where codings are case-insensitive (8.4.1).
    """
    accept_encoding = accept_encoding.lower()
    if "q=" not in accept_encoding and "*" not in accept_encoding:  # every browser's header
        return re_accepts_gzip.search(accept_encoding) is not None
    weights = {}
    for item in accept_encoding.split(","):
        coding, _, parameters = item.partition(";")
        weight = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
        weights[coding.strip()] = weight
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


class RequestLogMiddleware:
    """One structured line per request: method, route, status, time. No personal data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if not request_log.isEnabledFor(logging.INFO):
            return response
        match = getattr(request, "resolver_match", None)
        request_log.info("request", extra={
            "method": request.method,
            # The route pattern, not the path: no query strings or search terms.
            "route": match.route if match else getattr(request, "page_cache_route", ""),
            "view": match.view_name if match else "",
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "page_cache": response.get("X-Page-Cache", ""),
        })
        return response


class RouteMiddleware:
    """Links (core.seo.route()) made with the request's URLconf, script prefix and language,
    read once as its view is called, not once for each of its page's fifty links.

    After the URL is resolved (process_view()): a request's own URLconf is in force by
    then. Until the answer is made, its page rendered included.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            forget_request_routes()

    def process_view(self, request, view, args, kwargs):
        keep_request_routes()


class UnavailableMiddleware:
    """503, never 500, when the security cache cannot be reached.

    Sign-in, posting and sign-up wait for it rather than go ahead unchecked.
    Views that keep what was typed catch core.ratelimit.Unavailable
    themselves; this answers for the rest, the admin's sign-in among them
    (with the page answer_unavailable_with registered).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, Unavailable):
            return None
        request_log.warning("security cache unavailable", extra={"error": str(exception)})
        for answer in _unavailable_answers:
            response = answer(request)
            if response is not None:
                return response
        response = HttpResponse("This cannot be done for a moment. Please try again in a minute.",
                                status=503, content_type="text/plain")
        response["Retry-After"] = "60"
        return response
