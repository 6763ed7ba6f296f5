"""Scanners uploading while a coordinator downloads reports and the task worker writes the
year's workbook: real processes (gunicorn, 2 workers × 4 threads as `make https` runs it,
and `db_worker`) on the test's database — on SQLite a file in WAL mode, as in production.

On SQLite every write takes the one write lock: the settings' IMMEDIATE transactions and
20-second busy timeout must turn that into waiting, never into "database is locked".
"""

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime
from datetime import time as clock

import pytest
from django.test import Client
from django.utils import timezone

from attendees.models import Attendance, Enrollment, ScanEvent
from reports.models import ReportJob
from tests import factories as f
from tests.shared_db import ROOT, manage, shared_database, stop, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

CSRF = "b" * 32  # Django accepts a matching cookie/header pair of the raw secret
DEVICES = 6
UPLOADS = 8  # per device
SCANS = 10  # per upload


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer in itself here


_opener = urllib.request.build_opener(_NoRedirect)


class Http:
    """Bounded requests to the server under test (loopback only), recording every answer."""

    def __init__(self, base: str, session: str):
        self.base, self.session = base, session
        self.answers: list[tuple[str, int, bytes]] = []
        self.lock = threading.Lock()

    def __call__(self, path: str, body: dict | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode() if body is not None else None,
            method="POST" if body is not None else "GET",
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": CSRF,
                "Cookie": f"sessionid={self.session}; csrftoken={CSRF}",
            },
        )
        try:
            with _opener.open(request, timeout=60) as response:
                code, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            code, payload = exc.code, exc.read()
        with self.lock:
            self.answers.append((path, code, payload))
        return code, payload


def test_scanner_uploads_while_reports_are_made_all_succeed(world, tmp_path, settings):
    klass, session = world.class_a, world.session_a
    people = [
        f.enrollment(klass, world.unit_a, f.participant(world.unit_a, full_name=f"Lò Thị B{i:03d}"))
        for i in range(120)
    ]
    start = timezone.make_aware(datetime.combine(session.date, clock(7, 20)))
    plans = [
        [
            [
                {
                    "token": people[(d * 37 + u * SCANS + i) % len(people)].badge_token,
                    "session": session.pk,
                    "nonce": str(uuid.uuid4()),
                    "scanned_at": (
                        start + timezone.timedelta(seconds=d * 100 + u * 10 + i)
                    ).isoformat(),
                }
                for i in range(SCANS)
            ]
            for u in range(UPLOADS)
        ]
        for d in range(DEVICES)
    ]
    port = _free_port()
    log = tmp_path / "server.log"
    with shared_database(tmp_path) as env:
        scanner = Http(f"http://127.0.0.1:{port}", _cookie(world.trainer))
        reporter = Http(f"http://127.0.0.1:{port}", _cookie(world.coordinator))
        with open(log, "ab") as out:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--timeout",
                    "120",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = manage(
            env, "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2", log=log
        )
        try:

            def up():
                try:
                    return reporter("/api/v1/openapi.json")[0] == 200
                except OSError:
                    return False

            wait_for(up, timeout=60, what=f"the server; {log.read_text()}")
            reporter.answers.clear()
            go = threading.Event()

            def device(d: int) -> None:
                go.wait()
                for scans in plans[d]:
                    scanner("/api/v1/checkins/batch", {"device": f"dev-{d}", "scans": scans})

            def coordinator() -> None:
                go.wait()
                year = klass.start_date.year
                reporter(f"/reports/classes/{klass.code}/attendance.xlsx")
                reporter(f"/reports/year/{year}/export/", {})
                reporter(f"/reports/classes/{klass.code}/attendance.pdf?view=matrix")
                job = ReportJob.objects.get()
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline:
                    state = json.loads(reporter(f"/reports/jobs/{job.pk}/status/")[1])["state"]
                    if state in ("done", "failed"):
                        break
                    time.sleep(0.1)
                reporter(f"/reports/jobs/{job.pk}/file/")

            threads = [threading.Thread(target=device, args=(d,)) for d in range(DEVICES)]
            threads.append(threading.Thread(target=coordinator))
            for t in threads:
                t.start()
            go.set()
            for t in threads:
                t.join(timeout=180)
        finally:
            stop(worker)
            stop(server)

        failures = [
            (path, code, payload[:300])
            for path, code, payload in scanner.answers + reporter.answers
            if code != 200 or b"database is locked" in payload
        ]
        # The year export's POST answers with a redirect to the dashboard.
        failures = [x for x in failures if not (x[0].endswith("/export/") and x[1] == 302)]
        assert not failures, (failures, log.read_text()[-3000:])
        assert len(scanner.answers) == DEVICES * UPLOADS
        answered = {
            r["nonce"]: r["result"]
            for _path, _code, payload in scanner.answers
            for r in json.loads(payload)["results"]
        }
        nonces = {s["nonce"] for plan in plans for scans in plan for s in scans}
        assert set(answered) == nonces
        assert ScanEvent.objects.count() == len(nonces)
        tokens = {s["token"] for plan in plans for scans in plan for s in scans}
        assert Attendance.objects.filter(session=session).count() == len(tokens)
        assert Enrollment.objects.filter(badge_token__in=tokens).count() == len(tokens)

        downloads = {path: payload for path, code, payload in reporter.answers if code == 200}
        assert downloads[f"/reports/classes/{klass.code}/attendance.xlsx"][:2] == b"PK"
        assert (
            downloads[f"/reports/classes/{klass.code}/attendance.pdf?view=matrix"][:5] == b"%PDF-"
        )
        job = ReportJob.objects.get()
        assert job.state == "done"
        assert downloads[f"/reports/jobs/{job.pk}/file/"][:2] == b"PK"
