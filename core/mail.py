"""Every email leaves through the task queue: a request never waits on a mail server.

`queue_email` stores the message as a task (settings.TASKS); a worker
(`manage.py db_worker`) sends it. With the database queue the task row is
written in the caller's transaction, so an email goes out only if what it
tells of was committed, and is not lost if the process dies after the commit.

Nor is it lost when the mail server cannot take it for a while (out of
reach, or a 4xx answer: busy, greylisting): a task that sends one
(@sends_mail) is queued again for a minute later, then 5, 30 and 120. What
the server refuses for good (a 5xx answer) fails the task at once, and the
worker logs it. The daily edition has its own way back (newsletter.tasks).
"""

import functools
import logging
import re
import smtplib
import sys
import textwrap
from datetime import timedelta
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.tasks.exceptions import InvalidTask
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import punycode

logger = logging.getLogger(__name__)

# Task priorities (django.tasks: -100 to 100, higher first). A reader waiting
# for a reset link or a confirmation goes before the daily edition's batches.
PRIORITY_NOTICE = 50
PRIORITY_BULK = -10

# Seconds before each new try of an email the mail server could not take yet.
SEND_AGAIN_AFTER = (60, 300, 1800, 7200)

# Characters in a line of a plain-text part: what RFC 5322 (section 2.1.1)
# asks for and what text mail clients show without wrapping it themselves.
TEXT_WIDTH = 78


# What a form says of an address mail cannot be sent to as typed (mailbox()).
INVALID_ADDRESS = "Enter an email address such as name@example.org."
QUOTED_ADDRESS = "Enter the address without quotation marks, such as name@example.org."
NOT_ASCII_ADDRESS = ("We can send only to addresses with the letters a to z, digits and "
                     "punctuation before the @ (no letters such as ü or İ there). Please use "
                     "another address.")
LONG_ADDRESS = ("This address is too long: with its domain written as mail servers need it "
                "(xn--…), it has more than 254 characters.")


def mailbox(address):
    """An address as editions are sent to it, one spelling for each inbox; or ValidationError.

    For an address that passed EmailValidator. Mail servers know a domain in
    letters other than a to z only by its ASCII (IDNA, "xn--") form, which is
    what Django's SMTP backend sends to, so the domain is kept that way.
    Before the @, only ASCII: no mail server can be given anything else
    without SMTPUTF8 (the SMTP backend refuses it), and a quoted local part
    ("ana"@, "a\\na"@) is one more spelling of a mailbox that has a plain one.
    What is left is lower-cased, which for ASCII keeps the length and the
    letters: no mail service of note tells Ana@ from ana@. The length is
    checked on the result, since the IDNA form of a domain is longer.
    """
    local, _, domain = address.rpartition("@")
    if local.startswith('"'):
        raise ValidationError(QUOTED_ADDRESS, code="quoted")
    if not local.isascii():
        raise ValidationError(NOT_ASCII_ADDRESS, code="not_ascii")
    if "." not in domain or domain.startswith("["):  # localhost, [192.0.2.1]: not public
        raise ValidationError(INVALID_ADDRESS, code="invalid")
    try:
        domain = punycode(domain)
    except UnicodeError:  # a label too long once encoded, or one IDNA refuses
        raise ValidationError(INVALID_ADDRESS, code="invalid") from None
    # A full stop after the last label ("example.org." and so "example.org。", which
    # IDNA makes one) names the same domain: a second spelling of the inbox.
    # EmailValidator refuses it typed in ASCII, so it is refused here in any script.
    if domain.endswith("."):
        raise ValidationError(INVALID_ADDRESS, code="invalid")
    address = f"{local}@{domain}".lower()
    if len(address) > 254:
        raise ValidationError(LONG_ADDRESS, code="max_length")
    return address


def domain_as_typed(domain):
    """A domain as its owner writes it: "bücher.example", where the address is kept in the
    "xn--bcher-kva.example" form mail servers need (mailbox()).

    The idna codec checks what it decodes as it checks what it encodes, so a
    label that is not a real IDNA name (one hiding a right-to-left override,
    say) stays in its xn-- form.
    """
    try:
        return domain.encode("ascii").decode("idna")
    except UnicodeError:
        return domain


def as_typed(address):
    """An address as its owner writes it, for pages that show it to them: its domain
    as domain_as_typed() gives it ("jurgen@bücher.example")."""
    local, at, domain = address.rpartition("@")
    return f"{local}@{domain_as_typed(domain)}" if at else address


def may_pass(error):
    """Whether the mail server's failure to take an email may pass by itself."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return not all(500 <= code < 600 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return not 500 <= error.smtp_code < 600
    # Every smtplib error is an OSError: left are a refused, dropped or timed-out
    # connection and the like.
    return isinstance(error, OSError)


def failure_in_brief(error):
    """A mail failure as the logs say it: its type and the server's codes, no addresses.

    "SMTPRecipientsRefused 450", where str() gave the refused addresses and the
    server's text, which often quotes them; "ConnectionRefusedError [Errno 111]"
    for a failure with no SMTP code.
    """
    name = type(error).__name__
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return " ".join([name, *map(str, codes)])
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{name} {error.smtp_code}"
    if isinstance(error, OSError) and error.errno is not None:
        return f"{name} [Errno {error.errno}]"
    return name


def sends_mail(function):
    """For a task (under @task) that sends an email: a failure that may pass queues it again.

    The task takes one more keyword argument, attempt (how many times it was
    tried before). Past the last of SEND_AGAIN_AFTER, or when the failure will
    not pass, the error fails the task as it would without this.
    """
    @functools.wraps(function)
    def send(*args, attempt=0, **kwargs):
        try:
            return function(*args, **kwargs)
        except OSError as error:
            if attempt >= len(SEND_AGAIN_AFTER) or not may_pass(error):
                raise
            wait = SEND_AGAIN_AFTER[attempt]
            this_task = getattr(sys.modules[function.__module__], function.__name__)
            try:
                this_task.using(run_after=timezone.now() + timedelta(seconds=wait)).enqueue(
                    *args, attempt=attempt + 1, **kwargs)
            except InvalidTask:
                raise error from None  # a task backend that runs nothing later
            logger.warning("%s: the mail server could not take it (%s); trying again "
                           "in %d seconds", this_task.module_path, failure_in_brief(error),
                           wait)
            return f"not sent yet: {type(error).__name__}, trying again in {wait} seconds"
    return send


def site_host():
    """The site's host name (from SITE_URL), which Message-IDs and List-Id end in.

    Not the machine's name, which is what Django would use: often "localhost",
    and nothing a reader's mail server should be told.
    """
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    try:
        return punycode(host)  # a Message-ID is ASCII
    except UnicodeError:
        return "localhost"


# A line's indentation and list marker ("- ", "  * "): its wrapped lines line up after it.
_HANGING = re.compile(r"\s*(?:[-*•]\s+)?")


def wrap(text, width=TEXT_WIDTH):
    """Plain text with each line longer than `width` wrapped at spaces, nothing else changed.

    A word or URL longer than the line is never cut: it stays whole on a line
    of its own, so that it still works when copied or followed. Short lines
    keep their trailing spaces (the signature separator is "-- ").
    """
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        indent = " " * len(_HANGING.match(line).group())
        lines += textwrap.wrap(line, width, subsequent_indent=indent,
                               break_long_words=False, break_on_hyphens=False) or [""]
    return "\n".join(lines)


class AutomaticEmail(EmailMultiAlternatives):
    """An email the site sends by itself: every email leaves as one of these.

    It says so (Auto-Submitted, RFC 3834; X-Auto-Response-Suppress for
    Exchange), so that out-of-office and other automatic replies are not sent
    back to it; its Message-ID ends in the site's host (site_host), unless
    the caller gives one; and its plain-text part is wrapped (wrap()).
    """

    def __init__(self, subject, body, to, *, html=None, headers=None):
        headers = {"Auto-Submitted": "auto-generated",
                   "X-Auto-Response-Suppress": "OOF, AutoReply", **(headers or {})}
        if not any(name.lower() == "message-id" for name in headers):
            headers["Message-ID"] = make_msgid(domain=site_host())
        super().__init__(subject, wrap(body), None, list(to), headers=headers)
        if html:
            self.attach_alternative(html, "text/html")


@task(priority=PRIORITY_NOTICE)
@sends_mail
def send_email(subject, body, to, html=None, headers=None):
    """Send one email now (in the worker); a failure fails the task, and it is logged."""
    AutomaticEmail(subject, body, to, html=html, headers=headers).send()


def send_rendered(subject_template, body_template, context, to):
    """Render one plain-text email and send it now, from a task already in the worker:
    for a message holding a link, which must not sit in the task table."""
    subject = " ".join(render_to_string(subject_template, context).split())
    AutomaticEmail(subject, render_to_string(body_template, context), [to]).send()


def queue_email(subject, body, to, *, html=None, headers=None):
    """Queue one email for the task worker; returns the task result."""
    return send_email.enqueue(subject=" ".join(subject.split()), body=body, to=list(to),
                              html=html, headers=headers or {})


def forget_emails_to(to, about=""):
    """Delete the emails queued for address `to` (queue_email), sent or waiting; with
    `about`, only those whose subject holds it. One being sent at this moment is left
    to finish. Returns how many went.

    A sent one keeps its text in the task table for a week (purge_personal_data):
    what a deleted account was told goes with it (accounts.notices).
    """
    from django.apps import apps

    if not apps.is_installed("django_tasks_db"):
        return 0
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    emails = DBTaskResult.objects.exclude(status=TaskResultStatus.RUNNING).filter(
        task_path=send_email.module_path, args_kwargs__kwargs__to__0__iexact=to)
    if about:
        emails = emails.filter(args_kwargs__kwargs__subject__icontains=about)
    return emails.delete()[0]
