"""The sessions Django's own table holds move to accounts.Session, each with its account.

The site's engine (accounts.sessions) reads and writes that table from now
on. A session left behind would sign its reader out, and one still in the
cache could no longer be saved (its row would be missing); the expired are
left for purge_personal_data. Each session is decoded once, here, for its
account's id.
"""

from django.conf import settings
from django.core import signing
from django.db import migrations
from django.utils import timezone
from django.utils.module_loading import import_string

# SessionBase.key_salt of an engine whose store is called SessionStore, as every
# one of Django's and ours is. Copied, so that it stays what it was.
SALT = "django.contrib.sessions.SessionStore"
BATCH = 1000


def _account_id(data):
    try:
        decoded = signing.loads(data, salt=SALT,
                                serializer=import_string(settings.SESSION_SERIALIZER))
        return int(decoded["_auth_user_id"])
    except Exception:  # noqa: BLE001  (unreadable or signed out: a session of no one)
        return None


def move_in(apps, schema_editor):
    Old = apps.get_model("sessions", "Session")
    New = apps.get_model("accounts", "Session")
    live = Old.objects.filter(expire_date__gte=timezone.now())
    batch = []
    for key, data, expires in live.values_list(
            "session_key", "session_data", "expire_date").iterator(chunk_size=BATCH):
        batch.append(New(session_key=key, session_data=data, expire_date=expires,
                         account_id=_account_id(data)))
        if len(batch) == BATCH:
            New.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    New.objects.bulk_create(batch, ignore_conflicts=True)
    live.delete()


def move_out(apps, schema_editor):
    Old = apps.get_model("sessions", "Session")
    New = apps.get_model("accounts", "Session")
    Old.objects.bulk_create(
        [Old(session_key=key, session_data=data, expire_date=expires)
         for key, data, expires in New.objects.values_list(
             "session_key", "session_data", "expire_date").iterator(chunk_size=BATCH)],
        batch_size=BATCH, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_account_sessions_and_proven_emails"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(move_in, move_out),
    ]
