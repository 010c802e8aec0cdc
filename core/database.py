"""Prepared statements for the rest of a request, where the database backend offers them.

The PostgreSQL backend core.backends.postgresql prepares the queries run
while its connection's `prepare_queries` is true: PostgreSQL then plans each
once per connection rather than on every run. Public pages turn it on
(core.pagecache.public_page); it is off again when the request ends.
"""

from django.db import connections


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
