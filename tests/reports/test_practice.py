"""A practice class (for trying the tool) is not part of the plan: every official output
of its year — dashboard, class-rate list, year workbook, results report — leaves it out,
and the pages say that it is a practice class."""

import datetime
import io

import docx
import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from courses.models import TrainingClass
from reports.exports import PRACTICE_LINE, class_pdf, class_workbook, year_workbook
from reports.queries import class_rates, classes_for_year
from reports.results import report_blocks, results_docx, results_figures
from tests import factories as f
from tests.reports.conftest import mark

pytestmark = pytest.mark.django_db

PRACTICE = "TTDN-THUCHANH"


@pytest.fixture
def practice(year, world):
    """Beside the held class_a of 2023 (conftest `year`): a closed practice class of the
    same year, with people of both units who missed every session — 0 %, so it would
    drag every rate down and be "a class under 80 %" if it were counted."""
    klass = f.training_class(
        code=PRACTICE,
        title="Lớp thực hành điểm danh",
        start_date=datetime.date(2023, 11, 20),
        state="closed",
        is_practice=True,
        plan=world.class_a.plan,
        organiser=world.class_a.organiser,
    )
    f.quota(klass, world.unit_a, "a", 5)
    f.quota(klass, world.unit_b, "b", 5)
    session = f.session(klass)
    session.closed_at = timezone.make_aware(
        datetime.datetime.combine(session.date, session.end_time)
    )
    session.save(update_fields=["closed_at"])
    for unit, name, code in (
        (world.unit_a, "Lò Thị Thử", "a"),
        (world.unit_a, "Tòng Văn Thử", "a"),
        (world.unit_b, "Giàng A Thử", "b"),
    ):
        e = f.enrollment(klass, unit, f.participant(unit, full_name=name), code)
        mark(e, session, "absent")
    return klass


def test_official_leaves_out_practice_classes(practice, world):
    assert practice not in TrainingClass.objects.official()
    assert world.class_a in TrainingClass.objects.official()
    assert list(TrainingClass.objects.practice()) == [practice]


def test_class_rates_and_year_classes_leave_out_the_practice_class(practice, world):
    classes = classes_for_year(2023, world.coordinator)
    assert practice not in classes and world.class_a in classes
    codes = {r.training_class.code for r in class_rates(classes, world.coordinator)}
    assert PRACTICE not in codes and world.class_a.code in codes


def test_dashboard_figures_leave_out_the_practice_class_and_say_so(client, practice, world):
    client.force_login(world.coordinator)
    response = client.get(reverse("reports:dashboard"), {"year": 2023})
    ctx = response.context
    # Every official class, the one not held yet with no rate ("chưa tổ chức", not 0 %).
    assert {b.label: b.value for b in ctx["class_bars"]} == {
        world.class_a.code: pytest.approx(66.7),
        world.class_b.code: None,
    }
    assert practice not in ctx["classes"]
    # class_a alone: Ánh 3/3, Hường 2/3, Dơ 1/3 (excused does not count) — 6/9.
    rows = {r.label: r for r in ctx["units"].rows}
    assert sum(r.enrolled for r in ctx["units"].rows) == 3
    assert {b.label: b.value for b in ctx["unit_bars"]} == {
        world.unit_a.name: pytest.approx(round(5 * 100 / 6, 1)),
        world.unit_b.name: pytest.approx(round(1 * 100 / 3, 1)),
    }
    assert rows[world.unit_b.name].enrolled == 1
    assert sum(r.enrolled for r in ctx["categories"].rows) == 3
    body = response.content.decode()
    assert 'id="practice-left-out"' in body and PRACTICE in body and "Lớp thực hành" in body


def test_year_workbook_sheets_leave_out_the_practice_class(practice, world):
    out = io.BytesIO()
    rows = year_workbook(2023, world.coordinator, out)
    assert rows == 3
    wb = load_workbook(io.BytesIO(out.getvalue()))
    for ws in wb:
        values = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
        assert PRACTICE not in values, ws.title
        assert not any(isinstance(v, str) and "Thử" in v for v in values), ws.title
    by_class = [
        row for row in wb["Theo lớp"].iter_rows(values_only=True) if row[1] == world.class_a.code
    ]
    assert len(by_class) == 1
    total = next(r for r in wb["Theo lớp"].iter_rows(values_only=True) if "Tổng cộng" in r)
    at = total.index("Tổng cộng")
    # Sessions (class_a's 3, class_b's 1), held (class_a's 3), people (class_a's 3) and
    # 6/9 attended.
    assert total[at + 5 : at + 9] == (4, 3, 3, pytest.approx(66.7))
    units = {
        row[1]: row
        for row in wb["Theo đơn vị"].iter_rows(values_only=True)
        if row[1] in (world.unit_a.name, world.unit_b.name)
    }
    assert set(units) == {world.unit_a.name, world.unit_b.name}


def test_results_report_counts_only_the_plans_classes(practice, world):
    figures = results_figures(2023, world.coordinator)
    codes = {k.code for k in figures.classes}
    assert PRACTICE not in codes
    assert PRACTICE not in {r.training_class.code for r in figures.held}
    assert PRACTICE not in {r.training_class.code for r in figures.classes_below_target}
    text = "\n".join(b.text for b in report_blocks(figures))
    # class_a (held) and class_b (2023, nominating): "tổ chức 02 lớp", not 03.
    assert "tổ chức 02 lớp" in text and "tổ chức 03 lớp" not in text
    assert PRACTICE not in text
    data = results_docx(
        figures,
        number="1/BC-STTTT",
        on=datetime.date(2023, 12, 5),
        recipients="- Lưu: VT.",
        signer_title="GIÁM ĐỐC",
        signer_name="Lê Minh Tuấn",
    )
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs] + [
        c.text for t in document.tables for row in t.rows for c in row.cells
    ]
    assert not any(PRACTICE in t for t in texts)


def test_the_practice_class_pages_say_it_is_one(client, practice, world):
    client.force_login(world.coordinator)
    for url in (
        reverse("courses:class-detail", args=[PRACTICE]),
        reverse("reports:class", args=[PRACTICE]),
    ):
        body = client.get(url).content.decode()
        assert "practice-badge" in body and "Lớp thực hành" in body, url
        assert "practice-note" in body, url
    official = client.get(reverse("courses:class-detail", args=[world.class_a.code]))
    assert "practice-badge" not in official.content.decode()
    results = client.get(reverse("reports:results"), {"year": 2023})
    assert PRACTICE not in {k.code for k in results.context["figures"].classes}
    assert 'id="practice-left-out"' in results.content.decode()
    listing = client.get(reverse("courses:dashboard"), {"year": 2023}).content.decode()
    assert "practice-badge" in listing and "1 lớp thực hành không tính" in listing


def test_the_practice_class_own_exports_say_it_is_one(practice, world):
    def workbook_texts(klass):
        wb = load_workbook(io.BytesIO(class_workbook(klass, world.coordinator)))
        return {c for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c}

    assert PRACTICE_LINE in workbook_texts(practice)
    assert PRACTICE_LINE not in workbook_texts(world.class_a)
    pdf = PdfReader(io.BytesIO(class_pdf(practice, world.coordinator, "matrix")))
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert "làm quen với phần mềm" in text
