"""Benchmark: check-in API throughput and latency under concurrent scanners.

A real gunicorn server (gthread workers) on loopback, against the benchmark's database.
Each request uploads one scan with a fresh nonce for a random enrolled person, as a
phone does when it is online. Floor: bench/urls.py's bare view (one indexed read, one
insert) under the same load in the same run. Target: the API keeps ≥ 0.7× the floor's
throughput at each concurrency.
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

PORT = 8765
CSRF = "b" * 32
DURATION = float(os.environ.get("BENCH_CHECKIN_SECONDS", "4"))


def _prepare():
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Role
    from attendees.models import Enrollment
    from tests import factories as f

    now = timezone.localtime()
    klass = f.training_class(
        code="BENCH-CHECKIN", start_date=now.date(), capacity=500, state="running"
    )
    trainer_user = f.user(Role.TRAINER, username="bench-trainer")
    trainer = f.trainer(trainer_user)
    session = f.session(
        klass,
        date=now.date(),
        start_time=datetime.time(0, 0),
        end_time=datetime.time(23, 59),
        trainers=[trainer],
    )
    unit = f.organisation(code="BENCH-CHK")
    tokens = []
    for i in range(300):
        p = f.participant(unit, full_name=f"Lò Văn Đo {i:03d}")
        n = f.nomination(klass, unit, person=p, state="approved")
        tokens.append(
            Enrollment.objects.create(
                nomination=n,
                training_class=klass,
                participant=p,
                organisation=unit,
                category=n.category,
            ).badge_token
        )
    client = Client()
    client.force_login(trainer_user)
    return session.pk, tokens, client.cookies["sessionid"].value


def _load(
    path: str, concurrency: int, session_id: int, tokens: list[str], cookie: str
) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + DURATION
    headers = {
        "Content-Type": "application/json",
        "X-CSRFToken": CSRF,
        "Cookie": f"sessionid={cookie}; csrftoken={CSRF}",
        "Referer": f"http://127.0.0.1:{PORT}/",
    }

    def client(seed: int):
        nonlocal errors
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        mine, bad = [], 0
        while time.perf_counter() < stop:
            body = json.dumps(
                {
                    "device": f"bench-{seed}",
                    "scans": [
                        {
                            "token": rng.choice(tokens),
                            "session": session_id,
                            "nonce": str(uuid.uuid4()),
                            "scanned_at": datetime.datetime.now(datetime.UTC).isoformat(),
                        }
                    ],
                }
            )
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            mine.append(time.perf_counter() - t0)
            bad += not ok
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / elapsed, statistics.median(latencies), p99, errors


def run(report_line) -> bool:
    session_id, tokens, cookie = _prepare()
    from django.db import connection

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(Path.cwd())}
    if connection.vendor == "postgresql":
        # The benchmark runs in a throw-away test database: point the server at it.
        db = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--worker-class",
            "gthread",
            "--workers",
            "2",
            "--threads",
            "8",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/login/")
                break
            except OSError:
                time.sleep(0.1)
        ok = True
        for concurrency in (1, 4, 16):
            api = _load("/api/v1/checkins/batch", concurrency, session_id, tokens, cookie)
            floor = _load("/bench/floor", concurrency, session_id, tokens, cookie)
            ratio = api[0] / floor[0]
            passed = ratio >= 0.7 and api[3] == 0
            ok &= passed
            report_line(
                f"check-in API, {concurrency:>2} clients: {api[0]:6.0f} req/s (p50 {api[1] * 1000:5.1f} ms, "
                f"p99 {api[2] * 1000:6.1f} ms, {api[3]} errors) vs floor {floor[0]:6.0f} req/s "
                f"(p50 {floor[1] * 1000:5.1f} ms) → {ratio:.2f}× (target ≥ 0.7×) {'ok' if passed else 'FAIL'}"
            )
        ok &= _scanner_page(report_line, session_id, tokens, cookie)
        return ok
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


def _scanner_page(report_line, session_id: int, tokens: list[str], cookie: str) -> bool:
    from bench import first_visit
    from bench.scanner import feedback_times

    ok = first_visit.run(report_line, session_id, cookie)
    times = feedback_times(f"http://127.0.0.1:{PORT}", cookie, session_id, tokens)
    if times is None:
        report_line("scan-to-feedback: skipped (no chromium)")
        return ok
    for mode, target in (("online", 250), ("offline", 100)):
        median, worst = times[mode]
        passed = worst <= target
        ok &= passed
        report_line(
            f"scan-to-feedback {mode}: median {median:.1f} ms, worst {worst:.1f} ms of 20 "
            f"(target ≤ {target} ms) {'ok' if passed else 'FAIL'}"
        )
    return ok
