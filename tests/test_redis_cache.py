import subprocess
import sys

import pytest
from django.conf import settings

from evadaily.redis_cache import RedisCache

# These need the Redis server on 127.0.0.1:6379, as the integration tests do.


@pytest.fixture
def redis_cache():
    cache = RedisCache("redis://127.0.0.1:6379/12", {})
    cache.clear()
    yield cache
    cache.clear()


def test_one_client_serves_every_call(redis_cache):
    redis_cache.set("key", {"a": 1}, 30)
    assert redis_cache.get("key") == {"a": 1}
    assert redis_cache._cache.get_client() is redis_cache._cache.get_client(write=True)


def test_the_settings_use_it_for_a_redis_cache_url():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.CACHES['default']['BACKEND'])"],
        env={"DJANGO_SETTINGS_MODULE": "evadaily.settings", "SECRET_KEY": "test-only",
             "CACHE_URL": "redis://127.0.0.1:6379/12", "PATH": "/usr/bin:/bin"},
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "evadaily.redis_cache.RedisCache"
