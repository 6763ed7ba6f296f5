"""/readyz: whether the services this server depends on answer — for monitoring.

/healthz (config/urls.py) is the load balancer's check: this process and its database.
/readyz also asks Redis — the shared cache and the task queue, when they are configured —
and says which part is down. It is kept out of the load balancer on purpose: Redis is
shared, so when it goes down every server would fail the check at once and the balancer
would take the whole site away, while without Redis the pages still work (the rate limits
count in the database; a job that cannot be queued fails with a message, core.jobs).
Alert on /readyz instead.

Cheap and bounded: one `SELECT 1`, one PING per Redis database with one-second timeouts.
The answer names components and their state only — no addresses, no error text.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

REDIS_TIMEOUT = 1.0  # seconds, to connect and to answer


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()


def _redis_urls() -> dict[str, str]:
    """The Redis databases in use, by component: the cache (a RedisCache) and the task
    queue (the RQ backend)."""
    urls = {}
    cache = settings.CACHES.get("default", {})
    if cache.get("BACKEND", "").endswith("RedisCache"):
        location = cache["LOCATION"]
        urls["cache"] = location[0] if isinstance(location, list | tuple) else location
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend.endswith("RQBackend"):
        urls["task_queue"] = settings.RQ_QUEUES["default"]["URL"]
    return urls


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """{"status": "ok"|"down", "components": {"database": "ok"|"down", …}}: 200 when
    every configured component answers, 503 when one does not."""
    checks = {"database": _database}
    for name, url in _redis_urls().items():
        checks[name] = lambda url=url: _ping(url)
    components = {}
    for name, check in checks.items():
        try:
            check()
        except Exception:
            logger.exception("readiness: %s is down", name)
            components[name] = "down"
        else:
            components[name] = "ok"
    ok = all(state == "ok" for state in components.values())
    return JsonResponse(
        {"status": "ok" if ok else "down", "components": components}, status=200 if ok else 503
    )
