"""How every benchmark times a page: the median of a few runs after a warm-up. Shared by
`python -m bench` and the benchmarks run alone (`python -m bench.reports`)."""

from __future__ import annotations

import statistics
import time


def median_seconds(fn, repeat: int = 7) -> float:
    fn()  # warm caches and the connection
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_alone(run) -> int:
    """One benchmark module on its own (`python -m bench.reports`, `python -m
    bench.importing`), on the same kind of database as `python -m bench`: a throw-away
    SQLite file, or a throw-away test database on PostgreSQL. `run(measure, report)` is
    the module's own entry point; returns the exit status."""
    import os
    import tempfile

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    tmp = tempfile.TemporaryDirectory()
    if not os.environ.get("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = os.path.join(tmp.name, "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment

    setup_test_environment()
    if connection.vendor == "postgresql":
        setup_databases(verbosity=0, interactive=False)  # a throw-away test database
    else:
        call_command("migrate", verbosity=0)

    def report(name: str, t: float, f: float, target: float) -> bool:
        ratio = t / f
        print(
            f"{name:<42} {t * 1000:7.1f}ms {f * 1000:7.2f}ms {ratio:7.1f} {target:>6}×"
            f" {'ok' if ratio <= target else 'FAIL'}"
        )
        return ratio <= target

    print(f"{'benchmark':<42} {'time':>9} {'floor':>9} {'ratio':>7} {'target':>7}")
    ok = run(median_seconds, report)
    tmp.cleanup()
    return 0 if ok else 1
