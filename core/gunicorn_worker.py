"""A gunicorn worker whose threads never wait for a client (gunicorn.conf.py).

gunicorn's gthread worker hands each new connection to a thread, which then
reads the request from the socket: a client that sends half a request line
and stops holds that thread for good, and one that sends nothing holds it
for five seconds. A few such connections stop a server that has no buffering
proxy in front of it. Here the worker's event loop reads every request whole,
without blocking, before a thread takes it: the request line and headers
within READ_TIMEOUT, the body at MIN_BODY_RATE at least (large bodies, the
admin's uploads, go to a temporary file). A client that is slower is
disconnected. A body larger than the site takes at its path is refused from
its Content-Length as soon as the head is in, and the connection closed
without reading the body (body_limit). A thread's writes to a client are
bounded in time too.
"""

import errno
import os
import re
import selectors
import socket
import tempfile
import time
from concurrent import futures
from functools import partial

from gunicorn import util
from gunicorn.http import wsgi
from gunicorn.http2 import negotiation
from gunicorn.util import split_request_uri, unquote_to_wsgi_str
from gunicorn.workers.gthread import TConn, ThreadWorker

READ_TIMEOUT = 10  # seconds for a request's line and headers to arrive
MIN_BODY_RATE = 16 * 1024  # bytes a second, on average, after READ_TIMEOUT's grace
MAX_HEAD = 64 * 1024  # bytes; far above what browsers send
MEMORY_BODY = 64 * 1024  # bytes; a larger body waits in a temporary file
THREAD_READ_TIMEOUT = 30  # seconds; a thread should find the request already read
WRITE_TIMEOUT = 30  # seconds for one write of a response to reach a client
DEFAULT_THREADS = int(os.environ.get("GUNICORN_THREADS", "").strip() or "4")  # empty: the default

_HEAD_END = re.compile(rb"\r?\n\r?\n")
# The request line's target: /path?query, or http://host/path in absolute form.
_TARGET = re.compile(rb"[\r\n]*[^ \r\n]+ +([^ \r\n]+)")
# Every Content-Length line, whatever its value: one this loop cannot read must
# not reach a thread, which would then wait for the body gunicorn's parser
# reads from it (it takes any run of digits, 00000000000000000000005 too).
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:([^\r\n]*)", re.IGNORECASE | re.MULTILINE)
_DIGITS = re.compile(rb"[0-9]+")
# The site's own answers carry these (core/middleware.py); the loop's refusals
# are plain text with nothing to run, frame or refer from, and say so too.
_REFUSAL_HEADERS = (b"Content-Type: text/plain; charset=utf-8\r\n"
                    b"Cache-Control: no-store\r\n"
                    b"X-Content-Type-Options: nosniff\r\n"
                    b"X-Frame-Options: DENY\r\n"
                    b"Referrer-Policy: strict-origin-when-cross-origin\r\n"
                    b"Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n")
_TRANSFER_ENCODING = re.compile(rb"^transfer-encoding[ \t]*:", re.IGNORECASE | re.MULTILINE)
_EXPECT_CONTINUE = re.compile(rb"^expect[ \t]*:[ \t]*100-continue[ \t]*\r?$",
                              re.IGNORECASE | re.MULTILINE)


def write_error(sock, status_int, reason, mesg):
    """gunicorn's answer to a request its parser refuses (400, 414, 431...) or to an error
    past the site (500), written as the loop's refusals are: plain text with their headers.

    gunicorn's own (util.write_error, which it calls for every such answer) was an
    HTML page that quotes the request back (a header's name, the request line),
    with no nosniff, CSP or frame options: the only answers of the site without them.
    """
    body = (f"{reason}: {mesg}" if mesg else reason).encode("utf-8", "replace")
    head = b"HTTP/1.1 %d %s\r\nConnection: close\r\n%sContent-Length: %d\r\n\r\n" % (
        status_int, reason.encode("latin-1", "replace"), _REFUSAL_HEADERS, len(body))
    util.write_nonblock(sock, head + body)


util.write_error = write_error  # gunicorn's workers call it through the module

_gunicorn_head = wsgi.Response.default_headers


def default_headers(self):
    """gunicorn's own lines of every answer's head, without `Server: gunicorn`.

    Readers learn nothing of the software that answers them (the edge cache takes
    off its own and the app servers' names too, deploy/varnish/default.vcl): a
    name only helps someone looking for a known flaw in it. No setting of
    gunicorn's leaves the line out, and the site's middleware never sees it.
    """
    return [line for line in _gunicorn_head(self) if not line.lower().startswith("server:")]


wsgi.Response.default_headers = default_headers  # every worker's answers are wsgi.Response


def body_limit(head):
    """The most bytes of body the site takes with this request head: the limit
    RequestSizeLimitMiddleware (core/middleware.py) applies to its path.

    Applied here, from the request line and Content-Length, a body over it is
    refused before the client sends it; the middleware refuses it again under
    other servers. Read per request: the worker has loaded the site by then.
    """
    from core.middleware import request_size_limit

    return request_size_limit(_path(head))


def _path(head):
    """The request's path as Django's request.path has it: without an absolute form's
    scheme and host, percent-decoded (/%61dmin/ is the admin); "" for none."""
    target = _TARGET.match(head)
    try:
        return unquote_to_wsgi_str(split_request_uri(target[1].decode("latin-1")).path)
    except (TypeError, ValueError):  # no target, or one gunicorn refuses (400)
        return ""


class TooSlow(ConnectionResetError):
    """The client took too long; treated like a client that went away."""

    def __init__(self):
        super().__init__(errno.ECONNRESET, "client too slow")


class ClientSocket:
    """A client's socket: reads are served from what the event loop read, then by a deadline."""

    def __init__(self, sock):
        self.raw = sock
        self.buffered = bytearray()
        self.spool = None  # a temporary file after buffered, for a large body
        self.read_deadline = None  # time.monotonic(); set when a thread takes the request

    def __getattr__(self, name):
        return getattr(self.raw, name)

    def fileno(self):
        return self.raw.fileno()

    def recv(self, size, *flags):
        if self.buffered:
            data = bytes(self.buffered[:size])
            del self.buffered[:size]
            return data
        if self.spool is not None:
            data = self.spool.read(size)
            if data:
                return data
            self.close_spool()
        if self.read_deadline is None:
            return self.raw.recv(size, *flags)
        return self._bounded(self.read_deadline - time.monotonic(), self.raw.recv, size, *flags)

    def sendall(self, data, *flags):
        return self._bounded(WRITE_TIMEOUT, self.raw.sendall, data, *flags)

    def send(self, data, *flags):
        return self._bounded(WRITE_TIMEOUT, self.raw.send, data, *flags)

    def sendfile(self, file, offset=0, count=None):
        return self._bounded(WRITE_TIMEOUT, self.raw.sendfile, file, offset, count)

    def close_spool(self):
        if self.spool is not None:
            self.spool.close()
            self.spool = None

    def close(self):
        self.close_spool()
        self.raw.close()

    def _bounded(self, seconds, method, *args):
        prior = self.raw.gettimeout()
        if prior == 0.0:
            # Non-blocking: gunicorn's best-effort writes (write_nonblock), such as
            # the 400 for a request it cannot parse. Bounding them would refuse them.
            return method(*args)
        if prior is not None and prior < seconds:
            seconds = prior  # a shorter bound set by gunicorn itself
        if seconds <= 0:
            raise TooSlow()
        self.raw.settimeout(seconds)
        try:
            return method(*args)
        except TimeoutError:
            raise TooSlow() from None
        finally:
            self.raw.settimeout(prior)


class BufferedConn(TConn):
    def __init__(self, cfg, sock, client, server):
        super().__init__(cfg, ClientSocket(sock), client, server)
        self.body_left = None  # bytes of the body still to come, once the head is in
        self.body_received = 0
        self.body_started = 0.0  # time.monotonic()

    def init(self):
        super().init()
        # Called by the thread for every request it takes on this connection.
        self.sock.read_deadline = time.monotonic() + THREAD_READ_TIMEOUT

    def close(self, graceful=False):
        """Close without waiting for the client: this runs in the event loop.

        gthread's graceful close waits up to two seconds for the client to
        hang up; here only what it has already sent is drained, so that the
        last response is not cut short by a reset.
        """
        sock = self.sock.raw
        try:
            if graceful:
                sock.shutdown(socket.SHUT_WR)
                sock.setblocking(False)
                for _ in range(16):
                    if not sock.recv(4096):
                        break
        except OSError:
            pass
        finally:
            self.sock.close()


class BufferingThreadWorker(ThreadWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reading = {}  # connection -> deadline

    def get_thread_pool(self):
        threads = self.cfg.threads if self.cfg.threads > 1 else DEFAULT_THREADS
        return futures.ThreadPoolExecutor(max_workers=threads)

    def accept(self, listener):
        try:
            sock, client = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        if self.cfg.is_ssl or negotiation.prior_knowledge_allowed(self.cfg, client):
            # TLS and HTTP/2 prior knowledge read the socket first: gthread's own way.
            sock.setblocking(True)
            self.enqueue_req(TConn(self.cfg, sock, client, listener.getsockname()))
            return
        self._read_request(BufferedConn(self.cfg, sock, client, listener.getsockname()))

    def on_client_socket_readable(self, conn, client):
        """A kept-alive connection sends its next request: read it here too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        if isinstance(conn, BufferedConn):
            self._read_request(conn)
        else:
            self.enqueue_req(conn)

    def finish_request(self, conn, fs):
        super().finish_request(conn, fs)
        # A pipelined request read along with the last one will not wake the poller.
        if (isinstance(conn, BufferedConn) and (conn.sock.buffered or conn.sock.spool)
                and conn in self.keepalived_conns):
            self.keepalived_conns.remove(conn)
            self.poller.unregister(conn.sock)
            if conn.sock.spool is not None:  # rare: keep it simple, read it afresh
                conn.sock.buffered += conn.sock.spool.read()
                conn.sock.close_spool()
            self._read_request(conn)
            self._on_readable(conn, conn.sock, received=b"")

    def _read_request(self, conn):
        conn.body_left = None
        conn.sock.read_deadline = None
        conn.sock.setblocking(False)
        self.reading[conn] = time.monotonic() + READ_TIMEOUT
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _on_readable(self, conn, client, received=None):
        sock = conn.sock
        if received is None:
            try:
                received = sock.raw.recv(256 * 1024)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                received = b""
            if not received:
                self._drop(conn)
                return
        if conn.body_left is not None:
            self._take_body(conn, received)
            return
        sock.buffered += received
        head = _HEAD_END.search(sock.buffered)
        if head is None:
            if len(sock.buffered) > MAX_HEAD:
                self._refuse(conn, b"431 Request Header Fields Too Large")
            return
        lengths = _CONTENT_LENGTH.findall(sock.buffered, 0, head.start())
        if _TRANSFER_ENCODING.search(sock.buffered, 0, head.start()):
            # A body of unknown length: the site wants a Content-Length anyway.
            self._refuse(conn, b"411 Length Required")
            return
        lengths = [value.strip(b" \t") for value in lengths]
        if len(lengths) > 1 or not all(_DIGITS.fullmatch(value) for value in lengths):
            # Ambiguous, or not a length: refused here, before a thread takes it.
            self._refuse(conn, b"400 Bad Request", b"Bad request: send one Content-Length, a number.")
            return
        length = int(lengths[0]) if lengths else 0
        limit = body_limit(sock.buffered[:head.start()])
        if length > limit:
            # Before a 100 Continue, and without reading the body: the client may stop sending.
            from core.middleware import too_large_message  # the site is loaded by now

            message = too_large_message(limit, _path(sock.buffered[:head.start()]))
            self._refuse(conn, b"413 Content Too Large", message.encode())
            return
        body = sock.buffered[head.end():]
        del sock.buffered[head.end():]
        conn.body_left, conn.body_received = length, 0
        conn.body_started = time.monotonic()
        if length > MEMORY_BODY:
            sock.spool = tempfile.TemporaryFile()
        if length > len(body) and _EXPECT_CONTINUE.search(sock.buffered, 0, head.start()):
            # The client waits for this before it sends the body (gunicorn sends
            # it again later, which clients ignore).
            self._send(conn, b"HTTP/1.1 100 Continue\r\n\r\n")
        self._take_body(conn, body)

    def _take_body(self, conn, data):
        sock = conn.sock
        if sock.spool is not None:
            sock.spool.write(data)
        else:
            sock.buffered += data
        conn.body_left -= len(data)
        conn.body_received += len(data)
        if conn.body_left <= 0:
            if sock.spool is not None:
                sock.spool.seek(0)
            self._hand_over(conn)
            return
        # After READ_TIMEOUT's grace the body must keep up MIN_BODY_RATE on average.
        earned = conn.body_started + READ_TIMEOUT + conn.body_received / MIN_BODY_RATE
        self.reading[conn] = max(self.reading[conn], earned)

    def _hand_over(self, conn):
        del self.reading[conn]
        self.poller.unregister(conn.sock)
        conn.data_ready = True
        self.enqueue_req(conn)

    def _refuse(self, conn, status, text=b""):
        self._send(conn, b"HTTP/1.1 %s\r\nConnection: close\r\n%sContent-Length: %d\r\n\r\n%s"
                   % (status, _REFUSAL_HEADERS, len(text), text))
        self._drop(conn)

    @staticmethod
    def _send(conn, data):
        """A few bytes, without waiting: a client that cannot take them loses them."""
        try:
            conn.sock.raw.send(data)
        except OSError:
            pass

    def _drop(self, conn):
        del self.reading[conn]
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self):
        super().murder_pending()
        now = time.monotonic()
        for conn, deadline in list(self.reading.items()):
            # A stopping worker drops at once the connections that sent nothing.
            if deadline <= now or not (self.alive or conn.sock.buffered):
                self._drop(conn)
