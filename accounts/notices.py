"""Notices to an account's address that carry no link of their own, only the way to a
new password: queued for the task worker, one email per task."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from core.mail import queue_email


def queue_notice(user, subject_template, body_template):
    context = {"user": user, "reset_url": settings.SITE_URL + reverse("accounts:password_reset")}
    queue_email(render_to_string(subject_template, context),
                render_to_string(body_template, context), [user.email])
