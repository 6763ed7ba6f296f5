"""The settings module fails loudly and is production-safe with production-like env."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
_OURS = {
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def _manage(*args, env):
    # tests/settings.py relaxes the security variables in os.environ; start from a clean slate.
    base = {k: v for k, v in os.environ.items() if k not in _OURS}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_secret_key_is_required_when_debug_is_off():
    result = _manage("check", env={"DEBUG": "0", "ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_invalid_boolean_fails_loudly():
    result = _manage("check", env={"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_check_deploy_has_no_warnings_with_production_env():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DEBUG": "0",
            "SECRET_KEY": "k7#Qw9!zP2@rL5$vN8^tB3&yH6*mC1(xF4)sJ0_dG+eAUo-9TrVb2Lm4Xc",
            "ALLOWED_HOSTS": "daotao.sotttt.laichau.gov.vn",
            "CSRF_TRUSTED_ORIGINS": "https://daotao.sotttt.laichau.gov.vn",
        },
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_database_url_switches_engine(monkeypatch):
    import dj_database_url

    parsed = dj_database_url.parse("postgres://postgres@127.0.0.1:5432/tcm")
    assert parsed["ENGINE"] == "django.db.backends.postgresql"


@pytest.mark.django_db
def test_ui_is_vietnamese_even_for_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi"
    assert "Đăng nhập" in response.content.decode()


@pytest.mark.django_db
def test_language_switcher_gives_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    response = client.get(reverse("login"))
    assert response["Content-Language"] == "en"
    assert "Log in" in response.content.decode()


# --- Production cookies and headers ------------------------------------------------------

_PRODUCTION_PROBE = """
import json
import django
from django.conf import settings
django.setup()
from django.test import Client, override_settings

client = Client()
# Hashed static names need `collectstatic`; everything else is the production settings.
plain_storage = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain_storage):
    plain = client.get("/login/")
    secure = client.get("/login/", secure=True)
    healthz = client.get("/healthz")
csrf = secure.cookies["csrftoken"]
print(json.dumps({
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SESSION_COOKIE_HTTPONLY": settings.SESSION_COOKIE_HTTPONLY,
    "CSRF_COOKIE_HTTPONLY": settings.CSRF_COOKIE_HTTPONLY,
    "SESSION_COOKIE_SAMESITE": settings.SESSION_COOKIE_SAMESITE,
    "CSRF_COOKIE_SAMESITE": settings.CSRF_COOKIE_SAMESITE,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "LOGIN_FAILURE_LIMIT": settings.LOGIN_FAILURE_LIMIT,
    "LOGIN_ADDRESS_FAILURE_LIMIT": settings.LOGIN_ADDRESS_FAILURE_LIMIT,
    "LOGIN_LOCKOUT_MINUTES": settings.LOGIN_LOCKOUT_MINUTES,
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location"),
    "healthz": [healthz.status_code, healthz.content.decode()],
    "hsts": secure.get("Strict-Transport-Security"),
    "csp": secure.get("Content-Security-Policy"),
    "csrf_cookie": {"secure": bool(csrf["secure"]), "samesite": csrf["samesite"]},
}))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    base = {k: v for k, v in os.environ.items() if k not in _OURS and not k.startswith("LOGIN_")}
    result = subprocess.run(
        [sys.executable, "-c", _PRODUCTION_PROBE],
        cwd=ROOT,
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": "k7#Qw9!zP2@rL5$vN8^tB3&yH6*mC1(xF4)sJ0_dG+eAUo-9TrVb2Lm4Xc",
            "ALLOWED_HOSTS": "testserver",
            "SQLITE_PATH": str(tmp_path_factory.mktemp("prod") / "db.sqlite3"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure(production):
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["csrf_cookie"] == {"secure": True, "samesite": "Lax"}


def test_production_session_cookie_is_httponly_and_lax(production):
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production["CSRF_COOKIE_SAMESITE"] == "Lax"
    # Deliberately readable: the offline scanner takes a fresh token from the cookie
    # (static/js/scanner.js csrfToken()); HttpOnly would break uploads after a cached load.
    assert production["CSRF_COOKIE_HTTPONLY"] is False


def test_production_redirects_to_https_with_hsts(production):
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["plain_status"] == 301
    assert production["plain_location"] == "https://testserver/login/"
    assert production["SECURE_HSTS_SECONDS"] >= 31536000
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["hsts"].startswith("max-age=31536000")
    assert "includeSubDomains" in production["hsts"]


def test_production_answers_the_health_check_over_plain_http(production):
    """A load balancer polls http://app:8000/healthz directly, not through the https
    front: a redirect would count as a failed check."""
    assert production["healthz"] == [200, "ok"]


def test_production_sends_the_content_security_policy(production):
    assert "script-src 'self'" in production["csp"]
    assert "unsafe" not in production["csp"]


def test_login_throttle_defaults(production):
    assert production["LOGIN_FAILURE_LIMIT"] == 5
    assert production["LOGIN_ADDRESS_FAILURE_LIMIT"] == 20
    assert production["LOGIN_LOCKOUT_MINUTES"] == 15


def test_manage_py_without_debug_refuses_and_says_how_to_develop(tmp_path):
    """No development default in manage.py: a command started without its environment
    (`manage.py backup` outside the production env file) refuses, instead of running in
    DEBUG mode on an empty ./db.sqlite3."""
    result = _manage("check", env={"SQLITE_PATH": str(tmp_path / "db.sqlite3")})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "make run" in result.stderr and "DEBUG=1" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()


def test_manage_py_without_debug_runs_with_debug_off(tmp_path):
    show = "from django.conf import settings; print('DEBUG', settings.DEBUG)"
    env = {
        "SECRET_KEY": "manage-test-" + "k" * 40,
        "ALLOWED_HOSTS": "localhost",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    assert _manage("shell", "-v", "0", "-c", show, env=env).stdout.strip() == "DEBUG False"
    # A developer asks for it.
    result = _manage(
        "shell", "-v", "0", "-c", show, env={"DEBUG": "1", "SQLITE_PATH": env["SQLITE_PATH"]}
    )
    assert result.stdout.strip() == "DEBUG True"


def test_manage_py_makemigrations_check_runs_in_a_bare_checkout(tmp_path):
    """Commands that write source files, never data, keep a development default: the
    migrations check works without an environment, while `check` above still refuses."""
    result = _manage(
        "makemigrations", "--check", "--dry-run", env={"SQLITE_PATH": str(tmp_path / "db.sqlite3")}
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
