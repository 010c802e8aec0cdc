"""`manage.py delete_orphan_images`: delete stored pictures no row holds.

A save rolled back while its request or task ran has its upload deleted when
that request or task ends (core.images.discard_uncommitted). A process that
died in between (a worker killed on its timeout, a machine restarted) left
the file, and its renditions, for good. This finds, under the folders of
every PublicImageField, the originals no row holds and the renditions whose
original no row holds, written more than --older-than hours ago (24), so
that an upload whose transaction is still open is left alone, and deletes
them (with --dry-run, lists them). Each is asked about once more, alone,
right before it goes. A picture cleared or replaced is not an orphan while it
is kept (core.images.keep_after_commit): pages and revisions may still show
it; once its time is up, it goes as any other, should its task not have run.
With --replaced-now, pictures kept after they were replaced go now, with their
renditions and their copies at the edge: a picture taken off a story for legal
or safety reasons should not wait out its week.
"""

import posixpath
from datetime import timedelta

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils import timezone

from core import edge
from core.images import PublicImageField, delete_kept, originals_of, purge_from_edge
from core.models import KeptImage


class Command(BaseCommand):
    help = ("Delete the stored pictures (and renditions) no story or author holds, written "
            "more than --older-than hours ago; --dry-run lists them.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=float, default=24, metavar="HOURS",
                            help="leave files written more recently than this (default 24)")
        parser.add_argument("--dry-run", action="store_true",
                            help="list the files, delete nothing")
        parser.add_argument("--replaced-now", action="store_true",
                            help="also delete now the pictures kept a week after they were "
                                 "cleared or replaced (a picture taken down for legal reasons)")

    def handle(self, *args, older_than, dry_run, replaced_now, **options):
        if replaced_now:
            self._delete_replaced(dry_run)
        cutoff = timezone.now() - timedelta(hours=older_than)
        fields = _picture_fields()
        # Every field's names, whichever folder: two fields may share one.
        held = {name for field in fields for name in field.model._default_manager.exclude(
            **{field.name: ""}).values_list(field.name, flat=True)}
        now = timezone.now()
        held |= set(KeptImage.objects.filter(kept_until__gt=now).values_list("name", flat=True))
        with edge.purges_gathered():  # one purge of them all, not one for each file
            found = self._delete(fields, held, cutoff, dry_run)
        if not dry_run:
            # Their pictures went above (or, written recently, go on a later run).
            KeptImage.objects.filter(kept_until__lte=now).delete()
        self.stdout.write(f"{found} file{'s' if found != 1 else ''} no row holds"
                          f"{' (nothing deleted: --dry-run)' if dry_run else ''}.")

    def _delete_replaced(self, dry_run):
        """Every picture kept after it was replaced, whatever its time left, unless a row
        holds it again (a revision restored)."""
        for kept in KeptImage.objects.order_by("kept_until", "pk"):
            if dry_run:
                self.stdout.write(f"would delete {kept.name} (replaced)")
            elif delete_kept(kept):
                self.stdout.write(f"deleted {kept.name} (replaced)")

    def _delete(self, fields, held, cutoff, dry_run):
        found = 0
        for storage, folder in {(field.storage, _folder_of(field)) for field in fields}:
            for name in _files_under(storage, folder):
                originals = originals_of(name)
                if held & originals or not _older(storage, name, cutoff) or _held_now(
                        fields, originals):
                    continue
                found += 1
                self.stdout.write(f"{'would delete' if dry_run else 'deleted'} {name}")
                if not dry_run:
                    # Renditions come before their original in the listing: one at a time.
                    storage.delete(name)
                    purge_from_edge([name])
        return found


def _picture_fields():
    return [field for model in apps.get_models() for field in model._meta.concrete_fields
            if isinstance(field, PublicImageField)]


def _held_now(fields, originals):
    """Asked again, alone, right before a file goes: a row may have been pointed at it."""
    return any(field.model._default_manager.filter(**{f"{field.name}__in": originals}).exists()
               for field in fields) or KeptImage.objects.filter(
        name__in=originals, kept_until__gt=timezone.now()).exists()


def _folder_of(field):
    """The folder a field stores under: upload_to up to its first date part."""
    upload_to = field.upload_to if isinstance(field.upload_to, str) else ""
    prefix = upload_to.split("%", 1)[0]
    return prefix.rsplit("/", 1)[0] if "/" in prefix else ""


def _files_under(storage, folder):
    try:
        folders, files = storage.listdir(folder)
    except OSError:
        return
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for sub in sorted(folders):
        yield from _files_under(storage, posixpath.join(folder, sub) if folder else sub)


def _older(storage, name, cutoff):
    try:
        return storage.get_modified_time(name) < cutoff
    except OSError:  # deleted meanwhile, with its original
        return False
