"""Issue #14: the enrollment list (page and xlsx export) in the order a clerk expects —
given name as a whole word with its tone, then middle, then family, then date of birth —
read back from the file."""

import io

import openpyxl
import pytest
from django.urls import reverse

from tests.name_order import EXPECTED, enrol

pytestmark = pytest.mark.django_db


def test_enrollment_xlsx_lists_people_in_official_order(client, world):
    enrol(world)
    client.force_login(world.coordinator)

    response = client.get(
        reverse("attendees:enrollments-export", args=[world.class_a.code, "xlsx"])
    )

    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = next(r for r in ws.iter_rows() if r[0].value == "STT")
    columns = [c.value for c in header]
    name, born = columns.index("Họ và tên"), columns.index("Ngày sinh")
    rows = [
        (r[name].value, r[born].value.date())
        for r in ws.iter_rows(min_row=header[0].row + 1)
        if isinstance(r[0].value, int)
    ]
    assert rows == EXPECTED
    assert [r[0].value for r in ws.iter_rows(min_row=header[0].row + 1)][:10] == list(range(1, 11))


def test_enrollment_page_lists_people_in_official_order(client, world):
    enrol(world)
    client.force_login(world.coordinator)
    response = client.get(reverse("attendees:enrollments", args=[world.class_a.code]))
    rows = [
        (e.participant.full_name, e.participant.date_of_birth) for e in response.context["rows"]
    ]
    assert rows == EXPECTED
