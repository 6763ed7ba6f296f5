"""Benchmark of the scanner page in the browser: scan-to-feedback time online and
offline (keyboard-wedge input, so the number is the page's own work after a code is read;
camera decoding feeds the same function). Its weight on a first visit: bench/first_visit.py."""

from __future__ import annotations

import json
import shutil
import statistics


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
