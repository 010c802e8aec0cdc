import importlib

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pages import loader
from pages.models import Page, render_page
from tests.markup import parse_html

pytestmark = pytest.mark.django_db


def test_migration_creates_about_and_standards(client):
    about = client.get("/about/")
    assert about.status_code == 200
    assert "<h1>About EVA DAILY</h1>" in about.content.decode()

    standards = parse_html(client.get("/standards/"))
    assert standards.title == "Standards and policies · EVA DAILY"
    assert standards.meta["description"].startswith("Our ethics, how we use AI")
    # Each policy is a linkable section.
    assert {"ethics", "ai-policy", "corrections-policy",
            "how-bias-reports-are-handled"} <= standards.ids
    text = client.get("/standards/").content.decode()
    assert "human editor is accountable" in text
    assert "BR-000123" in text


def test_pages_are_linked_from_every_page(client):
    text = client.get("/articles/").content.decode()
    assert 'href="/about/"' in text and 'href="/standards/"' in text


def test_body_is_markdown_rendered_safely():
    page = Page.objects.get(slug="about")
    page.body = "## Who we are\n\nHello <script>alert(1)</script> [x](javascript:alert(1))\n\n# Top"
    page.save()
    assert '<h2 id="who-we-are">Who we are</h2>' in page.body_html
    assert "<h2 id=\"top\">Top</h2>" in page.body_html  # an h1 becomes h2
    assert "<script" not in page.body_html and "javascript:" not in page.body_html


def test_editors_edit_pages_in_the_admin(client, django_user_model):
    editor = django_user_model.objects.create_user("ed", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    page = Page.objects.get(slug="standards")
    url = f"/admin/pages/page/{page.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"slug": "standards", "title": "Our standards",
                                 "description": "How we work.",
                                 "body": "## Ethics\n\nWe check facts."})
    assert response.status_code == 302, response.content.decode()[:2000]
    text = client.get("/standards/").content.decode()
    assert "<h1>Our standards</h1>" in text
    assert '<h2 id="ethics">Ethics</h2>' in text


def test_moderators_and_readers_cannot_edit_pages(client, django_user_model):
    moderator = django_user_model.objects.create_user("mod", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    page = Page.objects.get(slug="about")
    assert client.get(f"/admin/pages/page/{page.pk}/change/").status_code == 403
    assert not moderator.has_perm("pages.change_page")


def test_page_urls():
    assert Page.objects.get(slug="about").get_absolute_url() == "/about/"
    assert Page.objects.get(slug="standards").get_absolute_url() == "/standards/"
    assert Page.objects.get(slug="privacy").get_absolute_url() == "/privacy/"


@pytest.mark.parametrize("slug", ["about", "standards", "privacy"])
def test_a_fresh_database_has_the_copy_of_the_fixture_file(client, slug):
    # The test database was migrated from nothing; the file is the copy's only home.
    page = Page.objects.get(slug=slug)
    fixture = (settings.BASE_DIR / "pages" / "fixtures" / f"{slug}.md").read_text(encoding="utf-8")
    assert fixture == (f"---\ntitle: {page.title}\ndescription: {page.description}\n---\n"
                       f"{page.body}")
    assert page.body_html == render_page(page.body)
    assert page.body_html in client.get(f"/{slug}/").content.decode()


def test_the_migration_takes_the_copy_from_the_fixture_files(client, tmp_path, monkeypatch):
    for slug in ("about", "standards"):
        (tmp_path / f"{slug}.md").write_text(
            f"---\ntitle: New {slug}\ndescription: Told by the file.\n---\n"
            f"## From the file\n\nWritten for {slug}.\n", encoding="utf-8")
    monkeypatch.setattr(loader, "FIXTURES", tmp_path)
    name = "0002_about_and_standards"
    migration = importlib.import_module(f"pages.migrations.{name}")
    state = MigrationExecutor(connection).loader.project_state(("pages", name))
    Page.objects.filter(slug="about").delete()

    migration.create_pages(state.apps, schema_editor=None)

    about = parse_html(client.get("/about/"))
    assert about.title == "New about · EVA DAILY"
    assert about.meta["description"] == "Told by the file."
    assert "from-the-file" in about.ids
    assert "Written for about." in client.get("/about/").content.decode()
    # A page that exists keeps its editors' words.
    assert Page.objects.get(slug="standards").title == "Standards and policies"


def test_pages_are_added_only_while_one_of_them_is_missing(client, django_user_model):
    """With the three pages there, the admin offered "Add" and refused the form only once
    its body was written (QA, 2026-12-06)."""
    editor = django_user_model.objects.create_user("ed", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    assert client.get("/admin/pages/page/add/").status_code == 403
    assert 'href="/admin/pages/page/add/"' not in client.get("/admin/").content.decode()
    Page.objects.filter(slug="privacy").delete()
    form = client.get("/admin/pages/page/add/").content.decode()
    assert '<option value="privacy">' in form
    assert 'href="/admin/pages/page/add/"' in client.get("/admin/").content.decode()
