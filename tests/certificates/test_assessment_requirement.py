"""A class may ask, on top of attendance, for the trainer's final assessment (#18):
"passed", or a minimum score. One rule (attendees.rules.eligible) decides for the preview,
the issuing service, the bulk job and the reports."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from attendees.models import Enrollment
from certificates import services
from certificates.eligibility import class_eligibility, settings_for
from certificates.models import Certificate
from reports.exports import class_workbook

pytestmark = pytest.mark.django_db


def _require(klass, kind: str, min_score: str | None = None):
    settings = settings_for(klass)
    settings.assessment_required = kind
    settings.assessment_min_score = Decimal(min_score) if min_score else None
    settings.clean()
    settings.save()
    return settings


def _assess(enrollment, assessment: str = "", score: str | None = None):
    Enrollment.objects.filter(pk=enrollment.pk).update(
        assessment=assessment, score=Decimal(score) if score else None
    )


def _rows(held):
    rows = {r.enrollment.pk: r for r in class_eligibility(held.klass)}
    return {k: rows[getattr(held, k).pk] for k in ("full", "four", "excused", "low")}


def test_without_a_requirement_attendance_alone_decides(held):
    _assess(held.full, "failed", "2.0")
    rows = _rows(held)
    assert rows["full"].eligible and rows["four"].eligible
    assert not rows["low"].eligible


def test_passed_is_needed_on_top_of_attendance(held):
    _require(held.klass, "passed")
    _assess(held.full, "passed")
    _assess(held.four, "failed")
    _assess(held.low, "passed")
    rows = _rows(held)
    assert rows["full"].eligible
    assert not rows["four"].eligible
    assert rows["four"].reason == "Chưa đạt đánh giá cuối khóa."
    assert rows["four"].attendance_met and not rows["four"].assessment_met
    assert not rows["excused"].eligible  # 3/5, and not assessed
    # Both reasons, attendance first.
    reason = rows["excused"].reason
    assert reason.startswith("Tham gia 3/5 buổi học")
    assert reason.endswith(". Chưa có kết quả đánh giá cuối khóa.")
    assert not rows["low"].eligible  # passed, but 2 of 5 sessions


def test_a_minimum_score_is_compared_exactly(held):
    _require(held.klass, "score", "5.0")
    _assess(held.full, "", "5.0")
    _assess(held.four, "passed", "4.5")
    rows = _rows(held)
    assert rows["full"].eligible
    assert not rows["four"].eligible
    assert rows["four"].reason == "Điểm 4,5, cần 5,0."
    assert rows["four"].assessment == "Đạt · 4,5"
    _assess(held.four)
    assert _rows(held)["four"].reason == "Chưa có điểm đánh giá cuối khóa (cần 5,0)."


def test_the_issuing_service_and_the_bulk_job_follow_the_rule(held, world):
    _require(held.klass, "passed")
    _assess(held.full, "passed")
    _assess(held.four, "failed")
    with pytest.raises(ValidationError) as refused:
        services.certificate_issue(actor=world.coordinator, enrollment=held.four)
    assert "Chưa đạt đánh giá cuối khóa" in " ".join(refused.value.messages)
    batch, _created = services.batch_open(actor=world.coordinator, training_class=held.klass)
    services.batch_run(batch)
    issued = set(Certificate.objects.valid().values_list("enrollment_id", flat=True))
    assert issued == {held.full.pk}


def test_the_minimum_score_goes_with_the_score_requirement():
    from certificates.models import CertificateSettings

    settings = CertificateSettings(assessment_required="score")
    with pytest.raises(ValidationError) as refused:
        settings.clean()
    assert "assessment_min_score" in refused.value.message_dict
    settings = CertificateSettings(assessment_required="passed", assessment_min_score=Decimal("5"))
    settings.clean()
    assert settings.assessment_min_score is None


def test_the_settings_form_takes_a_score_typed_with_a_comma(client, world, held):
    client.force_login(world.coordinator)
    url = reverse("certificates:settings", args=[held.klass.code])
    page = client.get(url).content.decode()
    assert "Yêu cầu về đánh giá cuối khóa" in page
    assert "đánh giá cuối khóa của giảng viên" in page  # the help text says what it does
    response = client.post(
        url,
        {
            "issuer": held.klass.organiser.pk,
            "issuing_body": "Sở Thông tin và Truyền thông",
            "issue_place": "Lai Châu",
            "signer_title": "GIÁM ĐỐC",
            "assessment_required": "score",
            "assessment_min_score": "5,5",
        },
    )
    assert response.status_code == 302, response.content.decode()
    settings = held.klass.certificate_settings
    assert (settings.assessment_required, settings.assessment_min_score) == (
        "score",
        Decimal("5.5"),
    )


def test_the_requirement_cannot_change_once_certificates_are_issued(world, held):
    services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    settings = settings_for(held.klass)
    settings.issue_place = "Lai Châu"
    settings.save()
    settings.assessment_required = "passed"
    with pytest.raises(ValidationError) as refused:
        services.certificate_settings_save(actor=world.coordinator, settings=settings)
    assert "assessment_required" in refused.value.message_dict
    settings.refresh_from_db()
    assert settings.assessment_required == ""


def test_the_preview_shows_the_assessment_and_the_reason(client, world, held):
    _require(held.klass, "score", "5.0")
    _assess(held.full, "passed", "8.0")
    _assess(held.four, "", "4.5")
    client.force_login(world.coordinator)
    body = client.get(reverse("certificates:class", args=[held.klass.code])).content.decode()
    assert 'id="assessment-needed"' in body
    assert "điểm đánh giá cuối khóa từ 5,0 trở lên" in body
    assert "Đạt · 8,0" in body
    assert "Điểm 4,5, cần 5,0." in body
    assert 'data-count="eligible">1<' in body


def test_the_attendance_workbook_has_the_column_only_when_required(world, held):
    def matrix():
        wb = load_workbook(io.BytesIO(class_workbook(held.klass, world.coordinator)))
        rows = [list(r) for r in wb["Điểm danh"].iter_rows(values_only=True)]
        header = next(r for r in rows if "Họ và tên" in r)
        return header, rows

    header, _ = matrix()
    assert "Đánh giá cuối khóa" not in header
    _require(held.klass, "passed")
    _assess(held.full, "passed")
    _assess(held.four, "failed")
    header, rows = matrix()
    at, verdict = header.index("Đánh giá cuối khóa"), header.index("Đủ điều kiện cấp GCN")
    name_at = header.index("Họ và tên")
    by_name = {r[name_at]: r for r in rows if len(r) > name_at and r[name_at]}
    full = held.full.participant.full_name
    four = held.four.participant.full_name
    assert (by_name[full][at], by_name[full][verdict]) == ("Đạt", "Có")
    assert (by_name[four][at], by_name[four][verdict]) == ("Không đạt", "Không")
    notes = " ".join(str(c) for r in rows for c in r if isinstance(c, str))
    assert "và đạt đánh giá cuối khóa" in notes


def test_a_required_score_is_a_number_in_the_workbook(world, held):
    _require(held.klass, "score", "5.0")
    _assess(held.full, "passed", "8.0")
    wb = load_workbook(io.BytesIO(class_workbook(held.klass, world.coordinator)))
    rows = [list(r) for r in wb["Điểm danh"].iter_rows(values_only=True)]
    header = next(r for r in rows if "Họ và tên" in r)
    at, name_at = header.index("Điểm đánh giá cuối khóa"), header.index("Họ và tên")
    by_name = {r[name_at]: r for r in rows if len(r) > name_at and r[name_at]}
    assert by_name[held.full.participant.full_name][at] == 8.0
    assert by_name[held.four.participant.full_name][at] is None
    notes = " ".join(str(c) for r in rows for c in r if isinstance(c, str))
    assert "có điểm đánh giá cuối khóa từ 5,0 trở lên" in notes
