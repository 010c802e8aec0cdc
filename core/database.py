"""Prepared statements for the rest of a request, where the database backend offers them;
time limits on the queries of processes that answer requests.

The PostgreSQL backend core.backends.postgresql prepares the queries run
while its connection's `prepare_queries` is true: PostgreSQL then plans each
once per connection rather than on every run. Public pages turn it on
(core.pagecache.public_page); it is off again when the request ends.

A process that answers requests (it built the middleware: gunicorn's
workers, runserver) opens its PostgreSQL connections with a lock_timeout
and a statement_timeout (core.backends.postgresql): a table locked for a
minute (a long migration, an ALTER by hand) held every request that read it
for that minute, until every thread waited and even /healthz and cached
pages did. Such a request answers 503 and Retry-After instead (core.busy).
Management commands and the task worker are left without limits: a
migration or an import may need minutes.
"""

from django.conf import settings
from django.db import connections

# Seconds, unless settings say otherwise (DATABASE_LOCK_TIMEOUT, DATABASE_STATEMENT_TIMEOUT).
LOCK_TIMEOUT = 5
STATEMENT_TIMEOUT = 30
_answering_requests = False


def prepare_queries():
    """Prepare the rest of this request's queries on each database that can."""
    for connection in connections.all():
        if hasattr(connection, "prepare_queries"):
            connection.prepare_queries = True


def stop_preparing(**kwargs):
    """Receiver of request_started and request_finished: queries go unprepared again."""
    for connection in connections.all(initialized_only=True):
        if hasattr(connection, "prepare_queries"):
            connection.prepare_queries = False


def answer_requests():
    """Say that this process answers requests: its new connections get web_timeouts()."""
    global _answering_requests
    _answering_requests = True


def web_timeouts():
    """(lock_timeout, statement_timeout) in seconds for this process's new connections,
    or None where there are none (not a process that answers requests; 0 turns one off)."""
    if not _answering_requests:
        return None
    return (getattr(settings, "DATABASE_LOCK_TIMEOUT", LOCK_TIMEOUT),
            getattr(settings, "DATABASE_STATEMENT_TIMEOUT", STATEMENT_TIMEOUT))
