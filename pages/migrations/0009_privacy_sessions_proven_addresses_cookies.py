"""The privacy page says what an account keeps and how its address is held, every
cookie, and how long an undecided bias report keeps its reporter's email.

An account's join, sign-in and address-change times were kept unsaid; deleting
an account now ends its sessions in every browser; an address is held from a
deleted suspended account only if it was proven (accounts.models.ProvenEmail);
the short-lived messages cookie was unnamed, and the Report Bias cookie is set
when the form is opened. pages/fixtures/privacy.md has the new words for new
databases (0004); here a page made before gets them, paragraph by paragraph,
only where its editors left the old words as they were.
"""

from django.db import migrations

from pages.models import render_page

# Copied, not imported, so that they stay what they were (as Django advises for
# data migrations).
CHANGES = [
    # What an account keeps.
    ("- **What we keep:** your username, your email address and your password,\n"
     "  stored only as a hash that nobody can read back.\n",
     "- **What we keep:** your username, your email address and your password,\n"
     "  stored only as a hash that nobody can read back; when you joined, when\n"
     "  you last signed in and when your email address last changed; and, once\n"
     "  you follow a link we sent to your address (to confirm a new address, or\n"
     "  to choose a new password), a coded form of that address and when you\n"
     "  did, which shows the address is yours.\n"),
    # Deleting ends every session; only a proven address is held.
    ("  from [your account page](/accounts/). Deleting it removes your username,\n"
     "  email address and password at once, along with any email address you left\n"
     "  on a bias report. Your comments stay under their stories, shown as from\n"
     "  \"a former reader\", and our moderators' records say \"a former reader\" too.\n"
     "  If your account is suspended or banned when you delete it, we keep a\n"
     "  look-alike form of your username and a coded form of your email address\n"
     "  (never the address itself) until the suspension would have ended, or for\n"
     "  a year after a ban, so that the account cannot simply be made again.\n"
     "  If our moderators were holding your comments for review, we keep that\n"
     "  coded form of your email address for a year, so that a new account made\n"
     "  with it has its comments held too.\n",
     "  from [your account page](/accounts/). Deleting it removes your username,\n"
     "  email address and password at once, along with any email address you left\n"
     "  on a bias report, and signs the account out in every browser, deleting\n"
     "  what those sessions held. Your comments stay under their stories, shown\n"
     "  as from \"a former reader\", and our moderators' records say \"a former\n"
     "  reader\" too.\n"
     "  If your account is suspended or banned when you delete it, we keep a\n"
     "  look-alike form of your username until the suspension would have ended,\n"
     "  or for a year after a ban, so that the account cannot simply be made\n"
     "  again. If you had shown your email address to be yours (by following a\n"
     "  link we sent to it) before the suspension, we keep a coded form of it\n"
     "  (never the address itself) for as long.\n"
     "  If our moderators were holding your comments for review, we keep that\n"
     "  coded form of a proven address for a year, so that a new account made\n"
     "  with it has its comments held too. An address that was never proven is\n"
     "  never held: anyone can type one.\n"),
    # Every cookie, and when the Report Bias one is set.
    ("- **Cookies:** signing in sets one that keeps you signed in, and our forms\n"
     "  set one that protects them from forgery. The Report Bias form sets one\n"
     "  more, sent only to that story's report pages, so that a report you send\n"
     "  again is recognised as yours and its progress is shown to you alone.\n"
     "  None of them follows you around the web, and none is set while you only\n"
     "  read.\n",
     "- **Cookies:** signing in sets one that keeps you signed in, and our forms\n"
     "  set one that protects them from forgery. A short-lived one carries a\n"
     "  one-line message (the welcome after you sign up, say) to the next page\n"
     "  you open, and goes once it is shown. The Report Bias form sets one more\n"
     "  when you open it, kept for a year and sent only to that story's report\n"
     "  pages, so that a report you send again is recognised as yours and its\n"
     "  progress is shown to you alone. None of them follows you around the web,\n"
     "  and none is set while you only read.\n"),
    # How long a reporter's email is kept.
    ("- An email address is optional. If you give one, we use it only to tell you\n"
     "  what we decided; only our moderators see it, and we delete it 30 days\n"
     "  after your report is decided.\n",
     "- An email address is optional. If you give one, we use it only to tell you\n"
     "  what we decided, and only our moderators see it. We keep it while your\n"
     "  report waits for a decision, however long that takes, and delete it 30\n"
     "  days after the report is decided.\n"),
]


def update_privacy(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    for page in Page.objects.filter(slug="privacy"):
        body = page.body
        for before, after in CHANGES:
            if after not in body and body.count(before) == 1:
                body = body.replace(before, after)
        if body != page.body:
            # Historical models have no custom save(): render here, as 0005 does.
            Page.objects.filter(pk=page.pk).update(body=body, body_html=render_page(body))


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0008_privacy_held_standing"),
    ]

    operations = [
        migrations.RunPython(update_privacy, migrations.RunPython.noop),
    ]
