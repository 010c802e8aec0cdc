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
"""

import http.client
import subprocess
import tempfile
import time
from pathlib import Path

from tests.redis_server import free_port

VARNISHD = "/usr/sbin/varnishd"
VARNISHADM = "/usr/bin/varnishadm"
CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "varnish"
START_SECONDS = 30  # compiling the VCL takes a C compiler run
STOP_SECONDS = 10


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

