"""A request Django refuses as malformed (a Host the site does not serve, too many fields)
is logged as a warning without a traceback: bots send them all day, and at ERROR, each
with its traceback, they buried the site's own errors (QA, 2026-12-06). The site's own
errors keep their level and their traceback."""

import io
import json
import logging

import pytest

from core.logs import JsonFormatter

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    """What the site's console handler writes, one JSON object a line."""
    [handler] = [handler for handler in logging.getLogger().handlers
                 if isinstance(handler.formatter, JsonFormatter)]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(previous)


@pytest.mark.parametrize("path, headers, logger", [
    ("/", {"HTTP_HOST": "evil.example"}, "django.security.DisallowedHost"),
    ("/articles/?" + "&".join(f"f{number}=1" for number in range(1200)), {},
     "django.security.TooManyFieldsSent"),
])
def test_a_refused_request_is_a_warning_without_a_traceback(client, console, path, headers,
                                                            logger):
    assert client.get(path, **headers).status_code == 400
    [line] = [line for line in console() if line["logger"] == logger]
    assert line["level"] == "WARNING" and line["status_code"] == 400
    assert "error" not in line


def test_the_sites_own_errors_keep_their_level_and_traceback(console):
    try:
        raise RuntimeError("the cache answered nonsense")
    except RuntimeError:
        logging.getLogger("django.request").error("Internal Server Error: /",
                                                  exc_info=True, extra={"status_code": 500})
    [line] = [line for line in console() if line["logger"] == "django.request"]
    assert line["level"] == "ERROR" and "RuntimeError" in line["error"]


def test_a_security_line_not_about_a_malformed_request_is_left_as_it_is(console):
    logging.getLogger("django.security.csrf").warning("Forbidden (CSRF token missing.): /",
                                                      extra={"status_code": 403})
    logging.getLogger("django.security.Custom").error("Something worse", extra={})
    levels = {line["logger"]: line["level"] for line in console()}
    assert levels == {"django.security.csrf": "WARNING", "django.security.Custom": "ERROR"}
