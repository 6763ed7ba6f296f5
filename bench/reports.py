"""Benchmark: the attendance reports over a national year (bench/generate_national.py).

Measured, in the coordinator's scope (everything visible):

* class matrix — `reports.queries.class_matrix` of one class (90 people × 6 sessions);
* unit summary — `reports.queries.unit_summary` over every class of the year;
* full-year export — `reports.exports.year_workbook`, the whole year as one .xlsx.

Floors, measured in the same run over the same rows (target: each report ≤ 2× its floor):

* class matrix: ONE hand-written SQL query returning (enrollment, person, unit, category,
  session, session closed?, status, valid certificate) for the class, then the same rows
  built in plain Python — statuses in session order, sessions attended (present/late,
  plus excused if the class counts it), sessions held (closed, or with anyone's mark),
  the person's rate over them, eligibility (decided only once every session is closed),
  Vietnamese name order. The bench checks the matrix has the same rows, statuses, rates,
  eligibility and certificates.
* unit summary: ONE hand-written SQL statement of GROUP BY aggregates per unit over the
  year's official classes — seats, live nominations, enrollments, people who attended at
  least once, valid certificates, sessions due (enrollments × their class's held
  sessions) and attended (the marks their class counts), and the enrollments and
  certificates of the classes whose attendance is final — then the unit names in
  Vietnamese order. The bench checks that every unit's numbers (and the totals) are
  equal: a fast wrong answer is not a result.
* full-year export: hand-written SQL producing the same rows — one per enrollment with
  its attendance counts and certificate, the absentees' missed sessions, and the
  per-class / per-unit / per-category aggregates — then written with openpyxl in
  write-only mode (the cheapest way to produce an .xlsx with it) as the same sheets with
  the same number of rows and of cells per row as the real workbook, which is read back
  with calamine (not timed) to get that shape. The cost of writing the xlsx is thereby in
  the floor: what is measured is everything the export adds to it.

Memory: the peak of Python allocations (tracemalloc) of one call of each report and of
its floor, and the process's peak RSS after it (getrusage; a high-water mark, so it only
grows), printed without a target. Timings are medians of 7 (matrix) or 3 runs.

Sizes: BENCH_NATIONAL_* (see bench/generate_national.py). The data goes into its own
year (BENCH_NATIONAL_YEAR, 2024), apart from the other benchmarks' 2023 classes.
`python -m bench.reports` runs this benchmark alone (BENCH_REPORTS_PROFILE=1 adds a
cProfile listing of each report that misses its target).
"""

from __future__ import annotations

import gc
import io
import os
import resource
import sys
import time
import tracemalloc

TARGET = 2.0
# The rules (attendees/rules.py) spelled out again by hand: the floors do not call them.
ATTENDED = ("present", "late")
EXCUSED = "excused"
LIVE_STATES = ("draft", "submitted", "approved", "returned")
# The words of attendees.rules (NOT_HELD, NOT_DECIDED): this module is imported before
# Django is set up, so they are spelled here and checked against the rules in run().
NOT_HELD = "chưa tổ chức"
NOT_DECIDED = "chưa xét"


# ---------------------------------------------------------------------------- helpers


def _memory(fn) -> tuple[float, float]:
    """(peak traced Python allocations, process peak RSS) in MB, for one call of fn."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return peak / 2**20, rss


def _print_memory(name: str, measured, floor) -> None:
    m_peak, m_rss = _memory(measured)
    f_peak, f_rss = _memory(floor)
    print(
        f"{'  memory: ' + name:<42} peak {m_peak:7.1f}MB (floor {f_peak:6.1f}MB),"
        f" max RSS {m_rss:6.0f}MB (after floor {f_rss:.0f}MB)"
    )


def _profile(name: str, fn) -> None:
    if not os.environ.get("BENCH_REPORTS_PROFILE"):
        return
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(fn)
    print(f"--- profile: {name}")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)


def _rows(sql: str, params) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# ---------------------------------------------------------------------------- rates


def _half_up(part: int, whole: int) -> float:
    """part/whole in percent, one decimal, rounded half up (in integers: no float ties)."""
    return ((2000 * part + whole) // (2 * whole)) / 10


def _rate(part: int, whole: int, threshold: int) -> float | str:
    """A person's rate: one decimal, rounded half up, but never up to the threshold;
    "chưa tổ chức" when nothing was held."""
    if not whole:
        return NOT_HELD
    rate = _half_up(part, whole)
    if part * 100 < threshold * whole and rate >= threshold:
        rate = (part * 1000 // whole) / 10
    return rate


def _group_rate(part: int, whole: int) -> float | str:
    """A class's, unit's or category's attendance rate: one decimal, rounded half up."""
    return _half_up(part, whole) if whole else NOT_HELD


# ---------------------------------------------------------------------------- class matrix

MATRIX_SQL = """
SELECT e.id, p.full_name, p.date_of_birth, o.name, cat.code, s.id, s.closed_at, a.status,
       cert.register_number, k.certificate_threshold, cs.excused_counts
FROM attendees_enrollment e
JOIN courses_trainingclass k ON k.id = e.training_class_id
JOIN attendees_participant p ON p.id = e.participant_id
JOIN courses_organisation o ON o.id = e.organisation_id
JOIN courses_participantcategory cat ON cat.id = e.category_id
LEFT JOIN courses_session s ON s.training_class_id = k.id
LEFT JOIN attendees_attendance a ON a.enrollment_id = e.id AND a.session_id = s.id
LEFT JOIN certificates_certificate cert
       ON cert.enrollment_id = e.id AND cert.revoked_at IS NULL
LEFT JOIN certificates_certificatesettings cs ON cs.training_class_id = k.id
WHERE e.training_class_id = %s
ORDER BY e.id, s.date, s.start_time
"""


def matrix_floor(class_id: int) -> list[tuple]:
    """(enrollment id, name, unit, category, statuses, attended, held, rate, eligible,
    certificate number) per person, in Vietnamese name order. A session is held when it
    is closed or anyone has a mark for it (every enrollment of the class is read: the
    coordinator sees them all); eligibility is None until every session is closed."""
    from courses.vietnamese import person_sort_key

    rows = _rows(MATRIX_SQL, [class_id])
    threshold, excused = (rows[0][9], rows[0][10]) if rows else (80, False)
    people: dict[int, list] = {}
    closed: dict[int, bool] = {}
    marked: set[int] = set()
    for eid, name, born, unit, cat, sid, closed_at, status, cert, _t, _e in rows:
        row = people.get(eid)
        if row is None:
            row = people[eid] = [eid, name, born, unit, cat, [], cert]
        if sid is not None:
            row[5].append(status)
            closed[sid] = closed_at is not None
            if status is not None:
                marked.add(sid)
    total = len(closed)
    held = sum(1 for sid, c in closed.items() if c or sid in marked)
    final = total > 0 and all(closed.values())
    counted = (*ATTENDED, EXCUSED) if excused else ATTENDED
    result = []
    for eid, name, born, unit, cat, statuses, cert in people.values():
        attended = sum(1 for s in statuses if s in counted)
        eligible = (attended * 100 >= threshold * total) if final else None
        rate = _rate(attended, held, threshold)
        result.append((eid, name, born, unit, cat, statuses, attended, held, rate, eligible, cert))
    result.sort(key=lambda r: (person_sort_key(r[1], r[2]), r[0]))
    return [(r[0], r[1], *r[3:]) for r in result]


def _check_matrix(matrix, floor: list[tuple]) -> None:
    got = [
        (
            r.enrollment_id,
            r.full_name,
            r.unit,
            r.category,
            r.statuses,
            r.attended,
            r.held,
            r.rate.cell,
            r.eligible,
            r.certificate_number,
        )
        for r in matrix.rows
    ]
    assert [r[0] for r in got] == [r[0] for r in floor], "matrix: name order differs"
    assert got == floor, "matrix: rows differ from the SQL floor"


# ---------------------------------------------------------------------------- unit summary

_LIVE = ", ".join(f"'{s}'" for s in LIVE_STATES)
_ATTENDED = ", ".join(f"'{s}'" for s in ATTENDED)

# The year's official classes (no practice class), each with its held sessions (closed,
# or with anyone's mark), whether its attendance is final (it has sessions, all closed)
# and whether an excused absence counts in it.
_CLASSES_CTE = """
cls AS (
    SELECT k.id, COALESCE(cs.excused_counts, FALSE) AS excused
    FROM courses_trainingclass k
    LEFT JOIN certificates_certificatesettings cs ON cs.training_class_id = k.id
    WHERE k.year = %s AND NOT k.is_practice),
per_class AS (
    SELECT s.training_class_id,
           SUM(CASE WHEN s.closed_at IS NOT NULL OR EXISTS (
                   SELECT 1 FROM attendees_attendance a WHERE a.session_id = s.id)
               THEN 1 ELSE 0 END) AS held,
           CASE WHEN COUNT(s.closed_at) = COUNT(*) THEN 1 ELSE 0 END AS final
    FROM courses_session s
    WHERE s.training_class_id IN (SELECT id FROM cls) GROUP BY s.training_class_id)
"""

SUMMARY_SQL = """
WITH {classes},
seats AS (
    SELECT {key} AS k, SUM(seats) AS n FROM courses_quota
    WHERE training_class_id IN (SELECT id FROM cls) GROUP BY {key}),
nominated AS (
    SELECT {key} AS k, COUNT(*) AS n FROM attendees_nomination
    WHERE training_class_id IN (SELECT id FROM cls) AND state IN ({live})
    GROUP BY {key}),
enrolled AS (
    SELECT e.{key} AS k, COUNT(*) AS n, SUM(COALESCE(pc.held, 0)) AS due,
           SUM(COALESCE(pc.final, 0)) AS final
    FROM attendees_enrollment e
    LEFT JOIN per_class pc ON pc.training_class_id = e.training_class_id
    WHERE e.training_class_id IN (SELECT id FROM cls) GROUP BY e.{key}),
present AS (
    SELECT e.{key} AS k, COUNT(DISTINCT a.enrollment_id) AS people, COUNT(*) AS sessions
    FROM attendees_attendance a
    JOIN attendees_enrollment e ON e.id = a.enrollment_id
    JOIN cls ON cls.id = e.training_class_id
    WHERE a.status IN ({attended}) OR (a.status = '{excused}' AND cls.excused)
    GROUP BY e.{key}),
certified AS (
    SELECT e.{key} AS k, COUNT(*) AS n, SUM(COALESCE(pc.final, 0)) AS final
    FROM certificates_certificate c
    JOIN attendees_enrollment e ON e.id = c.enrollment_id
    LEFT JOIN per_class pc ON pc.training_class_id = e.training_class_id
    WHERE e.training_class_id IN (SELECT id FROM cls) AND c.revoked_at IS NULL
    GROUP BY e.{key}),
keys AS (SELECT k FROM seats UNION SELECT k FROM nominated UNION SELECT k FROM enrolled)
SELECT o.id, {label}, COALESCE(seats.n, 0), COALESCE(nominated.n, 0),
       COALESCE(enrolled.n, 0), COALESCE(present.people, 0), COALESCE(certified.n, 0),
       COALESCE(enrolled.due, 0), COALESCE(present.sessions, 0),
       COALESCE(enrolled.final, 0), COALESCE(certified.final, 0)
FROM keys
JOIN {table} o ON o.id = keys.k
LEFT JOIN seats ON seats.k = o.id
LEFT JOIN nominated ON nominated.k = o.id
LEFT JOIN enrolled ON enrolled.k = o.id
LEFT JOIN present ON present.k = o.id
LEFT JOIN certified ON certified.k = o.id
"""
UNIT_SQL = SUMMARY_SQL.format(
    key="organisation_id",
    table="courses_organisation",
    label="o.name",
    classes=_CLASSES_CTE.strip(),
    live=_LIVE,
    attended=_ATTENDED,
    excused=EXCUSED,
)
CATEGORY_SQL = SUMMARY_SQL.format(
    key="category_id",
    table="courses_participantcategory",
    label="o.code || ') ' || o.name_vi",
    classes=_CLASSES_CTE.strip(),
    live=_LIVE,
    attended=_ATTENDED,
    excused=EXCUSED,
)

# The SummaryRow fields, in the order of the floor's columns after (id, label).
SUMMARY_FIELDS = (
    "seats",
    "nominated",
    "enrolled",
    "participants",
    "certified",
    "due_sessions",
    "attended_sessions",
    "final_enrolled",
    "final_certified",
)


def _summary_floor(sql: str, year: int) -> list[tuple]:
    return [tuple(int(v) if i > 1 else v for i, v in enumerate(r)) for r in _rows(sql, [year])]


def unit_floor(year: int) -> list[tuple]:
    """(unit id, name, *SUMMARY_FIELDS) per unit, in Vietnamese order of the names."""
    from courses.vietnamese import collation_key

    return sorted(_summary_floor(UNIT_SQL, year), key=lambda r: collation_key(r[1]))


def category_floor(year: int) -> list[tuple]:
    """The same per participant category ("a) …"), in the order of the codes."""
    return sorted(_summary_floor(CATEGORY_SQL, year), key=lambda r: r[1])


def _check_units(summary, floor: list[tuple]) -> None:
    got = [(r.key.pk, r.key.name, *(getattr(r, f) for f in SUMMARY_FIELDS)) for r in summary.rows]
    assert len(got) == len(floor), f"unit summary: {len(got)} units, floor {len(floor)}"
    by_unit = {r[0]: r for r in floor}
    for row in got:  # every unit (the brief asks for a few; all of them cost nothing)
        assert row == by_unit.get(row[0]), f"unit summary differs: {row} ≠ {by_unit.get(row[0])}"
    totals = tuple(sum(r[i] for r in floor) for i in range(2, 2 + len(SUMMARY_FIELDS)))
    assert totals == tuple(getattr(summary.total, f) for f in SUMMARY_FIELDS), "totals differ"
    assert [r[1] for r in got] == [r[1] for r in floor], "unit summary: order differs"


# ---------------------------------------------------------------------------- export

CLASSES_SQL = """
SELECT k.id, k.code, k.title, k.start_date, k.end_date, k.certificate_threshold,
       cs.excused_counts
FROM courses_trainingclass k
LEFT JOIN certificates_certificatesettings cs ON cs.training_class_id = k.id
WHERE k.year = %s AND NOT k.is_practice
ORDER BY k.start_date, k.code, k.id
"""

# Each session, whether it is closed and whether anyone has a mark for it.
SESSIONS_SQL = """
SELECT s.training_class_id, s.id, s.date, s.start_time, s.closed_at IS NOT NULL,
       EXISTS (SELECT 1 FROM attendees_attendance a WHERE a.session_id = s.id)
FROM courses_session s JOIN courses_trainingclass k ON k.id = s.training_class_id
WHERE k.year = %s AND NOT k.is_practice
ORDER BY s.training_class_id, s.date, s.start_time
"""

# One row per enrollment: the person, unit, category, valid certificate, and the sessions
# attended (present or late) and excused, counted by the database.
PEOPLE_SQL = f"""
WITH counts AS (
    SELECT a.enrollment_id,
           SUM(CASE WHEN a.status IN ({_ATTENDED}) THEN 1 ELSE 0 END) AS attended,
           SUM(CASE WHEN a.status = '{EXCUSED}' THEN 1 ELSE 0 END) AS excused
    FROM attendees_attendance a
    JOIN courses_session s ON s.id = a.session_id
    JOIN courses_trainingclass k ON k.id = s.training_class_id
    WHERE k.year = %s AND NOT k.is_practice
    GROUP BY a.enrollment_id)
SELECT e.training_class_id, e.id, p.full_name, p.date_of_birth, o.name, cat.code,
       cert.register_number, COALESCE(counts.attended, 0), COALESCE(counts.excused, 0)
FROM attendees_enrollment e
JOIN courses_trainingclass k ON k.id = e.training_class_id
JOIN attendees_participant p ON p.id = e.participant_id
JOIN courses_organisation o ON o.id = e.organisation_id
JOIN courses_participantcategory cat ON cat.id = e.category_id
LEFT JOIN counts ON counts.enrollment_id = e.id
LEFT JOIN certificates_certificate cert
       ON cert.enrollment_id = e.id AND cert.revoked_at IS NULL
WHERE k.year = %s AND NOT k.is_practice
ORDER BY e.training_class_id, e.id
"""  # noqa: S608 -- constants only; the year is a parameter

# The sessions each person missed (not present or late) among those that can be missed:
# closed, or over with a roll taken (anyone's mark).
MISSED_SQL = f"""
SELECT e.id, s.id, a.status
FROM attendees_enrollment e
JOIN courses_trainingclass k ON k.id = e.training_class_id
JOIN courses_session s ON s.training_class_id = k.id
LEFT JOIN attendees_attendance a ON a.enrollment_id = e.id AND a.session_id = s.id
WHERE k.year = %s AND NOT k.is_practice
  AND (a.status IS NULL OR a.status NOT IN ({_ATTENDED}))
  AND (s.closed_at IS NOT NULL
       OR ((s.date < %s OR (s.date = %s AND s.end_time <= %s))
           AND EXISTS (SELECT 1 FROM attendees_attendance r WHERE r.session_id = s.id)))
ORDER BY e.id, s.date, s.start_time
"""  # noqa: S608 -- constants only; the year and the time are parameters

YEAR_SHEETS = ("Theo lớp", "Theo đơn vị", "Theo đối tượng", "Danh sách học viên", "Vắng")


def _summary_rows(rows: list[tuple]) -> list[list]:
    """Summary sheet rows (numbered, then the totals) from unit_floor/category_floor rows:
    seats, nominated, enrolled, participants, certified, and the rate (attended / due)."""

    def values(r):
        return [r[2], r[3], r[4], r[5], r[6], _group_rate(r[8], r[7])]

    totals = [sum(r[i] for r in rows) for i in range(2, 2 + len(SUMMARY_FIELDS))]
    return [[n, r[1], *values(r)] for n, r in enumerate(rows, start=1)] + [
        [None, "Tổng cộng", *values([None, None, *totals])]
    ]


def export_floor(year: int, fileobj) -> int:
    """The full-year workbook's rows by hand-written SQL, written plainly write-only."""
    from django.db import connection
    from django.utils import timezone
    from openpyxl import Workbook

    from courses.vietnamese import collation_key, person_sort_key

    now = timezone.localtime()
    classes = _rows(CLASSES_SQL, [year])
    labels: dict[int, str] = {}
    n_sessions: dict[int, int] = {}
    n_held: dict[int, int] = {}
    n_open: dict[int, int] = {}
    for class_id, sid, date, start, closed, recorded in _rows(SESSIONS_SQL, [year]):
        labels[sid] = f"{date:%d/%m} {start:%H:%M}"
        n_sessions[class_id] = n_sessions.get(class_id, 0) + 1
        n_held[class_id] = n_held.get(class_id, 0) + bool(closed or recorded)
        n_open[class_id] = n_open.get(class_id, 0) + (not closed)
    missed: dict[int, list[str]] = {}
    ops = connection.ops
    today, clock = ops.adapt_datefield_value(now.date()), ops.adapt_timefield_value(now.time())
    for eid, sid, status in _rows(MISSED_SQL, [year, today, today, clock]):
        missed.setdefault(eid, []).append(labels[sid] + (" (P)" if status == EXCUSED else ""))
    people: dict[int, list[tuple]] = {}
    for row in _rows(PEOPLE_SQL, [year, year]):
        people.setdefault(row[0], []).append(row)

    book = Workbook(write_only=True)
    sheets = {name: book.create_sheet(title=name) for name in YEAR_SHEETS}
    headers = {
        "Theo lớp": ["STT", "Mã lớp", "Tên lớp", "Từ ngày", "Đến ngày", "Số buổi", "Đã tổ chức"],
        "Theo đơn vị": ["STT", "Đơn vị", "Chỉ tiêu", "Đã cử", "Được duyệt", "Có tham dự"],
        "Theo đối tượng": ["STT", "Đối tượng", "Chỉ tiêu", "Đã cử", "Được duyệt"],
        "Danh sách học viên": ["STT", "Mã lớp", "Họ và tên", "Đơn vị", "Đối tượng"],
        "Vắng": ["STT", "Mã lớp", "Đơn vị", "Họ và tên", "Buổi vắng", "Số buổi vắng"],
    }
    for name, sheet in sheets.items():
        sheet.append([f"{name} {year}"])
        sheet.append(headers[name])
    by_class, in_list, absent = sheets["Theo lớp"], sheets["Danh sách học viên"], sheets["Vắng"]
    for row in _summary_rows(unit_floor(year)):
        sheets["Theo đơn vị"].append(row)
    for row in _summary_rows(category_floor(year)):
        sheets["Theo đối tượng"].append(row)
    stt = absent_stt = 0
    # sessions, held sessions, enrolled, due, attended, certified
    totals = [0, 0, 0, 0, 0, 0]
    for n_class, (class_id, code, title, start, end, threshold, excused) in enumerate(
        classes, start=1
    ):
        total, held = n_sessions.get(class_id, 0), n_held.get(class_id, 0)
        final = total > 0 and not n_open.get(class_id, 0)
        group = people.get(class_id, [])
        group.sort(key=lambda r: (person_sort_key(r[2], r[3]), r[1]))
        absent_by_unit: dict[str, list] = {}
        class_attended = certified = 0
        for _cid, eid, name, _born, unit, category, number, attended, n_excused in group:
            counted = attended + (n_excused if excused else 0)
            class_attended += counted
            certified += number is not None
            stt += 1
            if final:
                eligible = "Có" if counted * 100 >= threshold * total else "Không"
            else:
                eligible = NOT_DECIDED
            in_list.append(
                [
                    stt,
                    code,
                    name,
                    unit,
                    category,
                    counted,
                    held,
                    _rate(counted, held, threshold),
                    eligible,
                    number or "",
                ]
            )
            if eid in missed:
                absent_by_unit.setdefault(unit, []).append((name, missed[eid]))
        for unit in sorted(absent_by_unit, key=collation_key):
            for name, sessions in absent_by_unit[unit]:
                absent_stt += 1
                absent.append(
                    [absent_stt, code, unit, name, ", ".join(sessions), len(sessions), total]
                )
        due = len(group) * held
        by_class.append(
            [
                n_class,
                code,
                title,
                start,
                end,
                total,
                held,
                len(group),
                _group_rate(class_attended, due),
                certified,
            ]
        )
        for i, v in enumerate((total, held, len(group), due, class_attended, certified)):
            totals[i] += v
    by_class.append(
        [
            None,
            "Tổng cộng",
            None,
            None,
            None,
            *totals[:3],
            _group_rate(totals[4], totals[3]),
            totals[5],
        ]
    )
    book.save(fileobj)
    return stt


def data_rows(content: bytes) -> dict[str, list[tuple]]:
    """Per sheet, the rows that hold data — numbered (STT first) or the totals — as read
    back by calamine, to compare the real workbook with the floor's (not timed)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    out = {}
    for name in book.sheet_names:
        rows = []
        for row in book.get_sheet_by_name(name).to_python():
            cells = [c for c in row if c not in ("", None)]
            if not cells:
                continue
            numbered = isinstance(row[0], int | float) and not isinstance(row[0], bool)
            if numbered or "Tổng cộng" in row[:2]:
                rows.append(tuple(cells))
        out[name] = rows
    return out


def _check_export(real: bytes, floor: bytes) -> dict[str, int]:
    got, want = data_rows(real), data_rows(floor)
    assert list(got) == list(want), f"export: sheets {list(got)} ≠ floor {list(want)}"
    for name in got:
        assert len(got[name]) == len(want[name]), (
            f"export, {name}: {len(got[name])} rows, floor {len(want[name])}"
        )
        for a, b in zip(got[name], want[name], strict=True):
            # Exactly: the floor rounds rates as the rules do (half up, never up to the
            # threshold), so a rate one tenth off is a wrong answer too.
            assert a == b, f"export, {name}: {a} ≠ floor {b}"
    return {name: len(rows) for name, rows in got.items()}


# ---------------------------------------------------------------------------- the benchmark


def _wait_for_exports(seconds: float) -> bool:
    """reports/exports.py is being written alongside this benchmark: wait for it."""
    import importlib

    deadline = time.monotonic() + seconds
    while True:
        try:
            importlib.import_module("reports.exports").year_workbook  # noqa: B018
            return True
        except (ImportError, AttributeError):
            if time.monotonic() > deadline:
                return False
            time.sleep(5)


def run(median, report) -> bool:
    from accounts.models import User
    from attendees import rules
    from attendees.models import Enrollment
    from bench.generate_national import generate_national, sizes_from_env
    from courses.models import TrainingClass
    from reports.queries import class_matrix, classes_for_year, unit_summary

    assert (NOT_HELD, NOT_DECIDED) == (rules.NOT_HELD, rules.NOT_DECIDED), "words differ"
    sizes = sizes_from_env()
    year = sizes["year"]
    generate_national(**sizes)
    coordinator = User.objects.get(username="bench-coordinator")
    ok = True

    # One class of the first province: held early in the year, so with certificates.
    klass = TrainingClass.objects.get(code=f"VN{year}-00-00")

    def matrix():
        return class_matrix(klass, Enrollment.objects.visible_to(coordinator))

    def matrix_sql():
        return matrix_floor(klass.pk)

    _check_matrix(matrix(), matrix_sql())
    n = klass.enrollments.count()
    t, f = median(matrix), median(matrix_sql)
    passed = report(f"class matrix ({n} people), coordinator", t, f, TARGET)
    _print_memory("class matrix", matrix, matrix_sql)
    if not passed:
        _profile("class matrix", matrix)
    ok &= passed

    def units():
        return unit_summary(classes_for_year(year, coordinator), coordinator)

    def units_sql():
        return unit_floor(year)

    _check_units(units(), units_sql())
    enrolled = Enrollment.objects.filter(training_class__year=year).count()
    t, f = median(units, repeat=3), median(units_sql, repeat=3)
    passed = report(f"unit summary, year of {enrolled:,} people", t, f, TARGET)
    _print_memory("unit summary", units, units_sql)
    if not passed:
        _profile("unit summary", units)
    ok &= passed

    if not _wait_for_exports(float(os.environ.get("BENCH_REPORTS_WAIT", "0"))):
        print(f"{'full-year export':<42} reports.exports.year_workbook missing: FAIL")
        return False
    from reports.exports import year_workbook

    def export() -> bytes:
        out = io.BytesIO()
        year_workbook(year, coordinator, out)
        return out.getvalue()

    def export_sql() -> bytes:
        out = io.BytesIO()
        export_floor(year, out)
        return out.getvalue()

    counts = _check_export(export(), export_sql())
    t, f = median(export, repeat=3), median(export_sql, repeat=3)
    sheets = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    print(f"  export rows checked against the floor: {sheets}")
    passed = report(f"full-year export ({sum(counts.values()):,} rows)", t, f, TARGET)
    _print_memory("full-year export", export, export_sql)
    if not passed:
        _profile("full-year export", export)
    return ok & passed


def main() -> int:
    """This benchmark alone, on the same kind of database as `python -m bench`."""
    from bench.timing import run_alone

    return run_alone(run)


if __name__ == "__main__":
    sys.exit(main())
