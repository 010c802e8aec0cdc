import re

from django.db import migrations
from django.utils.text import slugify

# What the tag routes take (articles.tags.TagSlugConverter).
TAG_SLUG = re.compile(r"[-\w]+")


def give_every_tag_a_slug(apps, schema_editor):
    """A slug the tag routes take, for each tag that has none.

    taggit gave a name with no letter or digit ("...", an emoji alone) the
    empty slug, and every story with that tag failed to show. Such names are
    refused now; a tag made before gets tag-<id>, its name and stories kept.
    """
    Tag = apps.get_model("taggit", "Tag")
    taken = set(Tag.objects.values_list("slug", flat=True))
    for tag in Tag.objects.order_by("pk"):
        if TAG_SLUG.fullmatch(tag.slug):
            continue
        slug = base = slugify(tag.name, allow_unicode=True)[:90] or f"tag-{tag.pk}"
        suffix = 1
        while slug in taken:
            slug, suffix = f"{base}_{suffix}", suffix + 1
        taken.add(slug)
        Tag.objects.filter(pk=tag.pk).update(slug=slug)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0016_image_is_public_image_field"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunPython(give_every_tag_a_slug, migrations.RunPython.noop),
    ]
