"""The nominations spreadsheet parser: every file is built here, in the shapes district
offices really send (title rows, merged headers, IDs that lost their zeros, CSV in
Windows-1258 …). Row numbers are the ones the clerk sees in their spreadsheet program."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlwt
from django.utils import timezone

from attendees.importing import (
    COLUMNS,
    ImportRow,
    RowError,
    parse_nomination_file,
)
from attendees.template import build_template

DATA = Path(__file__).resolve().parents[2] / "attendees" / "data" / "ethnicities.json"
TITLE = "DANH SÁCH CỬ CÁN BỘ THAM GIA LỚP BỒI DƯỠNG"
CATEGORIES = {"a", "b", "c", "d"}

MAI = [
    1,
    "Lò Thị Mai",
    dt.date(1990, 3, 5),
    "Nữ",
    "Thái",
    "012190001234",
    "0912345678",
    "Chuyên viên",
    "UBND huyện Mường Tè",
    "a",
    "Có",
]
PANH = [
    2,
    "Lò Văn Pành",
    dt.date(1985, 11, 20),
    "Nam",
    "Mông",
    "012085004567",
    "0345678901",
    "Cán bộ",
    "UBND xã Pa Ủ",
    "b",
    "Không",
]
MAI_PARSED = dict(
    full_name="Lò Thị Mai",
    gender="female",
    date_of_birth=dt.date(1990, 3, 5),
    ethnicity_code="03",
    citizen_id="012190001234",
    phone="+84912345678",
    position="Chuyên viên",
    workplace="UBND huyện Mường Tè",
    category_code="a",
    on_state_payroll=True,
)
GIVEN_NAMES = [
    "Mai",
    "Lan",
    "Hoa",
    "Hương",
    "Hạnh",
    "Thu",
    "Nga",
    "Yến",
    "Chi",
    "Vân",
    "Hà",
    "Linh",
    "Trang",
    "Thảo",
    "Oanh",
    "Nhung",
]


@pytest.fixture(scope="module")
def ethnicities() -> dict[str, str]:
    groups = json.loads(DATA.read_text(encoding="utf-8"))["ethnicities"]
    return {name: g["code"] for g in groups for name in [g["name"], *g["aliases"]]}


@pytest.fixture
def parse(ethnicities):
    def parse(data: bytes, filename: str = "danh_sach.xlsx", **kw):
        return parse_nomination_file(
            data, filename, ethnicities=ethnicities, categories=CATEGORIES, **kw
        )

    return parse


def person(base: list = MAI, **changes) -> list:
    """A copy of a row with some columns changed, by header: person(MAI, dob=…)."""
    names = {
        "stt": "STT",
        "name": "Họ và tên",
        "dob": "Ngày sinh",
        "gender": "Giới tính",
        "ethnicity": "Dân tộc",
        "cccd": "Số CCCD",
        "phone": "Số điện thoại",
        "position": "Chức vụ",
        "workplace": "Cơ quan/Đơn vị công tác",
        "category": "Đối tượng",
        "payroll": "Hưởng lương NSNN",
    }
    row = list(base)
    for key, value in changes.items():
        row[COLUMNS.index(names[key])] = value
    return row


def women(n: int, **changes) -> list[list]:
    """n different women born the same day, without ID or phone (no duplicates)."""
    return [
        person(MAI, stt=i + 1, name=f"Lò Thị {GIVEN_NAMES[i]}", cccd=None, phone=None, **changes)
        for i in range(n)
    ]


def xlsx(rows, *, header=COLUMNS, title=True) -> bytes:
    """Title in row 1 (merged), blank row 2, header in row 3, data from row 4."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([TITLE])
        sheet.merge_cells("A1:K1")
        sheet.append([])
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    return save(workbook)


def save(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def text_file(rows, *, delimiter=",", encoding="utf-8-sig", title=True) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    if title:
        writer.writerow([TITLE])
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                "" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else v
                for v in row
            ]
        )
    text = out.getvalue()
    return cp1258(text) if encoding == "cp1258" else text.encode(encoding)


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: letters with a breve, circumflex or
    horn are single bytes, tone marks are separate combining bytes."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        letter = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(letter + "".join(c for c in parts if c in _TONES))
    return "".join(out).encode("cp1258")


def where(result) -> list[tuple[int | None, str]]:
    return [(e.row_number, e.column) for e in result.errors]


# --- Formats ----------------------------------------------------------------------------


def test_xlsx_rows_are_parsed_with_the_sheet_row_numbers(parse):
    result = parse(xlsx([MAI, PANH]))

    assert result.ok
    assert result.errors == []
    assert result.rows == [
        ImportRow(row_number=4, **MAI_PARSED),
        ImportRow(
            row_number=5,
            full_name="Lò Văn Pành",
            gender="male",
            date_of_birth=dt.date(1985, 11, 20),
            ethnicity_code="08",
            citizen_id="012085004567",
            phone="+84345678901",
            position="Cán bộ",
            workplace="UBND xã Pa Ủ",
            category_code="b",
            on_state_payroll=False,
        ),
    ]


def test_header_merged_over_two_rows_is_read_with_data_below_it(parse):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([TITLE])
    sheet.merge_cells("A1:K1")
    sheet.append(["STT", "Họ và tên", "Thông tin cá nhân", None, None, "Số CCCD", "Số điện thoại", "Công tác", None, "Đối tượng", "Hưởng lương NSNN"])  # fmt: skip
    sheet.append([None, None, "Ngày sinh", "Giới tính", "Dân tộc", None, None, "Chức vụ", "Cơ quan/Đơn vị công tác", None, None])  # fmt: skip
    for cells in ["A2:A3", "B2:B3", "C2:E2", "F2:F3", "G2:G3", "H2:I2", "J2:J3", "K2:K3"]:
        sheet.merge_cells(cells)
    sheet.append(MAI)

    result = parse(save(workbook))

    assert result.errors == []
    assert result.rows == [ImportRow(row_number=4, **MAI_PARSED)]


def test_legacy_xls_file_is_read(parse):
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Danh sách")
    sheet.write_merge(0, 0, 0, 10, TITLE)
    for c, name in enumerate(COLUMNS):
        sheet.write(2, c, name)
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for c, value in enumerate(person(MAI, cccd=12190001234, phone=912345678)):
        sheet.write(
            3, c, value, date_style if isinstance(value, dt.date) else xlwt.Style.default_style
        )
    out = io.BytesIO()
    workbook.save(out)

    result = parse(out.getvalue(), "danh_sach.xls")

    assert result.errors == []
    assert result.rows == [ImportRow(row_number=4, **MAI_PARSED)]


def test_ods_file_is_read(parse):
    frame = pd.DataFrame([[TITLE] + [None] * 10, [None] * 11, COLUMNS, MAI, PANH])
    out = io.BytesIO()
    frame.to_excel(out, engine="odf", header=False, index=False)

    result = parse(out.getvalue(), "danh_sach.ods")

    assert result.errors == []
    assert [r.row_number for r in result.rows] == [4, 5]
    assert result.rows[0] == ImportRow(row_number=4, **MAI_PARSED)


def test_csv_in_utf8_with_bom_is_read_with_line_numbers(parse):
    result = parse(text_file([MAI, PANH], encoding="utf-8-sig"), "danh_sach.csv")

    assert result.errors == []
    assert result.rows[0] == ImportRow(row_number=3, **MAI_PARSED)
    assert result.rows[1].row_number == 4


def test_csv_in_utf8_without_bom_is_read(parse):
    result = parse(text_file([MAI], encoding="utf-8", title=False), "danh_sach.csv")

    assert result.rows == [ImportRow(row_number=2, **MAI_PARSED)]


def test_csv_in_windows_1258_with_decomposed_tones_is_nfc_normalised(parse):
    data = text_file([MAI, PANH], delimiter=";", encoding="cp1258")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert data.decode("cp1258") != unicodedata.normalize("NFC", data.decode("cp1258"))

    result = parse(data, "danh_sach.csv")

    assert result.errors == []
    assert result.rows[0] == ImportRow(row_number=3, **MAI_PARSED)
    assert result.rows[1].full_name == "Lò Văn Pành"
    assert result.rows[1].workplace == "UBND xã Pa Ủ"
    assert unicodedata.is_normalized("NFC", result.rows[1].workplace)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiter_is_sniffed(parse, delimiter):
    rows = [person(MAI, workplace="UBND huyện Mường Tè, tỉnh Lai Châu; Sở TT&TT")]

    result = parse(text_file(rows, delimiter=delimiter), "danh_sach.csv")

    assert result.errors == []
    assert result.rows[0].workplace == "UBND huyện Mường Tè, tỉnh Lai Châu; Sở TT&TT"
    assert result.rows[0].category_code == "a"


def test_csv_blank_lines_keep_the_line_numbers(parse):
    lines = ",".join(COLUMNS) + "\r\n\r\n" + "2,Lò Văn Pành,20/11/1985,Nam,Mông,,,,,b,Không\r\n"

    result = parse(lines.encode(), "danh_sach.csv")

    assert [r.row_number for r in result.rows] == [3]


def test_format_is_decided_by_content_not_by_extension(parse):
    assert parse(xlsx([MAI]), "danh_sach.csv").rows == [ImportRow(row_number=4, **MAI_PARSED)]
    assert parse(text_file([MAI]), "danh_sach.xlsx").rows == [ImportRow(row_number=3, **MAI_PARSED)]


def test_renamed_pdf_is_one_file_level_error(parse):
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nstream\n\x00\x01\x02\x9d\nendstream\n"

    result = parse(pdf, "danh_sach.xlsx")

    assert not result.ok
    assert result.rows == []
    assert result.errors == [
        RowError(
            None,
            "",
            "Tệp “danh_sach.xlsx” không phải bảng tính Excel/ODS/CSV (đây là tệp PDF). Hãy tải "
            "lên tệp .xlsx, .xls, .ods hoặc .csv theo mẫu.",
        )
    ]


def _word_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"  \r\n ", id="only-whitespace"),
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 10, id="exe"),
        pytest.param(bytes(i * 7919 % 256 for i in range(4096)), id="binary"),
        pytest.param(_word_document(), id="word-document"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", id="image"),
    ],
)
def test_file_that_is_not_a_spreadsheet_is_one_file_level_error(parse, data):
    result = parse(data, "danh_sach.xls")

    assert result.rows == []
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.row_number, error.column) == (None, "")
    assert error.message.startswith("Tệp “danh_sach.xls” không phải bảng tính Excel/ODS/CSV")


def test_damaged_xlsx_is_one_file_level_error(parse):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not really")

    result = parse(out.getvalue())

    assert where(result) == [(None, "")]
    assert result.errors[0].message.startswith("Không đọc được tệp “danh_sach.xlsx”")


def test_web_page_saved_as_xls_asks_to_save_as_xlsx(parse):
    html = "<html><body><table><tr><td>Họ và tên</td></tr></table></body></html>".encode()

    result = parse(html, "danh_sach.xls")

    assert where(result) == [(None, "")]
    assert "Save As" in result.errors[0].message


# --- The sheet and its header -----------------------------------------------------------


def test_only_the_first_sheet_is_read(parse):
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx([MAI])))
    other = workbook.create_sheet("Dự phòng")
    other.append(COLUMNS)
    other.append(PANH)

    result = parse(save(workbook))

    assert [r.full_name for r in result.rows] == ["Lò Thị Mai"]


def test_hidden_first_sheet_is_skipped_for_the_first_visible_one(parse):
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx([MAI])))
    hidden = workbook.create_sheet("Cũ", 0)
    hidden.append(COLUMNS)
    hidden.append(PANH)
    hidden.sheet_state = "hidden"
    workbook.active = 1

    result = parse(save(workbook))

    assert [r.full_name for r in result.rows] == ["Lò Thị Mai"]


def test_headers_match_without_diacritics_in_any_case_order_and_spacing(parse):
    header = [
        "NGAY SINH",
        "ho va ten",
        "  Ghi   chú ",
        unicodedata.normalize("NFD", "Giới tính"),
        "Đối  tượng (a, b, c, d)",
        "HUONG LUONG NSNN",
        "so cccd",
        "Cơ quan / Đơn vị công tác",
    ]
    row = [dt.date(1990, 3, 5), "Lò Thị Mai", "tùy ý", "Nữ", "a", "Có", "012190001234", "Sở TT&TT"]

    result = parse(xlsx([row], header=header))

    assert result.errors == []
    assert result.rows == [
        ImportRow(
            row_number=4,
            full_name="Lò Thị Mai",
            gender="female",
            date_of_birth=dt.date(1990, 3, 5),
            ethnicity_code="",
            citizen_id="012190001234",
            phone="",
            position="",
            workplace="Sở TT&TT",
            category_code="a",
            on_state_payroll=True,
        )
    ]


def test_missing_required_column_is_one_file_level_error_naming_it(parse):
    header = [c for c in COLUMNS if c != "Đối tượng"]
    row = [v for c, v in zip(COLUMNS, MAI, strict=True) if c != "Đối tượng"]

    result = parse(xlsx([row], header=header))

    assert result.rows == []
    assert result.errors == [
        RowError(
            None,
            "",
            "Không tìm thấy cột “Đối tượng” trong dòng tiêu đề (dòng 3). Các cột bắt buộc: "
            "Họ và tên, Ngày sinh, Giới tính, Đối tượng, Hưởng lương NSNN.",
        )
    ]


def test_sheet_without_a_header_row_is_one_file_level_error(parse):
    result = parse(xlsx([MAI, PANH], header=["Danh sách"], title=False))

    assert where(result) == [(None, "")]
    assert result.errors[0].message.startswith("Không tìm thấy dòng tiêu đề trong 20 dòng đầu")


def test_header_below_twenty_rows_is_not_searched(parse):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for _ in range(20):
        sheet.append(["Ghi chú"])
    sheet.append(COLUMNS)
    sheet.append(MAI)

    assert where(parse(save(workbook))) == [(None, "")]


def test_column_given_twice_is_a_file_level_error(parse):
    result = parse(xlsx([[*MAI, "012190001234"]], header=[*COLUMNS, "CCCD"]))

    assert result.rows == []
    assert result.errors == [
        RowError(
            None,
            "",
            "Cột “Số CCCD” có hai lần trong dòng tiêu đề (dòng 3, cột F và L); chỉ giữ một cột.",
        )
    ]


def test_column_numbering_row_under_the_header_is_skipped(parse):
    numbering = [f"({n})" for n in range(1, 12)]

    result = parse(xlsx([numbering, MAI]))

    assert result.errors == []
    assert result.rows == [ImportRow(row_number=5, **MAI_PARSED)]


# --- Rows -------------------------------------------------------------------------------


def test_blank_rows_and_rows_with_only_a_number_are_skipped(parse):
    rows = [MAI, [None] * 11, [3, "  ", None, " "], PANH, [None] * 11, [5], [6], [None] * 11]

    result = parse(xlsx(rows))

    assert result.errors == []
    assert [r.row_number for r in result.rows] == [4, 7]


def test_text_is_trimmed_collapsed_and_nfc_normalised(parse):
    nfd = unicodedata.normalize("NFD", "  lò   thị  MAI ")
    row = person(
        MAI, name=nfd, position=" Chuyên\u00a0 viên ", workplace="UBND  huyện Mường Tè\u200b"
    )

    result = parse(xlsx([row]))

    assert result.rows == [ImportRow(row_number=4, **MAI_PARSED)]


def test_dates_from_date_cells_text_and_excel_serial_numbers(parse):
    serial = (dt.date(1990, 3, 5) - dt.date(1899, 12, 30)).days
    dates = [
        dt.date(1990, 3, 5),
        dt.datetime(1990, 3, 5, 8, 30),
        "05/03/1990",
        "5/3/1990",
        "05-03-1990",
        "5.3.1990",
        " 05 / 03 / 1990 ",
        "1990-03-05",
        serial,
        str(serial),
    ]
    rows = [
        person(MAI, name=f"Lò Thị {GIVEN_NAMES[i]}", dob=value, cccd=None)
        for i, value in enumerate(dates)
    ]

    result = parse(xlsx(rows))

    assert result.errors == []
    assert [r.date_of_birth for r in result.rows] == [dt.date(1990, 3, 5)] * len(dates)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/02/1990", "Ngày sinh “31/02/1990” không có thật; ghi theo dạng dd/mm/yyyy."),
        ("05/13/1990", "Ngày sinh “05/13/1990” không có thật; ghi theo dạng dd/mm/yyyy."),
        (
            1990,
            "Ngày sinh “1990” chỉ có năm sinh; ghi theo dạng dd/mm/yyyy, ví dụ 05/03/1990.",
        ),
        (
            "5/3/90",
            "Ngày sinh “5/3/90” có năm 2 chữ số; năm phải đủ 4 chữ số, ghi theo dạng "
            "dd/mm/yyyy, ví dụ 05/03/1990.",
        ),
        (
            "mùng 5",
            "Ngày sinh “mùng 5” không đúng dạng; ghi theo dạng dd/mm/yyyy, ví dụ 05/03/1990.",
        ),
    ],
)
def test_wrong_date_of_birth_is_a_row_error(parse, value, message):
    result = parse(xlsx([PANH, person(MAI, dob=value, cccd=None)]))

    assert [r.row_number for r in result.rows] == [4]
    assert result.errors == [RowError(5, "Ngày sinh", message)]


def test_age_outside_16_to_80_is_a_row_error(parse):
    year = timezone.localdate().year
    dates = [dt.date(year - 15, 1, 1), dt.date(year - 16, 1, 1), dt.date(year - 80, 1, 1), dt.date(year - 81, 1, 1)]  # fmt: skip
    rows = [person(row, dob=d) for row, d in zip(women(4), dates, strict=True)]

    result = parse(xlsx(rows))

    assert [r.row_number for r in result.rows] == [5, 6]
    assert result.errors == [
        RowError(
            4,
            "Ngày sinh",
            f"Ngày sinh 01/01/{year - 15} cho tuổi 15, ngoài khoảng 16–80 tuổi; kiểm tra lại năm sinh.",
        ),
        RowError(
            7,
            "Ngày sinh",
            f"Ngày sinh 01/01/{year - 81} cho tuổi 81, ngoài khoảng 16–80 tuổi; kiểm tra lại năm sinh.",
        ),
    ]


def test_age_is_counted_from_the_given_day(parse):
    row = person(MAI, dob=dt.date(2000, 6, 15), cccd=None)

    assert parse(xlsx([row]), today=dt.date(2016, 6, 14)).errors[0].column == "Ngày sinh"
    assert parse(xlsx([row]), today=dt.date(2016, 6, 15)).ok


def test_citizen_id_and_phone_that_lost_their_leading_zeros_are_restored(parse):
    rows = [
        person(MAI, cccd=12190001234, phone=912345678),
        person(PANH, cccd="12085004567", phone="345678901"),
    ]

    result = parse(xlsx(rows))

    assert result.errors == []
    assert [(r.citizen_id, r.phone) for r in result.rows] == [
        ("012190001234", "+84912345678"),
        ("012085004567", "+84345678901"),
    ]


def test_citizen_id_and_phone_with_spaces_and_dots_are_normalised(parse):
    row = person(MAI, cccd=" 012 190 001 234 ", phone="0912.345.678")

    result = parse(xlsx([row]))

    assert (result.rows[0].citizen_id, result.rows[0].phone) == ("012190001234", "+84912345678")


def test_invalid_citizen_id_and_phone_are_row_errors(parse):
    rows = [
        person(MAI, cccd="12345"),
        person(PANH, phone="01234567890"),
        person(MAI, name="Lò Thị Lan", cccd="1,2019E+11"),
    ]

    result = parse(xlsx(rows))

    assert result.rows == []
    assert where(result) == [(4, "Số CCCD"), (5, "Số điện thoại"), (6, "Số CCCD")]
    assert result.errors[0].message.startswith("Số CCCD “12345”: ")
    assert "số mũ" in result.errors[2].message


def test_citizen_id_contradicting_gender_or_birth_year_is_a_row_error(parse):
    rows = [
        person(MAI, cccd="012090001234"),  # the 4th digit says a man born in the 1900s
        person(PANH, cccd="012086004567"),  # born in 1986, not 1985
        person(MAI, name="Lò Thị Lan", cccd="012190005678"),
    ]

    result = parse(xlsx(rows))

    assert where(result) == [(4, "Số CCCD"), (5, "Số CCCD")]
    assert [r.row_number for r in result.rows] == [6]


def test_gender_category_and_payroll_spellings(parse):
    spellings = [
        ("nu", "A", "co"),
        ("NỮ", "b)", "KHONG"),
        (unicodedata.normalize("NFD", "Nữ"), "c.", "x"),
        (" nữ ", "(d)", "Không"),
        ("Nu", "a) Cán bộ làm công tác quản lý", "có"),
    ]
    rows = [
        person(row, gender=g, category=c, payroll=p)
        for row, (g, c, p) in zip(women(len(spellings)), spellings, strict=True)
    ]
    rows.append(person(PANH, gender="NAM"))

    result = parse(xlsx(rows))

    assert result.errors == []
    assert [(r.gender, r.category_code, r.on_state_payroll) for r in result.rows] == [
        ("female", "a", True),
        ("female", "b", False),
        ("female", "c", True),
        ("female", "d", False),
        ("female", "a", True),
        ("male", "b", False),
    ]


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("Mông", "08"),
        ("H'Mông", "08"),
        ("HMONG", "08"),
        ("h’mông", "08"),
        ("Khơ Mú", "29"),
        ("Khơ-mú", "29"),
        ("kho mu", "29"),
        (unicodedata.normalize("NFD", "Thái"), "03"),
        ("  hà  nhì ", "35"),
        ("08", "08"),
        ("", ""),
    ],
)
def test_ethnic_group_is_matched_by_any_spelling(parse, spelling, code):
    result = parse(xlsx([person(MAI, ethnicity=spelling or None)]))

    assert result.errors == []
    assert result.rows[0].ethnicity_code == code


def test_unknown_ethnic_group_is_a_row_error(parse):
    result = parse(xlsx([person(MAI, ethnicity="Mông Cổ")]))

    assert result.errors == [
        RowError(
            4,
            "Dân tộc",
            "Dân tộc “Mông Cổ” không có trong danh mục 54 dân tộc; ghi tên dân tộc, ví dụ "
            "Thái, Mông, Dao, Hà Nhì, hoặc để trống.",
        )
    ]


def test_every_problem_is_reported_with_row_and_column(parse):
    broken = person(MAI, name=None, dob=None, gender="X", cccd=None, category="e", payroll="có lẽ")
    rows = [MAI, broken, person(PANH, phone="0123"), [None] * 11, person(PANH, name="Lò Văn Sính", category=None)]  # fmt: skip

    result = parse(xlsx(rows))

    assert [r.row_number for r in result.rows] == [4]
    assert where(result) == [
        (5, "Họ và tên"),
        (5, "Ngày sinh"),
        (5, "Giới tính"),
        (5, "Đối tượng"),
        (5, "Hưởng lương NSNN"),
        (6, "Số điện thoại"),
        (8, "Số CCCD"),  # the same CCCD as row 6
        (8, "Đối tượng"),
    ]
    messages = {e.column: e.message for e in result.errors if e.row_number == 5}
    assert messages == {
        "Họ và tên": "Chưa ghi họ và tên.",
        "Ngày sinh": "Chưa ghi ngày sinh; ghi theo dạng dd/mm/yyyy, ví dụ 05/03/1990.",
        "Giới tính": "Giới tính “X” không hợp lệ; ghi Nam hoặc Nữ.",
        "Đối tượng": "Đối tượng “e” không hợp lệ; ghi một trong a, b, c, d.",
        "Hưởng lương NSNN": "Hưởng lương NSNN “có lẽ” không hợp lệ; ghi Có hoặc Không.",
    }


@pytest.mark.parametrize("value", [123456789, "05/03/1990", "mai@example.com"])
def test_name_column_without_a_name_is_a_row_error(parse, value):
    result = parse(xlsx([person(MAI, name=value)]))

    assert where(result) == [(4, "Họ và tên")]


def test_same_citizen_id_twice_is_an_error_on_the_later_row(parse):
    twin = person(MAI, stt=3, name="Lò Thị Lan", dob=dt.date(1990, 7, 7))

    result = parse(xlsx([MAI, PANH, twin]))

    assert [r.row_number for r in result.rows] == [4, 5]
    assert result.errors == [RowError(6, "Số CCCD", "Số CCCD 012190001234 trùng với dòng 4.")]


def test_same_name_and_birth_date_twice_is_an_error_on_the_later_row(parse):
    twin = person(MAI, name="LO THI MAI", cccd=None, phone=None)

    result = parse(xlsx([MAI, PANH, twin]))

    assert [r.row_number for r in result.rows] == [4, 5]
    assert result.errors == [
        RowError(
            6,
            "Họ và tên",
            "Lo Thi Mai, sinh ngày 05/03/1990, trùng với dòng 4; mỗi người chỉ ghi một dòng.",
        )
    ]


def test_too_many_rows_is_one_file_level_error(parse):
    result = parse(xlsx(women(3)), max_rows=2)

    assert result.rows == []
    assert where(result) == [(None, "")]
    assert "hơn 2 dòng" in result.errors[0].message


# --- Template ---------------------------------------------------------------------------


def test_the_templates_example_row_left_in_place_is_refused(parse):
    # Left in by mistake, the example person would be nominated; it is named instead.
    result = parse(build_template(), "mau.xlsx")
    assert not result.rows
    assert where(result) == [(4, "Họ và tên")]
    assert "dòng ví dụ" in result.errors[0].message


def test_template_has_title_header_formats_lists_and_instructions():
    workbook = openpyxl.load_workbook(io.BytesIO(build_template()))
    sheet = workbook.worksheets[0]

    assert sheet["A1"].value == TITLE
    assert [c.value for c in sheet[3]] == COLUMNS
    assert all(c.font.b for c in sheet[3])
    assert sheet.freeze_panes == "A4"
    assert all(sheet.column_dimensions[c].width >= 6 for c in "ABCDEFGHIJK")
    assert sheet.column_dimensions["F"].number_format == "@"  # Số CCCD
    assert sheet.column_dimensions["G"].number_format == "@"  # Số điện thoại
    assert (sheet["F4"].number_format, sheet["G4"].number_format) == ("@", "@")
    lists = {
        str(v.sqref).split(":")[0][0]: v.formula1 for v in sheet.data_validations.dataValidation
    }
    assert lists == {"D": '"Nam,Nữ"', "J": '"a,b,c,d"', "K": '"Có,Không"'}
    guide = workbook["Hướng dẫn"]
    text = "\n".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    assert all(column in text for column in COLUMNS)
    assert "Lãnh đạo, phóng viên, biên tập viên" in text  # category b
    assert [r[0].value for r in guide.iter_rows() if r[0].value in CATEGORIES] == [
        "a",
        "b",
        "c",
        "d",
    ]


# --- Scale ------------------------------------------------------------------------------


def test_ten_thousand_rows_are_parsed_whole(parse):
    # How fast is `make bench`'s business (bench/importing.py), never a timed assertion here.
    families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Lò", "Tòng", "Lường", "Quàng", "Vàng", "Giàng", "Sùng", "Chảo", "Tẩn", "Pờ"]  # fmt: skip
    middles = ["Văn", "Thị", "Đức", "Minh", "Thu", "Ngọc", "Xuân", "Hữu", "Quang", "Mai"]
    givens = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiền", "Hòa", "Hùng", "Hương", "Hường", "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngân", "Nhung", "Oanh", "Phong", "Phúc", "Phương", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thắng", "Thành", "Thu", "Thủy", "Trang", "Trung", "Tú", "Tuấn", "Vân", "Việt", "Vinh", "Xuân", "Yến", "Pành", "Sính", "Chứ", "Dín", "Páo"]  # fmt: skip
    names = [" ".join(p) for p in itertools.product(families, middles, givens)]
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([TITLE])
    sheet.append(COLUMNS)
    for i in range(10_000):
        female, year = i % 2, 1970 + i % 30
        sheet.append(
            [
                i + 1,
                names[i],
                dt.date(year, 1 + i % 12, 1 + i % 28),
                "Nữ" if female else "Nam",
                ["Thái", "Mông", "Dao", "Kinh"][i % 4],
                int(f"012{female}{year % 100:02d}{i:06d}"),  # a number: lost its zero
                f"09{i:08d}",
                "Chuyên viên",
                "UBND huyện Mường Tè",
                "abcd"[i % 4],
                "Có" if i % 3 else "Không",
            ]
        )
    data = save(workbook)

    result = parse(data)

    assert result.errors == []
    assert len(result.rows) == 10_000
    first, last = result.rows[0], result.rows[-1]
    assert (first.row_number, first.full_name, first.citizen_id) == (
        3,
        "Nguyễn Văn An",
        "012070000000",
    )
    assert (last.row_number, last.phone, last.category_code) == (10_002, "+84900009999", "d")


# --- Issue 17: read through pandas, the cells as calamine gave them ----------------------


def test_a_date_typed_in_the_id_and_phone_columns_is_reported_as_a_date(parse):
    # pandas makes every date cell a datetime at midnight; calamine gave a date, whose
    # digits are what the clerk is told about ("1990-03-05", 8 digits), not "00:00:00".
    result = parse(xlsx([person(MAI, cccd=dt.date(1990, 3, 5), phone=dt.date(1990, 3, 5))]))

    assert result.rows == []
    assert [(e.row_number, e.column, e.message) for e in result.errors] == [
        (
            4,
            "Số CCCD",
            "Số CCCD “05/03/1990”: Số CCCD phải gồm 12 chữ số (số đã nhập có 8 chữ số).",
        ),
        (
            4,
            "Số điện thoại",
            "1990-03-05 không phải là số điện thoại di động Việt Nam (gồm 10 chữ số, bắt đầu "
            "bằng 03, 05, 07, 08 hoặc 09).",
        ),
    ]


def test_a_csv_whose_last_quote_is_never_closed_is_read_to_the_end(parse):
    # Python's csv module ran the open quote to the end of the file; pandas' parser
    # refuses it: the file reads as it always did, the open cell being the last one.
    data = text_file([MAI]) + '2,"Lò Văn Pành\r\n'.encode()

    result = parse(data, "danh_sach.csv")

    assert result.rows == [ImportRow(row_number=3, **MAI_PARSED)]
    assert where(result) == [
        (4, "Ngày sinh"),
        (4, "Giới tính"),
        (4, "Đối tượng"),
        (4, "Hưởng lương NSNN"),
    ]
