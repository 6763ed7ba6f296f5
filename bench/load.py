"""Load test: simulated scanners against gunicorn + PostgreSQL, the way it is deployed.

A scratch PostgreSQL database (LOAD_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tcm_load — created here and dropped at the end, even
on error; never DATABASE_URL, which may name data someone keeps) is migrated and seeded
with a class whose session is open now and ~400 enrolled people with badges. gunicorn
serves config.wsgi with production settings (DEBUG off) and several worker processes on
127.0.0.1 and a free port. Every scanner logs in through the login form; then locust
(bench/locustfile_scanner.py) runs LOAD_USERS scanners (200) for LOAD_SECONDS (60): the
roster once, then batches of 1–5 scans every 2–5 s.

Floor: the same harness, users, think time and duration against /healthz (one
`SELECT 1`). Reported: error rate, throughput and p50/p99 per endpoint, and the ratios of
the check-in upload to the floor — throughput (≥ 0.9×: the server keeps up with the
scanners as it keeps up with a trivial request) and p99. Results go to
bench/results/load.json and load.md.

`make bench` runs it; alone: `.venv/bin/python -m bench.load` (LOAD_USERS=50
LOAD_SECONDS=15 for a short run; LOAD_PROCESSES=n forks locust if the generator is
short of CPU).
"""

from __future__ import annotations

import csv
import datetime
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tcm_load"
PARTICIPANTS = 400
TRAINERS = 20  # the scanners share the class's trainer accounts, one login per phone
PASSWORD = "load-test-pw"  # noqa: S105 — a scratch database, dropped at the end
# Targets: no errors, and the check-in upload keeps ≥ 0.9× the floor's throughput (with
# the same think time, that means the server answers as fast as the scanners ask). The
# p99 ratio is reported, not a target: the scanner shows its result on the phone at once
# and uploads in the background (offline-first), so upload latency is not what a person
# at the door waits for (bench/scanner.py measures that); a slow server shows up as lost
# throughput and errors, which are.
THROUGHPUT_TARGET = 0.9


def _settings() -> dict:
    return {
        "users": int(os.environ.get("LOAD_USERS", "200")),
        "seconds": int(os.environ.get("LOAD_SECONDS", "60")),
        "processes": int(os.environ.get("LOAD_PROCESSES", "1")),
        "web_workers": int(os.environ.get("LOAD_WEB_WORKERS", "4")),
        "threads": int(os.environ.get("LOAD_WEB_THREADS", "4")),
        "database_url": os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE_URL),
    }


# ------------------------------------------------------------------- scratch database


def _admin_connection(url: str):
    import psycopg

    parts = urllib.parse.urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or "postgres"),
        password=urllib.parse.unquote(parts.password or "") or None,
        dbname="postgres",
        autocommit=True,
    )


def _db_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


def _create_database(url: str) -> None:
    from psycopg import sql

    name = _db_name(url)
    with _admin_connection(url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and url != DEFAULT_DATABASE_URL:
            # Only our own scratch database (left by a killed run) is ever dropped unasked.
            raise SystemExit(f"load test: database {name} exists; give a new name")
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_database(url: str) -> None:
    from psycopg import sql

    with _admin_connection(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(_db_name(url)))
        )


def _server_env(database_url: str, media_root: str) -> dict:
    """Production settings, as a deployment sets them, minus https (loopback, no proxy)."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    for name in ("DEBUG", "SECRET_KEY", "REDIS_URL", "TASKS_BACKEND", "SQLITE_PATH"):
        keep.pop(name, None)
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "MEDIA_ROOT": media_root,
        "LOG_LEVEL": "WARNING",
        # No collectstatic for a benchmark: the API serves no static files.
        "PYTHONWARNINGS": "ignore:No directory at",
    }


# ------------------------------------------------------------------------------ seed


def seed() -> dict:
    """Run inside the scratch database (`python -m bench.load seed`): one class running
    today, its session open now, PARTICIPANTS people of ten units with badges, and
    TRAINERS trainer accounts who teach it. Prints what the harness needs as JSON."""
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Role, User
    from attendees.models import Enrollment
    from tests import factories as f

    now = timezone.localtime()
    # Open now: from an hour ago (not before midnight) to three hours on (not past it);
    # the check-in window adds its own margin on both sides.
    start = max(now - datetime.timedelta(hours=1), now.replace(hour=0, minute=0))
    end = min(now + datetime.timedelta(hours=3), now.replace(hour=23, minute=59))
    with transaction.atomic():
        klass = f.training_class(
            code="LOAD-SCAN",
            title="Chuyển đổi số cho cán bộ cấp xã",
            start_date=now.date() - datetime.timedelta(days=1),
            capacity=PARTICIPANTS + 50,
            state="running",
        )
        klass.end_date = now.date() + datetime.timedelta(days=1)
        klass.save(update_fields=["end_date"])
        users = []
        trainers = []
        for i in range(TRAINERS):
            user = User(username=f"load-trainer-{i:02d}", role=Role.TRAINER)
            user.set_password(PASSWORD)
            user.save()
            users.append(user.username)
            trainers.append(f.trainer(user, full_name=f"Giảng Viên Tải {i:02d}"))
        for day, (h1, h2) in ((1, (7, 11)), (1, (13, 17))):  # yesterday's sessions, held
            f.session(
                klass,
                date=now.date() - datetime.timedelta(days=day),
                start_time=datetime.time(h1, 30),
                end_time=datetime.time(h2, 0),
                trainers=trainers,
            )
        session = f.session(
            klass, date=now.date(), start_time=start.time(), end_time=end.time(), trainers=trainers
        )
        units = [f.organisation(code=f"LOAD-{u:02d}") for u in range(10)]
        for i in range(PARTICIPANTS):
            unit = units[i % len(units)]
            person = f.participant(unit, full_name=f"Lò Văn Tải {i:03d}")
            n = f.nomination(klass, unit, person=person, state="approved")
            Enrollment.objects.create(
                nomination=n,
                training_class=klass,
                participant=person,
                organisation=unit,
                category=n.category,
            )
    return {"session": session.pk, "users": users, "password": PASSWORD}


# ---------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def _login(port: int, username: str) -> tuple[float, dict]:
    """The login form, as the phone's browser posts it; returns the time taken and the
    session and (rotated) CSRF cookies."""
    csrf = secrets.token_hex(16)  # 32 characters: a CSRF secret the client may choose
    body = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    conn.request(
        "POST",
        "/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
        },
    )
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - t0
    cookies = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login of {username} failed: HTTP {response.status}")
    return elapsed, {"sessionid": cookies["sessionid"], "csrftoken": cookies.get("csrftoken", csrf)}


# ---------------------------------------------------------------------------- locust


def _percentile(histogram: dict, fraction: float) -> float:
    """Locust keeps response times in rounded buckets (ms → count)."""
    points = sorted((float(ms), n) for ms, n in histogram.items())
    total = sum(n for _ms, n in points)
    if not total:
        return 0.0
    seen = 0
    for ms, n in points:
        seen += n
        if seen >= fraction * total:
            return ms
    return points[-1][0]


def _locust(user_class: str, port: int, env: dict, cfg: dict, out: Path) -> dict:
    """One headless locust run; returns per-endpoint figures and whether locust warned
    about its own CPU (then the generator, not the server, set the pace)."""
    spawn_rate = max(cfg["users"] / 5, 1)  # everyone at work within 5 s
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile_scanner.py"),
        "--headless",
        "--users",
        str(cfg["users"]),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{cfg['seconds']}s",
        "--stop-timeout",
        "10",
        "--host",
        f"http://127.0.0.1:{port}",
        "--only-summary",
        "--json-file",
        str(out),
        "--csv",
        str(out),
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
        user_class,
    ]
    if cfg["processes"] > 1:
        cmd[4:4] = ["--processes", str(cfg["processes"])]
    started = time.perf_counter()
    run = subprocess.run(
        cmd,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=cfg["seconds"] + 120,  # bounded even if locust hangs
    )
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise RuntimeError(f"locust failed ({run.returncode}):\n{run.stderr[-3000:]}")
    stats = json.loads(Path(f"{out}.json").read_text())
    endpoints = {}
    for entry in stats:
        n = entry["num_requests"]
        endpoints[entry["name"]] = {
            "requests": n,
            "failures": entry["num_failures"],
            "error_rate": entry["num_failures"] / n if n else 0.0,
            "throughput_rps": n / cfg["seconds"],
            "p50_ms": _percentile(entry["response_times"], 0.50),
            "p99_ms": _percentile(entry["response_times"], 0.99),
            "max_ms": entry["max_response_time"],
        }
    with open(f"{out}_failures.csv", newline="") as failures_csv:
        failures = [
            {"endpoint": row["Name"], "error": row["Error"], "count": int(row["Occurrences"])}
            for row in csv.DictReader(failures_csv)
        ]
    return {
        "endpoints": endpoints,
        "failures": failures,
        "generator_cpu_warning": "CPU usage" in run.stderr,
        "wall_seconds": round(elapsed, 1),
    }


# ------------------------------------------------------------------------------- run


def run(report_line=print) -> bool:
    cfg = _settings()
    url = cfg["database_url"]
    tmp = tempfile.TemporaryDirectory(prefix="tcm-load-")
    env = _server_env(url, str(Path(tmp.name) / "media"))
    server = None
    try:
        _create_database(url)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        seeded = subprocess.run(
            [sys.executable, "-m", "bench.load", "seed"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )
        data = json.loads(seeded.stdout.strip().splitlines()[-1])
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(cfg["web_workers"]),
                "--worker-class",
                "gthread",
                "--threads",
                str(cfg["threads"]),
                # Longer than the scanners' think time: otherwise gunicorn closes an idle
                # connection just as a client reuses it, and the client sees a reset.
                # (Deployed, nginx holds the phones' connections; see docs/deployment.md.)
                "--keep-alive",
                "10",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        _wait_healthy(port, server)

        # Every phone logs in once (the login form; PBKDF2 makes it the slowest request).
        usernames = [data["users"][i % len(data["users"])] for i in range(cfg["users"])]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:
            logins = list(pool.map(lambda u: _login(port, u), usernames))
        login_wall = time.perf_counter() - t0
        login_times = sorted(t * 1000 for t, _cookies in logins)
        sessions_file = Path(tmp.name) / "sessions.json"
        sessions_file.write_text(json.dumps([cookies for _t, cookies in logins]))

        locust_env = {
            **os.environ,
            "LOAD_SESSION_ID": str(data["session"]),
            "LOAD_SESSIONS_FILE": str(sessions_file),
            "LOAD_PROCESSES": str(cfg["processes"]),
        }
        app = _locust("ScannerUser", port, locust_env, cfg, Path(tmp.name) / "app")
        floor = _locust("HealthzUser", port, locust_env, cfg, Path(tmp.name) / "floor")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        try:
            _drop_database(url)
        finally:
            tmp.cleanup()

    none = {"requests": 0, "failures": 0, "throughput_rps": 0.0, "p99_ms": 0.0}
    upload = app["endpoints"].get("POST checkins/batch", none)
    healthz = floor["endpoints"].get("GET healthz", none)
    all_requests = sum(e["requests"] for e in app["endpoints"].values())
    all_failures = sum(e["failures"] for e in app["endpoints"].values())
    ratios = {
        "throughput": upload["throughput_rps"] / max(healthz["throughput_rps"], 1e-9),
        "p99": upload["p99_ms"] / max(healthz["p99_ms"], 1),
    }
    passed = {
        "errors": all_failures == 0 and healthz["failures"] == 0 and upload["requests"] > 0,
        "throughput": ratios["throughput"] >= THROUGHPUT_TARGET,
    }
    results = {
        "measured_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
        },
        "config": {
            **{k: v for k, v in cfg.items() if k != "database_url"},
            "participants": PARTICIPANTS,
            "think_time_s": [2, 5],
            "scans_per_upload": [1, 5],
        },
        "logins": {
            "count": len(login_times),
            "wall_seconds": round(login_wall, 1),
            "p50_ms": login_times[len(login_times) // 2],
            "p99_ms": login_times[min(len(login_times) - 1, int(len(login_times) * 0.99))],
        },
        "app": app,
        "floor": floor,
        "error_rate": all_failures / all_requests if all_requests else 0.0,
        "ratios": ratios,
        "targets": {"throughput_min": THROUGHPUT_TARGET},
        "passed": passed,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    markdown = _markdown(results)
    (RESULTS / "load.md").write_text(markdown)
    for line in markdown.splitlines():
        report_line(line)
    return all(passed.values())


def _markdown(r: dict) -> str:
    cfg = r["config"]
    lines = [
        f"# Load test: {cfg['users']} scanners, {cfg['seconds']} s",
        "",
        f"Measured {r['measured_at']} on {r['machine']['host']} ({r['machine']['cpus']} CPUs, "
        f"load average at the end {r['machine']['load_average_at_end'][0]}); gunicorn "
        f"{cfg['web_workers']} processes × {cfg['threads']} threads, PostgreSQL, DEBUG off; "
        f"locust {cfg['processes']} process(es) on the same machine"
        + (" — locust warned about its own CPU" if r["app"]["generator_cpu_warning"] else "")
        + ".",
        "",
        f"Logins before the run: {r['logins']['count']} in {r['logins']['wall_seconds']} s "
        f"(p50 {r['logins']['p50_ms']:.0f} ms, p99 {r['logins']['p99_ms']:.0f} ms).",
        "",
        "| endpoint | requests | errors | req/s | p50 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = [*r["app"]["endpoints"].items(), *r["floor"]["endpoints"].items()]
    for name, e in rows:
        lines.append(
            f"| {name} | {e['requests']} | {e['failures']} ({e['error_rate']:.2%}) | "
            f"{e['throughput_rps']:.1f} | {e['p50_ms']:.0f} | {e['p99_ms']:.0f} | {e['max_ms']:.0f} |"
        )
    ok = r["passed"]
    failures = r["app"]["failures"] + r["floor"]["failures"]
    if failures:
        lines += ["", "Failures:"]
        lines += [f"- {f['endpoint']}: {f['error']} ×{f['count']}" for f in failures]
    lines += [
        "",
        f"- error rate (scanners): {r['error_rate']:.2%} (target 0) {'ok' if ok['errors'] else 'FAIL'}",
        f"- check-in upload throughput vs /healthz floor: {r['ratios']['throughput']:.2f}× "
        f"(target ≥ {r['targets']['throughput_min']}×) {'ok' if ok['throughput'] else 'FAIL'}",
        f"- check-in upload p99 vs /healthz floor: {r['ratios']['p99']:.1f}× (reported; "
        "the phone shows each scan's result before the upload)",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:] == ["seed"]:
        print(json.dumps(seed()))
    else:
        sys.exit(0 if run() else 1)
