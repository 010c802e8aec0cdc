"""Django's PostgreSQL backend, able to prepare the queries of public pages.

Planning a small query costs PostgreSQL more than running it: preparing a
story page's queries cut the server's CPU per cold page from 4.4-5.1 ms to
1.8-2.2 ms (bench/cold_article.py, 2026-12-02). A prepared statement is
planned once per connection and run again with new parameters. Django binds
parameters on the client by default, which cannot prepare; binding them on
the server for every query was measured and refused (evadaily/settings.py):
it caps a query at 65,535 parameters and a kept plan would not fit each
search's words. So only the queries run while `prepare_queries` is true are
prepared: public pages set it (core.database, core.pagecache.public_page),
and their queries are few, fixed in shape and small whatever the archive's
size (PAGE_BUDGETS, tests/articles/test_views.py).

It also checks a kept connection's health without a round trip
(DatabaseWrapper.is_usable), and gives the connections of a process that
answers requests their time limits (core.database.web_timeouts).
"""

import select

from django.db.backends.postgresql import base
from django.db.backends.postgresql.operations import DatabaseOperations as BaseOperations
from django.db.backends.postgresql.psycopg_any import errors
from psycopg import pq

from core.database import web_timeouts


class PreparedCursor(base.ServerBindingCursor):
    """Parameters bound on the server, and every statement prepared from its first run.

    psycopg names each statement and keeps the connection's most recent 100.
    """

    def execute(self, query, params=None, *, prepare=None, binary=None):
        try:
            return super().execute(query, params, prepare=True, binary=binary)
        except errors.FeatureNotSupported:
            # "cached plan must not change result type": a migration run from
            # elsewhere changed a column under a kept plan. Outside a
            # transaction nothing is lost: forget every plan and plan again
            # (any other unsupported feature fails again, and is raised).
            if not self.connection.autocommit:
                raise
            super().execute("DEALLOCATE ALL", prepare=False)
            return super().execute(query, params, prepare=True, binary=binary)


class DatabaseOperations(BaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # What Django's debug logging and query capture show: the statement
        # with its values, as for the queries bound on the client.
        if isinstance(cursor, PreparedCursor):
            try:
                return self.compose_sql(sql, params)
            except errors.DataError:
                pass
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepare_queries = False

    def get_connection_params(self):
        params = super().get_connection_params()
        # Django's None turns psycopg's prepared statements off altogether.
        # Only PreparedCursor binds on the server: the client-side cursors
        # Django uses otherwise never prepare, whatever the threshold.
        params["prepare_threshold"] = 0
        timeouts = web_timeouts()
        if timeouts is not None:
            lock, statement = (int(seconds * 1000) for seconds in timeouts)  # milliseconds
            # Set as the connection opens, at no cost of a round trip; before any
            # `?options=` of DATABASE_URL's, which win (the last -c of a setting counts).
            ours = f"-c lock_timeout={lock} -c statement_timeout={statement}"
            params["options"] = f"{ours} {params['options']}" if params.get("options") else ours
        return params

    def is_usable(self):
        """Django's health check, without a round trip while nothing says otherwise.

        With CONN_HEALTH_CHECKS, Django asks the server (SELECT 1) before a
        request's first query: 0.11 ms of the worker's CPU and 0.08 ms of the
        server's, on a cold story page that takes about 7. An idle connection
        receives nothing it did not ask for, except when the server ends it
        (a restart, pg_terminate_backend(), an idle timeout): then the server
        sends its error and closes the socket. So a connection outside any
        transaction whose socket has nothing to read is usable; in any other
        case Django's check decides. A connection lost without a word (a
        cable cut) fails on its first query instead, and Django drops it.
        """
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if (connection.info.transaction_status == pq.TransactionStatus.IDLE
                and hasattr(select, "poll")):
            socket = select.poll()
            socket.register(connection.fileno(), select.POLLIN)
            if not socket.poll(0):
                return True
        return super().is_usable()

    def create_cursor(self, name=None):
        if name or not self.prepare_queries:
            return super().create_cursor(name)
        connection = self.connection
        factory, connection.cursor_factory = connection.cursor_factory, PreparedCursor
        try:
            return super().create_cursor(name)
        finally:
            connection.cursor_factory = factory
