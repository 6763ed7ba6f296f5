"""Scans uploaded after a session was closed (#13): they count within the grace period and
while no certificate of the class is issued; any other is kept as a held scan that changes
nothing until the coordinator accepts it (through the manual-correction service, audited)
or rejects it (audited)."""

import datetime
import json
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from attendees import checkin, checkin_sql
from attendees.models import Attendance, ScanEvent
from certificates import services as certificate_services
from courses.models import AuditLog, Session
from tests import factories as f


def at(session, hh, mm):
    return timezone.make_aware(datetime.datetime.combine(session.date, datetime.time(hh, mm)))


@pytest.fixture
def people(world):
    return [
        f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a, full_name=name))
        for name in ("Nguyễn Thị Hường", "Lò Văn Pành")
    ]


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def scan(world, enrollment, when, **extra):
    return {
        "token": enrollment.badge_token,
        "session": world.session_a.pk,
        "nonce": str(uuid.uuid4()),
        "scanned_at": when.isoformat(),
        **extra,
    }


def upload(client, world, *scans):
    r = post(client, reverse("api-checkin-batch"), {"device": "phone-1", "scans": list(scans)})
    assert r.status_code == 200, r.content
    return r.json()["results"]


@pytest.fixture
def trainer(client, world):
    client.force_login(world.trainer)
    return client


def close(world, hours_ago: float) -> Session:
    """Close session_a (marking everyone absent), as if it happened `hours_ago`."""
    checkin.session_close(actor=world.trainer, session=world.session_a)
    Session.objects.filter(pk=world.session_a.pk).update(
        closed_at=timezone.now() - datetime.timedelta(hours=hours_ago)
    )
    world.session_a.refresh_from_db()
    return world.session_a


def issue_certificate(world, enrollment):
    """`enrollment` present at every session of class A (its only one), so eligible."""
    checkin.attendance_set(
        actor=world.coordinator,
        enrollment=enrollment,
        session=world.session_a,
        status="present",
        scanned_at=at(world.session_a, 7, 35),
    )
    certificate, _new = certificate_services.certificate_issue(
        actor=world.coordinator, enrollment=enrollment
    )
    return certificate


def status_of(world, enrollment) -> str:
    return Attendance.objects.get(enrollment=enrollment, session=world.session_a).status


def test_a_late_upload_within_the_grace_period_still_counts(trainer, world, people):
    close(world, hours_ago=47)
    (result,) = upload(trainer, world, scan(world, people[0], at(world.session_a, 7, 35)))
    assert result["result"] == "present"
    assert status_of(world, people[0]) == "present"


def test_after_the_grace_period_a_scan_is_held_not_counted(trainer, world, people):
    close(world, hours_ago=49)
    (result,) = upload(trainer, world, scan(world, people[0], at(world.session_a, 7, 35)))
    assert result == {
        "nonce": result["nonce"],
        "result": "session_closed",
        "participant": {"name": "Nguyễn Thị Hường", "unit": "UBND huyện Mường Tè"},
        "status": None,
    }
    assert status_of(world, people[0]) == "absent"
    event = ScanEvent.objects.get()
    assert (event.result, event.review, event.enrollment_id) == ("session_closed", "", people[0].pk)
    assert list(ScanEvent.objects.awaiting_review()) == [event]
    assert not AuditLog.objects.filter(action__startswith="attendance").exists()


@override_settings(LATE_UPLOAD_GRACE_HOURS=2)
def test_the_grace_period_is_a_setting(trainer, world, people):
    close(world, hours_ago=3)
    (result,) = upload(trainer, world, scan(world, people[0], at(world.session_a, 7, 35)))
    assert result["result"] == "session_closed"


def test_the_reported_case_a_class_with_certificates_cannot_be_changed_by_a_scan(
    trainer, world, people
):
    """As reported: POST /api/v1/checkins for a closed session of a class whose certificates
    were issued, with a 2023 scan time, turned an absent row present with no audit entry."""
    close(world, hours_ago=1)  # well within the grace period
    issue_certificate(world, people[1])
    body = {**scan(world, people[0], at(world.session_a, 7, 40)), "device": "phone-1"}
    r = post(trainer, reverse("api-checkin"), body)
    assert r.status_code == 200 and r.json()["result"] == "session_closed"
    assert status_of(world, people[0]) == "absent"
    assert ScanEvent.objects.get().result == "session_closed"


def test_a_repeat_of_someone_already_in_the_room_is_not_held(trainer, world, people):
    close(world, hours_ago=49)
    checkin.attendance_set(
        actor=world.trainer,
        enrollment=people[0],
        session=world.session_a,
        status="present",
        scanned_at=at(world.session_a, 7, 32),
    )
    (result,) = upload(trainer, world, scan(world, people[0], at(world.session_a, 7, 50)))
    assert (result["result"], result["status"]) == ("already_recorded", "present")
    assert not ScanEvent.objects.awaiting_review().exists()
    # An earlier scan would change the record: that one waits for the coordinator.
    (result,) = upload(trainer, world, scan(world, people[0], at(world.session_a, 7, 31)))
    assert result["result"] == "session_closed"


def test_a_held_scan_replayed_gets_the_same_answer(trainer, world, people):
    close(world, hours_ago=49)
    body = scan(world, people[0], at(world.session_a, 7, 35))
    first = upload(trainer, world, body)
    assert first[0]["result"] == "session_closed" and first[0]["status"] is None
    assert upload(trainer, world, body) == first
    assert ScanEvent.objects.count() == 1


def test_the_roster_tells_the_scanner_that_scans_are_held(trainer, world, people):
    url = reverse("api-roster", args=[world.session_a.pk])
    assert trainer.get(url).json()["session"]["scans_held"] is False
    close(world, hours_ago=49)
    assert trainer.get(url).json()["session"]["scans_held"] is True


@pytest.mark.parametrize(
    ("hours_ago", "certificate"), [(None, False), (1, False), (49, False), (1, True)]
)
def test_the_hot_path_asks_the_model_rule(world, people, hours_ago, certificate):
    """One rule (Session.scans_still_count), fed by the ORM and by the check-in query."""
    if hours_ago is not None:
        close(world, hours_ago=hours_ago)
    if certificate:
        issue_certificate(world, people[1])
    window, _badge = checkin_sql.load_session(world.session_a.pk, world.trainer.pk)
    now = timezone.now()
    assert window.closed_at == world.session_a.closed_at
    expected = hours_ago is None or (hours_ago < 48 and not certificate)
    assert window.accepts_scans(received_at=now) is expected
    assert world.session_a.accepts_scans(received_at=now) is expected


# --- the coordinator's decision ----------------------------------------------------------


@pytest.fixture
def held(trainer, world, people):
    close(world, hours_ago=49)
    upload(trainer, world, scan(world, people[0], at(world.session_a, 7, 50)))  # late
    return ScanEvent.objects.get()


def review(client, world, event, decision):
    return client.post(
        reverse("attendees:held-scan-review", args=[world.session_a.pk, event.pk]),
        {"decision": decision},
    )


def test_the_attendance_page_lists_held_scans_with_the_decision_for_the_coordinator(
    client, world, held
):
    client.force_login(world.coordinator)
    page = client.get(reverse("attendees:attendance-panel", args=[world.session_a.pk]))
    section = page.content.decode().split('id="held-scans"')[1].split("</table>")[0]
    assert "Nguyễn Thị Hường" in section
    assert reverse("attendees:held-scan-review", args=[world.session_a.pk, held.pk]) in section
    client.force_login(world.trainer)  # sees what waits, cannot decide
    page = client.get(reverse("attendees:attendance-panel", args=[world.session_a.pk]))
    section = page.content.decode().split('id="held-scans"')[1].split("</table>")[0]
    assert "Nguyễn Thị Hường" in section and "held-scan-review" not in section
    assert "/review/" not in section


def test_accepting_goes_through_the_correction_and_is_audited(client, world, people, held):
    client.force_login(world.coordinator)
    response = review(client, world, held, "accept")
    assert response.status_code == 302
    attendance = Attendance.objects.get(enrollment=people[0], session=world.session_a)
    assert (attendance.status, attendance.first_scan_at) == ("late", at(world.session_a, 7, 50))
    held.refresh_from_db()
    assert (held.review, held.reviewed_by) == ("accepted", world.coordinator)
    assert held.reviewed_at is not None
    correction = AuditLog.objects.get(action="attendance.correct")
    assert correction.changes["status"] == ["absent", "late"]
    accepted = AuditLog.objects.get(action="scan.accept")
    assert accepted.actor == world.coordinator and accepted.changes["status"] == "late"
    assert accepted.changes["nonce"] == str(held.nonce)
    assert not ScanEvent.objects.awaiting_review().exists()
    # Decided once: a second decision is refused and changes nothing.
    review(client, world, held, "reject")
    held.refresh_from_db()
    assert held.review == "accepted" and not AuditLog.objects.filter(action="scan.reject").exists()


def test_rejecting_changes_nothing_and_is_audited(client, world, people, held):
    client.force_login(world.coordinator)
    review(client, world, held, "reject")
    assert status_of(world, people[0]) == "absent"
    held.refresh_from_db()
    assert held.review == "rejected"
    rejected = AuditLog.objects.get(action="scan.reject")
    assert rejected.actor == world.coordinator and rejected.changes["nonce"] == str(held.nonce)
    assert not AuditLog.objects.filter(action="attendance.correct").exists()


def test_only_the_coordinator_decides(client, world, people, held):
    client.force_login(world.trainer)
    assert review(client, world, held, "accept").status_code == 403
    with pytest.raises(PermissionDenied):
        checkin.held_scan_accept(actor=world.trainer, event=held)
    assert status_of(world, people[0]) == "absent"


def test_only_held_scans_can_be_decided(trainer, world, people):
    upload(trainer, world, scan(world, people[0], at(world.session_a, 7, 35)))
    with pytest.raises(ValidationError):
        checkin.held_scan_accept(actor=world.coordinator, event=ScanEvent.objects.get())
