"""The attendance list of a session (#15 item 8): one status control per person showing
what is recorded, and one "Save" that writes only the rows changed, in one service call,
all or nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from attendees import checkin
from attendees.checkin import AttendanceChange
from attendees.forms import AttendanceListForm
from attendees.models import Attendance, Enrollment
from courses.models import AuditLog
from tests import factories as f

EXCUSE_NEEDS_REASON = "Vui lòng nhập lý do vắng có phép."
NAMES = ("Giàng Thị Dợ", "Lò Văn Ửng", "Đặng Thị Ánh", "Vàng A Sử")


@pytest.fixture
def people(world):
    """Four people of class A: present (scanned), absent, excused (with reason), no mark."""
    enrollments = {}
    for name in NAMES:
        p = f.participant(world.unit_a, full_name=name)
        n = f.nomination(world.class_a, world.unit_a, person=p, state="approved")
        enrollments[name] = Enrollment.objects.create(
            nomination=n,
            training_class=world.class_a,
            participant=p,
            organisation=world.unit_a,
            category=n.category,
        )
    scanned = timezone.make_aware(datetime.datetime(2023, 10, 10, 7, 35))
    for name, status, reason in (
        ("Giàng Thị Dợ", "present", ""),
        ("Lò Văn Ửng", "absent", ""),
        ("Đặng Thị Ánh", "excused", "Đi công tác"),
    ):
        Attendance.objects.create(
            enrollment=enrollments[name],
            session=world.session_a,
            status=status,
            reason=reason,
            first_scan_at=scanned if status == "present" else None,
        )
    return enrollments


def _snapshot():
    return {
        a.enrollment_id: (a.status, a.reason, a.updated_at, a.updated_by_id)
        for a in Attendance.objects.all()
    }


def _page_values(response) -> dict:
    """What the page posts back when nothing is touched: each field and its hidden initial."""
    form = response.context["form"]
    data = {}
    for row in form.rows:
        for field in (row.status, row.reason):
            value = field.value() or ""
            data[field.html_name] = value
            data[field.html_initial_name] = value
    return data


# --- the page --------------------------------------------------------------------------


def test_each_control_starts_at_the_recorded_status(client, world, people):
    client.force_login(world.trainer)
    response = client.get(reverse("attendees:attendance-panel", args=[world.session_a.pk]))
    body = response.content.decode()
    rows = {row.enrollment.participant.full_name: row for row in response.context["form"].rows}
    assert {name: row.status.value() for name, row in rows.items()} == {
        "Giàng Thị Dợ": "present",
        "Lò Văn Ửng": "absent",  # never pre-set to "present"
        "Đặng Thị Ánh": "excused",
        "Vàng A Sử": "",  # no mark: the empty choice
    }
    assert rows["Đặng Thị Ánh"].reason.value() == "Đi công tác"
    absent = people["Lò Văn Ửng"].pk
    # In the HTML too: the absent person's select has "absent" selected and no other.
    select = body.split(f'name="status-{absent}"', 1)[1].split("</select>", 1)[0]
    assert '<option value="absent" selected>' in select
    assert select.count("selected") == 1
    assert "— chưa ghi" not in select  # a recorded person cannot be "unrecorded"
    missing = body.split(f'name="status-{people["Vàng A Sử"].pk}"', 1)[1].split("</select>")[0]
    assert '<option value="" selected>— chưa ghi</option>' in missing
    # One form and one "Save" for the whole list, not one per row.
    assert body.count('id="attendance-form"') == 1
    assert body.count('id="attendance-save"') == 1
    assert body.count('name="enrollment"') == 0


def test_form_initial_values_equal_the_recorded_status(world, people):
    records = {a.enrollment_id: a for a in Attendance.objects.all()}
    rows = [(e, records.get(e.pk)) for e in people.values()]
    form = AttendanceListForm(rows=rows)
    assert [row.status.value() for row in form.rows] == ["present", "absent", "excused", ""]


def test_one_save_writes_only_the_changed_rows_and_audits_them(client, world, people):
    client.force_login(world.trainer)
    panel = reverse("attendees:attendance-panel", args=[world.session_a.pk])
    data = _page_values(client.get(panel))
    before = _snapshot()
    absent, missing = people["Lò Văn Ửng"], people["Vàng A Sử"]
    data[f"status-{absent.pk}"] = "excused"
    data[f"reason-{absent.pk}"] = "Ốm, có giấy"
    data[f"status-{missing.pk}"] = "late"

    response = client.post(reverse("attendees:attendance-correct", args=[world.session_a.pk]), data)

    assert response.status_code == 302
    after = _snapshot()
    assert after[absent.pk][:2] == ("excused", "Ốm, có giấy")
    assert after[absent.pk][3] == world.trainer.pk
    assert after[missing.pk][:2] == ("late", "")
    for name in ("Giàng Thị Dợ", "Đặng Thị Ánh"):  # untouched: not even re-saved
        assert after[people[name].pk] == before[people[name].pk]
    audited = AuditLog.objects.filter(action="attendance.correct")
    assert sorted((a.target_id, a.changes["status"]) for a in audited) == sorted(
        [
            (str(Attendance.objects.get(enrollment=absent).pk), ["absent", "excused"]),
            (str(Attendance.objects.get(enrollment=missing).pk), [None, "late"]),
        ]
    )
    # The counters count the rows as they now are.
    page = client.get(panel)
    counts = page.context["counts"]
    assert (counts["present"], counts["late"], counts["excused"], counts["absent"]) == (1, 1, 2, 0)
    assert counts["missing"] == 0
    shown = {row.enrollment.pk: row.status.value() for row in page.context["form"].rows}
    assert (shown[absent.pk], shown[missing.pk]) == ("excused", "late")


def test_a_row_left_alone_is_not_written_over_by_a_scan_made_meanwhile(client, world, people):
    """The page showed "not recorded"; a scan records the person before "Save": the list,
    in which that row was not touched, must not undo the scan."""
    client.force_login(world.trainer)
    data = _page_values(
        client.get(reverse("attendees:attendance-panel", args=[world.session_a.pk]))
    )
    missing = people["Vàng A Sử"]
    Attendance.objects.create(
        enrollment=missing, session=world.session_a, status="present", first_scan_at=timezone.now()
    )
    data[f"status-{people['Lò Văn Ửng'].pk}"] = "late"
    client.post(reverse("attendees:attendance-correct", args=[world.session_a.pk]), data)
    assert Attendance.objects.get(enrollment=missing).status == "present"
    assert Attendance.objects.get(enrollment=people["Lò Văn Ửng"]).status == "late"


def test_an_invalid_row_names_its_person_and_nothing_is_saved(client, world, people):
    client.force_login(world.trainer)
    panel = reverse("attendees:attendance-panel", args=[world.session_a.pk])
    data = _page_values(client.get(panel))
    before = _snapshot()
    absent, missing = people["Lò Văn Ửng"], people["Vàng A Sử"]
    data[f"status-{missing.pk}"] = "present"  # valid
    data[f"status-{absent.pk}"] = "excused"  # no reason: refused

    response = client.post(reverse("attendees:attendance-correct", args=[world.session_a.pk]), data)

    assert response.status_code == 200
    assert _snapshot() == before  # nothing half-saved
    assert not AuditLog.objects.filter(action="attendance.correct").exists()
    body = response.content.decode()
    # The error stands in the refused person's row …
    row = body.split(f'data-enrollment="{absent.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Lò Văn Ửng" in row
    assert "row-errors" in row and EXCUSE_NEEDS_REASON in row
    # … the summary names them, and the other row keeps what was chosen.
    assert "Lò Văn Ửng" in body.split('role="alert"', 1)[1].split("</div>", 1)[0]
    rows = {r.enrollment.pk: r for r in response.context["form"].rows}
    assert rows[missing.pk].status.value() == "present"
    assert rows[absent.pk].status.value() == "excused"
    assert rows[absent.pk].errors
    assert not rows[missing.pk].errors
    # The counters still count what is recorded.
    assert response.context["counts"]["missing"] == 1


def test_nothing_changed_saves_nothing(client, world, people):
    client.force_login(world.trainer)
    data = _page_values(
        client.get(reverse("attendees:attendance-panel", args=[world.session_a.pk]))
    )
    before = _snapshot()
    client.post(reverse("attendees:attendance-correct", args=[world.session_a.pk]), data)
    assert _snapshot() == before
    assert not AuditLog.objects.filter(action="attendance.correct").exists()


def test_another_trainer_cannot_save_the_list(client, world, people):
    client.force_login(world.other_trainer)
    response = client.post(
        reverse("attendees:attendance-correct", args=[world.session_a.pk]),
        {f"status-{people['Lò Văn Ửng'].pk}": "present"},
    )
    assert response.status_code == 404
    assert Attendance.objects.get(enrollment=people["Lò Văn Ửng"]).status == "absent"


# --- the service -----------------------------------------------------------------------


def test_service_saves_changed_rows_and_skips_equal_ones(world, people):
    before = _snapshot()
    saved = checkin.attendance_correct_many(
        actor=world.trainer,
        session=world.session_a,
        changes=[
            AttendanceChange(enrollment=people["Giàng Thị Dợ"], status="present"),  # same
            AttendanceChange(
                enrollment=people["Đặng Thị Ánh"], status="excused", reason=" Đi công tác "
            ),  # same once trimmed
            AttendanceChange(enrollment=people["Vàng A Sử"], status=""),  # still no mark
            AttendanceChange(enrollment=people["Lò Văn Ửng"], status="present"),
        ],
    )
    assert [a.enrollment for a in saved] == [people["Lò Văn Ửng"]]
    after = _snapshot()
    for name in ("Giàng Thị Dợ", "Đặng Thị Ánh"):
        assert after[people[name].pk] == before[people[name].pk]
    assert people["Vàng A Sử"].pk not in after
    assert after[people["Lò Văn Ửng"].pk][0] == "present"
    # Present needs a scan time (a database constraint): attendance_set gives one.
    assert Attendance.objects.get(enrollment=people["Lò Văn Ửng"]).first_scan_at is not None
    assert AuditLog.objects.filter(action="attendance.correct").count() == 1


def test_service_reports_every_refused_row_by_enrollment_and_saves_none(world, people):
    foreign = f.enrollment(world.class_b, world.unit_b)
    before = _snapshot()
    with pytest.raises(ValidationError) as refused:
        checkin.attendance_correct_many(
            actor=world.trainer,
            session=world.session_a,
            changes=[
                AttendanceChange(enrollment=people["Vàng A Sử"], status="present"),  # fine
                AttendanceChange(enrollment=people["Lò Văn Ửng"], status="excused"),  # no reason
                AttendanceChange(enrollment=people["Giàng Thị Dợ"], status="", reason="x"),
                AttendanceChange(enrollment=foreign, status="present"),
            ],
        )
    errors = refused.value.message_dict
    assert set(errors) == {
        str(people["Lò Văn Ửng"].pk),
        str(people["Giàng Thị Dợ"].pk),
        str(foreign.pk),
    }
    assert _snapshot() == before  # the valid first row was rolled back too
    assert not AuditLog.objects.filter(action="attendance.correct").exists()
