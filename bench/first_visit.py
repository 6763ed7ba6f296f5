"""Benchmark: what a phone downloads on its first visit to the scanner page — the page and
everything it loads, plus everything the service worker fetches for offline use — counted
in a real browser, request by request, so a file fetched twice counts twice.

Served as in production: hashed static names from `collectstatic` into a scratch
STATIC_ROOT, whitenoise's pre-compressed copies (brotli when the browser asks for it,
else gzip), gunicorn with DEBUG off (bench/settings_collected.py). The app's own
responses (page, roster, manifest, service worker) are counted gzip-compressed, as nginx
sends them (docs/deployment.md). Target: 150 KB.
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
from pathlib import Path

PORT = 8766
TARGET_BYTES = 150_000
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


def run(report_line, session_id: int, cookie: str, *, verbose: bool = False) -> bool:
    if not shutil.which("chromium"):
        report_line("scanner first visit: skipped (no chromium)")
        return True
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
            base = f"http://127.0.0.1:{PORT}"
            with open(access_log) as log:
                log.seek(0, os.SEEK_END)
                first_visit(base, cookie, f"/scan/{session_id}/")
                time.sleep(0.5)  # gunicorn writes the log line after the response
                lines = log.read().split("\n")
            fetched = []
            for line in filter(None, lines):
                method, status, dest, url = line.split(" ", 3)
                if method == "GET" and status == "200" and url != "/healthz?":
                    fetched.append(("fetch()" if dest == "empty" else dest, url.removesuffix("?")))
            sizes = [(who, url, _served_size(url, cookie)) for who, url in fetched]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
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
