"""The results report for the province: figures against counts made independently with
the ORM, the Word file and the PDF read back, the form page and the export, and who may
use them."""

import datetime
import io
import re
import unicodedata
from urllib.parse import parse_qs, quote, urlsplit

import docx
import pytest
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from docx.shared import Pt
from pypdf import PdfReader

from attendees.models import LIVE_STATES, Attendance, Enrollment, Nomination
from certificates import services as certificate_services
from certificates.models import Certificate
from core.documents.wording import vn_int, vn_pct
from courses.models import Organisation, Plan, Quota, Session, TrainingClass
from materials.models import (
    ClassMaterial,
    Dispatch,
    DistributionLine,
    Edition,
    Handover,
    Language,
    Material,
)
from reports.results import (
    PROPOSAL_PLACEHOLDER,
    assessment,
    report_blocks,
    results_docx,
    results_figures,
    results_pdf,
)
from tests import factories as f
from tests.core.test_header import pdffonts

pytestmark = pytest.mark.django_db

YEAR = 2023
ON = datetime.date(2023, 12, 5)
RECIPIENTS = "- UBND tỉnh (b/c);\n- Bộ Thông tin và Truyền thông (b/c);\n- Lưu: VT, TTBC."
DOCUMENT = {
    "number": "125/BC-STTTT",
    "on": ON,
    "recipients": RECIPIENTS,
    "signer_title": "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
    # Typed on a keyboard that sends decomposed letters: the file says it in NFC.
    "signer_name": unicodedata.normalize("NFD", "Lê Minh Tuấn"),
}
ATTENDED = ("present", "late")


def _mark(enrollment, session, status):
    at = None
    if status in ATTENDED:
        at = timezone.make_aware(datetime.datetime.combine(session.date, session.start_time))
    Attendance.objects.create(
        enrollment=enrollment, session=session, status=status, first_scan_at=at
    )


@pytest.fixture
def year(world):
    """2023: class_a (L3) held — three closed sessions, four people of two units in
    categories a and c, two certificates (one re-issued), a hand-out; class_b (L2) still
    nominating with one enrollment; a handbook printed and sent to a border post and a
    cultural house; the plan's budget."""
    province = f.organisation(
        name="Ủy ban nhân dân tỉnh Lai Châu",
        code="12",
        kind="province_ubnd",
        can_nominate=False,
        place="Lai Châu",
    )
    department = f.organisation(
        name="Sở Thông tin và Truyền thông tỉnh Lai Châu",
        short_name="STTTT",
        code="STTTT",
        kind="department",
        parent=province,
        place="Lai Châu",
    )
    plan = Plan.objects.create(
        title="Kế hoạch thực hiện nhiệm vụ thông tin đối ngoại năm 2023",
        number="12/KH-UBND",
        year=YEAR,
        issued_by=province,
        issued_on=datetime.date(2023, 3, 13),
        budget_vnd=2_053_000_000,
    )
    hall = f.venue(name="Hội trường UBND huyện Mường Tè", address="Thị trấn Mường Tè")
    TrainingClass.objects.filter(pk__in=[world.class_a.pk, world.class_b.pk]).update(
        organiser=department, plan=plan
    )
    klass = TrainingClass.objects.get(pk=world.class_a.pk)
    klass.sessions.all().delete()
    sessions = [
        f.session(klass, trainers=[world.trainer.trainer]),
        f.session(klass, start_time=datetime.time(13, 30), end_time=datetime.time(17, 0)),
        f.session(klass, date=klass.start_date + datetime.timedelta(days=1), venue=hall),
    ]
    a, b = world.unit_a, world.unit_b
    people = {
        "full": f.enrollment(klass, a, f.participant(a, full_name="Nguyễn Thị Hường")),
        "two": f.enrollment(klass, a, f.participant(a, full_name="Lò Văn Ánh")),
        "none": f.enrollment(klass, a, f.participant(a, full_name="Vàng A Dơ")),
        "c": f.enrollment(klass, b, f.participant(b, full_name="Đặng Quốc Bảo"), code="c"),
    }
    for key, statuses in {
        "full": ("present", "present", "present"),
        "two": ("late", "present", "absent"),
        "none": ("absent", "absent", "excused"),
        "c": ("present", "late", "present"),
    }.items():
        for session, status in zip(sessions, statuses, strict=True):
            _mark(people[key], session, status)
    f.nomination(klass, a, "a", state="submitted")  # nominated, not (yet) approved
    f.nomination(klass, a, "a", state="withdrawn")  # not counted
    Session.objects.filter(training_class=klass).update(closed_at=timezone.now())
    TrainingClass.objects.filter(pk=klass.pk).update(state="closed")
    klass.refresh_from_db()

    certificate_services.certificate_issue(actor=world.coordinator, enrollment=people["full"])
    wrong, _ = certificate_services.certificate_issue(
        actor=world.coordinator, enrollment=people["c"]
    )
    certificate_services.certificate_reissue(
        actor=world.coordinator, certificate=wrong, reason="Sai chính tả họ tên"
    )
    f.enrollment(world.class_b, b, f.participant(b, full_name="Tòng Thị Ánh"))

    vi = Language.objects.get(code="vi")
    handbook = Material.objects.create(
        title="Sổ tay nghiệp vụ thông tin đối ngoại", kind="handbook", year=YEAR
    )
    printed = Edition.objects.create(
        material=handbook, label="Tiếng Việt, in lần 1", year=YEAR, printed_copies=1500
    )
    printed.languages.set([vi])
    clip = Material.objects.create(title="Video clip biên giới", kind="video", year=YEAR)
    digital = Edition.objects.create(material=clip, label="Tiếng Mông", year=YEAR)
    digital.languages.set([Language.objects.get(code="hmn")])
    post = f.organisation(name="Đồn Biên phòng Ka Lăng", kind="border_post", can_nominate=False)
    house = f.organisation(name="Nhà văn hóa xã Tá Bạ", kind="cultural_house", can_nominate=False)
    line_post = DistributionLine.objects.create(edition=printed, recipient=post, planned=100)
    line_house = DistributionLine.objects.create(edition=printed, recipient=house, planned=50)
    Dispatch.objects.create(
        line=line_post,
        dispatched_on=datetime.date(2023, 11, 1),
        quantity=100,
        carrier="Bưu điện",
        received_on=datetime.date(2023, 11, 5),
        received_by="Thượng úy Lò Văn Sương",
        received_quantity=90,
    )
    Dispatch.objects.create(
        line=line_house, dispatched_on=datetime.date(2023, 11, 2), quantity=50, carrier="Bưu điện"
    )
    use = ClassMaterial.objects.create(training_class=klass, edition=printed)
    for key in ("full", "two"):
        Handover.objects.create(
            class_material=use, enrollment=people[key], handed_at=timezone.now(), method="list"
        )
    return {"klass": klass, "sessions": sessions, "people": people, "plan": plan}


# ---------------------------------------------------------------------------- figures


def test_figures_equal_independent_counts(year, world):
    figures = results_figures(YEAR, world.coordinator)
    classes = TrainingClass.objects.filter(year=YEAR)
    # Held: a session closed or with a mark (attendees.rules), counted here by hand.
    held = classes.filter(
        Q(sessions__closed_at__isnull=False) | Q(sessions__attendances__isnull=False)
    ).distinct()
    enrollments = Enrollment.objects.filter(training_class__in=classes)

    assert len(figures.classes) == classes.count() == 2
    assert [r.training_class for r in figures.held] == list(held) == [year["klass"]]
    assert [c.code for c in figures.not_held] == ["TTDN-2023-L2"]
    assert figures.sessions_held == Session.objects.filter(training_class__in=held).count() == 3

    total = figures.categories.total
    assert (
        total.seats
        == Quota.objects.filter(training_class__in=classes).aggregate(n=Sum("seats"))["n"]
    )
    assert total.nominated == (
        Nomination.objects.filter(training_class__in=classes, state__in=LIVE_STATES).count()
    )
    assert total.enrolled == enrollments.count() == 5
    attended = enrollments.filter(attendances__status__in=ATTENDED).distinct()
    assert total.participants == attended.count() == 3

    by_category = {r.key.code: r for r in figures.categories.rows}
    assert list(by_category) == ["a", "b", "c", "d"]  # every category, the empty ones too
    for code, row in by_category.items():
        assert (
            row.seats
            == (
                Quota.objects.filter(training_class__in=classes, category__code=code).aggregate(
                    n=Sum("seats", default=0)
                )["n"]
            )
        )
        assert row.enrolled == enrollments.filter(category__code=code).count()
        assert row.participants == attended.filter(category__code=code).count()
    by_unit = {r.key: r for r in figures.units.rows}
    for unit in (world.unit_a, world.unit_b):
        assert by_unit[unit].enrolled == enrollments.filter(organisation=unit).count()
        assert (
            by_unit[unit].seats
            == Quota.objects.filter(training_class__in=classes, organisation=unit).aggregate(
                n=Sum("seats")
            )["n"]
        )

    held_enrollments = enrollments.filter(training_class__in=held)
    present = Attendance.objects.filter(
        enrollment__in=held_enrollments, status__in=ATTENDED
    ).count()
    due = held_enrollments.count() * 3
    t = figures.tally
    assert (t.attended_sessions, t.due_sessions) == (present, due) == (8, 12)
    assert str(figures.rate) == "66,7%"
    assert str(figures.held[0].rate) == "66,7%"
    # L3's attendance is final: its 4 people are the certificate rate's base.
    assert (t.final_certified, t.final_enrolled) == (2, 4)
    assert str(figures.certificate_rate) == "50%"

    certificates = Certificate.objects.filter(training_class__in=classes)
    assert figures.certificates_valid == certificates.filter(revoked_at__isnull=True).count() == 2
    assert figures.certificates_revoked == certificates.exclude(revoked_at=None).count() == 1
    assert figures.certificates_replaced == 1
    assert figures.held[0].certified == 2

    m = figures.materials
    editions = Edition.objects.filter(year=YEAR)
    assert m.titles == Material.objects.filter(year=YEAR).count() == 2
    assert len(m.editions) == editions.count() == 2
    assert m.printed == editions.aggregate(n=Sum("printed_copies"))["n"] == 1500
    lines = DistributionLine.objects.filter(edition__in=editions)
    assert m.planned == lines.aggregate(n=Sum("planned"))["n"] == 150
    dispatches = Dispatch.objects.filter(line__in=lines)
    assert m.sent == dispatches.aggregate(n=Sum("quantity"))["n"] == 150
    assert m.received == dispatches.aggregate(n=Sum("received_quantity"))["n"] == 90
    assert m.handed_out == Handover.objects.count() == 2
    assert m.handed_to == 2
    groups = {g.key: (g.recipients, g.planned, g.sent, g.received) for g in m.groups}
    assert groups == {"border_posts": (1, 100, 100, 90), "cultural_houses": (1, 50, 50, 0)}
    assert m.languages == ["Tiếng Việt", "Tiếng Mông"]
    assert [e.edition.label for e in m.distributed] == ["Tiếng Việt, in lần 1"]

    assert figures.budget_vnd == 2_053_000_000
    assert figures.parent_body == "UBND tỉnh Lai Châu"
    assert figures.issuing_body == "Sở Thông tin và Truyền thông"
    assert (figures.short_name, figures.place) == ("STTTT", "Lai Châu")


def test_a_viewer_gets_the_same_figures_as_the_coordinator(year, world):
    mine = results_figures(YEAR, world.coordinator)
    theirs = results_figures(YEAR, world.viewer)
    assert theirs.categories.total == mine.categories.total
    assert (theirs.rate, theirs.certificates_valid) == (mine.rate, mine.certificates_valid)


def test_an_empty_year_reports_nothing_held(world):
    figures = results_figures(2030, world.coordinator)
    assert (figures.held, figures.classes, figures.budget_vnd) == ([], [], None)
    texts = [b.text for b in report_blocks(figures)]
    assert "Đến thời điểm báo cáo chưa tổ chức lớp nào." in " ".join(texts)
    assert PROPOSAL_PLACEHOLDER in texts
    results_docx(figures, **DOCUMENT)  # nothing to divide by zero
    results_pdf(figures, **DOCUMENT)


def test_vietnamese_number_formats():
    assert vn_int(2_053_000_000) == "2.053.000.000"
    assert vn_int(360) == "360"
    assert vn_pct(86.24) == "86,2%"
    assert vn_pct(100.0) == "100%"
    assert vn_pct(58.3) == "58,3%"


def test_assessment_is_read_off_the_numbers(year, world):
    lines = assessment(results_figures(YEAR, world.coordinator))
    text = "\n".join(lines)
    assert "Đã tổ chức 01/02 lớp theo Kế hoạch; còn 01 lớp chưa tổ chức." in text
    assert "thấp hơn mức 80%" in text
    assert "TTDN-2023-L3 (66,7%)" in text
    # unit A: 3 of 30; unit B: 1 of 5 in L3 and 1 of 40 in L2.
    assert "UBND huyện Mường Tè (3/30)" in text
    assert "UBND huyện Phong Thổ (2/45)" in text
    assert "Chưa có học viên thuộc đối tượng b), d)." in text
    assert "Còn 60/150 bản tài liệu" in text


# ---------------------------------------------------------------------------- Word


def _docx_texts(document) -> list[str]:
    texts = [p.text for p in document.paragraphs]

    def cells(table):
        for row in table.rows:
            for cell in row.cells:
                yield from (p.text for p in cell.paragraphs)
                for inner in cell.tables:
                    yield from cells(inner)

    for table in document.tables:
        texts += list(cells(table))
    return texts


def _table_with_header(document, first: str, second: str):
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        if header[:2] == [first, second]:
            return [[c.text for c in row.cells] for row in table.rows]
    raise AssertionError(f"no table {first} | {second}")


def test_docx_reads_back_with_the_decree_30_layout(year, world):
    data = results_docx(results_figures(YEAR, world.coordinator), **DOCUMENT)
    document = docx.Document(io.BytesIO(data))
    texts = _docx_texts(document)
    joined = "\n".join(texts)
    assert joined == unicodedata.normalize("NFC", joined)

    header = [[c.text for c in row.cells] for row in document.tables[0].rows]
    left, right = header[0]
    assert left.splitlines()[:2] == ["UBND TỈNH LAI CHÂU", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"]
    assert right.splitlines()[:2] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert header[1] == ["Số: 125/BC-STTTT", "Lai Châu, ngày 05 tháng 12 năm 2023"]
    cell = document.tables[0].rows[0].cells
    assert cell[0].paragraphs[1].runs[0].bold and cell[1].paragraphs[0].runs[0].bold
    assert document.tables[0].rows[1].cells[1].paragraphs[0].runs[0].italic

    title = texts.index("BÁO CÁO")
    assert texts[title + 1].startswith("Kết quả tổ chức các lớp bồi dưỡng")
    assert texts[title + 1].endswith("năm 2023")
    assert document.paragraphs[title].runs[0].bold
    for heading in (
        "I. KẾT QUẢ THỰC HIỆN",
        "1. Công tác tổ chức lớp",
        "2. Thành phần học viên",
        "3. Chuyên cần",
        "4. Cấp giấy chứng nhận",
        "5. Tài liệu",
        "6. Kinh phí",
        "II. ĐÁNH GIÁ CHUNG",
        "III. ĐỀ XUẤT, KIẾN NGHỊ",
        PROPOSAL_PLACEHOLDER,
    ):
        assert heading in texts, heading
    assert any(t.startswith("Thực hiện Kế hoạch số 12/KH-UBND ngày 13/3/2023") for t in texts)
    assert any("Lớp TTDN-2023-L3" in t and "Hội trường UBND huyện Mường Tè" in t for t in texts)
    assert any("tỷ lệ chuyên cần chung đạt 66,7%" in t for t in texts)
    assert any("Đã cấp 2 giấy chứng nhận" in t and "Đã thu hồi 1" in t for t in texts)
    assert any(
        "2.053.000.000 đồng" in t and "Hai tỷ không trăm năm mươi ba triệu đồng" in t for t in texts
    )
    assert any("in 1.500 bản" in t for t in texts)

    categories = _table_with_header(document, "TT", "Đối tượng")
    assert categories[0] == ["TT", "Đối tượng", "Chỉ tiêu", "Được cử", "Được duyệt", "Tham gia"]
    rows = {r[0]: r[2:] for r in categories[1:]}
    assert rows["a"] == ["70", "5", "4", "2"]  # 30 + 40 seats; 4 live nominations + 1 in L2
    assert rows["c"] == ["5", "1", "1", "1"]
    assert rows["b"] == rows["d"] == ["0", "0", "0", "0"]
    assert categories[-1][1:] == ["Tổng cộng", "75", "6", "5", "3"]
    units = _table_with_header(document, "TT", "Đơn vị cử")
    assert [r[1] for r in units[1:-1]] == ["UBND huyện Mường Tè", "UBND huyện Phong Thổ"]
    attendance = _table_with_header(document, "TT", "Lớp")
    assert attendance[1][1:] == ["TTDN-2023-L3", "3", "4", "8/12", "66,7%"]
    materials = _table_with_header(document, "TT", "Tài liệu")
    assert materials[1][3:] == ["1.500", "150", "150", "90", "2"]

    signature = [c.text for c in document.tables[-1].rows[0].cells]
    assert signature[0].splitlines() == ["Nơi nhận:", *RECIPIENTS.splitlines()]
    lines = [line for line in signature[1].splitlines() if line]
    assert lines == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Lê Minh Tuấn"]
    to = document.tables[-1].rows[0].cells[0].paragraphs
    assert to[0].runs[0].bold and to[0].runs[0].italic and to[0].runs[0].font.size == Pt(12)
    assert to[1].runs[0].font.size == Pt(11)


def test_docx_page_fonts_and_plain_structure(year, world):
    data = results_docx(results_figures(YEAR, world.coordinator), **DOCUMENT)
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm, 1) for m in margins] == [20, 20, 30, 15]
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(14)
    fonts = normal.element.rPr.rFonts
    assert {
        fonts.get(f"{{{fonts.nsmap['w']}}}{a}") for a in ("ascii", "hAnsi", "eastAsia", "cs")
    } == {"Times New Roman"}
    sizes = {
        run.font.size.pt
        for p in document.paragraphs
        for run in p.runs
        if run.font.size is not None and run.text
    }
    assert sizes <= {13, 14}  # body and title; tables and "Nơi nhận" are 11–12
    assert not document.inline_shapes
    xml = document.element.xml
    assert "<w:drawing" not in xml and "<w:pict" not in xml and "<w:object" not in xml
    assert section.different_first_page_header_footer
    assert 'w:instr="PAGE"' in section.header._element.xml
    placeholder = next(p for p in document.paragraphs if p.text == PROPOSAL_PLACEHOLDER)
    assert placeholder.runs[0].italic and placeholder.runs[0].font.highlight_color is not None


def test_an_empty_number_leaves_room_for_the_clerk(year, world):
    figures = results_figures(YEAR, world.coordinator)
    data = results_docx(figures, **{**DOCUMENT, "number": ""})
    number = docx.Document(io.BytesIO(data)).tables[0].rows[1].cells[0].text
    assert re.fullmatch(r"Số: \u00a0{8}/BC-STTTT", number)
    data = results_docx(figures, **{**DOCUMENT, "number": "/BC-STTTT"})
    assert docx.Document(io.BytesIO(data)).tables[0].rows[1].cells[0].text == number


# ---------------------------------------------------------------------------- PDF


def _pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_pdf_has_the_same_key_texts_and_embeds_its_fonts(year, world, tmp_path):
    data = results_pdf(results_figures(YEAR, world.coordinator), **DOCUMENT)
    text = _pdf_text(data)
    for expected in (
        "UBND TỈNH LAI CHÂU",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 125/BC-STTTT",
        "Lai Châu, ngày 05 tháng 12 năm 2023",
        "BÁO CÁO",
        "Kết quả tổ chức các lớp bồi dưỡng",
        "I. KẾT QUẢ THỰC HIỆN",
        "II. ĐÁNH GIÁ CHUNG",
        "66,7%",
        "2.053.000.000",
        "Tổng cộng 75 6 5 3",
        "Nơi nhận:",
        "- Lưu: VT, TTBC.",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Lê Minh Tuấn",
    ):
        assert expected in text, expected
    # A PDF is signed as printed: the field the officer fills in the .docx is not in it,
    # nor the heading of a section that held nothing else.
    assert PROPOSAL_PLACEHOLDER not in text
    assert "Đề xuất của Sở" not in text
    assert "chỉnh sửa trước khi ký" not in text
    assert "III. ĐỀ XUẤT, KIẾN NGHỊ" not in text
    fonts = pdffonts(data, tmp_path)
    assert fonts and all(row[-5] == "yes" for row in fonts), fonts  # emb column
    assert all("IBMPlexSerif" in row[0] for row in fonts), fonts


# ---------------------------------------------------------------------------- pages

PERSONAS = ["anonymous", "outsider", "nominator_a", "trainer", "viewer", "coordinator"]
EXPECTED = (302, 403, 403, 403, 200, 200)


def _urls():
    return {
        "form": reverse("reports:results"),
        "docx": reverse("reports:results-export", args=[YEAR, "docx"]),
        "pdf": reverse("reports:results-export", args=[YEAR, "pdf"]),
    }


@pytest.mark.parametrize("page", ["form", "docx", "pdf"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_access(client, world, page, persona):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    response = client.get(_urls()[page])
    assert response.status_code == EXPECTED[PERSONAS.index(persona)], f"{persona} on {page}"


def test_form_page_previews_the_figures_and_links_the_exports(client, year, world):
    client.force_login(world.viewer)
    page = client.get(reverse("reports:results"), {"year": YEAR, "number": "125/BC-STTTT"})
    assert page.status_code == 200
    html = page.content.decode()
    figures = page.context["figures"]
    assert figures.categories.total.enrolled == 5
    assert 'data-figure="classes">1/2<' in html
    assert 'data-figure="rate">66,7%<' in html  # Vietnamese decimal comma
    assert 'data-figure="budget">2.053.000.000<' in html
    assert '<tr data-class="TTDN-2023-L3">' in html
    assert "Sổ tay nghiệp vụ thông tin đối ngoại" in html
    assert "thấp hơn mức 80%" in html
    assert "GIÁM ĐỐC" in html and "Lưu: VT, TTBC." in html  # the defaults
    link = page.context["exports"]["docx"]
    parts = urlsplit(link)
    assert parts.path == reverse("reports:results-export", args=[YEAR, "docx"])
    query = parse_qs(parts.query)
    assert query["number"] == ["125/BC-STTTT"]
    assert query["recipients"][0].splitlines()[-1] == "- Lưu: VT, TTBC."
    response = client.get(link)
    assert response.status_code == 200
    assert docx.Document(io.BytesIO(response.content)).tables[0].rows[1].cells[0].text == (
        "Số: 125/BC-STTTT"
    )


def test_form_page_without_parameters_uses_the_defaults(client, year, world):
    client.force_login(world.coordinator)
    page = client.get(reverse("reports:results"))
    form = page.context["form"]
    assert not form.is_bound
    assert form.initial["signer_title"] == "GIÁM ĐỐC"
    assert form.initial["recipients"].startswith("- UBND tỉnh (b/c);")
    assert page.context["year"] == YEAR
    assert set(page.context["exports"]) == {"docx", "pdf"}


def test_export_names_the_file_in_vietnamese_with_an_ascii_fallback(client, year, world):
    client.force_login(world.coordinator)
    params = {
        "number": "125/BC-STTTT",
        "on": "05/12/2023",
        "recipients": RECIPIENTS,
        "signer_title": "GIÁM ĐỐC",
        "signer_name": "Lê Minh Tuấn",
    }
    docx_response = client.get(_urls()["docx"], params)
    assert docx_response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    disposition = docx_response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="bao-cao-ket-qua-2023.docx"')
    assert "filename*=UTF-8''" + quote("Báo cáo kết quả 2023.docx", safe="") in disposition
    texts = _docx_texts(docx.Document(io.BytesIO(docx_response.content)))
    assert "Lai Châu, ngày 05 tháng 12 năm 2023" in texts
    assert "GIÁM ĐỐC" in texts and "Lê Minh Tuấn" in texts

    pdf_response = client.get(_urls()["pdf"], params)
    assert pdf_response["Content-Type"] == "application/pdf"
    assert 'filename="bao-cao-ket-qua-2023.pdf"' in pdf_response["Content-Disposition"]
    assert "Lai Châu, ngày 05 tháng 12 năm 2023" in _pdf_text(pdf_response.content)


def test_export_refuses_a_bad_format_a_bad_year_and_a_bad_date(client, world):
    client.force_login(world.coordinator)
    assert client.get(reverse("reports:results-export", args=[YEAR, "xlsx"])).status_code == 404
    assert client.get(reverse("reports:results-export", args=[1066, "pdf"])).status_code == 404
    bad = client.get(_urls()["pdf"], {"on": "31/02/2023"})
    assert bad.status_code == 400
    blank = client.get(_urls()["pdf"], {"recipients": " "})
    assert blank.status_code == 400


def test_a_year_without_classes_gets_the_default_header(client, world):
    """A year with no class still gives a valid document with the default header."""
    client.force_login(world.coordinator)
    response = client.get(reverse("reports:results-export", args=[2030, "docx"]))
    texts = _docx_texts(docx.Document(io.BytesIO(response.content)))
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in "\n".join(texts)
    assert Organisation.objects.filter(name__icontains="Thông tin").count() == 0


def test_form_with_a_bad_date_shows_the_error_and_no_export_links(client, year, world):
    client.force_login(world.coordinator)
    page = client.get(reverse("reports:results"), {"year": YEAR, "on": "31/02/2023"})
    assert page.status_code == 200
    assert page.context["form"].errors["on"]
    assert page.context["exports"] == {}
    assert page.context["figures"].year == YEAR  # the preview still shows the year


def test_figures_take_the_same_queries_whatever_the_number_of_classes(year, world):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            report_blocks(results_figures(YEAR, world.coordinator))
        return len(queries)

    before = count()
    for i in range(3):
        klass = f.training_class(
            code=f"TTDN-2023-X{i}",
            state="closed",
            organiser=year["klass"].organiser,
            plan=year["plan"],
        )
        f.quota(klass, world.unit_a, "b", 5)
        held = f.session(klass)
        held.closed_at = timezone.now()  # held: closed (attendees.rules)
        held.save(update_fields=["closed_at"])
        f.enrollment(klass, world.unit_a, code="b")
    assert count() == before
    assert len(results_figures(YEAR, world.coordinator).held) == 4


def test_pdf_page_one_is_filled_before_the_first_table(db):
    """The demo year's report: the participants table under "a) Theo đối tượng bồi dưỡng"
    starts on page 1 and splits, rather than taking its heading to page 2 and leaving a
    third of page 1 empty (a heading used to be kept with the whole table)."""
    from django.core.management import call_command

    from accounts.models import User

    call_command("seed_demo")
    coordinator = User.objects.get(username="dieuphoi")
    data = results_pdf(results_figures(YEAR, coordinator), **DOCUMENT)
    pages = [
        " ".join(unicodedata.normalize("NFC", page.extract_text()).split())
        for page in PdfReader(io.BytesIO(data)).pages
    ]
    first = pages[0]
    assert "a) Theo đối tượng bồi dưỡng" in first
    heading = first.index("a) Theo đối tượng bồi dưỡng")
    # The table's header and its first rows come with the heading.
    assert re.search(r"TT Đối tượng Chỉ tiêu Được cử Được duyệt Tham gia a Cán bộ", first[heading:])
    assert "b Lãnh đạo" in first[heading:]
