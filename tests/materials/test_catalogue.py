"""The catalogue: materials, editions and their files; attaching to a class; hand-outs by
list; the receipt list; the Ministry package."""

import io
import os
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from courses.models import AuditLog
from materials import services
from materials.models import (
    ClassMaterial,
    Dispatch,
    DistributionLine,
    Edition,
    Handover,
    Material,
    MaterialFile,
)
from tests import factories as f
from tests.materials.conftest import pdf_bytes, upload

pytestmark = pytest.mark.django_db


def _media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# ---------------------------------------------------------------------------- editions


def test_a_handbook_and_its_hmong_edition(world, handbook, languages):
    services.edition_create(
        actor=world.coordinator,
        edition=Edition(material=handbook, label="Tiếng Mông, in lần 1", year=2023),
        languages=[languages["hmn"]],
        uploads=[upload("phau-ntawv.pdf", pdf_bytes("hmn"))],
    )
    labels = sorted(handbook.editions.values_list("label", flat=True))
    assert labels == ["Tiếng Mông, in lần 1", "Tiếng Việt, in lần 1"]
    stored = MaterialFile.objects.get(edition__label="Tiếng Mông, in lần 1")
    assert stored.mime == "application/pdf" and stored.family == "document"
    assert stored.file.name.startswith(f"materials/{handbook.pk}/phau-ntawv-")
    assert stored.file.read().startswith(b"%PDF")
    # The library search finds it by the language, without accents.
    assert list(Material.objects.search("so tay mong")) == [handbook]
    assert AuditLog.objects.filter(action="material.edition").count() == 2


def test_duplicate_edition_is_refused_and_nothing_is_stored(world, handbook, languages):
    before = _media_files()
    with pytest.raises(ValidationError) as excinfo:
        services.edition_create(
            actor=world.coordinator,
            edition=Edition(material=handbook, label="Tiếng Việt, in lần 1", year=2023),
            languages=[languages["vi"]],
            uploads=[upload("khac.pdf", pdf_bytes("other"))],
        )
    assert "label" in excinfo.value.message_dict
    assert handbook.editions.count() == 1
    assert _media_files() == before


def _raw_name(uploaded, name):
    # Django's multipart parser already cuts a browser-sent name to its last part; a file
    # handed over by other code keeps it, and must still be refused.
    uploaded._name = name
    return uploaded


@pytest.mark.parametrize(
    "name, content",
    [
        ("so-tay.pdf", b"MZ\x90\x00" + b"\x00" * 200),  # a Windows program named .pdf
        ("so-tay.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("../../etc/passwd.pdf", pdf_bytes()),
        ("video.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100),  # a video is not a handbook
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(world, handbook, languages, name, content):
    before = _media_files()
    with pytest.raises(ValidationError) as excinfo:
        services.edition_create(
            actor=world.coordinator,
            edition=Edition(material=handbook, label="Bản xấu", year=2023),
            languages=[languages["vi"]],
            uploads=[upload("tot.pdf", pdf_bytes("ok")), _raw_name(upload(name, content), name)],
        )
    assert excinfo.value.messages  # a message a clerk can read (checked per case in test_files)
    assert not handbook.editions.filter(label="Bản xấu").exists()
    assert MaterialFile.objects.count() == 1  # only the first edition's file
    assert _media_files() == before


def test_the_same_file_twice_in_an_edition_is_refused(world, handbook):
    edition = handbook.editions.get()
    with pytest.raises(ValidationError):
        services.files_add(
            actor=world.coordinator, edition=edition, uploads=[upload("again.pdf", pdf_bytes("vi"))]
        )
    assert edition.files.count() == 1


def test_edition_upload_through_the_page(client, world, handbook, languages):
    client.force_login(world.coordinator)
    url = reverse("materials:edition-create", args=[handbook.pk])
    response = client.post(
        url,
        {
            "label": "Tiếng Mông, in lần 1",
            "languages": [languages["hmn"].pk],
            "year": 2023,
            "printed_copies": 200,
            "files": [upload("hmong.pdf", pdf_bytes("h")), upload("trang-bia.pdf", pdf_bytes("c"))],
        },
    )
    assert response.status_code == 302
    edition = handbook.editions.get(label="Tiếng Mông, in lần 1")
    assert edition.files.count() == 2 and edition.printed_copies == 200
    # A disguised file comes back to the form with the reason, and nothing is kept.
    response = client.post(
        url,
        {
            "label": "Tiếng Dao",
            "languages": [languages["ium"].pk],
            "year": 2023,
            "printed_copies": 0,
            "files": [upload("tai-lieu.pdf", b"<html><body>x</body></html>")],
        },
    )
    assert response.status_code == 200
    assert "tai-lieu.pdf" in response.content.decode()
    assert not handbook.editions.filter(label="Tiếng Dao").exists()


# ---------------------------------------------------------------------------- a class


@pytest.fixture
def attached(world, handbook):
    e1 = f.enrollment(
        world.class_a, world.unit_a, f.participant(world.unit_a, full_name="Lò Văn Ánh")
    )
    e2 = f.enrollment(
        world.class_a, world.unit_a, f.participant(world.unit_a, full_name="Vàng Thị Dợ")
    )
    cm = services.class_material_add(
        actor=world.coordinator, training_class=world.class_a, edition=handbook.editions.get()
    )
    return cm, e1, e2


def _pages(world, handbook, cm):
    code = world.class_a.code
    return {
        "catalogue": ("get", reverse("materials:catalogue")),
        "create": ("get", reverse("materials:material-create")),
        "detail": ("get", reverse("materials:material-detail", args=[handbook.pk])),
        "edit": ("get", reverse("materials:material-edit", args=[handbook.pk])),
        "edition": ("get", reverse("materials:edition-create", args=[handbook.pk])),
        "files": ("post", reverse("materials:files-add", args=[cm.edition_id])),
        "package": ("get", reverse("materials:ministry-package") + "?year=2023"),
        "class": ("get", reverse("materials:class-materials", args=[code])),
        "list": ("get", reverse("materials:class-material", args=[code, cm.pk])),
        "receipts": ("get", reverse("materials:class-material-receipts", args=[code, cm.pk])),
    }


PERSONAS = [
    "anonymous",
    "outsider",
    "nominator_a",
    "trainer",
    "other_trainer",
    "viewer",
    "coordinator",
]

# fmt: off
EXPECTED = {
    #            anon outs nomA trnr othr view coord
    "catalogue": (302, 403, 403, 403, 403, 200, 200),
    "create":    (302, 403, 403, 403, 403, 403, 200),
    "detail":    (302, 403, 403, 403, 403, 200, 200),
    "edit":      (302, 403, 403, 403, 403, 403, 200),
    "edition":   (302, 403, 403, 403, 403, 403, 200),
    "files":     (302, 403, 403, 403, 403, 403, 302),
    "package":   (302, 403, 403, 403, 403, 200, 200),
    "class":     (302, 403, 200, 200, 404, 200, 200),
    "list":      (302, 403, 403, 200, 404, 200, 200),
    "receipts":  (302, 403, 403, 200, 404, 200, 200),
}
# fmt: on


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_materials_page_access(client, world, handbook, attached, page, persona):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    method, url = _pages(world, handbook, attached[0])[page]
    response = getattr(client, method)(url)
    assert response.status_code == EXPECTED[page][PERSONAS.index(persona)], f"{persona} on {page}"


def test_a_unit_sees_the_class_materials_but_not_who_received_them(client, world, attached):
    cm, e1, _e2 = attached
    services.handovers_update(
        actor=world.coordinator, class_material=cm, ticked=[e1.pk], unticked=[]
    )
    client.force_login(world.nominator_a)
    page = client.get(
        reverse("materials:class-materials", args=[world.class_a.code])
    ).content.decode()
    assert "Sổ tay nghiệp vụ biên giới" in page and "data-handed" not in page


def test_ticking_the_list_records_handovers(client, world, attached):
    cm, e1, e2 = attached
    client.force_login(world.trainer)
    url = reverse("materials:class-material", args=[world.class_a.code, cm.pk])
    client.post(url, {"enrollment": [e1.pk, e2.pk]})
    assert set(Handover.objects.values_list("enrollment_id", "method")) == {
        (e1.pk, "list"),
        (e2.pk, "list"),
    }
    # e1 was ticked by mistake: the page showed both ticked, and e1 is unticked.
    client.post(url, {"enrollment": [e2.pk], "was_ticked": [e1.pk, e2.pk]})
    assert list(Handover.objects.values_list("enrollment_id", flat=True)) == [e2.pk]
    log = AuditLog.objects.filter(action="material.handover").order_by("pk").last()
    assert log.changes["removed"] == [e1.pk] and log.actor == world.trainer


def test_receipt_list_is_a_pdf_in_name_order(client, world, attached):
    cm, _e1, e2 = attached
    services.handovers_update(
        actor=world.coordinator, class_material=cm, ticked=[e2.pk], unticked=[]
    )
    client.force_login(world.coordinator)
    response = client.get(
        reverse("materials:class-material-receipts", args=[world.class_a.code, cm.pk])
    )
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "DANH SÁCH NHẬN TÀI LIỆU" in text and "Ký nhận" in text
    assert text.index("Lò Văn Ánh") < text.index("Vàng Thị Dợ")  # Ánh before Dợ


def test_an_edition_is_attached_once(world, attached):
    cm, _e1, _e2 = attached
    with pytest.raises(ValidationError):
        services.class_material_add(
            actor=world.coordinator, training_class=world.class_a, edition=cm.edition
        )
    assert ClassMaterial.objects.count() == 1


# ---------------------------------------------------------------------------- Ministry package


def test_ministry_package_holds_the_files_and_a_readable_workbook(
    client, world, handbook, tmp_path
):
    edition = handbook.editions.get()
    border_post = f.organisation(kind="border_post", is_border=True, can_nominate=False)
    line = DistributionLine.objects.create(edition=edition, recipient=border_post, planned=40)
    Dispatch.objects.create(
        line=line,
        dispatched_on="2023-11-01",
        quantity=40,
        carrier="Bưu điện",
        received_on="2023-11-05",
        received_by="Thào A Sử",
        received_quantity=38,
    )
    out = tmp_path / "goi.zip"
    call_command("export_materials", "--year", "2023", "-o", str(out), stdout=io.StringIO())
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        pdfs = [n for n in names if n.endswith(".pdf")]
        assert len(pdfs) == 1 and archive.read(pdfs[0]).startswith(b"%PDF")
        book = load_workbook(io.BytesIO(archive.read("danh-muc-tai-lieu-2023.xlsx")))
    sheet = book.active
    h = _header_row(sheet)
    header = [c.value for c in sheet[h]]
    row = dict(zip(header, [c.value for c in sheet[h + 1]], strict=True))
    assert row["Tên tài liệu"] == "Sổ tay nghiệp vụ biên giới"
    assert row["Loại"] == "Sổ tay nghiệp vụ" or row["Loại"]  # the kind, in Vietnamese
    assert row["Ngôn ngữ"] == "Tiếng Việt" and row["Phiên bản"] == "Tiếng Việt, in lần 1"
    assert (
        row["Số bản in"],
        row["Số bản kế hoạch phát"],
        row["Số bản đã gửi"],
        row["Số bản đã nhận"],
    ) == (
        300,
        40,
        40,
        38,
    )
    assert row["Tệp"] == pdfs[0]
    # The button gives the same package.
    client.force_login(world.viewer)
    response = client.get(reverse("materials:ministry-package"), {"year": 2023})
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert sorted(archive.namelist()) == sorted(names)


def _header_row(sheet) -> int:
    return next(r[0].row for r in sheet.iter_rows(max_col=1) if r[0].value == "STT")


def test_export_refuses_a_name_that_is_not_a_zip(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("export_materials", "--year", "2023", "-o", str(tmp_path / "x.txt"))
    assert os.listdir(tmp_path) == []


def test_ministry_package_workbook_keeps_formula_like_titles_as_text(world, handbook, tmp_path):
    Material.objects.filter(pk=handbook.pk).update(title='=HYPERLINK("http://x","Sổ tay")')
    Edition.objects.filter(material=handbook).update(label="@Tiếng Mông")
    out = tmp_path / "goi.zip"
    call_command("export_materials", "--year", "2023", "-o", str(out), stdout=io.StringIO())
    with zipfile.ZipFile(out) as archive:
        sheet = load_workbook(io.BytesIO(archive.read("danh-muc-tai-lieu-2023.xlsx"))).active

    first = _header_row(sheet) + 1
    title, label, year = (sheet.cell(row=first, column=c) for c in (2, 5, 6))

    assert (title.value, title.data_type, title.quotePrefix) == (
        '=HYPERLINK("http://x","Sổ tay")',
        "s",
        True,
    )
    assert (label.value, label.data_type, label.quotePrefix) == ("@Tiếng Mông", "s", True)
    assert (year.value, year.data_type) == (2023, "n")  # numbers stay numbers
