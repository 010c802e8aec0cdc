"""QA round 13: a form adding a tag while an import of more than
core.rowlocks.CLAIMED_ONE_BY_ONE new tags writes (it claims the whole field, all_claimed) waits
at most the requests' lock_timeout, then answers 503 "busy for a moment", not a 500 nor a
wait as long as the import's; once the import has committed, the same form saves."""

import time

import pytest
from django.test import Client, override_settings

from tests.factories import AuthorFactory, UserFactory
from tests.test_qa11_races import in_thread, waiting_on_a_lock
from tests.test_qa12_accounts_import import story_saved_and_held

LOCK_TIMEOUT = 1  # seconds (settings.DATABASE_LOCK_TIMEOUT, 5 by default)
HELD = 4  # seconds the import stays in its transaction once its first story is in


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@override_settings(DATABASE_LOCK_TIMEOUT=LOCK_TIMEOUT)
def test_a_tag_added_while_an_import_of_many_new_tags_writes_waits_a_bounded_time(tmp_path):
    from taggit.models import Tag

    from articles import importer

    AuthorFactory(name="Li Wei", slug="li-wei")
    many = 510  # new tags, past core.rowlocks.CLAIMED_ONE_BY_ONE
    plan = importer.validate({"articles": [{
        "slug": f"harbour-day-{number}", "headline": f"Harbour day {number}",
        "body": f"Words {number}.", "section": "World", "author": "li-wei",
        "published_at": "2026-02-04T23:06:00Z",
        "tags": [f"Pier {number}-{tag}" for tag in range(10)]}
        for number in range(many // 10)]}, tmp_path)
    admin = Client(raise_request_exception=False)
    admin.force_login(UserFactory(username="chief", is_staff=True, is_superuser=True))
    form = {"name": "Ferries", "slug": "ferries"}
    imported, added = {}, {}
    with story_saved_and_held("Words 0.") as (stored, go):
        importing = in_thread(lambda: importer.write(plan), imported)
        assert stored.wait(30), imported
        started = time.monotonic()
        adding = in_thread(lambda: admin.post("/admin/taggit/tag/add/", form), added)
        assert waiting_on_a_lock(unless=adding), added
        adding.join(HELD)
        waited = time.monotonic() - started
        go.set()
        importing.join(60)
    assert not adding.is_alive() and not importing.is_alive()
    # Bounded by the requests' lock_timeout, not by the import's transaction.
    assert waited < HELD, waited
    assert "error" not in added, added.get("error")
    response = added["result"]
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "The site is busy for a moment" in response.content.decode()
    assert not Tag.objects.filter(name="Ferries").exists()
    assert "error" not in imported, imported.get("error")
    assert Tag.objects.count() == many
    # Sent again once the import is done, it saves.
    assert admin.post("/admin/taggit/tag/add/", form).status_code == 302
    assert Tag.objects.filter(name="Ferries").exists()
