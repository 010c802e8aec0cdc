from datetime import timedelta

from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from standards.models import BiasReport

RETENTION_DAYS = 30


class Command(BaseCommand):
    help = (f"Remove personal data older than {RETENTION_DAYS} days: hashed network "
            "addresses, reporters' emails once their outcome was sent, expired sessions.")

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(days=RETENTION_DAYS)
        with transaction.atomic():
            fingerprints = (BiasReport.objects.filter(created_at__lt=cutoff)
                            .exclude(reporter_fingerprint="")
                            .update(reporter_fingerprint=""))
            # An email is kept only to send the outcome; after a decision it waits
            # 30 days (for questions about the decision), then goes.
            emails = (BiasReport.objects.decided().filter(resolved_at__lt=cutoff)
                      .exclude(contact_email="").update(contact_email=""))
            sessions, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
        self.stdout.write(
            f"Removed {fingerprints} network-address hashes, {emails} reporter emails "
            f"and {sessions} expired sessions older than {RETENTION_DAYS} days.")
