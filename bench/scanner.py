"""Benchmarks of the scanner page in the browser: page weight on first load, and
scan-to-feedback time online and offline (keyboard-wedge input, so the number is the
page's own work after a code is read; camera decoding feeds the same function)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import statistics
from html.parser import HTMLParser


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.precache: list[str] = []
        self._in_precache = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("rel") in ("stylesheet", "icon", "manifest"):
            self.urls.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.urls.append(a["src"])
        elif tag == "script" and a.get("id") == "scanner-precache":
            self._in_precache = True

    def handle_data(self, data):
        if self._in_precache:
            self.precache += (
                [u for u in json.loads(data) if isinstance(u, str)]
                if data.strip().startswith("[")
                else []
            )
            self._in_precache = False


def page_weight(client, path: str) -> int:
    """Compressed bytes of a page and everything it loads on first visit (CSS, JS, the
    icon font, and what the scanner pre-caches for offline use)."""
    html = client.get(path).content
    parser = _Assets()
    parser.feed(html.decode())
    total = len(gzip.compress(html))
    seen = set()
    for url in parser.urls + parser.precache:
        url = url.split("?")[0]
        if url in seen or url == path or not url.startswith("/"):
            continue
        seen.add(url)
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        total += len(gzip.compress(body))
        if url.endswith(".css"):  # fonts referenced from stylesheets (Bootstrap Icons)
            for font in re.findall(rb"url\(\"?([^\")?#]+\.woff2)", body):
                font_url = url.rsplit("/", 1)[0] + "/" + font.decode().lstrip("./")
                if font_url not in seen:
                    seen.add(font_url)
                    fr = client.get(font_url)
                    total += len(b"".join(fr.streaming_content) if fr.streaming else fr.content)
    return total


def feedback_times(
    base_url: str, cookie: str, session_id: int, tokens: list[str]
) -> dict[str, float] | None:
    chromium = shutil.which("chromium")
    if not chromium:
        return None
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    out = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": base_url}])
        page = context.new_page()
        page.goto(f"/scan/{session_id}/")
        page.wait_for_selector("#live-panel")
        # Offline scans need the service worker in control of the page (the test suite's
        # offline test waits the same way).
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        if not page.evaluate("navigator.serviceWorker.controller !== null"):
            page.reload()
            page.wait_for_selector("#live-panel")
        page.wait_for_function(
            "document.querySelector('#count-expected').textContent.trim() !== '0'"
        )
        for mode, batch in (("online", tokens[:20]), ("offline", tokens[20:40])):
            context.set_offline(mode == "offline")
            times = []
            previous = page.evaluate("document.body.dataset.lastScan || ''")
            for token in batch:
                page.locator("#scan-input").fill(token)
                page.locator("#scan-input").press("Enter")
                page.wait_for_function("p => document.body.dataset.lastScan !== p", arg=previous)
                previous = page.evaluate("document.body.dataset.lastScan")
                last = json.loads(previous)
                times.append(last["shownAt"] - last["decodedAt"])
            out[mode] = (statistics.median(times), max(times))
        context.set_offline(False)
        browser.close()
    return out
