from django.core.management.base import BaseCommand, CommandError

from articles.importer import ImportFailed, InterruptedAfterCommit, import_file

INTERRUPTED = 130  # the exit status of a program Ctrl-C stopped (128 + SIGINT)


class Command(BaseCommand):
    help = (
        "Import articles from a JSON file in the format of DESIGN.md section 8. "
        "All or nothing: on any problem, each is listed and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the JSON file; image paths are relative to it")

    def handle(self, *args, file, verbosity, **options):
        progress = self._progress if verbosity >= 1 else None
        try:
            result = import_file(file, progress=progress)
        except ImportFailed as failed:
            for problem in failed.problems:
                self.stderr.write(str(problem))
            raise CommandError(str(failed)) from None
        except InterruptedAfterCommit:
            raise CommandError(
                "Interrupted after the import was saved: pictures it replaced may be left in "
                "media/, and renditions unqueued (make_renditions makes them).",
                returncode=INTERRUPTED) from None
        except KeyboardInterrupt:
            # Before the commit the import undoes itself: say so, not a traceback.
            raise CommandError("Interrupted: nothing was imported.",
                               returncode=INTERRUPTED) from None
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(
                f"Imported {result.total} article{'' if result.total == 1 else 's'} "
                f"({result.created} created, {result.updated} updated)."
            ))

    def _progress(self, stage, done, total):
        self.stdout.write(f"{stage.capitalize()} {done} of {total} articles...")
