"""gunicorn as the Dockerfile runs it keeps answering while clients are slow or idle.

Connections that send half a request and stop, or drip their headers a byte
at a time (slowloris), must not hold the workers: every other reader is
still answered at once.
"""

import socket
import threading
import time
import urllib.request

import pytest

from .conftest import REQUEST_TIMEOUT, Client, gunicorn_alone

# gunicorn alone, on a SQLite file of its own: the same on any database, so CI runs it in
# one lane (tests/conftest.py).
pytestmark = [pytest.mark.integration, pytest.mark.databaseless]

SLOW = 32  # connections: twice the threads of the four workers the image runs
PROMPT = 2.0  # seconds a normal request may take meanwhile
READ_TIMEOUT = 10  # seconds; core/gunicorn_worker.py


@pytest.fixture(scope="module")
def server(tmp_path_factory, _collected_static):  # its pages link the collected files
    with gunicorn_alone(tmp_path_factory.mktemp("slow-clients")) as server:
        yield server


def _connect(server):
    return socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT)


def _timed_get(server, path="/"):
    started = time.monotonic()
    with urllib.request.urlopen(server.url(path), timeout=REQUEST_TIMEOUT) as response:
        response.read()
        status = response.status
    return status, time.monotonic() - started


def test_production_settings_come_from_the_conf_file(server):
    log = server.log()
    assert "Using worker: core.gunicorn_worker.BufferingThreadWorker" in log
    assert log.count("Booting worker with pid") == 4


def test_half_sent_requests_do_not_hold_the_workers(server):
    hanging = [_connect(server) for _ in range(SLOW)]
    try:
        for connection in hanging:
            connection.sendall(b"GET /articles/ HT")
        time.sleep(1)  # every worker has seen them
        for path in ("/", "/articles/", "/healthz"):
            status, seconds = _timed_get(server, path)
            assert status == 200 and seconds < PROMPT, (path, status, seconds)

        # Those that never finish are disconnected, and their threads were never taken.
        deadline = time.monotonic() + READ_TIMEOUT + 5
        for connection in hanging:
            connection.settimeout(max(0.1, deadline - time.monotonic()))
            assert connection.recv(1024) == b"", "a half-sent request was answered"
    finally:
        for connection in hanging:
            connection.close()


def test_idle_connections_do_not_hold_the_workers(server):
    idle = [_connect(server) for _ in range(SLOW)]
    try:
        time.sleep(1)
        status, seconds = _timed_get(server)
        assert status == 200 and seconds < PROMPT, (status, seconds)
    finally:
        for connection in idle:
            connection.close()


def test_headers_sent_a_byte_at_a_time_do_not_hold_the_workers(server):
    request = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n"
               b"X-Padding: " + b"a" * 200 + b"\r\n\r\n")
    dripping = [_connect(server) for _ in range(SLOW)]
    stop = threading.Event()

    def drip():
        for byte in range(len(request)):
            for connection in dripping:
                try:
                    connection.sendall(request[byte:byte + 1])
                except OSError:
                    pass  # disconnected for being too slow
            if stop.wait(0.25):
                return

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        time.sleep(1)
        for _ in range(5):
            status, seconds = _timed_get(server)
            assert status == 200 and seconds < PROMPT, (status, seconds)
            time.sleep(0.5)
        # Still dripping after READ_TIMEOUT: disconnected, never answered.
        deadline = time.monotonic() + READ_TIMEOUT + 5
        for connection in dripping:
            connection.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                assert connection.recv(1024) == b"", "a dripped request was answered"
            except ConnectionResetError:
                pass
    finally:
        stop.set()
        dripper.join(timeout=10)
        for connection in dripping:
            connection.close()


def test_a_slow_small_body_is_read_before_a_thread_takes_it(server):
    """A POST whose body arrives slowly does not hold a thread while it does."""
    body = b"q=" + b"x" * 100
    posting = [_connect(server) for _ in range(SLOW)]
    try:
        for connection in posting:
            connection.sendall(b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               b"Content-Type: application/x-www-form-urlencoded\r\n"
                               b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
        time.sleep(1)
        status, seconds = _timed_get(server)
        assert status == 200 and seconds < PROMPT, (status, seconds)
    finally:
        for connection in posting:
            connection.close()


def test_a_slow_large_body_is_read_before_a_thread_takes_it(server):
    """An upload-sized body (to a temporary file) does not hold a thread either."""
    posting = [_connect(server) for _ in range(SLOW)]
    try:
        for connection in posting:
            connection.sendall(b"POST /admin/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               b"Content-Type: application/x-www-form-urlencoded\r\n"
                               b"Content-Length: 1000000\r\n\r\nusername=")
        time.sleep(1)
        status, seconds = _timed_get(server)
        assert status == 200 and seconds < PROMPT, (status, seconds)
    finally:
        for connection in posting:
            connection.close()


def test_a_large_body_arrives_whole(server):
    reader = Client()
    assert reader.get(server.url("/accounts/login/")).status == 200
    response = reader.post(server.url("/accounts/login/"), {
        "username": "large-body-reader", "password": "wrong", "padding": "p" * 200_000})
    assert response.status == 200  # the form again: the fields were all read
    assert 'value="large-body-reader"' in response.text


def test_a_body_of_unknown_length_is_refused_at_once(server):
    with _connect(server) as connection:
        connection.sendall(b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        assert connection.recv(1024).startswith(b"HTTP/1.1 411 ")


def test_a_client_that_waits_for_100_continue_gets_it(server):
    with _connect(server) as connection:
        connection.sendall(b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Content-Type: application/x-www-form-urlencoded\r\n"
                           b"Expect: 100-continue\r\nContent-Length: 12\r\n\r\n")
        connection.settimeout(PROMPT)
        assert connection.recv(1024).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        connection.sendall(b"username=ana")
        connection.settimeout(REQUEST_TIMEOUT)
        answer = b""
        while b"HTTP/1.1 403" not in answer:  # no CSRF token: refused, but answered
            chunk = connection.recv(65536)
            assert chunk, answer[:500]
            answer += chunk


@pytest.mark.parametrize(("request_head", "status"), [
    (b"get / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"400 Bad Request"),
    (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon here\r\n\r\n", b"400 Bad Request"),
    (b"GET /\xc3\xa9/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"400 Bad Request"),
    (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"414 URI Too Long"),
], ids=["lower-case method", "header without a colon", "raw UTF-8 path", "long request line"])
def test_a_request_gunicorn_cannot_parse_is_answered_with_its_reason(server, request_head,
                                                                      status):
    # gunicorn writes these answers without blocking; the worker's bounded writes
    # took that for a deadline already passed, and the client got no answer at all.
    with _connect(server) as connection:
        connection.sendall(request_head)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(65536)
            assert chunk, f"closed without an answer: {answer[:200]!r}"
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 " + status + b"\r\n"), answer[:200]
    status_now, seconds = _timed_get(server)
    assert status_now == 200 and seconds < PROMPT
