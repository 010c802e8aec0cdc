"""Two imports at once, QA round 6 (articles.importer.validate, DESIGN.md section 8).

Two import_articles runs on the same new slugs: the slower one, checking its
file while the other wrote, failed with a line per story of
`field "slug": Article with this Slug already exists.`, which reads as a
fault in the file. Run again, it replaced the other's stories. A story whose
slug was new when the file was looked up and is taken by the time its form
is checked is now said to have been taken meanwhile, as when it is taken
by the time the file is written.
"""

import io
import json

import pytest
from django.core.management import call_command

from articles import importer
from articles.models import Article
from tests.factories import AuthorFactory

pytestmark = pytest.mark.django_db

TAKEN = ('field "slug": another story took this slug while this file was checked; nothing '
         "was written: run the import again")


def story(slug):
    return {"slug": slug, "headline": f"Story {slug}", "body": "Words.", "section": "World",
            "author": "li-wei", "published_at": "2026-02-04T23:06:00Z"}


@pytest.fixture
def import_file(tmp_path):
    AuthorFactory(name="Li Wei", slug="li-wei")
    path = tmp_path / "articles.json"
    path.write_text(json.dumps({"articles": [story("race-one"), story("race-two")]}),
                    encoding="utf-8")
    return path


def test_slugs_another_import_took_while_the_file_was_checked_are_named_so(
        import_file, monkeypatch):
    looked_up = Article.objects.in_bulk

    def another_import_writes_after_the_look_up(*args, **kwargs):
        found = looked_up(*args, **kwargs)
        overlapping.setattr(Article.objects, "in_bulk", looked_up)  # the other's own look-up
        call_command("import_articles", str(import_file), stdout=io.StringIO())
        return found

    with monkeypatch.context() as overlapping:
        overlapping.setattr(Article.objects, "in_bulk", another_import_writes_after_the_look_up)
        with pytest.raises(importer.ImportFailed) as refused:
            importer.import_file(import_file)
    assert [str(problem) for problem in refused.value.problems] == [
        f'article 1 (slug "race-one"): {TAKEN}', f'article 2 (slug "race-two"): {TAKEN}']

    # Run again, as the line says: the other import's stories are replaced.
    result = importer.import_file(import_file)
    assert (result.created, result.updated) == (0, 2)
    assert Article.objects.count() == 2
