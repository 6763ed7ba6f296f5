"""The nominations spreadsheet's vocabulary: its columns as the template writes them, the
other headers district files use for them, the field lengths, the template's example row,
and what a parse gives back (rows, row errors)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

STT = "STT"
NAME = "Họ và tên"
DOB = "Ngày sinh"
GENDER = "Giới tính"
ETHNICITY = "Dân tộc"
CITIZEN_ID = "Số CCCD"
PHONE = "Số điện thoại"
POSITION = "Chức vụ"
WORKPLACE = "Cơ quan/Đơn vị công tác"
CATEGORY = "Đối tượng"
PAYROLL = "Hưởng lương NSNN"

COLUMNS = [
    STT,
    NAME,
    DOB,
    GENDER,
    ETHNICITY,
    CITIZEN_ID,
    PHONE,
    POSITION,
    WORKPLACE,
    CATEGORY,
    PAYROLL,
]
REQUIRED = [NAME, DOB, GENDER, CATEGORY, PAYROLL]

# Other headers met in district files for the same columns.
_HEADER_ALIASES = {
    STT: ["Số thứ tự", "TT"],
    NAME: ["Họ tên", "Họ và tên cán bộ", "Họ và tên người được cử"],
    DOB: ["Ngày tháng năm sinh", "Ngày, tháng, năm sinh"],
    GENDER: ["Nam/Nữ", "Giới"],
    CITIZEN_ID: [
        "CCCD",
        "Số căn cước",
        "Số căn cước công dân",
        "Căn cước công dân",
        "Số định danh cá nhân",
        "Số CCCD/CMND",
    ],
    PHONE: ["Điện thoại", "SĐT", "Số ĐT", "Điện thoại di động", "Số điện thoại di động"],
    POSITION: ["Chức danh", "Chức vụ/Chức danh", "Chức vụ, chức danh"],
    WORKPLACE: [
        "Cơ quan, đơn vị công tác",
        "Cơ quan đơn vị công tác",
        "Đơn vị công tác",
        "Cơ quan công tác",
        "Nơi công tác",
        "Cơ quan/Đơn vị",
        "Đơn vị",
    ],
    CATEGORY: ["Đối tượng bồi dưỡng", "Đối tượng tham gia"],
    PAYROLL: [
        "Hưởng lương ngân sách nhà nước",
        "Hưởng lương từ NSNN",
        "Hưởng lương từ ngân sách nhà nước",
        "Hưởng lương ngân sách",
    ],
}

HEADER_SEARCH_ROWS = 20
# Field lengths of attendees.Participant, checked here so that a long cell is a row
# error rather than a database error at import.
_MAX_LENGTH = {NAME: 150, POSITION: 150, WORKPLACE: 255}

_EXAMPLE_DATE = "05/03/1990"


@dataclass(slots=True)
class ImportRow:
    row_number: int
    full_name: str
    gender: str
    date_of_birth: datetime.date
    ethnicity_code: str
    citizen_id: str
    phone: str
    position: str
    workplace: str
    category_code: str
    on_state_payroll: bool


@dataclass(slots=True)
class RowError:
    row_number: int | None
    column: str
    message: str


@dataclass
class ParseResult:
    rows: list[ImportRow]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


# The template's example row (attendees/template.py writes it; the parser refuses it).
_EXAMPLE = [
    1,
    "Nguyễn Văn Mẫu",  # "Mẫu" = sample: unmistakably the template's example person
    datetime.date(1990, 3, 5),
    "Nam",
    "Thái",
    "012090001234",
    "0912345678",
    "Chuyên viên",
    "UBND huyện Mường Tè",
    "a",
    "Có",
]
