"""Check-in rules and the scanner API."""

import datetime
import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from attendees import checkin
from attendees.models import Attendance, Enrollment, ScanEvent
from tests import factories as f


def at(session, hh, mm):
    return timezone.make_aware(datetime.datetime.combine(session.date, datetime.time(hh, mm)))


@pytest.fixture
def roster(world):
    """Three people enrolled in class A (session 07:30–11:00, grace 15 min, window ±60)."""
    enrollments = []
    for name in ("Nguyễn Thị Hường", "Lò Văn Pành", "Vàng A Sử"):
        p = f.participant(world.unit_a, full_name=name)
        n = f.nomination(world.class_a, world.unit_a, person=p, state="approved")
        enrollments.append(
            Enrollment.objects.create(
                nomination=n,
                training_class=world.class_a,
                participant=p,
                organisation=world.unit_a,
                category=n.category,
            )
        )
    other_p = f.participant(world.unit_b, full_name="Tòng Thị Ánh")
    other_n = f.nomination(world.class_b, world.unit_b, person=other_p, state="approved")
    foreign = Enrollment.objects.create(
        nomination=other_n,
        training_class=world.class_b,
        participant=other_p,
        organisation=world.unit_b,
        category=other_n.category,
    )
    return {"in": enrollments, "foreign": foreign}


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def scan(world, token, when, nonce=None):
    return {
        "token": token,
        "session": world.session_a.pk,
        "nonce": str(nonce or uuid.uuid4()),
        "scanned_at": when.isoformat(),
    }


@pytest.fixture
def trainer(client, world):
    client.force_login(world.trainer)  # teaches class A
    return client


def batch(client, world, scans, **extra):
    return post(
        client, reverse("api-checkin-batch"), {"device": "phone-1", "scans": scans, **extra}
    )


def test_on_time_scan_is_present_and_recorded(trainer, world, roster):
    e = roster["in"][0]
    r = batch(trainer, world, [scan(world, e.badge_token, at(world.session_a, 7, 40))])
    assert r.status_code == 200
    (res,) = r.json()["results"]
    assert res["result"] == "present" and res["participant"]["name"] == "Nguyễn Thị Hường"
    a = Attendance.objects.get(enrollment=e, session=world.session_a)
    assert a.status == "present" and a.first_scan_at == at(world.session_a, 7, 40)


def test_after_the_grace_minutes_is_late(trainer, world, roster):
    r = batch(
        trainer, world, [scan(world, roster["in"][0].badge_token, at(world.session_a, 7, 46))]
    )
    assert r.json()["results"][0]["result"] == "late"


def test_outside_the_window_is_refused_but_kept(trainer, world, roster):
    token = roster["in"][0].badge_token
    r = batch(
        trainer,
        world,
        [
            scan(world, token, at(world.session_a, 6, 29)),
            scan(world, token, at(world.session_a, 12, 1)),
        ],
    )
    assert [x["result"] for x in r.json()["results"]] == ["session_not_open", "session_not_open"]
    assert not Attendance.objects.exists()
    assert ScanEvent.objects.filter(result="session_not_open").count() == 2


def test_uploaded_days_later_still_counts_by_scan_time(trainer, world, roster):
    # The session was in 2023; the upload is now.
    r = batch(trainer, world, [scan(world, roster["in"][1].badge_token, at(world.session_a, 7, 0))])
    assert r.json()["results"][0]["result"] == "present"


def test_replaying_a_batch_changes_nothing(trainer, world, roster):
    scans = [scan(world, e.badge_token, at(world.session_a, 7, 35)) for e in roster["in"]]
    first = batch(trainer, world, scans).json()
    for _ in range(3):
        again = batch(trainer, world, scans).json()
        assert again == first
    assert Attendance.objects.count() == 3 and ScanEvent.objects.count() == 3


def test_second_scan_is_already_recorded_and_earliest_time_wins(trainer, world, roster):
    token = roster["in"][0].badge_token
    batch(trainer, world, [scan(world, token, at(world.session_a, 7, 50))])  # late
    r = batch(
        trainer, world, [scan(world, token, at(world.session_a, 7, 31))]
    )  # an earlier offline scan
    assert r.json()["results"][0]["result"] == "already_recorded"
    a = Attendance.objects.get()
    assert a.first_scan_at == at(world.session_a, 7, 31) and a.status == "present"
    assert ScanEvent.objects.count() == 2


def test_forged_truncated_and_foreign_tokens(trainer, world, roster):
    token = roster["in"][0].badge_token
    r = batch(
        trainer,
        world,
        [
            scan(world, "x" * 22, at(world.session_a, 7, 40)),
            scan(world, token[:-3], at(world.session_a, 7, 40)),
            scan(world, roster["foreign"].badge_token, at(world.session_a, 7, 40)),
            scan(world, "<script>alert(1)</script>", at(world.session_a, 7, 40)),
        ],
    )
    assert [x["result"] for x in r.json()["results"]] == [
        "unknown_token",
        "unknown_token",
        "not_enrolled",
        "unknown_token",
    ]
    assert not Attendance.objects.exists()


def test_reissued_badge_stops_the_old_code(trainer, world, roster):
    e = roster["in"][0]
    old = e.badge_token
    checkin.badge_reissue(actor=world.coordinator, enrollment=e)
    e.refresh_from_db()
    r = batch(
        trainer,
        world,
        [
            scan(world, old, at(world.session_a, 7, 40)),
            scan(world, e.badge_token, at(world.session_a, 7, 41)),
        ],
    )
    assert [x["result"] for x in r.json()["results"]] == ["unknown_token", "present"]


def test_another_trainers_session_is_not_found(client, world, roster):
    client.force_login(world.other_trainer)
    r = batch(client, world, [scan(world, roster["in"][0].badge_token, at(world.session_a, 7, 40))])
    assert r.status_code == 404 and "error" in r.json()
    assert client.get(reverse("api-roster", args=[world.session_a.pk])).status_code == 404
    assert not ScanEvent.objects.exists()


def test_nominators_and_anonymous_cannot_scan(client, world, roster):
    r = batch(client, world, [])
    assert r.status_code == 401
    client.force_login(world.nominator_a)
    assert (
        batch(
            client, world, [scan(world, roster["in"][0].badge_token, at(world.session_a, 7, 40))]
        ).status_code
        == 403
    )


def test_bad_input_names_the_field(trainer, world, roster):
    r = trainer.post(reverse("api-checkin-batch"), "{not json", content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]
    r = batch(trainer, world, [{**scan(world, "t", at(world.session_a, 7, 40)), "nonce": "nope"}])
    assert r.status_code == 200
    assert [(x["result"], x["field"]) for x in r.json()["results"]] == [("invalid", "nonce")]
    r = batch(
        trainer, world, [{**scan(world, "t", at(world.session_a, 7, 40)), "scanned_at": "hôm qua"}]
    )
    assert r.json()["results"][0]["field"] == "scanned_at"
    r = post(trainer, reverse("api-checkin-batch"), {"scans": []})
    assert r.status_code == 400 and r.json()["field"] == "device"
    r = post(trainer, reverse("api-checkin"), {**scan(world, "t", at(world.session_a, 7, 40))})
    assert r.status_code == 400 and r.json()["field"] == "device"
    assert not ScanEvent.objects.exists()


def test_skewed_device_clock_is_flagged_and_corrected(trainer, world, roster):
    # The phone's clock is 10 minutes behind: its 07:40 is really 07:50 (late).
    device_now = timezone.now() - datetime.timedelta(minutes=10)
    r = batch(
        trainer,
        world,
        [scan(world, roster["in"][0].badge_token, at(world.session_a, 7, 40))],
        device_time=device_now.isoformat(),
    )
    assert r.json()["results"][0]["result"] == "late"
    event = ScanEvent.objects.get()
    assert event.clock_flagged and 590 <= event.clock_skew_seconds <= 610


def test_single_checkin_endpoint(trainer, world, roster):
    body = {
        **scan(world, roster["in"][2].badge_token, at(world.session_a, 7, 30)),
        "device": "kiosk",
    }
    r = post(trainer, reverse("api-checkin"), body)
    assert (
        r.status_code == 200 and r.json()["result"] == "present" and r.json()["status"] == "present"
    )


def test_roster_has_tokens_window_and_attendance(trainer, world, roster):
    batch(trainer, world, [scan(world, roster["in"][0].badge_token, at(world.session_a, 7, 40))])
    body = trainer.get(reverse("api-roster", args=[world.session_a.pk])).json()
    assert [p["name"] for p in body["participants"]] == [
        "Nguyễn Thị Hường",
        "Lò Văn Pành",
        "Vàng A Sử",
    ]
    assert {p["token"] for p in body["participants"]} == {e.badge_token for e in roster["in"]}
    assert body["session"]["checkin_opens"].startswith("2023-10-10T06:30")
    assert body["attendance"] == [
        {
            "enrollment": roster["in"][0].pk,
            "status": "present",
            "first_scan_at": at(world.session_a, 7, 40).isoformat(),
        }
    ]


def test_closing_marks_absent_and_a_late_upload_still_counts(trainer, world, roster):
    n = checkin.session_close(actor=world.trainer, session=world.session_a)
    assert n == 3 and set(Attendance.objects.values_list("status", flat=True)) == {"absent"}
    r = batch(
        trainer, world, [scan(world, roster["in"][0].badge_token, at(world.session_a, 7, 35))]
    )
    assert r.json()["results"][0]["result"] == "present"
    assert Attendance.objects.get(enrollment=roster["in"][0]).status == "present"


def test_excuse_needs_a_reason_and_is_audited(trainer, world, roster):
    from django.core.exceptions import ValidationError

    from courses.models import AuditLog

    e = roster["in"][1]
    with pytest.raises(ValidationError):
        checkin.attendance_set(
            actor=world.trainer, enrollment=e, session=world.session_a, status="excused"
        )
    checkin.attendance_set(
        actor=world.trainer, enrollment=e, session=world.session_a, status="excused", reason="Ốm"
    )
    assert Attendance.objects.get(enrollment=e).reason == "Ốm"
    assert AuditLog.objects.get(action="attendance.correct").changes == {
        "status": [None, "excused"],
        "reason": "Ốm",
    }


def test_openapi_schema_is_served(client):
    body = client.get("/api/v1/openapi.json").json()
    assert set(body["paths"]) == {
        "/api/v1/sessions/{id}/roster",
        "/api/v1/checkins",
        "/api/v1/checkins/batch",
        "/api/v1/handouts/{id}/roster",
        "/api/v1/handouts/{id}/batch",
        "/api/v1/people/check",
    }


def test_who_may_run_a_session_agrees_with_the_queryset(world):
    from courses.models import Session

    for user in (
        world.trainer,
        world.other_trainer,
        world.coordinator,
        world.nominator_a,
        world.viewer,
        world.outsider,
    ):
        runnable = set(Session.objects.run_by(user).values_list("pk", flat=True))
        assert {s.pk for s in Session.objects.all() if s.can_be_run_by(user)} == runnable, user


def test_the_fast_permission_check_agrees_with_run_by(world):
    from attendees import checkin_sql
    from courses.models import Session

    for user in (
        world.trainer,
        world.other_trainer,
        world.coordinator,
        world.nominator_a,
        world.viewer,
    ):
        runnable = set(Session.objects.run_by(user).values_list("pk", flat=True))
        fast = set()
        for s in Session.objects.all():
            w, _badge = checkin_sql.load_session(s.pk, user.pk)
            if user.is_coordinator or (user.is_trainer and w.may_run):
                fast.add(s.pk)
        assert fast == runnable, user


def test_the_fast_window_agrees_with_the_model(world):
    from attendees import checkin_sql

    w, badge = checkin_sql.load_session(world.session_a.pk, world.trainer.pk, "no-such-badge")
    assert badge is None
    assert (w.opens, w.closes) == world.session_a.checkin_window()
    assert w.late_after == world.session_a.late_after()
