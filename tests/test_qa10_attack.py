"""QA round 10: a hostile reader's requests against the public site and reader accounts."""

import socket

import pytest

from tests.integration.conftest import REQUEST_TIMEOUT, gunicorn_alone
from tests.test_gunicorn_worker_qa_round import _answer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with gunicorn_alone(tmp_path_factory.mktemp("qa10-attack"), GUNICORN_WORKERS="1") as server:
        yield server


def _raw(server, request):
    with socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT) as sock:
        sock.sendall(request)
        return _answer(sock)


# Requests gunicorn's parser refuses before the site sees them: its answers were an
# HTML page quoting the request, without the headers every other answer carries.
PARSER_REFUSALS = {
    "a header name with markup": (
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad<script>x</script>: 1\r\n\r\n", b"400"),
    "a request line too long": (
        b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"414"),
    "a header too long": (
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n", b"431"),
}


@pytest.mark.databaseless
@pytest.mark.parametrize("request_bytes, status", PARSER_REFUSALS.values(),
                         ids=PARSER_REFUSALS.keys())
def test_gunicorns_own_refusals_are_plain_text_with_the_sites_headers(server, request_bytes,
                                                                      status):
    answer = _raw(server, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 " + status + b" "), answer[:300]
    for header in (b"Content-Type: text/plain; charset=utf-8", b"X-Content-Type-Options: nosniff",
                   b"X-Frame-Options: DENY", b"Content-Security-Policy: default-src 'none'",
                   b"Cache-Control: no-store"):
        assert header in head
    assert body and b"<html" not in body  # the reason, as text
