from django.core.management.base import BaseCommand, CommandError

from articles.tasks import waiting_renditions
from core.images import RenditionError


class Command(BaseCommand):
    help = (
        "Queue the renditions of every avatar and story image still missing some (after "
        "an upgrade, or when a story's image has no crops) for the task worker; --now "
        "makes them here instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true",
                            help="make them in this process rather than queue them for "
                                 "the task worker")

    def handle(self, *args, now, verbosity, **options):
        counts, failed = [], 0
        for model, renditions_task, rows in waiting_renditions():
            done = 0
            for pk, source in rows:
                if not now:
                    renditions_task.enqueue(pk=pk, source=source)
                elif not self._make(renditions_task, pk, source):
                    failed += 1
                    continue
                done += 1
            counts.append((model, done))
        if verbosity >= 1:
            self._summary(counts, now, failed)
        if failed:
            raise CommandError(f"The renditions of {failed} image{'' if failed == 1 else 's'} "
                               "could not be made (listed above).")

    def _summary(self, counts, now, failed):
        if not failed and not any(done for _model, done in counts):
            self.stdout.write("No renditions are waiting: every avatar and story image "
                              "has them all.")
            return
        made = " and ".join(
            f"{done} {model._meta.verbose_name if done == 1 else model._meta.verbose_name_plural}"
            for model, done in counts)
        if now:
            self.stdout.write(self.style.SUCCESS(f"Made the renditions of {made}."))
        else:
            self.stdout.write(self.style.SUCCESS(
                f"Queued the renditions of {made}; the task worker (manage.py db_worker) "
                "makes them."))

    def _make(self, renditions_task, pk, source):
        """Make one row's renditions here; report a file that cannot be read and go on."""
        try:
            renditions_task.call(pk=pk, source=source)
        except RenditionError as error:
            self.stderr.write(str(error))
            return False
        return True
