from django.core.management.base import BaseCommand, CommandError

from articles.tasks import stored_originals, waiting_renditions
from core.images import MetadataError, RenditionError, strip_stored_metadata


class Command(BaseCommand):
    help = (
        "Queue the renditions of every avatar and story image still missing some (after "
        "an upgrade, or when a story's image has no crops) for the task worker; --now "
        "makes them here instead; --strip-metadata first cleans the originals stored "
        "before uploads lost their metadata."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true",
                            help="make them in this process rather than queue them for "
                                 "the task worker")
        # Every original is read (and a PNG decoded): once, after upgrading, not on
        # every run.
        parser.add_argument("--strip-metadata", action="store_true",
                            help="first take away the metadata (EXIF with its GPS block, "
                                 "XMP, IPTC, comments, text chunks) that originals stored "
                                 "before uploads lost theirs still carry, as an upload's is: "
                                 "same name, colour profile kept; reads every original")

    def handle(self, *args, now, strip_metadata, verbosity, **options):
        unread = 0
        if strip_metadata:
            stripped, unread = self._strip_metadata()
            if verbosity >= 1:
                self.stdout.write(self.style.SUCCESS(
                    f"Took the metadata away from {stripped} original"
                    f"{'' if stripped == 1 else 's'} stored with it; the others had none."))
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
        problems = []
        if unread:
            problems.append(f"{unread} original{'' if unread == 1 else 's'} could not be "
                            "read to take its metadata away")
        if failed:
            problems.append(f"the renditions of {failed} image{'' if failed == 1 else 's'} "
                            "could not be made")
        if problems:
            raise CommandError(f"{'; '.join(problems).capitalize()} (listed above).")

    def _strip_metadata(self):
        """Take the metadata away from every stored original still carrying some, one file
        at a time; (how many were written again, how many could not be read)."""
        stripped = unread = 0
        for model, field, names in stored_originals():
            for name in names:
                try:
                    stripped += strip_stored_metadata(field.storage, name)
                except MetadataError as error:
                    self.stderr.write(f"{model._meta.verbose_name}: {error}")
                    unread += 1
        return stripped, unread

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
