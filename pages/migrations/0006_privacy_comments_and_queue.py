"""The privacy page says what is kept of comments and of emails in the queue as it is,
and names the Report Bias form's cookie.

Comments were said to go with their story's publication, but stay with the
story until it is deleted; deleting an account now deletes its emails from
the task queue; and the Report Bias form sets a cookie of its own. pages/fixtures/privacy.md has the new words for new
databases (0004); here a page made before gets them, paragraph by paragraph,
only where its editors left the old words as they were.
"""

from django.db import migrations

from pages.models import render_page

CHANGES = [
    ("We keep the text of your comment, when you posted it and which account\n"
     "posted it, for as long as the story it sits under is published.\n",
     "We keep the text of your comment, when you posted it and which account\n"
     "posted it, for as long as we keep the story it sits under. A comment stays\n"
     "with its story even when the story is taken down or our moderators hide the\n"
     "comment; it goes when the story itself is deleted.\n"),
    ("Emails are sent by a queue. The queue keeps what it was given to send for 7\n"
     "days after sending: for most emails the address and the text; for a password\n"
     "reset the account and the address, but never the reset link itself; for the\n"
     "newsletter only internal numbers.\n",
     "Emails are sent by a queue. The queue keeps what it was given to send for 7\n"
     "days after sending: for emails about your account (a welcome, a password\n"
     "reset, a change of address) the account and the address, but\n"
     "never the reset link or any other link in them; for the outcome of a bias\n"
     "report the address and the text; for the newsletter only internal numbers.\n"
     "Deleting your account deletes the emails about it from the queue at once,\n"
     "sent or waiting.\n"),
    ("- **Cookies:** signing in sets one that keeps you signed in, and our forms\n"
     "  set one that protects them from forgery. None of them follows you around\n"
     "  the web, and none is set while you only read.\n",
     "- **Cookies:** signing in sets one that keeps you signed in, and our forms\n"
     "  set one that protects them from forgery. The Report Bias form sets one\n"
     "  more, sent only to that story's report pages, so that a report you send\n"
     "  again is recognised as yours and its progress is shown to you alone.\n"
     "  None of them follows you around the web, and none is set while you only\n"
     "  read.\n"),
]


def update_privacy(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    for page in Page.objects.filter(slug="privacy"):
        body = page.body
        for before, after in CHANGES:
            body = body.replace(before, after)
        if body != page.body:
            # Historical models have no custom save(): render here, as 0005 does.
            Page.objects.filter(pk=page.pk).update(body=body, body_html=render_page(body))


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0005_unique_heading_ids"),
    ]

    operations = [
        migrations.RunPython(update_privacy, migrations.RunPython.noop),
    ]
