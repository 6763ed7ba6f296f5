"""Small builders for test data. Each returns a saved object with sensible defaults."""

from __future__ import annotations

import datetime
import itertools

from accounts.models import Role, User
from courses.models import (
    Organisation,
    ParticipantCategory,
    Plan,
    Quota,
    Session,
    Trainer,
    TrainingClass,
    Venue,
)

_seq = itertools.count(1)


def organisation(**kw) -> Organisation:
    n = next(_seq)
    defaults = {
        "name": f"UBND huyện Thử {n}",
        "code": f"U{n}",
        "kind": "district_ubnd",
        "can_nominate": True,
    }
    return Organisation.objects.create(**{**defaults, **kw})


def venue(**kw) -> Venue:
    return Venue.objects.create(**{"name": f"Hội trường {next(_seq)}", **kw})


def plan(**kw) -> Plan:
    issuer = kw.pop("issued_by", None) or organisation(kind="province_ubnd", can_nominate=False)
    return Plan.objects.create(**{"title": "Kế hoạch thử", "year": 2023, "issued_by": issuer, **kw})


def training_class(**kw) -> TrainingClass:
    n = next(_seq)
    start = kw.pop("start_date", datetime.date(2023, 10, 10))
    defaults = {
        "code": f"TTDN-T-{n}",
        "title": f"Lớp thử {n}",
        "year": start.year,
        "start_date": start,
        "end_date": start + datetime.timedelta(days=2),
        "capacity": 90,
        "state": "nominating",
    }
    values = {**defaults, **kw}
    values.setdefault("plan", plan())
    values.setdefault("venue", venue())
    values.setdefault("organiser", organisation(kind="department", can_nominate=False))
    return TrainingClass.objects.create(**values)


def session(klass: TrainingClass, **kw) -> Session:
    defaults = {
        "date": klass.start_date,
        "start_time": datetime.time(7, 30),
        "end_time": datetime.time(11, 0),
        "topic": "Chuyên đề thử",
        "venue": klass.venue,
    }
    trainers = kw.pop("trainers", [])
    s = Session.objects.create(training_class=klass, **{**defaults, **kw})
    s.trainers.set(trainers)
    return s


def category(code: str = "a") -> ParticipantCategory:
    return ParticipantCategory.objects.get(code=code)


def quota(klass: TrainingClass, org: Organisation, code: str = "a", seats: int = 10) -> Quota:
    return Quota.objects.create(
        training_class=klass, organisation=org, category=category(code), seats=seats
    )


def user(role: str = "", organisation: Organisation | None = None, **kw) -> User:
    n = next(_seq)
    u = User(username=kw.pop("username", f"user{n}"), role=role, organisation=organisation, **kw)
    u.set_password("pw")
    u.save()
    return u


def trainer(user_account: User | None = None, **kw) -> Trainer:
    return Trainer.objects.create(
        **{"full_name": f"Giảng Viên {next(_seq)}", "user": user_account, **kw}
    )


__all__ = ["Role"]


def participant(org: Organisation, **kw):
    import datetime as _dt

    from attendees.models import Participant

    defaults = {
        "full_name": f"Lò Văn Thử {next(_seq)}",
        "gender": "male",
        "date_of_birth": _dt.date(1990, 5, 17),
        "organisation": org,
    }
    return Participant.objects.create(**{**defaults, **kw})


def nomination(
    klass: TrainingClass, org: Organisation, code: str = "a", person=None, state: str = "draft"
):
    from attendees.models import Nomination

    return Nomination.objects.create(
        training_class=klass,
        organisation=org,
        category=category(code),
        participant=person or participant(org),
        state=state,
    )


def enrollment(klass: TrainingClass, org: Organisation, person=None, code: str = "a"):
    """An approved nomination and its enrollment."""
    from attendees.models import Enrollment

    n = nomination(klass, org, code, person=person, state="approved")
    return Enrollment.objects.create(
        nomination=n,
        training_class=klass,
        participant=n.participant,
        organisation=org,
        category=n.category,
    )
