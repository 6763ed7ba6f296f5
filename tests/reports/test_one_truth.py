"""One year, every output, the same numbers (issue #14: "one truth for every figure").

The year 2025 has a class held to the end (H: four closed sessions, excused absences
count there, certificates issued), a class running (R: one session closed, one with
marks, two to come), a class planned (N: nothing held) and a practice class (P, left out
of everything). The expected figures are worked out by hand below; the dashboard, the
class workbooks and CSVs, the year workbook's sheets, the results report (Word and PDF)
and certificate eligibility must all state them.

    H (threshold 80 %, excused counts)   s1 s2 s3 s4  counted
      Ánh  unit A, a                      x  x  x  x   4  100 %  eligible
      Bình unit A, b                      x  M  P  V   3   75 %
      Chi  unit B, a                      M  V  V  V   1   25 %
      Dũng unit B, b                      P  P  x  x   4  100 %  eligible
    H: 12 of 16 due = 75 %; certificates 2 of 4 = 50 %.

    R (excused does not count)           s1 s2 (s3, s4 to come)
      Giang unit A, a                     x  M         2 of 2 held = 100 %
      Hà    unit B, b                     V  P         0 of 2 = 0 %
      Khánh unit B, b                     x  —         1 of 2 = 50 %
    R: 3 of 6 due = 50 %; eligibility not decided (attendance not final).

    N: Lâm unit A, a; Minh unit B, b — nothing held: "chưa tổ chức".

    Year: 15 of 22 = 68,2 %.  Unit A: 9/10 = 90 %; unit B: 6/12 = 50 %.
    Category a: 7/10 = 70 %; category b: 8/12 = 66,7 %.  Certificates: 2/4 = 50 %.
"""

from __future__ import annotations

import csv
import datetime
import io
import unicodedata

import docx
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from attendees.models import Attendance, Enrollment
from attendees.rules import NOT_DECIDED, NOT_HELD
from certificates.eligibility import class_eligibility, settings_for
from certificates.services import certificate_issue
from reports.exports import class_csv, class_workbook, year_workbook
from reports.results import results_docx, results_figures, results_pdf
from tests import factories as f

pytestmark = pytest.mark.django_db

YEAR = 2025
CODES = {"H": "TTDN-2025-L1", "R": "TTDN-2025-L2", "N": "TTDN-2025-L3", "P": "TTDN-2025-TH"}
EXPECTED_CLASS = {"H": "75%", "R": "50%", "N": NOT_HELD}
EXPECTED_CELL = {"H": 75.0, "R": 50.0, "N": NOT_HELD}
PERSON_RATE = {  # the matrix / people sheet: rate cell, eligibility
    "Lê Văn Ánh": (100.0, "Có"),
    "Lê Thị Bình": (75.0, "Không"),
    "Lê Văn Chi": (25.0, "Không"),
    "Lê Văn Dũng": (100.0, "Có"),
    "Lò Thị Giang": (100.0, NOT_DECIDED),
    "Lò Thị Hà": (0.0, NOT_DECIDED),
    "Lò Văn Khánh": (50.0, NOT_DECIDED),
    "Vàng A Lâm": (NOT_HELD, NOT_DECIDED),
    "Vàng A Minh": (NOT_HELD, NOT_DECIDED),
}


def _mark(enrollment, session, status):
    at = None
    if status in ("present", "late"):
        at = timezone.make_aware(datetime.datetime.combine(session.date, session.start_time))
    Attendance.objects.create(
        enrollment=enrollment, session=session, status=status, first_scan_at=at
    )


@pytest.fixture
def year(world):
    return _build_year(world)


def _build_year(world, *, dung_fails: bool = False):
    """``dung_fails``: H requires "passed" in the final assessment; Ánh passed, Dũng (all
    four sessions attended) failed, so only Ánh gets a certificate."""
    a, b = world.unit_a, world.unit_b
    organiser = world.class_a.organiser
    plan = world.class_a.plan
    start = datetime.date(YEAR, 3, 6)
    classes = {}
    for key, code in CODES.items():
        classes[key] = f.training_class(
            code=code,
            start_date=start,
            organiser=organiser,
            plan=plan,
            state="running",
            is_practice=key == "P",
        )
        f.quota(classes[key], a, "a", 10)
        f.quota(classes[key], b, "b", 10)
    h, r, n, p = (classes[k] for k in "HRNP")

    def sessions(klass, count):
        return [
            f.session(klass, date=start + datetime.timedelta(days=i // 2), **_half(i))
            for i in range(count)
        ]

    hs, rs, _, ps = sessions(h, 4), sessions(r, 4), sessions(n, 2), sessions(p, 2)

    def person(klass, unit, name, code):
        return f.enrollment(klass, unit, f.participant(unit, full_name=name), code)

    people = {
        "anh": person(h, a, "Lê Văn Ánh", "a"),
        "binh": person(h, a, "Lê Thị Bình", "b"),
        "chi": person(h, b, "Lê Văn Chi", "a"),
        "dung": person(h, b, "Lê Văn Dũng", "b"),
        "giang": person(r, a, "Lò Thị Giang", "a"),
        "ha": person(r, b, "Lò Thị Hà", "b"),
        "khanh": person(r, b, "Lò Văn Khánh", "b"),
        "lam": person(n, a, "Vàng A Lâm", "a"),
        "minh": person(n, b, "Vàng A Minh", "b"),
        "thu": person(p, a, "Thử Văn Thực", "a"),
    }
    codes = {"x": "present", "M": "late", "P": "excused", "V": "absent"}
    rows = {
        "anh": "xxxx",
        "binh": "xMPV",
        "chi": "MVVV",
        "dung": "PPxx",
    }
    for key, marks in rows.items():
        for session, mark in zip(hs, marks, strict=True):
            _mark(people[key], session, codes[mark])
    for key, marks in {"giang": "xM", "ha": "VP", "khanh": "x"}.items():
        for session, mark in zip(rs, marks, strict=False):
            _mark(people[key], session, codes[mark])
    for session in ps:  # the practice class is used, and must not count anywhere
        _mark(people["thu"], session, "present")
    now = timezone.now()
    for session in (*hs, rs[0]):
        session.closed_at = now
        session.save(update_fields=["closed_at"])
    settings = settings_for(h)
    settings.excused_counts = True
    certified = ("anh", "dung")
    if dung_fails:
        settings.assessment_required = "passed"
        for key, result in (("anh", "passed"), ("dung", "failed"), ("binh", "passed")):
            Enrollment.objects.filter(pk=people[key].pk).update(assessment=result)
        certified = ("anh",)
    settings.save()
    for key in certified:
        certificate_issue(actor=world.coordinator, enrollment=people[key])
    if dung_fails:
        with pytest.raises(ValidationError, match="Chưa đạt đánh giá cuối khóa"):
            certificate_issue(actor=world.coordinator, enrollment=people["dung"])
    return classes


def _half(i: int) -> dict:
    if i % 2:
        return {"start_time": datetime.time(13, 30), "end_time": datetime.time(17, 0)}
    return {"start_time": datetime.time(7, 30), "end_time": datetime.time(11, 0)}


def _rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _row(ws, key: str) -> list:
    """The row with a cell reading ``key`` (a class code, a unit, "Tổng cộng")."""
    return next(r for r in _rows(ws) if key in r)


def _header(ws, title: str) -> list:
    return next(r for r in _rows(ws) if title in r)


def _cell(ws, row_key: str, title: str):
    header = _header(ws, title)
    return _row(ws, row_key)[header.index(title)]


def test_the_rules_give_the_hand_worked_figures(year, world):
    figures = results_figures(YEAR, world.coordinator)
    assert [r.training_class.code for r in figures.held] == [CODES["H"], CODES["R"]]
    assert {r.training_class.code: str(r.rate) for r in figures.held} == {
        CODES["H"]: "75%",
        CODES["R"]: "50%",
    }
    t = figures.tally
    assert (t.attended_sessions, t.due_sessions, str(t.rate)) == (15, 22, "68,2%")
    assert (t.final_certified, t.final_enrolled, str(t.certificate_rate)) == (2, 4, "50%")
    units = {r.key: str(r.rate) for r in figures.units.rows}
    assert units == {world.unit_a: "90%", world.unit_b: "50%"}
    categories = {r.key.code: str(r.rate) for r in figures.categories.rows}
    assert categories == {"a": "70%", "b": "66,7%", "c": NOT_HELD, "d": NOT_HELD}
    assert str(figures.units.total.rate) == str(figures.categories.total.rate) == "68,2%"


def test_the_dashboard_states_them(client, year, world):
    client.force_login(world.coordinator)
    response = client.get(reverse("reports:dashboard"), {"year": YEAR})
    body = response.content.decode()
    bars = {b.label: b.value for b in response.context["class_bars"]}
    assert bars == {CODES["H"]: 75.0, CODES["R"]: 50.0, CODES["N"]: None}
    # Both summary tables (units, categories) end with the year's figures.
    assert body.count('data-figure="rate">68,2%<') == 2
    assert body.count('data-figure="certificate-rate">50%<') == 2
    assert f'data-label="{CODES["N"]}" data-value=""' in body  # no bar, no 0 %
    assert "chưa tổ chức" in body
    assert CODES["P"] not in [b.label for b in response.context["class_bars"]]


def test_the_results_page_and_class_pages_state_them(client, year, world):
    client.force_login(world.coordinator)
    body = client.get(reverse("reports:results"), {"year": YEAR}).content.decode()
    assert 'data-figure="rate">68,2%<' in body
    assert 'data-figure="certificate-rate">(50%)<' in body
    page = client.get(reverse("reports:class", args=[CODES["N"]])).content.decode()
    assert page.count('data-col="rate">chưa tổ chức<') == 2  # Lâm and Minh: no 0/0, no 0 %
    page = client.get(reverse("reports:class", args=[CODES["R"]])).content.decode()
    assert 'data-col="rate">1/2 · 50%<' in page  # Khánh: one of the two held sessions


def test_the_class_workbooks_and_csv_state_them(year, world):
    for key in "HRN":
        wb = load_workbook(io.BytesIO(class_workbook(year[key], world.coordinator)))
        matrix = wb["Điểm danh"]
        header = _header(matrix, "Họ và tên")
        name_at, rate_at = header.index("Họ và tên"), header.index("Tỷ lệ (%)")
        eligible_at = header.index("Đủ điều kiện cấp GCN")
        people = [r for r in _rows(matrix) if len(r) > name_at and r[name_at] in PERSON_RATE]
        assert people, key
        for row in people:
            assert (row[rate_at], row[eligible_at]) == PERSON_RATE[row[name_at]], row
        assert _cell(wb["Theo đơn vị"], "Tổng cộng", "Tỷ lệ chuyên cần (%)") == (EXPECTED_CELL[key])
        units_csv = list(csv.reader(io.StringIO(class_csv(year[key], world.coordinator, "units"))))
        total = next(r for r in units_csv if "Tổng cộng" in r)
        expected = EXPECTED_CELL[key]
        text = expected if isinstance(expected, str) else f"{expected:.1f}"
        assert total[-1] == text


def test_the_year_workbook_states_them(year, world):
    out = io.BytesIO()
    year_workbook(YEAR, world.coordinator, out)
    wb = load_workbook(io.BytesIO(out.getvalue()))
    by_class = wb["Theo lớp"]
    for key in "HRN":
        assert _cell(by_class, CODES[key], "Tỷ lệ chuyên cần (%)") == EXPECTED_CELL[key]
    assert CODES["P"] not in [c for r in _rows(by_class) for c in r]
    assert _cell(by_class, "Tổng cộng", "Tỷ lệ chuyên cần (%)") == 68.2
    assert _cell(by_class, "Tổng cộng", "Được cấp GCN") == 2
    units = wb["Theo đơn vị"]
    assert _cell(units, world.unit_a.name, "Tỷ lệ chuyên cần (%)") == 90.0
    assert _cell(units, world.unit_b.name, "Tỷ lệ chuyên cần (%)") == 50.0
    assert _cell(units, "Tổng cộng", "Tỷ lệ chuyên cần (%)") == 68.2
    categories = wb["Theo đối tượng"]
    rates = {
        r[1][:2]: r[-1] for r in _rows(categories) if isinstance(r[1], str) and r[1][1:2] == ")"
    }
    assert rates == {"a)": 70.0, "b)": 66.7}
    assert _cell(categories, "Tổng cộng", "Tỷ lệ chuyên cần (%)") == 68.2
    people = wb["Danh sách học viên"]
    header = _header(people, "Họ và tên")
    name_at, rate_at = header.index("Họ và tên"), header.index("Tỷ lệ (%)")
    eligible_at = header.index("Đủ điều kiện cấp GCN")
    listed = {
        r[name_at]: (r[rate_at], r[eligible_at])
        for r in _rows(people)
        if len(r) > name_at and r[name_at] in PERSON_RATE
    }
    assert listed == PERSON_RATE


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [" | ".join(c.text for c in row.cells) for row in table.rows]
    return "\n".join(texts)


def test_the_results_report_states_them(year, world):
    figures = results_figures(YEAR, world.coordinator)
    document = {
        "number": "12/BC-STTTT",
        "on": datetime.date(YEAR, 12, 5),
        "recipients": "- UBND tỉnh (b/c);\n- Lưu: VT.",
        "signer_title": "GIÁM ĐỐC",
        "signer_name": "Lê Minh Tuấn",
    }
    word = _docx_text(results_docx(figures, **document))
    pdf = " ".join(
        unicodedata.normalize(
            "NFC",
            "\n".join(
                p.extract_text()
                for p in PdfReader(io.BytesIO(results_pdf(figures, **document))).pages
            ),
        ).split()
    )
    for text in (word, " ".join(word.split())):
        assert "tỷ lệ chuyên cần chung đạt 68,2%" in text
        assert "15/22" in text
        assert "2/4 học viên của các lớp đã kết thúc (đạt 50%)" in text
        assert f"Lớp {CODES['N']}" in text and "Chưa tổ chức" in text
        assert "0,0%" not in text
        assert CODES["P"] not in text
    assert f"1 | {CODES['H']} | 4 | 4 | 12/16 | 75%" in word
    assert f"2 | {CODES['R']} | 2 | 3 | 3/6 | 50%" in word
    assert "(02/04 buổi học đã tổ chức)" in word
    for phrase in ("tỷ lệ chuyên cần chung đạt 68,2%", "15/22", "(đạt 50%)"):
        assert phrase in pdf
    assert "0,0%" not in pdf


def test_eligibility_agrees_with_the_matrix_and_the_register(year, world):
    rows = class_eligibility(year["H"])
    eligible = {r.enrollment.participant.full_name for r in rows if r.eligible}
    assert eligible == {n for n, (_, e) in PERSON_RATE.items() if e == "Có"}
    issued = {r.enrollment.participant.full_name for r in rows if r.certificate}
    assert issued == eligible
    for r in rows:
        name = r.enrollment.participant.full_name
        assert r.rate.cell == PERSON_RATE[name][0]


# ---------------------------------------------------------------------------- #18


@pytest.fixture
def assessed_year(world):
    return _build_year(world, dung_fails=True)


# Dũng attended all four sessions of H but failed the final assessment H requires.
ASSESSED_RATE = {**PERSON_RATE, "Lê Văn Dũng": (100.0, "Không")}


def test_a_failed_assessment_is_not_eligible_anywhere(client, assessed_year, world):
    h = assessed_year["H"]
    rows = class_eligibility(h)
    eligible = {r.enrollment.participant.full_name for r in rows if r.eligible}
    assert eligible == {"Lê Văn Ánh"}
    dung = next(r for r in rows if r.enrollment.participant.full_name == "Lê Văn Dũng")
    assert dung.attendance_met and dung.reason == "Chưa đạt đánh giá cuối khóa."
    # The class workbook: the verdict, and the assessment in its one column.
    wb = load_workbook(io.BytesIO(class_workbook(h, world.coordinator)))
    matrix = wb["Điểm danh"]
    header = _header(matrix, "Họ và tên")
    name_at, rate_at = header.index("Họ và tên"), header.index("Tỷ lệ (%)")
    eligible_at = header.index("Đủ điều kiện cấp GCN")
    assessed_at = header.index("Đánh giá cuối khóa")
    listed = {
        r[name_at]: (r[rate_at], r[eligible_at], r[assessed_at])
        for r in _rows(matrix)
        if len(r) > name_at and r[name_at] in ASSESSED_RATE
    }
    assert listed == {
        "Lê Văn Ánh": (100.0, "Có", "Đạt"),
        "Lê Thị Bình": (75.0, "Không", "Đạt"),
        "Lê Văn Chi": (25.0, "Không", None),  # not assessed: an empty cell
        "Lê Văn Dũng": (100.0, "Không", "Không đạt"),
    }
    footer = _row(matrix, "Số người có mặt (x, M)")
    assert footer[eligible_at] == 1
    # R is not assessed: no column there.
    other = load_workbook(io.BytesIO(class_workbook(assessed_year["R"], world.coordinator)))
    assert "Đánh giá cuối khóa" not in _header(other["Điểm danh"], "Họ và tên")
    # The year workbook's people sheet.
    out = io.BytesIO()
    year_workbook(YEAR, world.coordinator, out)
    people = load_workbook(io.BytesIO(out.getvalue()))["Danh sách học viên"]
    header = _header(people, "Họ và tên")
    name_at, rate_at = header.index("Họ và tên"), header.index("Tỷ lệ (%)")
    eligible_at = header.index("Đủ điều kiện cấp GCN")
    listed = {
        r[name_at]: (r[rate_at], r[eligible_at])
        for r in _rows(people)
        if len(r) > name_at and r[name_at] in PERSON_RATE
    }
    assert listed == ASSESSED_RATE
    notes = " ".join(c for r in _rows(people) for c in r if isinstance(c, str))
    assert "cần đạt cả đánh giá cuối khóa" in notes
    # The class report page: no "Qualifies" for Dũng, his result marked.
    client.force_login(world.coordinator)
    response = client.get(reverse("reports:class", args=[CODES["H"]]))
    by_id = {r.full_name: r for r in response.context["matrix"].rows}
    assert by_id["Lê Văn Dũng"].eligible is False
    assert by_id["Lê Văn Dũng"].assessment_text == "Không đạt"
    assert 'data-col="assessment">Không đạt<' in response.content.decode()
    # The certificate figures: 1 of H's 4.
    figures = results_figures(YEAR, world.coordinator)
    t = figures.tally
    assert (t.final_certified, t.final_enrolled, str(t.certificate_rate)) == (1, 4, "25%")
    assert (t.attended_sessions, t.due_sessions, str(t.rate)) == (15, 22, "68,2%")
