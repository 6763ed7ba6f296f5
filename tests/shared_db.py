"""A test database that other processes (a task worker, a web server) can open too.

On PostgreSQL the test database already is one: a transactional test commits its rows and
the child connects to the same database. On SQLite the test database lives in memory,
private to this process, so the test's connection is moved to a file copy of it (made
with SQLite's online backup API, WAL as in production) for the duration of the test.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def shared_database(directory: Path) -> Iterator[dict[str, str]]:
    """Yield the environment a child process needs to open the test's database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SQLITE_PATH", "TASKS_BACKEND", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        PUBLIC_BASE_URL=settings.PUBLIC_BASE_URL,
        PYTHONUNBUFFERED="1",
    )
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        host = db["HOST"] or "127.0.0.1"
        env["DATABASE_URL"] = f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
        yield env
        return

    path = directory / "shared.sqlite3"
    connection.ensure_connection()
    memory = connection.connection
    old_name = connection.settings_dict["NAME"]
    import sqlite3

    target = sqlite3.connect(path)
    memory.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    # Detach the in-memory connection (closing it would destroy that database) and let
    # Django open the file in its place, with the production OPTIONS.
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    env["SQLITE_PATH"] = str(path)
    try:
        yield env
    finally:
        connection.close()
        connection.settings_dict["NAME"] = old_name
        connection.connection = memory


def manage(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen:
    """Start `manage.py ARGS` in its own process group, output to `log`."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Signal the process and its children (gunicorn's workers) and wait until all are
    gone, so none still holds a database connection."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while True:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        time.sleep(0.05)


def wait_for(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    """Poll until `condition()` is truthy; fail the test with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
