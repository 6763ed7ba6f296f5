"""/readyz: what monitoring polls — the database, and Redis (the cache and the task queue)
when configured, each named with its state; 503 when one is down."""

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

pytestmark = pytest.mark.django_db

UP = "redis://127.0.0.1:6379/5"
DOWN = "redis://127.0.0.1:1/0"  # a closed port: refused at once


def _redis(cache_url: str, queue_url: str) -> dict:
    return {
        "CACHES": {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": cache_url,
            }
        },
        "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
        "RQ_QUEUES": {"default": {"URL": queue_url}},
    }


@pytest.fixture
def redis_up():
    import redis

    try:
        redis.Redis.from_url(UP, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {UP}: {exc}")


def test_readyz_without_redis_reports_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "components": {"database": "ok"}}
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_readyz_reports_the_database_down(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("connection refused to db.internal:5432 password=secret")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "components": {"database": "down"}}
    assert b"secret" not in response.content and b"db.internal" not in response.content


def test_readyz_with_redis_up(client, redis_up):
    with override_settings(**_redis(UP, UP)):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "components": {"database": "ok", "cache": "ok", "task_queue": "ok"},
    }


def test_readyz_says_which_redis_is_down(client, redis_up):
    with override_settings(**_redis(UP, DOWN)):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "down",
        "components": {"database": "ok", "cache": "ok", "task_queue": "down"},
    }
    assert b"127.0.0.1" not in response.content


def test_readyz_with_the_cache_down(client):
    with override_settings(
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DOWN}
        }
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["components"] == {"database": "ok", "cache": "down"}
