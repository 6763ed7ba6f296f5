"""8 scanners uploading at once over HTTP, with repeats and replays (PostgreSQL)."""

import json
import random
import threading
import urllib.error
import urllib.request
import uuid
from datetime import datetime, time

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from attendees.models import Attendance, Enrollment, ScanEvent
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

CSRF = "a" * 32  # Django accepts a matching cookie/header pair of the raw secret


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def test_eight_devices_posting_concurrently_lose_nothing_and_duplicate_nothing(world, live_server):
    people = []
    for i in range(60):
        p = f.participant(world.unit_a, full_name=f"Lò Văn Thử {i:02d}")
        n = f.nomination(world.class_a, world.unit_a, person=p, state="approved")
        people.append(
            Enrollment.objects.create(
                nomination=n,
                training_class=world.class_a,
                participant=p,
                organisation=world.unit_a,
                category=n.category,
            )
        )
    client = Client()
    client.force_login(world.trainer)
    session_cookie = client.cookies["sessionid"].value
    start = timezone.make_aware(datetime.combine(world.session_a.date, time(7, 20)))
    rng = random.Random(8)

    def device_scans(d: int) -> list[dict]:
        scans = []
        for i in range(100):
            if scans and rng.random() < 0.3:
                scans.append(dict(rng.choice(scans)))  # a replayed upload: same nonce
            else:
                e = rng.choice(people)  # many people are scanned by several devices
                scans.append(
                    {
                        "token": e.badge_token,
                        "session": world.session_a.pk,
                        "nonce": str(uuid.uuid4()),
                        "scanned_at": (start + timezone.timedelta(seconds=d * 100 + i)).isoformat(),
                    }
                )
        return scans

    plans = [device_scans(d) for d in range(8)]
    statuses: list[int] = []
    results: dict[str, set] = {}
    lock = threading.Lock()

    def run(d: int):
        for chunk in range(0, 100, 10):
            body = json.dumps(
                {"device": f"dev-{d}", "scans": plans[d][chunk : chunk + 10]}
            ).encode()
            request = urllib.request.Request(
                live_server.url + "/api/v1/checkins/batch",
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "X-CSRFToken": CSRF,
                    "Cookie": f"sessionid={session_cookie}; csrftoken={CSRF}",
                    "Referer": live_server.url,
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    payload = json.loads(response.read())
                    code = response.status
            except urllib.error.HTTPError as exc:
                code, payload = exc.code, {"results": []}
            with lock:
                statuses.append(code)
                for r in payload["results"]:
                    results.setdefault(r["nonce"], set()).add(r["result"])

    threads = [threading.Thread(target=run, args=(d,)) for d in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert statuses and all(code == 200 for code in statuses), statuses
    nonces = {s["nonce"] for plan in plans for s in plan}
    assert set(results) == nonces  # every scan answered
    assert all(len(answers) == 1 for answers in results.values())  # replays got the same answer
    assert ScanEvent.objects.count() == len(nonces)  # no lost scan, none twice
    scanned = {s["token"] for plan in plans for s in plan}
    assert Attendance.objects.count() == len(scanned)  # one per person, no duplicate
    for a in Attendance.objects.select_related("enrollment"):
        earliest = min(
            datetime.fromisoformat(s["scanned_at"])
            for plan in plans
            for s in plan
            if s["token"] == a.enrollment.badge_token
        )
        assert a.first_scan_at == earliest
