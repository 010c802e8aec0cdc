"""The cold article page's floor: what it costs with no ORM and no templates.

Each worker asks itself for a story's page once, through the whole site,
and keeps the SQL that request sent and the bytes it answered. From then on

    /bench-floor/<slug>/          sends that SQL again, as it was sent (with
                                  its parameters, prepared as the page's are:
                                  core.database), and answers the same bytes;
    /bench-floor/<slug>/bytes/    answers the bytes alone.

Both pass through the site's whole middleware stack, so the first is the
fastest the cold article could be with the database work it does now, and
the second what the stack costs around any page of that size. Benchmark
only: evadaily/urls.py does not include these, and floor_settings.py adds
them after the site's own patterns.
"""

from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse

from core.database import prepare_queries
from evadaily.urls import urlpatterns as site_patterns

_RENDERED = {}  # slug -> ([(SQL, parameters) of each query the page ran], its body)


def _rendered(request, slug):
    if slug not in _RENDERED:
        page = reverse("articles:detail", args=[slug])
        statements = []

        def record(execute, sql, params, many, context):
            statements.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            response = Client(HTTP_HOST=request.get_host()).get(page)
        if response.status_code != 200:
            raise ValueError(f"{page} answered {response.status_code}")
        _RENDERED[slug] = (statements, response.content)
    return _RENDERED[slug]


def queries_and_bytes(request, slug):
    statements, body = _rendered(request, slug)
    prepare_queries()
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()
    response = HttpResponse(body)
    response["X-Floor-Queries"] = str(len(statements))
    return response


def bytes_only(request, slug):
    return HttpResponse(_rendered(request, slug)[1])


urlpatterns = [
    *site_patterns,
    path("bench-floor/<slug:slug>/", queries_and_bytes),
    path("bench-floor/<slug:slug>/bytes/", bytes_only),
]
