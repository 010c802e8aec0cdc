"""Newsroom roles and staff accounts (QA round 11): what each role may reach in the admin
and the desks, and what guards a newsroom account's password and record."""

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client

from accounts.views import PASSWORD_CHECK_LIMITS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"  # UserFactory's
NEW_PASSWORD = "another-long-passphrase-9"
T0 = 1_800_000_000  # a fixed instant, whole hour
(PASSWORD_CHECKS,) = PASSWORD_CHECK_LIMITS


def newsroom(username, group):
    account = UserFactory(username=username, is_staff=True)
    account.groups.add(Group.objects.get(name=group))
    return account


def change_password(client, old, url="/admin/password_change/"):
    return client.post(url, {"old_password": old, "new_password1": NEW_PASSWORD,
                             "new_password2": NEW_PASSWORD})


class TestTheAdminsPasswordChange:
    def test_its_password_checks_are_limited_per_account(self):
        """Django's admin form checked the old password as often as it was sent: a stolen
        newsroom session could guess the password there without end."""
        editor = newsroom("ed", "Editors")
        client = Client()
        with time_machine.travel(T0, tick=False) as clock:
            client.force_login(editor)
            for number in range(PASSWORD_CHECKS.count):
                assert change_password(client, f"guess-{number}").status_code == 200
            response = change_password(client, PASSWORD)
            assert response.status_code == 429
            assert response["Retry-After"] == str(3600)
            html = response.content.decode()
            assert "at most ten times an hour" in html
            assert "You can try again in 60 minutes." in html
            assert PASSWORD not in html and NEW_PASSWORD not in html
            editor.refresh_from_db()
            assert editor.check_password(PASSWORD)  # the right password changed nothing
            clock.shift(3600)
            assert change_password(client, PASSWORD).status_code == 302
        editor.refresh_from_db()
        assert editor.check_password(NEW_PASSWORD)

    def test_it_shares_the_checks_with_the_sites_own_forms(self):
        editor = newsroom("ed", "Editors")
        client = Client()
        with time_machine.travel(T0, tick=False):
            client.force_login(editor)
            for number in range(PASSWORD_CHECKS.count):
                change_password(client, f"guess-{number}", url="/accounts/password_change/")
            assert change_password(client, PASSWORD).status_code == 429
