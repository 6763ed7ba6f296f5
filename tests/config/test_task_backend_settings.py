"""TASKS_BACKEND=django_tasks_rq.RQBackend: the settings wire Redis, django-rq and the job
class that runs Django tasks, and refuse to start without REDIS_URL."""

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
