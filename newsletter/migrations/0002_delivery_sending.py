from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("newsletter", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="sending",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
    ]
