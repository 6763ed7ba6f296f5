"""Load seed data (organisations, venues, the plan, its classes, demo users) from JSON.

The data lives in `laichau_2023.json`, not in code. Loading is idempotent: each row is
looked up by its natural key and saved only if a value differs, so running it twice
changes nothing (and a password someone changed is never reset).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models

from accounts.models import User
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
                "kind": row["kind"],
                "gso_code": row.get("gso_code", ""),
                "parent": orgs[row["parent"]] if row.get("parent") else None,
                "valid_to": _date(row.get("valid_to")),
                "can_nominate": row.get("can_nominate", False),
                "is_border": row.get("is_border", False),
                "is_region_iii": row.get("is_region_iii", False),
            },
        )

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
                "state": row.get("state", "planning"),
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
        if row.get("trainer"):
            trainer = trainers[row["trainer"]]
            if trainer.user_id != user.pk:
                trainer.user = user
                trainer.save()
        unit = user.organisation.name if user.organisation else ""
        report.users.append((user.username, user.get_role_display(), unit))
    return report
