"""Playwright driving Debian's Chromium (Playwright's own browser download cannot work
offline). Without Chromium the browser tests are skipped — unless REQUIRE_BROWSER=1, as
in .ci/run, where a missing browser fails the run."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# itself (setting up data) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Chromium opens its fake camera's file when a page starts the camera, not at launch: a
# test writes the picture it wants "in front of the camera" here first (see camera.py).
FAKE_CAMERA = ARTIFACTS / "fake-camera.y4m"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(
                "Chromium not found but REQUIRE_BROWSER=1: install it (apt-get install chromium)."
            )
        pytest.skip("Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        ARTIFACTS.mkdir(exist_ok=True)
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={FAKE_CAMERA}",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login_with_form(page, username: str) -> None:
    """Log in through the Vietnamese login form, as a user does (demo password)."""
    from demo.seed import DEMO_PASSWORD

    page.goto("/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def open_menu(page) -> None:
    """On a phone the menu sits behind its toggler: open it and wait until Bootstrap has
    finished unfolding it (``.show``), since a click during the transition can land on a
    link still clipped by the folding panel. On an office screen it is always open."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator("#mainnav.show").wait_for()


def logout_with_menu(page) -> None:
    """Log out as a user does: on a phone the button sits behind the menu toggler."""
    open_menu(page)
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login/**")
