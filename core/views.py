from functools import cache as remember
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache, caches
from django.db import connection
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve

# How long browsers and caches keep /favicon.ico, in seconds (a week): its
# URL cannot change with its content, as the hashed static names do.
FAVICON_MAX_AGE = 7 * 24 * 3600


@never_cache
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
        "cache": _cache_answers(cache),
        "security cache": _cache_answers(caches["security"]),
    }
    down = [f"{part} unavailable" for part, answered in answers.items() if not answered]
    status = 200 if answers["database"] else 503
    return HttpResponse("\n".join(down) or "ok", status=status, content_type="text/plain")


def _database_answers():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return False
    return True


def _cache_answers(store):
    # The page cache turns an outage into misses, so a value must come back.
    try:
        store.set("healthz", "ok", 10)
        return store.get("healthz") == "ok"
    except Exception:
        return False


def media(request, path):
    """Uploaded images, served by the site itself while they are stored locally.

    So gunicorn alone is a working deployment (DESIGN.md section 3); behind
    a CDN or with object storage this view is not reached.
    """
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except OSError:
        # A name the file system refuses (too long, say) is no file of ours.
        raise Http404("No such file.") from None
    # Originals and renditions never change under one name.
    response["Cache-Control"] = "public, max-age=604800"
    return response


@remember
def _favicon_bytes():
    return Path(finders.find("img/favicon.ico")).read_bytes()


@require_safe
def favicon(request):
    """/favicon.ico, which browsers ask for on every page, the admin's included."""
    response = HttpResponse(_favicon_bytes(), content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = f"public, max-age={FAVICON_MAX_AGE}"
    return response
