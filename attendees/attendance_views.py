"""Pages for taking attendance: pick a session, scan, watch and correct, print badges."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import coordinator_required, scanner_required
from attendees import checkin
from attendees.forms import AttendanceListForm
from attendees.models import Attendance, AttendanceStatus, Enrollment, ScanEvent
from core.http import document_response
from core.pages import confirm_with_reason
from courses.models import Session, TrainingClass
from courses.vietnamese import sorted_by_name, sorted_by_participant


def _session_for_user(request: HttpRequest, pk: int) -> Session:
    return get_object_or_404(
        Session.objects.run_by(request.user).select_related("training_class", "venue"), pk=pk
    )


@scanner_required
def session_picker(request: HttpRequest) -> HttpResponse:
    """Today's sessions first: that is what a trainer at the door needs."""
    today = timezone.localdate()
    sessions = Session.objects.run_by(request.user).select_related("training_class", "venue")
    return render(
        request,
        "attendees/session_picker.html",
        {
            "today": list(sessions.filter(date=today).order_by("start_time")),
            "upcoming": list(sessions.filter(date__gt=today).order_by("date", "start_time")[:10]),
            "recent": list(sessions.filter(date__lt=today).order_by("-date", "-start_time")[:10]),
        },
    )


@scanner_required
def scanner(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for_user(request, pk)
    idle_phase, idle_text = checkin.scanner_banner(session)
    return render(
        request,
        "attendees/scanner.html",
        {
            "session": session,
            "idle_phase": idle_phase,
            "idle_text": idle_text,
            "roster_url": reverse("api-roster", args=[session.pk]),
            "batch_url": reverse("api-checkin-batch"),
            "manifest_url": reverse("attendees:scanner-manifest"),
            "sw_url": reverse("attendees:scanner-sw"),
            "scan_home_url": reverse("attendees:session-picker"),
            "jsqr_url": static("vendor/jsqr/jsQR.js"),
        },
    )


@never_cache
def scanner_service_worker(request: HttpRequest) -> HttpResponse:
    """Served from /scan/ (not /static/) so that it may control the scanner pages."""
    source = Path(settings.BASE_DIR, "static", "js", "scanner-sw.js").read_text(encoding="utf-8")
    response = HttpResponse(source, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/scan/"
    return response


def scanner_manifest(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "attendees/scanner_manifest.webmanifest",
        {"start_url": reverse("attendees:session-picker")},
        content_type="application/manifest+json",
    )


def _attendance_rows(session: Session) -> list[tuple[Enrollment, Attendance | None]]:
    enrollments = sorted_by_participant(
        Enrollment.objects.filter(training_class_id=session.training_class_id).select_related(
            "participant", "organisation"
        )
    )
    records = {a.enrollment_id: a for a in Attendance.objects.filter(session=session)}
    return [(e, records.get(e.pk)) for e in enrollments]


def _attendance_page(
    request: HttpRequest,
    session: Session,
    rows: list[tuple[Enrollment, Attendance | None]],
    form: AttendanceListForm,
) -> HttpResponse:
    # The counters count what is recorded, never what the form holds after a refusal.
    counts = {s: sum(1 for _e, a in rows if a and a.status == s) for s in AttendanceStatus.values}
    counts["missing"] = sum(1 for _e, a in rows if a is None)
    held = (
        ScanEvent.objects.awaiting_review()
        .filter(session=session)
        .select_related("enrollment__participant", "enrollment__organisation", "operator")
        .order_by("scanned_at")
    )
    return render(
        request,
        "attendees/attendance_panel.html",
        {
            "session": session,
            "form": form,
            "expected": len(rows),
            "counts": counts,
            "held": held,
        },
    )


@scanner_required
def attendance_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """Who came to a session; the trainer corrects (excused, forgot badge) and closes it."""
    session = _session_for_user(request, pk)
    rows = _attendance_rows(session)
    return _attendance_page(request, session, rows, AttendanceListForm(rows=rows))


@scanner_required
@require_POST
def attendance_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """The list's single "Save": the changed rows in one service call, all or nothing. A
    refusal shows the list again as the user left it, each error beside its person."""
    session = _session_for_user(request, pk)
    rows = _attendance_rows(session)
    form = AttendanceListForm(request.POST, rows=rows)
    if form.is_valid():
        changes = form.changes()
        try:
            saved = checkin.attendance_correct_many(
                actor=request.user, session=session, changes=changes
            )
        except ValidationError as exc:
            form.add_row_errors(exc)
        else:
            if saved:
                messages.success(
                    request,
                    ngettext("%(n)s person updated.", "%(n)s people updated.", len(saved))
                    % {"n": len(saved)},
                )
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("attendees:attendance-panel", pk=session.pk)
    refused = [row.enrollment.participant.full_name for row in form.rows if row.errors]
    messages.error(
        request,
        ngettext(
            "Nothing was saved: correct the person marked below (%(names)s).",
            "Nothing was saved: correct the people marked below (%(names)s).",
            len(refused),
        )
        % {"names": ", ".join(refused)},
    )
    return _attendance_page(request, session, rows, form)


@coordinator_required
@require_POST
def held_scan_review(request: HttpRequest, pk: int, scan: int) -> HttpResponse:
    """The coordinator accepts or rejects a scan uploaded too late to count by itself."""
    event = get_object_or_404(
        ScanEvent.objects.select_related("enrollment__participant"), pk=scan, session_id=pk
    )
    name = event.enrollment.participant.full_name if event.enrollment else event.token
    decision = request.POST.get("decision")
    try:
        if decision == "accept":
            checkin.held_scan_accept(actor=request.user, event=event)
            messages.success(request, _("%(name)s: the late scan now counts.") % {"name": name})
        elif decision == "reject":
            checkin.held_scan_reject(actor=request.user, event=event)
            messages.success(request, _("%(name)s: the late scan was rejected.") % {"name": name})
        else:
            messages.error(request, _("Choose to accept or reject the scan."))
    except ValidationError as exc:
        messages.error(request, f"{name}: {' '.join(exc.messages)}")
    return redirect("attendees:attendance-panel", pk=pk)


@scanner_required
def session_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Ending a session marks everyone not scanned absent: GET says how many (and how
    early, before the scheduled end) and asks; only a POST carrying that confirmation
    closes. An unconfirmed POST (an old page, a double tap) changes nothing."""
    session = _session_for_user(request, pk)
    panel = reverse("attendees:attendance-panel", args=[session.pk])
    if session.closed_at is not None:
        messages.info(request, _("This session is already closed."))
        return redirect(panel)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            return redirect("attendees:session-close", pk=session.pk)
        try:
            absent = checkin.session_close(actor=request.user, session=session)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Session closed: %(n)s marked absent.") % {"n": absent})
        return redirect(panel)
    preview = checkin.session_close_preview(session)
    n = len(preview.absent)
    consequences = [
        ngettext("%(n)s person will be marked absent.", "%(n)s people will be marked absent.", n)
        % {"n": n}
        if n
        else _("Everyone enrolled has been recorded: nobody will be marked absent."),
    ]
    if preview.early_by:
        consequences.append(
            _("The session is scheduled to end at %(end)s: ending it now is %(early)s early.")
            % {"end": f"{session.end_time:%H:%M}", "early": preview.early_text}
        )
    consequences.append(
        _(
            "Scans made before the end still count when they are uploaded later; after "
            "that, only the department coordinator can reopen the session."
        )
    )
    return render(
        request,
        "confirm.html",
        {
            "title": _("End the session?"),
            "subject": _session_subject(session),
            "consequences": consequences,
            "people": preview.absent,
            "people_heading": _("Not recorded, will be marked absent"),
            "button": ngettext(
                "End the session and mark %(n)s absent",
                "End the session and mark %(n)s absent",
                n,
            )
            % {"n": n},
            "danger": True,
            "cancel_url": panel,
        },
    )


def _session_subject(session: Session) -> str:
    return (
        f"{session.training_class.code} · {session.date:%d/%m/%Y} "
        f"{session.start_time:%H:%M}–{session.end_time:%H:%M} · {session.topic}"
    )


@coordinator_required
def session_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator reopens a closed session, with a reason (audited)."""
    from courses.forms import ReopenForm
    from courses.services import reopen_refusal

    session = get_object_or_404(Session.objects.select_related("training_class"), pk=pk)
    panel = reverse("attendees:attendance-panel", args=[session.pk])
    if session.closed_at is None:
        messages.info(request, _("This session is not closed."))
        return redirect(panel)
    n = checkin.session_reopen_preview(session)
    return confirm_with_reason(
        request,
        form_class=ReopenForm,
        act=lambda reason: checkin.session_reopen(
            actor=request.user, session=session, reason=reason
        ),
        done=lambda cleared: (
            _("Session reopened: %(n)s absences cleared; scans count again.") % {"n": cleared}
        ),
        back=panel,
        page={
            "title": _("Reopen the session?"),
            "subject": _session_subject(session),
            "refusal": reopen_refusal(session.training_class),
            "consequences": [
                ngettext(
                    "%(n)s person marked absent will be “not here yet” again.",
                    "%(n)s people marked absent will be “not here yet” again.",
                    n,
                )
                % {"n": n},
                _(
                    "Absences with a reason and excused people stay as they are. Scans count "
                    "again until the session is ended again."
                ),
            ],
            "button": _("Reopen the session"),
            "danger": False,
        },
    )


def _class_for_badges(request: HttpRequest, code: str) -> TrainingClass:
    if not (request.user.is_coordinator or request.user.is_trainer):
        raise PermissionDenied(_("Only trainers and the department print badges."))
    return get_object_or_404(TrainingClass.objects.visible_to(request.user), code=code)


@login_required
def class_badges(request: HttpRequest, code: str) -> HttpResponse:
    from attendees.badges import badges_pdf

    klass = _class_for_badges(request, code)
    enrollments = sorted_by_name(
        Enrollment.objects.filter(training_class=klass).select_related(
            "participant", "organisation", "category"
        ),
        name=lambda e: e.participant.full_name,
        born=lambda e: e.participant.date_of_birth,
    )
    return document_response(
        badges_pdf(klass, enrollments), f"the-diem-danh-{klass.code}.pdf", as_attachment=False
    )


@coordinator_required
@require_POST
def badge_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = get_object_or_404(Enrollment.objects.select_related("participant"), pk=pk)
    checkin.badge_reissue(actor=request.user, enrollment=enrollment)
    messages.success(
        request,
        _("New badge code for %(name)s; the old badge no longer works.")
        % {"name": enrollment.participant.full_name},
    )
    return redirect("attendees:person-detail", pk=enrollment.participant_id)
