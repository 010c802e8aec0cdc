"""The gunicorn worker refuses a body over the site's limit before the client sends it.

RequestSizeLimitMiddleware refuses it from its Content-Length too, but only
once the worker has read the whole body: 3 MB trickled to the sign-in page
took six seconds to be refused, and 40 MB to the admin's sign-in were read in
full. These run a real gunicorn, as the Dockerfile starts it, on a free port
of 127.0.0.1, and send a request's head alone: the answer must come without
its body.
"""

import socket
import time

import pytest
from django.conf import settings

from core.gunicorn_worker import body_limit
from tests.integration.conftest import REQUEST_TIMEOUT, gunicorn_alone

# The same on any database: CI runs it in one lane (tests/conftest.py).
pytestmark = pytest.mark.databaseless

PROMPT = 2.0  # seconds; the worker's read timeout, which ends a request that waits, is 10


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with gunicorn_alone(tmp_path_factory.mktemp("worker")) as server:
        yield server


def _head(server, path, length, method=b"POST", extra=b""):
    """A connection that has sent a request's head, announcing length bytes of body, and no body."""
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT)
    connection.sendall(b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Content-Type: application/octet-stream\r\n%s"
                       b"Content-Length: %d\r\n\r\n" % (method, path, extra, length))
    return connection


def _answer(connection, seconds=PROMPT):
    """All the client receives within seconds, until the server closes the connection."""
    connection.settimeout(seconds)
    answer = b""
    try:
        while chunk := connection.recv(65536):
            answer += chunk
    except TimeoutError:
        pass
    return answer


def test_the_server_runs_this_worker(server):
    assert "Using worker: core.gunicorn_worker.BufferingThreadWorker" in server.log()


@pytest.mark.parametrize(("path", "admin"), [
    (b"/accounts/login/", False),
    (b"/comments/1/report/", False),
    (b"/admin/login/", True),
    (b"/%61dmin/login/", True),  # Django reads it as /admin/login/
    (b"http://127.0.0.1/admin/login/", True),  # the absolute form
])
def test_a_body_over_the_paths_limit_is_refused_before_it_is_sent(server, path, admin):
    limit = settings.ADMIN_MAX_REQUEST_BYTES if admin else settings.MAX_REQUEST_BYTES
    started = time.monotonic()
    with _head(server, path, limit + 1) as connection:
        answer = _answer(connection)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert time.monotonic() - started < PROMPT
    assert b"Connection: close" in answer  # and closed: _answer read to the end
    if admin:  # an editor's words (core.middleware.too_large_message)
        assert answer.endswith("Choose a smaller image there and save again.".encode())
    else:
        assert answer.endswith(b"at most %d KB may be sent here." % (limit // 1024))


def test_a_client_that_waits_for_100_continue_is_refused_instead(server):
    with _head(server, b"/accounts/login/", 3_000_000,
               extra=b"Expect: 100-continue\r\n") as connection:
        answer = _answer(connection)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"100 Continue" not in answer


def test_a_body_at_the_limit_is_read_and_answered(server):
    with _head(server, b"/accounts/login/", settings.MAX_REQUEST_BYTES,
               method=b"OPTIONS") as connection:
        assert _answer(connection, seconds=0.5) == b""  # the server waits for the body
        connection.sendall(b"x" * settings.MAX_REQUEST_BYTES)
        connection.settimeout(REQUEST_TIMEOUT)
        assert connection.recv(65536).startswith(b"HTTP/1.1 200 OK\r\n")


def test_an_admin_upload_over_the_readers_limit_is_waited_for(server):
    with _head(server, b"/admin/articles/article/add/", settings.ADMIN_MAX_REQUEST_BYTES) as (
            connection):
        assert _answer(connection, seconds=0.5) == b""


def test_a_body_of_unknown_length_is_still_refused_unread(server):
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT)
    with connection:
        connection.sendall(b"POST /admin/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n")
        assert _answer(connection).startswith(b"HTTP/1.1 411 ")


@pytest.mark.parametrize(("head", "admin"), [
    (b"POST /accounts/login/ HTTP/1.1\r\nHost: x", False),
    (b"POST /admin/ HTTP/1.1", True),
    (b"POST /admin/articles/article/1/change/?_changelist_filters=x HTTP/1.1", True),
    (b"\r\nPOST /admin/login/ HTTP/1.1", True),  # an empty line first, which gunicorn skips
    (b"POST /%61dmin/login/ HTTP/1.1", True),
    (b"POST https://example.com/admin/login/ HTTP/1.1", True),
    (b"POST /administration/ HTTP/1.1", False),
    (b"POST /accounts/admin/ HTTP/1.1", False),
    (b"POST //admin/login/ HTTP/1.1", False),  # Django's request.path is //admin/login/
    (b"POST", False),  # no target: gunicorn refuses it
    (b"POST http://[bad/admin/ HTTP/1.1", False),
])
def test_the_limit_is_the_middlewares_for_the_path_django_reads(head, admin):
    assert body_limit(head) == (settings.ADMIN_MAX_REQUEST_BYTES if admin
                                else settings.MAX_REQUEST_BYTES)
