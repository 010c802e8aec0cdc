"""The security cache (rate limits, lock-outs) fails closed; /healthz names what is down."""

import pytest

from tests.factories import ArticleFactory, UserFactory
from tests.redis_server import free_port

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


def _unreachable(backend):
    return {"BACKEND": f"core.redis_cache.{backend}",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}  # nothing listens there


@pytest.fixture
def security_down(settings):
    settings.CACHES = {"default": LOCMEM, "security": _unreachable("SecurityRedisCache")}


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {"default": _unreachable("RedisCache"), "security": LOCMEM}


@pytest.fixture
def ana(db):
    return UserFactory(username="ana", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/?next=/admin/"])
def test_no_sign_in_while_lock_outs_cannot_be_checked(client, security_down, ana, url):
    response = client.post(url, {"username": "ana", "password": PASSWORD})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "Signing in is paused for a moment" in html
    assert 'name="username" value="ana"' in html
    assert "_auth_user_id" not in client.session


def test_a_bias_report_waits_for_the_security_cache_and_keeps_its_text(client, security_down):
    ArticleFactory(slug="harbour")
    response = client.post("/articles/harbour/report-bias/",
                           {"reason": "other", "details": "Kept while the cache is down."})
    assert response.status_code == 503
    assert "Kept while the cache is down." in response.content.decode()


def test_signing_in_needs_only_the_security_cache(client, cache_down, ana):
    response = client.post("/accounts/login/", {"username": "ana", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_healthz_is_ok_when_every_part_answers(client):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")


def test_healthz_names_the_cache(client, cache_down):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"cache unavailable")


def test_healthz_names_the_security_cache(client, security_down):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"security cache unavailable")
