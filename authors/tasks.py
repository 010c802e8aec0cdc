"""What the task worker does for authors: an avatar's renditions.

Author.save() queues make_avatar_renditions when an avatar changes
(core.images.queue_renditions); until the worker has run it, pages show the
original picture.
"""

from django.apps import apps
from django.tasks import task

from core.images import STORED, store_renditions
from core import pagecache

AVATAR_WIDTHS = (96, 192)  # pixels: shown at 48 and 96, and twice that on dense screens


@task
def make_avatar_renditions(pk, source):
    """Make and store author pk's renditions of avatar `source`; stale the pages with their byline."""
    author = apps.get_model("authors", "Author")
    outcome = store_renditions(author, pk, "avatar", source, widths=AVATAR_WIDTHS)
    if outcome == STORED:
        # update() sends no signal. author-<pk> is on every byline, card and
        # page of theirs, and on the authors' list.
        pagecache.changed({f"author-{pk}"})
    return outcome
