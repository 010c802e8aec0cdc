"""With BEHIND_PROXY=True, X-Forwarded-For is believed only from the proxies in TRUSTED_PROXIES."""

import pytest
from django.test import Client

from core.ratelimit import client_address, client_network
from tests.factories import UserFactory

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


@pytest.fixture
def behind_proxy(settings):
    """As settings.py configures BEHIND_PROXY=True."""
    settings.BEHIND_PROXY = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "2001:db8:ff::1"]


@pytest.fixture
def ana(db):
    return UserFactory(username="ana", is_staff=True)


def sign_in(client, password="wrong-password", **headers):
    return client.post("/accounts/login/", {"username": "ana", "password": password}, **headers)


def test_a_rotating_header_from_an_untrusted_sender_does_not_escape_the_lock(behind_proxy, ana):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for i in range(5):
        sign_in(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    response = sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_from_a_trusted_proxy_the_forwarded_address_counts(behind_proxy, ana):
    proxy = Client(REMOTE_ADDR=PROXY)
    for _ in range(5):
        sign_in(proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert sign_in(proxy, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # Another reader behind the same proxy is not locked out with them.
    other = Client(REMOTE_ADDR=PROXY)
    assert sign_in(other, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302


def test_without_behind_proxy_the_header_is_ignored(settings, ana):
    settings.TRUSTED_PROXIES = [PROXY]
    proxy = Client(REMOTE_ADDR=PROXY)
    for i in range(5):
        sign_in(proxy, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert sign_in(proxy, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.9").status_code == 429


@pytest.mark.parametrize("remote, forwarded, expected", [
    # Not from a trusted proxy: its header is the sender's to write.
    ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
    # The entry our proxy appended, not the client's forged one on its left.
    (PROXY, "1.2.3.4, 198.51.100.1", "198.51.100.1"),
    # Through two trusted proxies: they are skipped, from the right.
    (PROXY, "1.2.3.4, 198.51.100.1, 10.0.0.7", "198.51.100.1"),
    ("2001:db8:ff::1", "2001:db8::5", "2001:db8::5"),
    # Malformed entries are ignored; ports and brackets are not part of the address.
    (PROXY, "198.51.100.1, not-an-address", "198.51.100.1"),
    (PROXY, "unknown, 198.51.100.1:5123", "198.51.100.1"),
    (PROXY, "[2001:db8::5]:443", "2001:db8::5"),
    (PROXY, "::ffff:198.51.100.1", "198.51.100.1"),
    # Nothing usable: the proxy's own address.
    (PROXY, "", PROXY),
    (PROXY, "garbage, 10.0.0.9", PROXY),
])
def test_the_client_address(rf, behind_proxy, remote, forwarded, expected):
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


@pytest.mark.parametrize("remote, expected", [
    ("198.51.100.7", "198.51.100.7"),
    ("2001:db8:1:2::64", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("::ffff:198.51.100.7", "198.51.100.7"),
])
def test_a_client_is_counted_by_its_ipv4_address_or_its_ipv6_64(rf, remote, expected):
    assert client_network(rf.get("/", REMOTE_ADDR=remote)) == expected


def test_new_ipv6_addresses_within_one_64_do_not_escape_a_limit(behind_proxy):
    """An IPv6 customer may send from any of the 2^64 addresses of its /64: each try from a
    new one was never limited."""
    proxy = Client(REMOTE_ADDR=PROXY)
    answers = [proxy.post("/accounts/signup/", {"username": f"rotating{n}"},
                          HTTP_X_FORWARDED_FOR=f"2001:db8:1:2::{n + 100:x}").status_code
               for n in range(7)]
    assert answers[-1] == 429 and 429 not in answers[:5]
    # The next /64 is another customer.
    neighbour = proxy.post("/accounts/signup/", {"username": "neighbour"},
                           HTTP_X_FORWARDED_FOR="2001:db8:1:3::1")
    assert neighbour.status_code != 429


def test_a_username_is_locked_out_for_the_whole_64_it_was_guessed_from(behind_proxy, ana):
    proxy = Client(REMOTE_ADDR=PROXY)
    for n in range(5):
        sign_in(proxy, HTTP_X_FORWARDED_FOR=f"2001:db8:1:2::{n + 1:x}")
    response = sign_in(proxy, PASSWORD, HTTP_X_FORWARDED_FOR="2001:db8:1:2::ff")
    assert response.status_code == 429
    assert sign_in(Client(REMOTE_ADDR=PROXY), PASSWORD,
                   HTTP_X_FORWARDED_FOR="2001:db8:1:3::1").status_code == 302
