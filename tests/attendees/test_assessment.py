"""The final assessment list of a class (#18): the trainer enters each learner's result and
score in one list, one "Save" writes only the rows changed, all or nothing, audited; closed
once a certificate of the class is issued; read-only for the others who see the class."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from attendees.assessment import AssessmentChange, assessment_record_many
from attendees.models import Attendance, Enrollment
from certificates.eligibility import settings_for
from certificates.services import certificate_issue
from courses.models import AuditLog, Session
from tests import factories as f

# In Vietnamese order: by given name (Ánh < Dợ < Sử < Ửng), whatever the family name.
NAMES_A = ("Vàng A Sử", "Giàng Thị Dợ", "Lò Văn Ửng", "Đặng Thị Ánh")
NAME_B = "Tẩn Thị Mẩy"


@pytest.fixture
def people(world):
    result = {
        name: f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a, full_name=name))
        for name in NAMES_A
    }
    result[NAME_B] = f.enrollment(
        world.class_a, world.unit_b, f.participant(world.unit_b, full_name=NAME_B), code="c"
    )
    return result


def _url(world):
    return reverse("attendees:assessment", args=[world.class_a.code])


def _body(people, **rows) -> dict:
    """The page's form as sent back: every row's shown values, then the ones changed."""
    data = {}
    for e in people.values():
        shown = e.assessment, "" if e.score is None else f"{e.score:.1f}".replace(".", ",")
        data[f"assessment-{e.pk}"] = data[f"initial-assessment-{e.pk}"] = shown[0]
        data[f"score-{e.pk}"] = data[f"initial-score-{e.pk}"] = shown[1]
    for name, (result, score) in rows.items():
        e = people[name.replace("_", " ")]
        data[f"assessment-{e.pk}"] = result
        data[f"score-{e.pk}"] = score
    return data


def _recorded(people) -> dict:
    fresh = Enrollment.objects.in_bulk([e.pk for e in people.values()])
    return {e.participant.full_name: (e.assessment, e.score) for e in fresh.values()}


def test_the_trainer_saves_only_the_rows_changed_audited(client, world, people):
    client.force_login(world.trainer)
    data = _body(people)
    data[f"assessment-{people['Vàng A Sử'].pk}"] = "passed"
    data[f"score-{people['Vàng A Sử'].pk}"] = "7,5"
    data[f"assessment-{people['Lò Văn Ửng'].pk}"] = "failed"
    response = client.post(_url(world), data)
    assert response.status_code == 302
    recorded = _recorded(people)
    assert recorded["Vàng A Sử"] == ("passed", Decimal("7.5"))
    assert recorded["Lò Văn Ửng"] == ("failed", None)
    assert recorded["Giàng Thị Dợ"] == ("", None)
    entries = AuditLog.objects.filter(action="enrollment.assessment")
    assert sorted(entries.values_list("target_id", flat=True)) == sorted(
        [str(people["Vàng A Sử"].pk), str(people["Lò Văn Ửng"].pk)]
    )
    assert entries.get(target_id=str(people["Vàng A Sử"].pk)).changes == {
        "assessment": ["", "passed"],
        "score": [None, "7.5"],
    }
    assert {e.actor_id for e in entries} == {world.trainer.pk}


def test_a_row_left_alone_is_not_written_over(client, world, people):
    """The page showed "not assessed"; meanwhile the coordinator recorded "passed": saving
    another row leaves it as the coordinator left it."""
    client.force_login(world.trainer)
    data = _body(people)
    dợ = people["Giàng Thị Dợ"]
    Enrollment.objects.filter(pk=dợ.pk).update(assessment="passed")
    data[f"score-{people['Vàng A Sử'].pk}"] = "6"
    client.post(_url(world), data)
    assert _recorded(people)["Giàng Thị Dợ"] == ("passed", None)
    assert _recorded(people)["Vàng A Sử"] == ("", Decimal("6"))


def test_one_bad_row_saves_nothing_and_is_marked(client, world, people):
    client.force_login(world.coordinator)
    data = _body(people)
    data[f"assessment-{people['Vàng A Sử'].pk}"] = "passed"
    data[f"score-{people['Lò Văn Ửng'].pk}"] = "11"
    response = client.post(_url(world), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Điểm từ 0 đến 10." in body
    assert f'id="errors-{people["Lò Văn Ửng"].pk}"' in body
    assert "Lò Văn Ửng" in next(m.message for m in response.context["messages"])
    assert set(_recorded(people).values()) == {("", None)}
    assert not AuditLog.objects.filter(action="enrollment.assessment").exists()


def test_a_score_that_is_not_a_number_is_refused_beside_its_row(client, world, people):
    client.force_login(world.trainer)
    data = _body(people)
    data[f"score-{people['Vàng A Sử'].pk}"] = "bảy"
    response = client.post(_url(world), data)
    assert response.status_code == 200
    assert "Nhập điểm dạng 6,5." in response.content.decode()
    assert set(_recorded(people).values()) == {("", None)}


def test_the_service_refuses_every_row_it_cannot_save(world, people):
    sử, ửng = people["Vàng A Sử"], people["Lò Văn Ửng"]
    with pytest.raises(ValidationError) as refused:
        assessment_record_many(
            actor=world.trainer,
            training_class=world.class_a,
            changes=[
                AssessmentChange(sử, "passed", Decimal("8.0")),
                AssessmentChange(ửng, "maybe", None),
                AssessmentChange(people["Giàng Thị Dợ"], "", Decimal("6.25")),
            ],
        )
    assert set(refused.value.message_dict) == {str(ửng.pk), str(people["Giàng Thị Dợ"].pk)}
    assert set(_recorded(people).values()) == {("", None)}


def test_another_class_s_trainer_and_a_unit_may_not_save(world, people):
    for user in (world.other_trainer, world.nominator_a, world.viewer):
        with pytest.raises(PermissionDenied):
            assessment_record_many(
                actor=user,
                training_class=world.class_a,
                changes=[AssessmentChange(people["Vàng A Sử"], "passed", None)],
            )
    assert set(_recorded(people).values()) == {("", None)}


def test_the_list_is_in_vietnamese_name_order(client, world, people):
    client.force_login(world.trainer)
    body = client.get(_url(world)).content.decode()
    positions = [
        body.index(name) for name in ("Đặng Thị Ánh", "Giàng Thị Dợ", "Vàng A Sử", "Lò Văn Ửng")
    ]
    assert positions == sorted(positions)
    assert 'id="assessment-form"' in body


def test_closed_once_a_certificate_of_the_class_is_issued(client, world, people):
    sử = people["Vàng A Sử"]
    Enrollment.objects.filter(pk=sử.pk).update(assessment="passed")
    Attendance.objects.create(
        enrollment=sử, session=world.session_a, status="present", first_scan_at=timezone.now()
    )
    Session.objects.filter(pk=world.session_a.pk).update(closed_at=timezone.now())
    certificate_issue(actor=world.coordinator, enrollment=sử)
    with pytest.raises(ValidationError) as refused:
        assessment_record_many(
            actor=world.coordinator,
            training_class=world.class_a,
            changes=[AssessmentChange(sử, "failed", None)],
        )
    assert "đã cấp giấy chứng nhận" in " ".join(refused.value.messages)
    client.force_login(world.trainer)
    page = client.get(_url(world)).content.decode()
    assert 'id="assessment-closed"' in page and "đã cấp giấy chứng nhận" in page
    assert 'id="assessment-form"' not in page and "<select" not in page
    response = client.post(_url(world), _body(people, Vàng_A_Sử=("failed", "")), follow=True)
    assert "đã cấp giấy chứng nhận" in response.content.decode()
    assert _recorded(people)["Vàng A Sử"] == ("passed", None)


def test_a_unit_reads_its_own_people_only(client, world, people):
    Enrollment.objects.filter(pk=people["Lò Văn Ửng"].pk).update(
        assessment="failed", score=Decimal("4.5")
    )
    client.force_login(world.nominator_a)
    response = client.get(_url(world))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Lò Văn Ửng" in body and NAME_B not in body
    assert "<select" not in body and 'id="assessment-form"' not in body
    assert "Không đạt" in body and "4,5" in body
    assert client.post(_url(world), _body(people)).status_code == 403


def test_viewers_read_and_other_trainers_see_nothing(client, world, people):
    client.force_login(world.viewer)
    body = client.get(_url(world)).content.decode()
    assert NAME_B in body and "<select" not in body
    client.force_login(world.other_trainer)
    assert client.get(_url(world)).status_code == 404
    assert client.post(_url(world), _body(people)).status_code == 404


def test_the_page_says_what_the_certificate_needs(client, world, people):
    client.force_login(world.trainer)
    body = client.get(_url(world)).content.decode()
    assert "chỉ xét chuyên cần" in body
    settings = settings_for(world.class_a)
    settings.assessment_required = "score"
    settings.assessment_min_score = Decimal("5.0")
    settings.save()
    body = client.get(_url(world)).content.decode()
    assert "điểm đánh giá cuối khóa từ 5,0 trở lên" in body
    assert "Đạt yêu cầu" in body and 'data-col="met"' in body


def test_the_class_page_links_to_it(client, world, people):
    detail = reverse("courses:class-detail", args=[world.class_a.code])
    client.force_login(world.trainer)
    assert f'href="{_url(world)}"' in client.get(detail).content.decode()
    # A unit sees the link once the certificate asks for the assessment.
    client.force_login(world.nominator_a)
    assert f'href="{_url(world)}"' not in client.get(detail).content.decode()
    settings = settings_for(world.class_a)
    settings.assessment_required = "passed"
    settings.save()
    assert f'href="{_url(world)}"' in client.get(detail).content.decode()
