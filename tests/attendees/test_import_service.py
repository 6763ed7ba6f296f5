"""The import service and command: all or nothing, reuse of known people, quotas, exit codes."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from attendees.importing import COLUMNS
from attendees.models import Nomination, Participant
from attendees.services import import_nominations
from courses.models import AuditLog
from tests import factories as f


def _xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH CỬ CÁN BỘ"])
    ws.append(COLUMNS)
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _row(
    name="Lò Thị Mai", dob=datetime.date(1990, 3, 5), gender="Nữ", cccd="012190001234", category="a"
):
    return [
        name,
        dob,
        gender,
        "Thái",
        cccd,
        "0912345678",
        "Chuyên viên",
        "UBND xã Mù Cả",
        category,
        "Có",
    ]


def _import(world, data, **kw):
    return import_nominations(
        actor=world.nominator_a,
        training_class=world.class_a,
        organisation=world.unit_a,
        data=data,
        filename="ds.xlsx",
        **kw,
    )


def test_valid_file_creates_people_and_draft_nominations(world):
    data = _xlsx([_row(), _row("Vàng A Sử", datetime.date(1985, 1, 2), "Nam", "012085000001")])
    report = _import(world, data)
    assert report.ok and report.created == 2 and report.nominated == 2
    mai = Participant.objects.get(citizen_id="012190001234")
    assert (
        mai.full_name == "Lò Thị Mai"
        and mai.organisation == world.unit_a
        and mai.ethnicity.name == "Thái"
    )
    assert mai.phone == "+84912345678" and mai.search_name == "lo thi mai"
    n = Nomination.objects.get(participant=mai)
    assert (n.state, n.category.code, n.training_class, n.created_by) == (
        "draft",
        "a",
        world.class_a,
        world.nominator_a,
    )
    assert AuditLog.objects.get(action="nomination.import").changes["rows"] == 2


def test_one_bad_row_saves_nothing(world):
    data = _xlsx([_row(), _row("Vàng A Sử", "31/02/1985", "Nam", "")])
    report = _import(world, data)
    assert not report.ok
    assert [(e.row_number, e.column) for e in report.errors] == [(4, "Ngày sinh")]
    assert not Participant.objects.exists() and not Nomination.objects.exists()


def test_dry_run_saves_nothing(world):
    report = _import(world, _xlsx([_row()]), dry_run=True)
    assert report.ok and not Participant.objects.exists()


def test_a_known_person_is_reused_not_duplicated(world):
    # Known to the importing unit (another unit's person is held instead: test_identity.py).
    known = f.participant(
        world.unit_a,
        full_name="Lò Thị Mai",
        gender="female",
        date_of_birth=datetime.date(1990, 3, 5),
    )
    report = _import(world, _xlsx([_row(cccd="")]))
    assert report.ok and report.created == 0 and report.reused[3] == known
    assert Participant.objects.count() == 1
    assert Nomination.objects.get().participant == known


def test_more_people_than_seats_is_refused(world):
    # Unit A has seats in category a of class A, none in b.
    report = _import(world, _xlsx([_row(category="b")]))
    assert not report.ok
    assert report.errors[0].column == "Đối tượng" and "0" in report.errors[0].message
    assert not Nomination.objects.exists()


def test_seats_are_counted_with_the_units_existing_nominations(world):
    for _ in range(30):
        f.nomination(world.class_a, world.unit_a, "a")
    report = _import(world, _xlsx([_row()]))
    assert [e.column for e in report.errors] == ["Đối tượng"]
    assert "31" in report.errors[0].message and "30" in report.errors[0].message


def test_person_already_nominated_to_the_class_is_reported(world):
    known = f.participant(
        world.unit_a,
        full_name="Lò Thị Mai",
        gender="female",
        date_of_birth=datetime.date(1990, 3, 5),
    )
    f.nomination(world.class_a, world.unit_a, person=known)
    report = _import(world, _xlsx([_row(cccd="")]))
    assert [(e.row_number, e.column) for e in report.errors] == [(3, "Họ và tên")]


def test_class_not_taking_nominations_is_refused(world):
    world.class_a.state = "closed"
    world.class_a.save()
    report = _import(world, _xlsx([_row()]))
    assert not report.ok and not Participant.objects.exists()


def test_command_imports_and_exits_zero(world, tmp_path, capsys):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(_xlsx([_row()]))
    call_command(
        "import_nominations", str(path), "--class", world.class_a.code, "--unit", world.unit_a.code
    )
    assert "Đã nhập 1 người" in capsys.readouterr().out
    assert Nomination.objects.filter(training_class=world.class_a).count() == 1


def test_command_dry_run_saves_nothing(world, tmp_path, capsys):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(_xlsx([_row()]))
    call_command(
        "import_nominations",
        str(path),
        "--class",
        world.class_a.code,
        "--unit",
        world.unit_a.code,
        "--dry-run",
    )
    assert "hợp lệ" in capsys.readouterr().out
    assert not Nomination.objects.exists()


def test_command_reports_each_error_and_exits_non_zero(world, tmp_path, capsys):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(_xlsx([_row(), _row("Vàng A Sử", "31/02/1985", "Nam", "")]))
    with pytest.raises(CommandError) as err:
        call_command(
            "import_nominations",
            str(path),
            "--class",
            world.class_a.code,
            "--unit",
            world.unit_a.code,
        )
    assert err.value.returncode == 1
    assert "Dòng 4, cột “Ngày sinh”" in capsys.readouterr().err
    assert not Participant.objects.exists()


def test_command_unknown_class_or_unit(world, tmp_path):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(_xlsx([_row()]))
    with pytest.raises(CommandError, match="Không có lớp"):
        call_command(
            "import_nominations", str(path), "--class", "NOPE", "--unit", world.unit_a.code
        )
    with pytest.raises(CommandError, match="Không có đơn vị"):
        call_command(
            "import_nominations", str(path), "--class", world.class_a.code, "--unit", "999"
        )
