"""Every list people sign shows the birth year next to the name (issue 14, item 5): two
"Lường Thị Ún" of the same unit must each find their own line on the payment voucher
(PDF and workbook) and on the hand-out receipt list."""

import datetime
import io
import unicodedata

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from courses.vietnamese import name_with_birth_year
from materials import services
from tests import factories as f
from tests.materials.conftest import handbook, languages  # noqa: F401 (fixtures)
from tests.reports.test_payments import export, paid  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

NAME = "Lường Thị Ún"


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture
def namesakes(paid):
    """Hường and Dính (both of unit A, both paid) renamed to the same name."""
    for key, born in (("huong", datetime.date(1985, 3, 2)), ("dinh", datetime.date(1992, 7, 9))):
        person = paid[key].participant
        type(person).objects.filter(pk=person.pk).update(full_name=NAME, date_of_birth=born)
    return paid


def test_name_with_birth_year():
    assert name_with_birth_year(NAME, datetime.date(1985, 3, 2)) == "Lường Thị Ún (1985)"
    assert name_with_birth_year(NAME, None) == NAME


def test_payment_voucher_pdf_tells_namesakes_apart(client, world, namesakes):
    text = pdf_text(export(client, world.viewer, namesakes["class"], "pdf").content)
    assert f"{NAME} (1985)" in text and f"{NAME} (1992)" in text
    assert text.index(f"{NAME} (1985)") < text.index(f"{NAME} (1992)")  # the elder first


def test_payment_workbook_tells_namesakes_apart(client, world, namesakes):
    response = export(client, world.viewer, namesakes["class"], "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = [r[1].value for r in ws.iter_rows() if str(r[1].value or "").startswith(NAME)]
    assert names == [f"{NAME} (1985)", f"{NAME} (1992)"]


def test_receipt_list_tells_namesakes_apart(client, world, handbook):
    for born in (datetime.date(1992, 7, 9), datetime.date(1985, 3, 2)):
        person = f.participant(world.unit_a, full_name=NAME, date_of_birth=born)
        f.enrollment(world.class_a, world.unit_a, person)
    cm = services.class_material_add(
        actor=world.coordinator, training_class=world.class_a, edition=handbook.editions.get()
    )
    client.force_login(world.coordinator)
    response = client.get(
        reverse("materials:class-material-receipts", args=[world.class_a.code, cm.pk])
    )
    text = pdf_text(response.content)
    assert text.index(f"{NAME} (1985)") < text.index(f"{NAME} (1992)")


def test_attendance_matrix_pdf_tells_namesakes_apart_and_the_workbook_keeps_the_name(world):
    """The matrix PDF is signed as the class's attendance sheet: each name with its birth
    year. The workbook and the CSV keep the bare name, to sort and filter by."""
    from reports.exports import class_csv, class_pdf, class_workbook

    for born in (datetime.date(1992, 7, 9), datetime.date(1985, 3, 2)):
        person = f.participant(world.unit_a, full_name=NAME, date_of_birth=born)
        f.enrollment(world.class_a, world.unit_a, person)
    text = pdf_text(class_pdf(world.class_a, world.coordinator, "matrix"))
    assert text.index(f"{NAME} (1985)") < text.index(f"{NAME} (1992)")
    ws = openpyxl.load_workbook(io.BytesIO(class_workbook(world.class_a, world.coordinator)))[
        "Điểm danh"
    ]
    names = [r[1].value for r in ws.iter_rows() if str(r[1].value or "").startswith(NAME)]
    assert names == [NAME, NAME]
    assert f"{NAME} (" not in class_csv(world.class_a, world.coordinator, "matrix")
