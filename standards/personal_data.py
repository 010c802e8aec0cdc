"""What bias reports keep about their reporters, and when it goes (purge_personal_data,
and the reporter's account being deleted)."""

from core.mail import forget_emails_to

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


def forget_reporter(sender, user, **kwargs):
    """An account is being deleted (accounts.signals.account_deleting), however it was
    deleted: the addresses left on its reports for their outcome go, and with them
    the emails queued or sent to those addresses about those reports.

    The account's own address is the accounts app's to clear; a report may give
    another ("bob.private@"), which only the report knows.
    """
    reports = BiasReport.objects.filter(reader=user).exclude(contact_email="")
    for pk, email in reports.values_list("pk", "contact_email"):
        # Every email about a report names it in its subject (standards.notices):
        # "Your bias report BR-000123: upheld", "Your bias reports BR-000123, BR-000124:
        # dismissed". The colon or comma: BR-100000 is not BR-1000000.
        for after in ":,":
            forget_emails_to(email, about=f"{BiasReport(pk=pk).reference}{after}")
    reports.update(contact_email="")
