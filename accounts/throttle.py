"""Login throttling: lock a username, and separately a client address, after repeated
failed log-ins, for LOGIN_LOCKOUT_MINUTES.

Counters live in the database (`LoginThrottle`) so that every server process sees the
same count. Every attempt is counted before its password is checked, and refused once the
count has reached the limit, in one locked step (`login_attempt_begin`, called by
`accounts.backends.ThrottledModelBackend`): a locked account gives a guesser nothing, and
concurrent guesses cannot check more than the limit's number of passwords.
Usernames are counted whether or not the account exists: the lock-out itself does not
tell anyone which usernames are real.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import math

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import LoginThrottle, RateLimit, ThrottleScope, User

logger = logging.getLogger("accounts.security")


def _window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _limits() -> dict[str, int]:
    return {
        ThrottleScope.USERNAME: settings.LOGIN_FAILURE_LIMIT,
        ThrottleScope.ADDRESS: settings.LOGIN_ADDRESS_FAILURE_LIMIT,
    }


def client_address(request: HttpRequest) -> str:
    """The key a per-address limit (log-in throttle, certificate check) counts under: the
    browser's address, not our reverse proxy's, with an IPv6 client taken as its /64.

    Behind the proxy (BEHIND_PROXY=1) the client is the *last* X-Forwarded-For entry: the
    one our proxy appended. Earlier entries come from the client itself and can be forged
    to dodge a per-address limit.
    """
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        entries = [e.strip() for e in forwarded.split(",") if e.strip()]
        if entries:
            return address_key(entries[-1])
    return address_key(request.META.get("REMOTE_ADDR", ""))


def address_key(address: str) -> str:
    """One client's key: an IPv4 address as it is; an IPv6 address as its /64 network
    ("2001:db8:1:2::/64"), since one household or phone is given a whole /64 and picks any
    address in it; an IPv4-mapped IPv6 address ("::ffff:1.2.3.4") as the IPv4 address.
    Anything that is not an address is kept as it came (bounded to the column): a limit
    still counts it, and nothing here fails on it."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address[:150]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        # From the integer: drops a zone id ("fe80::1%eth0"), which a network cannot hold.
        return str(ipaddress.IPv6Network((int(ip), 64), strict=False))
    return str(ip)


def _keys(*, username: str, address: str) -> list[tuple[str, str]]:
    keys = [(ThrottleScope.USERNAME, username[:150])]
    if address:
        keys.append((ThrottleScope.ADDRESS, address))
    return keys


def login_refusal_log(*, username: str, address: str, until: datetime.datetime) -> None:
    logger.warning(
        "Log-in refused without checking the password: username %r from %s is locked out until %s",
        username,
        address,
        until.isoformat(),
    )


@transaction.atomic
def login_attempt_begin(
    *, username: str, address: str, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """Count one log-in attempt for the username and for the address *before* its
    password is checked; returns the end of the lock-out if the attempt is refused.

    Counting and checking the limit are one step under the row locks (PostgreSQL; SQLite's
    IMMEDIATE transactions serialise writers anyway), so however many attempts arrive at
    once, at most LIMIT passwords are checked per window: an attempt reserves a failure,
    a success gives it back (`login_success_record`). Every request locks the username's
    row before the address's: no lock cycles.
    """
    now = now or timezone.now()
    window = _window()
    limits = _limits()
    rows = []
    for scope, key in _keys(username=username, address=address):
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(
            scope=scope, key=key, defaults={"window_started_at": now}
        )
        if row.window_started_at <= now - window:
            row.failures = 0
            row.window_started_at = now
        rows.append(row)
    locked_until = None
    for row in rows:
        if row.locked_until is None or row.locked_until <= now:
            if row.failures < limits[row.scope]:
                continue
            # LIMIT attempts are already counted (some still being checked): lock now, so
            # the refusal can say until when.
            row.locked_until = now + window
            _lockout_log(row, username=username, address=address)
        locked_until = max(locked_until or row.locked_until, row.locked_until)
    if locked_until is None:
        for row in rows:
            row.failures += 1
    for row in rows:
        row.save()
    return locked_until


def login_failure_record(
    *, username: str, address: str, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """The attempt counted by `login_attempt_begin` failed: lock the username or the
    address if their count has reached the limit. Returns the end of the lock-out if this
    failure caused one (or one is already running), else None."""
    now = now or timezone.now()
    logger.warning("Failed log-in for username %r from %s", username, address)
    locked_until = _lock_if_over_limit(username=username, address=address, now=now)
    # Forget windows and locks that are over, so the table holds only live counters. After
    # the locking transaction, holding no row lock: a stale row that another request has
    # locked (to restart its count) is then only waited for, never a deadlock.
    LoginThrottle.objects.filter(window_started_at__lte=now - _window()).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    ).delete()
    return locked_until


@transaction.atomic
def _lock_if_over_limit(
    *, username: str, address: str, now: datetime.datetime
) -> datetime.datetime | None:
    limits = _limits()
    locked_until = None
    for scope, key in _keys(username=username, address=address):
        # Missing when a concurrent success cleared the username's count: nothing to lock.
        row = LoginThrottle.objects.select_for_update().filter(scope=scope, key=key).first()
        if row is None:
            continue
        if row.locked_until is None or row.locked_until <= now:
            if row.failures < limits[scope]:
                continue
            row.locked_until = now + _window()
            row.save(update_fields=["locked_until"])
            _lockout_log(row, username=username, address=address)
        locked_until = max(locked_until or row.locked_until, row.locked_until)
    return locked_until


def login_success_record(*, username: str, address: str) -> None:
    """A successful log-in clears the username's failures and gives back the attempt it
    reserved on the address (not the address's other failures: one person getting in says
    nothing about the others guessing from the same address)."""
    LoginThrottle.objects.filter(scope=ThrottleScope.USERNAME, key=username[:150]).delete()
    if address:
        LoginThrottle.objects.filter(
            scope=ThrottleScope.ADDRESS, key=address, failures__gt=0
        ).update(failures=F("failures") - 1)


def _lockout_log(row: LoginThrottle, *, username: str, address: str) -> None:
    from core.audit import audit

    logger.warning(
        "Locked out %s %r after %d failed log-ins until %s (last attempt: username %r from %s)",
        row.scope,
        row.key,
        row.failures,
        row.locked_until.isoformat(),
        username,
        address,
    )
    target = None
    if row.scope == ThrottleScope.USERNAME:
        target = User.objects.filter(username=row.key).first()
    audit(
        actor=None,
        action="login.lockout",
        target=target,
        changes={
            "scope": row.scope,
            "key": row.key,
            "failures": row.failures,
            "locked_until": row.locked_until.isoformat(),
            "username": username,
            "address": address,
        },
    )


def lockout_minutes(until: datetime.datetime, *, now: datetime.datetime | None = None) -> int:
    """Whole minutes left, rounded up (never "0 minutes" while still locked)."""
    seconds = (until - (now or timezone.now())).total_seconds()
    return max(1, math.ceil(seconds / 60))


# --- Other actions ---------------------------------------------------------------------


def rate_limit_hit(
    *,
    scope: str,
    key: str,
    limit: int,
    window: datetime.timedelta,
    now: datetime.datetime | None = None,
) -> bool:
    """Count one use of `scope` by `key`; True if it is over `limit` uses in the current
    fixed `window` (the caller refuses it). Counted and checked in one locked step, so
    concurrent requests from several processes can never all slip under the limit."""
    now = now or timezone.now()
    with transaction.atomic():
        # Row lock on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers.
        row, _ = RateLimit.objects.select_for_update().get_or_create(
            scope=scope, key=key[:150], defaults={"window_started_at": now}
        )
        if row.window_started_at <= now - window:
            row.hits = 0
            row.window_started_at = now
        row.hits += 1
        row.save(update_fields=["hits", "window_started_at"])
        over = row.hits > limit
    # Forget finished windows of this action, outside the counting transaction (as for
    # log-ins: no row lock held while deleting).
    RateLimit.objects.filter(scope=scope, window_started_at__lte=now - window).delete()
    return over
