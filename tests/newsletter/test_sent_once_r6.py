"""A subscription form sent twice subscribes once; preferences saved as the address leaves."""

import re
import threading
import time

import pytest
from django.core import mail
from django.db import close_old_connections, connection
from django.db.models.signals import m2m_changed
from django.test import Client

from core import ratelimit
from newsletter import tokens
from newsletter import views as newsletter_views
from newsletter.models import Subscriber

from .conftest import subscribe_and_confirm

TOKEN = re.compile(r'<input type="hidden" name="submission_token" value="([A-Za-z0-9_-]+)"')
GONE = "This subscription no longer exists"


def subscribe_form(client, email, **extra):
    """The fields of a freshly rendered subscription form, filled in."""
    match = TOKEN.search(client.get("/newsletter/").content.decode())
    assert match, "no submission token in the subscription form"
    return {"submission_token": match[1], "email": email, "is_daily": "on", **extra}


# Subscribing -------------------------------------------------------------------


@pytest.mark.django_db
def test_every_rendered_form_carries_a_fresh_token(client, newsroom):
    tokens_seen = {subscribe_form(client, "")["submission_token"] for _ in range(3)}
    assert len(tokens_seen) == 3


@pytest.mark.django_db
def test_a_double_click_sends_one_email_and_uses_one_allowance(client, newsroom):
    data = subscribe_form(client, "ana@example.org")
    first, twin = client.post("/newsletter/", data), client.post("/newsletter/", data)
    assert first.status_code == twin.status_code == 302
    assert first["Location"] == twin["Location"] == "/newsletter/check-your-inbox/"
    assert len(mail.outbox) == 1 and Subscriber.objects.count() == 1
    # The inbox's three an hour from this form (ADDRESS_LIMITS): two are left.
    for _ in range(3):
        client.post("/newsletter/", subscribe_form(client, "ana@example.org"))
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_a_twin_sent_while_the_first_is_subscribing_sends_nothing(client, newsroom,
                                                                  monkeypatch):
    data = subscribe_form(client, "ana@example.org")
    subscribe, answers = newsletter_views._subscribe, []

    def twin_meanwhile(cleaned):
        if not answers:  # the first: its twin arrives now, in another worker
            answers.append(client.post("/newsletter/", data))
        return subscribe(cleaned)

    monkeypatch.setattr(newsletter_views, "_subscribe", twin_meanwhile)
    first = client.post("/newsletter/", data)
    (twin,) = answers
    assert first.status_code == twin.status_code == 302
    assert twin["Location"] == first["Location"] == "/newsletter/check-your-inbox/"
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_same_form_for_another_address_is_another_subscription(client, newsroom):
    """The page brought back (with its token) and another address typed."""
    data = subscribe_form(client, "ana@example.org")
    client.post("/newsletter/", data)
    client.post("/newsletter/", {**data, "email": "ben@example.org"})
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "ben@example.org"]


@pytest.mark.django_db
def test_a_refused_form_keeps_its_token_and_its_correction_subscribes(client, newsroom):
    data = subscribe_form(client, "ana@")
    refused = client.post("/newsletter/", data)
    assert refused.status_code == 400
    assert TOKEN.search(refused.content.decode())[1] == data["submission_token"]
    corrected = client.post("/newsletter/", {**data, "email": "ana@example.org"})
    assert corrected.status_code == 302 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_form_that_failed_to_subscribe_can_be_sent_again(client, newsroom, monkeypatch):
    data = subscribe_form(client, "ana@example.org")
    acquire_inbox = ratelimit.acquire_inbox

    def unavailable(*args, **kwargs):
        raise ratelimit.Unavailable("redis is down")

    monkeypatch.setattr(ratelimit, "acquire_inbox", unavailable)
    assert client.post("/newsletter/", data).status_code == 503
    monkeypatch.setattr(ratelimit, "acquire_inbox", acquire_inbox)
    assert client.post("/newsletter/", data).status_code == 302
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_form_without_a_token_still_subscribes(client, newsroom):
    """A page opened before the form had one."""
    response = client.post("/newsletter/", {"email": "ana@example.org", "is_daily": "on"})
    assert response.status_code == 302 and len(mail.outbox) == 1


# Preferences saved as the address leaves ----------------------------------------


@pytest.mark.django_db
def test_preferences_saved_as_the_address_unsubscribes_answer_gone(client, newsroom,
                                                                   monkeypatch):
    preferences = subscribe_and_confirm(client, "ana@example.org")
    read = tokens.read

    def left_meanwhile(token, purpose):
        subscriber = read(token, purpose)
        Subscriber.objects.filter(pk=subscriber.pk).delete()  # the one-click POST commits
        return subscriber

    monkeypatch.setattr(tokens, "read", left_meanwhile)
    response = client.post(preferences, {"action": "save", "sections": [newsroom["world"].pk]})
    assert response.status_code == 410 and GONE in response.content.decode()
    assert not Subscriber.objects.exists()
    monkeypatch.setattr(tokens, "read", read)
    assert client.get(preferences).status_code == 410  # as a later request with the link


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_one_click_unsubscribe_waits_for_a_save_under_way(newsroom):
    """The save adds a section the address did not follow; the unsubscribe, sent while it
    is stored, waits and deletes the address with it, rather than failing with a 500."""
    preferences = subscribe_and_confirm(Client(), "ana@example.org")
    unsubscribe = preferences.replace("/preferences/", "/unsubscribe/")
    through, answer = Subscriber.sections.through, {}

    def leave():
        try:
            answer["response"] = Client().post(unsubscribe)
        finally:
            close_old_connections()
            connection.close()

    def unsubscribe_meanwhile(sender, action, **kwargs):
        if action != "post_add":
            return
        leaver = threading.Thread(target=leave)
        leaver.start()
        deadline = time.monotonic() + 10
        while leaver.is_alive() and not waiting() and time.monotonic() < deadline:
            time.sleep(0.02)
        answer["thread"] = leaver

    m2m_changed.connect(unsubscribe_meanwhile, sender=through)
    try:
        saved = Client().post(preferences, {"action": "save",
                                            "sections": [newsroom["world"].pk]})
    finally:
        m2m_changed.disconnect(unsubscribe_meanwhile, sender=through)
    answer["thread"].join(10)
    assert saved.status_code == 302
    assert answer["response"].status_code == 200
    assert not Subscriber.objects.exists() and not through.objects.exists()


def waiting():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]
