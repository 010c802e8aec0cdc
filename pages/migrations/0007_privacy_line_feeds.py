"""Pages stored with CR LF line breaks get LF, and then the privacy page's words of 0006.

The admin stored a page's text as the browser sent it, with CR LF, until
core.text.LineFeeds made every save store LF. 0006 matched the privacy page's
old paragraphs with LF line breaks, so a page stored with CR LF kept its old
words silently. Here the line breaks of such pages become LF (only the pages
holding a CR; update(), so nothing else of the page changes), and 0006's
change is made again: a page it has changed already, or whose editors changed
these paragraphs, no longer holds the old words and is left as it is.
"""

import re

from django.db import migrations

from pages.models import render_page

# core.text's line breaks as this migration was written.
LINE_BREAK = re.compile(r"\r\n?")

# 0006's change, copied so that it stays what it was (as Django advises for
# data migrations).
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


def line_feeds_and_privacy(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    for page in Page.objects.filter(body__contains="\r"):
        body = LINE_BREAK.sub("\n", page.body)
        if page.slug == "privacy":
            for before, after in CHANGES:
                body = body.replace(before, after)
        # Historical models have no custom save(): render here, as 0005 does.
        Page.objects.filter(pk=page.pk).update(body=body, body_html=render_page(body))


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0006_privacy_comments_and_queue"),
    ]

    operations = [
        # LF is what every save stores now: reversing leaves the pages as they are.
        migrations.RunPython(line_feeds_and_privacy, migrations.RunPython.noop),
    ]
