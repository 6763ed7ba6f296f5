"""Security headers on every response, and templates the Content-Security-Policy allows.

The browser test tests/browser/test_csp.py proves the main pages run without a violation;
the template scan here also covers pages that test does not open (a running certificate
job, a dispatch form...)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import Role
from config.middleware import CONTENT_SECURITY_POLICY
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


def _directives(header: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/login/", "/verify/", "/admin/login/", "/no-such-page/"])
def test_public_responses_carry_the_policy(client, url):
    response = client.get(url)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["media-src"] == ["'self'", "blob:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert response["Permissions-Policy"] == "camera=(self), microphone=(), geolocation=()"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_logged_in_pages_carry_the_policy(client):
    client.force_login(f.user(Role.COORDINATOR))
    page = client.get(reverse("courses:dashboard"))
    assert page.status_code == 200
    assert page["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_policy_has_no_unsafe_sources():
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert "*" not in CONTENT_SECURITY_POLICY


# --- Templates: nothing inline that the policy would block -----------------------------

TEMPLATES = sorted(
    p
    for pattern in ("templates/**/*.html", "*/templates/**/*.html")
    for p in ROOT.glob(pattern)
    if ".venv" not in p.parts and "node_modules" not in p.parts
)
# <script> with code in it: anything but an external file or a JSON data block.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I
)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE = re.compile(r"\sstyle\s*=|<style[\s>]", re.I)
JS_URL = re.compile(r"=\s*[\"']\s*javascript:", re.I)


TEMPLATE_TAG = re.compile(r"{%.*?%}", re.S)


def _offences(text: str) -> list[tuple[str, str]]:
    # A template tag is not HTML: "{% blocktranslate with online=n %}" is no handler.
    text = TEMPLATE_TAG.sub(" ", text)
    found = []
    for name, pattern in (
        ("inline script", INLINE_SCRIPT),
        ("event handler", HANDLER),
        ("inline style", STYLE),
        ("javascript: URL", JS_URL),
    ):
        found += [(name, m.group(0).strip()) for m in pattern.finditer(text)]
    return found


def test_scan_finds_what_the_policy_blocks():
    """The scan itself must see each kind of offence (else the next test proves nothing)."""
    sample = (
        '<script>alert(1)</script><button onclick="x()">'
        '<div style="width: 5%"></div><style>b{}</style><a href="javascript:x()">'
    )
    kinds = {kind for kind, _ in _offences(sample)}
    assert kinds == {"inline script", "event handler", "inline style", "javascript: URL"}
    allowed = (
        '<script src="/static/js/a.js" defer></script>'
        '<script type="application/json" id="d">[1]</script>'
        '<div data-on-line="1" class="pct-5"></div>'
        "{% blocktranslate with online=n %}{{ online }} online{% endblocktranslate %}"
    )
    assert _offences(allowed) == []


def test_templates_have_no_inline_code_or_styles():
    assert len(TEMPLATES) > 50  # the glob found the app templates
    offences = [
        f"{path.relative_to(ROOT)}: {kind}: {text}"
        for path in TEMPLATES
        for kind, text in _offences(path.read_text(encoding="utf-8"))
    ]
    assert offences == []


def test_server_error_page_uses_a_stylesheet_not_a_style_attribute():
    from django.contrib.staticfiles import finders
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "style=" not in html
    assert '<link rel="stylesheet" href="/static/css/error.css">' in html
    assert "font-family" in Path(finders.find("css/error.css")).read_text()


# --- Cache-Control: nothing a logged-in user is sent is stored -------------------------


@pytest.mark.django_db
def test_personal_data_responses_are_not_stored(client, world):
    enrollment = f.enrollment(world.class_a, world.unit_a)
    code = world.class_a.code
    client.force_login(world.coordinator)
    for url in [
        f"/api/v1/sessions/{world.session_a.pk}/roster",  # names and badge codes
        reverse("attendees:person-detail", args=[enrollment.participant_id]),
        reverse("attendees:enrollments-export", args=[code, "xlsx"]),
        reverse("attendees:enrollments-export", args=[code, "pdf"]),
        reverse("attendees:class-badges", args=[code]),
        reverse("certificates:invitation", args=[enrollment.pk]),
        reverse("courses:dashboard"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


@pytest.mark.django_db
def test_the_public_library_stays_cacheable_for_visitors(client):
    response = client.get(reverse("materials:library"))
    assert response.status_code == 200
    assert not response.has_header("Cache-Control")
