"""Login throttling: repeated failures lock a username (and, separately, a client address)
out of both login pages for LOGIN_LOCKOUT_MINUTES, without checking the password."""

import contextlib
import datetime
import logging
import threading
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from accounts.backends import ThrottledModelBackend
from accounts.models import LoginThrottle, Role, ThrottleScope, User
from accounts.throttle import client_address, lockout_minutes
from courses.models import AuditLog
from tests import factories as f

PASSWORD = "pw"  # tests/factories.user sets it


@pytest.fixture
def officer(db):
    return f.user(Role.COORDINATOR, username="dieuphoi")


@pytest.fixture(autouse=True)
def _defaults(settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    settings.LOGIN_LOCKOUT_MINUTES = 15


def _login(client, username, password, *, url="/login/", address="10.0.0.1"):
    client.cookies["django_language"] = "en"
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _fail(client, username, times, **kw):
    for _ in range(times):
        response = _login(client, username, "wrong", **kw)
        assert response.status_code == 200


def test_fifth_failure_locks_the_username_and_names_the_wait(client, officer):
    _fail(client, "dieuphoi", 4)
    response = _login(client, "dieuphoi", "wrong")
    assert "try again in 15 minutes" in response.content.decode()
    row = LoginThrottle.objects.get(scope=ThrottleScope.USERNAME, key="dieuphoi")
    assert row.failures == 5
    assert row.locked_until > timezone.now() + datetime.timedelta(minutes=14)


def test_locked_username_is_refused_without_checking_the_password(client, officer):
    _fail(client, "dieuphoi", 5)
    with mock.patch.object(User, "check_password", autospec=True) as check:
        response = _login(client, "dieuphoi", PASSWORD)
    assert check.call_count == 0
    assert not _logged_in(client)
    body = response.content.decode()
    assert "Too many failed log-in attempts" in body
    assert "try again in 15 minutes" in body
    # A refused attempt is not a new failure: the lock does not grow while a user retries.
    assert LoginThrottle.objects.get(scope=ThrottleScope.USERNAME, key="dieuphoi").failures == 5


def test_four_failures_do_not_lock(client, officer):
    _fail(client, "dieuphoi", 4)
    _login(client, "dieuphoi", PASSWORD)
    assert _logged_in(client)


def test_lock_ends_when_the_window_has_passed(client, officer):
    _fail(client, "dieuphoi", 5)
    # Fifteen minutes later (moved in the database: that is where the counters live).
    past = timezone.now() - datetime.timedelta(minutes=15, seconds=1)
    LoginThrottle.objects.update(window_started_at=past, locked_until=past)
    _login(client, "dieuphoi", PASSWORD)
    assert _logged_in(client)


def test_failures_older_than_the_window_start_a_new_count(client, officer):
    _fail(client, "dieuphoi", 4)
    past = timezone.now() - datetime.timedelta(minutes=16)
    LoginThrottle.objects.update(window_started_at=past)
    _fail(client, "dieuphoi", 1)
    row = LoginThrottle.objects.get(scope=ThrottleScope.USERNAME, key="dieuphoi")
    assert (row.failures, row.locked_until) == (1, None)


def test_finished_windows_are_forgotten(client, officer):
    past = timezone.now() - datetime.timedelta(minutes=30)
    LoginThrottle.objects.create(
        scope=ThrottleScope.USERNAME,
        key="cu",
        failures=5,
        window_started_at=past,
        locked_until=past,
    )
    LoginThrottle.objects.create(
        scope=ThrottleScope.ADDRESS, key="10.9.9.9", failures=2, window_started_at=past
    )
    _fail(client, "dieuphoi", 1)
    assert sorted(LoginThrottle.objects.values_list("key", flat=True)) == ["10.0.0.1", "dieuphoi"]


def test_success_clears_the_usernames_failures(client, officer):
    _fail(client, "dieuphoi", 4)
    _login(client, "dieuphoi", PASSWORD)
    assert _logged_in(client)
    assert not LoginThrottle.objects.filter(scope=ThrottleScope.USERNAME).exists()
    # The address keeps its count: others may still be guessing from there.
    assert LoginThrottle.objects.get(scope=ThrottleScope.ADDRESS, key="10.0.0.1").failures == 4


def test_unknown_usernames_are_locked_the_same_way(client, db):
    _fail(client, "khongco", 5)
    response = _login(client, "khongco", "wrong")
    assert "try again in 15 minutes" in response.content.decode()
    assert LoginThrottle.objects.get(scope=ThrottleScope.USERNAME, key="khongco").locked_until


def test_admin_login_counts_and_is_refused_too(client, db):
    f.user(Role.COORDINATOR, username="quantri", is_staff=True)
    # Failures on both pages add up: one counter per username, whatever the form.
    _fail(client, "quantri", 3)
    _fail(client, "quantri", 2, url="/admin/login/")
    response = _login(client, "quantri", PASSWORD, url="/admin/login/")
    assert "try again in 15 minutes" in response.content.decode()
    assert not _logged_in(client)


def test_many_failures_from_one_address_lock_that_address(client, db):
    f.user(Role.VIEWER, username="xem")
    for n in range(20):
        _login(client, f"doan{n}", "wrong", address="10.0.0.9")
    response = _login(client, "xem", PASSWORD, address="10.0.0.9")
    assert "try again in 15 minutes" in response.content.decode()
    assert not _logged_in(client)
    # Another address is not affected.
    _login(client, "xem", PASSWORD, address="10.0.0.10")
    assert _logged_in(client)


def test_failures_and_lockouts_are_logged_and_audited(client, officer, caplog):
    with caplog.at_level(logging.WARNING, logger="accounts.security"):
        _fail(client, "dieuphoi", 5)
        _login(client, "dieuphoi", PASSWORD)
    messages = [r.getMessage() for r in caplog.records if r.name == "accounts.security"]
    assert sum("Failed log-in for username 'dieuphoi' from 10.0.0.1" in m for m in messages) == 5
    assert sum(m.startswith("Locked out username 'dieuphoi'") for m in messages) == 1
    assert sum(m.startswith("Log-in refused without checking") for m in messages) == 1
    log = AuditLog.objects.get(action="login.lockout")
    assert log.target_id == str(officer.pk)
    assert log.changes["scope"] == "username"
    assert log.changes["failures"] == 5
    assert log.changes["address"] == "10.0.0.1"


def test_counters_do_not_live_in_the_process_cache(client, officer):
    """Several server processes share the database, not a per-process cache."""
    _fail(client, "dieuphoi", 5)
    cache.clear()
    _login(client, "dieuphoi", PASSWORD)
    assert not _logged_in(client)


def test_client_address_is_the_address_the_proxy_appended(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7"
    )
    settings.SECURE_PROXY_SSL_HEADER = None
    assert client_address(request) == "127.0.0.1"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # "1.2.3.4" was sent by the client itself; the proxy appended the real address.
    assert client_address(request) == "203.0.113.7"


def test_ipv6_addresses_of_one_64_share_an_address_lockout(client, db, settings):
    """A client holds a whole /64 and can pick a new address in it for every guess."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    f.user(Role.COORDINATOR, username="xem")
    for n in range(3):
        _login(client, f"doan{n}", "wrong", address=f"2001:db8:1:2::{n + 1:x}")
    _login(client, "xem", PASSWORD, address="2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert not _logged_in(client)
    assert LoginThrottle.objects.get(scope=ThrottleScope.ADDRESS).key == "2001:db8:1:2::/64"
    # The neighbouring /64 is someone else.
    _login(client, "xem", PASSWORD, address="2001:db8:1:3::1")
    assert _logged_in(client)


def test_ipv4_addresses_keep_their_own_lockout(client, db, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    f.user(Role.COORDINATOR, username="xem")
    for n in range(3):
        _login(client, f"doan{n}", "wrong", address="10.0.0.9")
    # The same client over an IPv4-mapped IPv6 socket is the same address.
    _login(client, "xem", PASSWORD, address="::ffff:10.0.0.9")
    assert not _logged_in(client)
    _login(client, "xem", PASSWORD, address="10.0.0.10")
    assert _logged_in(client)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("not an address", "not an address"),
        ("[2001:db8::1]:443", "[2001:db8::1]:443"),
        ("", ""),
        ("x" * 400, "x" * 150),
    ],
)
def test_client_address_keys_ipv6_by_its_64_and_keeps_anything_else(settings, address, key):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)
    expected = key or "127.0.0.1"  # no forwarded entry: the proxy's own address
    assert client_address(request) == expected
    settings.SECURE_PROXY_SSL_HEADER = None
    assert client_address(RequestFactory().get("/", REMOTE_ADDR=address)) == key


def test_lockout_minutes_round_up():
    now = timezone.now()
    assert lockout_minutes(now + datetime.timedelta(seconds=61), now=now) == 2
    assert lockout_minutes(now + datetime.timedelta(seconds=5), now=now) == 1
    assert lockout_minutes(now + datetime.timedelta(minutes=15), now=now) == 15


def _concurrent_wrong_passwords(attempts: int) -> list[str]:
    """`attempts` wrong passwords for one user at the same moment, each from its own
    thread (and database connection, as from several server processes). Every password
    check is held until each attempt has either reached its check or been refused, so
    attempts that were let through before any failure was counted all get checked.
    Returns the usernames whose password was checked, one per check."""
    checked: list[str] = []
    state = threading.Condition()
    done = [0]

    def check_password(user, raw_password):
        with state:
            checked.append(user.username)
            state.notify_all()
            state.wait_for(lambda: len(checked) + done[0] >= attempts, timeout=30)
        return False

    start = threading.Barrier(attempts)
    request_factory = RequestFactory()

    def attempt():
        try:
            start.wait()
            request = request_factory.post("/login/", REMOTE_ADDR="10.0.0.1")
            with contextlib.suppress(PermissionDenied):
                ThrottledModelBackend().authenticate(request, username="dieuphoi", password="wrong")
        finally:
            connection.close()
            with state:
                done[0] += 1
                state.notify_all()

    with mock.patch.object(User, "check_password", autospec=True, side_effect=check_password):
        threads = [threading.Thread(target=attempt) for _ in range(attempts)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return checked


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_passwords_check_at_most_the_limit():
    """12 wrong passwords at once for one user (limit 5): only 5 passwords are checked,
    the rest are refused unchecked; one lock-out."""
    f.user(Role.COORDINATOR, username="dieuphoi")
    checked = _concurrent_wrong_passwords(12)
    assert checked == ["dieuphoi"] * 5
    row = LoginThrottle.objects.get(scope=ThrottleScope.USERNAME, key="dieuphoi")
    assert row.failures == 5 and row.locked_until is not None
    assert AuditLog.objects.filter(action="login.lockout").count() == 1


def test_a_success_gives_back_its_attempt_on_the_address(client, officer):
    """The attempt is counted before its password is checked; a correct password does not
    leave it as an address failure."""
    _fail(client, "dieuphoi", 2)
    _login(client, "dieuphoi", PASSWORD)
    assert _logged_in(client)
    assert LoginThrottle.objects.get(scope=ThrottleScope.ADDRESS, key="10.0.0.1").failures == 2


@pytest.mark.django_db
def test_rate_limit_counts_per_scope_and_key_and_restarts_after_the_window():
    from accounts.models import RateLimit
    from accounts.throttle import rate_limit_hit

    start = timezone.now()
    window = datetime.timedelta(minutes=1)
    hits = [rate_limit_hit(scope="t", key="a", limit=3, window=window, now=start) for _ in range(4)]
    assert hits == [False, False, False, True]
    # Another key and another scope count on their own.
    assert rate_limit_hit(scope="t", key="b", limit=3, window=window, now=start) is False
    assert rate_limit_hit(scope="u", key="a", limit=3, window=window, now=start) is False
    later = start + window + datetime.timedelta(seconds=1)
    assert rate_limit_hit(scope="t", key="a", limit=3, window=window, now=later) is False
    assert RateLimit.objects.get(scope="t", key="a").hits == 1
    # Finished windows of the action are forgotten.
    assert not RateLimit.objects.filter(scope="t", key="b").exists()
