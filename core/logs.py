import json
import logging
import re

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# Anything shaped like an email address: a run of characters that are neither
# white space nor what surrounds an address in Python's reprs, mail servers'
# answers and URLs (quotes, brackets, commas, / = ? &), an @, and another such
# run. A decorator ("@wraps") has nothing before its @, and f"{local}@{domain}"
# in a traceback's source line a brace: neither is masked.
_ADDRESS = re.compile(r"""[^\s@'"`<>()\[\]{},;:/=?&]+@[^\s@'"`<>()\[\]{},;:/=?&]+""")
ADDRESS_MASK = "[address]"


def without_addresses(text):
    """text with every email address in it (_ADDRESS) replaced by ADDRESS_MASK."""
    return _ADDRESS.sub(ADDRESS_MASK, text)


class RefusedRequests(logging.Filter):
    """Django's refusals of a malformed request as warnings, without a traceback.

    Django logs each SuspiciousOperation it answers with a 400 (a Host the site
    does not serve, more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS, a filter the
    admin does not offer) at ERROR, with the traceback, under
    django.security.<its name>. Bots send such requests all day; at ERROR they
    would bury the site's own errors, and nothing in the site failed. The line
    stays, with its logger and status, at WARNING.
    """

    def filter(self, record):
        if record.name.startswith("django.security.") and \
                getattr(record, "status_code", None) == 400:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


def with_route(text, request):
    """text with the request's path written as its route: /accounts/reset/<uidb64>/<token>/.

    Django names the path of a request it answers with an error (a 500, a 503
    while the database is away, a CSRF refusal), and a path can be a key: a
    password reset's token, a newsletter link's signed key. A path that no
    route matches is left as it is: it is no link of ours.
    """
    path = getattr(request, "path", "")
    if not path or path not in text:
        return text
    match = getattr(request, "resolver_match", None)
    if match is None:
        from django.urls import resolve

        try:
            match = resolve(request.path_info)
        except Exception:  # Resolver404, or a URLconf that cannot load
            return text
    prefix = path[:len(path) - len(request.path_info)]  # SCRIPT_NAME
    return text.replace(path, f"{prefix.rstrip('/')}/{match.route}")


class JsonFormatter(logging.Formatter):
    """Log records as one JSON object a line, with their `extra` fields.

    The logs keep no personal data (the privacy page says so), and an error
    can carry an address where no caller chose to write one: a mail server's
    refusal names the recipients, and Django's task worker logs a failed
    task's traceback. So email addresses are masked in every text written.
    """

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": with_route(record.getMessage(), getattr(record, "request", None)),
        }
        entry.update({key: value for key, value in vars(record).items()
                      if key not in _STANDARD and not key.startswith("_")
                      and key != "request"})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps({key: without_addresses(value) if isinstance(value, str) else value
                           for key, value in entry.items()}, default=str)
