"""gunicorn's settings for `gunicorn evadaily.wsgi`, read from the current folder.

gunicorn serves clients directly here (the Dockerfile runs nothing in front
of it), so slow or idle clients must not tie up the workers: the worker
reads each request in full before a thread takes it (core/gunicorn_worker.py).
Command-line flags override what is set here.

GUNICORN_BIND and GUNICORN_WORKERS (here) and GUNICORN_THREADS
(core/gunicorn_worker.py) come from the environment only: gunicorn reads them
before the site's settings read `.env`, so a `.env` line for them is ignored.
"""

import os
import re
import sys


def _variable(name, default, valid, what):
    """The variable's value, stripped; default when it is empty. A wrong one stops gunicorn
    with one line naming it, as the site's settings do: GUNICORN_WORKERS=abc ended in a
    traceback, and GUNICORN_WORKERS=0 listened with no worker to answer."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not valid(value):
        sys.exit(f"{name}: {value!r} is not {what}.")  # gunicorn prints a traceback for
    return value                                        # any other exception here


def _count(value):
    return re.fullmatch(r"[0-9]+", value) is not None and int(value) >= 1


def _address(value):
    """host:port or [IPv6]:port (the image's HEALTHCHECK asks on that port), or unix:PATH."""
    if value.startswith("unix:"):
        return len(value) > len("unix:")
    written = re.fullmatch(r"(?:\[[0-9A-Fa-f:.]+\]|[^\s:\[\]/]+):([0-9]+)", value)
    return written is not None and 1 <= int(written[1]) <= 65535


# 127.0.0.1 unless told otherwise; the image listens on 0.0.0.0 (Dockerfile).
# An empty variable means the default, as for the site's settings.
bind = [_variable("GUNICORN_BIND", "127.0.0.1:8000", _address,
                  "an address such as 127.0.0.1:8000, 0.0.0.0:8000 or unix:/run/evadaily.sock")]
workers = int(_variable("GUNICORN_WORKERS", "4", _count, "a whole number of 1 or more, e.g. 4"))
# Threads per worker come from GUNICORN_THREADS (4) in the worker itself: a
# `threads` setting here would turn `--worker-class sync` into gthread. It is
# checked here, where a wrong one can stop gunicorn in one line.
_variable("GUNICORN_THREADS", "4", _count, "a whole number of 1 or more, e.g. 4")
worker_class = "core.gunicorn_worker.BufferingThreadWorker"
worker_connections = 1000  # open connections per worker, idle ones included

# Seconds. keepalive: how long an idle connection is kept between requests.
keepalive = 5
timeout = 30
graceful_timeout = 20

# Requests: gunicorn's limits on the request line (bytes), the number of
# headers and each header's size (bytes); browsers stay far below them.
limit_request_line = 4094
limit_request_fields = 64
limit_request_field_size = 8190

# The site logs each request itself, as JSON without addresses
# (core/middleware.py); gunicorn's own messages take the same form. Its
# access log has no handler, and this logger skips building its lines.
accesslog = None
logger_class = "core.gunicorn_logging.Logger"
loglevel = "info"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logs.JsonFormatter"}},
    "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json",
                          "stream": "ext://sys.stderr"}},
    "root": {"level": "WARNING", "handlers": ["json"]},
    "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False},
                "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False}},
}

# Nothing here uses gunicorn's control socket, and several instances on one
# machine would share its one default path.
control_socket_disable = True
