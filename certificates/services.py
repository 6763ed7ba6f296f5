"""Writes on the certificate register: issue, revoke, re-issue, and the print job.

Every path that creates a certificate — the page, the background job, the command — goes
through :func:`certificate_issue`, which holds the two promises of the register:

* numbers are sequential and gap-free per issuing body and year: the series row is locked,
  bumped and the certificate inserted in one transaction, so a failure rolls the bump back
  and two clerks issuing at once queue on the lock (on SQLite, IMMEDIATE transactions
  serialise writers anyway);
* one valid certificate per enrollment: the enrollment row is locked first, and a partial
  unique constraint backs the check up.
"""

from __future__ import annotations

import datetime
import io
import logging
import time
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from attendees.models import Enrollment
from certificates import pdf
from certificates.eligibility import (
    class_eligibility,
    enrollment_eligibility,
    not_ready_reason,
    settings_for,
)
from certificates.models import (
    Certificate,
    CertificateBatch,
    CertificateSettings,
    Invitation,
    RegisterKind,
    RegisterSeries,
)
from core.audit import audit
from core.documents.wording import honorific, venue_text
from core.jobs import JobState
from courses.models import Organisation, TrainingClass

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (done, total)


@transaction.atomic
def certificate_settings_save(*, actor: User, settings: CertificateSettings) -> CertificateSettings:
    creating = settings.pk is None
    settings.full_clean()
    if not creating and settings.training_class.has_issued_certificates():
        saved = CertificateSettings.objects.get(pk=settings.pk)
        if saved.requirement != settings.requirement:
            # The certificates were issued on the results as they stood: a new rule now
            # would make the register disagree with every eligibility figure.
            raise ValidationError(
                {
                    "assessment_required": _(
                        "Certificates of this class have been issued: what they require of "
                        "the final assessment can no longer change."
                    )
                }
            )
    settings.save()
    audit(
        actor=actor,
        action="certificate.settings",
        target=settings.training_class,
        changes={
            "created": creating,
            "issuer": settings.issuer_id,
            "signer": f"{settings.signer_title} / {settings.signer_name}",
            "excused_counts": settings.excused_counts,
            "assessment_required": settings.assessment_required,
            "assessment_min_score": (
                None
                if settings.assessment_min_score is None
                else str(settings.assessment_min_score)
            ),
        },
    )
    return settings


def _saved_settings(training_class: TrainingClass) -> CertificateSettings:
    settings = settings_for(training_class)
    if settings.pk is None:
        settings.save()
    return settings


def next_register_number(
    *, issuer: Organisation, year: int, kind: str = RegisterKind.CERTIFICATE
) -> tuple[RegisterSeries, int]:
    """The next number of a register (certificates, invitation letters), gap-free: call it
    inside the transaction that records the numbered document."""
    RegisterSeries.objects.get_or_create(issuer=issuer, year=year, kind=kind)
    series = (
        RegisterSeries.objects.select_for_update()
        .select_related("issuer")
        .get(issuer=issuer, year=year, kind=kind)
    )
    series.last_number += 1
    series.save(update_fields=["last_number"])
    return series, series.last_number


@transaction.atomic
def invitation_register(
    *, enrollment: Enrollment, issued_on: datetime.date
) -> tuple[Invitation, bool]:
    """Enter the enrollment's invitation letter in the organiser's "GM" register for the
    year of ``issued_on``: the next number, gap-free. Once: a second call returns the
    same letter and ``False``. Records no audit entry — :func:`invitation_issue` is the
    coordinator's act; the demo data's letters are history, like the rest of it."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    existing = Invitation.objects.select_related("series").filter(enrollment=enrollment).first()
    if existing:
        return existing, False
    if issued_on is None:
        raise ValidationError({"issued_on": _("Give the date of issue.")})
    settings = settings_for(enrollment.training_class)
    series, number = next_register_number(
        issuer=settings.issuer, year=issued_on.year, kind=RegisterKind.INVITATION
    )
    # A register is kept in date order: a letter dated before the last one entered would
    # carry a higher number and an earlier date. The series row is locked (the number was
    # just taken under it), and raising here rolls the number back.
    last = Invitation.objects.filter(series=series).order_by("-issued_on").first()
    if last is not None and last.issued_on > issued_on:
        raise ValidationError(
            {
                "issued_on": _(
                    "The register already holds letter %(number)s dated %(date)s: a new "
                    "letter cannot be dated earlier."
                )
                % {"number": last.register_number, "date": f"{last.issued_on:%d/%m/%Y}"}
            }
        )
    invitation = Invitation.objects.create(
        enrollment=enrollment,
        series=series,
        number=number,
        register_number=series.format_number(number),
        issued_on=issued_on,
    )
    return invitation, True


@transaction.atomic
def invitation_issue(
    *, enrollment: Enrollment, issued_on: datetime.date, actor: User | None
) -> tuple[Invitation, bool]:
    """The coordinator numbers and signs the enrollment's invitation letter under the date
    of issue they set (not the day it is done, nor the day it is printed): an explicit
    act, never a side effect of printing — until then the letter prints as a draft.
    Issued once (a second call returns the same letter and ``False``). Audited."""
    invitation, created = invitation_register(enrollment=enrollment, issued_on=issued_on)
    if created:
        audit(
            actor=actor,
            action="invitation.issue",
            target=invitation,
            changes={
                "register_number": invitation.register_number,
                "enrollment": enrollment.pk,
                "issued_on": issued_on.isoformat(),
            },
        )
    return invitation, created


@transaction.atomic
def certificate_issue(
    *, actor: User | None, enrollment: Enrollment, replaces: Certificate | None = None
) -> tuple[Certificate, bool]:
    """Issue the enrollment's certificate; return it and whether it is new.

    Idempotent: if the enrollment already holds a valid certificate, that one is returned.
    Refuses (ValidationError, in words a clerk understands) while attendance is not final
    or when the attendance rate is below the class threshold.
    """
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("participant", "organisation", "training_class__venue")
        .get(pk=enrollment.pk)
    )
    existing = Certificate.objects.valid().filter(enrollment=enrollment).first()
    if existing:
        return existing, False
    training_class = enrollment.training_class
    reason = not_ready_reason(training_class)
    if reason:
        raise ValidationError(reason)
    eligibility = enrollment_eligibility(enrollment)
    if not eligibility.eligible:
        raise ValidationError(
            _("%(name)s does not qualify: %(reason)s")
            % {"name": enrollment.participant.full_name, "reason": eligibility.reason}
        )
    settings = _saved_settings(training_class)
    # A replacement is dated the day it is issued, not the class's last day: it is signed
    # then, and its number is taken from that day's register.
    issued_on = timezone.localdate() if replaces else settings.issue_date()
    series, number = next_register_number(issuer=settings.issuer, year=issued_on.year)
    person = enrollment.participant
    certificate = Certificate.objects.create(
        enrollment=enrollment,
        training_class=training_class,
        series=series,
        number=number,
        register_number=series.format_number(number),
        honorific=honorific(person.gender),
        full_name=person.full_name,
        date_of_birth=person.date_of_birth,
        birth_year=person.birth_year,
        unit_name=enrollment.organisation.name,
        class_title=training_class.title,
        start_date=training_class.start_date,
        end_date=training_class.end_date,
        venue=venue_text(training_class.venue),
        parent_body=settings.parent_body,
        issuing_body=settings.issuing_body,
        issue_place=settings.issue_place,
        issued_on=issued_on,
        signer_title=settings.signer_title,
        signer_name=settings.signer_name,
        issued_by=actor if actor and actor.pk else None,
        replaces=replaces,
    )
    audit(
        actor=actor,
        action="certificate.issue",
        target=certificate,
        changes={
            "register_number": certificate.register_number,
            "enrollment": enrollment.pk,
            "rate": eligibility.rate.value,
            **({"replaces": replaces.register_number} if replaces else {}),
        },
    )
    return certificate, True


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Give the reason: it is kept in the register.")})
    return reason


@transaction.atomic
def certificate_revoke(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Withdraw a certificate. The row and its number stay in the register; the verify
    page says "revoked" with the date from now on."""
    reason = _clean_reason(reason)
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.revoked_at is not None:
        raise ValidationError(_("This certificate was already revoked."))
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.revoke_reason = reason
    locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit(
        actor=actor,
        action="certificate.revoke",
        target=locked,
        changes={"register_number": locked.register_number, "reason": reason},
    )
    return locked


@transaction.atomic
def certificate_reissue(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Replace a certificate (a misspelt name corrected, a lost copy): the old one is
    revoked with the reason and a new one, with a new number and code and the current
    wording, replaces it."""
    reason = _clean_reason(reason)
    old = certificate_revoke(
        actor=actor, certificate=certificate, reason=_("Replaced: %(reason)s") % {"reason": reason}
    )
    new, _created = certificate_issue(actor=actor, enrollment=old.enrollment, replaces=old)
    audit(
        actor=actor,
        action="certificate.reissue",
        target=new,
        changes={"old": old.register_number, "new": new.register_number, "reason": reason},
    )
    return new


# ---------------------------------------------------------------------------- print jobs


def batch_open(*, actor: User, training_class: TrainingClass) -> tuple[CertificateBatch, bool]:
    """Record an "issue and print" job for the class, or return the one still moving;
    the second value says whether the job is new (``certificates.tasks.batch_start``
    queues it for the worker, which runs :func:`batch_run`). Refused at once (not in the
    worker) when attendance is not final."""
    reason = not_ready_reason(training_class)
    if reason:
        raise ValidationError(reason)
    with transaction.atomic():
        running = (
            CertificateBatch.objects.select_for_update()
            .filter(training_class=training_class, state__in=[JobState.QUEUED, JobState.RUNNING])
            .first()
        )
        if running and not running.is_stale:
            return running, False
        if running:
            # Its worker died (a restart, a power cut): issuing is idempotent, so a new
            # job picks up where it stopped; the old one is marked so nobody waits on it.
            running.state = JobState.FAILED
            running.error = _("Interrupted; a new job was started.")
            running.finished_at = timezone.now()
            running.save(update_fields=["state", "error", "finished_at"])
        batch = CertificateBatch.objects.create(training_class=training_class, requested_by=actor)
        audit(actor=actor, action="certificate.batch", target=training_class, changes={})
    return batch, True


# A heartbeat at least this often while drawing the files (issuing writes one per
# certificate); well under the heartbeat timeout.
HEARTBEAT_EVERY = 1.0  # seconds


def batch_run(batch: CertificateBatch, *, on_progress: Progress | None = None) -> CertificateBatch:
    """Issue every eligible enrollment of the class that has no valid certificate yet (in
    Vietnamese name order, so register order is alphabetical), then draw the merged PDF on
    one canvas and the ZIP of single PDFs from the register.

    Resumable and idempotent, so a worker killed halfway loses nothing: each certificate is
    issued in its own transaction, with its register number allocated and the job's
    counters and heartbeat written in that same transaction, so a kill leaves neither a gap
    in the register nor a certificate the job did not count; a resumed run skips everyone
    who already holds a certificate. A job already finished, or held by a live worker, is
    left alone.
    """
    training_class = batch.training_class
    actor = batch.requested_by
    if not batch.claim():
        batch.refresh_from_db()
        return batch
    try:
        to_issue = [
            row.enrollment
            for row in class_eligibility(training_class)
            if row.eligible and row.certificate is None
        ]
        valid_before = Certificate.objects.valid().filter(training_class=training_class).count()
        in_files = valid_before + len(to_issue)
        total = len(to_issue) + 2 * in_files
        done = 0
        last_beat = time.monotonic()

        def step(n: int = 1) -> None:
            nonlocal done, last_beat
            done += n
            # Progress and heartbeat every few steps or every second: the page polls them,
            # the job should not wait on them.
            now = time.monotonic()
            if done == total or done % 10 == 0 or now - last_beat >= HEARTBEAT_EVERY:
                batch.beat(done, total)
                last_beat = now
            if on_progress:
                on_progress(done, total)

        CertificateBatch.objects.filter(pk=batch.pk).update(
            total=total, done=0, certificates=in_files
        )
        for enrollment in to_issue:
            with transaction.atomic():
                _certificate, created = certificate_issue(actor=actor, enrollment=enrollment)
                done += 1
                batch.beat(done, issued=F("issued") + int(created))
            last_beat = time.monotonic()
            if on_progress:
                on_progress(done, total)

        certificates = list(
            Certificate.objects.valid().filter(training_class=training_class).in_print_order()
        )
        contents = [c.content() for c in certificates]
        merged = pdf.merged_pdf(contents, on_page=lambda _n: step())
        archive = io.BytesIO()
        pdf.write_zip(contents, archive, on_item=lambda _n: step())

        batch.refresh_from_db()
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        code = training_class.code
        batch.merged_pdf.save(
            f"{code}-giay-chung-nhan-{stamp}.pdf", ContentFile(merged), save=False
        )
        batch.zip_file.save(
            f"{code}-giay-chung-nhan-{stamp}.zip", ContentFile(archive.getvalue()), save=False
        )
        batch.certificates = len(certificates)
        batch.total = batch.done = max(total, done)
        batch.state = JobState.DONE
        batch.finished_at = batch.heartbeat_at = timezone.now()
        batch.save()
        return batch
    except Exception as exc:
        logger.exception("certificate batch %s failed", batch.pk)
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        batch.fail(message)
        batch.refresh_from_db()
        if not isinstance(exc, ValidationError):
            raise
        return batch
