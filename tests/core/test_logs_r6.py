"""The server logs keep no email address: a mail server's refusal is logged by its type and
codes, and the JSON formatter masks any address an error or a traceback carries."""

import io
import json
import logging
import smtplib
import sys

import pytest
from django.core.management import call_command

from core.logs import ADDRESS_MASK, JsonFormatter
from core.mail import failure_in_brief, queue_email
from tests.tasks import run_due_tasks

READER = "reader@example.org"


def refused(code):
    return smtplib.SMTPRecipientsRefused(
        {READER: (code, f"{code // 100}.1.1 <{READER}>: mailbox unavailable".encode())})


@pytest.mark.parametrize("error, said", [
    (refused(450), "SMTPRecipientsRefused 450"),
    (smtplib.SMTPDataError(554, f"5.7.1 <{READER}> refused".encode()), "SMTPDataError 554"),
    (ConnectionRefusedError(111, "Connection refused"), "ConnectionRefusedError [Errno 111]"),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
     "SMTPServerDisconnected"),
])
def test_a_mail_failure_is_said_by_its_type_and_codes(error, said):
    assert failure_in_brief(error) == said


def test_the_retry_line_names_no_recipient(flaky_mail, caplog):
    flaky_mail.failure = refused(450)
    queue_email("Subject", "Body", [READER])
    run_due_tasks()
    [line] = [record.getMessage() for record in caplog.records
              if "could not take it" in record.getMessage()]
    assert "(SMTPRecipientsRefused 450)" in line and "@" not in line


def formatted(record):
    line = JsonFormatter().format(record)
    return line, json.loads(line)


@pytest.fixture
def worker_logs():
    """db_worker as production runs it (verbosity 1: the task machinery logs at INFO);
    run_due_tasks runs it silent. The levels it sets are put back."""
    loggers = [logging.getLogger(name) for name in ("django.tasks", "django_tasks_db")]
    levels = [logger.level for logger in loggers]

    def run():
        call_command("db_worker", batch=True, startup_delay=False, reload=False,
                     verbosity=1, stdout=io.StringIO())

    yield run
    for logger, level in zip(loggers, levels):
        logger.setLevel(level)


def test_a_refusal_for_good_is_logged_by_the_worker_without_the_address(flaky_mail, caplog,
                                                                        worker_logs):
    flaky_mail.failure = refused(550)
    queue_email("Subject", "Body", [READER])
    with caplog.at_level(logging.INFO):
        worker_logs()
    [failed] = [record for record in caplog.records
                if record.levelno == logging.ERROR and record.exc_info]
    assert READER in str(failed.exc_info[1])  # what the task machinery hands the log
    line, entry = formatted(failed)
    assert READER not in line and "example.org" not in line
    assert "SMTPRecipientsRefused" in entry["error"] and ADDRESS_MASK in entry["error"]
    for record in caplog.records:
        assert READER not in formatted(record)[0]


def test_the_formatter_masks_addresses_in_messages_extras_and_tracebacks():
    try:
        raise ValueError(f"could not reach 'jurgen@bücher.example' or <{READER}>\"")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.makeLogRecord({
        "name": "evadaily.test", "levelno": logging.ERROR, "levelname": "ERROR",
        "msg": "sent to %s", "args": (READER,), "exc_info": exc_info,
        "path": f"/unsubscribe/{READER}/"})
    line, entry = formatted(record)
    assert "@" not in entry["message"] and entry["message"] == f"sent to {ADDRESS_MASK}"
    assert entry["path"] == f"/unsubscribe/{ADDRESS_MASK}/"
    assert "bücher" not in line and "b\\u00fccher" not in line and READER not in line
    # What is not an address stays as it was: a decorator, an f-string's braces.
    assert "@pytest.mark" in JsonFormatter().format(logging.makeLogRecord(
        {"msg": "@pytest.mark.parametrize and f'{local}@{domain}'"}))
    assert "f'{local}@{domain}'" in formatted(logging.makeLogRecord(
        {"msg": "f'{local}@{domain}'"}))[1]["message"]
