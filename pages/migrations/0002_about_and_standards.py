from django.db import migrations

from evadaily.roles import sync_roles
from pages.models import render_page

ABOUT = """\
EVA DAILY is a small, independent online newspaper. We publish news and
analysis in a handful of sections, and every story has its own page showing
who wrote it, when it was published and every correction made since.

This edition is a demonstration: the people, places and events in its stories
are fictional. The way the newsroom works, described here and in our
[standards](/standards/), is real, and the site is built to keep to it.

## Who writes for us

Our stories are written by reporters and by **AI personas**: named bylines
under which an AI system writes. We never pass one off as the other. An AI
persona's byline always carries an **AI** badge linking to a disclosure on the
author's page, which says which system writes as that persona and which human
editor is accountable for what it publishes. Every author, person or persona,
has a page listing their published stories on [Authors](/authors/).

## Who is responsible

Editors decide what we publish and answer for it. No story appears under an
AI persona's byline until a named human editor has reviewed it, and that
editor is accountable for it as if they had written it. Stories that people
wrote with the help of AI tools say so too.

## How to reach us

- **Something wrong or unfair in a story?** Use the *Report Bias* button at
  the end of the story. You do not need an account. Choose "Factual error"
  for a mistake of fact; the other reasons cover slant, one-sided sourcing,
  loaded language and missing context. You get a reference number, and if you
  leave an email address we tell you what we decided.
- **Want to discuss a story?** Readers with an account can comment under it,
  in up to 250 characters.

## Our public record

Every correction, clarification and editor's note is listed in our
[corrections log](/corrections/). Our [transparency report](/transparency/)
shows how much of our work involves AI and what happened to the bias reports
readers sent us.
"""

STANDARDS = """\
These are the rules our newsroom works by. They apply to every story,
whoever or whatever wrote it.

## Ethics

- **Accuracy comes first.** We check facts before we publish, say where they
  come from, and say plainly what we do not know.
- **Independence.** Nobody pays for coverage, and advertisers have no say in
  what we report. Writers and editors declare any personal or financial
  interest in a subject and step away from stories they have a stake in.
- **Fairness.** When we report a serious claim against a person or an
  organisation, we ask them for a response before we publish and report what
  they said, or that they did not answer.
- **Sources.** We name our sources wherever we can. We grant anonymity only
  when a source would face real harm if named; an editor must know who the
  source is, and the story says why they were not named.
- **Images.** News photographs are not altered beyond cropping and
  correcting exposure. An image made by an AI system is labelled
  "(AI-generated image)" in its credit, and we never use one to show a real
  event as if it had been photographed.

## AI policy

- **AI personas are disclosed.** Some of our bylines belong to AI personas.
  Each one carries an *AI* badge, read out by screen readers as "AI-generated
  author", which links to the persona's disclosure: the AI system that writes
  as it and the human editor accountable for its work.
- **A human editor is accountable.** No AI-written story is published until
  a named editor has reviewed it; we record who reviewed it and when. That
  editor answers for the story exactly as for one written by a reporter.
- **Involvement is recorded on every story.** Each story is marked as
  written by people, written by people with AI tools, or written by an AI
  system.
- **No invented people or quotes.** An AI persona does not interview anyone
  and never puts words in a real person's mouth: every quotation in our
  stories comes from a source a person has checked.
- **Same standards, same corrections.** Everything on this page applies to
  AI personas' stories, and their mistakes are corrected in the same open way.

## Corrections policy

- **We correct mistakes openly.** We never quietly change a fact in a
  published story. When we fix one, we add a dated note at the end of the
  story, mark the story as updated, and list the note in our public
  [corrections log](/corrections/).
- **Three kinds of note.** A *correction* fixes something we got wrong. A
  *clarification* adds or rewords something that was accurate but could
  mislead. An *editor's note* explains something about how a story was
  reported or edited, or a significant change to it.
- **Small fixes.** Spelling and grammar are fixed without a note, unless the
  fix changes the meaning.
- **Tell us.** Use the *Report Bias* button on the story and choose "Factual
  error". Corrections prompted by a reader's report are linked to that report.

## How bias reports are handled

1. **Anyone can report.** Every story has a *Report Bias* button. Choose a
   reason (political slant, one-sided sourcing, loaded language, factual
   error, missing context, or something else), quote the passage if you like,
   explain what is wrong and, if you can, link to evidence. An account is not
   needed; an email address is optional and is used only to tell you the
   outcome.
2. **You get a reference** such as BR-000123, so you and we can refer to the
   report later.
3. **A moderator reviews every report,** with the story's editor and, for an
   AI persona's story, the editor accountable for that persona. A report moves
   from *new* to *in review* to a decision.
4. **Every decision is written down.** A report is *upheld* or *dismissed*
   with a note explaining why. When it is upheld we change the story and
   publish a correction, clarification or editor's note.
5. **Outcomes are public in aggregate.** Our [transparency
   report](/transparency/) counts the reports we receive, their reasons and
   their outcomes. We never publish the details of the people who sent them.
"""

PAGES = [
    {
        "slug": "about",
        "title": "About EVA DAILY",
        "description": "Who makes EVA DAILY, who answers for its AI personas, "
                       "and how to reach the newsroom.",
        "body": ABOUT,
    },
    {
        "slug": "standards",
        "title": "Standards and policies",
        "description": "Our ethics, how we use AI, how we correct mistakes and how "
                       "we handle reports of bias.",
        "body": STANDARDS,
    },
]


def create_pages(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    for page in PAGES:
        # Historical models have no custom save(): render here.
        Page.objects.get_or_create(
            slug=page["slug"],
            defaults={**page, "body_html": render_page(page["body"])},
        )


def remove_pages(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    Page.objects.filter(slug__in=[page["slug"] for page in PAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0001_initial"),
        ("articles", "0002_roles"),
    ]

    operations = [
        migrations.RunPython(create_pages, remove_pages),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
