"""Run the benchmarks: `make bench` (SQLite in a temporary file, or DATABASE_URL).

Each benchmark times a page and divides by a *floor* measured in the same run: the
cheapest page through the same stack (middleware, session, template engine) — the login
form, which reads no data. The ratio says what the page's data costs, independent of the
machine's speed. A ratio above
its target is reported as FAIL and makes the command exit non-zero. The load test
(bench/load.py: 200 scanners for 60 s against gunicorn + PostgreSQL) compares with /healthz
under the same load and writes bench/results/load.json and load.md.

`python -m bench scanner` runs only the scanner's first-visit weight (bench/first_visit.py)
and lists every request it counts; `python -m bench portal` the participant's page's.
"""

from __future__ import annotations

import os
import sys
import tempfile

from bench.timing import median_seconds


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    tmp = tempfile.TemporaryDirectory()
    if not os.environ.get("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = os.path.join(tmp.name, "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User
    from bench.generate import generate
    from courses.models import Quota, Session, TrainingClass

    setup_test_environment()
    if connection.vendor == "postgresql":
        # Never benchmark on someone's data: use a throw-away test database.
        from django.test.utils import setup_databases

        setup_databases(verbosity=0, interactive=False)
    else:
        call_command("migrate", verbosity=0)
    if sys.argv[1:] == ["scanner"]:
        # `python -m bench scanner`: only the scanner's first visit, request by request.
        from bench import checkin, first_visit

        session_id, _tokens, cookie = checkin._prepare()
        ok = first_visit.run(print, session_id, cookie, verbose=True)
        tmp.cleanup()
        return 0 if ok else 1
    if sys.argv[1:] == ["portal"]:
        # `python -m bench portal`: only the participant's page's first visit.
        from bench import first_visit

        ok = first_visit.participant_run(print, verbose=True)
        tmp.cleanup()
        return 0 if ok else 1
    provinces = int(os.environ.get("BENCH_PROVINCES", "60"))
    generate(provinces=provinces, classes_per_province=4, units_per_province=10)
    n_classes = TrainingClass.objects.count()
    print(
        f"data: {n_classes} classes in one year, {Session.objects.count()} sessions, {Quota.objects.count()} quotas ({connection.vendor})"
    )

    coordinator = Client()
    coordinator.force_login(User.objects.get(username="bench-coordinator"))
    nominator = Client()
    nominator.force_login(User.objects.get(username="bench-nominator"))
    # The class with the most quotas: the heaviest detail page.
    klass = TrainingClass.objects.annotate(n=Count("quotas")).order_by("-n", "code").first()

    anonymous = Client()

    def floor_page():
        anonymous.get("/login/")

    benchmarks = [
        # name, function, floor, target ratio
        ("dashboard page, coordinator", lambda: coordinator.get("/"), floor_page, 8),
        ("dashboard, nominator (own classes)", lambda: nominator.get("/"), floor_page, 8),
        (
            "class detail, coordinator",
            lambda: coordinator.get(f"/classes/{klass.code}/"),
            floor_page,
            8,
        ),
    ]
    failed = False
    print(f"{'benchmark':<42} {'time':>9} {'floor':>9} {'ratio':>7} {'target':>7}")

    def report(name: str, t: float, f: float, target: float) -> bool:
        ratio = t / f
        ok = ratio <= target
        print(
            f"{name:<42} {t * 1000:7.1f}ms {f * 1000:7.2f}ms {ratio:7.1f} {target:>6}× {'ok' if ok else 'FAIL'}"
        )
        return ok

    for name, fn, floor, target in benchmarks:
        response = fn()
        assert response.status_code == 200, (name, response.status_code)
        failed |= not report(name, median_seconds(fn), median_seconds(floor), target)

    from bench import importing

    failed |= not importing.run(median_seconds, report)

    from bench import certificates

    failed |= not certificates.run(median_seconds, report)

    from bench import checkin

    failed |= not checkin.run(print)

    from bench import first_visit

    failed |= not first_visit.participant_run(print)

    from bench import reports

    failed |= not reports.run(median_seconds, report)

    # Last: gunicorn + PostgreSQL + locust in its own scratch database (bench/load.py).
    from bench import load

    failed |= not load.run(print)
    tmp.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
