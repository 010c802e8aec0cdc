"""Notices to an account's address that carry no link of their own, only the way to a
new password: queued for the task worker, one email to an address however many accounts
use it, so that making accounts on someone's address does not multiply what they get."""

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.tasks import TaskResultStatus, task
from django.urls import reverse
from django.utils.text import get_text_list

from core.mail import PRIORITY_NOTICE, forget_emails_to, send_rendered, sends_mail


def queue_notice(users, subject_template, body_template):
    """Queue one email to the address `users` share (as the first of them writes it)."""
    users = list(users)
    send_notice.enqueue(user_ids=[user.pk for user in users], email=users[0].email,
                        subject_template=subject_template, body_template=body_template)


@task(priority=PRIORITY_NOTICE)
@sends_mail
def send_notice(user_ids, email, subject_template, body_template):
    """Email the address a notice naming those of the accounts that still use it.

    Queued with the accounts and the address, not the text, so that deleting an
    account deletes its notices from the queue, sent or not (forget_queued_emails).
    The templates name the accounts by `names` ("ana", or "ana" and "ana_work"),
    in quotation marks: a username is whatever its maker typed
    ("www.reset-here.example"), so it is never the greeting either.
    """
    users = [user for user in get_user_model()._default_manager.filter(
                 pk__in=user_ids, is_active=True).order_by("username")
             if user.email.casefold() == email.casefold()]
    if not users:
        return "not sent: the accounts changed since the notice was queued"
    context = {"users": users, "names": quoted_names(users),
               "reset_url": settings.SITE_URL + reverse("accounts:password_reset")}
    send_rendered(subject_template, body_template, context, email)
    return "sent"


def quoted_names(users):
    """'"ana"', or '"ana", "bo" and "cy"': usernames as the emails name them."""
    return get_text_list([f'"{user.get_username()}"' for user in users], "and")


# The tasks that name an account, by user_id or in user_ids.
ACCOUNT_TASKS = ("accounts.notices.send_notice", "accounts.views.send_password_reset",
                 "accounts.email_change.send_link", "accounts.email_change.tell_old_address")


def forget_queued_emails(user):
    """Delete the account's emails from the task queue, sent or waiting, with the account.

    A sent one keeps what it was given for a week (purge_personal_data). What
    goes is every task that names the account, whatever address it went to,
    and every email to its address (a bias report's outcome); one being sent
    at this moment is left to finish. Emails to other addresses about what the
    account did (a bias report's contact address) go with what the app that
    sent them keeps (account_deleting: standards.personal_data).
    """
    if not apps.is_installed("django_tasks_db"):
        return
    from django_tasks_db.models import DBTaskResult

    tasks = DBTaskResult.objects.exclude(status=TaskResultStatus.RUNNING)
    # Read here, not asked of the database: SQLite cannot look into a list.
    theirs = [found.pk for found in tasks.filter(task_path__in=ACCOUNT_TASKS).only("args_kwargs")
              if _names(found.args_kwargs["kwargs"], user.pk)]
    tasks.filter(pk__in=theirs).delete()
    if user.email:
        forget_emails_to(user.email)


def _names(kwargs, pk):
    return kwargs.get("user_id") == pk or pk in kwargs.get("user_ids", ())
