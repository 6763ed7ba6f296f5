"""Eligibility, the register (numbers, idempotence, snapshot), revoke/re-issue, the print
job and the command."""

import io
import unicodedata
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from pypdf import PdfReader

from attendees.models import Attendance
from certificates import services, tasks
from certificates.eligibility import class_eligibility, not_ready_reason
from certificates.models import (
    Certificate,
    CertificateBatch,
    CertificateSettings,
    RegisterSeries,
    display_code,
    normalise_code,
)
from core.jobs import JobState
from courses.models import AuditLog
from courses.services import training_class_change_state

pytestmark = pytest.mark.django_db


def _by_key(held):
    rows = {r.enrollment.pk: r for r in class_eligibility(held.klass)}
    return {k: rows[getattr(held, k).pk] for k in ("full", "four", "excused", "low")}


# ---------------------------------------------------------------------------- eligibility


def test_eligibility_counts_present_and_late_against_the_threshold(held):
    rows = _by_key(held)
    full, four = rows["full"], rows["four"]
    assert (full.attended, str(full.rate), full.eligible) == (5, "100%", True)
    assert (four.attended, str(four.rate), four.eligible) == (4, "80%", True)
    assert (rows["excused"].attended, rows["excused"].eligible) == (3, False)
    assert (rows["low"].attended, rows["low"].eligible) == (2, False)
    # The reason names what was missed, in words a clerk can pass on.
    assert [s.pk for s in rows["low"].missed] == [
        held.sessions[0].pk,
        held.sessions[2].pk,
        held.sessions[3].pk,
    ]
    assert "2" in rows["low"].reason and "5" in rows["low"].reason and "80" in rows["low"].reason


def test_excused_counts_only_when_the_class_says_so(held, world):
    settings = CertificateSettings.objects.create(
        training_class=held.klass,
        issuer=held.klass.organiser,
        issuing_body="Sở Thông tin và Truyền thông",
        issue_place="Lai Châu",
        excused_counts=True,
    )
    assert _by_key(held)["excused"].eligible is True
    settings.excused_counts = False
    settings.save()
    assert _by_key(held)["excused"].eligible is False


def test_threshold_is_compared_without_rounding_up(held):
    held.klass.certificate_threshold = 81
    held.klass.save()
    assert _by_key(held)["four"].eligible is False  # 80 % is not 81 %


def test_preview_is_in_vietnamese_name_order(held):
    names = [r.enrollment.participant.full_name for r in class_eligibility(held.klass)]
    # Given name first: Ánh, Bảo, Dơ, Hường.
    assert names == ["Lò Văn Ánh", "Đặng Quốc Bảo", "Vàng A Dơ", "Nguyễn Thị Hường"]


def test_nothing_is_issued_while_a_session_is_open(held, world):
    held.sessions[-1].closed_at = None
    held.sessions[-1].save()
    assert "1" in not_ready_reason(held.klass)
    with pytest.raises(ValidationError):
        services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    assert Certificate.objects.count() == 0
    assert RegisterSeries.objects.filter(last_number__gt=0).count() == 0


def test_closing_the_class_closes_its_sessions_and_marks_the_missing_absent(held, world):
    session = held.sessions[-1]
    session.closed_at = None
    session.save()
    Attendance.objects.filter(session=session, enrollment=held.full).delete()
    held.klass.state = "running"
    held.klass.save()
    training_class_change_state(actor=world.coordinator, training_class=held.klass, state="closed")
    session.refresh_from_db()
    assert session.closed_at is not None
    assert Attendance.objects.get(session=session, enrollment=held.full).status == "absent"
    assert not_ready_reason(held.klass) == ""


# ---------------------------------------------------------------------------- issuing


def test_issue_numbers_the_register_and_snapshots_the_wording(held, world):
    held.klass.organiser.short_name = "STTTT"
    held.klass.organiser.save()
    first, created = services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    second, _ = services.certificate_issue(actor=world.coordinator, enrollment=held.four)
    assert created
    assert (first.number, second.number) == (1, 2)
    assert first.register_number == "001/GCN-STTTT"
    assert second.register_number == "002/GCN-STTTT"
    # The stored name is NFC even though it arrived decomposed.
    assert first.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Hường")
    assert first.honorific == "Ông"  # the factory's gender; "Bà" for women
    assert first.class_title == held.klass.title
    assert first.issued_on == held.klass.end_date
    assert first.series.year == held.klass.end_date.year
    assert len(first.code) == 16 and first.code != second.code
    assert AuditLog.objects.filter(action="certificate.issue").count() == 2


def test_issuing_twice_returns_the_same_certificate(held, world):
    one, created_one = services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    two, created_two = services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    assert (created_one, created_two) == (True, False)
    assert one.pk == two.pk
    assert Certificate.objects.count() == 1
    assert RegisterSeries.objects.get().last_number == 1


def test_the_database_refuses_a_second_valid_certificate(held, world):
    one, _ = services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            **{
                f.attname: getattr(one, f.attname)
                for f in Certificate._meta.concrete_fields
                if f.name not in ("id", "code", "number")
            },
            number=99,
        )


def test_an_ineligible_person_is_refused_and_no_number_is_used(held, world):
    with pytest.raises(ValidationError) as excinfo:
        services.certificate_issue(actor=world.coordinator, enrollment=held.low)
    assert "Vàng A Dơ" in " ".join(excinfo.value.messages)
    services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    assert Certificate.objects.get().number == 1  # the refusal left no gap


def test_number_format_can_be_set_per_register(held, world, settings):
    settings.CERTIFICATE_NUMBER_FORMAT = "{number:04d}/{year}/GCN"
    cert, _ = services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    assert cert.register_number == f"0001/{held.klass.end_date.year}/GCN"
    cert.series.number_format = "GCN-{number}"
    cert.series.save()
    other, _ = services.certificate_issue(actor=world.coordinator, enrollment=held.four)
    assert other.register_number == "GCN-2"


def test_verification_codes_are_read_forgivingly():
    assert normalise_code("7kq2-m9xd 4tra-pw3e") == "7KQ2M9XD4TRAPW3E"
    assert normalise_code("O0IL") == "0011"
    assert display_code("7KQ2M9XD4TRAPW3E") == "7KQ2-M9XD-4TRA-PW3E"


# ---------------------------------------------------------------------------- revoke, re-issue


def test_revoke_needs_a_reason_and_is_audited(held, world):
    cert, _ = services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    with pytest.raises(ValidationError):
        services.certificate_revoke(actor=world.coordinator, certificate=cert, reason="  ")
    services.certificate_revoke(
        actor=world.coordinator, certificate=cert, reason="Hồ sơ khai sai năm sinh"
    )
    cert.refresh_from_db()
    assert cert.revoked_at is not None and cert.revoked_by == world.coordinator
    assert cert.revoke_reason == "Hồ sơ khai sai năm sinh"
    log = AuditLog.objects.get(action="certificate.revoke")
    assert log.actor == world.coordinator and log.changes["reason"] == "Hồ sơ khai sai năm sinh"
    with pytest.raises(ValidationError):
        services.certificate_revoke(actor=world.coordinator, certificate=cert, reason="again")


def test_reissue_replaces_with_a_new_number_and_the_current_name(held, world):
    old, _ = services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    person = held.full.participant
    person.full_name = "Nguyễn Thị Hương"
    person.save()
    new = services.certificate_reissue(
        actor=world.coordinator, certificate=old, reason="Sửa chính tả họ tên"
    )
    old.refresh_from_db()
    assert not old.is_valid and "Sửa chính tả họ tên" in old.revoke_reason
    assert new.replaces == old and new.code != old.code
    # Numbered in the register of the year it is re-issued (the old class may be older).
    assert new.number == (old.number + 1 if new.series_id == old.series_id else 1)
    assert new.full_name == "Nguyễn Thị Hương"
    assert Certificate.objects.valid().filter(enrollment=held.full).count() == 1
    assert AuditLog.objects.filter(action="certificate.reissue").exists()


def test_a_reissued_certificate_is_dated_the_day_it_is_reissued(held, world):
    """The replacement is signed on the day it is re-issued; the class's last day (the
    original's date) would backdate it."""
    from django.utils import timezone

    from certificates.pdf import certificate_pdf
    from core.documents.header import place_date

    old, _ = services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    klass = old.training_class
    today = timezone.localdate()
    assert old.issued_on == klass.end_date != today
    new = services.certificate_reissue(
        actor=world.coordinator, certificate=old, reason="Mất bản gốc"
    )
    new.refresh_from_db()
    assert new.issued_on == today
    assert new.series.year == today.year
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(certificate_pdf(new.content()))).pages
    )
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    assert place_date(new.issue_place, today) in text
    assert place_date(new.issue_place, klass.end_date) not in text


# ---------------------------------------------------------------------------- print job


def test_batch_issues_everyone_eligible_and_draws_the_files(held, world):
    batch = CertificateBatch.objects.create(
        training_class=held.klass, requested_by=world.coordinator
    )
    progress = []
    services.batch_run(batch, on_progress=lambda done, total: progress.append((done, total)))
    batch.refresh_from_db()
    assert batch.state == JobState.DONE and batch.percent == 100
    assert (batch.issued, batch.certificates) == (2, 2)
    assert progress[-1][0] == progress[-1][1] == 2 + 2 * 2
    # Numbers follow Vietnamese name order: Ánh before Hường.
    certs = list(Certificate.objects.in_print_order())
    assert [c.full_name for c in certs] == ["Lò Văn Ánh", "Nguyễn Thị Hường"]
    reader = PdfReader(batch.merged_pdf.open("rb"))
    assert len(reader.pages) == 2
    assert "LÒ VĂN ÁNH" in unicodedata.normalize("NFC", reader.pages[0].extract_text())
    with zipfile.ZipFile(batch.zip_file.open("rb")) as archive:
        names = archive.namelist()
        assert len(names) == 2 and names[0].startswith(certs[0].register_number.replace("/", "-"))
        single = PdfReader(io.BytesIO(archive.read(names[1])))
        assert "NGUYỄN THỊ HƯỜNG" in unicodedata.normalize("NFC", single.pages[0].extract_text())


def test_batch_run_again_adds_nobody_twice(held, world):
    for _ in range(2):
        batch = CertificateBatch.objects.create(training_class=held.klass)
        services.batch_run(batch)
    assert Certificate.objects.count() == 2
    assert RegisterSeries.objects.get().last_number == 2
    assert CertificateBatch.objects.first().issued == 0


def test_batch_start_refuses_before_attendance_is_final(held, world):
    held.sessions[0].closed_at = None
    held.sessions[0].save()
    with pytest.raises(ValidationError):
        tasks.batch_start(actor=world.coordinator, training_class=held.klass)
    assert CertificateBatch.objects.count() == 0


def test_batch_start_runs_the_task(held, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = tasks.batch_start(actor=world.coordinator, training_class=held.klass)
    batch.refresh_from_db()
    assert batch.state == JobState.DONE and batch.certificates == 2


# ---------------------------------------------------------------------------- command


def test_command_dry_run_lists_and_issues_nothing(held):
    out = io.StringIO()
    call_command("issue_certificates", "--class", held.klass.code, "--dry-run", stdout=out)
    text = out.getvalue()
    assert "2/4" in text and "Vàng A Dơ" in text and "Đặng Quốc Bảo" in text
    assert Certificate.objects.count() == 0


def test_command_issues_and_copies_the_files(held, tmp_path):
    out = io.StringIO()
    call_command(
        "issue_certificates",
        "--class",
        held.klass.code,
        "-o",
        str(tmp_path),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert Certificate.objects.count() == 2
    files = sorted(p.suffix for p in tmp_path.iterdir())
    assert files == [".pdf", ".zip"]


def test_command_explains_an_unknown_class_and_an_open_session(held):
    with pytest.raises(CommandError, match="KHONG-CO"):
        call_command("issue_certificates", "--class", "KHONG-CO", stdout=io.StringIO())
    held.sessions[0].closed_at = None
    held.sessions[0].save()
    with pytest.raises(CommandError):
        call_command("issue_certificates", "--class", held.klass.code, stdout=io.StringIO())
    assert Certificate.objects.count() == 0


def test_erased_person_keeps_no_birth_date_on_the_register(held, world):
    from attendees.services import participant_erase

    cert, _ = services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    participant_erase(actor=world.coordinator, participant=held.full.participant)
    cert.refresh_from_db()
    assert cert.date_of_birth is None
    assert cert.full_name == "Nguyễn Thị Hường"  # the register entry stays: a legal record


def test_a_job_whose_worker_died_can_be_started_again(
    held, world, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    stuck = CertificateBatch.objects.create(
        training_class=held.klass,
        state=JobState.RUNNING,
        created_at=timezone.now() - datetime.timedelta(minutes=11),
    )
    fresh = CertificateBatch.objects.create(training_class=held.klass, state=JobState.QUEUED)
    assert tasks.batch_start(actor=world.coordinator, training_class=held.klass) == fresh
    fresh.delete()
    assert stuck.is_stale and not stuck.is_active
    with django_capture_on_commit_callbacks(execute=True):
        batch = tasks.batch_start(actor=world.coordinator, training_class=held.klass)
    stuck.refresh_from_db()
    batch.refresh_from_db()
    assert stuck.state == JobState.FAILED and batch.pk != stuck.pk
    assert batch.state == JobState.DONE and batch.certificates == 2
