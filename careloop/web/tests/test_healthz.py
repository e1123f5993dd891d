"""GET /healthz, for the load balancer and the uptime monitor, fails when the shared cache
does: with Redis down no signed-in page works (sessions live there), so "ok" would lie."""

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from careloop.chaos import free_port


def test_it_answers_when_the_database_and_cache_do(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_fails_when_redis_is_unreachable(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }
    with pytest.raises(RedisConnectionError):
        client.get("/healthz")
