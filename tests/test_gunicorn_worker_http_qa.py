"""The worker's event loop reads every Content-Length gunicorn's parser would take.

A length of 19 digits or more (00000000000000000000005 is five) went past the
loop's pattern, which read it as no body: the request went to a thread at
once, which then waited up to THREAD_READ_TIMEOUT for a body that never came.
Sixteen such connections, no body sent, held every thread of a four-worker
server for 30 seconds at a time. Here one worker has one thread, so one held
connection would stop the site.
"""

import socket

import pytest

from tests.integration.conftest import REQUEST_TIMEOUT, gunicorn_alone
from tests.test_gunicorn_worker_qa_round import _answer

# gunicorn on a SQLite file of its own: CI runs it in one lane (tests/conftest.py).
pytestmark = pytest.mark.databaseless


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with gunicorn_alone(tmp_path_factory.mktemp("worker-one-thread"),
                        GUNICORN_WORKERS="1", GUNICORN_THREADS="1") as server:
        yield server


def _send_head(server, content_length):
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT)
    connection.sendall(b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Content-Type: application/x-www-form-urlencoded\r\n"
                       b"Content-Length: %s\r\n\r\n" % content_length)
    return connection


def _healthz(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT) as probe:
        probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return _answer(probe)


def test_a_long_written_length_waits_in_the_loop_not_in_a_thread(server):
    with _send_head(server, b"00000000000000000000005") as held:
        assert _healthz(server).startswith(b"HTTP/1.1 200 "), "the only thread was held"
        held.sendall(b"a=b&c")  # the body, five bytes: the request is then answered
        held.settimeout(REQUEST_TIMEOUT)
        assert held.recv(65536).startswith(b"HTTP/1.1 ")


@pytest.mark.parametrize("content_length", [b"5x", b"+5", b"-1", b"0x10", b"5, 5", b""])
def test_a_length_that_is_not_a_number_is_refused_by_the_loop(server, content_length):
    with _send_head(server, content_length) as connection:
        answer = _answer(connection)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert answer.endswith(b"send one Content-Length, a number.")
    assert _healthz(server).startswith(b"HTTP/1.1 200 ")


def test_the_loops_refusals_carry_the_sites_security_headers(server):
    with _send_head(server, b"99999999999999999999999") as connection:
        answer = _answer(connection)
    head = answer.split(b"\r\n\r\n")[0]
    assert head.startswith(b"HTTP/1.1 413 "), answer[:200]
    for header in (b"X-Content-Type-Options: nosniff", b"X-Frame-Options: DENY",
                   b"Content-Security-Policy: default-src 'none'",
                   b"Content-Type: text/plain; charset=utf-8", b"Cache-Control: no-store"):
        assert header in head


def test_gunicorns_own_messages_name_no_address_and_no_query(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT) as bad:
        bad.sendall(b"GET /search/?q=private-words\xff HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _answer(bad).startswith(b"HTTP/1.1 400 ")
    log = server.log()
    assert "Invalid request: " in log
    assert "private-words" not in log and "ip=" not in log
    assert "127.0.0.1" not in log.split("Invalid request")[-1]


def test_a_head_request_leaves_no_warning(server):
    before = server.log().count("no-body response")
    for path in (b"/healthz", b"/no-such-page/"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT) as head:
            head.sendall(b"HEAD %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                         % path)
            assert b"\r\n\r\n" in _answer(head)
    assert server.log().count("no-body response") == before
