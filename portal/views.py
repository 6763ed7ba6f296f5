"""The participant's own page, opened by the personal link printed on their invitation
letter (``/p/<code>/``): no login, the code is the key. And, for the coordinator, the
link itself with its QR, re-issued or revoked from the person's page.

Every answer under ``/p/`` is rate-limited per client address (one counter with the
survey, ``attendees.personal.page_rate_limited``) before the code is looked up, and says
``noindex``, ``no-store`` and ``no-referrer``: the code is in the address, so no search
engine, shared cache or Referer header of a link followed from the page may keep it. A
wrong, mangled or revoked code gets the same 404 page, so the page tells a guesser
nothing about which codes were ever issued.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from accounts.decorators import coordinator_required
from attendees import personal
from attendees.models import Enrollment
from certificates import pdf as certificate_pdf_module
from core.audit import audit
from core.documents.qr import QUIET_MODULES, qr_matrix
from core.http import content_disposition
from core.media import serve_file
from core.pages import confirm_page
from courses.models import AuditLog
from evaluation import services as evaluation_services
from evaluation.models import EvaluationResponse
from materials import services as material_services
from materials.library_views import INLINE_TYPES, KNOWN_TYPES, counts_as_download
from portal import content
from portal.ics import class_calendar

OPENED = "page_link.open"


def _private(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def personal_page(view: Callable) -> Callable:
    """For the views under the personal link: the rate limit, the code looked up (the same
    404 for unknown and revoked), ``?lang=`` honoured, the privacy headers.

    The language: attendees.personal.page_language says why a GET ``?lang=``."""

    @wraps(view)
    @require_safe  # GET and HEAD (a download manager asks HEAD first)
    def wrapper(request: HttpRequest, token: str, **kwargs) -> HttpResponseBase:
        chosen = personal.page_language(request)
        if personal.page_rate_limited(request):
            response = render(request, "portal/limited.html", status=429)
            response["Retry-After"] = "60"
        else:
            enrollment = personal.enrollment_for_page(token)
            if enrollment is None:
                response = render(request, "portal/not_found.html", status=404)
            else:
                response = view(request, enrollment, **kwargs)
        personal.remember_language(response, chosen)
        return _private(response)

    return wrapper


def _audit_open(enrollment: Enrollment) -> None:
    """One "opened" entry per enrollment per day (server's date), however often the page
    is opened: the log answers "was this link used, and when" — what matters if a letter
    went astray — without a row for every reload on a flaky 3G line drowning the entries
    people act on. Two opens in the same instant may both write; that is harmless.
    No address or device is kept: the fact of the opening is enough."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    already = AuditLog.objects.filter(
        action=OPENED, target_id=str(enrollment.pk), created_at__gte=today
    ).exists()
    if not already:
        audit(actor=None, action=OPENED, target=enrollment)


def _evaluation(enrollment: Enrollment) -> tuple[str, EvaluationResponse | None]:
    """The survey's address while the class's evaluation is open, and the person's own form
    if they answered already — so the page says "your form no. 007, correct it" rather
    than asking again. The survey is built in the evaluation app; until its URL exists the
    page simply has no link."""
    try:
        evaluation = enrollment.training_class.evaluation
    except ObjectDoesNotExist:
        return "", None
    if not evaluation.is_open:
        return "", None
    try:
        url = reverse("evaluation-answer", kwargs={"token": enrollment.page_token})
    except NoReverseMatch:
        return "", None
    return url, evaluation_services.response_of(evaluation, enrollment)


@personal_page
def page(request: HttpRequest, enrollment: Enrollment) -> HttpResponse:
    _audit_open(enrollment)
    klass = enrollment.training_class
    sessions, summary = content.schedule(enrollment, now=timezone.now())
    venues = list(dict.fromkeys([klass.venue, *(line.venue for line in sessions)]))
    evaluation_url, evaluation_own = _evaluation(enrollment)
    return render(
        request,
        "portal/page.html",
        {
            "enrollment": enrollment,
            "person": enrollment.participant,
            "klass": klass,
            "venues": [v for v in venues if v is not None],
            "sessions": sessions,
            "summary": summary,
            "materials": content.materials(enrollment),
            "certificate": content.certificate(enrollment),
            "evaluation_url": evaluation_url,
            "evaluation_own": evaluation_own,
            "token": enrollment.page_token,
        },
    )


@personal_page
def calendar(request: HttpRequest, enrollment: Enrollment) -> HttpResponse:
    klass = enrollment.training_class
    sessions = klass.sessions.select_related("venue").order_by("date", "start_time", "pk")
    response = HttpResponse(
        class_calendar(klass, sessions, now=timezone.now()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{klass.code}.ics"'
    return response


@personal_page
def material_file(request: HttpRequest, enrollment: Enrollment, pk: int) -> HttpResponseBase:
    """A file of the class's materials, checked to belong to the class and not withdrawn,
    then served and counted as the library counts its downloads (anonymously: the reader
    has no account)."""
    row = content.class_file(enrollment, pk)
    if row is None:
        return render(request, "portal/not_found.html", status=404)
    response = serve_file(
        request,
        row.file,
        content_type=row.mime if row.mime in KNOWN_TYPES else "application/octet-stream",
        filename=row.original_name,
        as_attachment=row.mime not in INLINE_TYPES,
        etag=row.sha256 or None,
    )
    if counts_as_download(request, response, row.size):
        material_services.download_record(material=row.edition.material, file=row, user=None)
    return response


@personal_page
def certificate(request: HttpRequest, enrollment: Enrollment) -> HttpResponse:
    """The valid certificate as the coordinator prints it (the same drawing)."""
    issued = content.certificate(enrollment)
    if issued is None:
        return render(request, "portal/not_found.html", status=404)
    text = issued.content()
    response = HttpResponse(
        certificate_pdf_module.certificate_pdf(text), content_type="application/pdf"
    )
    response["Content-Disposition"] = content_disposition(
        certificate_pdf_module.pdf_filename(text), as_attachment=False
    )
    return response


# ---------------------------------------------------------------- the coordinator's side


def page_url(enrollment: Enrollment) -> str:
    """The personal link in full, on the public site (as certificates print theirs)."""
    path = reverse("portal:page", kwargs={"token": enrollment.page_token})
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def qr_path(value: str) -> tuple[int, str]:
    """The QR code of ``value`` for an inline SVG: the side in modules (quiet zone
    included) and one path of its dark runs, so the template needs no style attribute (the
    Content-Security-Policy holds) and no markup is marked safe."""
    matrix = qr_matrix(value)
    runs = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                x, y = start + QUIET_MODULES, r + QUIET_MODULES
                runs.append(f"M{x} {y}h{c - start}v1h-{c - start}z")
            else:
                c += 1
    return len(matrix) + 2 * QUIET_MODULES, "".join(runs)


def _enrollment(pk: int) -> Enrollment:
    return get_object_or_404(
        Enrollment.objects.select_related("participant", "training_class"), pk=pk
    )


@coordinator_required
@require_GET
def link(request: HttpRequest, pk: int) -> HttpResponse:
    """The link and its QR, to send again or show on a phone; only the coordinator sees it
    (it opens the page without a login)."""
    enrollment = _enrollment(pk)
    url = page_url(enrollment) if enrollment.page_token else ""
    side, path = qr_path(url) if url else (0, "")
    return render(
        request,
        "portal/link.html",
        {"enrollment": enrollment, "url": url, "qr_side": side, "qr_path": path},
    )


def _back(enrollment: Enrollment) -> str:
    return reverse("portal:link", kwargs={"pk": enrollment.pk})


@coordinator_required
def link_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = _enrollment(pk)
    name = enrollment.participant.full_name
    return confirm_page(
        request,
        act=lambda: personal.page_link_reissue(actor=request.user, enrollment=enrollment),
        done=lambda e: (
            _("New personal link for %(name)s; the old link no longer works.") % {"name": name}
        ),
        back=_back(enrollment),
        page={
            "title": _("Issue a new personal link"),
            "subject": f"{name} · {enrollment.training_class.code}",
            "consequences": [
                _("The link printed on the invitation letter stops working at once."),
                _("Send the new link (or print the invitation letter again) to the person."),
            ],
            "button": _("Issue a new link"),
            "danger": False,
        },
    )


@coordinator_required
def link_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = _enrollment(pk)
    name = enrollment.participant.full_name
    return confirm_page(
        request,
        act=lambda: personal.page_link_revoke(actor=request.user, enrollment=enrollment),
        done=lambda e: _("The personal link of %(name)s is revoked.") % {"name": name},
        back=_back(enrollment),
        page={
            "title": _("Revoke the personal link"),
            "subject": f"{name} · {enrollment.training_class.code}",
            "consequences": [
                _("The link stops working at once and no new one is issued."),
                _("The person's page cannot be opened until you issue a new link."),
            ],
            "button": _("Revoke the link"),
            "danger": True,
        },
    )
