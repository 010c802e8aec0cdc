import articles.models
import core.images
from django.db import migrations


class Migration(migrations.Migration):
    """New hero images are stored under unguessable names and without metadata; those
    stored before keep their names and files."""

    dependencies = [
        ("articles", "0015_times_within_the_calendar"),
    ]

    operations = [
        migrations.AlterField(
            model_name="article",
            name="image",
            field=core.images.PublicImageField(blank=True, upload_to="articles/%Y/%m/",
                                               validators=[articles.models._validate_image]),
        ),
    ]
