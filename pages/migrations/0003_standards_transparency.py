"""The standards page points to the transparency report and each story's review record.

Editors own the page's words: each passage is replaced only where it still
reads as 0002 wrote it, so an edited page keeps its editor's text.
"""

from django.db import migrations

from pages.models import render_page

REPLACEMENTS = [
    (
        """- **Same standards, same corrections.** Everything on this page applies to
  AI personas' stories, and their mistakes are corrected in the same open way.
""",
        """- **Same standards, same corrections.** Everything on this page applies to
  AI personas' stories, and their mistakes are corrected in the same open way.
- **Counted in public.** Our [transparency report](/transparency/) shows,
  month by month, how many of our stories people wrote, people wrote with AI
  tools, or an AI system wrote, and under which AI personas. Each persona's
  page compares the bias reports upheld on its stories with the newsroom's
  average.
""",
    ),
    (
        """  error". Corrections prompted by a reader's report are linked to that report.
""",
        """  error". Corrections prompted by a reader's report are linked to that report,
  and the reader who sent it, if they left an email address, is sent a link to
  the correction.
""",
    ),
    (
        """5. **Outcomes are public in aggregate.** Our [transparency
   report](/transparency/) counts the reports we receive, their reasons and
   their outcomes. We never publish the details of the people who sent them.
""",
        """5. **Outcomes are public.** Once a report on a story has been decided, the
   story shows how many reports on it were reviewed and how many upheld. Our
   [transparency report](/transparency/) counts, month by month, the reports
   we receive, their reasons, their outcomes and how many days a decision
   took. We never publish the details of the people who sent them.
""",
    ),
]


def _rewrite(apps, pairs):
    Page = apps.get_model("pages", "Page")
    page = Page.objects.filter(slug="standards").first()
    if page is None:
        return
    body = page.body
    for old, new in pairs:
        body = body.replace(old, new)
    if body != page.body:
        # Historical models have no custom save(): render here.
        page.body = body
        page.body_html = render_page(body)
        page.save(update_fields=["body", "body_html"])


def forwards(apps, schema_editor):
    _rewrite(apps, REPLACEMENTS)


def backwards(apps, schema_editor):
    _rewrite(apps, [(new, old) for old, new in REPLACEMENTS])


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0002_about_and_standards"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
