"""Benchmark: importing a 10,000-row nomination spreadsheet.

Floor: read the same sheet with python-calamine (the fastest reader available here) and
insert the same number of people with one bulk_create — the least any import must do.
Target: the real import (parse, validate every cell, match known people, create people and
nominations, audit) within 2× the floor.
"""

from __future__ import annotations

import datetime
import io
import random
import sys

from django.db import transaction


def make_workbook(rows: int, seed: int = 7) -> bytes:
    from openpyxl import Workbook

    rng = random.Random(seed)
    families = ["Lò", "Tòng", "Vàng", "Giàng", "Nguyễn", "Trần", "Đặng", "Lý", "Hoàng", "Sùng"]
    middles = ["Văn", "Thị", "A", "Seo", "Đức", "Thu"]
    givens = ["Pành", "Hường", "Ánh", "Sử", "Dợ", "Ân", "Ăn", "Dũng", "Mỷ", "Xuân", "Ơn", "Ửng"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["DANH SÁCH CỬ CÁN BỘ THAM GIA LỚP BỒI DƯỠNG"])
    ws.append(
        [
            "STT",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Dân tộc",
            "Số CCCD",
            "Số điện thoại",
            "Chức vụ",
            "Cơ quan/Đơn vị công tác",
            "Đối tượng",
            "Hưởng lương NSNN",
        ]
    )
    for i in range(rows):
        female = rng.random() < 0.5
        born = datetime.date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
        digit = (0 if born.year < 2000 else 2) + (1 if female else 0)
        ws.append(
            [
                i + 1,
                f"{rng.choice(families)} {rng.choice(middles)} {rng.choice(givens)} {i:05d}",
                born,
                "Nữ" if female else "Nam",
                rng.choice(["Thái", "Mông", "Kinh", "Dao", "Hà Nhì"]),
                int(f"012{digit}{born.year % 100:02d}{i:06d}"),  # numeric: the leading zero is lost
                int(f"9{i:08d}"),
                "Chuyên viên",
                "UBND huyện Thử",
                "abcd"[i % 4],
                "Có" if i % 3 else "Không",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(median_seconds, report) -> bool:
    from python_calamine import CalamineWorkbook

    from attendees.models import Participant
    from attendees.services import import_nominations
    from courses.models import Organisation, ParticipantCategory, Quota
    from tests import factories as f

    rows = 10_000
    data = make_workbook(rows)
    klass = f.training_class(code="BENCH-IMPORT", capacity=rows * 2)
    unit = Organisation.objects.create(
        name="UBND huyện Thử", code="BENCH-U", kind="district_ubnd", can_nominate=True
    )
    for category in ParticipantCategory.objects.all():
        Quota.objects.create(
            training_class=klass, organisation=unit, category=category, seats=rows // 2
        )

    def rolled_back(fn):
        def wrapper():
            with transaction.atomic():
                result = fn()
                transaction.set_rollback(True)
            return result

        return wrapper

    @rolled_back
    def full_import():
        result = import_nominations(
            actor=None, training_class=klass, organisation=unit, data=data, filename="ds.xlsx"
        )
        assert result.ok and result.nominated == rows, result.errors[:3]

    @rolled_back
    def floor():
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        Participant.objects.bulk_create(
            Participant(
                full_name=r[1],
                search_name=r[1],
                gender="male",
                date_of_birth=r[2],
                organisation=unit,
            )
            for r in sheet[2:]
        )

    t = median_seconds(full_import, repeat=3)
    fl = median_seconds(floor, repeat=3)
    return report(f"import of a {rows:,}-row .xlsx", t, fl, 2.0)


def main() -> int:
    """This benchmark alone (`python -m bench.importing`), on the same kind of database as
    `python -m bench`."""
    from bench.timing import run_alone

    return run_alone(run)


if __name__ == "__main__":
    sys.exit(main())
