"""Benchmark: what a phone downloads on its first visit to the scanner page — the page and
everything it loads, plus everything the service worker fetches for offline use — counted
in a real browser, request by request, so a file fetched twice counts twice.

Served as in production: hashed static names from `collectstatic` into a scratch
STATIC_ROOT, whitenoise's pre-compressed copies (brotli when the browser asks for it,
else gzip), gunicorn with DEBUG off (bench/settings_collected.py). The app's own
responses (page, roster, manifest, service worker) are counted gzip-compressed, as nginx
sends them (docs/deployment.md). Target: 150 KB.

The participant's own page (``/p/<code>/``, opened from the invitation letter's QR code,
often on 3G) is counted the same way, with no login and no service worker: the HTML and
everything it loads. Target: 60 KB.
"""

from __future__ import annotations

import gzip
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PORT = 8766
TARGET_BYTES = 150_000
PARTICIPANT_TARGET_BYTES = 60_000
# Compressed as served when the server did not compress: text types only.
TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/manifest+json")


def _served_size(url: str, cookie: str) -> int:
    """Bytes on the wire for one response body: what the server sends to a browser that
    accepts brotli and gzip, gzip-compressed when the server sent it plain."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    conn.request(
        "GET", url, headers={"Accept-Encoding": "br, gzip", "Cookie": f"sessionid={cookie}"}
    )
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.getheader("Content-Encoding"):
        return len(body)
    if (response.getheader("Content-Type") or "").startswith(TEXT_TYPES):
        return len(gzip.compress(body, compresslevel=6))
    return len(body)


def first_visit(base_url: str, cookie: str, path: str) -> None:
    """Open the page in a fresh browser profile and wait until the service worker has
    reported its pre-cache done and the network is quiet."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": base_url}])
        page = context.new_page()
        page.goto(path)
        page.wait_for_function("() => document.body.dataset.offlineReady !== undefined")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        browser.close()


def _start_server(env: dict, access_log: str) -> subprocess.Popen:
    # The access log is the count: what reached the server is what crossed the network
    # (answers from the browser's HTTP cache or the worker's cache never get here).
    # Sec-Fetch-Dest tells the worker's fetch() calls ("empty") from the page's loads.
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--log-level",
            "warning",
            "--access-logfile",
            access_log,
            "--access-logformat",
            "%(m)s %(s)s %({sec-fetch-dest}i)s %(U)s?%(q)s",
        ],
        env=env,
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.1)
    return server


@contextmanager
def _collected_server() -> Iterator[str]:
    """gunicorn serving collected static files as in production; yields its access log."""
    from django.db import connection

    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_collected",
        "PYTHONPATH": str(Path.cwd()),
        "STATIC_ROOT": static_root,
    }
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    try:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            env=env,
            check=True,
        )
        access_log = os.path.join(static_root, "access.log")
        server = _start_server(env, access_log)
        try:
            yield access_log
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)


def _fetched(access_log: str, visit: Callable[[], None]) -> list[tuple[str, str]]:
    """(who, url) of every GET answered 200 while ``visit()`` ran, from the access log."""
    with open(access_log) as log:
        log.seek(0, os.SEEK_END)
        visit()
        time.sleep(0.5)  # gunicorn writes the log line after the response
        lines = log.read().split("\n")
    fetched = []
    for line in filter(None, lines):
        method, status, dest, url = line.split(" ", 3)
        if method == "GET" and status == "200" and url != "/healthz?":
            fetched.append(("fetch()" if dest == "empty" else dest, url.removesuffix("?")))
    return fetched


def run(report_line, session_id: int, cookie: str, *, verbose: bool = False) -> bool:
    if not shutil.which("chromium"):
        report_line("scanner first visit: skipped (no chromium)")
        return True
    base = f"http://127.0.0.1:{PORT}"
    with _collected_server() as access_log:
        fetched = _fetched(access_log, lambda: first_visit(base, cookie, f"/scan/{session_id}/"))
        sizes = [(who, url, _served_size(url, cookie)) for who, url in fetched]
    total = sum(size for _w, _u, size in sizes)
    urls = [url for _w, url, _s in sizes]
    twice = sorted({url for url in urls if urls.count(url) > 1})
    if verbose:
        for who, url, size in sizes:
            report_line(f"  {who:<9} {size / 1000:7.1f} KB  {url}")
    ok = total <= TARGET_BYTES and not twice
    report_line(
        f"scanner first visit (page + offline cache, compressed): {total / 1000:.0f} KB in "
        f"{len(sizes)} requests, {len(twice)} fetched twice (target ≤ {TARGET_BYTES // 1000} KB, "
        f"none twice) {'ok' if ok else 'FAIL'}"
    )
    for url in twice:
        report_line(f"  fetched twice: {url}")
    return ok


# ---------------------------------------------------------------- the participant's page


def prepare_participant() -> str:
    """A participant of a class well under way: ten sessions (six held, with marks), six
    materials of two editions each with a file, and their certificate not yet issued; the
    page's code."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from attendees.models import Attendance
    from materials import services as material_services
    from materials.models import ClassMaterial, Edition, Language, Material
    from tests import factories as f
    from tests.security.world import pdf_bytes

    today = timezone.localdate()
    klass = f.training_class(
        code="BENCH-PORTAL",
        title="Bồi dưỡng nghiệp vụ thông tin đối ngoại cho cán bộ cơ sở vùng biên giới",
        start_date=today - datetime.timedelta(days=3),
        state="running",
    )
    klass.end_date = today + datetime.timedelta(days=1)
    klass.save(update_fields=["end_date"])
    unit = f.organisation(code="BENCH-PRT")
    enrollment = f.enrollment(klass, unit, f.participant(unit, full_name="Lò Thị Phương"))
    for i in range(10):
        day = klass.start_date + datetime.timedelta(days=i // 2)
        start = datetime.time(7, 30) if i % 2 == 0 else datetime.time(13, 30)
        session = f.session(
            klass,
            date=day,
            start_time=start,
            end_time=datetime.time(start.hour + 3, 30),
            topic=f"Chuyên đề {i + 1}: kỹ năng thông tin đối ngoại trên báo chí và mạng xã hội",
        )
        if i < 6:
            Attendance.objects.create(
                enrollment=enrollment,
                session=session,
                status="present" if i != 3 else "late",
                first_scan_at=session.starts_at(),
            )
            session.closed_at = timezone.now()
            session.save(update_fields=["closed_at"])
    coordinator = f.user("coordinator", username="bench-portal-coordinator")
    languages = [Language.objects.get(code="vi"), Language.objects.get(code="hmn")]
    for m in range(6):
        material = material_services.material_save(
            actor=coordinator,
            material=Material(
                title=f"Sổ tay thông tin đối ngoại, tập {m + 1}", kind="handbook", year=today.year
            ),
        )
        for language in languages:
            edition = material_services.edition_create(
                actor=coordinator,
                edition=Edition(material=material, label=language.name, year=today.year),
                languages=[language],
                uploads=[
                    SimpleUploadedFile(
                        f"so-tay-{m + 1}-{language.code}.pdf",
                        pdf_bytes(f"{m}{language.code}"),
                        "application/pdf",
                    )
                ],
            )
            ClassMaterial.objects.create(training_class=klass, edition=edition)
    # The class's evaluation is open: the page links to the survey (the ready template,
    # 23 indicators), measured as a first visit of its own.
    from evaluation import services as evaluation_services

    evaluation_services.evaluation_open(actor=coordinator, training_class=klass)
    return enrollment.page_token


def _open_as_a_phone(base_url: str, path: str) -> None:
    """A fresh browser, no cookie: as a participant scanning their letter."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        browser.close()


def participant_run(report_line, token: str | None = None, *, verbose: bool = False) -> bool:
    """The participant's page, first visit: the page and all it loads, compressed."""
    if not shutil.which("chromium"):
        report_line("participant's page first visit: skipped (no chromium)")
        return True
    token = token or prepare_participant()
    base = f"http://127.0.0.1:{PORT}"
    ok = True
    for label, path in (
        ("participant's page", f"/p/{token}/"),
        ("participant's survey", f"/p/{token}/danh-gia/"),
    ):
        with _collected_server() as access_log:
            fetched = _fetched(access_log, lambda path=path: _open_as_a_phone(base, path))
            sizes = [(who, url, _served_size(url, "")) for who, url in fetched]
        total = sum(size for _w, _u, size in sizes)
        if verbose:
            for who, url, size in sizes:
                report_line(f"  {who:<9} {size / 1000:7.1f} KB  {url}")
        within = bool(sizes) and total <= PARTICIPANT_TARGET_BYTES
        ok = ok and within
        report_line(
            f"{label} first visit (compressed): {total / 1000:.1f} KB in {len(sizes)} "
            f"requests (target ≤ {PARTICIPANT_TARGET_BYTES // 1000} KB) "
            f"{'ok' if within else 'FAIL'}"
        )
    return ok
