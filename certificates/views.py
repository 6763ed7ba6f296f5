"""Certificate pages: the class register with its eligibility preview, settings, print
jobs, revoke/re-issue, and the public verify page (the only page anonymous visitors see
besides the login)."""

from __future__ import annotations

import datetime

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import coordinator_required, role_required, staff_reader_required
from accounts.throttle import client_address, rate_limit_hit
from attendees.models import Enrollment
from certificates import invitations, pdf, services, tasks
from certificates.eligibility import class_eligibility, not_ready_reason, settings_for
from certificates.forms import (
    CertificateSettingsForm,
    InvitationIssueForm,
    ReasonForm,
    VerifyForm,
)
from certificates.models import Certificate, CertificateBatch, normalise_code
from core.http import document_response
from core.jobs import JobState
from core.media import serve_file
from courses.models import TrainingClass


def _class_for_user(request: HttpRequest, code: str) -> TrainingClass:
    return get_object_or_404(
        TrainingClass.objects.visible_to(request.user).select_related("organiser", "venue"),
        code=code,
    )


def _certificate_for_user(request: HttpRequest, pk: int) -> Certificate:
    return get_object_or_404(Certificate.objects.visible_to(request.user), pk=pk)


@role_required
def class_certificates(request: HttpRequest, code: str) -> HttpResponse:
    klass = _class_for_user(request, code)
    visible = list(
        Enrollment.objects.visible_to(request.user)
        .filter(training_class=klass)
        .select_related("participant", "organisation", "category")
    )
    rows = class_eligibility(klass, enrollments=visible)
    register = (
        Certificate.objects.visible_to(request.user)
        .filter(training_class=klass)
        .select_related("replaces")
        .order_by("-issued_at", "-number")
    )
    batch = (
        CertificateBatch.objects.filter(training_class=klass).first()
        if request.user.can_view_all_classes
        else None
    )
    eligible = [r for r in rows if r.eligible]
    return render(
        request,
        "certificates/class_certificates.html",
        {
            "klass": klass,
            "settings": settings_for(klass),
            "rows": rows,
            "eligible_count": len(eligible),
            "ineligible": [r for r in rows if not r.eligible],
            "to_issue_count": sum(1 for r in eligible if r.certificate is None),
            "issued_count": sum(1 for r in rows if r.certificate),
            "not_ready": not_ready_reason(klass),
            "revoked": [c for c in register if not c.is_valid],
            "batch": batch,
            "can_issue": request.user.is_coordinator,
        },
    )


@coordinator_required
def settings_edit(request: HttpRequest, code: str) -> HttpResponse:
    klass = _class_for_user(request, code)
    instance = settings_for(klass)
    form = CertificateSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_settings_save(actor=request.user, settings=form.save(commit=False))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Certificate settings saved."))
            return redirect("certificates:class", klass.code)
    return render(request, "certificates/settings_form.html", {"klass": klass, "form": form})


@coordinator_required
@require_POST
def issue_one(request: HttpRequest, code: str, enrollment_pk: int) -> HttpResponse:
    klass = _class_for_user(request, code)
    enrollment = get_object_or_404(Enrollment, pk=enrollment_pk, training_class=klass)
    try:
        certificate, created = services.certificate_issue(actor=request.user, enrollment=enrollment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if created:
            messages.success(
                request,
                _("Certificate %(number)s issued to %(name)s.")
                % {"number": certificate.register_number, "name": certificate.full_name},
            )
    return redirect("certificates:class", klass.code)


@coordinator_required
@require_POST
def batch_start(request: HttpRequest, code: str) -> HttpResponse:
    klass = _class_for_user(request, code)
    try:
        batch = tasks.batch_start(actor=request.user, training_class=klass)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if batch.state == JobState.FAILED:
            # Not queued: the task queue is down (core.jobs.enqueue_job says so).
            messages.error(request, batch.error)
        else:
            messages.info(
                request,
                _("Issuing and drawing the certificates; the files appear below when ready."),
            )
    return redirect(reverse("certificates:class", args=[klass.code]) + "#print")


def _batch_for_user(request: HttpRequest, pk: int) -> CertificateBatch:
    batch = get_object_or_404(CertificateBatch.objects.select_related("training_class"), pk=pk)
    if (
        not TrainingClass.objects.visible_to(request.user)
        .filter(pk=batch.training_class_id)
        .exists()
    ):
        raise Http404
    return batch


@staff_reader_required
@never_cache
def batch_status(request: HttpRequest, pk: int) -> JsonResponse:
    # A job whose worker was killed is queued again while someone watches it.
    batch = tasks.batch_resume(_batch_for_user(request, pk))
    return JsonResponse(
        {
            **batch.progress(),
            "counter": batch.counter(),
            "issued": batch.issued,
            "certificates": batch.certificates,
        }
    )


@staff_reader_required
def batch_file(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    batch = _batch_for_user(request, pk)
    field = {"pdf": batch.merged_pdf, "zip": batch.zip_file}.get(kind)
    if not field:
        raise Http404
    content_type = "application/pdf" if kind == "pdf" else "application/zip"
    return serve_file(
        request,
        field,
        content_type=content_type,
        as_attachment=kind == "zip",
        filename=field.name.rsplit("/", 1)[-1].split("-", 1)[-1],
    )


@role_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate_for_user(request, pk)
    content = certificate.content()
    return document_response(
        pdf.certificate_pdf(content), pdf.pdf_filename(content), as_attachment=False
    )


def _reason_page(request, certificate, *, action, title, button, danger, done) -> HttpResponse:
    """Revoke or re-issue with a reason: ``action`` is the service, ``done`` says what it
    did from the certificate it returns; then back to the class's register."""
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = action(
                actor=request.user, certificate=certificate, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, done(result))
            return redirect("certificates:class", result.training_class.code)
    return render(
        request,
        "certificates/reason_form.html",
        {
            "certificate": certificate,
            "form": form,
            "title": title,
            "button": button,
            "danger": danger,
        },
    )


@coordinator_required
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate_for_user(request, pk)
    return _reason_page(
        request,
        certificate,
        action=services.certificate_revoke,
        title=_("Revoke certificate"),
        button=_("Revoke"),
        danger=True,
        done=lambda revoked: (
            _("Certificate %(number)s revoked.") % {"number": revoked.register_number}
        ),
    )


@coordinator_required
def reissue(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate_for_user(request, pk)
    return _reason_page(
        request,
        certificate,
        action=services.certificate_reissue,
        title=_("Re-issue certificate"),
        button=_("Revoke and issue a new one"),
        danger=False,
        done=lambda new: (
            _("Certificate %(old)s replaced by %(new)s.")
            % {"old": certificate.register_number, "new": new.register_number}
        ),
    )


# ---------------------------------------------------------------------------- public


def _rate_limited(request: HttpRequest) -> bool:
    """A fixed one-minute window per client address: enough for an inspector checking a
    pile of certificates, far too few to enumerate 80-bit codes. Counted in the database
    (`accounts.throttle`), so every server process counts against the same limit."""
    return rate_limit_hit(
        scope="certificate-verify",
        key=client_address(request),
        limit=django_settings.VERIFY_RATE_LIMIT,
        window=datetime.timedelta(minutes=1),
    )


def _public(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


def verify_form(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.GET or None)
    if request.GET and form.is_valid():
        return redirect("certificate-verify", form.cleaned_data["code"])
    return _public(render(request, "certificates/verify_form.html", {"form": form}))


def verify(request: HttpRequest, code: str) -> HttpResponse:
    if _rate_limited(request):
        response = render(request, "certificates/verify_limited.html", status=429)
        response["Retry-After"] = "60"
        return _public(response)
    normalised = normalise_code(code)
    if normalised and normalised != code:
        # Typed from paper: "7kq2-m9xd-…" finds the same certificate under one address.
        return redirect("certificate-verify", normalised)
    certificate = Certificate.objects.filter(code=code).select_related("replaced_by").first()
    replacement = None
    if certificate is not None and not certificate.is_valid:
        replacement = getattr(certificate, "replaced_by", None)
    status = 200 if certificate else 404
    return _public(
        render(
            request,
            "certificates/verify.html",
            {"certificate": certificate, "replacement": replacement, "code": code},
            status=status,
        )
    )


# ---------------------------------------------------------------- invitation letters


@require_GET  # printing never numbers a letter: issuing is invitation_issue (a POST)
@login_required
def invitation(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = get_object_or_404(
        Enrollment.objects.visible_to(request.user).select_related(
            "participant", "organisation", "training_class"
        ),
        pk=pk,
    )
    if request.user.is_viewer:
        raise PermissionDenied
    return document_response(
        invitations.invitation_pdf(enrollment), f"giay-moi-{enrollment.pk}.pdf", as_attachment=False
    )


@coordinator_required
@require_POST
def invitation_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator signs the letter: it takes its number from the register and the
    date of issue they set. Until then the letter prints as a draft."""
    enrollment = get_object_or_404(Enrollment.objects.select_related("participant"), pk=pk)
    form = InvitationIssueForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("attendees:person-detail", pk=enrollment.participant_id)
    try:
        invitation, created = services.invitation_issue(
            enrollment=enrollment, issued_on=form.cleaned_data["issued_on"], actor=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("attendees:person-detail", pk=enrollment.participant_id)
    if created:
        messages.success(
            request,
            _("Invitation letter %(number)s issued to %(name)s.")
            % {"number": invitation.register_number, "name": enrollment.participant.full_name},
        )
    else:
        messages.info(
            request,
            _("The invitation letter was already issued as %(number)s.")
            % {"number": invitation.register_number},
        )
    return redirect("attendees:person-detail", pk=enrollment.participant_id)
