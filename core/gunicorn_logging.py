"""gunicorn's logger, without the access-log lines nobody reads (gunicorn.conf.py).

gunicorn decides from its settings alone whether to log each request: any
`logconfig_dict` turns its access log on. Then every request builds a
dictionary of every request header, response header and WSGI variable, the
time formatted, and a log record, before the logging module finds that
`gunicorn.access` has nowhere to write them. The site logs requests itself
(core/middleware.py), and gunicorn.conf.py gives that logger no handler:
the work cost a worker 0.15-0.2 ms of CPU a request, a sixth of a page
served from the page cache (sync workers under wrk, 2026-12-03). Here it is
done only when the access log writes somewhere.

Its own messages name no reader: gunicorn writes the client's address into
every request it refuses ("Invalid request from ip=...") and the request
line, query string and all, into that and into "Error handling request";
the site's logs keep neither (README, Security). Both are taken out here.

gunicorn.conf.py's JSON handler writes where `--error-logfile` says: gunicorn
makes its error log's handler from that setting, then applies
`logconfig_dict`, whose handler for stderr replaced it, so the flag was
ignored, and under `--daemon` (stderr is /dev/null) every message was lost.
"""

import logging
import re
import sys

from gunicorn import glogging


_CLIENT = re.compile(r"^(Invalid request) from ip=\S*?: ")
_QUERY = re.compile(r"\?[^\s'\"]+")


def without_reader(message):
    """gunicorn's message without the client's address or any query string."""
    return _QUERY.sub("?…", _CLIENT.sub(r"\1: ", message))


class Logger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)  # adds the handlers --access-logfile asks for
        if cfg.errorlog != "-":
            self._write_errors_to(cfg.errorlog)
        self.writes_access = (self.access_log.isEnabledFor(logging.INFO)
                              and self.access_log.hasHandlers())

    def _write_errors_to(self, path):
        for handler in list(self.error_log.handlers):
            if type(handler) is logging.StreamHandler and handler.stream is sys.stderr:
                to_file = logging.FileHandler(path, encoding="utf-8")  # reopened on USR1
                to_file.setFormatter(handler.formatter)
                to_file.setLevel(handler.level)
                self.error_log.removeHandler(handler)
                self.error_log.addHandler(to_file)

    def access(self, resp, req, environ, request_time):
        if self.writes_access:
            super().access(resp, req, environ, request_time)

    def _private(self, level, msg, *args, **kwargs):
        message = str(msg) % args if args else str(msg)
        getattr(super(), level)(without_reader(message), **kwargs)

    def critical(self, msg, *args, **kwargs):
        self._private("critical", msg, *args, **kwargs)

    def error(self, msg, *args, **kwargs):
        self._private("error", msg, *args, **kwargs)

    def warning(self, msg, *args, **kwargs):
        self._private("warning", msg, *args, **kwargs)

    def info(self, msg, *args, **kwargs):
        self._private("info", msg, *args, **kwargs)

    def exception(self, msg, *args, **kwargs):
        self._private("exception", msg, *args, **kwargs)
