"""What core keeps in the database: the pictures kept a while after they were replaced."""

from django.db import models


class KeptImage(models.Model):
    """A stored original a row held until it was cleared or replaced, kept until kept_until
    (core.images.keep_replaced): pages rendered before, at the edge, in the page cache
    or in a reader's open tab, still show it; a revision restored meanwhile brings it back."""

    name = models.CharField(max_length=255, unique=True)
    # The PublicImageField that held it ("articles.article.image") and the row's pk: its
    # row says who may see it meanwhile (core.images.who_may_see).
    field = models.CharField(max_length=200)
    row = models.CharField(max_length=64)
    kept_until = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.name
