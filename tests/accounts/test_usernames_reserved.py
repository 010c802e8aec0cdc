"""Names that read as the site, its newsroom or its authors are refused at sign-up; small
capitals read as the letters they are drawn as; stacked accents are refused for what they are."""

from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import UsernameSkeleton
from accounts.usernames import readings
from tests.factories import AuthorFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "a-long-harbour-passphrase"
KEPT = ("which is kept for EVA DAILY and its newsroom: readers would take your comments "
        "for theirs.")
LOOKS_LIKE = "This username looks too much like one already in use. Please choose another."


def sign_up(username, address="127.0.0.1"):
    return Client(REMOTE_ADDR=address).post("/accounts/signup/", {
        "username": username, "email": "someone@example.org",
        "password1": PASSWORD, "password2": PASSWORD})


def refused(response, message):
    html = unescape(response.content.decode())
    assert response.status_code == 400, html[-2000:]
    assert message in html, html[-3000:]
    assert 'value="someone@example.org"' in html  # what was typed stays
    return html


@pytest.mark.parametrize(("username", "word"), [
    ("admin", "admin"), ("Admin", "admin"), ("administrator", "administrator"),
    ("staff", "staff"), ("root", "root"), ("newsroom", "newsroom"), ("support", "support"),
    ("evadaily", "EVA DAILY"), ("EVA_DAILY", "EVA DAILY"), ("EVA_DAILY_Editor", "editor"),
    ("Moderators", "moderator"), ("moderator2", "moderator"), ("the-editor", "editor"),
    ("m0derator", "moderator"), ("admin1", "admin"), ("a_former_reader", "a former reader"),
    ("FormerReader", "former reader"),
])
def test_a_name_made_of_the_sites_or_a_roles_name_is_refused(username, word):
    html = refused(sign_up(username), KEPT)
    assert f"This username reads as “{word}”" in html
    assert f'value="{username}"' in html
    assert not User.objects.exists()


@pytest.mark.parametrize("username", ["Editha", "Rootsy", "Staffan", "Moda", "moderator_fan",
                                      "adminbob", "rootbeer", "theodore", "Eva", "mara"])
def test_a_name_with_letters_of_its_own_beside_a_short_word_is_welcome(username):
    AuthorFactory(name="EVA Ledger", ai=True)
    AuthorFactory(name="Mara Ellison")
    response = sign_up(username)
    assert response.status_code == 302, unescape(response.content.decode())[-3000:]


@pytest.mark.parametrize(("username", "author"), [
    ("EVA_Ledger", "EVA Ledger"), ("EVALedger", "EVA Ledger"), ("eva-ledger", "EVA Ledger"),
    ("evaledger", "EVA Ledger"), ("EVA.Tidewatch", "EVA Tidewatch"),
    ("Mara_Ellison", "Mara Ellison"), ("the_mara_ellison", "Mara Ellison"),
])
def test_a_name_that_reads_as_an_authors_is_refused(username, author):
    AuthorFactory(name="EVA Ledger", ai=True)
    AuthorFactory(name="EVA Tidewatch", ai=True)
    AuthorFactory(name="Mara Ellison")
    refused(sign_up(username), f"This username reads as the name of {author}, who writes for "
                               f"EVA DAILY: readers would take your comments for theirs.")
    assert not User.objects.exists()


def test_an_author_added_later_does_not_rename_the_reader_who_had_the_name():
    assert sign_up("Nova_Quill").status_code == 302
    AuthorFactory(name="Nova Quill", ai=True)
    assert User.objects.filter(username="Nova_Quill").exists()
    refused(sign_up("NovaQuill", address="192.0.2.1"), "the name of Nova Quill")


@pytest.mark.parametrize(("existing", "username"), [
    ("editor_desk", "ᴇᴅɪᴛᴏʀ_desk"), ("moderator_fan", "ᴍᴏᴅᴇʀᴀᴛᴏʀ_fan"),
    ("moderator_fan", "ᴍoderator_fan"), ("reader", "readeʀ"), ("reader", "ʀᴇᴀᴅᴇʀ"),
])
def test_small_capitals_read_as_the_letters_they_are_drawn_as(existing, username):
    UserFactory(username=existing)
    refused(sign_up(username), LOOKS_LIKE)
    assert not User.objects.filter(username=username).exists()


@pytest.mark.parametrize("username", ["ᴇᴅɪᴛᴏʀ", "ᴍᴏᴅᴇʀᴀᴛᴏʀ", "ᴍoderator"])
def test_small_capitals_do_not_get_round_the_reserved_words(username):
    refused(sign_up(username), KEPT)


def test_a_modifier_small_capital_reads_as_its_letter_too():
    # NFKC turns the modifier "ᶫ" into the small capital "ʟ", and stops there.
    assert readings("reaᶫ") == readings("real") == readings("reaʟ")


def test_the_stored_skeleton_of_a_small_capital_name_is_its_letters():
    user = UserFactory(username="ʀᴏᴡᴀɴ")
    assert UsernameSkeleton.objects.get(user=user).skeleton == readings("rowan")[0]
    refused(sign_up("rowan"), LOOKS_LIKE)


def test_stacked_accents_are_refused_as_such_not_as_blank():
    html = refused(sign_up("r\u0300\u0301\u0302\u0303eader"),
                   "This username has an accent or mark written apart from its letter, or "
                   "several stacked on one.")
    assert "shows as blank" not in html


@pytest.mark.parametrize("username", ["Nguye\u0302\u0303n", "ra\u0301ja"])
def test_accents_that_belong_to_their_letter_are_welcome(username):
    # NFKC writes them as one character with their letter ("ễ", "á").
    assert sign_up(username).status_code == 302
    assert User.objects.exists()
