"""The preferences page and leaving: signed links, no sign-in, one-click POST (RFC 8058)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from newsletter.forms import NOTHING_CHOSEN
from newsletter.models import Delivery, Edition, Subscriber

from .conftest import EDITION, subscribe_and_confirm

pytestmark = pytest.mark.django_db


def test_preferences_show_and_change_what_is_followed(client, newsroom):
    preferences = subscribe_and_confirm(client, "ana@example.org", daily=False,
                                        sections=[newsroom["world"]])
    anonymous = Client()  # no session, no cookie: the link alone is enough
    page = anonymous.get(preferences).content.decode()
    assert "ana@example.org" in page
    world = page.split("<span>World</span>")[0].rsplit("<input", 1)[1]
    assert "checked" in world
    response = anonymous.post(preferences, {"action": "save", "authors": [newsroom["ai"].pk],
                                            "is_daily": "on"})
    assert response.status_code == 302
    subscriber = Subscriber.objects.get()
    assert subscriber.is_daily and list(subscriber.authors.all()) == [newsroom["ai"]]
    assert list(subscriber.sections.all()) == []
    # Read out by assistive technology in a live region around the list (a list
    # with role="status" is no longer a list, which axe reports).
    assert ('<div role="status"><ul class="notices"><li>Saved. The next edition follows your '
            'new choices.</li></ul></div>') in anonymous.get(preferences).content.decode()
    assert "Saved." not in anonymous.get(preferences).content.decode()  # once


def test_choosing_nothing_keeps_what_was_there_and_what_was_typed(client, newsroom):
    preferences = subscribe_and_confirm(client, "ana@example.org", daily=True)
    response = client.post(preferences, {"action": "save"})
    assert response.status_code == 400
    page = response.content.decode()
    assert NOTHING_CHOSEN in page and "nothing was changed" in page
    # What was sent is shown (nothing ticked), not what is stored.
    assert "checked" not in page.split('name="is_daily"')[1][:60]
    assert Subscriber.objects.get().is_daily
    response = client.post(preferences, {"action": "save", "sections": ["x"]})
    assert response.status_code == 400 and "no longer offered" in response.content.decode()


def test_pause_and_resume(client, newsroom):
    preferences = subscribe_and_confirm(client, "ana@example.org")
    assert client.post(preferences, {"action": "pause"}).status_code == 302
    subscriber = Subscriber.objects.get()
    assert subscriber.is_paused
    page = client.get(preferences).content.decode()
    assert "Paused since" in page and "Resume the editions" in page
    Subscriber.objects.update(served_until=EDITION - timedelta(days=1))
    assert client.post(preferences, {"action": "resume"}).status_code == 302
    subscriber.refresh_from_db()
    # Back from a pause, the next edition reaches back 24 hours, like a first one.
    assert not subscriber.is_paused and subscriber.served_until is None


def test_an_unknown_action_changes_nothing_and_says_so(client, newsroom):
    preferences = subscribe_and_confirm(client, "ana@example.org")
    response = client.post(preferences, {"action": "delete-everything", "is_daily": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was changed: this page did not recognise that request." in page
    assert "Save choices" in page
    subscriber = Subscriber.objects.get()
    assert subscriber.is_daily and not subscriber.is_paused
    assert "did not recognise" not in client.get(preferences).content.decode()  # once


def test_leaving_by_the_page_asks_first_then_deletes_everything(client, newsroom):
    preferences = subscribe_and_confirm(client, "ana@example.org")
    subscriber = Subscriber.objects.get()
    edition = Edition.objects.create(scheduled_at=EDITION)
    Delivery.objects.create(edition=edition, subscriber=subscriber, story_count=2)
    unsubscribe = preferences.replace("/preferences/", "/unsubscribe/")
    page = client.get(unsubscribe)
    assert page.status_code == 200 and "ana@example.org" in page.content.decode()
    assert Subscriber.objects.exists()  # a visit (a link checker) removes nothing
    response = client.post(unsubscribe)
    assert response.status_code == 200
    assert "You have unsubscribed" in response.content.decode()
    # Deleted, not kept as "unsubscribed": no row, no record of what was sent.
    assert not Subscriber.objects.exists() and not Delivery.objects.exists()


def test_one_click_unsubscribe_as_mail_clients_post_it(client, newsroom):
    """RFC 8058: a POST with List-Unsubscribe=One-Click, no cookies and no CSRF token."""
    preferences = subscribe_and_confirm(client, "ana@example.org")
    unsubscribe = preferences.replace("/preferences/", "/unsubscribe/")
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(unsubscribe, "List-Unsubscribe=One-Click",
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not Subscriber.objects.exists()
    # Posting again (a retry) is still a success; the address is not revealed.
    response = mail_client.post(unsubscribe, "List-Unsubscribe=One-Click",
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "ana@example.org" not in response.content.decode()
    assert client.get(preferences).status_code == 410


def test_the_preferences_form_needs_its_csrf_token(client, newsroom):
    preferences = subscribe_and_confirm(client, "ana@example.org")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(preferences, {"action": "pause"}).status_code == 403
    assert not Subscriber.objects.get().is_paused


def test_an_unconfirmed_address_gets_nothing_but_its_confirmation(client, newsroom):
    client.post("/newsletter/", {"email": "ana@example.org", "is_daily": "on"})
    assert [m.subject for m in mail.outbox] == ["Confirm your EVA DAILY subscription"]
    assert not Subscriber.objects.confirmed().exists()
