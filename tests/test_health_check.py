"""A kept PostgreSQL connection is checked before a request uses it, without a round trip.

core.backends.postgresql's is_usable() looks at the socket: a connection the
server ended has its last words waiting there; a healthy idle one has none.
"""

import select
import time
from unittest import mock

import psycopg
import pytest
from django.db import close_old_connections, connection, transaction

from articles.models import Article

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def server_asked(check):
    """check()'s result, and whether it sent anything to the server."""
    with mock.patch.object(connection.connection, "cursor",
                           wraps=connection.connection.cursor) as cursor:
        return check(), cursor.called


def test_an_idle_connection_is_usable_without_asking_the_server():
    connection.ensure_connection()
    assert server_asked(connection.is_usable) == (True, False)


def test_in_a_transaction_the_server_is_asked():
    with transaction.atomic():
        Article.objects.exists()
        assert server_asked(connection.is_usable) == (True, True)


def test_a_connection_the_server_ended_is_replaced_before_the_next_request_uses_it():
    connection.ensure_connection()
    ended = connection.connection
    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [ended.info.backend_pid])
    # The server's farewell reaches the socket at once; wait for it, at most 5 s.
    socket = select.poll()
    socket.register(ended.fileno(), select.POLLIN)
    deadline = time.monotonic() + 5
    while not socket.poll(50) and time.monotonic() < deadline:
        pass

    close_old_connections()  # what Django does as a request starts
    assert Article.objects.count() == 0
    assert connection.connection is not ended and ended.closed
