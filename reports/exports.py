"""Attendance reports as files the department sends upward as they are: one class's
workbook (matrix, per unit, per category, absentees), the same views as CSV and as an
official Decree 30 PDF, and the full-year workbook of the province.

Every view is first built as a :class:`Table` (title block, columns, rows of real values,
a totals row, notes) and then drawn by one of three writers, so the sheet, the CSV and the
PDF of a view can never disagree. Values stay typed until the last moment: ``int``,
``float`` (percentages, one decimal), ``datetime.date`` and ``str``; the workbook keeps
them as numbers and dates (so the recipient can sum and filter), the CSV and the PDF
print them.

Scope is the reader's: every read goes through ``reports.queries`` or
``Enrollment.objects.visible_to(user)``, so a unit's officer only ever gets its own people.

Usage::

    class_workbook(klass, request.user)                 # bytes (.xlsx)
    class_csv(klass, request.user, "units")             # str, UTF-8 BOM first
    class_pdf(klass, request.user, "matrix")            # bytes (A4, landscape for the matrix)
    with open("nam-2023.xlsx", "wb") as out:
        year_workbook(2023, user, out, on_progress=lambda done, total: ...)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import IO, TYPE_CHECKING, Any

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Length
from django.utils import timezone

from attendees.models import Attendance, AttendanceStatus, Enrollment
from attendees.rules import (
    ATTENDED,
    FAILED,
    NO_REQUIREMENT,
    NOT_DECIDED,
    NOT_HELD,
    PASSED,
    AssessmentRequirement,
    Requirement,
    Tally,
    can_be_missed,
    counted_in,
    counted_statuses,
    eligible,
    excused_counting,
    is_final,
    is_held,
    person_rate,
    requirements,
    vn_score,
    with_recorded,
)
from certificates.models import Certificate
from core.documents.spreadsheet import year_issuer
from core.documents.tables import (
    Col,
    SheetWriter,
    SignerName,
    Table,
    new_workbook,
    save_workbook,
    table_csv,
    table_pdf,
    tables_xlsx,
    write_sheet,
)
from courses.models import ParticipantCategory, Session, TrainingClass
from courses.vietnamese import collation_key, sorted_by_name
from reports.queries import (
    MatrixRow,
    Summary,
    SummaryRow,
    absentees,
    category_summary,
    class_matrix,
    classes_for_year,
    unit_summary,
)

if TYPE_CHECKING:
    from accounts.models import User

VIEWS = ("matrix", "units", "categories", "absentees")

# Short codes in the matrix, as on the paper registers the trainers keep.
STATUS_CODES = {
    AttendanceStatus.PRESENT: "x",
    AttendanceStatus.LATE: "M",
    AttendanceStatus.EXCUSED: "P",
    AttendanceStatus.ABSENT: "V",
}
LEGEND = (
    "Ký hiệu: x – có mặt; M – đi muộn (có mặt); P – vắng có phép; V – vắng không phép; "
    "ô trống – chưa điểm danh."
)

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------------- tables


def _session_label(session: Session) -> str:
    return f"{session.date:%d/%m} {session.start_time:%H:%M}"


def _missed_text(missed: Iterable[tuple[Session, str | None]]) -> str:
    """'10/10 07:30, 11/10 13:30 (P)': the sessions missed, excused ones marked."""
    return ", ".join(
        _session_label(s) + (" (P)" if status == AttendanceStatus.EXCUSED else "")
        for s, status in missed
    )


def _category_label(category: ParticipantCategory) -> str:
    # Always the Vietnamese name: the file goes to Vietnamese authorities, whatever
    # language the person who made it reads the site in.
    return f"{category.code}) {category.name_vi}"


PRACTICE_LINE = "Lớp thực hành (làm quen với phần mềm): không tính vào báo cáo, số liệu chính thức"


def _scope_line(user: User) -> str | None:
    """A unit's officer gets a partial view; the document must say so."""
    if user.is_nominator and not user.can_view_all_classes and user.organisation_id:
        return f"Đơn vị: {user.organisation.name} (chỉ gồm học viên của đơn vị)"
    return None


def _class_subtitle(klass: TrainingClass, user: User) -> list[str]:
    lines = [
        f"Lớp: {klass.title} (mã lớp {klass.code})",
        f"Thời gian: từ ngày {klass.start_date:%d/%m/%Y} đến ngày {klass.end_date:%d/%m/%Y}"
        f"; địa điểm: {klass.venue}",
    ]
    if klass.is_practice:
        # Its own sheets stay useful to whoever practised, but must not pass for official.
        lines.append(PRACTICE_LINE)
    scope = _scope_line(user)
    if scope:
        lines.append(scope)
    return lines


def _one(klass: TrainingClass) -> QuerySet[TrainingClass]:
    return TrainingClass.objects.filter(pk=klass.pk)


# ---------------------------------------------------------------------------- one class


def _assessment_condition(requirement: Requirement) -> str:
    """The final-assessment half of the eligibility note, as documents word it."""
    if requirement.kind == AssessmentRequirement.PASSED:
        return " và đạt đánh giá cuối khóa"
    if requirement.kind == AssessmentRequirement.SCORE:
        return f" và có điểm đánh giá cuối khóa từ {vn_score(requirement.min_score)} trở lên"
    return ""


def _assessment_column(requirement: Requirement) -> Col:
    if requirement.kind == AssessmentRequirement.SCORE:
        return Col("Điểm đánh giá cuối khóa", "rate", 9, short="Điểm cuối khóa")
    return Col("Đánh giá cuối khóa", "code", 9, short="Đánh giá")


def _assessment_cell(row: MatrixRow) -> float | str | None:
    if row.requirement.kind == AssessmentRequirement.SCORE:
        return None if row.score is None else float(row.score)
    return {PASSED: "Đạt", FAILED: "Không đạt"}.get(row.assessment, "")


def _matrix_table(klass: TrainingClass, user: User) -> Table:
    matrix = class_matrix(klass, Enrollment.objects.visible_to(user))
    sessions = matrix.sessions
    excused_counts = AttendanceStatus.EXCUSED in counted_in(klass)
    assessed = matrix.requirement.enabled
    columns = [
        Col("STT", "int", 5),
        Col("Họ và tên", "text", 22),
        Col("Đơn vị", "text", 24),
        Col("Đối tượng", "code", 9, short="ĐT"),
        *(
            Col(
                _session_label(s),
                "code",
                7,
                note=s.topic,
                short=f"{s.date:%d/%m}\n{s.start_time:%H:%M}",
                number=i,
            )
            for i, s in enumerate(sessions, start=1)
        ),
        Col("Số buổi dự", "int", 8),
        Col("Tỷ lệ (%)", "rate", 8),
        # Only in a class whose certificate asks for the final assessment: one column, of
        # what it asks for (a score as a number, so that the sheet can sort and filter it).
        *([_assessment_column(matrix.requirement)] if assessed else []),
        Col("Đủ điều kiện cấp GCN", "code", 11, short="Đủ ĐK cấp GCN"),
        Col("Số GCN", "code", 12),
    ]
    rows = []
    for n, row in enumerate(matrix.rows, start=1):
        rows.append(
            [
                n,
                SignerName(row.full_name, row.date_of_birth),  # birth year on the PDF
                row.unit,
                row.category,
                *(STATUS_CODES.get(s, "") for s in row.statuses),
                row.attended,
                row.rate.cell,
                *([_assessment_cell(row)] if assessed else []),
                row.eligible_text,
                row.certificate_number or "",
            ]
        )
    present = matrix.present_per_session
    footer = [
        [
            None,
            "Số người có mặt (x, M)",
            None,
            None,
            *present,
            None,
            None,
            *([None] if assessed else []),
            sum(1 for r in matrix.rows if r.eligible is True),
            sum(1 for r in matrix.rows if r.certificate_number),
        ]
    ]
    counted = "có mặt, đi muộn và vắng có phép" if excused_counts else "có mặt và đi muộn"
    notes = [
        LEGEND,
        f"Số buổi dự tính các buổi {counted}; tỷ lệ = số buổi dự / {sum(matrix.held)} buổi "
        f"đã tổ chức (lớp có {len(sessions)} buổi). Đủ điều kiện cấp giấy chứng nhận (GCN) "
        f"khi số buổi dự đạt từ {klass.certificate_threshold}% số buổi của lớp"
        f"{_assessment_condition(matrix.requirement)}; chỉ xét khi mọi buổi học đã kết thúc.",
    ]
    key = [
        f"{i}. {s.date:%d/%m/%Y}, {s.start_time:%H:%M}–{s.end_time:%H:%M}: {s.topic}"
        for i, s in enumerate(sessions, start=1)
    ]
    return Table(
        sheet="Điểm danh",
        title="BẢNG ĐIỂM DANH HỌC VIÊN",
        subtitle=_class_subtitle(klass, user),
        columns=columns,
        rows=rows,
        footer=footer if rows else [],
        notes=notes,
        landscape=True,
        key=key,
    )


SUMMARY_COLUMNS = [
    Col("Chỉ tiêu", "int", 8),
    Col("Đã cử", "int", 8),
    Col("Được duyệt", "int", 9),
    Col("Có tham dự", "int", 9),
    Col("Được cấp GCN", "int", 9),
    Col("Tỷ lệ chuyên cần (%)", "rate", 11),
]


def _summary_values(row: SummaryRow) -> list[Any]:
    return [
        row.seats,
        row.nominated,
        row.enrolled,
        row.participants,
        row.certified,
        row.rate.cell,
    ]


def _summary_table(
    summary: Summary,
    *,
    sheet: str,
    title: str,
    key_title: str,
    label: Callable[[Any], str],
    subtitle: list[str],
) -> Table:
    rows = [
        [n, label(row.key), *_summary_values(row)] for n, row in enumerate(summary.rows, start=1)
    ]
    return Table(
        sheet=sheet,
        title=title,
        subtitle=subtitle,
        columns=[Col("STT", "int", 5), Col(key_title, "text", 30), *SUMMARY_COLUMNS],
        rows=rows,
        totals=[None, "Tổng cộng", *_summary_values(summary.total)],
        notes=[
            "Chỉ tiêu: số chỗ được phân bổ; Đã cử: số người đơn vị đã cử (đang chờ duyệt "
            "hoặc đã duyệt); Được duyệt: số học viên chính thức; Có tham dự: số học viên "
            "tham dự ít nhất một buổi; Tỷ lệ chuyên cần = số lượt tham dự (có mặt, đi muộn; "
            "vắng có phép ở lớp tính vắng có phép) / số lượt phải dự của các buổi đã tổ chức."
        ],
    )


def _units_table(classes: QuerySet[TrainingClass], user: User, subtitle: list[str]) -> Table:
    return _summary_table(
        unit_summary(classes, user),
        sheet="Theo đơn vị",
        title="TỔNG HỢP KẾT QUẢ THEO ĐƠN VỊ",
        key_title="Đơn vị",
        label=lambda unit: unit.name,
        subtitle=subtitle,
    )


def _categories_table(classes: QuerySet[TrainingClass], user: User, subtitle: list[str]) -> Table:
    return _summary_table(
        category_summary(classes, user),
        sheet="Theo đối tượng",
        title="TỔNG HỢP KẾT QUẢ THEO ĐỐI TƯỢNG",
        key_title="Đối tượng",
        label=_category_label,
        subtitle=subtitle,
    )


ABSENTEE_NOTE = (
    "Chỉ tính các buổi đã kết thúc và đã điểm danh. (P): vắng có phép; các buổi khác: "
    "vắng không phép hoặc không quét thẻ điểm danh."
)


def _absentees_table(klass: TrainingClass, user: User) -> Table:
    now = timezone.now()
    countable = {
        s.pk
        for s in with_recorded(klass.sessions.all())
        if can_be_missed(s, now, recorded=s.recorded)
    }
    rows = []
    for unit, people in absentees(_one(klass), user).items():
        for a in people:
            missed = [(s, st) for s, st in a.missed if s.pk in countable]
            if missed:
                rows.append(
                    [
                        len(rows) + 1,
                        unit.name,
                        # Two "Lường Thị Ún" of one unit: the PDF tells them apart by year.
                        SignerName(
                            a.enrollment.participant.full_name,
                            a.enrollment.participant.date_of_birth,
                        ),
                        _missed_text(missed),
                        len(missed),
                        a.total,
                    ]
                )
    return Table(
        sheet="Vắng",
        title="DANH SÁCH HỌC VIÊN VẮNG MẶT",
        subtitle=_class_subtitle(klass, user),
        columns=[
            Col("STT", "int", 5),
            Col("Đơn vị", "text", 26),
            Col("Họ và tên", "text", 22),
            Col("Buổi vắng", "text", 30),
            Col("Số buổi vắng", "int", 8),
            Col("Tổng số buổi", "int", 8),
        ],
        rows=rows,
        notes=[ABSENTEE_NOTE],
    )


def _class_table(klass: TrainingClass, user: User, view: str) -> Table:
    if view == "matrix":
        return _matrix_table(klass, user)
    if view == "units":
        return _units_table(_one(klass), user, _class_subtitle(klass, user))
    if view == "categories":
        return _categories_table(_one(klass), user, _class_subtitle(klass, user))
    if view == "absentees":
        return _absentees_table(klass, user)
    raise ValueError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")


def class_workbook(training_class: TrainingClass, user: User) -> bytes:
    """The class's four views as one .xlsx, one sheet each, in the reader's scope."""
    issuer = _issuer(training_class)
    tables = [_class_table(training_class, user, view) for view in VIEWS]
    for table in tables:
        table.issuer = issuer
    return tables_xlsx(tables, stamp=training_class.updated_at)


def _issuer(training_class: TrainingClass) -> tuple[str, str]:
    """(parent body, issuing body) of a class's workbook: the class's organiser."""
    organiser = training_class.organiser
    return (organiser.parent.name if organiser.parent else "", organiser.name)


def class_csv(training_class: TrainingClass, user: User, view: str) -> str:
    """One view as CSV: a header row, the rows, the totals. UTF-8 with a BOM, because
    that is the only way Excel opens Vietnamese CSV correctly by double-click."""
    return table_csv(_class_table(training_class, user, view))


def class_pdf(training_class: TrainingClass, user: User, view: str) -> bytes:
    """One view as an official A4 document of the class's organiser."""
    table = _class_table(training_class, user, view)
    organiser = training_class.organiser
    parent = organiser.parent
    return table_pdf(
        table,
        parent_body=parent.name if parent else "",
        issuing_body=organiser.name,
        place=organiser.place or (parent.place if parent else ""),
    )


# ---------------------------------------------------------------------------- the year


def _by_class(rows: Iterable[tuple], position: int) -> Iterator[tuple[int, list[tuple]]]:
    for class_id, group in groupby(rows, key=itemgetter(position)):
        yield class_id, list(group)


class _Groups:
    """Pulls the group of each class, in the classes' order, from a stream ordered the
    same way; a group the stream yields early (it should not) is kept until asked for."""

    def __init__(self, groups: Iterator[tuple[int, list[tuple]]]):
        self.groups = groups
        self.pending: dict[int, list[tuple]] = {}

    def take(self, class_id: int) -> list[tuple]:
        if class_id in self.pending:
            return self.pending.pop(class_id)
        for key, group in self.groups:
            if key == class_id:
                return group
            self.pending[key] = group
        return []


YEAR_CLASS_COLUMNS = [
    Col("STT", "int", 5),
    Col("Mã lớp", "code", 16),
    Col("Tên lớp", "text", 40),
    Col("Từ ngày", "date", 12),
    Col("Đến ngày", "date", 12),
    Col("Số buổi", "int", 8),
    Col("Đã tổ chức", "int", 9),
    Col("Số học viên", "int", 9),
    Col("Tỷ lệ chuyên cần (%)", "rate", 11),
    Col("Được cấp GCN", "int", 9),
]
YEAR_PEOPLE_COLUMNS = [
    Col("STT", "int", 8),
    Col("Mã lớp", "code", 16),
    Col("Họ và tên", "text", 26),
    Col("Đơn vị", "text", 34),
    Col("Đối tượng", "code", 9),
    Col("Số buổi dự", "int", 8),
    Col("Số buổi đã tổ chức", "int", 9),
    Col("Tỷ lệ (%)", "rate", 8),
    Col("Đủ điều kiện cấp GCN", "code", 12),
    Col("Số GCN", "code", 16),
]
YEAR_ABSENT_COLUMNS = [
    Col("STT", "int", 8),
    Col("Mã lớp", "code", 16),
    Col("Đơn vị", "text", 34),
    Col("Họ và tên", "text", 26),
    Col("Buổi vắng", "text", 36),
    Col("Số buổi vắng", "int", 8),
    Col("Tổng số buổi", "int", 8),
]


def year_workbook(
    year: int, user: User, fileobj: IO[bytes] | str, *, on_progress: Progress | None = None
) -> int:
    """The province's year as one workbook: per class, per unit, per category, every
    enrollment and every absentee, in the reader's scope. Returns the number of people
    rows written ("Danh sách học viên": one per enrollment).

    Built to take a national year (~100,000 enrollments, ~650,000 attendance rows) in
    bounded memory and a handful of queries: the enrollments and the attendance are two
    streams ordered by class, read class by class (a class is small), and the sheets are
    write-only, flushed to disk as they go. ``on_progress(done, total)`` is called about
    a hundred times, in enrollments.
    """
    report: Progress = on_progress or (lambda done, total: None)
    classes_qs = classes_for_year(year, user)
    classes = list(classes_qs)
    enrollments = Enrollment.objects.visible_to(user).filter(training_class__in=classes_qs)
    total = enrollments.count()
    report(0, total)

    sessions: dict[int, list[Session]] = defaultdict(list)
    for s in with_recorded(Session.objects.filter(training_class__in=classes_qs)).order_by(
        "training_class", "date", "start_time"
    ):
        sessions[s.training_class_id].append(s)
    excused = excused_counting(classes_qs)
    required = requirements(classes_qs)
    scope = _scope_line(user)
    subtitle = [f"Năm {year}"] + ([scope] if scope else [])

    issuer = year_issuer(year)
    wb = new_workbook()
    by_class = SheetWriter(
        wb,
        Table(
            sheet="Theo lớp",
            title=f"TỔNG HỢP CÁC LỚP BỒI DƯỠNG NĂM {year}",
            issuer=issuer,
            subtitle=subtitle,
            columns=YEAR_CLASS_COLUMNS,
            rows=[],
            notes=[
                "Tỷ lệ chuyên cần = số lượt tham dự / (số học viên × số buổi đã tổ chức); "
                f"lớp chưa có buổi nào được tổ chức ghi “{NOT_HELD}”."
            ],
        ),
        sample=[
            [None, k.code, k.title[:60], None, None, None, None, None, NOT_HELD, None]
            for k in classes
        ],
    )
    units = _units_table(classes_qs, user, subtitle)
    categories = _categories_table(classes_qs, user, subtitle)
    units.issuer = categories.issuer = issuer
    write_sheet(wb, units)
    write_sheet(wb, categories)
    # The long sheets are streamed: their widths come from the longest values, asked for.
    unit = max((r[1] for r in units.rows), key=len, default="")
    name = "n" * (enrollments.aggregate(n=Max(Length("participant__full_name")))["n"] or 0)
    code = max((k.code for k in classes), key=len, default="")
    missed = "00/00 00:00 (P), " * max((len(v) for v in sessions.values()), default=0)
    people_sheet = SheetWriter(
        wb,
        Table(
            sheet="Danh sách học viên",
            title=f"DANH SÁCH HỌC VIÊN CÁC LỚP NĂM {year}",
            issuer=issuer,
            subtitle=subtitle,
            columns=YEAR_PEOPLE_COLUMNS,
            rows=[],
            notes=[
                "Số buổi dự tính các buổi có mặt và đi muộn (và vắng có phép nếu lớp "
                "tính như vậy khi xét cấp giấy chứng nhận); tỷ lệ = số buổi dự / số buổi "
                f"đã tổ chức; đủ điều kiện cấp GCN chỉ xét khi lớp đã kết thúc ({NOT_DECIDED})"
                + (", và ở lớp có yêu cầu thì cần đạt cả đánh giá cuối khóa." if required else ".")
            ],
        ),
        # The rate of a class not yet held is words: its column must hold them, or the
        # plain (unwrapped) cell is cut off by the verdict beside it.
        sample=[[None, code, name, unit, None, None, None, NOT_HELD, NOT_DECIDED, None]],
        plain=True,
    )
    absent_sheet = SheetWriter(
        wb,
        Table(
            sheet="Vắng",
            title=f"DANH SÁCH HỌC VIÊN VẮNG MẶT NĂM {year}",
            issuer=issuer,
            subtitle=subtitle,
            columns=YEAR_ABSENT_COLUMNS,
            rows=[],
            notes=[ABSENTEE_NOTE],
        ),
        sample=[[None, code, unit, name, missed, None, None]],
        plain=True,
    )

    class_order = ("training_class__start_date", "training_class__code", "training_class_id")
    certificate = Certificate.objects.valid().filter(enrollment=OuterRef("pk"))
    people_stream = (
        enrollments.order_by(*class_order, "pk")
        .annotate(certificate_number=Subquery(certificate.values("register_number")[:1]))
        .values_list(
            "training_class_id",
            "pk",
            "participant__full_name",
            "organisation__name",
            "category__code",
            "certificate_number",
            "participant__date_of_birth",
            "assessment",
            "score",
        )
        .iterator(chunk_size=5000)
    )
    attendance_stream = (
        Attendance.objects.filter(enrollment__in=enrollments.values("pk"))
        .order_by(*(f"enrollment__{f}" for f in class_order))
        .values_list("enrollment__training_class_id", "enrollment_id", "session_id", "status")
        .iterator(chunk_size=20000)
    )
    people_groups = _Groups(_by_class(people_stream, 0))
    attendance_groups = _Groups(_by_class(attendance_stream, 0))

    now = timezone.now()
    done = stt = absent_stt = 0
    step = max(total // 100, 1)
    reported = 0
    year_tally = Tally()
    held_total = 0
    for n_class, klass in enumerate(classes, start=1):
        class_sessions = sessions[klass.pk]
        n_sessions = len(class_sessions)
        index = {s.pk: i for i, s in enumerate(class_sessions)}
        held = [is_held(s, recorded=s.recorded) for s in class_sessions]
        missable = [can_be_missed(s, now, recorded=s.recorded) for s in class_sessions]
        n_held, final = sum(held), is_final(class_sessions)
        counted = set(counted_statuses(klass.pk in excused))
        threshold = klass.certificate_threshold
        requirement = required.get(klass.pk, NO_REQUIREMENT)

        people = people_groups.take(klass.pk)
        statuses: dict[int, list[str | None]] = {p[1]: [None] * n_sessions for p in people}
        for _, enrollment_id, session_id, status in attendance_groups.take(klass.pk):
            i = index.get(session_id)
            if i is not None and enrollment_id in statuses:
                statuses[enrollment_id][i] = status
        people = sorted_by_name(
            people, name=lambda p: p[2], born=lambda p: p[6], then=lambda p: p[1]
        )

        people_rows = []
        absent: dict[str, list[list[Any]]] = defaultdict(list)
        tally = Tally()
        for _, pk, name, unit, category, number, _born, assessed, score in people:
            row_statuses = statuses[pk]
            attended = sum(1 for s in row_statuses if s in counted)
            tally.enrolled += 1
            tally.due_sessions += n_held
            tally.attended_sessions += attended
            tally.participants += attended > 0
            tally.certified += number is not None
            if final:
                tally.final_enrolled += 1
                tally.final_certified += number is not None
            decided = (
                eligible(attended, n_sessions, threshold, requirement, assessed, score)
                if final
                else None
            )
            stt += 1
            people_rows.append(
                [
                    stt,
                    klass.code,
                    name,
                    unit,
                    category,
                    attended,
                    n_held,
                    person_rate(attended, n_held, threshold).cell,
                    NOT_DECIDED if decided is None else ("Có" if decided else "Không"),
                    number or "",
                ]
            )
            missed = [
                (s, st)
                for s, st, can in zip(class_sessions, row_statuses, missable, strict=True)
                if can and st not in ATTENDED
            ]
            if missed:
                absent[unit].append([name, _missed_text(missed), len(missed), n_sessions])
        people_sheet.write_rows(people_rows)
        for unit in sorted(absent, key=collation_key):
            for name, text, n_missed, n_total in absent[unit]:
                absent_stt += 1
                absent_sheet.write_rows(
                    [[absent_stt, klass.code, unit, name, text, n_missed, n_total]]
                )
        by_class.write_rows(
            [
                [
                    n_class,
                    klass.code,
                    klass.title,
                    klass.start_date,
                    klass.end_date,
                    n_sessions,
                    n_held,
                    tally.enrolled,
                    tally.rate.cell,
                    tally.certified,
                ]
            ]
        )
        year_tally.add(tally)
        held_total += n_held
        done += len(people)
        if done - reported >= step and done < total:
            report(done, total)
            reported = done

    by_class.table.totals = [
        None,
        "Tổng cộng",
        None,
        None,
        None,
        sum(len(v) for v in sessions.values()),
        held_total,
        year_tally.enrolled,
        year_tally.rate.cell,
        year_tally.certified,
    ]
    for sheet in (by_class, people_sheet, absent_sheet):
        sheet.close()
    stamp = max((k.updated_at for k in classes), default=None)
    save_workbook(wb, fileobj, stamp=stamp)
    report(total, total)
    return stt
