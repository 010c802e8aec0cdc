"""Old slugs of sections, authors and tags: their old addresses lead to the new ones.

A story keeps the slugs it leaves (articles.OldSlug); a section or an author
renamed in the admin left every link to its old address (other sites', the
newsletter's, readers' bookmarks and feed readers) on a 404. A model with
KeepsOldSlugs keeps each slug it leaves in its OldSlugs table, and the site's
404 handler (articles.views.page_not_found) sends an address under an old
slug, or under a slug typed in capitals, on to the current one (moved_slug()).
Tags are taggit's: the tags' admin keeps the slugs a rename or a merge leaves
(keep_old_slugs()).
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.db import models, router


class OldSlugs(models.Model):
    """A slug its owner (a foreign key of the concrete model, related name old_slugs)
    once had; its old links lead to the owner's current address."""

    slug = models.SlugField(max_length=140, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.slug} → {self.owner_id}"


OLD_ADDRESS_TAKEN = ("The address %(address)s still leads to “%(name)s”, which had this slug "
                     "before it was renamed: taking it would end that link for good. Choose "
                     "another slug.")


class HasOldAddresses:
    """For a model whose old slugs (related name old_slugs, with `slug` and `created_at`)
    lead to its current address. Put before models.Model in the bases."""

    def address_under(self, slug):
        """What this one's address would be under `slug`."""
        return type(self)(pk=self.pk, slug=slug).get_absolute_url()

    def old_addresses(self):
        """The addresses under the slugs this once had, which lead here: newest first."""
        return [(self.address_under(slug), since)
                for slug, since in self.old_slugs.order_by("-created_at", "-pk")
                .values_list("slug", "created_at")]


class KeepsOldSlugs(HasOldAddresses):
    """For a model with a unique `slug` and an OldSlugs model whose foreign key `owner`
    points at it (related name old_slugs). Put before models.Model in the bases."""

    def clean(self):
        super().clean()
        old = (self.old_slugs.model.objects.filter(slug__iexact=self.slug)
               .exclude(owner_id=self.pk).select_related("owner").first()) if self.slug else None
        if old is not None:
            owner = old.owner
            raise ValidationError({"slug": ValidationError(
                OLD_ADDRESS_TAKEN, code="old_address",
                params={"address": owner.address_under(old.slug),
                        "name": str(owner)})})

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        update_fields = kwargs.get("update_fields")
        left = None
        if self.pk is not None and not self._state.adding and (
                update_fields is None or "slug" in update_fields):
            # Read from the row: another save may have changed it since this copy was loaded.
            stored = (type(self)._base_manager.using(using).filter(pk=self.pk)
                      .values_list("slug", flat=True).first())
            left = stored if stored not in (None, self.slug) else None
        super().save(*args, **kwargs)
        if left is not None:
            keep_old_slugs(self.old_slugs.model, self, [left], using)


def keep_old_slugs(model, owner, slugs, using=None):
    """Keep slugs as owner's old ones in model (an OldSlugs): their addresses lead to it.

    Owner's own slug is no longer anyone's old one: an owner taking it wins,
    and one changed back leaves no loop. A slug kept for another owner is
    owner's now.
    """
    old_slugs = model.objects.using(using or router.db_for_write(model))
    old_slugs.filter(slug__in=[owner.slug, *slugs]).delete()
    old_slugs.bulk_create([model(slug=slug, owner=owner) for slug in dict.fromkeys(slugs)
                           if slug != owner.slug])


def moved_slug(owners, slug):
    """The slug of the owner (of queryset owners, those whose pages are public) an
    address at `slug` means when no owner has `slug`: one it once had, or `slug`
    in lower case; else None.

    Whoever has `slug` answers for itself, public or not: a page taken down
    stays a 404 and never leads elsewhere.
    """
    # As typed first; then in lower case, its accents composed as slugify() stores them
    # ("café" typed as "cafe" and a combining accent is the same tag).
    lowered = unicodedata.normalize("NFKC", slug.lower())
    wanted = list(dict.fromkeys([slug, slug.lower(), lowered]))
    held = set(owners.model._base_manager.filter(slug__in=wanted)
               .values_list("slug", flat=True))
    if slug in held:
        return None
    for spelling in wanted[1:]:
        if spelling in held:
            return spelling if owners.filter(slug=spelling).exists() else None
    moved = dict(owners.filter(old_slugs__slug__in=wanted)
                 .values_list("old_slugs__slug", "slug"))
    return next((moved[old] for old in wanted if old in moved), None)
