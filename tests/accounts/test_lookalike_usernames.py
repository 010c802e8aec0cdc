"""Usernames that look like someone else's (Unicode TR39 skeletons) are refused at sign-up."""

import importlib
from html import unescape

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import Reader, UsernameSkeleton
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "a-long-harbour-passphrase"
LOOKS_LIKE = "This username looks too much like one already in use. Please choose another."
TAKEN = "A user with that username already exists."
MIXED = ("This username mixes alphabets with letters that look alike (such as a Latin “o” "
         "and a Cyrillic “о”). Please write it in one alphabet.")


def sign_up(username, address="127.0.0.1"):
    return Client(REMOTE_ADDR=address).post("/accounts/signup/", {
        "username": username, "email": "someone@example.org",
        "password1": PASSWORD, "password2": PASSWORD})


@pytest.fixture
def moderator(db):
    user = UserFactory(username="moderator", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.mark.parametrize(("username", "message"), [
    ("mоderator", MIXED),        # Cyrillic о
    ("m0derator", LOOKS_LIKE),   # zero for o
    ("rnoderator", LOOKS_LIKE),  # r n for m
    ("moderat0r", LOOKS_LIKE),
    ("Moderator", TAKEN),        # case alone: Django's own check
    ("MODERATOR", TAKEN),
    ("ｍoderator", TAKEN),       # fullwidth m: Django folds it with NFKC first
])
def test_a_look_alike_of_an_existing_name_is_refused_with_what_was_typed(moderator, username,
                                                                         message):
    response = sign_up(username)
    html = unescape(response.content.decode())
    assert response.status_code == 400
    assert message in html
    assert "Please check the fields marked below." in html
    assert 'value="someone@example.org"' in html
    assert not User.objects.exclude(pk=moderator.pk).exists()


def test_the_cyrillic_copy_of_the_staff_account_is_refused(moderator):
    response = sign_up("mоderator")
    assert response.status_code == 400
    assert 'value="mоderator"' in response.content.decode()
    assert not User.objects.filter(username="mоderator").exists()


@pytest.mark.parametrize(("existing", "username", "messages"), [
    ("Ian", "lan", [LOOKS_LIKE]),          # capital I and small L
    ("reader1", "readerl", [LOOKS_LIKE]),  # one and small L
    ("coco", "сосо", [LOOKS_LIKE]),        # all Cyrillic: one alphabet, every letter a copy
    # Case alone: PostgreSQL's iexact knows Cyrillic case, SQLite's only ASCII.
    ("мария", "Мария", [LOOKS_LIKE, TAKEN]),
])
def test_other_look_alikes(existing, username, messages):
    UserFactory(username=existing)
    response = sign_up(username)
    assert response.status_code == 400
    assert any(message in unescape(response.content.decode()) for message in messages)
    assert not User.objects.filter(username=username).exists()


def test_mixing_alphabets_confusably_is_refused_even_when_no_one_has_the_name():
    response = sign_up("pаypal")  # Cyrillic а
    assert response.status_code == 400
    assert MIXED in unescape(response.content.decode())
    assert not User.objects.exists()


def test_a_name_with_a_blank_letter_is_refused():
    response = sign_up("ana\u3164")  # HANGUL FILLER, a letter that draws nothing
    assert response.status_code == 400
    assert "contains a character that shows as blank" in response.content.decode()


@pytest.mark.parametrize("username", ["José", "мария", "たなか太郎", "tanaka東京", "李伟",
                                      "Ωmega_fan", "moderator_fan", "ana.reads"])
def test_distinct_names_in_any_alphabet_are_welcome(moderator, username):
    UserFactory(username="ana")
    response = sign_up(username)
    assert response.status_code == 302, unescape(response.content.decode())[-3000:]
    assert User.objects.filter(username=username).exists()


def test_the_skeleton_follows_a_renamed_user_and_leaves_with_a_deleted_one(moderator):
    moderator.username = "harbourmaster"
    moderator.save()
    moderator.username = "desk_harbourmaster"
    moderator.save()
    assert sign_up("harbourmaster").status_code == 302
    assert sign_up("desk_harbоurmaster", address="192.0.2.1").status_code == 400
    moderator.delete()
    assert sign_up("desk_harbourmaster", address="192.0.2.2").status_code == 302


def test_a_rename_saved_through_the_reader_proxy_moves_the_skeleton_too(moderator):
    reader = Reader.objects.get(pk=UserFactory(username="harbourmaster").pk)
    reader.username = "quaykeeper"
    reader.save()
    assert sign_up("harbourmaster").status_code == 302
    assert sign_up("quaykeeрer", address="192.0.2.1").status_code == 400  # a Cyrillic р


def test_signing_in_does_not_rewrite_the_skeleton(moderator, client,
                                                  django_assert_max_num_queries):
    before = UsernameSkeleton.objects.get(user=moderator).skeleton
    response = client.post("/accounts/login/", {"username": "moderator",
                                                "password": "a-long-test-passphrase"})
    assert response.status_code == 302
    assert UsernameSkeleton.objects.get(user=moderator).skeleton == before


def test_the_migration_gives_existing_users_their_skeletons():
    UserFactory(username="moderator")
    CommentFactory(reader=UserFactory(username="ana"))
    UsernameSkeleton.objects.all().delete()  # as before the migration
    migration = importlib.import_module(
        "accounts.migrations.0002_username_skeletons_of_existing_users")
    migration.add_skeletons(apps, None)
    assert UsernameSkeleton.objects.count() == User.objects.count() == 2
    assert sign_up("mоderator").status_code == 400
    assert sign_up("Ana", address="192.0.2.1").status_code == 400
