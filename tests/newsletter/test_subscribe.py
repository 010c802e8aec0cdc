"""Subscribing at /newsletter/: double opt-in, no oracle, limits, and bad input kept."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils.html import escape

from newsletter import tokens
from core import ratelimit
from core.mail import INVALID_ADDRESS, LONG_ADDRESS, NOT_ASCII_ADDRESS, QUOTED_ADDRESS
from newsletter.forms import NOTHING_CHOSEN
from newsletter.models import Subscriber
from newsletter.personal_data import purge_unconfirmed
from tests.factories import UserFactory

from .conftest import links, post_subscribe, subscribe_and_confirm

pytestmark = pytest.mark.django_db


def test_the_page_offers_the_daily_edition_sections_and_authors_with_the_ai_mark(
        client, newsroom):
    response = client.get("/newsletter/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert 'name="is_daily"' in page and "checked" in page.split('name="is_daily"')[1][:80]
    assert ">World<" in page and ">Business<" in page
    ai_label = page.split("Li Wei", 1)[1][:120]
    assert 'title="AI-generated author">AI</abbr>' in ai_label
    assert 'AI</abbr>' not in page.split("Margaret Okonkwo", 1)[1][:60]
    # Strict CSP: no inline script or style on a public page.
    assert "<script>" not in page and " style=" not in page and "<style" not in page
    assert 'name="website"' in page  # the honeypot


def test_subscribing_stores_the_choices_and_sends_only_the_confirmation(client, newsroom):
    response = post_subscribe(client, " Ana@Example.org ", daily=False,
                              sections=[newsroom["world"]], authors=[newsroom["ai"]])
    assert response.status_code == 302
    assert response["Location"] == "/newsletter/check-your-inbox/"
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "ana@example.org" and not subscriber.is_confirmed
    assert not subscriber.is_daily
    assert list(subscriber.sections.all()) == [newsroom["world"]]
    assert list(subscriber.authors.all()) == [newsroom["ai"]]
    (message,) = mail.outbox
    assert message.to == ["ana@example.org"]
    assert message.subject == "Confirm your EVA DAILY subscription"
    assert "- World\n- Li Wei (AI persona)" in message.body
    assert links(message, "/newsletter/confirm/")
    assert not links(message, "/newsletter/preferences/")
    assert "Check your inbox" in client.get(response["Location"]).content.decode()


def test_confirming_takes_a_press_of_the_button_not_a_visit(client, newsroom):
    post_subscribe(client, "ana@example.org")
    (confirm,) = links(mail.outbox[0], "/newsletter/confirm/")
    page = client.get(confirm)
    assert page.status_code == 200 and "Yes, subscribe" in page.content.decode()
    assert not Subscriber.objects.get().is_confirmed  # a link checker confirms nothing
    response = client.post(confirm)
    assert response.status_code == 302
    assert response["Location"].startswith("/newsletter/preferences/")
    assert Subscriber.objects.get().is_confirmed
    page = client.get(response["Location"]).content.decode()
    assert "You are subscribed" in page and "ana@example.org" in page
    # Confirming again changes nothing and says so.
    assert client.post(confirm).status_code == 302
    assert "Already confirmed" in client.get(confirm).content.decode()


def test_the_same_address_again_changes_nothing_and_answers_alike(client, newsroom):
    first = post_subscribe(client, "ana@example.org", daily=False,
                           sections=[newsroom["world"]])
    again = post_subscribe(client, "ANA@example.org", daily=True,
                           authors=[newsroom["human"]])
    subscriber = Subscriber.objects.get()
    assert not subscriber.is_daily and list(subscriber.authors.all()) == []
    assert [m.subject for m in mail.outbox] == ["Confirm your EVA DAILY subscription"] * 2
    client.post(links(mail.outbox[1], "/newsletter/confirm/")[0])
    confirmed = post_subscribe(client, "ana@example.org", daily=True,
                               authors=[newsroom["human"]])
    new = post_subscribe(client, "bo@example.org")
    # The answer is the same for a new, a waiting and a subscribed address.
    for response in (first, again, confirmed, new):
        assert (response.status_code, response["Location"]) == (
            302, "/newsletter/check-your-inbox/")
    subscriber.refresh_from_db()
    assert not subscriber.is_daily and list(subscriber.authors.all()) == []
    # The owner of the subscribed address is told, with a way to change things.
    note = mail.outbox[2]
    assert note.to == ["ana@example.org"]
    assert note.subject == "You already receive EVA DAILY"
    assert links(note, "/newsletter/preferences/") and not links(note, "/confirm/")


@pytest.mark.parametrize(("email", "message"), [
    ("not-an-address", "Enter an email address such as name@example.org."),
    ("", "Enter the email address the editions should go to."),
    ("ana@", "Enter an email address such as name@example.org."),
    # What mail servers take only with SMTPUTF8, told as such (core.forms.EmailAddressField).
    ("ünïcode@example.org", "no letters such as ü or İ there"),
    ("a" * 250 + "@example.org", "Ensure this value has at most 254 characters"),
])
def test_a_bad_address_is_refused_with_what_was_typed_kept(client, newsroom, email, message):
    response = post_subscribe(client, email, daily=False, sections=[newsroom["business"]])
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "nothing was sent yet" in page
    if email:
        assert f'value="{email}"' in page
    business = page.split("<span>Business</span>")[0].rsplit("<input", 1)[1]
    assert "checked" in business
    assert not Subscriber.objects.exists() and mail.outbox == []


@pytest.mark.parametrize(("email", "message"), [
    # Quoted, these are victim@example.org to a mail server: one more spelling of it.
    ('"victim"@example.org', QUOTED_ADDRESS),
    ('"v\\ictim"@example.org', QUOTED_ADDRESS),
    # Letters EmailValidator takes as i, K and s, which no mail server is given
    # before the @ without SMTPUTF8; lower-cased, İ would even become two letters.
    ("İ@example.org", NOT_ASCII_ADDRESS),
    ("\u212aate@example.org", NOT_ASCII_ADDRESS),
    ("ſam@example.org", NOT_ASCII_ADDRESS),
    # 254 characters as typed, 2,000 once the domain is written for mail servers.
    ("a@" + ".".join(["İ"] * 124) + ".org", LONG_ADDRESS),
    ("a@" + "ä" * 63 + ".org", INVALID_ADDRESS),  # a label too long once encoded
    ("ana@[192.0.2.1]", INVALID_ADDRESS),
    ("ana@localhost", INVALID_ADDRESS),
])
def test_an_address_mail_cannot_go_to_as_typed_is_refused_clearly(client, newsroom, email,
                                                                   message):
    response = post_subscribe(client, email)
    page = response.content.decode()
    assert response.status_code == 400
    assert escape(message) in page and "nothing was sent yet" in page
    assert f'value="{escape(email)}"' in page
    assert not Subscriber.objects.exists() and mail.outbox == []


def test_one_inbox_is_one_subscriber_however_its_domain_is_written(client, newsroom):
    for email in ("test@exämple.org", "test@xn--exmple-cua.org", "Test@EXÄMPLE.org",
                  "TEST@XN--EXMPLE-CUA.ORG"):
        assert post_subscribe(client, email).status_code == 302
    # The form mail servers know the domain by, which the SMTP backend sends to.
    assert list(Subscriber.objects.values_list("email", flat=True)) == [
        "test@xn--exmple-cua.org"]
    assert [m.to for m in mail.outbox] == [["test@xn--exmple-cua.org"]] * 3  # the limit


def test_every_spelling_of_a_mailbox_counts_towards_its_limit():
    """The per-address limit is for a mailbox, whatever spelling a form lets through."""
    victim = {ratelimit.email_key(email) for email in (
        "victim@example.org", "VICTIM@Example.org", '"victim"@example.org',
        '"v\\ictim"@example.org', '"VICTIM"@EXAMPLE.ORG')}
    idn = {ratelimit.email_key(email) for email in (
        "victim@exämple.org", "victim@xn--exmple-cua.org", "Victim@EXÄMPLE.org")}
    assert len(victim) == 1 and len(idn) == 1 and victim != idn
    assert ratelimit.email_key('"vic tim"@example.org') not in victim
    assert ratelimit.email_key("a@" + "ä" * 63 + ".org")  # a stable key, not an error


def test_choosing_nothing_is_refused_with_the_address_kept(client, newsroom):
    response = post_subscribe(client, "ana@example.org", daily=False)
    page = response.content.decode()
    assert response.status_code == 400
    assert NOTHING_CHOSEN in page and 'value="ana@example.org"' in page
    assert not Subscriber.objects.exists() and mail.outbox == []


def test_a_section_that_is_gone_is_refused_not_a_crash(client, newsroom):
    response = client.post("/newsletter/", {"email": "ana@example.org",
                                            "sections": ["999999", "x"]})
    assert response.status_code == 400
    assert "no longer offered" in response.content.decode()
    response = client.post("/newsletter/", {"email": "ana@example.org",
                                            "sections": ["\x00"], "authors": ["1" * 30]})
    assert response.status_code == 400 and not Subscriber.objects.exists()
    assert "no longer offered" in response.content.decode()


def test_the_honeypot_refuses_and_keeps_the_form(client, newsroom):
    response = post_subscribe(client, "ana@example.org", website="http://spam.example")
    assert response.status_code == 400
    assert "could not be sent" in response.content.decode()
    assert 'value="ana@example.org"' in response.content.decode()
    assert not Subscriber.objects.exists() and mail.outbox == []


def test_five_attempts_an_hour_from_one_connection(client, newsroom, clock):
    for number in range(5):
        assert post_subscribe(client, f"r{number}@example.org",
                              address="192.0.2.9").status_code == 302
    response = post_subscribe(client, "late@example.org", address="192.0.2.9")
    page = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"]
    assert "try again in" in page and 'value="late@example.org"' in page
    assert not Subscriber.objects.filter(email="late@example.org").exists()
    assert post_subscribe(client, "other@example.org").status_code == 302
    # An hour on from the tenth of it the attempts fell in.
    clock.shift(timedelta(hours=1, minutes=6))
    assert post_subscribe(client, "late@example.org", address="192.0.2.9").status_code == 302


def test_one_inbox_gets_at_most_three_emails_an_hour_whoever_asks(client, newsroom):
    for _ in range(5):
        assert post_subscribe(client, "ana@example.org").status_code == 302
    assert len(mail.outbox) == 3


def test_a_signed_in_reader_subscribes_with_the_account_address_in_one_click(
        client, newsroom):
    reader = UserFactory(username="ana", email="ana.reader@example.org")
    client.force_login(reader)
    page = client.get("/newsletter/").content.decode()
    assert 'value="ana.reader@example.org"' in page
    assert "Your account’s address is filled in." in page
    # The form as it comes: the address and the daily edition are already chosen.
    response = client.post("/newsletter/", {"email": "ana.reader@example.org",
                                            "is_daily": "on"})
    assert response.status_code == 302
    (message,) = mail.outbox
    # An account's address was never checked, so it is confirmed like any other.
    assert message.to == ["ana.reader@example.org"] and links(message, "/confirm/")
    assert Subscriber.objects.get().is_daily


def test_a_request_never_waits_on_the_mail_server(client, newsroom, settings):
    """With the database queue and no mail server at all, subscribing answers at once."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": 9,
                                                "timeout": 30}}}
    response = post_subscribe(client, "ana@example.org")
    assert response.status_code == 302
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "newsletter.tasks.send_subscription_email"
    assert queued.status == "READY"
    # The queue holds the subscriber's id, not the address or a signed link.
    assert queued.args_kwargs == {"args": [Subscriber.objects.get().pk], "kwargs": {}}


def test_links_with_a_bad_token_get_a_friendly_page(client, newsroom, clock):
    preferences = subscribe_and_confirm(client, "ana@example.org")
    token = preferences.split("/")[-2]
    subscriber = Subscriber.objects.get()
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    for path in (f"/newsletter/preferences/{forged}/", f"/newsletter/unsubscribe/{forged}/",
                 f"/newsletter/confirm/{forged}/", "/newsletter/preferences/x/",
                 "/newsletter/confirm/%00/", "/newsletter/unsubscribe/" + "a" * 3000 + "/",
                 # A preferences token is not a confirmation token.
                 f"/newsletter/confirm/{token}/"):
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code == 400, (path, method)
            assert "This link does not work" in response.content.decode()
    # A confirmation link expires with the unconfirmed address; followed in
    # time, an old one still says the address is confirmed.
    post_subscribe(client, "bo@example.org")
    (confirm,) = links(mail.outbox[-1], "/newsletter/confirm/")
    (ana_confirm,) = links(mail.outbox[0], "/newsletter/confirm/")
    clock.shift(timedelta(days=8))
    response = client.get(confirm)
    assert response.status_code == 410
    assert "has expired" in response.content.decode()
    assert client.post(confirm).status_code == 410
    assert not Subscriber.objects.get(email="bo@example.org").is_confirmed
    assert "Already confirmed" in client.get(ana_confirm).content.decode()
    # A link for a subscription that left: friendly, and nothing to leak.
    subscriber.delete()
    response = client.get(preferences)
    assert response.status_code == 410
    assert "no longer exists" in response.content.decode()
    assert "ana@example.org" not in response.content.decode()


def test_subscribing_again_after_the_link_expired_starts_afresh(client, newsroom, clock):
    """Before the daily purge has forgotten it, the address is still there: it starts over."""
    post_subscribe(client, "ana@example.org", daily=False, sections=[newsroom["world"]])
    (old,) = links(mail.outbox[0], "/newsletter/confirm/")
    clock.shift(timedelta(days=8))
    assert client.get(old).status_code == 410
    post_subscribe(client, "ana@example.org", daily=False, sections=[newsroom["business"]])
    (fresh,) = links(mail.outbox[1], "/newsletter/confirm/")
    assert client.get(fresh).status_code == 200
    assert client.post(fresh).status_code == 302
    subscriber = Subscriber.objects.get()
    assert subscriber.is_confirmed
    # What this request chose, not what the forgotten one did.
    assert list(subscriber.sections.all()) == [newsroom["business"]]
    response = client.post(old)  # the old link leads nowhere
    assert response.status_code == 410 and "has expired" in response.content.decode()


def test_a_link_asked_for_again_works_for_its_own_seven_days(client, newsroom, clock):
    post_subscribe(client, "ana@example.org")
    clock.shift(timedelta(days=6))
    post_subscribe(client, "ana@example.org")  # asked again while waiting
    (second,) = links(mail.outbox[1], "/newsletter/confirm/")
    clock.shift(timedelta(days=4))  # ten days after the first request
    purge_unconfirmed(None)  # the daily purge keeps what was asked for within 7 days
    assert client.get(second).status_code == 200
    assert client.post(second).status_code == 302
    assert Subscriber.objects.get().is_confirmed


def test_an_old_link_does_not_open_a_new_subscription_of_the_same_address(client, newsroom):
    preferences = subscribe_and_confirm(client, "ana@example.org")
    unsubscribe = preferences.replace("/preferences/", "/unsubscribe/")
    assert client.post(unsubscribe).status_code == 200
    subscribe_and_confirm(client, "ana@example.org")
    assert client.get(preferences).status_code == 410
    assert Subscriber.objects.get().email == "ana@example.org"


def test_tokens_round_trip_and_refuse_another_purpose(newsroom):
    subscriber = Subscriber.objects.create(email="ana@example.org")
    assert tokens.read(tokens.make(subscriber, tokens.MANAGE), tokens.MANAGE) == subscriber
    with pytest.raises(tokens.BadLink) as refused:
        tokens.read(tokens.make(subscriber, tokens.MANAGE), tokens.CONFIRM)
    assert refused.value.reason == "broken"


def test_the_footer_links_to_the_newsletter(client, newsroom):
    assert 'href="/newsletter/"' in Client().get("/").content.decode()


def test_an_author_with_nothing_public_is_not_offered(client):
    """A persona whose only story is a draft was offered here before anywhere else."""
    from tests.factories import ArticleFactory, AuthorFactory

    shown = ArticleFactory(author=AuthorFactory(name="Mara Ellison")).author
    ArticleFactory(author=AuthorFactory(name="Ghost Writer", ai=True), draft=True)
    html = client.get("/newsletter/").content.decode()
    assert shown.name in html and "Ghost Writer" not in html
