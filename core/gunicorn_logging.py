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
"""

import logging

from gunicorn import glogging


class Logger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)  # adds the handlers --access-logfile asks for
        self.writes_access = (self.access_log.isEnabledFor(logging.INFO)
                              and self.access_log.hasHandlers())

    def access(self, resp, req, environ, request_time):
        if self.writes_access:
            super().access(resp, req, environ, request_time)
