from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.static import serve

BENCH_BODY = b"x" * 30 * 1024


@never_cache
def healthz(request):
    """200 `ok` when the database and the shared cache answer, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    try:
        cache.set("healthz", "ok", 10)
        if cache.get("healthz") != "ok":
            raise RuntimeError("cache lost a value")
    except Exception:
        return HttpResponse("cache unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


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


def bench_bare(request):
    return HttpResponse(BENCH_BODY, content_type="text/html")

