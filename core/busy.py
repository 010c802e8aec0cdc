"""A request that finds the database busy gets a 503 saying so, not a 500.

SQLite has one write lock: a writer waits for it up to the busy timeout
(settings.DATABASES, 20 s), then fails with "database is locked". An editor
who saved a story while a large import held the lock got a 500, as for a
fault of ours, and thought what they typed was lost. On PostgreSQL a request
waits for a lock at most lock_timeout and runs a statement at most
statement_timeout (core.database); past either, the same. core.views.server_error
answers such a request with a 503 and Retry-After: the site is busy, try
again in a moment. After a form's post the page says to go back: browsers
show the form again with what was typed (Chromium does even for the admin's
no-store pages).
"""

from django.db import OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import patch_cache_control

# Seconds a reader, or a client, is asked to wait before trying again.
RETRY_AFTER = 10
# PostgreSQL's SQLSTATEs: waited lock_timeout for another's lock; ran past
# statement_timeout (or was cancelled by an operator).
LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"


def is_busy(error):
    """Whether a database error means another writer held the lock too long, or the
    database took too long to answer.

    SQLite says "database is locked" once the busy timeout has passed, and
    "database table is locked" for a lock held in its shared cache (tests).
    """
    if not isinstance(error, OperationalError):
        return False
    return "is locked" in str(error) or _sqlstate(error) in (LOCK_NOT_AVAILABLE, QUERY_CANCELED)


def ran_too_long(error):
    """Whether a database error is a statement of ours that ran past statement_timeout."""
    return isinstance(error, OperationalError) and _sqlstate(error) == QUERY_CANCELED


def _sqlstate(error):
    # Django's error wraps the driver's, which names the condition.
    return getattr(error.__cause__, "sqlstate", None)


def busy_response(request):
    """The 503 page for a request the database was too busy to answer."""
    sent = request.method not in ("GET", "HEAD", "OPTIONS")
    response = HttpResponse(loader.get_template("503_busy.html").render({"sent": sent}),
                            status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    patch_cache_control(response, private=True, no_cache=True)
    # A public page's previous copy is served instead, where the page cache has one.
    response.database_unavailable = True
    return response
