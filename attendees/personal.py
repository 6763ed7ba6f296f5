"""The participant's personal link: a code per enrollment, apart from the badge's, that
opens their own page without a login. Issued with the enrollment, printed as the
invitation letter's second QR, revoked or replaced by the coordinator (audited)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import translation

from accounts.throttle import client_address, rate_limit_hit
from attendees.models import Enrollment, new_page_token
from core.audit import audit

if TYPE_CHECKING:
    from accounts.models import User

# Longest code we look up: a typed or mangled link is refused before the database.
MAX_TOKEN_LENGTH = 64


def enrollment_for_page(token: str) -> Enrollment | None:
    """The enrollment a personal link opens, or None (unknown, revoked, mangled, or the
    person erased: their link opens nothing, the page and the survey alike)."""
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN_LENGTH or "\x00" in token:
        return None
    return (
        Enrollment.objects.filter(page_token=token, participant__erased_at__isnull=True)
        .select_related("participant", "training_class", "organisation")
        .first()
    )


@transaction.atomic
def page_link_reissue(*, actor: User, enrollment: Enrollment) -> Enrollment:
    """A new personal link; the old one stops working at once."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    enrollment.page_token = new_page_token()
    enrollment.save(update_fields=["page_token"])
    audit(actor=actor, action="page_link.reissue", target=enrollment)
    return enrollment


@transaction.atomic
def page_link_revoke(*, actor: User, enrollment: Enrollment) -> Enrollment:
    """No link at all until one is issued again."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.page_token:
        enrollment.page_token = ""
        enrollment.save(update_fields=["page_token"])
        audit(actor=actor, action="page_link.revoke", target=enrollment)
    return enrollment


def page_rate_limited(request: HttpRequest) -> bool:
    """Like the certificate check: a fixed one-minute window per client address, counted in
    the database so every server process shares it; far too few to guess 128-bit codes."""
    return rate_limit_hit(
        scope="participant-page",
        key=client_address(request),
        limit=settings.PARTICIPANT_PAGE_RATE_LIMIT,
        window=datetime.timedelta(minutes=1),
    )


def page_language(request: HttpRequest) -> str | None:
    """The language chosen with ``?lang=`` on a page under the personal link (the page
    and its survey), activated for this request; None when none (or an unknown one) is
    chosen. Vietnamese stays the default (accounts.middleware.CookieLocaleMiddleware).

    The site's switch is a POST to ``set_language``, which these pages cannot use: under
    ``Referrer-Policy: no-referrer`` a browser sends ``Origin: null`` with a form's POST
    and Django's CSRF check refuses it. So their VI/EN links are plain GETs with
    ``?lang=``, and :func:`remember_language` keeps the choice in the same cookie
    ``set_language`` sets."""
    chosen = request.GET.get("lang")
    if chosen not in {code for code, _name in settings.LANGUAGES}:
        return None
    if chosen != translation.get_language():
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
    return chosen


def remember_language(response: HttpResponseBase, chosen: str | None) -> HttpResponseBase:
    """Keep the language :func:`page_language` activated for the next visit."""
    if chosen:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            chosen,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
        response["Content-Language"] = chosen
    return response
