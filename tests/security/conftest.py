"""Fixtures of the security tests: one world per module, rolled back at the end.

Each test still runs in its own savepoint (pytest-django's `db`), so a POST that gets
through changes nothing that the next test sees."""

import pytest
from django.db import transaction

from tests.security.world import PERSONAS_LOGGED_IN, build_world, db_snapshot


@pytest.fixture(scope="module")
def security_world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back afterwards. Every
    persona logs in once here; tests reuse the session cookie (logging in again in each
    of ~1,000 tests would be most of their time)."""
    from django.conf import settings
    from django.test import Client

    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        world.session_cookies = {}
        for persona in [*PERSONAS_LOGGED_IN, "staff"]:
            client = Client()
            client.force_login(getattr(world, persona))
            world.session_cookies[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
        # Each test starts from this state (its changes are rolled back).
        world.baseline = db_snapshot()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def sw(security_world, db):
    """The module's world, inside this test's savepoint."""
    from django.core.cache import cache

    cache.clear()  # the public verify page counts requests per address
    return security_world
