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

# 127.0.0.1 unless told otherwise; the image listens on 0.0.0.0 (Dockerfile).
# An empty variable means the default, as for the site's settings.
bind = [os.environ.get("GUNICORN_BIND", "").strip() or "127.0.0.1:8000"]
workers = int(os.environ.get("GUNICORN_WORKERS", "").strip() or "4")
# Threads per worker come from GUNICORN_THREADS (4) in the worker itself: a
# `threads` setting here would turn `--worker-class sync` into gthread.
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
