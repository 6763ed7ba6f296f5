"""Properties of the spreadsheet import over generated sheets, as .xlsx and .csv: valid and
invalid values, headers reordered, aliased, unaccented or decomposed, empty cells, bad
dates, duplicate CCCDs, long strings, formula-looking text, NFC and NFD.

* the import never raises: every problem is a report line;
* all rows or none: with any error the database is unchanged;
* every row error names a row the sheet really has, and a column of the template;
* a valid sheet imports exactly its rows.

Each example runs in a savepoint that is rolled back, so examples do not see each other's
people (a person imported twice is "already nominated", which is right but not the point).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import unicodedata
from dataclasses import dataclass

import openpyxl
import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from attendees import importing as imp
from attendees.importing import cells as imp_cells
from attendees.importing import columns as imp_columns
from attendees.importing import rows as imp_rows
from attendees.models import Nomination, Participant
from attendees.services import import_nominations
from courses.vietnamese import clean_person_name, fold

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    # FUZZ_EXAMPLES=1000 for a longer hunt; CI runs the suite twice, so it stays small.
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TODAY = dt.date.today()

# ---------------------------------------------------------------------------- cells

GIVEN = ["Mai", "Pành", "Sử", "Hường", "Ánh", "Dũng", "Đức", "Ăn", "Ơn", "Yến", "Thắm"]
MIDDLE = ["Văn", "Thị", "A", "Đình", "Ngọc", ""]
FAMILY = ["Lò", "Vàng", "Nguyễn", "Đỗ", "Tòng", "Hà", "Sùng", "Giàng"]


def _spelling(text: str) -> st.SearchStrategy[str]:
    """The same text as typed on different machines: NFC, NFD, upper, lower, spaced."""
    return st.sampled_from(
        [
            text,
            unicodedata.normalize("NFD", text),
            text.upper(),
            text.lower(),
            f"  {text.replace(' ', '  ')} ",
        ]
    )


valid_name = st.tuples(
    st.sampled_from(FAMILY), st.sampled_from(MIDDLE), st.sampled_from(GIVEN)
).map(lambda parts: " ".join(p for p in parts if p))
birth = st.dates(
    min_value=dt.date(TODAY.year - 75, 1, 1), max_value=dt.date(TODAY.year - 20, 12, 31)
)


def _date_cell(day: dt.date) -> st.SearchStrategy:
    return st.sampled_from(
        [
            day,
            day.strftime("%d/%m/%Y"),
            f"{day.day}/{day.month}/{day.year}",
            day.strftime("%d.%m.%Y"),
            day.strftime("%Y-%m-%d"),
            day.strftime(" %d / %m / %Y "),
        ]
    )


def _citizen_id(day: dt.date, female: bool, serial: int) -> str:
    century = (day.year // 100 - 19) * 2 + int(female)
    return f"0{serial % 96 + 1:02d}{century}{day.year % 100:02d}{serial:06d}"


gender_cell = {
    False: st.sampled_from(["Nam", "nam", "NAM", " Nam "]),
    True: st.sampled_from(["Nữ", "nữ", "NỮ", "Nu", unicodedata.normalize("NFD", "Nữ")]),
}
category_cell = st.sampled_from(["a", "A", "a)", "(a)", "Đối tượng a", " a "])
payroll_cell = st.sampled_from(["Có", "Không", "x", "co", "KHÔNG", "1", "0"])
ethnicity_cell = st.sampled_from(["Kinh", "Thái", "thai", "Mông", "HMông", "01", "", "Việt"])
free_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs", "Cc"]) | st.sampled_from("ăâđêôơư "),
    max_size=40,
)


# The same digits as typed with other input methods: full-width, Arabic-Indic.
_SCRIPTS = [
    str.maketrans("0123456789", "".join(chr(z + i) for i in range(10))) for z in (0xFF10, 0x660)
]


def _digits(draw, value):
    """Now and then, the digits of a text cell in another script."""
    if isinstance(value, str) and draw(st.integers(0, 3)) == 0:
        return value.translate(draw(st.sampled_from(_SCRIPTS)))
    return value


@st.composite
def valid_row(draw, serial: int) -> list:
    """STT aside, the template's columns, every value valid."""
    day = draw(birth)
    female = draw(st.booleans())
    return [
        draw(valid_name.flatmap(_spelling)),
        _digits(draw, draw(_date_cell(day))),
        draw(gender_cell[female]),
        draw(ethnicity_cell),
        _digits(draw, draw(st.sampled_from([_citizen_id(day, female, serial), ""]))),
        _digits(draw, draw(st.sampled_from(["0912345678", "912 345 678", "+84 345 678 901", ""]))),
        draw(st.sampled_from(["Chuyên viên", "Cán bộ", "", "Phó Chủ tịch UBND xã"])),
        draw(st.sampled_from(["UBND xã Mù Cả", "", "Phòng Văn hóa"])),
        draw(category_cell),
        draw(payroll_cell),
    ]


def _odd(curated: list, *others: st.SearchStrategy) -> st.SearchStrategy:
    """Half the time a value known to be tricky, half the time a generated one."""
    return st.one_of(st.sampled_from(curated), st.one_of(free_text, *others))


_NUMBERS = (
    st.integers(min_value=-(10**6), max_value=10**13),
    st.floats(allow_nan=True, allow_infinity=True),
)
bad_cell = {
    imp.NAME: _odd(
        ["", "=SUM(A1:A3)", "Lò Văn " + "Pành" * 40, "a@b.vn", "12/05/1990", "한국 사람 " * 20]
    ),
    imp.DOB: _odd(
        [
            "",
            "31/02/1990",
            "1990",
            "12/5/90",
            "00/00/0000",
            "ngày 5 tháng 3",
            "2²/0²/1990",
            "²",
            "٣٣٠٠٠",
            "０５/０３/１９９０",
            "0",
            "99999999",
        ],
        *_NUMBERS,
        st.dates(),
        st.datetimes(),
    ),
    imp.GENDER: _odd(["", "Khác", "N", "Nam/Nữ"], *_NUMBERS),
    imp.ETHNICITY: _odd(["Kinh Thái", "99", "0", "=A1"], *_NUMBERS),
    imp.CITIZEN_ID: _odd(
        [
            "1.2e+11",
            "012345",
            "999190001234",
            "٠١٢١٩٠٠٠١٢٣٤",
            "０１２１９０００１２３４",
            "012 190 001 234",
        ],
        *_NUMBERS,
    ),
    imp.PHONE: _odd(
        ["01234567890", "9.12e+8", "٠٩١٢٣٤٥٦٧٨", "０９１２３４５６７８", "=0912345678"], *_NUMBERS
    ),
    imp.POSITION: _odd(["=SUM(A1:A3)", "x" * 151, "@cmd"], *_NUMBERS),
    imp.WORKPLACE: _odd(["=1+1", "y" * 256, "+84912345678"], *_NUMBERS),
    imp.CATEGORY: _odd(["", "e", "c", "Đối tượng", "aa"], *_NUMBERS),
    imp.PAYROLL: _odd(["", "Có lẽ", "2", "TRUE"], *_NUMBERS),
}
FIELDS = imp_rows._FIELDS  # the template's columns without STT, in the parser's order


@st.composite
def any_row(draw, serial: int) -> list:
    """A valid row with some cells replaced by bad or odd values."""
    row = draw(valid_row(serial))
    for index in draw(st.sets(st.integers(0, len(FIELDS) - 1), max_size=4)):
        row[index] = draw(bad_cell[FIELDS[index]])
    return row


# ---------------------------------------------------------------------------- headers


def _unaccented(text: str) -> str:
    return fold(text).replace("/", " ")


@st.composite
def header(draw, also: tuple[str, ...] = ()) -> tuple[list[int], list[str]]:
    """Which template columns appear (by index into COLUMNS), in which order, spelled how:
    the required ones, `also`, and some others."""
    optional = [c for c in imp.COLUMNS if c not in imp.REQUIRED and c not in also]
    kept = [*imp.REQUIRED, *also, *draw(st.lists(st.sampled_from(optional), unique=True))]
    order = draw(st.permutations(kept))
    names = []
    for column in order:
        spellings = [column, *imp_columns._HEADER_ALIASES.get(column, [])]
        name = draw(st.sampled_from(spellings))
        name = draw(
            st.sampled_from(
                [
                    name,
                    _unaccented(name),
                    name.upper(),
                    unicodedata.normalize("NFD", name),
                    f"{name} (ghi rõ)",
                ]
            )
        )
        names.append(name)
    return [imp.COLUMNS.index(c) for c in order], names


# ---------------------------------------------------------------------------- sheets


@dataclass
class Sheet:
    data: bytes
    filename: str
    data_rows: set[int]  # the row (or CSV line) numbers the clerk sees for each data row


def _cells(header_columns: list[int], row: list, number: int) -> list:
    full = [number, *row]  # COLUMNS order: STT first
    return [full[i] for i in header_columns]


def _xlsx(title: bool, header_columns, names, rows) -> Sheet:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append(["DANH SÁCH CỬ CÁN BỘ THAM GIA LỚP BỒI DƯỠNG"])
    ws.append(names)
    first = ws.max_row + 1
    for number, row in enumerate(rows, start=1):
        ws.append([_xlsx_value(v) for v in _cells(header_columns, row, number)])
    out = io.BytesIO()
    wb.save(out)
    return Sheet(out.getvalue(), "ds.xlsx", set(range(first, first + len(rows))))


_ILLEGAL_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_value(value):
    if isinstance(value, str):
        return _ILLEGAL_IN_XLSX.sub("", value)  # openpyxl cannot store them
    if isinstance(value, float) and value != value:
        return "nan"  # nor NaN
    return value


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _csv(title: bool, header_columns, names, rows, delimiter: str, encoding: str) -> Sheet:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    if title:
        writer.writerow(["DANH SÁCH CỬ CÁN BỘ THAM GIA LỚP BỒI DƯỠNG"])
    writer.writerow(names)
    lines = set()
    for number, row in enumerate(rows, start=1):
        # The line this row starts on, as a text editor (and the parser) counts them.
        lines.add(len(_LINE_BREAK.findall(out.getvalue())) + 1)
        cells = _cells(header_columns, row, number)
        writer.writerow([v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else v for v in cells])
    return Sheet(out.getvalue().encode(encoding, errors="replace"), "ds.csv", lines)


@st.composite
def sheet(draw, rows, also: tuple[str, ...] = ()) -> Sheet:
    header_columns, names = draw(header(also))
    title = draw(st.booleans())
    if draw(st.booleans()):
        return _xlsx(title, header_columns, names, rows)
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    return _csv(title, header_columns, names, rows, delimiter, encoding)


def _rows(row_strategy, max_size=8):
    return st.integers(0, 10**5).flatmap(
        lambda base: st.tuples(*[row_strategy(base + i) for i in range(max_size)]).flatmap(
            lambda rows: st.integers(1, max_size).map(lambda n: list(rows[:n]))
        )
    )


def _valid_rows():
    """Valid rows that are different people: no two share a CCCD or a name and birthday."""

    def distinct(rows):
        people = [(fold(clean_person_name(r[0])), _date_of(r[1])) for r in rows]
        return len(set(people)) == len(people)

    return _rows(valid_row).filter(distinct)


def _date_of(cell) -> dt.date:
    if isinstance(cell, dt.date):
        return cell
    parsed, _ = imp_cells._parse_date(cell)
    return parsed


# ---------------------------------------------------------------------------- running


def _run(world, sheet: Sheet):
    """The import inside a savepoint that is rolled back; the report and the rows added."""
    with transaction.atomic():
        before = Participant.objects.count(), Nomination.objects.count()
        report = import_nominations(
            actor=world.nominator_a,
            training_class=world.class_a,
            organisation=world.unit_a,
            data=sheet.data,
            filename=sheet.filename,
        )
        added = (
            Participant.objects.count() - before[0],
            Nomination.objects.count() - before[1],
        )
        names = sorted(
            Nomination.objects.filter(training_class=world.class_a).values_list(
                "participant__full_name", flat=True
            )
        )
        for citizen_id, phone in Participant.objects.values_list("citizen_id", "phone"):
            # Stored as the digits every other part of the system compares and prints.
            assert re.fullmatch(r"([0-9]{12})?", citizen_id), citizen_id
            assert re.fullmatch(r"(\+84[0-9]{9})?", phone), phone
        transaction.set_rollback(True)
    return report, added, names


def _assert_errors_are_located(report, sheet: Sheet) -> None:
    for error in report.errors:
        assert error.message
        if error.row_number is not None:
            assert error.row_number in sheet.data_rows, error
            assert error.column in imp.COLUMNS, error


@SETTINGS
@given(st.data())
def test_a_valid_sheet_imports_exactly_its_rows(world, data):
    rows = data.draw(_valid_rows())
    generated = data.draw(sheet(rows))
    report, added, names = _run(world, generated)
    assert report.ok, report.errors
    assert added == (len(rows), len(rows))
    assert names == sorted(clean_person_name(r[0]) for r in rows)
    assert {r.row_number for r in report.rows} == generated.data_rows


@SETTINGS
@given(st.data())
def test_any_sheet_is_all_or_nothing_and_every_error_is_located(world, data):
    rows = data.draw(_rows(any_row))
    generated = data.draw(sheet(rows))
    report, added, _ = _run(world, generated)  # must not raise
    _assert_errors_are_located(report, generated)
    if report.errors:
        assert added == (0, 0)
    else:
        assert added == (len(report.rows), len(report.rows))
        assert {r.row_number for r in report.rows} <= generated.data_rows


@SETTINGS
@given(st.data())
def test_one_odd_cell_is_an_error_of_its_row_or_a_clean_value(world, data):
    row = data.draw(valid_row(7))
    index = data.draw(st.integers(0, len(FIELDS) - 1))
    row[index] = data.draw(bad_cell[FIELDS[index]])
    generated = data.draw(sheet([row], also=(FIELDS[index],)))
    report, added, _ = _run(world, generated)
    _assert_errors_are_located(report, generated)
    assert added == ((0, 0) if report.errors else (1, 1))


@SETTINGS
@given(st.data())
def test_a_duplicate_citizen_id_refuses_the_sheet_and_names_the_later_row(world, data):
    rows = data.draw(_valid_rows().filter(lambda rs: len(rs) >= 2 and rs[0][4]))
    rows[-1] = [*rows[-1]]
    rows[-1][4] = rows[0][4]  # the last person typed with the first one's CCCD
    generated = data.draw(sheet(rows, also=(imp.CITIZEN_ID,)))
    report, added, _ = _run(world, generated)
    assert added == (0, 0)
    duplicates = [e for e in report.errors if e.column == imp.CITIZEN_ID]
    assert duplicates and max(generated.data_rows) in {e.row_number for e in duplicates}
    _assert_errors_are_located(report, generated)


@SETTINGS
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
@example(b"PK\x03\x04garbage")
@example(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50)
def test_arbitrary_bytes_are_a_report_not_an_exception(world, blob):
    report, added, _ = _run(world, Sheet(blob, "ds.xlsx", set()))
    assert not report.ok and added == (0, 0)
    assert all(e.row_number is None for e in report.errors)


# ---------------------------------------------------------------------------- found by the
# properties above, kept as plain regression tests

HEADER = [imp.NAME, imp.DOB, imp.GENDER, imp.CITIZEN_ID, imp.PHONE, imp.CATEGORY, imp.PAYROLL]


def _plain_csv(*rows, line_end="\r\n") -> bytes:
    return line_end.join(",".join(cells) for cells in [HEADER, *rows]).encode()


def test_a_superscript_digit_as_birth_date_is_a_row_error_not_a_crash(world):
    # "²".isdigit() is true, and float("²") raised ValueError out of the import.
    report, added, _ = _run(
        world, Sheet(_plain_csv(["Lò Thị Mai", "²", "Nữ", "", "", "a", "Có"]), "ds.csv", {2})
    )
    assert added == (0, 0)
    assert [(e.row_number, e.column) for e in report.errors] == [(2, imp.DOB)]


def test_full_width_digits_are_stored_as_ascii_digits(world):
    # They passed as "digits" and reached the database as typed: the CHECK constraint on
    # citizen_id failed (an IntegrityError out of the import); the phone was refused.
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    row = ["Lò Thị Mai", "05/03/1990", "Nữ", "012190001234", "0912345678", "a", "Có"]
    row[3], row[4] = row[3].translate(wide), row[4].translate(wide)
    with transaction.atomic():
        report = import_nominations(
            actor=world.nominator_a,
            training_class=world.class_a,
            organisation=world.unit_a,
            data=_plain_csv(row),
            filename="ds.csv",
        )
    assert report.ok, report.errors
    mai = Participant.objects.get(full_name="Lò Thị Mai")
    assert (mai.citizen_id, mai.phone) == ("012190001234", "+84912345678")


def test_a_csv_with_old_mac_line_ends_is_read(world):
    # A lone "\r" in the first lines made the delimiter sniffing raise csv.Error.
    data = _plain_csv(
        ["Lò Thị Mai", "05/03/1990", "Nữ", "", "", "a", "Có"],
        ["Vàng A Sử", "02/01/1985", "Nam", "", "", "a", "Không"],
        line_end="\r",
    )
    report, added, names = _run(world, Sheet(data, "ds.csv", {2, 3}))
    assert report.ok, report.errors
    assert added == (2, 2) and names == ["Lò Thị Mai", "Vàng A Sử"]
    assert [r.row_number for r in report.rows] == [2, 3]


def test_a_phone_number_with_a_fraction_is_refused():
    # int(912345678.5) quietly made it a valid number.
    assert imp_cells._parse_phone(912345678.5)[1]
    assert imp_cells._parse_phone(float("inf"))[1]
