"""Security headers Django's SecurityMiddleware does not send, NUL bytes in URLs refused
before any view sees them, and no-store for whatever a logged-in user is sent.

Content-Security-Policy: only our own origin may supply scripts, styles, fonts, images and
connections, and no inline code runs. Our templates hold no inline <script> code (JSON data
blocks are data, not code), no on...= handlers and no style="..." attributes; the
browser test tests/browser/test_csp.py walks the main pages and fails on any violation.
`blob:` images and media are the scanner's camera frames; `data:` images are Bootstrap's
inline SVG icons (form validation, the navbar toggler) in bootstrap.min.css.

The admin gets the same policy, no relaxation: Django 5.2's admin passes its data in data-
attributes and JSON blocks and has no inline handlers; its scripts move pop-ups through
element.style, which CSP allows. Its one inline <style> (change_list.html) is emitted only
for a ModelAdmin with both actions_on_top and actions_on_bottom off, which none of ours has
(it would only cost a column width). The browser test opens admin lists, forms, inlines
and the calendar and clock pop-ups.

Permissions-Policy: the camera for our own pages only (the scanner), no microphone or
location for anyone.
"""

from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

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


class RefuseNulMiddleware:
    """A NUL byte in the URL's path or query string is a page that does not exist; a cookie
    holding one is ignored.

    PostgreSQL cannot hold NUL in a string, so a NUL that reached a query (a class code in
    /classes/<code>/, a verify code, ?q=, a session cookie sent as "\\000…") was a 500 from
    whichever code passed it on. No legitimate link or cookie holds one; refusing here,
    before the session is read, covers every route, present and future. The 404 goes
    through the usual handler.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            raise Http404
        for name, value in list(request.COOKIES.items()):
            if "\x00" in name or "\x00" in value:
                del request.COOKIES[name]
        return self.get_response(request)


class PrivateResponsesMiddleware:
    """Whatever a logged-in user is sent is not stored: `Cache-Control: no-store`.

    Every page and file behind the login may hold personal data (rosters with badge codes,
    PDFs, CSVs, workbooks, a person's page), and a browser or a shared computer in a
    commune office must not keep a copy on disk. One rule here rather than one decorator
    per view, so a new view cannot forget it. A view that set its own Cache-Control has
    decided for itself (published library files stay cacheable); anonymous responses
    (the login page, the public library, static files) are left as they were.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The cookie first: without one nobody is logged in, and the session is not read
        # (reading it would add "Vary: Cookie" to public responses).
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.user.is_authenticated
            and not response.has_header("Cache-Control")
        ):
            add_never_cache_headers(response)
        return response
