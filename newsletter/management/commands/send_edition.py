from django.core.management.base import BaseCommand

from newsletter.tasks import BATCH_SIZE, start_edition


class Command(BaseCommand):
    help = ("Queue the daily edition now due (the last EDITION_TIME in TIME_ZONE) for every "
            "confirmed subscriber who has not had it; task workers send it. Safe to run "
            "again: nobody gets an edition twice. Run it from cron at EDITION_TIME.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                            help="subscribers per queued task (default: %(default)s)")

    def handle(self, *args, batch_size, **options):
        self.stdout.write(start_edition(batch_size=max(1, batch_size)))
