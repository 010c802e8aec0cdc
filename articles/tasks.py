"""What the task worker does for stories: a hero image's renditions and crops.

Article.save() queues make_hero_renditions when a story's image changes
(core.images.queue_renditions); until the worker has run it, pages show the
original image.
"""

from django.apps import apps
from django.tasks import task

from authors.tasks import make_avatar_renditions
from core.images import CROPS, STORED, made_filter, store_renditions
from core import pagecache


@task
def make_hero_renditions(pk, source):
    """Make and store story pk's renditions and crops of image `source`; stale its pages."""
    article = apps.get_model("articles", "Article")
    outcome = store_renditions(article, pk, "image", source, crops=CROPS)
    if outcome == STORED:
        # update() sends no signal: the pages showing the story are told here.
        tags = {f"story-{pk}"}
        if article.objects.published().filter(pk=pk).exists():
            tags.add("syndication")  # feeds carry the image
        pagecache.changed(tags)
    return outcome


def waiting_renditions():
    """Every avatar and story whose renditions lack something its task makes, model by model.

    Yields (model, task, rows of (pk, source)): images uploaded since the
    worker last ran, and stories without every crop make_hero_renditions
    makes (their renditions were made before the site made crops).
    """
    images = ((apps.get_model("authors", "Author"), "avatar", make_avatar_renditions, ()),
              (apps.get_model("articles", "Article"), "image", make_hero_renditions, CROPS))
    for model, field, renditions_task, crops in images:
        rows = (model._default_manager.exclude(**{field: ""})
                .exclude(made_filter(field, crops))
                .order_by("pk").values_list("pk", field))
        yield model, renditions_task, rows


def make_waiting_renditions():
    """Make now, in this process, every avatar's and story's renditions still waiting for the worker.

    For seed_demo: the demo is complete when the command ends. The queued
    tasks then find the renditions made and do nothing.
    """
    for _model, renditions_task, rows in waiting_renditions():
        for pk, source in rows:
            renditions_task.call(pk=pk, source=source)


def stored_originals():
    """Every avatar's and story image's stored original, model by model: (model, field, names).

    For make_renditions to take away the metadata of originals stored before
    uploads lost theirs. Each name once, read through a cursor.
    """
    for model, field in ((apps.get_model("authors", "Author"), "avatar"),
                         (apps.get_model("articles", "Article"), "image")):
        names = (model._default_manager.exclude(**{field: ""}).order_by(field)
                 .values_list(field, flat=True).distinct().iterator(chunk_size=2000))
        yield model, model._meta.get_field(field), names
