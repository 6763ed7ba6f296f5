"""Synthetic data at the scale of a national roll-out, for benchmarks only."""

from __future__ import annotations

import datetime
import random

from django.db import transaction

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


@transaction.atomic
def generate(
    *, provinces: int, classes_per_province: int, units_per_province: int, seed: int = 1
) -> None:
    rng = random.Random(seed)
    categories = list(ParticipantCategory.objects.all())
    ministry = Organisation.objects.create(
        name="Bộ Thông tin và Truyền thông", code="BTTTT", kind="ministry"
    )
    for p in range(provinces):
        dept = Organisation.objects.create(
            name=f"Sở Thông tin và Truyền thông tỉnh {p:02d}",
            code=f"S{p:02d}",
            kind="department",
            parent=ministry,
        )
        units = Organisation.objects.bulk_create(
            Organisation(
                name=f"UBND huyện {p:02d}-{u:02d}",
                code=f"D{p:02d}{u:02d}",
                kind="district_ubnd",
                can_nominate=True,
            )
            for u in range(units_per_province)
        )
        plan = Plan.objects.create(title=f"Kế hoạch {p:02d}", year=2023, issued_by=dept)
        trainers = Trainer.objects.bulk_create(
            Trainer(full_name=f"Giảng Viên {p:02d} {t}") for t in range(4)
        )
        for c in range(classes_per_province):
            venue = Venue.objects.create(name=f"Hội trường {p:02d}-{c:02d}")
            start = datetime.date(2023, 1, 2) + datetime.timedelta(days=7 * c)
            klass = TrainingClass.objects.create(
                code=f"TTDN-{p:02d}-{c:02d}",
                title=f"Lớp {c}",
                plan=plan,
                year=2023,
                venue=venue,
                start_date=start,
                end_date=start + datetime.timedelta(days=2),
                capacity=90,
                organiser=dept,
                state="nominating",
            )
            sessions = Session.objects.bulk_create(
                Session(
                    training_class=klass,
                    date=start + datetime.timedelta(days=i // 2),
                    start_time=datetime.time(7, 30) if i % 2 == 0 else datetime.time(13, 30),
                    end_time=datetime.time(11) if i % 2 == 0 else datetime.time(17),
                    topic=f"Chuyên đề {i}",
                    venue=venue,
                )
                for i in range(6)
            )
            for s in sessions:
                s.trainers.add(rng.choice(trainers))
            seats = 90
            quotas = []
            for unit in rng.sample(units, k=min(6, len(units))):
                for cat in rng.sample(categories, k=2):
                    n = min(seats, rng.randint(3, 9))
                    if n:
                        quotas.append(
                            Quota(training_class=klass, organisation=unit, category=cat, seats=n)
                        )
                        seats -= n
            Quota.objects.bulk_create(quotas)
    User.objects.create_user("bench-coordinator", password="x", role=Role.COORDINATOR)
    first_unit = Organisation.objects.filter(kind="district_ubnd").first()
    User.objects.create_user(
        "bench-nominator", password="x", role=Role.NOMINATOR, organisation=first_unit
    )
