"""What bias reports keep about their reporters, and when it goes (purge_personal_data)."""

from .models import BiasReport


def purge_reporters(cutoff):
    """Forget reporters' network-address hashes and, once told the outcome, their emails."""
    fingerprints = (BiasReport.objects.filter(created_at__lt=cutoff)
                    .exclude(reporter_fingerprint="")
                    .update(reporter_fingerprint=""))
    # An email is kept only to send the outcome; after a decision it waits
    # 30 days (for questions about the decision), then goes.
    emails = (BiasReport.objects.decided().filter(resolved_at__lt=cutoff)
              .exclude(contact_email="").update(contact_email=""))
    return [(fingerprints, "network-address hashes"), (emails, "reporter emails")]
