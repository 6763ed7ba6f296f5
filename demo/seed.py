"""Load seed data (organisations, venues, the plan, its classes, demo users) from JSON.

The data lives in `laichau_2023.json`, not in code. Loading is idempotent: each row is
looked up by its natural key and saved only if a value differs, so running it twice
changes nothing (and a password someone changed is never reset).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models
from django.utils import timezone

from accounts.groups import coordinator_group_ensure
from accounts.models import User
from attendees.models import (
    Attendance,
    AttendanceStatus,
    Enrollment,
    Ethnicity,
    Nomination,
    NominationState,
    Participant,
)
from certificates.eligibility import settings_for
from certificates.services import invitation_register
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
from courses.vietnamese import fold, sorted_by_name
from demo.evaluation import seed_evaluations
from demo.materials import seed_materials

DEMO_FILE = Path(__file__).with_name("laichau_2023.json")
DEMO_PASSWORD = "laichau2023"  # noqa: S105 -- printed by seed_demo, for demo accounts only


@dataclass
class SeedReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)

    def upsert(self, model: type[models.Model], lookup: dict, values: dict) -> models.Model:
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            obj.full_clean()
            obj.save()
            self.created += 1
            return obj
        changed = False
        for name, value in values.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        if changed:
            obj.full_clean()
            obj.save()
            self.updated += 1
        else:
            self.unchanged += 1
        return obj


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _time(value: str) -> datetime.time:
    return datetime.time.fromisoformat(value)


def load_seed(path: str | Path) -> SeedReport:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    report = SeedReport()

    orgs: dict[str, Organisation] = {}
    for row in data["organisations"]:
        orgs[row["code"]] = report.upsert(
            Organisation,
            {"code": row["code"], "valid_from": _date(row.get("valid_from"))},
            {
                "name": row["name"],
                "short_name": row.get("short_name", ""),
                "place": row.get("place", ""),
                "kind": row["kind"],
                "gso_code": row.get("gso_code", ""),
                "parent": orgs[row["parent"]] if row.get("parent") else None,
                "valid_to": _date(row.get("valid_to")),
                "can_nominate": row.get("can_nominate", False),
                "is_border": row.get("is_border", False),
                "is_region_iii": row.get("is_region_iii", False),
            },
        )

    if "recipients" in data:
        _seed_recipients(data["recipients"], orgs, report)

    venues = {
        row["key"]: report.upsert(
            Venue,
            {"name": row["name"]},
            {
                "address": row.get("address", ""),
                "organisation": orgs.get(row.get("organisation")),
                "seats": row.get("seats"),
            },
        )
        for row in data["venues"]
    }

    p = data["plan"]
    plan = report.upsert(
        Plan,
        {"title": p["title"], "year": p["year"]},
        {
            "number": p.get("number", ""),
            "issued_by": orgs[p["issued_by"]],
            "issued_on": _date(p.get("issued_on")),
            "budget_vnd": p.get("budget_vnd"),
        },
    )

    trainers = {
        row["key"]: report.upsert(
            Trainer,
            {"full_name": row["full_name"], "affiliation": row.get("affiliation", "")},
            {"title": row.get("title", "")},
        )
        for row in data["trainers"]
    }

    categories = {c.code: c for c in ParticipantCategory.objects.all()}
    for row in data["classes"]:
        start = _date(row["start_date"])
        klass = report.upsert(
            TrainingClass,
            {"code": row["code"]},
            {
                "title": row["title"],
                "plan": plan,
                "year": start.year,
                "venue": venues[row["venue"]],
                "start_date": start,
                "end_date": _date(row["end_date"]),
                "capacity": row["capacity"],
                "organiser": Organisation.objects.by_code(row["organiser"], on=start),
                "certificate_threshold": row.get("certificate_threshold", 80),
                "late_grace_minutes": row.get("late_grace_minutes", 15),
                # Set once: a class the demo user has moved on (closed, say) stays so.
                **(
                    {}
                    if TrainingClass.objects.filter(code=row["code"]).exists()
                    else {"state": row.get("state", "planning")}
                ),
            },
        )
        for s in row["sessions"]:
            session = report.upsert(
                Session,
                {
                    "training_class": klass,
                    "date": _date(s["date"]),
                    "start_time": _time(s["start_time"]),
                },
                {
                    "end_time": _time(s["end_time"]),
                    "topic": s["topic"],
                    "venue": venues[s.get("venue", row["venue"])],
                },
            )
            wanted = {trainers[key].pk for key in s["trainers"]}
            if set(session.trainers.values_list("pk", flat=True)) != wanted:
                session.trainers.set(wanted)
        for q in row["quotas"]:
            report.upsert(
                Quota,
                {
                    "training_class": klass,
                    # Unit codes are reused across the 2025 reform: resolve on the class date.
                    "organisation": Organisation.objects.by_code(q["organisation"], on=start),
                    "category": categories[q["category"]],
                },
                {"seats": q["seats"]},
            )

    if "people" in data:
        _seed_people(data["people"], [row["code"] for row in data["classes"]], report)
    for row in data["classes"]:
        if row.get("held"):
            _seed_attendance(TrainingClass.objects.get(code=row["code"]), report)
    if "practice_class" in data:
        _seed_practice_class(data["practice_class"], plan, venues, trainers, report)
    if "certificates" in data:
        _seed_certificate_settings(data["certificates"], report)
        for row in data["classes"]:
            if row.get("held"):
                _seed_invitations(TrainingClass.objects.get(code=row["code"]), report)
    if data.get("materials"):
        practice = data.get("practice_class", {}).get("code")
        seed_materials(report, practice_class=TrainingClass.objects.filter(code=practice).first())

    for row in data["users"]:
        user = User.objects.filter(username=row["username"]).first()
        values = {
            "full_name": row["full_name"],
            "role": row["role"],
            "organisation": orgs.get(row.get("organisation")),
            "is_staff": row.get("is_staff", False),
        }
        if user is None:
            user = User(username=row["username"], **values)
            user.set_password(DEMO_PASSWORD)
            user.save()
            report.created += 1
        elif any(getattr(user, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(user, k, v)
            user.save()
            report.updated += 1
        else:
            report.unchanged += 1
        if row.get("coordinator_group"):
            # The admin for the reference data (accounts/groups.py); added, never removed.
            group = coordinator_group_ensure()
            if not user.groups.filter(pk=group.pk).exists():
                user.groups.add(group)
                report.updated += 1
        if row.get("trainer"):
            trainer = trainers[row["trainer"]]
            if trainer.user_id != user.pk:
                trainer.user = user
                trainer.save()
        unit = user.organisation.name if user.organisation else ""
        report.users.append((user.username, user.get_role_display(), unit))
    # After the users: the demo's coordinator opens the evaluations and types the paper forms.
    held = [row["code"] for row in data["classes"] if row.get("held")]
    if held and data.get("evaluation"):
        coordinator = next((u["username"] for u in data["users"] if u["role"] == "coordinator"), "")
        seed_evaluations(
            report,
            actor=User.objects.filter(username=coordinator).first(),
            held_code=held[0],
            practice_code=data.get("practice_class", {}).get("code"),
        )
    return report


def _seed_people(spec: dict, class_codes: list[str], report: SeedReport) -> None:
    """Fill every quota of the seeded classes with invented, approved participants.

    The generator is seeded, so the same people come out every time; each person is
    looked up by name + date of birth + unit before being created, which keeps the
    command idempotent.
    """
    import random

    rng = random.Random(2023)  # noqa: S311 -- invented demo data, must be reproducible
    groups = spec["ethnic_groups"]
    weights = [g["weight"] for g in groups]
    ethnicities = {e.code: e for e in Ethnicity.objects.all()}
    quotas = (
        Quota.objects.filter(training_class__code__in=class_codes)
        .select_related("training_class", "organisation", "category")
        .order_by("training_class__code", "organisation__code", "category__code")
    )
    for quota in quotas:
        klass = quota.training_class
        free = spec.get("leave_free", {}).get(quota.organisation.code, 0)
        for _seat in range(max(quota.seats - free, 0)):
            group = rng.choices(groups, weights)[0]
            female = rng.random() < 0.45
            sex = "f" if female else "m"
            full_name = " ".join(
                [
                    rng.choice(group["family"]),
                    rng.choice(group[f"middle_{sex}"]),
                    rng.choice(group[f"given_{sex}"]),
                ]
            )
            born = datetime.date(rng.randint(1968, 2001), rng.randint(1, 12), rng.randint(1, 28))
            # CCCD: Lai Châu (012), century/sex digit, year of birth, serial.
            century_digit = (0 if born.year < 2000 else 2) + (1 if female else 0)
            citizen_id = f"012{century_digit}{born.year % 100:02d}{rng.randint(0, 999999):06d}"
            has_id = rng.random() < spec["share_with_citizen_id"]
            phone = (
                "+84" + rng.choice(spec["mobile_prefixes"])[1:] + f"{rng.randint(0, 9999999):07d}"
            )
            has_phone = rng.random() < spec["share_with_phone"]
            position = rng.choice(spec["positions"][quota.category.code])
            on_payroll = rng.random() < spec["share_on_payroll"]
            person = Participant.objects.filter(
                search_name=fold(full_name), date_of_birth=born, organisation=quota.organisation
            ).first()
            if person is None:
                if has_id and Participant.objects.filter(citizen_id=citizen_id).exists():
                    has_id = False  # a serial drawn twice; leave this one without
                person = Participant(
                    full_name=full_name,
                    gender="female" if female else "male",
                    date_of_birth=born,
                    ethnicity=ethnicities[group["code"]],
                    citizen_id=citizen_id if has_id else "",
                    phone=phone if has_phone else "",
                    position=position,
                    workplace=quota.organisation.name,
                    organisation=quota.organisation,
                    on_state_payroll=on_payroll,
                )
                person.full_clean()
                person.save()
                report.created += 1
            else:
                report.unchanged += 1
            if Nomination.objects.live().filter(training_class=klass, participant=person).exists():
                continue
            _enrol(klass, person, quota.organisation, quota.category, report, september=True)


def _enrol(
    klass: TrainingClass,
    person: Participant,
    organisation: Organisation,
    category: ParticipantCategory,
    report: SeedReport,
    *,
    september: bool = False,
) -> None:
    """An approved nomination and its enrollment, as a unit's nomination leaves them once
    the department has accepted it; `september`: nominated, sent and accepted in September
    of the class's year, as the plan's classes were (otherwise now)."""
    dates = {}
    if september:
        year = klass.start_date.year
        dates = {
            "created_at": timezone.make_aware(datetime.datetime(year, 9, 15, 9, 0)),
            "submitted_at": timezone.make_aware(datetime.datetime(year, 9, 20, 9, 0)),
            "decided_at": timezone.make_aware(datetime.datetime(year, 9, 25, 9, 0)),
        }
    nomination = Nomination.objects.create(
        training_class=klass,
        organisation=organisation,
        category=category,
        participant=person,
        state=NominationState.APPROVED,
        **dates,
    )
    Enrollment.for_nomination(
        nomination, **({"created_at": nomination.decided_at} if september else {})
    ).save()
    report.created += 2


def _seed_recipients(spec: dict, orgs: dict[str, Organisation], report: SeedReport) -> None:
    """Border posts and commune cultural houses: recipients of printed handbooks, picked
    in the distribution plan by their kind and flags."""
    groups = [
        ("border_posts", "DBP", "Đồn Biên phòng {}", "border_post", {"is_border": True}),
        ("cultural_houses", "NVH", "Nhà văn hóa xã {}", "cultural_house", {"is_region_iii": True}),
    ]
    for key, prefix, name, kind, flags in groups:
        n = 0
        for district, communes in spec[key].items():
            for commune in communes:
                n += 1
                report.upsert(
                    Organisation,
                    {"code": f"{prefix}{n:02d}", "valid_from": None},
                    {
                        "name": name.format(commune),
                        "kind": kind,
                        "parent": orgs[district],
                        "place": commune,
                        "can_nominate": False,
                        **flags,
                    },
                )


def _seed_certificate_settings(spec: dict, report: SeedReport) -> None:
    """Every class gets its certificate settings (organiser as issuer, the signer), once:
    what the demo user changes afterwards is kept."""

    for klass in TrainingClass.objects.select_related("organiser__parent"):
        settings = settings_for(klass)
        if settings.pk is not None:
            report.unchanged += 1
            continue
        settings.signer_title = spec["signer_title"]
        settings.signer_name = spec["signer_name"]
        # Letters of invitation go out two weeks ahead, signed under that date.
        settings.invitation_date = klass.start_date - datetime.timedelta(days=14)
        settings.save()
        report.created += 1


def _seed_invitations(klass: TrainingClass, report: SeedReport) -> None:
    """A held class had its invitation letters issued before it started: numbered from
    the organiser's register in name order, dated as its settings say (never the day the
    demo is loaded). Issued once; a second run finds them."""

    settings = settings_for(klass)
    issued_on = settings.invitation_date or klass.start_date - datetime.timedelta(days=14)
    enrollments = sorted_by_name(
        Enrollment.objects.filter(training_class=klass).select_related("participant"),
        name=lambda e: e.participant.full_name,
        born=lambda e: e.participant.date_of_birth,
    )
    for enrollment in enrollments:
        _invitation, created = invitation_register(enrollment=enrollment, issued_on=issued_on)
        if created:
            report.created += 1
        else:
            report.unchanged += 1


def _seed_attendance(klass: TrainingClass, report: SeedReport) -> None:
    """Attendance for a class the demo treats as already held: most people on time, some
    late, a few excused or absent, and a handful who missed enough sessions to fall below
    the certificate threshold. Decided by a hash of name and session, so every run (and
    every database) gives the same register. Sessions are closed as a trainer would."""

    enrollments = list(
        Enrollment.objects.filter(training_class=klass).select_related("participant")
    )
    sessions = list(klass.sessions.order_by("date", "start_time"))
    have = set(
        Attendance.objects.filter(session__training_class=klass).values_list(
            "enrollment_id", "session_id"
        )
    )
    rows = []
    for e in enrollments:
        person_roll = _roll(e.participant.full_name)
        for s in sessions:
            if (e.pk, s.pk) in have:
                continue
            roll = _roll(f"{e.participant.full_name}|{s.date}|{s.start_time}")
            start = timezone.make_aware(datetime.datetime.combine(s.date, s.start_time))
            # About 6 % of people are often away (no certificate); anyone may miss one.
            often_away = person_roll < 6 and roll < 45
            if often_away or roll < 3:
                status, at, reason = AttendanceStatus.ABSENT, None, ""
            elif roll < 6:
                status, at, reason = (
                    AttendanceStatus.EXCUSED,
                    None,
                    "Đi công tác theo lịch của đơn vị",
                )
            elif roll < 14:
                minutes = 16 + roll % 25
                status, at, reason = (
                    AttendanceStatus.LATE,
                    start + datetime.timedelta(minutes=minutes),
                    "",
                )
            else:
                minutes = 3 + roll % 20
                status, at, reason = (
                    AttendanceStatus.PRESENT,
                    start - datetime.timedelta(minutes=minutes),
                    "",
                )
            rows.append(
                Attendance(enrollment=e, session=s, status=status, first_scan_at=at, reason=reason)
            )
    Attendance.objects.bulk_create(rows)
    report.created += len(rows)
    for s in sessions:
        if s.closed_at is None:
            s.closed_at = timezone.make_aware(datetime.datetime.combine(s.date, s.end_time))
            s.save(update_fields=["closed_at"])


def _roll(text: str) -> int:
    """0–99 from a stable hash (Python's hash() changes between runs)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 100


def _seed_practice_class(
    spec: dict, plan: Plan, venues: dict, trainers: dict, report: SeedReport
) -> None:
    """A running class with sessions today, its people taken from a 2023 class. Run on
    another day, the class stretches to cover today and gets today's sessions; earlier
    practice sessions and their scans are kept."""

    today = timezone.localdate()
    source = TrainingClass.objects.get(code=spec["people_from"])
    klass = TrainingClass.objects.filter(code=spec["code"]).first()
    start, end = today, today
    if klass is not None:
        start, end = min(klass.start_date, today), max(klass.end_date, today)
    klass = report.upsert(
        TrainingClass,
        {"code": spec["code"]},
        {
            "title": spec["title"],
            "plan": plan,
            # Listed with the plan it belongs to, whatever day it is replayed on.
            "year": plan.year,
            "venue": venues[spec["venue"]],
            "start_date": start,
            "end_date": end,
            "capacity": spec["capacity"],
            "organiser": source.organiser,
            # Left out of the plan's figures, reports and certificate register.
            "is_practice": True,
            **({} if klass is not None else {"state": "running"}),
        },
    )
    for s in spec["sessions"]:
        session = report.upsert(
            Session,
            {"training_class": klass, "date": today, "start_time": _time(s["start_time"])},
            {"end_time": _time(s["end_time"]), "topic": s["topic"], "venue": klass.venue},
        )
        wanted = {trainers[key].pk for key in spec["trainers"]}
        if set(session.trainers.values_list("pk", flat=True)) != wanted:
            session.trainers.set(wanted)
    _keep_a_session_open(klass, spec, [trainers[key].pk for key in spec["trainers"]], report)
    people = Enrollment.objects.filter(training_class=source).select_related(
        "organisation", "category", "participant"
    )
    chosen = sorted(people, key=lambda e: e.pk)[: spec["people"]]
    seats: dict = {}
    for e in chosen:
        seats[(e.organisation_id, e.category_id)] = (
            seats.get((e.organisation_id, e.category_id), 0) + 1
        )
    for (org_id, cat_id), n in seats.items():
        report.upsert(
            Quota,
            {"training_class": klass, "organisation_id": org_id, "category_id": cat_id},
            {"seats": n},
        )
    for e in chosen:
        if Enrollment.objects.filter(training_class=klass, participant=e.participant).exists():
            report.unchanged += 1
            continue
        _enrol(klass, e.participant, e.organisation, e.category, report)


def _keep_a_session_open(
    klass: TrainingClass, spec: dict, trainer_ids: list[int], report: SeedReport
) -> None:
    """The README promises the scanner can be tried minutes after `make run`, at any hour:
    if none of the practice class's sessions is open for check-in now (by the model's own
    rule, Session.is_open_for_checkin), add one that is — from the start of this hour to
    two hours on, within today, shortened to fit beside the sessions already in the venue
    (the database refuses two sessions in one venue at a time)."""
    now = timezone.localtime()
    today = now.date()
    recent = klass.sessions.filter(date__gte=today - datetime.timedelta(days=1))
    if any(s.is_open_for_checkin(at=now) for s in recent):
        return
    start = now.replace(minute=0, second=0, microsecond=0)
    end = min(start + datetime.timedelta(hours=2), start.replace(hour=23, minute=59, second=59))
    session = Session(
        training_class=klass,
        date=today,
        start_time=start.time(),
        end_time=end.time(),
        topic=spec["anytime_topic"],
        venue=klass.venue,
    )
    for other in session.overlapping_sessions():
        if other.end_time <= now.time():
            session.start_time = max(session.start_time, other.end_time)
        else:
            session.end_time = min(session.end_time, other.start_time)
    if not (session.start_time < session.end_time and session.is_open_for_checkin(at=now)):
        # Someone's real session holds the hall right now; the demo does not take it.
        return
    session.full_clean()
    session.save()
    session.trainers.set(trainer_ids)
    report.created += 1
