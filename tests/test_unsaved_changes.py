"""Newsroom forms mark where changes not saved are kept, by account and object
(templates/admin/edit_conflict_change_form.html, static/js/unsaved_changes.js); the
browser tests (tests/browser/test_unsaved_changes.py) show them kept and offered back."""

import pytest

from tests.articles.newsroom import change_url, staff
from tests.factories import ArticleFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

SCRIPT = '<script type="module" src="/static/js/unsaved_changes.js"></script>'


@pytest.fixture
def editor(client):
    user = staff("Editors", username="editor")
    client.force_login(user)
    return user


def test_a_change_form_keeps_changes_under_the_account_and_the_object(client, editor):
    story = ArticleFactory()
    page = client.get(change_url(story)).content.decode()
    assert f'data-unsaved-changes="{editor.pk}:articles.article:{story.pk}"' in page
    assert SCRIPT in page
    section = SectionFactory()
    page = client.get(f"/admin/articles/section/{section.pk}/change/").content.decode()
    assert f'data-unsaved-changes="{editor.pk}:articles.section:{section.pk}"' in page


def test_an_add_form_keeps_them_as_new_with_what_its_address_fills_in(client, editor):
    page = client.get("/admin/articles/article/add/").content.decode()
    assert f'data-unsaved-changes="{editor.pk}:articles.article:new"' in page
    story = ArticleFactory()
    page = client.get(f"/admin/standards/correction/add/?article={story.pk}").content.decode()
    assert f'data-unsaved-changes="{editor.pk}:standards.correction:new?article={story.pk}"' in page


def test_a_revision_is_no_form_to_keep_changes_of(client, editor):
    story = ArticleFactory()
    revision = story.history.get()
    page = client.get(f"/admin/articles/article/{story.pk}/history/{revision.history_id}/")
    assert page.status_code == 200
    assert "data-unsaved-changes" not in page.content.decode()


def test_every_admin_page_runs_the_script_that_forgets_what_was_saved(client, editor):
    # The page after Save (here the story list) says it was saved: the script drops the copy.
    assert SCRIPT in client.get("/admin/articles/article/").content.decode()


def test_public_pages_run_it_for_the_newsroom_so_signing_out_there_forgets_them(client, editor):
    # The header's sign-out form and the sign-out page's are the ones it listens to.
    story = ArticleFactory()
    for path in ("/", story.get_absolute_url(), "/accounts/logout/"):
        page = client.get(path).content.decode()
        assert SCRIPT in page, path
        assert 'action="/accounts/logout/" class="inline-form" data-signs-out>' in page
    assert 'class="stacked-form" data-signs-out>' in client.get("/accounts/logout/").content.decode()


def test_a_reader_or_an_anonymous_visitor_gets_no_such_script(client):
    # Only the newsroom's forms keep copies; readers' pages stay as they were.
    story = ArticleFactory()
    assert SCRIPT not in client.get(story.get_absolute_url()).content.decode()
    client.force_login(UserFactory())
    assert SCRIPT not in client.get(story.get_absolute_url()).content.decode()
