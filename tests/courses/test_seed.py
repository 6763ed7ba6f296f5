from django.core.management import call_command
from django.db.models import Sum

from accounts.models import User
from courses.models import AuditLog, Organisation, Quota, Session, Trainer, TrainingClass


def _snapshot():
    models = [Organisation, TrainingClass, Session, Quota, Trainer, User]
    return {m.__name__: sorted(map(repr, m.objects.values())) for m in models}


def test_seed_loads_the_2023_plan(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    plan_2023 = TrainingClass.objects.exclude(code="TTDN-THUCHANH")
    assert plan_2023.count() == 4
    assert (
        Quota.objects.filter(training_class__in=plan_2023).aggregate(total=Sum("seats"))["total"]
        == 360
    )
    districts = Organisation.objects.filter(kind="district_ubnd")
    assert districts.count() == 8
    assert set(districts.filter(is_border=True).values_list("gso_code", flat=True)) == {
        "107",
        "108",
        "109",
        "112",
    }
    for klass in plan_2023:
        assert klass.allocated_seats() <= klass.capacity
        assert klass.sessions.count() == 6
        assert all(s.trainers.exists() for s in klass.sessions.all())
    assert set(User.objects.values_list("role", flat=True)) == {
        "coordinator",
        "nominator",
        "trainer",
        "viewer",
    }


def test_seed_twice_changes_nothing(db, capsys):
    call_command("seed_demo")
    first = _snapshot()
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert _snapshot() == first
    assert "0 rows created, 0 updated" in out
    assert not AuditLog.objects.exists()


def test_seed_prints_the_demo_logins(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    for username in ("dieuphoi", "muongte", "phongtho", "giangvien", "xem"):
        assert username in out


def test_seed_does_not_reset_a_changed_password(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    user = User.objects.get(username="dieuphoi")
    user.set_password("a-new-secret")
    user.save()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    user.refresh_from_db()
    assert user.check_password("a-new-secret")


def test_seeded_nominators_see_only_their_class(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    muongte = User.objects.get(username="muongte")
    assert list(TrainingClass.objects.visible_to(muongte).values_list("code", flat=True)) == [
        "TTDN-2023-L3"
    ]
    trainer = User.objects.get(username="giangvien")
    assert sorted(TrainingClass.objects.visible_to(trainer).values_list("code", flat=True)) == [
        "TTDN-2023-L1",
        "TTDN-2023-L2",
        "TTDN-THUCHANH",
    ]


def test_seed_adds_a_practice_class_open_today(db):
    import datetime

    from django.utils import timezone

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    klass = TrainingClass.objects.get(code="TTDN-THUCHANH")
    today = timezone.localdate()
    assert klass.state == "running" and klass.start_date <= today <= klass.end_date
    sessions = klass.sessions.filter(date=today)
    assert sessions.count() == 3 and klass.enrollments.count() == 20
    noon = timezone.make_aware(datetime.datetime.combine(today, datetime.time(9, 0)))
    assert any(s.is_open_for_checkin(at=noon) for s in sessions)
