import sys
from functools import cache as remember
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache, caches
from django.core.exceptions import SuspiciousFileOperation
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.static import serve

from .busy import busy_response, is_busy
from .images import MEDIA_MAX_AGE, media_tag, who_may_see
from .middleware import takes

# How long browsers and caches keep /favicon.ico, in seconds (a week): its
# URL cannot change with its content, as the hashed static names do.
FAVICON_MAX_AGE = 7 * 24 * 3600
# Seconds a reader, or an edge cache, is asked to wait while the database is away.
DATABASE_RETRY_AFTER = 30


@never_cache
@takes("GET", "HEAD")
def healthz(request):
    """`ok` when every part answers; else a line for each part that does not.

    The parts: the database, the cache (pages, sessions; the site reads from
    the database without it) and the security cache (rate limits, sign-in
    lock-outs; sign-in and posting wait for it). The status is 503 only when
    the database is down: without a cache the site still serves readers, and
    a load balancer that dropped every server during a Redis outage would
    turn a slower site into no site (DESIGN.md section 4).
    """
    answers = {
        "database": _database_answers(),
        "cache": _cache_answers(lambda: cache),
        "security cache": _cache_answers(lambda: caches["security"]),
    }
    down = [f"{part} unavailable" for part, answered in answers.items() if not answered]
    status = 200 if answers["database"] else 503
    response = HttpResponse("\n".join(down) or "ok", status=status,
                            content_type="text/plain; charset=utf-8")
    # Answered before SecurityMiddleware (core.middleware.HealthCheckMiddleware), which
    # would have set it: plain text stays plain text to any browser that opens it.
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _database_answers():
    # A table every migrated database has, not SELECT 1: a DATABASE_URL naming
    # a missing SQLite file opens a new empty one, which answers SELECT 1
    # while every page fails with "no such table".
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM django_migrations LIMIT 1")
    except Exception:
        return False
    return True


def _cache_answers(get_store):
    # The page cache turns an outage into misses, so a value must come back;
    # the security cache raises Unavailable instead (its folder cannot be
    # made, Redis cannot be reached).
    try:
        store = get_store()
        store.set("healthz", "ok", 10)
        return store.get("healthz") == "ok"
    except Exception:
        return False


@takes("GET", "HEAD")
def media(request, path):
    """Uploaded images, served by the site itself while they are stored locally; a
    story's only once it is public (to its newsroom before).

    So gunicorn alone is a working deployment (DESIGN.md section 3); behind
    a CDN or with object storage this view is not reached. An edge cache
    (deploy/varnish/) keeps each file under its tag, and drops it when the
    file is deleted (core.images.purge_from_edge).
    """
    # A story's pictures are its readers' once it is public, and its newsroom's
    # before (core.images.shown_with): a draft's, a scheduled or a taken-down
    # story's answer the 404 of a file that is not there, as its page does, and
    # are never kept by a shared cache (a scheduled one goes public at its time,
    # unasked; a 404 is `private, no-cache`).
    if "\x00" in path:
        # No stored name holds a NUL, and PostgreSQL refuses one in a query (a 500).
        raise Http404("No such file.")
    visibility = who_may_see(path)
    shared = visibility is None or visibility.public
    if not shared and not _may_preview(request.user, visibility.permission):
        raise Http404("No such file.")
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except (OSError, SuspiciousFileOperation):
        # A name the file system refuses (too long, say) is no file of ours, nor
        # is one outside MEDIA_ROOT (../): a 404, not an error logged with a
        # traceback and the server's paths for anyone who sends one.
        raise Http404("No such file.") from None
    if not shared:
        patch_cache_control(response, private=True, no_cache=True)
        return response
    # Originals and renditions never change under one name. A picture deleted
    # (cleared, replaced, its story or author deleted) is purged from the edge
    # caches at once; a browser that loaded it keeps it a day at most.
    response["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}"
    # For edge caches alone, as on pages (core.pagecache): the VCL takes them off.
    # A story's pictures are kept under its tags too: taken down, it takes them along.
    if settings.EDGE_PURGE_URLS or settings.EDGE_CACHE_TAGS:
        tags = [media_tag(path), *(visibility.tags if visibility else ())]
        response["xkey"] = response["Surrogate-Key"] = " ".join(tags)
    return response


def _may_preview(user, permission):
    # As a story's page: staff who may view stories see it before it is public.
    return user.is_staff and user.has_perm(permission)


@remember
def _favicon_bytes():
    return Path(finders.find("img/favicon.ico")).read_bytes()


@takes("GET", "HEAD")
def favicon(request):
    """/favicon.ico, which browsers ask for on every page, the admin's included."""
    response = HttpResponse(_favicon_bytes(), content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = f"public, max-age={FAVICON_MAX_AGE}"
    return response


def server_error(request):
    """handler500: a 500, or a 503 while the database cannot be reached.

    A restart or a fail-over takes the database away for seconds or a
    minute. Readers are told that, and when to come back (Retry-After),
    and a public page's previous copy is served instead where the page
    cache has one (core.pagecache). Django calls this view while it handles
    the error; the database counts as away when the request could not open
    its connection, or when a new connection fails too, so a query that is
    wrong stays a 500.
    """
    error = sys.exc_info()[1]
    if is_busy(error):  # another writer held SQLite's lock past the busy timeout
        return busy_response(request)
    # A connection refused for want of room (PostgreSQL's "too many clients") is the
    # database away too, though a new one a moment later may find a slot freed.
    away = isinstance(error, DatabaseError) and (connection.connection is None
                                                 or not database_reachable())
    if not away:
        # Not Django's view: its CSRF check (requires_csrf_token) reads the
        # form again, and a form that could not be read raised once more.
        return HttpResponseServerError(loader.get_template("500.html").render())
    sent = request.method not in ("GET", "HEAD", "OPTIONS")
    response = HttpResponse(loader.get_template("503.html").render({"sent": sent}), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    patch_cache_control(response, private=True, no_cache=True)
    response.database_unavailable = True
    return response


@never_cache  # whatever page it stands for: a Host refused before the page cache, say
def bad_request(request, exception):
    """handler400: a request that could not be read (SuspiciousOperation, BadRequest).

    Django's view checks CSRF first (requires_csrf_token), which reads the
    form again: a form in a charset other than UTF-8 raised once more there
    and in the 500 view after it, and gunicorn answered with its own page,
    without the site's headers. Nothing here reads the request.
    """
    return HttpResponseBadRequest(loader.get_template("400.html").render())


@never_cache
def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form refused for its token, explained in the site's layout.

    Usually its page belongs to a session that has ended: the reader signed
    out, or in again, in another tab. Django's own view renders 403_csrf.html
    without the request, so without the site's header and footer. reason is
    for the security log (Django writes it there), never for the page.
    """
    return render(request, "403_csrf.html", status=403)


def database_reachable():
    """Whether a new connection to the database opens; the request's own may be broken."""
    try:
        connection.get_new_connection(connection.get_connection_params()).close()
    except Exception:
        return False
    return True
