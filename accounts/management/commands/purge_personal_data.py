from datetime import timedelta

from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_text_list

from core import hooks

RETENTION_DAYS = 30


class Command(BaseCommand):
    help = (f"Remove personal data older than {RETENTION_DAYS} days: hashed network "
            "addresses, reporters' emails once their outcome was sent, expired sessions.")

    def handle(self, *args, **options):
        now = timezone.now()
        cutoff = now - timedelta(days=RETENTION_DAYS)
        removed = []
        with transaction.atomic():
            # What other apps keep about readers (standards: bias reporters).
            for purge in hooks.personal_data:
                removed += purge(cutoff)
            sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
            removed.append((sessions, "expired sessions"))
        counts = get_text_list([f"{count} {what}" for count, what in removed], "and")
        self.stdout.write(f"Removed {counts} older than {RETENTION_DAYS} days.")
