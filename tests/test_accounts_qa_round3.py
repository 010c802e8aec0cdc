"""Third QA round on accounts: no reader signs up as the newsroom, an author, an address or
another reader; a long name in any script is kept, not a 500; however an account is
deleted, the addresses on its bias reports and the emails to them go; an old newsletter
link tells no untruth; a full-width dot is no second spelling of an inbox; the desk knows a
deleted reader's report from a signed-out one's."""

import importlib
from datetime import timedelta
from html import unescape

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.forms import EmailChangeForm
from accounts.models import HeldName, UsernameSkeleton
from comments.models import ReaderStanding
from core import ratelimit
from core.mail import mailbox
from newsletter.models import Subscriber
from standards.models import BiasReport
from standards.notices import send_outcome
from tests.factories import AuthorFactory, BiasReportFactory, UserFactory
from tests.newsletter import conftest as newsletter
from tests.newsletter.conftest import links, post_subscribe, subscribe_and_confirm

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "a-long-harbour-passphrase"
FACTORY_PASSWORD = "a-long-test-passphrase"  # UserFactory's
KEPT = "which is kept for EVA DAILY and its newsroom: readers would take your comments"
STAFF = ("This username reads as the name of someone who works in the EVA DAILY newsroom: "
         "readers would take your comments for theirs. Please choose another.")
AT_SIGN = "A username cannot contain “@”"
LOOKS_LIKE = "This username looks too much like one already in use. Please choose another."
NOT_AVAILABLE = "This name is not available. Please choose another."

_addresses = iter(range(1, 10_000))


def sign_up(username, email="someone@example.org"):
    """POST the sign-up form, each time from a new network address (five an hour each)."""
    number = next(_addresses)
    return Client(REMOTE_ADDR=f"10.9.{number // 250}.{number % 250 + 1}").post(
        "/accounts/signup/", {"username": username, "email": email,
                              "password1": PASSWORD, "password2": PASSWORD})


def refused(response, message, email="someone@example.org"):
    html = unescape(response.content.decode())
    assert response.status_code == 400, html[-2000:]
    assert message in html, html[-3000:]
    assert f'value="{email}"' in html  # what was typed stays
    return html


def welcome(response):
    assert response.status_code == 302, unescape(response.content.decode())[-3000:]


# 1. Readers cannot pass as newsroom staff, AI personas, the site or other readers.

@pytest.fixture
def staffed(db):
    """The demo's newsroom as sign-up meets it: two staff accounts and three authors."""
    editor = UserFactory(username="editor", first_name="Irene", last_name="Sallis",
                         is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    moderator = UserFactory(username="moderator", first_name="Theo", last_name="Brandt",
                            is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    AuthorFactory(name="EVA Ledger", ai=True)
    AuthorFactory(name="EVA Tidewatch", ai=True)
    AuthorFactory(name="Jonah Ferrell")
    return {"editor": editor, "moderator": moderator}


@pytest.mark.parametrize("username", ["editor_IreneSallis", "Irene_Sallis",
                                      "Theo_Brandt_Moderator", "sallis.irene", "IreneSallis2"])
def test_a_name_that_reads_as_someone_in_the_newsroom_is_refused(staffed, username):
    html = refused(sign_up(username), STAFF)
    assert f'value="{username}"' in html
    assert "Irene" not in html.replace(f'value="{username}"', "")  # who, is not said
    assert not User.objects.filter(username=username).exists()


def test_a_newsroom_account_without_a_role_group_counts_by_its_staff_flag(db):
    UserFactory(username="night_desk_lead", first_name="Ada", last_name="Quill", is_staff=True)
    refused(sign_up("AdaQuill_news"), STAFF)
    # A sign-in name is not said to be the newsroom's: it is where passwords are guessed.
    for username in ("night_desk_lead_official", "the.nightdesklead"):
        html = refused(sign_up(username), NOT_AVAILABLE)
        assert "newsroom:" not in html


@pytest.mark.parametrize(("username", "author"), [
    ("EVA_Ledger_AI", "EVA Ledger"), ("EVALedgerOfficial", "EVA Ledger"),
    ("eva_ledger_bot", "EVA Ledger"), ("JonahFerrellEditor", "Jonah Ferrell"),
    ("TidewatchEVA", "EVA Tidewatch"), ("ferrell.jonah", "Jonah Ferrell"),
])
def test_an_authors_name_with_a_role_word_or_in_another_order_is_refused(staffed, username,
                                                                       author):
    refused(sign_up(username), f"This username reads as the name of {author}, who writes "
                               f"for EVA DAILY: readers would take your comments for theirs.")
    assert not User.objects.filter(username=username).exists()


@pytest.mark.parametrize(("username", "word"), [
    ("EVA_DAILY_Corrections", "correction"), ("EVADailyNews", "news"),
    ("evadaily.com", "EVA DAILY"), ("DailyEVA", "EVA DAILY"), ("the_ai", "ai"),
])
def test_the_sites_name_with_a_word_of_the_newsroom_is_refused(db, username, word):
    html = refused(sign_up(username), KEPT)
    assert f"This username reads as “{word}”" in html


@pytest.mark.parametrize("username", ["newsroom@evadaily.org", "moderator@example.org",
                                      "someone@example.org", "ana@"])
def test_a_username_with_an_at_sign_is_refused_and_says_why(db, username):
    html = refused(sign_up(username), AT_SIGN)
    assert "would show one to everyone" in html
    assert not User.objects.filter(username=username).exists()


def test_the_help_text_no_longer_offers_the_at_sign(client):
    html = unescape(client.get("/accounts/signup/").content.decode())
    assert "letters, digits and . + - _ (no spaces, no @)" in html


@pytest.mark.parametrize(("existing", "username"), [
    ("old_quay_tom", "old-quay-tom"), ("old_quay_tom", "oldquaytom"),
    ("old_quay_tom", "Old.Quay.Tom"), ("mira_k", "mira.k"), ("mira_k", "mira__k"),
    ("mira_k", "mirak"), ("reader", "reader_"), ("reader", "reader."), ("reader", "-reader-"),
    ("reader", "re+ader"),
])
def test_another_readers_name_with_other_separators_is_refused(db, existing, username):
    UserFactory(username=existing)
    refused(sign_up(username), LOOKS_LIKE)
    assert not User.objects.filter(username=username).exists()


def test_a_banned_and_deleted_readers_name_is_held_whatever_its_separators(db):
    jack = UserFactory(username="jack_read")
    ReaderStanding.objects.create(reader=jack, is_banned=True)
    jack.delete()
    for username in ("jack-read", "jackread", "jack.read", "jack_read"):
        refused(sign_up(username), NOT_AVAILABLE)
    assert not User.objects.exists()


@pytest.mark.parametrize("username", [
    "Aidan", "Botha", "Newsome", "Comet", "Abbot", "Irene", "Theo", "Jonah", "Ferrell",
    "Sallisbury", "Authority", "Newton", "mira_kay", "readers_digest", "Tom.Quay", "Kai",
    "Eva.Ledgerwood", "Daily_Planet",
])
def test_ordinary_names_stay_welcome(staffed, username):
    UserFactory(username="mira_k")
    UserFactory(username="reader")
    welcome(sign_up(username))
    assert User.objects.filter(username=username).exists()


def test_the_migration_reads_existing_names_and_held_names_without_separators(db):
    tom = UserFactory(username="old_quay_tom")
    held = HeldName.objects.create(skeleton="jack_read", folded="jack_read",
                                   until=timezone.now() + timedelta(days=30))
    # As before the migration: the readings kept their separators.
    UsernameSkeleton.objects.filter(user=tom).update(skeleton="old_quay_torn",
                                                     folded="old_quay_tom")
    migration = importlib.import_module("accounts.migrations.0006_readings_without_separators")
    migration.read_names_again(django_apps, None)
    held.refresh_from_db()
    assert (held.skeleton, held.folded) == ("jackread", "jackread")
    refused(sign_up("oldquaytom"), LOOKS_LIKE)
    refused(sign_up("jack-read"), NOT_AVAILABLE)


# 2. A long name in Hangul (its reading seven letters a syllable) is kept, not a 500.

LONG_HANGUL = "쮒" * 88


def test_a_long_hangul_name_signs_up():
    welcome(sign_up(LONG_HANGUL))
    user = User.objects.get(username=LONG_HANGUL)
    assert len(UsernameSkeleton.objects.get(user=user).skeleton) == 600
    assert UsernameSkeleton.objects.looking_like(LONG_HANGUL).get().user == user


def test_a_rename_to_a_long_hangul_name_and_its_hold_are_kept():
    reader = UserFactory(username="ana")
    reader.username = "쮔" * 150
    reader.save()
    ReaderStanding.objects.create(reader=reader, is_banned=True)
    reader.delete()
    assert HeldName.objects.in_force().looking_like("쮔" * 150).exists()
    refused(sign_up("쮔" * 150), NOT_AVAILABLE)


# 3 and 4. However an account is deleted, the addresses on its bias reports go, and the
# emails to them about those reports leave the task queue.

@pytest.fixture
def admin_client(db):
    admin = UserFactory(username="root_admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client


def test_an_account_deleted_in_the_admin_clears_the_email_on_its_bias_reports(admin_client):
    bob = UserFactory(username="bob", email="bob@example.org")
    report = BiasReportFactory(reader=bob, contact_email="bob.private@example.net")
    response = admin_client.post(f"/admin/auth/user/{bob.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=bob.pk).exists()
    report.refresh_from_db()
    assert report.contact_email == "" and report.reader_id is None


def test_an_account_deleted_by_a_script_clears_them_too(db):
    bob = UserFactory(username="bob", email="bob@example.org")
    mine = BiasReportFactory(reader=bob, contact_email="bob@example.org")
    other = BiasReportFactory(contact_email="bob.private@example.net")  # signed out
    bob.delete()
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.contact_email == ""
    assert other.contact_email == "bob.private@example.net"


def test_an_outcome_sent_to_another_address_leaves_the_queue_with_the_account(flaky_mail):
    from tests.tasks import run_due_tasks

    bob = UserFactory(username="bob", email="bob@example.org")
    report = BiasReportFactory(reader=bob, contact_email="bob.private@example.net",
                               status=BiasReport.Status.UPHELD)
    send_outcome(report)
    run_due_tasks()
    (message,) = mail.outbox
    assert message.to == ["bob.private@example.net"]
    # Someone else's report, signed out, left the same address: its email is not bob's.
    theirs = BiasReportFactory(contact_email="bob.private@example.net",
                               status=BiasReport.Status.DISMISSED)
    send_outcome(theirs)
    assert DBTaskResult.objects.filter(task_path="core.mail.send_email").count() == 2

    client = Client()
    client.force_login(bob)
    assert client.post("/accounts/delete/", {"password": FACTORY_PASSWORD}).status_code == 302
    left = list(DBTaskResult.objects.values_list("args_kwargs", flat=True))
    assert [task["kwargs"]["subject"] for task in left] == [
        f"Your bias report {theirs.reference}: dismissed"]
    report.refresh_from_db()
    assert report.contact_email == ""


# 5. An old newsletter link says nothing untrue of a subscription made since.

clock = newsletter.clock
newsroom = newsletter.newsroom


def test_an_old_link_says_nothing_untrue_when_the_address_subscribed_again(
        client, newsroom):
    preferences = subscribe_and_confirm(client, "ana@example.org")
    unsubscribe = preferences.replace("/preferences/", "/unsubscribe/")
    mail_client = Client(enforce_csrf_checks=True)
    one_click = {"data": "List-Unsubscribe=One-Click",
                 "content_type": "application/x-www-form-urlencoded"}
    assert "You have unsubscribed" in unescape(
        mail_client.post(unsubscribe, **one_click).content.decode())
    mail.outbox.clear()
    subscribe_and_confirm(client, "ana@example.org")  # again, with new links

    response = mail_client.post(unsubscribe, **one_click)
    page = unescape(response.content.decode())
    assert response.status_code == 200  # a one-click retry is still a success
    assert "You have unsubscribed" not in page and "No more editions" not in page
    assert "This subscription had already ended" in page
    assert "If the address has subscribed again since, that subscription goes on" in page
    assert "ana@example.org" not in page
    assert Subscriber.objects.get(email="ana@example.org").is_confirmed

    for old in (preferences, unsubscribe):
        response = client.get(old)
        page = unescape(response.content.decode())
        assert response.status_code == 410
        assert "no longer exists" in page
        assert "Nothing more is sent to it" not in page
        assert "If the address has subscribed again since" in page
        assert "ana@example.org" not in page


# 6. A full-width dot ending the domain is no second spelling of an inbox.

@pytest.mark.parametrize("dot", ["\u3002", "\uff0e", "\uff61"])
def test_a_wide_dot_ending_the_domain_is_refused(dot):
    with pytest.raises(ValidationError):
        mailbox(f"gina@example.org{dot}")
    with pytest.raises(ValidationError):
        mailbox(f"gina@bücher.example{dot}")
    assert mailbox("gina@bücher.example") == "gina@xn--bcher-kva.example"


@pytest.mark.parametrize("dot", ["\u3002", "\uff0e", "\uff61", "."])
def test_the_limits_count_a_dot_ending_the_domain_as_the_inbox(dot):
    assert ratelimit.email_key(f"gina@example.org{dot}") == ratelimit.email_key(
        "gina@example.org")


def test_the_newsletter_takes_no_second_row_for_one_inbox(client, newsroom):
    assert post_subscribe(client, "gina@example.org").status_code == 302
    response = post_subscribe(client, "gina@example.org\u3002")
    assert response.status_code == 400
    assert "Enter an email address such as name@example.org." in unescape(
        response.content.decode())
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["gina@example.org"]
    assert len(links(mail.outbox[0], "/newsletter/confirm/")) == 1


def test_an_email_change_to_a_wide_dot_spelling_is_refused(db):
    UserFactory(username="alice", email="alice@example.org")
    bob = UserFactory(username="bob", email="bob@example.org")
    form = EmailChangeForm(bob, {"email": "alice@example.org\u3002",
                                 "password": FACTORY_PASSWORD})
    assert not form.is_valid()
    assert form.errors["email"] == ["Enter an email address such as name@example.org."]


# 7. The desk can tell a deleted reader's report from a signed-out reader's.

def test_a_report_keeps_that_it_came_from_an_account_after_the_account_goes(db):
    bob = UserFactory(username="bob")
    from_bob = BiasReportFactory(reader=bob)
    signed_out = BiasReportFactory()
    assert from_bob.is_from_account and not signed_out.is_from_account
    bob.delete()
    from_bob.refresh_from_db()
    assert from_bob.reader_id is None and from_bob.is_from_account
    # A reader set later, saved with update_fields, marks it too.
    signed_out.reader = UserFactory(username="cy")
    signed_out.save(update_fields=["reader"])
    signed_out.refresh_from_db()
    assert signed_out.is_from_account


def test_the_migration_marks_the_reports_whose_reader_is_still_there(db):
    bob = UserFactory(username="bob")
    from_bob = BiasReportFactory(reader=bob)
    signed_out = BiasReportFactory()
    BiasReport.objects.update(is_from_account=False)  # as before the migration
    migration = importlib.import_module("standards.migrations.0006_bias_report_from_account")
    migration.mark_reports_from_accounts(django_apps, None)
    assert BiasReport.objects.get(pk=from_bob.pk).is_from_account
    assert not BiasReport.objects.get(pk=signed_out.pk).is_from_account



def test_the_desk_names_a_deleted_readers_report_as_a_former_readers(moderator):
    from_bob = BiasReportFactory(reader=UserFactory(username="bob"), details="from bob")
    from_bob.reader.delete()
    BiasReportFactory(details="from nobody signed in")
    page = unescape(moderator.get("/admin/moderation/bias-reports/").content.decode())
    assert page.count("a former reader (account deleted)") == 1
    assert page.count("a reader who was not signed in") == 1
