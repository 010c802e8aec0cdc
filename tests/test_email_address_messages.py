"""Every form that takes an address says what is wrong with it in the same words, and an
address with letters beyond ASCII before the @ ("jürgen@", "bøb@") is told why it cannot
be used: Django's validator had refused most such letters as "not a valid address", which
to their owner it is, so core.mail's message for them was never seen (QA, 2026-12-06)."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils.html import escape

from core.mail import INVALID_ADDRESS, NOT_ASCII_ADDRESS
from newsletter.models import Subscriber
from standards.models import BiasReport
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "harbour-lantern-pebble-91"


@pytest.fixture
def reader(client):
    user = UserFactory(username="ana", email="ana@example.org")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_up(client, email):
    return client.post("/accounts/signup/", {"username": "jurgen", "email": email,
                                             "password1": PASSWORD, "password2": PASSWORD})


def subscribe(client, email):
    return client.post("/newsletter/", {"email": email, "is_daily": "on"})


def reset(client, email):
    return client.post("/accounts/password_reset/", {"email": email})


def change(client, email):
    client.force_login(get_user_model().objects.get(username="ana"))
    return client.post("/accounts/email/", {"email": email, "password": PASSWORD})


def report(client, email):
    ArticleFactory(slug="harbour", headline="Harbour talks resume")
    return client.post("/articles/harbour/report-bias/",
                       {"reason": "factual_error", "contact_email": email})


FORMS = [sign_up, subscribe, reset, change, report]


def nothing_done():
    return (get_user_model().objects.filter(username="jurgen").count() == 0
            and not Subscriber.objects.exists() and not BiasReport.objects.exists()
            and get_user_model().objects.get(username="ana").email == "ana@example.org"
            and mail.outbox == [])


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("email", ["jürgen@example.org", "bøb@example.org",
                                   "ana.maría@example.org"])
def test_letters_beyond_ascii_before_the_at_are_told_why(client, reader, form, email):
    response = form(client, email)
    page = response.content.decode()
    assert response.status_code in (200, 400), response.status_code
    assert escape(NOT_ASCII_ADDRESS) in page and "valid email" not in page
    assert f'value="{escape(email)}"' in page
    assert nothing_done()


@pytest.mark.parametrize("form", FORMS)
def test_a_malformed_address_is_said_in_the_same_words_everywhere(client, reader, form):
    response = form(client, "ana.example.org")
    page = response.content.decode()
    assert escape(INVALID_ADDRESS) in page and "valid email" not in page
    assert 'value="ana.example.org"' in page
    assert nothing_done()


def test_a_domain_in_other_letters_is_still_taken(client, reader):
    assert sign_up(client, "jurgen@bücher.example").status_code == 302
    assert get_user_model().objects.get(username="jurgen").email == \
        "jurgen@xn--bcher-kva.example"
