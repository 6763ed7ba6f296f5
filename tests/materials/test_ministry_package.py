"""The Ministry package prints and unpacks cleanly (issue 14, item 5): members keep the
day they were uploaded and the names people gave them (unique within a folder), folder
names are whole words, and the catalogue workbook has a title, the issuing body, page
setup and rows as tall as their wrapped paths, in Times New Roman."""

import datetime
import io
import zipfile

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.documents.spreadsheet import FONT_FAMILY, row_height
from courses.models import Organisation
from materials import services
from materials.export import ministry_package_zip
from materials.models import Edition, Material, MaterialFile
from tests.materials.conftest import pdf_bytes, upload

pytestmark = pytest.mark.django_db

LONG_TITLE = "Tài liệu bồi dưỡng nghiệp vụ thông tin đối ngoại cho cán bộ cơ sở vùng biên giới"
UPLOADED = datetime.datetime(2023, 5, 17, 9, 45, 30)


@pytest.fixture
def package(world, languages, handbook):
    department = Organisation.objects.filter(kind="department").order_by("pk").first()
    department.name = "Sở Thông tin và Truyền thông"
    department.save()
    material = services.material_save(
        actor=world.coordinator, material=Material(title=LONG_TITLE, kind="handbook", year=2023)
    )
    services.edition_create(
        actor=world.coordinator,
        edition=Edition(material=material, label="Tiếng Mông", year=2023, printed_copies=50),
        languages=[languages["vi"]],
        uploads=[
            upload("Sổ tay.pdf", pdf_bytes("one")),
            upload("sổ tay.pdf", pdf_bytes("two")),  # the same name to Windows
        ],
    )
    MaterialFile.objects.update(uploaded_at=timezone.make_aware(UPLOADED))
    out = io.BytesIO()
    ministry_package_zip(2023, out)
    out.seek(0)
    return department, zipfile.ZipFile(out)


def test_members_keep_their_upload_date_and_given_names(package):
    _department, archive = package
    files = [i for i in archive.infolist() if i.filename.endswith(".pdf")]
    assert len(files) == 3
    assert {i.date_time for i in files} == {(2023, 5, 17, 9, 45, 30)}  # not 1980-01-01
    names = sorted(i.filename.rsplit("/", 1)[1] for i in files)
    assert names == ["Sổ tay (2).pdf", "Sổ tay (tiếng Việt).pdf", "sổ tay.pdf"] or names == [
        "Sổ tay (tiếng Việt).pdf",
        "Sổ tay.pdf",
        "sổ tay (2).pdf",
    ]
    catalogue = archive.getinfo("danh-muc-tai-lieu-2023.xlsx")
    assert catalogue.date_time[0] >= 2023


def test_folder_names_are_cut_at_a_word_boundary(package):
    _department, archive = package
    folders = {i.filename.split("/")[0] for i in archive.infolist() if "/" in i.filename}
    long = next(name for name in folders if "tai-lieu-boi-duong" in name)
    slug = long.split("-", 1)[1]
    words = "tai-lieu-boi-duong-nghiep-vu-thong-tin-doi-ngoai-cho-can-bo-co-so-vung-bien-gioi"
    assert len(slug) <= 50
    assert (words + "-").startswith(slug + "-")  # whole words only, never "doi-ngo"


def test_catalogue_workbook_has_title_issuer_and_prints_cleanly(package):
    department, archive = package
    wb = load_workbook(io.BytesIO(archive.read("danh-muc-tai-lieu-2023.xlsx")))
    ws = wb.active
    top = [ws.cell(row=r, column=1).value for r in range(1, 5)]
    assert department.name.upper() in top
    assert "DANH MỤC TÀI LIỆU NĂM 2023" in top
    h = next(r[0].row for r in ws.iter_rows(max_col=1) if r[0].value == "STT")
    assert ws.print_title_rows == f"${h}:${h}"
    assert ws.page_setup.orientation == "landscape"
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.row_dimensions[h].height >= 2 * 15.75  # "Số bản kế hoạch phát" wraps
    widths = [ws.column_dimensions[c.column_letter].width for c in ws[h]]
    for row in ws.iter_rows(min_row=h + 1):
        texts = [c.value if isinstance(c.value, str) else "" for c in row]
        assert ws.row_dimensions[row[0].row].height >= row_height(texts, widths) - 0.01
    two_files = next(r for r in ws.iter_rows(min_row=h + 1) if "\n" in str(r[10].value))
    assert ws.row_dimensions[two_files[0].row].height >= 2 * 15.75
    fonts = {wb._fonts[0].name} | {c.font.name for r in ws.iter_rows() for c in r if c.value}
    assert fonts == {FONT_FAMILY}  # was Calibri
