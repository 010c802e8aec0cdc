"""Changing the password to the one it is already is refused (QA, 2026-12-06: it was
"changed", and the reader told so)."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"  # UserFactory's


def test_the_current_password_as_the_new_one_is_refused(client):
    client.force_login(UserFactory(username="ana"))
    response = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 200
    assert "That is your current password: choose a new one." in response.content.decode()
    fresh = "harbour-lantern-pebble-91"
    response = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": fresh, "new_password2": fresh})
    assert response.status_code == 302
