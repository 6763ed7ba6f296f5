"""The evaluation report (Circular 10/2017/TT-BNV): "Báo cáo kết quả đánh giá chất lượng
lớp bồi dưỡng …", for one class or for the year's classes, in the Decree 30/2020 layout
of the results report (its frame and its Word and PDF writers: reports/results/).

Every number comes from ``evaluation.stats`` (the statistics pages read the same); this
module only words them. Counts, means and distributions only: no form number, no single
form's answers, no name of a participant (a lecturer is named: the lecturer sections
evaluate them). Comments are listed per section as ``evaluation.stats`` sorts them (by
text, never in form order).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.text import capfirst

from core.documents.header import place_date
from core.documents.wording import cited_date, period, vn_count, vn_int
from courses.models import TrainingClass
from courses.vietnamese import nfc
from evaluation.rules import SCALE, SCALE_LABELS
from evaluation.stats import (
    ClassFigures,
    Distribution,
    FormCounts,
    IndicatorFigures,
    LecturerFigures,
    SectionFigures,
    YearFigures,
)
from reports.results.blocks import Block, Grid
from reports.results.charts import Bar, Chart
from reports.results.docx import blocks_docx
from reports.results.figures import _header_bodies
from reports.results.frame import Frame, _lines, document_number
from reports.results.pdf import blocks_pdf

CONCLUSION_PLACEHOLDER = (
    "[Nhận xét, kết luận và đề xuất của đơn vị tổ chức lớp — chỉnh sửa trước khi ký]"
)
BASIS = (
    "Căn cứ Thông tư số 10/2017/TT-BNV ngày 29/12/2017 của Bộ Nội vụ quy định về đánh giá"
    " chất lượng bồi dưỡng cán bộ, công chức, viên chức"
)
CLASS_SUBJECT = "Kết quả đánh giá chất lượng"
YEAR_SUBJECT = "Kết quả đánh giá chất lượng các lớp bồi dưỡng năm"

_KIND_VI = {
    "programme": "Chương trình bồi dưỡng",
    "lecturer": "Giảng viên",
    "facilities": "Cơ sở vật chất và tài liệu",
    "organisation": "Công tác tổ chức lớp",
    "self": "Tự đánh giá của học viên",
}
_LETTERS = "abcdefghiklmnopqrstuvxy"
_SCALE_WORDS = "; ".join(f"{v} – {SCALE_LABELS[v]}" for v in SCALE)


@dataclass
class Issuer:
    parent_body: str
    issuing_body: str
    parent_name: str
    place: str
    short_name: str

    @classmethod
    def of(cls, classes: list[TrainingClass]) -> Issuer:
        return cls(*_header_bodies(classes))


def _frame(
    issuer: Issuer,
    subject: str,
    *,
    number: str,
    on: datetime.date,
    recipients: str | Iterable[str],
    signer_title: str | Iterable[str],
    signer_name: str,
) -> Frame:
    return Frame(
        parent_body=nfc(issuer.parent_body).upper(),
        issuing_body=nfc(issuer.issuing_body).upper(),
        number=document_number(number, issuer.short_name),
        place_date=place_date(issuer.place, on),
        subject=" ".join(nfc(subject).split()),
        recipients=_lines(recipients),
        signer_title=[line.upper() for line in _lines(signer_title)],
        signer_name=" ".join(nfc(signer_name or "").split()),
    )


# ---------------------------------------------------------------------------- wording


def _mean(d: Distribution) -> str:
    return d.mean_text


def _pct(d: Distribution, value: int) -> str:
    share = d.percent(value)
    return "–" if share is None else f"{share}".replace(".", ",").removesuffix(",0") + "%"


def _dist_cells(d: Distribution) -> list[str]:
    """Per point of the scale: the count, and under it its share."""
    return [f"{vn_int(n)}\n{_pct(d, v)}" for v, n in zip(SCALE, d.counts, strict=True)]


_DIST_HEADER = [str(v) for v in SCALE]
_DIST_WIDTHS = [14.5] * len(SCALE)  # "20,4%" on one line at 10.5 pt
_GRID_WIDTHS = [11.5, 52, 15, 14, *_DIST_WIDTHS]  # 165 mm: the text width


def _indicator_grid(indicators: list[IndicatorFigures], total: Distribution) -> Grid:
    rows = [
        [
            i.number,
            i.text,
            vn_int(i.distribution.answers),
            _mean(i.distribution),
            *_dist_cells(i.distribution),
        ]
        for i in indicators
    ]
    rows.append(["", "Chung", vn_int(total.answers), _mean(total), *_dist_cells(total)])
    return Grid(
        ["TT", "Tiêu chí", "Số trả lời", "Điểm TB", *_DIST_HEADER],
        rows,
        _GRID_WIDTHS,
        "clrr" + "r" * len(SCALE),
        total=True,
        size=10.5,
    )


def _lecturer_grid(lecturers: list[LecturerFigures], *, with_classes: bool) -> Grid:
    rows = []
    for i, row in enumerate(lecturers, 1):
        name = str(row.trainer)
        if with_classes:
            name += f"\n(lớp {', '.join(row.classes)})"
        rows.append(
            [
                str(i),
                name,
                vn_int(row.distribution.answers),
                _mean(row.distribution),
                *_dist_cells(row.distribution),
            ]
        )
    return Grid(
        ["TT", "Giảng viên", "Số trả lời", "Điểm TB", *_DIST_HEADER],
        rows,
        _GRID_WIDTHS,
        "clrr" + "r" * len(SCALE),
        size=10.5,
    )


def _forms_sentence(forms: FormCounts) -> str:
    text = f"Số phiếu phát ra: {vn_int(forms.issued)}"
    if forms.printed and forms.online:
        text += (
            f" ({vn_int(forms.printed)} phiếu in, {vn_int(forms.online)} phiếu trả lời trực tuyến)"
        )
    text += (
        f"; số phiếu thu về: {vn_int(forms.received)} ({vn_int(forms.online)} trực tuyến,"
        f" {vn_int(forms.paper)} phiếu giấy); số phiếu hợp lệ: {vn_int(forms.valid)};"
        f" số phiếu không hợp lệ: {vn_int(forms.invalid)}"
    )
    if forms.invalid:
        text += " (để trống trên 5% số tiêu chí, không đưa vào tổng hợp)"
    return text + "."


METHOD = (
    f"Mỗi tiêu chí được đánh giá theo thang 5 mức ({_SCALE_WORDS}). Chỉ tổng hợp các phiếu"
    " hợp lệ; điểm trung bình (Điểm TB) bằng tổng điểm các câu trả lời chia cho số câu trả"
    " lời, tiêu chí để trống không được tính; mỗi ô của các cột 1–5 ghi số câu trả lời và"
    " tỷ lệ (%) của mức đó."
)


def _summary(comments: list[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for text in comments:
        counts[text] = counts.get(text, 0) + 1
    return list(counts.items())


def _comment_blocks(groups: list[tuple[str, list[str]]]) -> list[Block]:
    """Each different comment once, with the number of forms that gave it when more
    than one ("Cần thêm thời gian thảo luận (3 ý kiến)": a count in running text, not
    the two-digit "03 lớp" of a list of classes)."""
    blocks: list[Block] = []
    for letter, (title, comments) in zip(_LETTERS, groups, strict=False):
        blocks.append(Block("h3", f"{letter}) {title}"))
        if comments:
            blocks += [
                Block("item", f"- {text}" + (f" ({vn_int(n)} ý kiến)" if n > 1 else ""))
                for text, n in _summary(comments)
            ]
        else:
            blocks.append(Block("para", "Không có ý kiến."))
    return blocks


def _extremes(rows: list[tuple[str, Distribution]]) -> list[str]:
    """'cao nhất: … (4,40); thấp nhất: … (3,20)' read off the means."""
    rated = [(label, d) for label, d in rows if d.mean is not None]
    if len(rated) < 2:
        return []
    high = max(rated, key=lambda r: r[1].mean)
    low = min(rated, key=lambda r: r[1].mean)
    if high[1].mean == low[1].mean:
        return []
    return [
        f"Nội dung được đánh giá cao nhất: {high[0]} ({_mean(high[1])}); thấp nhất:"
        f" {low[0]} ({_mean(low[1])})."
    ]


def _section_name(section: SectionFigures) -> str:
    """A section as running text names it: a lecturer section's title is the form's heading
    "Giảng viên: TS. Trần Thị Thu Hà", which after "cao nhất:" reads with two colons; the
    sentence says "giảng viên TS. Trần Thị Thu Hà"."""
    if section.trainer is not None:
        return f"giảng viên {section.trainer}"
    return section.title


# ---------------------------------------------------------------------------- one class


def class_name(klass: TrainingClass) -> str:
    """ "lớp bồi dưỡng nghiệp vụ … (mã lớp TTDN-2023-L1)" from a title that starts "Bồi
    dưỡng …" or "Lớp …" (the word "lớp" is not said twice); another title is kept as
    typed after "lớp"."""
    title = " ".join(nfc(klass.title).split())
    first = title.split(" ", 1)[0].casefold() if title else ""
    if first in ("lớp", "bồi"):
        title = title[0].lower() + title[1:]
    if first != "lớp":
        title = f"lớp {title}"
    return f"{title} (mã lớp {klass.code})"


def class_subject(figures: ClassFigures) -> str:
    return f"{CLASS_SUBJECT} {class_name(figures.training_class)}"


def class_blocks(figures: ClassFigures, issuer: Issuer) -> list[Block]:
    klass = figures.training_class
    when = period(klass.start_date, klass.end_date, write=cited_date)
    blocks = [
        Block(
            "para",
            f"{BASIS}; {issuer.issuing_body} báo cáo kết quả đánh giá chất lượng"
            f" {class_name(klass)}, tổ chức {when}, như sau:",
        ),
        Block("h1", "I. THÔNG TIN CHUNG VỀ PHIẾU ĐÁNH GIÁ"),
        Block("para", _forms_sentence(figures.forms)),
        Block("para", METHOD),
        Block("h1", "II. KẾT QUẢ ĐÁNH GIÁ THEO TỪNG NỘI DUNG"),
    ]
    if figures.forms.valid:
        blocks.append(
            Block(
                "para",
                f"Điểm trung bình chung của lớp: {_mean(figures.distribution)}/5"
                f" ({vn_int(figures.distribution.answers)} câu trả lời của"
                f" {vn_int(figures.forms.valid)} phiếu hợp lệ).",
            )
        )
        blocks.append(
            Block(
                "chart",
                chart=Chart(
                    "Điểm trung bình theo nội dung (thang điểm 5)",
                    [
                        Bar(s.title, float(s.distribution.mean or 0), _mean(s.distribution))
                        for s in figures.sections
                    ],
                ),
            )
        )
    for s in figures.sections:
        blocks.append(
            Block("h2", f"{s.number}. {s.title} (điểm trung bình: {_mean(s.distribution)})")
        )
        blocks.append(Block("table", grid=_indicator_grid(s.indicators, s.distribution)))
    blocks.append(Block("h1", "III. KẾT QUẢ ĐÁNH GIÁ GIẢNG VIÊN"))
    if figures.lecturers:
        blocks.append(Block("table", grid=_lecturer_grid(figures.lecturers, with_classes=False)))
    else:
        blocks.append(Block("para", "Lớp không có phần đánh giá giảng viên."))
    blocks.append(Block("h1", "IV. Ý KIẾN CỦA HỌC VIÊN"))
    blocks.append(
        Block(
            "para",
            "Ý kiến ghi trên các phiếu hợp lệ, xếp theo thứ tự chữ cái, không kèm số phiếu:",
        )
    )
    blocks += _comment_blocks([(s.title, s.comments) for s in figures.sections])
    blocks.append(Block("h1", "V. NHẬN XÉT, KẾT LUẬN"))
    blocks += [
        Block("item", f"- {line}")
        for line in _extremes([(_section_name(s), s.distribution) for s in figures.sections])
    ]
    blocks.append(Block("note", CONCLUSION_PLACEHOLDER))
    blocks.append(
        Block(
            "para",
            f"Trên đây là báo cáo kết quả đánh giá chất lượng {class_name(klass)} của"
            f" {issuer.issuing_body}./.",
        )
    )
    return blocks


def class_report(figures: ClassFigures, fmt: str, **document) -> bytes:
    issuer = Issuer.of([figures.training_class])
    frame = _frame(issuer, document.pop("subject", None) or class_subject(figures), **document)
    return _write(fmt, frame, class_blocks(figures, issuer), issuer, document["on"])


# ---------------------------------------------------------------------------- the year


def year_subject(year: int) -> str:
    return f"{YEAR_SUBJECT} {year}"


def _classes_grid(figures: YearFigures) -> Grid:
    rows = []
    for i, c in enumerate(figures.classes, 1):
        f = c.forms
        rows.append(
            [
                str(i),
                c.training_class.code,
                vn_int(f.issued),
                vn_int(f.received),
                vn_int(f.valid),
                vn_int(f.invalid),
                _mean(c.distribution),
            ]
        )
    t = figures.forms
    rows.append(
        [
            "",
            "Tổng cộng",
            vn_int(t.issued),
            vn_int(t.received),
            vn_int(t.valid),
            vn_int(t.invalid),
            _mean(figures.distribution),
        ]
    )
    return Grid(
        ["TT", "Lớp", "Phiếu phát ra", "Phiếu thu về", "Hợp lệ", "Không hợp lệ", "Điểm TB"],
        rows,
        [11, 50, 22, 22, 19, 22, 19],
        "clrrrrr",
        total=True,
    )


def year_blocks(figures: YearFigures, issuer: Issuer) -> list[Block]:
    year = figures.year
    blocks = [
        Block(
            "para",
            f"{BASIS}; {issuer.issuing_body} báo cáo kết quả đánh giá chất lượng các lớp bồi"
            f" dưỡng năm {year} như sau:",
        ),
        Block("h1", "I. THÔNG TIN CHUNG VỀ PHIẾU ĐÁNH GIÁ"),
    ]
    if not figures.classes:
        blocks.append(Block("para", f"Năm {year} chưa có lớp nào được lấy ý kiến đánh giá."))
    else:
        evaluated = len(figures.classes)
        total = evaluated + len(figures.without)
        blocks.append(
            Block(
                "para",
                f"Đã lấy ý kiến đánh giá của học viên tại {vn_count(evaluated)}/"
                f"{vn_count(total)} lớp. {_forms_sentence(figures.forms)} Cụ thể:",
            )
        )
        blocks.append(Block("table", grid=_classes_grid(figures)))
        if figures.without:
            codes = ", ".join(k.code for k in figures.without)
            blocks.append(Block("para", f"Chưa lấy ý kiến đánh giá: lớp {codes}."))
        blocks.append(Block("para", METHOD))
    blocks.append(Block("h1", "II. KẾT QUẢ ĐÁNH GIÁ THEO TỪNG NỘI DUNG"))
    if figures.classes:
        blocks.append(
            Block(
                "para",
                f"Điểm trung bình chung của các lớp: {_mean(figures.distribution)}/5"
                f" ({vn_int(figures.distribution.answers)} câu trả lời của"
                f" {vn_int(figures.forms.valid)} phiếu hợp lệ; mỗi câu trả lời có trọng số"
                " như nhau, không lấy trung bình của điểm các lớp).",
            )
        )
        blocks.append(
            Block(
                "chart",
                chart=Chart(
                    "Điểm trung bình theo lớp (thang điểm 5)",
                    [
                        Bar(
                            c.training_class.code,
                            float(c.distribution.mean or 0),
                            _mean(c.distribution),
                        )
                        for c in figures.classes
                    ],
                ),
            )
        )
        blocks.append(
            Block(
                "chart",
                chart=Chart(
                    "Điểm trung bình theo nội dung đánh giá (thang điểm 5)",
                    [
                        Bar(
                            _KIND_VI[k.kind], float(k.distribution.mean or 0), _mean(k.distribution)
                        )
                        for k in figures.kinds
                    ],
                ),
            )
        )
    for n, kind in enumerate(figures.kinds, 1):
        blocks.append(
            Block("h2", f"{n}. {_KIND_VI[kind.kind]} (điểm trung bình: {_mean(kind.distribution)})")
        )
        blocks.append(Block("table", grid=_indicator_grid(kind.indicators, kind.distribution)))
    blocks.append(Block("h1", "III. KẾT QUẢ ĐÁNH GIÁ GIẢNG VIÊN"))
    if figures.lecturers:
        blocks.append(
            Block(
                "para",
                "Điểm của mỗi giảng viên gộp mọi câu trả lời về giảng viên đó ở các lớp"
                " giảng viên tham gia giảng dạy trong năm:",
            )
        )
        blocks.append(Block("table", grid=_lecturer_grid(figures.lecturers, with_classes=True)))
    else:
        blocks.append(Block("para", "Chưa có kết quả đánh giá giảng viên."))
    blocks.append(Block("h1", "IV. Ý KIẾN CỦA HỌC VIÊN"))
    groups: list[tuple[str, list[str]]] = []
    for c in figures.classes:
        comments = [
            f"{capfirst(_section_name(s))}: {text}" for s in c.sections for text in s.comments
        ]
        title = f"Lớp {c.training_class.code}"
        groups.append((f"{title}: {vn_int(len(comments))} ý kiến" if comments else title, comments))
    if groups:
        blocks.append(
            Block(
                "para",
                "Ý kiến ghi trên các phiếu hợp lệ của từng lớp, theo nội dung, xếp theo thứ tự"
                " chữ cái, không kèm số phiếu:",
            )
        )
        blocks += _comment_blocks(groups)
    else:
        blocks.append(Block("para", "Không có ý kiến."))
    blocks.append(Block("h1", "V. NHẬN XÉT, KẾT LUẬN"))
    blocks += [
        Block("item", f"- {line}")
        for line in _extremes([(_KIND_VI[k.kind], k.distribution) for k in figures.kinds])
    ]
    blocks.append(Block("note", CONCLUSION_PLACEHOLDER))
    blocks.append(
        Block(
            "para",
            f"Trên đây là báo cáo kết quả đánh giá chất lượng các lớp bồi dưỡng năm {year} của"
            f" {issuer.issuing_body}./.",
        )
    )
    return blocks


def year_report(figures: YearFigures, fmt: str, **document) -> bytes:
    issuer = Issuer.of([c.training_class for c in figures.classes] + figures.without)
    frame = _frame(issuer, document.pop("subject", None) or year_subject(figures.year), **document)
    return _write(fmt, frame, year_blocks(figures, issuer), issuer, document["on"])


def _write(fmt: str, frame: Frame, blocks: list[Block], issuer: Issuer, on) -> bytes:
    if fmt == "docx":
        return blocks_docx(frame, blocks, author=issuer.issuing_body)
    return blocks_pdf(frame, blocks, place=issuer.place, on=on, author=issuer.issuing_body)
