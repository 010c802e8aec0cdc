import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("standards", "0007_correction_history"),
    ]

    operations = [
        migrations.CreateModel(
            name="HeldNotice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("held_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("correction", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, related_name="held_notice",
                    to="standards.correction")),
            ],
        ),
    ]
