"""TASKS_BACKEND=django_tasks_rq.RQBackend: the settings wire Redis, django-rq and the job
class that runs Django tasks, and refuse to start without REDIS_URL."""

import pytest

from config.env import redis_database, redis_url_with_database, same_redis_database
from tests.config.test_settings import _manage

RQ = {"DEBUG": "1", "TASKS_BACKEND": "django_tasks_rq.RQBackend"}


def test_rq_backend_is_configured_from_redis_url():
    result = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings as s; from django_tasks import task_backends;"
        "print(s.RQ_QUEUES['default']['URL'], s.RQ['JOB_CLASS'], type(task_backends['default']).__name__,"
        " 'django_rq' in s.INSTALLED_APPS)",
        env={**RQ, "REDIS_URL": "redis://127.0.0.1:6379/3"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "redis://127.0.0.1:6379/3",
        "django_tasks_rq.Job",
        "RQBackend",
        "True",
    ]
    # The backend's own system checks (django_rq installed, the queue known to django-rq).
    check = _manage("check", env={**RQ, "REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert check.returncode == 0, check.stderr


def test_rq_backend_without_redis_url_fails_loudly():
    result = _manage("check", env={**RQ, "REDIS_URL": ""})
    assert result.returncode != 0
    assert "needs REDIS_URL" in result.stderr


def _cache_and_queue(env):
    return _manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings as s;"
        "print(s.CACHES['default']['LOCATION'], s.RQ_QUEUES['default']['URL'])",
        env={**RQ, **env},
    )


def test_cache_and_queue_use_separate_redis_databases():
    """cache.clear() is a FLUSHDB: in the queue's database it would drop the waiting jobs."""
    result = _cache_and_queue({"REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://127.0.0.1:6379/4", "redis://127.0.0.1:6379/3"]


def test_cache_redis_url_names_the_cache_database():
    result = _cache_and_queue(
        {"REDIS_URL": "redis://127.0.0.1:6379/3", "CACHE_REDIS_URL": "redis://127.0.0.1:6379/9"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://127.0.0.1:6379/9", "redis://127.0.0.1:6379/3"]


def test_cache_in_the_queue_database_fails_loudly():
    # No database number is database 0.
    result = _manage(
        "check",
        env={
            **RQ,
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "CACHE_REDIS_URL": "redis://127.0.0.1:6379",
        },
    )
    assert result.returncode != 0
    assert "CACHE_REDIS_URL must name another Redis database" in result.stderr


@pytest.mark.parametrize(
    ("queue", "cache"),
    [
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/1"),
        ("redis://:p%40ss@redis.lan:6379/0", "redis://:p%40ss@redis.lan:6379/1"),
        ("rediss://u:pw@h:6380/3?ssl_cert_reqs=none", "rediss://u:pw@h:6380/4?ssl_cert_reqs=none"),
        ("redis://h:6379/?db=4", "redis://h:6379/5"),
        ("unix:///run/redis.sock?db=2", "unix:///run/redis.sock?db=3"),
        ("unix:///run/redis.sock", "unix:///run/redis.sock?db=1"),
    ],
)
def test_the_cache_is_the_next_database_of_the_queue_server(queue, cache):
    assert redis_url_with_database(queue, redis_database(queue) + 1) == cache
    assert redis_database(cache) == redis_database(queue) + 1
    assert not same_redis_database(queue, cache)
    assert same_redis_database(queue, redis_url_with_database(queue, redis_database(queue)))
