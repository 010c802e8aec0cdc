"""A varnishd of a test's own, running the shipped deploy/varnish/default.vcl unchanged.

Only the app servers differ: the harness writes its own backends.vcl into a
temporary folder that comes before deploy/varnish/ on varnishd's vcl_path, so
default.vcl's `include "backends.vcl"` finds it there, as an operator's file
in /etc/varnish/ would be found.

    with Varnish(backends=[("127.0.0.1", 8123)]) as edge:
        urllib.request.urlopen(edge.url + "/articles/")

It listens on a free port at 127.0.0.1 (or one chosen in advance, for app
servers that must know where to purge before the cache starts) and is
stopped by its PID.

Backend is an app server in a thread for the edge's rules alone, scripted by
each test. The fixtures `backend`, `varnish` (default.vcl in front of it, one
of each per module) and `unique` (paths and tags of a test's own) are for every
test module: tests/conftest.py loads this module as a plugin.
"""

import gzip
import http.client
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.redis_server import free_port

VARNISHD = "/usr/sbin/varnishd"
VARNISHADM = "/usr/bin/varnishadm"
CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "varnish"
START_SECONDS = 30  # compiling the VCL takes a C compiler run
STOP_SECONDS = 10
# What the site sends on a public page (the contract), and on a personal one.
PUBLIC = "public, max-age=60, s-maxage=600, stale-while-revalidate=30"
PRIVATE = "private, no-cache"
TIMEOUT = 5  # seconds, for every request a test makes


class Varnish:
    """varnishd in the foreground (-F) with default.vcl in front of backends [(host, port), ...].

    Several backends are spread over by a round-robin director with probes on
    /healthz, as backends.vcl's commented example does.
    """

    def __init__(self, backends, storage="malloc,32m", port=None):
        self.backends = list(backends)
        self.storage = storage
        self._chosen_port = port  # None: a free one, found at start()
        self.port = None
        self.process = None
        self._folder = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def purge_url(self):
        """What EDGE_PURGE_URLS lists for this cache."""
        return self.url + "/"

    def command(self):
        folder = Path(self._folder.name)
        return [
            VARNISHD, "-F",
            "-a", f"127.0.0.1:{self.port}",
            "-T", "127.0.0.1:0",
            "-n", str(folder / "work"),
            "-p", f"vcl_path={folder}:{CONFIG}",
            # Runs as whoever starts it, root included: the default jail would
            # switch to the varnish users, who cannot enter a private temp folder.
            "-j", "none",
            "-f", "default.vcl",
            "-s", self.storage,
            # Without the VCL's own grace, objects would get none: a test can
            # tell that the VCL sets it (production keeps the 10 s default).
            "-p", "default_grace=0s",
            "-P", str(folder / "varnishd.pid"),
        ]

    def start(self):
        self._folder = tempfile.TemporaryDirectory(prefix="varnish-")
        folder = Path(self._folder.name)
        (folder / "backends.vcl").write_text(backends_vcl(self.backends))
        self.port = self._chosen_port or free_port()
        self._log_path = folder / "varnishd.log"
        with open(self._log_path, "wb") as log:
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)
        try:
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_answering(self):
        """Until varnishd answers HTTP: a PURGE without tags is answered by the VCL alone."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"varnishd exited {self.process.returncode}:\n{self.log()}")
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("PURGE", "/")
                connection.getresponse().read()
                return
            except OSError:
                time.sleep(0.1)
            finally:
                connection.close()
        raise AssertionError(f"varnishd did not answer within {START_SECONDS} s:\n{self.log()}")

    def health(self):
        """{backend or director: "healthy" or "sick"}, as the probes find them now."""
        listing = subprocess.run(
            [VARNISHADM, "-n", str(Path(self._folder.name) / "work"), "backend.list"],
            capture_output=True, text=True, check=True, timeout=STOP_SECONDS).stdout
        return {name: health for name, _, _, health, *_ in
                (line.split() for line in listing.splitlines()[1:] if line.strip())}

    def log(self):
        try:
            return self._log_path.read_text(errors="replace")
        except (AttributeError, OSError):
            return ""

    def stop(self):
        """Stop varnishd by its PID (the cache child exits with it); then remove its folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_SECONDS)
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def backends_vcl(backends):
    """A backends.vcl for default.vcl: one backend, or a round robin over several."""
    if not backends:
        raise ValueError("Varnish needs at least one backend")
    if len(backends) == 1:
        (host, port), = backends
        return f'backend default {{ .host = "{host}"; .port = "{port}"; }}\n'
    lines = [
        "probe healthz {",
        '    .request = "GET /healthz HTTP/1.1" "Host: 127.0.0.1" "Connection: close";',
        "    .timeout = 1s;",
        "    .interval = 1s;",
        "    .window = 3;",
        "    .threshold = 2;",
        "    .initial = 2;",  # healthy from the start, not after the first probe
        "}",
    ]
    for number, (host, port) in enumerate(backends, 1):
        lines.append(f'backend app{number} {{ .host = "{host}"; .port = "{port}"; '
                     f".probe = healthz; }}")
    lines += ["sub vcl_init {", "    new app = directors.round_robin();"]
    lines += [f"    app.add_backend(app{number});" for number in range(1, len(backends) + 1)]
    lines += ["}", "sub vcl_recv {", "    set req.backend_hint = app.backend();", "}"]
    return "\n".join(lines) + "\n"


class Backend:
    """An app server in a thread: counts requests per path, answers with the headers set for it.

    The body names the path and how many times it was asked for ("/a #2"), so a
    test can tell a stored answer from a fresh one.
    """

    def __init__(self, port=0):
        self.hits = Counter()
        self.seen = {}  # path -> the headers of its last request
        self.purges = []  # xkey-purge headers of PURGE requests (as an edge cache would get them)
        self.answers = {}  # path -> [(header, value), ...]
        self.statuses = {}  # path -> the status it is answered with, when not 200
        # Every request, /healthz included, answered 503 and private, as the
        # site answers while its database is away (core.views.server_error).
        self.down = False
        self.compressing = set()  # paths answered with gzip when asked, as the site does
        self.delays = {}  # path -> seconds its answer waits, as a page being rendered
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def address(self):
        return self.server.server_address

    def answer(self, path, *headers, status=200):
        """Answer path with status and these (header, value) pairs; by default a public page
        tagged `site`."""
        self.answers[path] = list(headers)
        self.statuses[path] = status

    def _handler(self):
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _respond(self, body=True):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                path = self.path
                with backend.lock:
                    backend.hits[path] += 1
                    backend.seen[path] = self.headers
                    number = backend.hits[path]
                headers = backend.answers.get(path, [("Cache-Control", PUBLIC), ("xkey", "site")])
                status = backend.statuses.get(path, 200)
                if backend.down:
                    headers, status = [("Cache-Control", PRIVATE), ("Retry-After", "30")], 503
                content = f"{path} #{number}".encode()
                time.sleep(backend.delays.get(path, 0))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                if path in backend.compressing:
                    self.send_header("Vary", "Accept-Encoding")
                    if "gzip" in self.headers.get("Accept-Encoding", ""):
                        content = gzip.compress(content)
                        self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if body:
                    self.wfile.write(content)

            def do_GET(self):
                self._respond()

            def do_POST(self):
                self._respond()

            def do_HEAD(self):
                self._respond(body=False)

            def do_PURGE(self):
                with backend.lock:
                    backend.purges.append(self.headers["xkey-purge"])
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=TIMEOUT)


# The edge tests' fixtures (tests/conftest.py loads this module as a plugin): one app
# server and one varnishd in front of it for each module that asks, and paths and tags
# of each test's own.

@pytest.fixture(scope="module")
def backend():
    with Backend() as backend:
        yield backend


@pytest.fixture(scope="module")
def varnish(backend):
    with Varnish(backends=[backend.address]) as varnish:
        yield varnish


@pytest.fixture
def unique():
    """A prefix for this test's paths and tags: the cache lives for the whole module."""
    return uuid.uuid4().hex[:12]
