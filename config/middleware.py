"""Security headers Django's SecurityMiddleware does not send.

Content-Security-Policy: only our own origin may supply scripts, styles, fonts, images and
connections, and no inline code runs. Our templates hold no inline <script> code (JSON data
blocks are data, not code), no on...= handlers and no style="..." attributes; the
browser test tests/browser/test_csp.py walks the main pages and fails on any violation.
`blob:` images and media are the scanner's camera frames; `data:` images are Bootstrap's
inline SVG icons (form validation, the navbar toggler) in bootstrap.min.css.

Permissions-Policy: the camera for our own pages only (the scanner), no microphone or
location for anyone.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "font-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # setdefault: a view that needs a different policy can set its own header.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
