"""gunicorn builds an access-log line only when its access log writes somewhere.

Each case runs in a process of its own: gunicorn's logger applies
gunicorn.conf.py's logging configuration to the whole process.
"""

import json
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# One request through the logger gunicorn.conf.py names, with the settings it
# sets (and `overrides`); prints how often the line's fields were gathered.
SCRIPT = """
import io, json, logging, runpy, sys
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

overrides = json.loads(sys.argv[1])
settings = runpy.run_path("gunicorn.conf.py")
cfg = Config()
for name, value in {**settings, **overrides}.items():
    if name in cfg.settings:
        cfg.set(name, value)
logger = cfg.logger_class(cfg)
gathered = []
atoms = logger.atoms
logger.atoms = lambda *args: gathered.append(1) or atoms(*args)
environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/", "PATH_INFO": "/", "QUERY_STRING": "",
           "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
response = SimpleNamespace(status="200 OK", headers=[("Content-Type", "text/html")], sent=5)
request = SimpleNamespace(headers=[("HOST", "127.0.0.1")])
logger.access(response, request, environ, timedelta(milliseconds=3))
print(json.dumps({"logger": f"{type(logger).__module__}.{type(logger).__name__}",
                  "gathered": len(gathered)}))
"""


def one_request(**overrides):
    result = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(overrides)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout.splitlines()[-1]), result.stderr


def test_with_the_projects_settings_no_access_line_is_built():
    outcome, _ = one_request()
    assert outcome == {"logger": "core.gunicorn_logging.Logger", "gathered": 0}


def test_an_access_log_that_writes_still_gets_its_line():
    logging = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["logconfig_dict"]
    access = {"level": "INFO", "handlers": ["json"], "propagate": False}
    outcome, stderr = one_request(logconfig_dict={
        **logging, "loggers": {**logging["loggers"], "gunicorn.access": access}})
    assert outcome["gathered"] == 1
    line = json.loads(stderr.splitlines()[-1])
    assert line["logger"] == "gunicorn.access"
    assert '"GET / HTTP/1.1" 200 5' in line["message"]


def test_gunicorns_messages_go_where_error_logfile_says(tmp_path):
    """--error-logfile was ignored: logconfig_dict's handler wrote to stderr, which is
    /dev/null under --daemon, so nothing gunicorn said was kept anywhere."""
    import os
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "gunicorn.log"
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "SECRET_KEY": "test-only",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "CACHE_URL": f"filecache://{tmp_path / 'cache'}"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "evadaily.wsgi", "-w", "1",
         "-b", f"127.0.0.1:{port}", "--error-logfile", str(log)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while "Booting worker" not in (log.read_text() if log.exists() else ""):
            assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
            time.sleep(0.1)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    messages = [line["message"] for line in lines]
    assert any(m.startswith("Starting gunicorn") for m in messages), messages
    assert any(m.startswith("Listening at: http://127.0.0.1:") for m in messages), messages
    assert {line["logger"] for line in lines} == {"gunicorn.error"}
    assert "Listening at" not in stderr and "Starting gunicorn" not in stderr, stderr
