"""Locust scenario of `bench/load.py`: phones scanning badges at the door of a class.

ScannerUser: a phone whose trainer has logged in (bench/load.py logs every scanner in
through the real login form before the run and hands out the cookies in
LOAD_SESSIONS_FILE, so the password hashing of 200 logins does not fall inside the
measured minute). It GETs the session's roster once, as the offline scanner does, then
uploads small batches of 1–5 scans every few seconds: some badges scanned twice, and
some uploads sent again with the same nonces (the phone never saw the answer).

HealthzUser: the floor — the same users with the same think time against /healthz.

Bounded: the run stops after LOAD_SECONDS (bench/load.py passes -t) and each user after
LOAD_MAX_REQUESTS requests.
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import uuid

from locust import FastHttpUser, between, task
from locust.exception import StopUser

SESSION_ID = int(os.environ.get("LOAD_SESSION_ID", "0"))
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "100"))
THINK = between(2, 5)  # seconds between uploads: a person walks up, the code is read
_sessions_file = os.environ.get("LOAD_SESSIONS_FILE")
SESSIONS: list[dict] = json.load(open(_sessions_file)) if _sessions_file else []  # noqa: SIM115
_numbers = itertools.count()
REPLAY = 0.1  # an upload whose answer was lost is sent again, same nonces
RESCAN = 0.15  # a badge this phone already scanned is held to the camera again


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


class ScannerUser(FastHttpUser):
    wait_time = THINK

    def on_start(self) -> None:
        runner = self.environment.runner
        # Each simulated phone takes its own login (distinct across --processes workers).
        workers = max(int(os.environ.get("LOAD_PROCESSES", "1")), 1)
        number = next(_numbers) * workers + getattr(runner, "worker_index", 0)
        login = SESSIONS[number % len(SESSIONS)]
        self.device = f"load-{number:04d}"
        self.rng = random.Random(number)
        self.sent = 0
        self.seen: list[str] = []
        self.last_upload: str | None = None
        self.headers = {
            "Cookie": f"sessionid={login['sessionid']}; csrftoken={login['csrftoken']}",
            "X-CSRFToken": login["csrftoken"],
            "Content-Type": "application/json",
        }
        with self.client.get(
            f"/api/v1/sessions/{SESSION_ID}/roster",
            headers=self.headers,
            name="GET roster",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                raise StopUser()
            self.tokens = [p["token"] for p in response.json()["participants"]]
            if not self.tokens:
                response.failure("empty roster")
                raise StopUser()

    def _new_upload(self) -> str:
        scans = []
        for _ in range(self.rng.randint(1, 5)):
            if self.seen and self.rng.random() < RESCAN:
                token = self.rng.choice(self.seen)
            else:
                token = self.rng.choice(self.tokens)
            self.seen.append(token)
            scans.append(
                {
                    "token": token,
                    "session": SESSION_ID,
                    "nonce": str(uuid.uuid4()),
                    "scanned_at": _now(),
                }
            )
        return json.dumps({"device": self.device, "device_time": _now(), "scans": scans})

    @task
    def upload(self) -> None:
        if self.sent >= MAX_REQUESTS:
            raise StopUser()
        self.sent += 1
        replay = self.last_upload is not None and self.rng.random() < REPLAY
        body = self.last_upload if replay else self._new_upload()
        self.last_upload = body
        expected = {s["nonce"] for s in json.loads(body)["scans"]}
        with self.client.post(
            "/api/v1/checkins/batch",
            data=body,
            headers=self.headers,
            name="POST checkins/batch",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code} {response.error or ''}".strip())
                return
            results = response.json()["results"]
            # Every scan answered, each as a check-in or a repeat: a badge on the roster
            # is never "unknown" or "not in this class", and the session is open.
            if {r["nonce"] for r in results} != expected:
                response.failure("results do not answer the scans sent")
            elif bad := [
                r["result"]
                for r in results
                if r["result"] not in ("present", "late", "already_recorded")
            ]:
                response.failure(f"unexpected results: {sorted(set(bad))}")


class HealthzUser(FastHttpUser):
    """The floor: same users, same think time, the cheapest request the server answers."""

    wait_time = THINK

    def on_start(self) -> None:
        self.sent = 0

    @task
    def healthz(self) -> None:
        if self.sent >= MAX_REQUESTS:
            raise StopUser()
        self.sent += 1
        with self.client.get("/healthz", name="GET healthz", catch_response=True) as response:
            if response.status_code != 200 or response.content != b"ok":
                response.failure(f"HTTP {response.status_code}")
