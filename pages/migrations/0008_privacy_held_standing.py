"""The privacy page says that a coded form of the address of an account deleted while
its comments were held for review is kept for a year (comments.HeldStanding).

pages/fixtures/privacy.md has the new words for new databases (0004); here a
page made before gets them, only where its editors left the paragraph as it was.
"""

from django.db import migrations

from pages.models import render_page

# Copied, not imported, so that it stays what it was (as Django advises for
# data migrations).
BEFORE = "  a year after a ban, so that the account cannot simply be made again.\n"
AFTER = ("  a year after a ban, so that the account cannot simply be made again.\n"
         "  If our moderators were holding your comments for review, we keep that\n"
         "  coded form of your email address for a year, so that a new account made\n"
         "  with it has its comments held too.\n")


def update_privacy(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    for page in Page.objects.filter(slug="privacy"):
        if AFTER in page.body or page.body.count(BEFORE) != 1:
            continue  # said already, or edited by its editors: theirs to word
        body = page.body.replace(BEFORE, AFTER)
        # Historical models have no custom save(): render here, as 0005 does.
        Page.objects.filter(pk=page.pk).update(body=body, body_html=render_page(body))


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0007_privacy_line_feeds"),
    ]

    operations = [
        migrations.RunPython(update_privacy, migrations.RunPython.noop),
    ]
