from django.core.management.base import BaseCommand, CommandError
from django.utils import dateformat, timezone

from newsletter.edition import due_moment, is_superseded
from newsletter.models import Edition, Subscriber
from newsletter.tasks import BATCH_SIZE, MAX_BATCH_SIZE, start_edition


def _when(moment):
    return dateformat.format(timezone.localtime(moment), "l, F j, Y, g:i A")


class Command(BaseCommand):
    help = ("Queue the daily edition now due (the last EDITION_TIME in TIME_ZONE) for every "
            "confirmed subscriber who has not had it; task workers send it. Safe to run "
            "again: nobody gets an edition twice. Run it from cron at EDITION_TIME.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                            help=f"subscribers per queued task, 1 to {MAX_BATCH_SIZE:,} "
                                 "(default: %(default)s)")

    def handle(self, *args, batch_size, **options):
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            # 0 or less was taken as 1 unsaid, and 10**20 failed in itertools.batched.
            raise CommandError(f"--batch-size {batch_size}: give a number of subscribers "
                               f"from 1 to {MAX_BATCH_SIZE:,}.")
        moment = due_moment()
        # A later edition (EDITION_TIME or TIME_ZONE changed since it was sent)
        # carries what this one would: its batches would send nothing.
        if is_superseded(Edition(scheduled_at=moment)):
            later = Edition.objects.filter(scheduled_at__gt=moment).latest("scheduled_at")
            self.stdout.write(f"The edition of {_when(moment)} is superseded by the edition of "
                              f"{_when(later.scheduled_at)}: nothing to send.")
            return
        if not Subscriber.objects.confirmed().exists():
            self.stdout.write(f"No confirmed subscribers for the edition of {_when(moment)}: "
                              "nothing to send.")
            return
        self.stdout.write(start_edition(batch_size=batch_size))
