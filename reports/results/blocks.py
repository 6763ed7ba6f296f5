"""The body of the results report as plain data — sections, paragraphs, tables — in
Vietnamese (an official document is Vietnamese whatever the UI language):
:func:`report_blocks`. The Word and PDF writers draw these same blocks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from attendees.rules import Rate
from core.documents.wording import amount_in_words, cited_date, vn_count, vn_int
from courses.models import ClassState
from evaluation.stats import YearFigures
from reports.queries import Summary, SummaryRow
from reports.results.charts import Chart
from reports.results.figures import ATTENDANCE_TARGET, ClassResult, MaterialFigures, ResultsFigures

PROPOSAL_PLACEHOLDER = "[Đề xuất của Sở — chỉnh sửa trước khi ký]"


_STATE_VI = {
    ClassState.PLANNING: "đang lập kế hoạch",
    ClassState.NOMINATING: "đang cử học viên",
    ClassState.RUNNING: "chưa có buổi học nào diễn ra",
    ClassState.CLOSED: "không có buổi học nào diễn ra",
}


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
    placeholder the officer must replace: italic, highlighted in Word), "table", "chart"
    (a small bar chart: a picture in Word, vector shapes in the PDF)."""

    kind: str
    text: str = ""
    grid: Grid | None = None
    chart: Chart | None = None


def _seats_grid(
    summary: Summary, key_title: str, lead: Callable[[int, SummaryRow], list[str]]
) -> Grid:
    """Seats, nominations, enrollments and participants per unit or category, with the
    total; ``lead`` gives a row's first two cells (its number and its name)."""

    def figures(r: SummaryRow) -> list[str]:
        return [vn_int(r.seats), vn_int(r.nominated), vn_int(r.enrolled), vn_int(r.participants)]

    rows = [[*lead(i, r), *figures(r)] for i, r in enumerate(summary.rows, 1)]
    rows.append(["", "Tổng cộng", *figures(summary.total)])
    return Grid(
        ["TT", key_title, "Chỉ tiêu", "Được cử", "Được duyệt", "Tham gia"],
        rows,
        [10, 75, 20, 20, 20, 20],
        "clrrrr",
        total=True,
    )


def _category_grid(summary: Summary) -> Grid:
    return _seats_grid(summary, "Đối tượng", lambda i, r: [r.key.code, r.key.name_vi])


def _unit_grid(summary: Summary) -> Grid:
    return _seats_grid(summary, "Đơn vị cử", lambda i, r: [str(i), r.key.name])


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


_KIND_HEADS = {
    "programme": "Chương trình",
    "lecturer": "Giảng viên",
    "facilities": "CSVC, tài liệu",
    "organisation": "Tổ chức lớp",
    "self": "Tự đánh giá",
}


def _evaluation_grid(evaluation: YearFigures) -> Grid:
    """Per class: valid forms, the mean of each subject of evaluation, the class mean."""
    kinds = [k.kind for k in evaluation.kinds]
    rows = []
    for i, c in enumerate(evaluation.classes, 1):
        means = [c.kind_distribution(kind) for kind in kinds]
        rows.append(
            [
                str(i),
                c.training_class.code,
                vn_int(c.forms.valid),
                *[d.mean_text if d is not None else "–" for d in means],
                c.distribution.mean_text,
            ]
        )
    rows.append(
        [
            "",
            "Chung",
            vn_int(evaluation.forms.valid),
            *[k.distribution.mean_text for k in evaluation.kinds],
            evaluation.distribution.mean_text,
        ]
    )
    # 165 mm in all. A subject's column is at least 17 mm, so that "Chương" (the widest
    # word of the headings, in bold 11 pt with the cell's padding) is never broken in the
    # PDF; the class code keeps 33 mm ("TTDN-2023-L1" on one line).
    kind_width = 86 / max(len(kinds), 1)
    return Grid(
        ["TT", "Lớp", "Phiếu hợp lệ", *[_KIND_HEADS[k] for k in kinds], "Chung"],
        rows,
        [9, 33, 17, *[kind_width] * len(kinds), 20],
        "clr" + "r" * len(kinds) + "r",
        total=True,
        size=11,
    )


def _evaluation_blocks(figures: ResultsFigures, number: int) -> list[Block]:
    """Key figures of the learners' evaluation (Circular 10/2017/TT-BNV); nothing when
    no class of the year was evaluated. The full figures are the evaluation report's."""
    evaluation = figures.evaluation
    if evaluation is None or not evaluation.classes:
        return []
    forms = evaluation.forms
    text = (
        f"Đã lấy ý kiến đánh giá chất lượng của học viên tại {vn_count(len(evaluation.classes))}"
        f" lớp theo Thông tư số 10/2017/TT-BNV: thu về {vn_int(forms.received)} phiếu, trong đó"
        f" {vn_int(forms.valid)} phiếu hợp lệ"
    )
    if forms.invalid:
        text += f", {vn_int(forms.invalid)} phiếu không hợp lệ (để trống trên 5% số tiêu chí)"
    text += (
        f". Điểm trung bình chung đạt {evaluation.distribution.mean_text}/5 (thang điểm 5);"
        " điểm trung bình theo từng nội dung:"
    )
    return [
        Block("h2", f"{number}. Đánh giá chất lượng lớp bồi dưỡng"),
        Block("para", text),
        Block("table", grid=_evaluation_grid(evaluation)),
    ]


def _budget_blocks(figures: ResultsFigures, number: int = 6) -> list[Block]:
    if not figures.budget_vnd:
        return []
    return [
        Block("h2", f"{number}. Kinh phí"),
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
    evaluation = _evaluation_blocks(figures, 6)
    return [
        Block("para", opening),
        Block("h1", "I. KẾT QUẢ THỰC HIỆN"),
        *_organisation_blocks(figures),
        *_participant_blocks(figures),
        *_attendance_blocks(figures),
        *_certificate_blocks(figures),
        *_material_blocks(figures),
        *evaluation,
        *_budget_blocks(figures, 7 if evaluation else 6),
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
