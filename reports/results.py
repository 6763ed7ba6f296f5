"""The results report for the provincial People's Committee: "Báo cáo kết quả tổ chức
các lớp bồi dưỡng … năm 2023" (plan section IV.1: the department "reports the results to
the provincial UBND").

Three steps, so the Word file and the PDF cannot say different things:

* :func:`results_figures` reads every number from the database (a handful of aggregate
  queries, scoped to what the reader may see);
* :func:`report_blocks` turns the figures into the body of the report — sections,
  paragraphs, tables — as plain data, in Vietnamese (an official document is Vietnamese
  whatever the UI language);
* :func:`results_docx` (python-docx, an editable Word file: paragraphs and tables only)
  and :func:`results_pdf` (reportlab through ``core.documents.header``) draw the Decree 30/2020
  frame around those blocks: A4, margins 20/20/30/15 mm, the two-column header, title,
  the "Nơi nhận" and signature block.

Numbers are written the Vietnamese way: "1.234", "86,2%", "04 lớp".
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from docx import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from attendees.models import Enrollment
from attendees.rules import Rate, Tally, excused_counting, held_sessions, tallies
from certificates.models import Certificate
from core.documents.fitting import times_width_mm
from core.documents.header import (
    MOTTO,
    NATIONAL_NAME,
    CentredRule,
    build_pdf,
    document_table,
    frame_width,
    header_bodies,
    official_header,
    para,
    place_date,
    register_fonts,
    style,
)
from core.documents.wording import amount_in_words, cited_date, vn_count, vn_int
from courses.models import (
    ClassState,
    ParticipantCategory,
    Plan,
    Quota,
    Session,
    TrainingClass,
)
from courses.vietnamese import nfc
from materials.distribution import RecipientGroup, totals, with_progress
from materials.models import DistributionLine, Edition, Handover
from reports.queries import (
    Summary,
    SummaryRow,
    category_summary,
    classes_for_year,
    unit_summary,
)

#: Attendance the plan's classes aim for; also the usual certificate threshold.
ATTENDANCE_TARGET = 80

# Used only when the year has no class to take the organiser from.
DEFAULT_PARENT_BODY = "UBND tỉnh Lai Châu"
DEFAULT_ISSUING_BODY = "Sở Thông tin và Truyền thông"
DEFAULT_PLACE = "Lai Châu"

DEFAULT_SUBJECT = (
    "Kết quả tổ chức các lớp bồi dưỡng nghiệp vụ công tác thông tin tuyên truyền, "
    "thông tin đối ngoại cho cán bộ làm công tác thông tin đối ngoại khu vực biên giới"
)
DEFAULT_RECIPIENTS = "- UBND tỉnh (b/c);\n- Bộ Thông tin và Truyền thông (b/c);\n- Lưu: VT, TTBC."
SIGNER_TITLES = ("GIÁM ĐỐC", "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC")
PROPOSAL_PLACEHOLDER = "[Đề xuất của Sở — chỉnh sửa trước khi ký]"

_STATE_VI = {
    ClassState.PLANNING: "đang lập kế hoạch",
    ClassState.NOMINATING: "đang cử học viên",
    ClassState.RUNNING: "chưa có buổi học nào diễn ra",
    ClassState.CLOSED: "không có buổi học nào diễn ra",
}
_GROUP_VI = {
    RecipientGroup.BORDER_POSTS: "Đồn Biên phòng các xã biên giới",
    RecipientGroup.CULTURAL_HOUSES: "Nhà văn hóa các xã khu vực III",
    RecipientGroup.OTHER: "Các cơ quan, đơn vị khác",
}


# ---------------------------------------------------------------------------- numbers


# ---------------------------------------------------------------------------- figures


@dataclass
class ClassResult:
    """One class of the year that has been held (at least one session took place)."""

    training_class: TrainingClass
    sessions: list[Session]  # the held sessions, in order
    seats: int = 0  # quota seats
    tally: Tally = field(default_factory=Tally)
    excused_counts: bool = False  # the class counts excused absences as attended
    planned_sessions: int = 0  # all the class's sessions, held or to come

    @property
    def enrolled(self) -> int:
        return self.tally.enrolled

    @property
    def participants(self) -> int:
        return self.tally.participants

    @property
    def due_sessions(self) -> int:
        return self.tally.due_sessions

    @property
    def attended_sessions(self) -> int:
        return self.tally.attended_sessions

    @property
    def certified(self) -> int:
        return self.tally.certified

    @property
    def rate(self) -> Rate:
        return self.tally.rate

    @property
    def venues(self) -> list[str]:
        """The class venue, then any other venue a session was held in."""
        names: list[str] = []
        for venue in [self.training_class.venue, *(s.venue for s in self.sessions)]:
            text = ", ".join(part for part in (venue.name, venue.address) if part)
            if text not in names:
                names.append(text)
        return names

    @property
    def period(self) -> str:
        start, end = self.training_class.start_date, self.training_class.end_date
        if self.sessions:
            start, end = self.sessions[0].date, self.sessions[-1].date
        if start == end:
            return f"ngày {cited_date(start)}"
        return f"từ ngày {cited_date(start)} đến ngày {cited_date(end)}"


@dataclass
class EditionResult:
    edition: Edition
    printed: int = 0
    planned: int = 0  # copies planned for recipients (distribution lines)
    sent: int = 0
    received: int = 0  # acknowledged by signed receipt
    handed_out: int = 0  # copies handed to participants in the year's classes


@dataclass
class RecipientGroupResult:
    key: str
    recipients: int = 0
    planned: int = 0
    sent: int = 0
    received: int = 0

    @property
    def label(self) -> str:
        return _GROUP_VI[self.key]


@dataclass
class MaterialFigures:
    titles: int = 0  # materials with an edition of the year (or used in its classes)
    editions: list[EditionResult] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    groups: list[RecipientGroupResult] = field(default_factory=list)
    handed_to: int = 0  # participants who received at least one copy

    def _sum(self, name: str) -> int:
        return sum(getattr(e, name) for e in self.editions)

    @property
    def printed(self) -> int:
        return self._sum("printed")

    @property
    def planned(self) -> int:
        return self._sum("planned")

    @property
    def sent(self) -> int:
        return self._sum("sent")

    @property
    def received(self) -> int:
        return self._sum("received")

    @property
    def handed_out(self) -> int:
        return self._sum("handed_out")

    @property
    def recipients(self) -> int:
        return sum(g.recipients for g in self.groups)

    @property
    def distributed(self) -> list[EditionResult]:
        """Editions with anything to count (printed, planned or handed out)."""
        return [e for e in self.editions if e.printed or e.planned or e.handed_out]


@dataclass
class ResultsFigures:
    year: int
    # Who reports (the organiser of the year's classes) and to whom (its parent body).
    parent_body: str
    issuing_body: str
    parent_name: str
    short_name: str  # in the document number: "…/BC-STTTT"
    place: str
    plans: list[Plan]
    budget_vnd: int | None
    classes: list[TrainingClass]  # every class of the year the reader may see
    held: list[ClassResult]
    categories: Summary  # a–d, every category listed
    units: Summary
    certificates_valid: int
    certificates_revoked: int
    certificates_replaced: int  # of the revoked, those re-issued (a corrected copy)
    materials: MaterialFigures

    @property
    def not_held(self) -> list[TrainingClass]:
        held = {r.training_class.pk for r in self.held}
        return [c for c in self.classes if c.pk not in held]

    @property
    def sessions_held(self) -> int:
        return sum(len(r.sessions) for r in self.held)

    @property
    def tally(self) -> Tally:
        """The year's figures: the held classes' tallies added up (a class not held yet
        has nothing due and no certificate, so it adds only its enrollments)."""
        total = Tally()
        for r in self.held:
            total.add(r.tally)
        return total

    @property
    def rate(self) -> Rate:
        """Overall attendance of the held classes: sessions attended / sessions due."""
        return self.tally.rate

    @property
    def certificate_rate(self) -> Rate:
        return self.tally.certificate_rate

    @property
    def thresholds(self) -> list[int]:
        return sorted({r.training_class.certificate_threshold for r in self.held})

    @property
    def units_below_quota(self) -> list[SummaryRow]:
        return [r for r in self.units.rows if r.seats and r.enrolled < r.seats]

    @property
    def classes_below_target(self) -> list[ClassResult]:
        return [r for r in self.held if r.rate.below(ATTENDANCE_TARGET)]


def _header_bodies(classes: list[TrainingClass]) -> tuple[str, str, str, str, str]:
    """(parent body, issuing body, parent's full name, place, abbreviation) from the
    organiser of most of the year's classes: "UBND tỉnh Lai Châu" over "Sở Thông tin và
    Truyền thông" (the locality the parent line already says is dropped)."""
    organiser = TrainingClass.objects.filter(pk__in=[c.pk for c in classes]).main_organiser()
    if organiser is None:
        return DEFAULT_PARENT_BODY, DEFAULT_ISSUING_BODY, "", DEFAULT_PLACE, ""
    parent = organiser.parent
    issuing = organiser.name
    parent_body = parent_name = ""
    if parent:
        parent_name = parent.name
        parent_body, issuing = header_bodies(parent.name, organiser.name)
    place = organiser.place or (parent.place if parent else "") or DEFAULT_PLACE
    return parent_body, issuing, parent_name, place, organiser.short_name


def _all_categories(summary: Summary) -> Summary:
    """Every category a–d in order, with zeros for one nobody was nominated in: the
    province should see an empty category, not miss it."""
    present = {r.key.pk: r for r in summary.rows}
    rows = [
        present.get(c.pk) or SummaryRow(key=c) for c in ParticipantCategory.objects.order_by("code")
    ]
    return Summary(rows, summary.total)


def _materials(year: int, classes, enrollments) -> MaterialFigures:
    # A withdrawn edition counts only for what was already sent or handed out.
    editions = (
        Edition.objects.in_totals()
        .filter(Q(year=year) | Q(class_uses__training_class__in=classes))
        .distinct()
    )
    handed = dict(
        Handover.objects.filter(
            class_material__training_class__in=classes, enrollment__in=enrollments.values("pk")
        )
        .values("class_material__edition")
        .annotate(n=Count("pk"))
        .values_list("class_material__edition", "n")
    )
    handed_to = (
        Handover.objects.filter(
            class_material__training_class__in=classes, enrollment__in=enrollments.values("pk")
        )
        .values("enrollment")
        .distinct()
        .count()
    )
    result = MaterialFigures(handed_to=handed_to)
    by_edition = totals(editions)
    languages: dict[str, int] = {}
    for row in by_edition.editions:
        p = row.progress
        result.editions.append(
            EditionResult(
                edition=row.edition,
                printed=p.printed,
                planned=p.planned,
                sent=p.sent,
                received=p.received,
                handed_out=handed.get(row.edition.pk, 0),
            )
        )
    for lang in by_edition.languages:
        languages[lang.language.name] = lang.language.sort_order
    result.languages = sorted(languages, key=lambda name: (languages[name], name))
    result.titles = len({e.edition.material_id for e in result.editions})
    groups = {key: RecipientGroupResult(key) for key in RecipientGroup.ORDER}
    lines = with_progress(DistributionLine.objects.filter(edition__in=editions)).select_related(
        "recipient"
    )
    for line in lines:
        group = groups[RecipientGroup.of(line.recipient)]
        group.recipients += 1
        group.planned += line.planned
        group.sent += line.sent
        group.received += line.received
    result.groups = [g for g in groups.values() if g.recipients]
    return result


def results_figures(year: int, user) -> ResultsFigures:
    """Every number in the report for ``year``, as ``user`` may see it (the report is for
    the department and the province, who see everything)."""
    classes = classes_for_year(year, user)
    class_list = list(classes.select_related("venue", "plan", "organiser__parent"))
    enrollments = Enrollment.objects.visible_to(user).filter(training_class__in=classes)

    sessions: dict[int, list[Session]] = defaultdict(list)
    for s in (
        held_sessions(Session.objects.filter(training_class__in=classes))
        .select_related("venue")
        .order_by("date", "start_time")
    ):
        sessions[s.training_class_id].append(s)
    seats = dict(
        Quota.objects.visible_to(user)
        .filter(training_class__in=classes)
        .values("training_class")
        .annotate(n=Sum("seats"))
        .values_list("training_class", "n")
    )
    by_class = tallies(enrollments, classes, by="training_class")
    planned = dict(
        Session.objects.filter(training_class__in=classes)
        .values("training_class")
        .annotate(n=Count("pk"))
        .values_list("training_class", "n")
    )
    excused = excused_counting(classes)
    certificates = Certificate.objects.filter(enrollment__in=enrollments.values("pk"))
    held = [
        ClassResult(
            training_class=klass,
            sessions=sessions[klass.pk],
            seats=seats.get(klass.pk, 0),
            tally=by_class.get(klass.pk) or Tally(),
            excused_counts=klass.pk in excused,
            planned_sessions=planned.get(klass.pk, 0),
        )
        for klass in class_list
        if sessions[klass.pk]  # held: at least one session took place
    ]

    plans = list(Plan.objects.filter(pk__in={c.plan_id for c in class_list}).order_by("pk"))
    if not plans:
        plans = list(Plan.objects.filter(year=year).order_by("pk"))
    budgets = [p.budget_vnd for p in plans if p.budget_vnd]
    parent_body, issuing_body, parent_name, place, short_name = _header_bodies(class_list)

    return ResultsFigures(
        year=year,
        parent_body=parent_body,
        issuing_body=issuing_body,
        parent_name=parent_name,
        short_name=short_name,
        place=place,
        plans=plans,
        budget_vnd=sum(budgets) if budgets else None,
        classes=class_list,
        held=held,
        categories=_all_categories(category_summary(classes, user)),
        units=unit_summary(classes, user),  # units in Vietnamese order
        certificates_valid=certificates.valid().count(),
        certificates_revoked=certificates.filter(revoked_at__isnull=False).count(),
        certificates_replaced=certificates.filter(
            revoked_at__isnull=False, replaced_by__isnull=False
        ).count(),
        materials=_materials(year, classes, enrollments),
    )


# ---------------------------------------------------------------------------- the body


@dataclass
class Grid:
    """A table of the report: header, rows (text), column widths in mm, alignment per
    column ("l", "c", "r"); ``total``: the last row is a bold total."""

    header: list[str]
    rows: list[list[str]]
    widths: list[float]
    align: str
    total: bool = False
    size: float = 12


@dataclass
class Block:
    """``kind``: "h1" (I., II. — bold, upper case), "h2" (1., 2. — bold), "h3" (a), b) —
    italic), "para" (justified, first line indented), "item" (a "- " line), "note" (the
    placeholder the officer must replace: italic, highlighted in Word), "table"."""

    kind: str
    text: str = ""
    grid: Grid | None = None


def _category_grid(summary: Summary) -> Grid:
    rows = [
        [
            r.key.code,
            r.key.name_vi,
            vn_int(r.seats),
            vn_int(r.nominated),
            vn_int(r.enrolled),
            vn_int(r.participants),
        ]
        for r in summary.rows
    ]
    t = summary.total
    rows.append(
        [
            "",
            "Tổng cộng",
            vn_int(t.seats),
            vn_int(t.nominated),
            vn_int(t.enrolled),
            vn_int(t.participants),
        ]
    )
    return Grid(
        ["TT", "Đối tượng", "Chỉ tiêu", "Được cử", "Được duyệt", "Tham gia"],
        rows,
        [10, 75, 20, 20, 20, 20],
        "clrrrr",
        total=True,
    )


def _unit_grid(summary: Summary) -> Grid:
    rows = [
        [
            str(i),
            r.key.name,
            vn_int(r.seats),
            vn_int(r.nominated),
            vn_int(r.enrolled),
            vn_int(r.participants),
        ]
        for i, r in enumerate(summary.rows, 1)
    ]
    t = summary.total
    rows.append(
        [
            "",
            "Tổng cộng",
            vn_int(t.seats),
            vn_int(t.nominated),
            vn_int(t.enrolled),
            vn_int(t.participants),
        ]
    )
    return Grid(
        ["TT", "Đơn vị cử", "Chỉ tiêu", "Được cử", "Được duyệt", "Tham gia"],
        rows,
        [10, 75, 20, 20, 20, 20],
        "clrrrr",
        total=True,
    )


def _attendance_grid(figures: ResultsFigures) -> Grid:
    rows = [
        [
            str(i),
            r.training_class.code,
            vn_int(len(r.sessions)),
            vn_int(r.enrolled),
            f"{vn_int(r.attended_sessions)}/{vn_int(r.due_sessions)}",
            str(r.rate),
        ]
        for i, r in enumerate(figures.held, 1)
    ]
    rows.append(
        [
            "",
            "Tổng cộng",
            vn_int(figures.sessions_held),
            vn_int(figures.tally.enrolled),
            f"{vn_int(figures.tally.attended_sessions)}/{vn_int(figures.tally.due_sessions)}",
            str(figures.rate),
        ]
    )
    return Grid(
        ["TT", "Lớp", "Số buổi đã học", "Học viên", "Lượt tham dự/lượt phải dự", "Tỷ lệ"],
        rows,
        [10, 60, 20, 22, 33, 20],
        "clrrrr",
        total=True,
    )


def _materials_grid(materials: MaterialFigures) -> Grid:
    rows = []
    for i, e in enumerate(materials.distributed, 1):
        edition = e.edition
        rows.append(
            [
                str(i),
                f"{edition.material.title} ({edition.label})",
                edition.language_names(),
                vn_int(e.printed),
                vn_int(e.planned),
                vn_int(e.sent),
                vn_int(e.received),
                vn_int(e.handed_out),
            ]
        )
    rows.append(
        [
            "",
            "Tổng cộng",
            "",
            vn_int(materials.printed),
            vn_int(materials.planned),
            vn_int(materials.sent),
            vn_int(materials.received),
            vn_int(materials.handed_out),
        ]
    )
    return Grid(
        [
            "TT",
            "Tài liệu",
            "Ngôn ngữ",
            "Số bản in",
            "Kế hoạch phát",
            "Đã gửi",
            "Đã nhận",
            "Phát tại lớp",
        ],
        rows,
        [9, 52, 26, 15, 17, 15, 15, 16],
        "cllrrrrr",
        total=True,
        size=11,
    )


def _plan_reference(figures: ResultsFigures) -> str:
    """'Kế hoạch số 12/KH-UBND ngày 13/3/2023 của Ủy ban nhân dân tỉnh Lai Châu về …'."""
    if not figures.plans:
        return ""
    plan = figures.plans[0]
    text = "Kế hoạch"
    if plan.number:
        text += f" số {plan.number}"
    if plan.issued_on:
        text += f" ngày {cited_date(plan.issued_on)}"
    text += f" của {plan.issued_by.name}"
    title = plan.title.strip()
    if title.casefold().startswith("kế hoạch "):
        text += " về " + title[len("kế hoạch ") :]
    elif title:
        text += f" ({title})"
    return text


def _sessions_words(r: ClassResult) -> str:
    """'04 buổi học', or for a class still running '02/04 buổi học đã tổ chức'."""
    held = len(r.sessions)
    if held < r.planned_sessions:
        return f"{vn_count(held)}/{vn_count(r.planned_sessions)} buổi học đã tổ chức"
    return f"{vn_count(held)} buổi học"


def _class_line(r: ClassResult) -> str:
    klass = r.training_class
    return (
        f"- Lớp {klass.code}: {klass.title}; thời gian: {r.period} ({_sessions_words(r)});"
        f" địa điểm: {'; '.join(r.venues)}; số học viên: {vn_int(r.enrolled)}"
        f" được duyệt/{vn_int(r.seats)} chỉ tiêu, {vn_int(r.participants)} học viên tham gia."
    )


def _organisation_blocks(figures: ResultsFigures) -> list[Block]:
    planned, held = len(figures.classes), len(figures.held)
    seats = figures.categories.total.seats
    blocks = [Block("h2", "1. Công tác tổ chức lớp")]
    intro = (
        f"Theo kế hoạch năm {figures.year}, tổ chức {vn_count(planned)} lớp bồi dưỡng với tổng"
        f" số {vn_int(seats)} chỉ tiêu học viên. "
    )
    if held:
        intro += (
            f"Đã tổ chức {vn_count(held)} lớp với {vn_count(figures.sessions_held)} buổi học,"
            " cụ thể:"
        )
    else:
        intro += "Đến thời điểm báo cáo chưa tổ chức lớp nào."
    blocks.append(Block("para", intro))
    blocks += [Block("item", _class_line(r)) for r in figures.held]
    if figures.held and figures.not_held:
        waiting = "; ".join(f"Lớp {c.code} ({_STATE_VI[c.state]})" for c in figures.not_held)
        blocks.append(Block("para", f"Chưa tổ chức: {waiting}."))
    return blocks


def _participant_blocks(figures: ResultsFigures) -> list[Block]:
    t = figures.categories.total
    return [
        Block("h2", "2. Thành phần học viên"),
        Block(
            "para",
            f"Tổng số chỉ tiêu học viên: {vn_int(t.seats)} người; các đơn vị đã cử"
            f" {vn_int(t.nominated)} người; được duyệt tham gia {vn_int(t.enrolled)} người"
            f" (đạt {Rate(t.enrolled, t.seats)!s} chỉ tiêu); thực tế tham gia (có mặt"
            f" ít nhất một buổi học) {vn_int(t.participants)} người.",
        ),
        Block("h3", "a) Theo đối tượng bồi dưỡng (mục 2.1 Kế hoạch)"),
        Block("table", grid=_category_grid(figures.categories)),
        Block("h3", "b) Theo đơn vị cử học viên"),
        Block("table", grid=_unit_grid(figures.units)),
    ]


def _attendance_blocks(figures: ResultsFigures) -> list[Block]:
    blocks = [Block("h2", "3. Chuyên cần")]
    if not figures.rate.known:
        blocks.append(Block("para", "Chưa có số liệu điểm danh của lớp nào."))
        return blocks
    blocks.append(
        Block(
            "para",
            f"Tổng số lượt học viên tham dự{_counted_words(figures)} là"
            f" {vn_int(figures.tally.attended_sessions)}/{vn_int(figures.tally.due_sessions)}"
            " lượt phải dự của các buổi học đã tổ chức; tỷ lệ chuyên cần chung đạt"
            f" {figures.rate!s}. Tỷ lệ từng lớp:",
        )
    )
    blocks.append(Block("table", grid=_attendance_grid(figures)))
    return blocks


def _counted_words(figures: ResultsFigures) -> str:
    """What a counted mark is, as the attendance rules have it for these classes."""
    excused = [r.training_class.code for r in figures.held if r.excused_counts]
    if not excused:
        return " (có mặt đúng giờ hoặc đến muộn)"
    return f" (có mặt, đến muộn; vắng có phép được tính ở lớp {', '.join(excused)})"


def _certificate_blocks(figures: ResultsFigures) -> list[Block]:
    thresholds = figures.thresholds
    rule = (
        f"tham dự từ {thresholds[0]}% số buổi học trở lên"
        if len(thresholds) == 1
        else "đạt tỷ lệ tham dự theo quy định của từng lớp"
    )
    text = (
        f"Học viên {rule} được cấp giấy chứng nhận. Đã cấp"
        f" {vn_int(figures.certificates_valid)} giấy chứng nhận"
    )
    if figures.certificate_rate.known:
        t = figures.tally
        text += (
            f" cho {vn_int(t.final_certified)}/{vn_int(t.final_enrolled)} học viên của các lớp"
            f" đã kết thúc (đạt {figures.certificate_rate!s})"
        )
    text += "."
    if figures.certificates_revoked:
        text += f" Đã thu hồi {vn_int(figures.certificates_revoked)} giấy chứng nhận"
        if figures.certificates_replaced:
            text += f" (trong đó {vn_int(figures.certificates_replaced)} giấy được cấp lại)"
        text += "."
    else:
        text += " Không có giấy chứng nhận nào bị thu hồi."
    blocks = [Block("h2", "4. Cấp giấy chứng nhận"), Block("para", text)]
    blocks += [
        Block(
            "item",
            f"- Lớp {r.training_class.code}: {vn_int(r.certified)}/{vn_int(r.enrolled)} học viên"
            f" được cấp giấy chứng nhận (đạt {r.tally.certificate_rate!s})."
            if r.tally.final_enrolled
            else f"- Lớp {r.training_class.code}: chưa kết thúc, chưa xét cấp giấy chứng nhận.",
        )
        for r in figures.held
    ]
    return blocks


def _material_blocks(figures: ResultsFigures) -> list[Block]:
    m = figures.materials
    blocks = [Block("h2", "5. Tài liệu")]
    if not m.editions:
        blocks.append(Block("para", f"Năm {figures.year} chưa có tài liệu nào được cập nhật."))
        return blocks
    # In running text a language is "tiếng Việt" (the list's "Tiếng Việt" heads a cell),
    # and one language is not "các thứ tiếng".
    names = [f"t{n[1:]}" if n.startswith("Tiếng ") else n for n in m.languages]
    if len(names) == 1:
        languages = f", bằng {names[0]}" if names[0].startswith("tiếng ") else f", {names[0]}"
    else:
        languages = f", bằng các thứ tiếng: {', '.join(names)}" if names else ""
    blocks.append(
        Block(
            "para",
            f"Biên soạn, phát hành {vn_count(m.titles)} đầu tài liệu ({vn_count(len(m.editions))}"
            f" phiên bản{languages}); in {vn_int(m.printed)} bản.",
        )
    )
    if m.groups:
        blocks.append(
            Block(
                "para",
                f"Phân phối bản in cho {vn_int(m.recipients)} đơn vị nhận: kế hoạch"
                f" {vn_int(m.planned)} bản, đã gửi {vn_int(m.sent)} bản, đã có biên nhận"
                f" {vn_int(m.received)} bản; cụ thể:",
            )
        )
        blocks += [
            Block(
                "item",
                f"- {g.label}: {vn_int(g.recipients)} đơn vị, kế hoạch {vn_int(g.planned)} bản,"
                f" đã gửi {vn_int(g.sent)} bản, đã nhận {vn_int(g.received)} bản;",
            )
            for g in m.groups
        ]
    blocks.append(
        Block(
            "para",
            f"Phát trực tiếp cho học viên tại lớp: {vn_int(m.handed_out)} bản cho"
            f" {vn_int(m.handed_to)} học viên.",
        )
    )
    if m.distributed:
        blocks.append(Block("table", grid=_materials_grid(m)))
    return blocks


def _budget_blocks(figures: ResultsFigures) -> list[Block]:
    if not figures.budget_vnd:
        return []
    return [
        Block("h2", "6. Kinh phí"),
        Block(
            "para",
            f"Kinh phí thực hiện Kế hoạch năm {figures.year} được giao:"
            f" {vn_int(figures.budget_vnd)} đồng (Bằng chữ: {amount_in_words(figures.budget_vnd)}).",
        ),
    ]


def assessment(figures: ResultsFigures) -> list[str]:
    """Part II: short neutral sentences read off the numbers."""
    lines: list[str] = []
    planned, held = len(figures.classes), len(figures.held)
    if planned and held == planned:
        lines.append(f"Đã tổ chức đủ {vn_count(held)}/{vn_count(planned)} lớp theo Kế hoạch.")
    elif planned:
        lines.append(
            f"Đã tổ chức {vn_count(held)}/{vn_count(planned)} lớp theo Kế hoạch; còn"
            f" {vn_count(planned - held)} lớp chưa tổ chức."
        )
    t = figures.categories.total
    if t.seats:
        lines.append(
            f"Số học viên được duyệt đạt {Rate(t.enrolled, t.seats)!s} chỉ tiêu"
            f" ({vn_int(t.enrolled)}/{vn_int(t.seats)} người)."
        )
        below = figures.units_below_quota
        if below:
            names = "; ".join(
                f"{r.key.name} ({vn_int(r.enrolled)}/{vn_int(r.seats)})" for r in below
            )
            lines.append(f"Các đơn vị cử chưa đủ số học viên theo chỉ tiêu: {names}.")
        else:
            lines.append("Các đơn vị đã cử đủ số học viên theo chỉ tiêu được phân bổ.")
    empty = [r.key.code + ")" for r in figures.categories.rows if not r.enrolled]
    if empty and t.enrolled:
        lines.append(f"Chưa có học viên thuộc đối tượng {', '.join(empty)}.")
    if figures.rate.known:
        rate = str(figures.rate)
        if not figures.rate.below(ATTENDANCE_TARGET):
            lines.append(
                f"Tỷ lệ chuyên cần chung đạt {rate}, đạt mức yêu cầu (từ {ATTENDANCE_TARGET}%"
                " trở lên)."
            )
        else:
            lines.append(f"Tỷ lệ chuyên cần chung đạt {rate}, thấp hơn mức {ATTENDANCE_TARGET}%.")
        low = figures.classes_below_target
        if low:
            names = "; ".join(f"{r.training_class.code} ({r.rate!s})" for r in low)
            lines.append(f"Lớp có tỷ lệ chuyên cần dưới {ATTENDANCE_TARGET}%: {names}.")
    m = figures.materials
    if m.planned:
        missing = m.planned - m.received
        if missing > 0:
            lines.append(
                f"Còn {vn_int(missing)}/{vn_int(m.planned)} bản tài liệu theo kế hoạch phân phối"
                " chưa có biên nhận của đơn vị nhận."
            )
        else:
            lines.append("Các đơn vị nhận đã xác nhận nhận đủ tài liệu theo kế hoạch phân phối.")
    return lines


def report_blocks(figures: ResultsFigures) -> list[Block]:
    """The body of the report, between the title and the signature."""
    reporter = figures.issuing_body
    reference = _plan_reference(figures)
    opening = f"Thực hiện {reference}, " if reference else ""
    opening += f"{reporter} báo cáo kết quả tổ chức các lớp bồi dưỡng năm {figures.year} như sau:"
    opening = opening[0].upper() + opening[1:]
    addressee = figures.parent_name or "Ủy ban nhân dân tỉnh"
    return [
        Block("para", opening),
        Block("h1", "I. KẾT QUẢ THỰC HIỆN"),
        *_organisation_blocks(figures),
        *_participant_blocks(figures),
        *_attendance_blocks(figures),
        *_certificate_blocks(figures),
        *_material_blocks(figures),
        *_budget_blocks(figures),
        Block("h1", "II. ĐÁNH GIÁ CHUNG"),
        *[Block("item", f"- {line}") for line in assessment(figures)],
        Block("h1", "III. ĐỀ XUẤT, KIẾN NGHỊ"),
        Block("note", PROPOSAL_PLACEHOLDER),
        Block(
            "para",
            f"Trên đây là báo cáo kết quả tổ chức các lớp bồi dưỡng năm {figures.year} của"
            f" {reporter}, kính báo cáo {addressee}./.",
        ),
    ]


# ---------------------------------------------------------------------------- shared


@dataclass
class Frame:
    """What surrounds the body: header, title and signature, as the officer typed them."""

    parent_body: str
    issuing_body: str
    number: str  # after "Số: "
    place_date: str
    subject: str
    recipients: list[str]
    signer_title: list[str]
    signer_name: str


_BLANK_NUMBER = "\u00a0" * 8  # room for the clerk to write the number in


def _lines(value: str | Iterable[str]) -> list[str]:
    items = value.splitlines() if isinstance(value, str) else list(value)
    return [" ".join(nfc(str(line)).split()) for line in items if str(line).strip()]


def document_subject(subject: str | None, year: int) -> str:
    """The title line under "BÁO CÁO", ending in "năm 2023"."""
    text = " ".join(nfc(subject or DEFAULT_SUBJECT).split())
    return text if f"năm {year}" in text else f"{text} năm {year}"


def document_number(number: str, short_name: str = "") -> str:
    """ "125/BC-STTTT" as typed; "/BC-STTTT" (or nothing) keeps room for the number."""
    text = " ".join(nfc(number or "").split())
    if not text:
        return f"{_BLANK_NUMBER}/BC-{short_name}" if short_name else _BLANK_NUMBER
    return _BLANK_NUMBER + text if text.startswith("/") else text


def _frame(
    figures: ResultsFigures,
    *,
    number: str,
    on: datetime.date,
    recipients: str | Iterable[str],
    signer_title: str | Iterable[str],
    signer_name: str,
    subject: str | None,
) -> Frame:
    return Frame(
        parent_body=nfc(figures.parent_body).upper(),
        issuing_body=nfc(figures.issuing_body).upper(),
        number=document_number(number, figures.short_name),
        place_date=place_date(figures.place, on),
        subject=document_subject(subject, figures.year),
        recipients=_lines(recipients),
        signer_title=[line.upper() for line in _lines(signer_title)],
        signer_name=" ".join(nfc(signer_name or "").split()),
    )


# ---------------------------------------------------------------------------- Word

WORD_FONT = "Times New Roman"
BODY_PT = 14
TEXT_WIDTH_MM = 165  # 210 − 30 − 15
INDENT_MM = 10  # first line of a body paragraph (Decree 30: 1–1.27 cm)
HEADER_COLUMNS_MM = (75.5, 89.5)
SIGNATURE_COLUMNS_MM = (80, 85)


def _set_run_fonts(rpr) -> None:
    """Times New Roman for every script (no theme font left to override it), Vietnamese."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), WORD_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "vi-VN")


def _word_document() -> DocxDocument:
    doc = DocxDocument()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = section.footer_distance = Mm(10)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        for rpr in defaults.iter(qn("w:rPr")):
            _set_run_fonts(rpr)
    normal = doc.styles["Normal"]
    normal.font.name = WORD_FONT
    normal.font.size = Pt(BODY_PT)
    _set_run_fonts(normal.element.get_or_add_rPr())
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(6), 1.0
    fmt.widow_control = True
    # Decree 30: page numbers at the top centre, from the second page on.
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page = OxmlElement("w:fldSimple")
    page.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    page.append(run)
    number._p.append(page)
    doc.core_properties.language = "vi-VN"
    # The template's thumbnail (a picture of a blank page) would be the file's preview.
    package = doc.part.package
    for key, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[key]
    return doc


def _word_para(
    container,
    text: str = "",
    *,
    size: float = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    align=WD_ALIGN_PARAGRAPH.LEFT,
    first_line_mm: float = 0,
    before: float = 0,
    after: float = 6,
    keep_next: bool = False,
    highlight: bool = False,
    paragraph=None,
):
    """A paragraph of plain runs; "\\n" becomes a line break inside it."""
    p = paragraph if paragraph is not None else container.add_paragraph()
    fmt = p.paragraph_format
    p.alignment = align
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if first_line_mm:
        fmt.first_line_indent = Mm(first_line_mm)
    if keep_next:
        fmt.keep_with_next = True
    for i, line in enumerate(nfc(text).split("\n")):
        run = p.add_run()
        if i:
            run.add_break(WD_BREAK.LINE)
        run.add_text(line)
        run.font.size = Pt(size)
        run.bold, run.italic = bold or None, italic or None
        if highlight:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return p


def _word_rule(container, length_mm: float, width_mm: float, *, paragraph=None) -> None:
    """A short centred horizontal rule: the bottom border of an empty 3 pt paragraph
    whose indents leave ``length_mm`` between them (no drawing, stays editable)."""
    p = paragraph if paragraph is not None else container.add_paragraph()
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.insert(0 if ppr.find(qn("w:pStyle")) is None else 1, border)
    side = max((width_mm - length_mm) / 2, 0)
    fmt = p.paragraph_format
    fmt.left_indent = fmt.right_indent = Mm(side)
    fmt.space_before, fmt.space_after = Pt(0), Pt(4)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(3)


def _word_table(doc, rows: int, widths_mm: Iterable[float], *, grid: bool):
    widths = list(widths_mm)
    table = doc.add_table(rows=rows, cols=len(widths))
    if grid:
        table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # <w:tblLayout w:type="fixed"/>: Word keeps the widths
    tblpr = table._tbl.tblPr
    total = tblpr.find(qn("w:tblW"))
    if total is None:
        total = OxmlElement("w:tblW")
        tblpr.append(total)
    total.set(qn("w:w"), str(round(sum(widths) * 1440 / 25.4)))
    total.set(qn("w:type"), "dxa")
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
    return table


def _no_cell_margins(table) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    # The schema orders tblPr's children: tblCellMar goes before tblLook.
    tblpr = table._tbl.tblPr
    look = tblpr.find(qn("w:tblLook"))
    if look is None:
        tblpr.append(margins)
    else:
        look.addprevious(margins)


def _word_header(doc, frame: Frame) -> None:
    left_w, right_w = HEADER_COLUMNS_MM
    table = _word_table(doc, 2, HEADER_COLUMNS_MM, grid=False)
    _no_cell_margins(table)
    left, right = table.rows[0].cells
    centre = WD_ALIGN_PARAGRAPH.CENTER
    first = left.paragraphs[0]
    if frame.parent_body:
        _word_para(left, frame.parent_body, size=12, align=centre, after=0, paragraph=first)
        first = None
    _word_para(left, frame.issuing_body, size=12, bold=True, align=centre, after=0, paragraph=first)
    issuer_w = min(times_width_mm(frame.issuing_body, 12, bold=True), left_w)
    _word_rule(left, max(issuer_w * 0.4, 25), left_w)
    _word_para(
        right,
        NATIONAL_NAME,
        size=12,
        bold=True,
        align=centre,
        after=0,
        paragraph=right.paragraphs[0],
    )
    _word_para(right, MOTTO, size=13, bold=True, align=centre, after=0)
    _word_rule(right, times_width_mm(MOTTO, 13, bold=True), right_w)
    number, date = table.rows[1].cells
    _word_para(
        number,
        f"Số: {frame.number}",
        size=13,
        align=centre,
        after=0,
        paragraph=number.paragraphs[0],
    )
    _word_para(
        date,
        frame.place_date,
        size=13,
        italic=True,
        align=centre,
        after=0,
        paragraph=date.paragraphs[0],
    )


def _word_grid(doc, grid: Grid) -> None:
    table = _word_table(doc, len(grid.rows) + 1, grid.widths, grid=True)
    aligns = {
        "l": WD_ALIGN_PARAGRAPH.LEFT,
        "c": WD_ALIGN_PARAGRAPH.CENTER,
        "r": WD_ALIGN_PARAGRAPH.RIGHT,
    }
    header = table.rows[0]
    trpr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    trpr.append(repeat)  # repeated at the top of every page the table runs onto
    for cell, text in zip(header.cells, grid.header, strict=True):
        _word_para(
            cell,
            text,
            size=grid.size,
            bold=True,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            after=0,
            paragraph=cell.paragraphs[0],
        )
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for row in table.rows:
        # A row is read across: it never breaks over two pages ("… cấp xã ở địa" on one
        # page, "bàn có biên giới" on the next).
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for index, (row, values) in enumerate(zip(table.rows[1:], grid.rows, strict=True)):
        bold = grid.total and index == len(grid.rows) - 1
        # The total row does not open a page alone: the last row it sums goes with it.
        keep = grid.total and index == len(grid.rows) - 2
        for cell, text, align in zip(row.cells, values, grid.align, strict=True):
            _word_para(
                cell,
                text,
                size=grid.size,
                bold=bold,
                align=aligns[align],
                after=0,
                paragraph=cell.paragraphs[0],
                keep_next=keep,
            )
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _word_body(doc, blocks: list[Block]) -> None:
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    for block in blocks:
        if block.kind == "table":
            _word_grid(doc, block.grid)
        elif block.kind == "h1":
            _word_para(
                doc,
                block.text,
                bold=True,
                align=justify,
                first_line_mm=INDENT_MM,
                before=6,
                keep_next=True,
            )
        elif block.kind == "h2":
            _word_para(
                doc, block.text, bold=True, align=justify, first_line_mm=INDENT_MM, keep_next=True
            )
        elif block.kind == "h3":
            _word_para(
                doc, block.text, italic=True, align=justify, first_line_mm=INDENT_MM, keep_next=True
            )
        elif block.kind == "note":
            _word_para(
                doc, block.text, italic=True, align=justify, first_line_mm=INDENT_MM, highlight=True
            )
        else:
            _word_para(doc, block.text, align=justify, first_line_mm=INDENT_MM)


def _word_signature(doc, frame: Frame) -> None:
    table = _word_table(doc, 1, SIGNATURE_COLUMNS_MM, grid=False)
    row = table.rows[0]
    cant_split = OxmlElement("w:cantSplit")
    row._tr.get_or_add_trPr().append(cant_split)
    left, right = row.cells
    _word_para(
        left,
        "Nơi nhận:",
        size=12,
        bold=True,
        italic=True,
        after=0,
        before=6,
        paragraph=left.paragraphs[0],
    )
    for line in frame.recipients:
        _word_para(left, line, size=11, after=0)
    centre = WD_ALIGN_PARAGRAPH.CENTER
    first = right.paragraphs[0]
    for line in frame.signer_title or [""]:
        _word_para(
            right, line, bold=True, align=centre, after=0, before=6 if first else 0, paragraph=first
        )
        first = None
    for _ in range(4):  # room for the signature and the seal
        _word_para(right, "", align=centre, after=0)
    _word_para(right, frame.signer_name, bold=True, align=centre, after=0)


def results_docx(
    figures: ResultsFigures,
    *,
    number: str,
    on: datetime.date,
    recipients: str | Iterable[str],
    signer_title: str | Iterable[str],
    signer_name: str,
    subject: str | None = None,
) -> bytes:
    """The report as an editable Word file: paragraphs and tables only, Times New Roman,
    A4 with the Decree 30 margins."""
    frame = _frame(
        figures,
        number=number,
        on=on,
        recipients=recipients,
        signer_title=signer_title,
        signer_name=signer_name,
        subject=subject,
    )
    doc = _word_document()
    doc.core_properties.title = f"Báo cáo {frame.subject}"
    doc.core_properties.author = nfc(figures.issuing_body)
    first = doc.paragraphs[0] if doc.paragraphs else None
    if first is not None:  # the template's empty first paragraph
        first._p.getparent().remove(first._p)
    _word_header(doc, frame)
    centre = WD_ALIGN_PARAGRAPH.CENTER
    _word_para(doc, "BÁO CÁO", bold=True, align=centre, before=18, after=0)
    _word_para(doc, frame.subject, bold=True, align=centre, after=0)
    subject_w = min(times_width_mm(frame.subject, BODY_PT, bold=True), TEXT_WIDTH_MM)
    _word_rule(doc, min(max(subject_w / 3, 30), 60), TEXT_WIDTH_MM)
    doc.paragraphs[-1].paragraph_format.space_after = Pt(12)
    _word_body(doc, report_blocks(figures))
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    _word_signature(doc, frame)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------- PDF

PDF_BODY_PT = 13


def _pdf_grid(grid: Grid) -> Flowable:
    fonts = register_fonts()
    aligns = {"l": TA_LEFT, "c": TA_CENTER, "r": TA_RIGHT}
    head = style("grid-head", size=grid.size, bold=True, align=TA_CENTER)
    cells = {
        (a, bold): style(f"grid-{a}-{bold}", size=grid.size, bold=bold, align=aligns[a])
        for a in aligns
        for bold in (False, True)
    }
    data = [[para(text, head) for text in grid.header]]
    for index, values in enumerate(grid.rows):
        bold = grid.total and index == len(grid.rows) - 1
        data.append(
            [para(text, cells[(a, bold)]) for text, a in zip(values, grid.align, strict=True)]
        )
    return document_table(
        data,
        col_widths=[w * mm for w in grid.widths],
        repeatRows=1,
        hAlign="CENTER",
        spaceBefore=2,
        spaceAfter=8,
        commands=[
            ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            # The total row never opens a page alone under the repeated header: the last
            # row it sums goes with it.
            *([("NOSPLIT", (0, len(data) - 2), (-1, -1))] if grid.total and len(data) > 2 else []),
        ],
    )


def _for_signature(blocks: list[Block]) -> list[Block]:
    """The blocks of a document signed as printed: no "note" (a field the officer fills in
    the .docx), and no heading whose section was only such a field."""
    kept: list[Block] = []
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if block.kind == "note":
            continue
        if block.kind == "h1" and following is not None and following.kind == "note":
            continue
        kept.append(block)
    return kept


def _pdf_body(blocks: list[Block]) -> list[Flowable]:
    indent = INDENT_MM * mm
    body = style(
        "r-body",
        size=PDF_BODY_PT,
        align=TA_JUSTIFY,
        firstLineIndent=indent,
        spaceAfter=5,
        leading=PDF_BODY_PT * 1.3,
    )
    styles = {
        "h1": style(
            "r-h1",
            size=PDF_BODY_PT,
            bold=True,
            firstLineIndent=indent,
            spaceBefore=4,
            spaceAfter=5,
            keepWithNext=1,
        ),
        "h2": style(
            "r-h2",
            size=PDF_BODY_PT,
            bold=True,
            firstLineIndent=indent,
            spaceAfter=5,
            keepWithNext=1,
        ),
        "h3": style(
            "r-h3",
            size=PDF_BODY_PT,
            italic=True,
            firstLineIndent=indent,
            spaceAfter=5,
            keepWithNext=1,
        ),
        "note": style(
            "r-note",
            size=PDF_BODY_PT,
            italic=True,
            align=TA_JUSTIFY,
            firstLineIndent=indent,
            spaceAfter=5,
        ),
    }
    story: list[Flowable] = []
    for i, block in enumerate(blocks):
        if block.kind != "table":
            story.append(para(block.text, styles.get(block.kind, body)))
            continue
        # A heading goes with what follows it; a heading over a table goes only with the
        # table's header and first rows. Kept "with next", it was kept together with the
        # *whole* table, which then moved to page 2 and left a third of page 1 empty.
        run: list[Paragraph] = []
        while len(run) < i and _leads_in(blocks[i - 1 - len(run)]):
            heading = story.pop()
            heading.style = _not_kept(heading.style)
            run.insert(0, heading)
        table = _pdf_grid(block.grid)
        if run:
            story.append(CondPageBreak(_height(run, table, rows=2)))
        story += [*run, table]
    return story


def _not_kept(heading: ParagraphStyle) -> ParagraphStyle:
    loose = copy(heading)
    loose.keepWithNext = 0
    return loose


HEADINGS = ("h1", "h2", "h3")


def _leads_in(block: Block) -> bool:
    """A heading, or a sentence that announces the table ("Tỷ lệ từng lớp:"): either
    goes onto the page of the table's first rows."""
    return block.kind in HEADINGS or (block.kind == "para" and block.text.rstrip().endswith(":"))


def _height(headings: list[Flowable], table: Flowable, *, rows: int) -> float:
    """The height of ``headings`` and of ``table``'s header and first ``rows`` rows."""
    width = frame_width(A4)
    height = sum(h.wrap(width, A4[1])[1] + h.getSpaceBefore() + h.getSpaceAfter() for h in headings)
    table.wrap(width, A4[1])
    return height + table.getSpaceBefore() + sum(table._rowHeights[: 1 + rows])


def _pdf_signature(frame: Frame) -> Flowable:
    left = [para("Nơi nhận:", style("r-to", size=12, bold=True, italic=True, spaceBefore=6))]
    left += [para(line, style("r-to-line", size=11)) for line in frame.recipients]
    centre = style("r-sign", size=PDF_BODY_PT, bold=True, align=TA_CENTER)
    right = [para(line, centre) for line in frame.signer_title]
    right.append(Spacer(1, 28 * mm))
    right.append(para(frame.signer_name, centre))
    widths = [w * mm for w in SIGNATURE_COLUMNS_MM]
    return document_table(
        [[left, right]],
        col_widths=widths,
        commands=[
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (0, 0), 6),
        ],
    )


def results_pdf(
    figures: ResultsFigures,
    *,
    number: str,
    on: datetime.date,
    recipients: str | Iterable[str],
    signer_title: str | Iterable[str],
    signer_name: str,
    subject: str | None = None,
) -> bytes:
    """The same report as a PDF, through ``core.documents.header`` (IBM Plex Serif, embedded)."""
    frame = _frame(
        figures,
        number=number,
        on=on,
        recipients=recipients,
        signer_title=signer_title,
        signer_name=signer_name,
        subject=subject,
    )
    width = frame_width(A4)
    story = official_header(
        parent_body=frame.parent_body,
        issuing_body=frame.issuing_body,
        place=figures.place,
        on=on,
        number=frame.number,
        width=width,
    )
    title = style("r-title", size=14, bold=True, align=TA_CENTER, leading=18)
    story += [
        Spacer(1, 8 * mm),
        para("BÁO CÁO", title),
        para(frame.subject, title),
        CentredRule(45 * mm, space=16, gap=9),
    ]
    story += _pdf_body(_for_signature(report_blocks(figures)))
    closing = story.pop()
    story.append(KeepTogether([closing, _pdf_signature(frame)]))
    return build_pdf(story, title=f"Báo cáo {frame.subject}", author=figures.issuing_body)
