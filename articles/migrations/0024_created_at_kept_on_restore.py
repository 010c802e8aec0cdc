"""Article.created_at: a default of now rather than auto_now_add, so a story restored from
a revision keeps the day it was created. The column is the same (Django keeps a Python
default out of the database): only the models' state changes, and SQLite does not copy
the stories' table over for it."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0023_search_text"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name=model,
                name="created_at",
                field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
            )
            for model in ("article", "historicalarticle")
        ]),
    ]
