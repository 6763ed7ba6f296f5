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


def test_badge_sheet_prints_badges_in_official_order(client, world, tmp_path):
    import subprocess

    enrol(world)
    client.force_login(world.coordinator)
    response = client.get(reverse("attendees:class-badges", args=[world.class_a.code]))
    path = tmp_path / "badges.pdf"
    path.write_bytes(response.content)

    # -raw: the text in the order it is drawn, badge after badge.
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    names = {name for name, _born in EXPECTED}
    printed = [line for line in text.splitlines() if line in names]
    assert printed == [name for name, _born in EXPECTED]
    # The namesakes: the elder (of Phong Thổ) first.
    units = [line for line in text.splitlines() if line.startswith("UBND huyện")]
    ordinal = [name for name, _born in EXPECTED].index("Lường Thị Ún")
    assert units[ordinal : ordinal + 2] == ["UBND huyện Phong Thổ", "UBND huyện Mường Tè"]
