"""A national year of training, for the reports benchmark (bench/reports.py) only.

Default size: 60 provinces × 20 classes × 90 participants × 6 sessions — 1,200 classes,
7,200 sessions, ~110,000 people, nominations and enrollments, ~650,000 attendance rows
(85 % present, 6 % late, 3 % excused, 6 % absent) and certificates for the eligible
people of the classes held in the first 60 % of the year (a few revoked).

Speed: the small tables (organisations, classes, sessions, quotas) go through
bulk_create, so the database triggers on sessions and quotas check every row as usual;
the big ones (people, nominations, enrollments, attendance, certificates) are written
with explicit primary keys by one `executemany` (SQLite) or `COPY` (PostgreSQL) per
table, after which the PostgreSQL sequences are moved past them. Each class has its own
venue (so no two sessions share a room), and its quotas add up to exactly its capacity.

Sizes come from the arguments, or from the environment through `sizes_from_env()`:
BENCH_NATIONAL_PROVINCES (60), BENCH_NATIONAL_CLASSES (per province, 20),
BENCH_NATIONAL_PARTICIPANTS (per class, 90), BENCH_NATIONAL_SESSIONS (per class, 6),
BENCH_NATIONAL_UNITS (per province, 10), BENCH_NATIONAL_YEAR.
"""

from __future__ import annotations

import datetime
import itertools
import os
import random
import time
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Role, User
from attendees.models import (
    Attendance,
    Enrollment,
    Ethnicity,
    Nomination,
    NominationState,
    Participant,
)
from certificates.models import CODE_ALPHABET, CODE_LENGTH, Certificate, RegisterSeries
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
from courses.vietnamese import fold, person_sort_key

FAMILIES = (
    ["Nguyễn"] * 8
    + ["Trần"] * 3
    + ["Lê"] * 2
    + [
        "Phạm",
        "Hoàng",
        "Vũ",
        "Đặng",
        "Bùi",
        "Đỗ",
        "Lò",
        "Tòng",
        "Vàng",
        "Giàng",
        "Lý",
        "Sùng",
        "Hà",
        "Đinh",
        "Quàng",
    ]
)
MIDDLES_M = ["Văn", "Đức", "Minh", "Quang", "A", "Seo", "Hữu", "Công"]
MIDDLES_F = ["Thị", "Thu", "Ngọc", "Thị Thu", "Mỹ", "Thị Hồng"]
GIVENS = [
    "Pành",
    "Hường",
    "Ánh",
    "Sử",
    "Dợ",
    "Ân",
    "Ăn",
    "Dũng",
    "Mỷ",
    "Xuân",
    "Ơn",
    "Ửng",
    "Anh",
    "Bình",
    "Chiến",
    "Dương",
    "Đạt",
    "Giang",
    "Hải",
    "Hoa",
    "Khánh",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phương",
    "Quân",
    "Sơn",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vân",
    "Yến",
]
PLACES = ["Mường", "Sìn", "Tam", "Phong", "Than", "Nậm", "Bắc", "Đồng", "Ân", "Ơn", "Yên", "Ba"]

# (status, cumulative probability): 85 % present, 6 % late, 3 % excused, 6 % absent.
STATUS_MIX = (("present", 0.85), ("late", 0.91), ("excused", 0.94), ("absent", 1.0))
ATTENDED = {"present", "late"}
CERTIFIED_SHARE = 0.6  # classes held in the first 60 % of the year have their certificates
REVOKE_EVERY = 250  # every 250th certificate issued was revoked (with a reason)


def sizes_from_env() -> dict[str, int]:
    """The generator's sizes from BENCH_NATIONAL_* (the defaults: a national year)."""

    def env(name: str, default: int) -> int:
        return int(os.environ.get(f"BENCH_NATIONAL_{name}", default))

    return {
        "provinces": env("PROVINCES", 60),
        "classes_per_province": env("CLASSES", 20),
        "participants_per_class": env("PARTICIPANTS", 90),
        "sessions_per_class": env("SESSIONS", 6),
        "units_per_province": env("UNITS", 10),
        "year": env("YEAR", 2024),
    }


def _insert(model, fields: list[str], rows: Iterable[tuple]) -> int:
    """Write `rows` (values in `fields` order, ready for the database) into the model's
    table: COPY on PostgreSQL, one executemany on SQLite. Every concrete field must be
    given, so a new NOT NULL column fails here rather than half-way through a COPY."""
    meta = model._meta
    missing = {f.name for f in meta.concrete_fields} - set(fields)
    assert not missing, f"{meta.label}: no value for {sorted(missing)}"
    qn = connection.ops.quote_name
    columns = ", ".join(qn(meta.get_field(name).column) for name in fields)
    count = 0

    def counted() -> Iterator[tuple]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in counted():
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 -- names from the model, values are parameters
            cursor.executemany(sql, counted())
    return count


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` as `parts` positive integers."""
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, total]
    return [b - a for a, b in itertools.pairwise(bounds)]


def generate_national(
    provinces: int = 60,
    classes_per_province: int = 20,
    participants_per_class: int = 90,
    sessions_per_class: int = 6,
    units_per_province: int = 10,
    year: int = 2023,
    seed: int = 2023,
) -> dict[str, int]:
    """Create the year; return the row counts per table (and print them)."""
    started = time.perf_counter()
    with transaction.atomic():
        counts = _generate(
            provinces,
            classes_per_province,
            participants_per_class,
            sessions_per_class,
            units_per_province,
            year,
            seed,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum would soon after a load this size: plans need statistics.
            cursor.execute("ANALYZE")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    print(
        "national data: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items() if k != "seconds")
        + f" ({connection.vendor}, generated in {counts['seconds']} s)"
    )
    return counts


def _generate(
    provinces: int,
    classes_per_province: int,
    participants_per_class: int,
    sessions_per_class: int,
    units_per_province: int,
    year: int,
    seed: int,
) -> dict[str, int]:
    rng = random.Random(seed)
    ops = connection.ops
    dt = ops.adapt_datetimefield_value
    d = ops.adapt_datefield_value
    categories = list(ParticipantCategory.objects.order_by("code"))
    ethnicities = list(Ethnicity.objects.values_list("pk", flat=True)) or [None]
    kinh = Ethnicity.objects.filter(name="Kinh").values_list("pk", flat=True).first()
    now = timezone.now()
    tag = f"VN{year}"

    # -------------------------------------------------------------- the small tables
    ministry = Organisation.objects.create(
        name="Bộ Thông tin và Truyền thông", code=f"{tag}-BTTTT", kind="ministry"
    )
    depts = Organisation.objects.bulk_create(
        Organisation(
            name=f"Sở Thông tin và Truyền thông tỉnh {PLACES[p % len(PLACES)]} {p:02d}",
            short_name=f"STTTT{p:02d}",
            code=f"{tag}-S{p:02d}",
            kind="department",
            parent=ministry,
            place=f"{PLACES[p % len(PLACES)]} {p:02d}",
        )
        for p in range(provinces)
    )
    units_all = Organisation.objects.bulk_create(
        Organisation(
            name=f"UBND huyện {PLACES[(p + u) % len(PLACES)]} {p:02d}-{u:02d}",
            code=f"{tag}-D{p:02d}{u:02d}",
            kind="district_ubnd",
            can_nominate=True,
            parent=depts[p],
        )
        for p in range(provinces)
        for u in range(units_per_province)
    )
    plans = Plan.objects.bulk_create(
        Plan(title=f"Kế hoạch bồi dưỡng năm {year}", year=year, issued_by=dept) for dept in depts
    )
    trainers = Trainer.objects.bulk_create(
        Trainer(full_name=f"Giảng Viên {p:02d} {t}") for p in range(provinces) for t in range(4)
    )
    venues = Venue.objects.bulk_create(
        Venue(name=f"Hội trường {tag} {p:02d}-{c:02d}", seats=participants_per_class)
        for p in range(provinces)
        for c in range(classes_per_province)
    )
    days = (sessions_per_class + 1) // 2
    span = max(1, 360 - days)
    classes: list[TrainingClass] = []
    for p in range(provinces):
        for c in range(classes_per_province):
            start = datetime.date(year, 1, 2) + datetime.timedelta(
                days=c * span // classes_per_province
            )
            classes.append(
                TrainingClass(
                    code=f"{tag}-{p:02d}-{c:02d}",
                    title=f"Bồi dưỡng kỹ năng chuyển đổi số, lớp {c + 1}",
                    plan=plans[p],
                    year=year,
                    venue=venues[p * classes_per_province + c],
                    start_date=start,
                    end_date=start + datetime.timedelta(days=days - 1),
                    capacity=participants_per_class,
                    organiser=depts[p],
                    state="closed",
                )
            )
    classes = TrainingClass.objects.bulk_create(classes, batch_size=500)
    sessions = Session.objects.bulk_create(
        (
            Session(
                training_class=k,
                date=k.start_date + datetime.timedelta(days=i // 2),
                start_time=datetime.time(7, 30) if i % 2 == 0 else datetime.time(13, 30),
                end_time=datetime.time(11) if i % 2 == 0 else datetime.time(17),
                topic=f"Chuyên đề {i + 1}",
                venue=k.venue,
                closed_at=timezone.make_aware(
                    datetime.datetime.combine(
                        k.start_date + datetime.timedelta(days=i // 2), datetime.time(18)
                    )
                ),
            )
            for k in classes
            for i in range(sessions_per_class)
        ),
        batch_size=500,
    )
    Session.trainers.through.objects.bulk_create(
        (
            Session.trainers.through(
                session=s, trainer=trainers[4 * (i // (classes_per_province * sessions_per_class))]
            )
            for i, s in enumerate(sessions)
        ),
        batch_size=1000,
    )
    sessions_of: dict[int, list[Session]] = {}
    for s in sessions:
        sessions_of.setdefault(s.training_class_id, []).append(s)
    quotas: list[Quota] = []
    for index, k in enumerate(classes):
        p = index // classes_per_province
        units = units_all[p * units_per_province : (p + 1) * units_per_province]
        pairs = [
            (unit, cat)
            for unit in rng.sample(units, k=min(6, len(units)))
            for cat in rng.sample(categories, k=min(2, len(categories)))
        ][:participants_per_class]
        for (unit, cat), seats in zip(
            pairs, _split(participants_per_class, len(pairs), rng), strict=True
        ):
            quotas.append(Quota(training_class=k, organisation=unit, category=cat, seats=seats))
    Quota.objects.bulk_create(quotas, batch_size=1000)
    series = {
        s.issuer_id: s
        for s in RegisterSeries.objects.bulk_create(
            RegisterSeries(issuer=dept, year=year) for dept in depts
        )
    }

    # -------------------------------------------------------------- the big tables
    people: list[tuple] = []
    nominations: list[tuple] = []
    enrollments: list[tuple] = []
    attendance_plan: list[tuple[int, list[Session], list[tuple[int, str]]]] = []
    certificates: list[tuple] = []
    person_id, nomination_id, enrollment_id = (
        _next_id(Participant),
        _next_id(Nomination),
        _next_id(Enrollment),
    )
    certificate_id = _next_id(Certificate)
    folded: dict[str, str] = {}
    sort_keys: dict[tuple, tuple] = {}
    created = dt(now)
    template = settings.CERTIFICATE_NUMBER_FORMAT
    numbers = dict.fromkeys(series, 0)
    unit_names = {u.pk: u.name for u in units_all}
    quotas_of: dict[int, list[Quota]] = {}
    for q in quotas:
        quotas_of.setdefault(q.training_class_id, []).append(q)

    def person(unit_id: int) -> tuple[int, str, str, datetime.date]:
        nonlocal person_id
        female = rng.random() < 0.5
        name = (
            f"{rng.choice(FAMILIES)} {rng.choice(MIDDLES_F if female else MIDDLES_M)}"
            f" {rng.choice(GIVENS)}"
        )
        if name not in folded:
            folded[name] = fold(name)
        born = datetime.date(1965 + rng.randrange(36), 1 + rng.randrange(12), 1 + rng.randrange(28))
        people.append(
            (
                person_id,
                name,
                folded[name],
                "female" if female else "male",
                d(born),
                kinh if rng.random() < 0.5 and kinh else rng.choice(ethnicities),
                "",
                "",
                "Chuyên viên",
                "",
                unit_id,
                rng.random() < 0.8,
                born.year,
                None,
                created,
                created,
                None,  # not held as a possible duplicate
                None,
                None,
            )
        )
        person_id += 1
        return person_id - 1, name, "Bà" if female else "Ông", born

    for index, k in enumerate(classes):
        dept = depts[index // classes_per_province]
        decided = dt(timezone.make_aware(datetime.datetime.combine(k.start_date, datetime.time())))
        class_sessions = sessions_of[k.pk]
        enrolled: list[tuple[int, str]] = []  # (enrollment id, statuses as letters)
        issued: list[tuple] = []
        for q in quotas_of[k.pk]:
            for _ in range(q.seats):
                pid, name, honorific, born = person(q.organisation_id)
                nominations.append(
                    (
                        nomination_id,
                        k.pk,
                        q.organisation_id,
                        q.category_id,
                        pid,
                        NominationState.APPROVED,
                        "",
                        None,
                        None,
                        decided,
                        decided,
                        decided,
                        None,
                    )
                )
                enrollments.append(
                    (
                        enrollment_id,
                        nomination_id,
                        k.pk,
                        pid,
                        q.organisation_id,
                        q.category_id,
                        decided,
                        f"{rng.getrandbits(128):032x}",
                        f"{rng.getrandbits(128):032x}",  # the personal link's code
                        "",  # no final assessment
                        None,
                    )
                )
                statuses = []
                for _s in class_sessions:
                    r = rng.random()
                    statuses.append(next(st for st, cum in STATUS_MIX if r < cum))
                enrolled.append((enrollment_id, "".join(st[0] for st in statuses)))
                attended = sum(1 for st in statuses if st in ATTENDED)
                if (
                    index % classes_per_province < CERTIFIED_SHARE * classes_per_province
                    and attended * 100 >= k.certificate_threshold * len(class_sessions)
                ):
                    issued.append((name, enrollment_id, honorific, born, q.organisation_id))
                nomination_id += 1
                enrollment_id += 1
        # Nominations that did not become enrollments: one withdrawn in every class, one
        # returned to its unit in every third (a live state: counted as nominated).
        extras = [(NominationState.WITHDRAWN, "")]
        if index % 3 == 0:
            extras.append((NominationState.RETURNED, "Thiếu số CCCD"))
        for state, reason in extras:
            q = quotas_of[k.pk][0]
            pid, *_rest = person(q.organisation_id)
            nominations.append(
                (
                    nomination_id,
                    k.pk,
                    q.organisation_id,
                    q.category_id,
                    pid,
                    state,
                    reason,
                    None,
                    None,
                    decided,
                    decided,
                    decided,
                    None,
                )
            )
            nomination_id += 1
        attendance_plan.append((k.pk, class_sessions, enrolled))
        # Certificates in the register in Vietnamese name order, as the issuing job does.
        for named in {(i[0], i[3]) for i in issued} - sort_keys.keys():
            sort_keys[named] = person_sort_key(*named)
        issued.sort(key=lambda i: (sort_keys[i[0], i[3]], i[1]))  # namesakes: by birth
        issued_at = dt(
            timezone.make_aware(datetime.datetime.combine(k.end_date, datetime.time(17)))
        )
        for name, eid, honorific, born, unit_id in issued:
            numbers[dept.pk] += 1
            number = numbers[dept.pk]
            revoked = certificate_id % REVOKE_EVERY == 0
            certificates.append(
                (
                    certificate_id,
                    eid,
                    k.pk,
                    series[dept.pk].pk,
                    number,
                    template.format(number=number, short_name=dept.short_name, year=year),
                    "".join(rng.choices(CODE_ALPHABET, k=CODE_LENGTH)),
                    honorific,
                    name,
                    d(born),
                    born.year,
                    unit_names[unit_id],
                    k.title,
                    d(k.start_date),
                    d(k.end_date),
                    k.venue.name,
                    ministry.name,
                    dept.name,
                    dept.place,
                    d(k.end_date),
                    "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC",
                    "Nguyễn Văn Ký",
                    issued_at,
                    None,
                    issued_at if revoked else None,
                    None,
                    "Cấp nhầm thông tin" if revoked else "",
                    None,
                )
            )
            certificate_id += 1

    # Not inside the generator: the COPY holds the connection, and a query made while
    # it runs would wait for it forever.
    first_attendance_id = _next_id(Attendance)

    def attendance_rows() -> Iterator[tuple]:
        row_id = first_attendance_id
        full = {"p": "present", "l": "late", "e": "excused", "a": "absent"}
        for _k, class_sessions, enrolled in attendance_plan:
            per_session = []
            for s in class_sessions:
                start = timezone.make_aware(datetime.datetime.combine(s.date, s.start_time))
                scans = {
                    "p": dt(start - datetime.timedelta(minutes=10)),
                    "l": dt(start + datetime.timedelta(minutes=25)),
                    "e": None,
                    "a": None,
                }
                updated = dt(s.closed_at)
                per_session.append((s.pk, scans, updated))
            for eid, letters in enrolled:
                for (sid, scans, updated), letter in zip(per_session, letters, strict=True):
                    yield (
                        row_id,
                        eid,
                        sid,
                        full[letter],
                        scans[letter],
                        "Ốm, có giấy xin phép" if letter == "e" else "",
                        updated,
                        None,
                    )
                    row_id += 1

    counts = {
        "organisations": len(depts) + len(units_all) + 1,
        "classes": len(classes),
        "sessions": len(sessions),
        "quotas": len(quotas),
    }
    counts["participants"] = _insert(
        Participant,
        [
            "id",
            "full_name",
            "search_name",
            "gender",
            "date_of_birth",
            "ethnicity",
            "citizen_id",
            "phone",
            "position",
            "workplace",
            "organisation",
            "on_state_payroll",
            "birth_year",
            "erased_at",
            "created_at",
            "updated_at",
            "possible_duplicate_of",
            "held_at",
            "held_by",
        ],
        people,
    )
    counts["nominations"] = _insert(
        Nomination,
        [
            "id",
            "training_class",
            "organisation",
            "category",
            "participant",
            "state",
            "return_reason",
            "substitute_for",
            "created_by",
            "created_at",
            "submitted_at",
            "decided_at",
            "decided_by",
        ],
        nominations,
    )
    counts["enrollments"] = _insert(
        Enrollment,
        [
            "id",
            "nomination",
            "training_class",
            "participant",
            "organisation",
            "category",
            "created_at",
            "badge_token",
            "page_token",
            "assessment",
            "score",
        ],
        enrollments,
    )
    counts["attendance"] = _insert(
        Attendance,
        [
            "id",
            "enrollment",
            "session",
            "status",
            "first_scan_at",
            "reason",
            "updated_at",
            "updated_by",
        ],
        attendance_rows(),
    )
    counts["certificates"] = _insert(
        Certificate,
        [
            "id",
            "enrollment",
            "training_class",
            "series",
            "number",
            "register_number",
            "code",
            "honorific",
            "full_name",
            "date_of_birth",
            "birth_year",
            "unit_name",
            "class_title",
            "start_date",
            "end_date",
            "venue",
            "parent_body",
            "issuing_body",
            "issue_place",
            "issued_on",
            "signer_title",
            "signer_name",
            "issued_at",
            "issued_by",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
            "replaces",
        ],
        certificates,
    )
    for issuer_id, last in numbers.items():
        RegisterSeries.objects.filter(pk=series[issuer_id].pk).update(last_number=last)
    if connection.vendor == "postgresql":
        models = [Participant, Nomination, Enrollment, Attendance, Certificate]
        with connection.cursor() as cursor:
            for sql in ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    if not User.objects.filter(username="bench-coordinator").exists():
        User.objects.create_user("bench-coordinator", password="x", role=Role.COORDINATOR)
    return counts
