"""Every email leaves through the task queue: a request never waits on a mail server.

`queue_email` stores the message as a task (settings.TASKS); a worker
(`manage.py db_worker`) sends it. With the database queue the task row is
written in the caller's transaction, so an email goes out only if what it
tells of was committed, and is not lost if the process dies after the commit.
"""

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.tasks import task

# Task priorities (django.tasks: -100 to 100, higher first). A reader waiting
# for a reset link or a confirmation goes before the daily edition's batches.
PRIORITY_NOTICE = 50
PRIORITY_BULK = -10


@task(priority=PRIORITY_NOTICE)
def send_email(subject, body, to, html=None, headers=None):
    """Send one email now (in the worker); a failure fails the task, and it is logged."""
    message = EmailMultiAlternatives(subject, body, None, to, headers=headers or None)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def send_rendered(subject_template, body_template, context, to):
    """Render one plain-text email and send it now, from a task already in the worker:
    for a message holding a link, which must not sit in the task table."""
    subject = " ".join(render_to_string(subject_template, context).split())
    EmailMultiAlternatives(subject, render_to_string(body_template, context), None,
                           [to]).send()


def queue_email(subject, body, to, *, html=None, headers=None):
    """Queue one email for the task worker; returns the task result."""
    return send_email.enqueue(subject=" ".join(subject.split()), body=body, to=list(to),
                              html=html, headers=headers or {})
