"""One rule for a person's name (attendees.validators.validate_person_name): the person and
nomination forms refuse what the spreadsheet import refuses, with the same message."""

import json

import pytest

from attendees.forms import ParticipantForm
from attendees.importing import NAME, parse_nomination_file
from tests.attendees.test_importing import CATEGORIES, DATA, MAI, person, text_file

pytestmark = pytest.mark.django_db

REFUSED = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil.example/","Bấm vào đây")',
    "+84912345678",
    "mai@laichau.gov.vn",
    "05/03/1990",
    "12345",
    "Lò Thị {Mai}",
]


def _form_errors(name: str) -> list[str]:
    form = ParticipantForm(
        data={"full_name": name, "gender": "female", "date_of_birth": "1990-03-05"},
        show_sensitive=True,
    )
    form.is_valid()
    return form.errors.get("full_name", [])


def _import_errors(name: str) -> list[str]:
    groups = json.loads(DATA.read_text(encoding="utf-8"))["ethnicities"]
    result = parse_nomination_file(
        text_file([person(MAI, name=name)]),
        "danh_sach.csv",
        ethnicities={g["name"]: g["code"] for g in groups},
        categories=CATEGORIES,
    )
    return [e.message for e in result.errors if e.column == NAME]


@pytest.mark.parametrize("name", REFUSED)
def test_the_form_refuses_what_the_import_refuses_with_the_same_message(name):
    imported = _import_errors(name)
    assert len(imported) == 1 and "không phải tên người" in imported[0]
    assert _form_errors(name) == imported


@pytest.mark.parametrize(
    "name", ["Lò Thị Mai", "Y-Moan Niê", "Nguyễn Văn An 2", "Hoàng Thị O'Leary"]
)
def test_names_the_import_accepts_the_form_accepts(name):
    assert _import_errors(name) == []
    assert _form_errors(name) == []
