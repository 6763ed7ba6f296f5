"""The .xlsx template that units fill in to nominate their people."""

from __future__ import annotations

from collections.abc import Iterable

from attendees.importing import (
    CATEGORY,
    CITIZEN_ID,
    COLUMNS,
    DOB,
    ETHNICITY,
    GENDER,
    NAME,
    PAYROLL,
    PHONE,
    POSITION,
    STT,
    WORKPLACE,
)
from attendees.importing.columns import _EXAMPLE, _EXAMPLE_DATE
from attendees.importing.reading import _column_letter
from attendees.validators import MAX_AGE, MIN_AGE

TITLE = "DANH SÁCH CỬ CÁN BỘ THAM GIA LỚP BỒI DƯỠNG"
DEFAULT_CATEGORIES = [
    (
        "a",
        "Cán bộ làm công tác quản lý, cán bộ làm công tác thông tin đối ngoại cấp tỉnh, "
        "cấp huyện, xã có biên giới",
    ),
    ("b", "Lãnh đạo, phóng viên, biên tập viên các cơ quan thông tấn, báo chí"),
    (
        "c",
        "Cán bộ phụ trách cổng, trang thông tin điện tử, thông tin đối ngoại của các sở, "
        "ban, ngành, Ủy ban nhân dân các cấp có biên giới",
    ),
    (
        "d",
        "Cán bộ cơ sở truyền thanh - truyền hình cấp huyện, đài truyền thanh cấp xã ở địa "
        "bàn có biên giới",
    ),
]
_WIDTHS = [6, 28, 13, 10, 12, 16, 15, 22, 34, 11, 12]
_GUIDE = {
    STT: ("Không", "Số thứ tự; không bắt buộc, chương trình không dùng cột này."),
    NAME: ("Có", "Họ, tên đệm và tên, có dấu, ví dụ Lò Thị Mai."),
    DOB: (
        "Có",
        f"Ngày/tháng/năm đủ 4 chữ số, dạng dd/mm/yyyy, ví dụ {_EXAMPLE_DATE}. Tuổi từ {MIN_AGE} đến {MAX_AGE}.",
    ),
    GENDER: ("Có", "Nam hoặc Nữ."),
    ETHNICITY: (
        "Không",
        "Tên một trong 54 dân tộc, ví dụ Thái, Mông, Dao, Hà Nhì, Khơ Mú. Đây là thông tin nhạy cảm: chỉ ghi khi cần.",
    ),
    CITIZEN_ID: (
        "Không",
        "12 chữ số, giữ nguyên số 0 ở đầu (cột đã để dạng Văn bản). Phải khớp giới tính và năm sinh.",
    ),
    PHONE: ("Không", "Số di động 10 chữ số, bắt đầu 03, 05, 07, 08 hoặc 09."),
    POSITION: ("Không", "Chức vụ hoặc chức danh, ví dụ Chuyên viên, Phó trưởng phòng."),
    WORKPLACE: ("Không", "Tên cơ quan, đơn vị đang công tác."),
    CATEGORY: ("Có", "Một chữ a, b, c hoặc d theo mục 2.1 của Kế hoạch (xem bảng dưới)."),
    PAYROLL: (
        "Có",
        "Có nếu hưởng lương từ ngân sách nhà nước (do cơ quan chi trả chế độ), Không nếu không hưởng lương (được hỗ trợ từ kinh phí lớp học).",
    ),
}


def build_template(categories: Iterable[tuple[str, str]] | None = None) -> bytes:
    """The .xlsx template units fill in: title, header, one example row, validation lists
    and a 'Hướng dẫn' (instructions) sheet. `categories` is (code, description) pairs,
    the plan's a–d by default."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    from core.documents.spreadsheet import print_setup, row_height, text_cell, workbook_bytes

    categories = list(categories or DEFAULT_CATEGORIES)
    codes = [code for code, _ in categories]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    last_column = _column_letter(len(COLUMNS) - 1)
    header_row, first_data_row, last_data_row = 3, 4, 3 + 20000

    sheet["A1"] = TITLE
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.merge_cells(f"A1:{last_column}1")
    sheet["A2"] = (
        "Mỗi người một dòng, bắt đầu từ dòng 4 (thay dòng ví dụ). Không đổi tên, không xóa "
        "các cột. Cách ghi từng cột: xem trang “Hướng dẫn”."
    )
    sheet["A2"].font = Font(italic=True)
    sheet["A2"].alignment = Alignment(horizontal="center", wrap_text=True)
    sheet.merge_cells(f"A2:{last_column}2")

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, (name, width) in enumerate(zip(COLUMNS, _WIDTHS, strict=True)):
        letter = _column_letter(index)
        cell = sheet.cell(row=header_row, column=index + 1, value=name)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[letter].width = width
        value = _EXAMPLE[index]
        example = sheet.cell(row=first_data_row, column=index + 1, value=value)
        example.border = border
        if name in (CITIZEN_ID, PHONE):
            # Text format keeps the leading zeros Excel would otherwise drop.
            sheet.column_dimensions[letter].number_format = "@"
            example.number_format = "@"
        elif name == DOB:
            sheet.column_dimensions[letter].number_format = "dd/mm/yyyy"
            example.number_format = "dd/mm/yyyy"
    # A wrapped header needs its height set, or it prints over the example row.
    sheet.row_dimensions[header_row].height = row_height(COLUMNS, _WIDTHS)
    sheet.row_dimensions[2].height = row_height([sheet["A2"].value], [sum(_WIDTHS)])
    print_setup(sheet, header_rows=(header_row, header_row))
    sheet.freeze_panes = f"A{first_data_row}"

    for name, options, prompt in [
        (GENDER, ["Nam", "Nữ"], "Chọn Nam hoặc Nữ."),
        (CATEGORY, codes, "Chọn đối tượng " + ", ".join(codes) + " (xem trang Hướng dẫn)."),
        (PAYROLL, ["Có", "Không"], "Có: hưởng lương NSNN; Không: không hưởng lương."),
    ]:
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(options) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Giá trị không hợp lệ",
            error="Chọn một giá trị trong danh sách: " + ", ".join(options) + ".",
            promptTitle=name,
            prompt=prompt,
        )
        letter = _column_letter(COLUMNS.index(name))
        validation.add(f"{letter}{first_data_row}:{letter}{last_data_row}")
        sheet.add_data_validation(validation)

    guide = workbook.create_sheet("Hướng dẫn")
    guide.append(["HƯỚNG DẪN GHI DANH SÁCH"])
    guide["A1"].font = Font(bold=True, size=13)
    guide.append([])
    guide.append(["Cột", "Bắt buộc", "Cách ghi"])
    for cell in guide[3]:
        cell.font = Font(bold=True)
        cell.fill = fill
    for name in COLUMNS:
        required, how = _GUIDE[name]
        guide.append([name, required, how])
    guide.append([])
    guide.append(["Đối tượng bồi dưỡng (mục 2.1 của Kế hoạch)"])
    guide.cell(row=guide.max_row, column=1).font = Font(bold=True)
    for code, description in categories:  # from the database: text, never a formula
        row = guide.max_row + 1
        for column, text in enumerate((code, "", description), start=1):
            text_cell(guide.cell(row=row, column=column), text)
    guide.append([])
    guide.append(
        [
            "Lưu ý",
            "",
            "Có thể lưu dạng .xlsx, .xls, .ods hoặc .csv (UTF-8). Chương trình báo mọi lỗi "
            "kèm số dòng và tên cột; danh sách chỉ được nhập khi không còn lỗi.",
        ]
    )
    guide.column_dimensions["A"].width = 26
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 100
    for row in guide.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in guide.iter_rows(min_row=4):
        texts = [cell.value for cell in row[:3]]
        guide.row_dimensions[row[0].row].height = row_height(texts, [26, 10, 100])
    print_setup(guide, header_rows=(3, 3), landscape=False)
    return workbook_bytes(workbook)
