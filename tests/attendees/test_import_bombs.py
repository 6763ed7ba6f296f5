"""Spreadsheet bombs (issue 13): small files that unpack to gigabytes are refused with a
message naming what is wrong, before any reader allocates them; the parse runs bounded;
a refused upload is never parsed again; an import's outcome is committed with its rows."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from attendees import importing, services
from attendees.importing import COLUMNS, parse_nomination_file, reading
from attendees.models import ImportBatch, Nomination
from tests import bombs
from tests.attendees.test_import_service import _row, _xlsx

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024

# name -> (builder, what the refusal says)
BOMBS = {
    "far_cell": (lambda d: bombs.xlsx_far_cell(), "Trang tính có 1.048.576 dòng, tối đa 30.000"),
    "far_cell_no_dimension": (
        lambda d: bombs.xlsx_far_cell_without_dimension(),
        "Trang tính có 1.048.576 dòng, tối đa 30.000",
    ),
    "long_cell_20mb": (
        lambda d: bombs.xlsx_long_cell(d / "long.xlsx").read_bytes(),
        "tỉ lệ",
    ),
    "dense_long_cell": (
        lambda d: bombs.xlsx_dense_long_cell(d / "dense.xlsx").read_bytes(),
        "một ô chứa quá nhiều văn bản (tối đa 32.767 ký tự một ô)",
    ),
    "mimetype_1gb": (
        lambda d: bombs.ods_with_huge_mimetype(d / "m.ods").read_bytes(),
        "“mimetype” trong tệp giải nén ra 1.024 MB, tối đa 64 MB",
    ),
    "sheet_100mb": (
        lambda d: bombs.xlsx_big_sheet(d / "big.xlsx").read_bytes(),
        "giải nén ra 101 MB, tối đa 64 MB",
    ),
    "xls_far_cell": (
        lambda d: bombs.xls_far_cell(),
        "Trang tính có 65.536 dòng, tối đa 30.000",
    ),
    "ods_repeated_rows": (
        lambda d: bombs.ods_repeated_rows(),
        "Trang tính có 1.048.576 dòng, tối đa 30.000",
    ),
    "ods_repeated_cells": (
        lambda d: bombs.ods_repeated_cells(),
        "Trang tính có 16.384 cột, tối đa 100",
    ),
}


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory) -> dict[str, Path]:
    """Each bomb written once to disk (the 1 GB one takes a second or two to deflate)."""
    folder = tmp_path_factory.mktemp("bombs")
    files = {}
    for name, (build, _) in BOMBS.items():
        path = folder / f"{name}.data"
        path.write_bytes(build(folder))
        files[name] = path
    return files


def _parse(data: bytes, filename: str = "ds.xlsx"):
    return parse_nomination_file(data, filename, ethnicities={"Thái": "01"}, categories={"a"})


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_bomb_is_refused_before_it_is_read(bomb_files, name):
    data = bomb_files[name].read_bytes()
    assert len(data) < 2 * MB
    with mock.patch.object(reading.python_calamine, "CalamineWorkbook") as reader:
        result = _parse(data)
    reader.from_filelike.assert_not_called()
    assert result.rows == [] and len(result.errors) == 1
    assert BOMBS[name][1] in result.errors[0].message, result.errors[0].message


_CHILD = textwrap.dedent(
    """
    import json, os, resource, sys
    import django
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    django.setup()
    try:
        from attendees.importing import parse_nomination_file_bounded as parse
    except ImportError:  # the code before issue 13, for comparison
        from attendees.importing import parse_nomination_file as parse
    data = open(sys.argv[1], "rb").read()
    result = parse(
        data, "ds.xlsx", ethnicities={"Thái": "01"}, categories={"a"}
    )
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(json.dumps({"rows": len(result.rows), "errors": [e.message for e in result.errors],
                      "peak_kb": peak}))
    """
)


def _run_limited(path: Path, limit: int = 512 * MB) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), str(limit)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
        check=False,
    )


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_bomb_is_refused_by_a_process_under_a_512_mb_limit(bomb_files, name):
    # Before: the far cell aborted the process ("memory allocation of 549755813888 bytes
    # failed"), the 20 MB cell and the 1 GB mimetype ran out of memory.
    done = _run_limited(bomb_files[name])
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["rows"] == 0
    assert any(BOMBS[name][1] in message for message in outcome["errors"]), outcome
    print(f"{name}: peak RSS {outcome['peak_kb'] // 1024} MB")


def test_lying_sizes_are_caught_by_the_bounded_parse(tmp_path):
    # The central directory says 30 KB; the entry inflates to 20 MB of one cell. What
    # the pre-check reads stops at the declared size; the reader runs in the child.
    data = bombs.lying_sizes(
        bombs.xlsx_long_cell(tmp_path / "long.xlsx").read_bytes(),
        "xl/worksheets/sheet1.xml",
        30_000,
    )
    path = tmp_path / "lying.xlsx"
    path.write_bytes(data)
    done = _run_limited(path)
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["rows"] == 0 and outcome["errors"]


def test_a_dead_or_slow_child_is_a_refusal_not_a_crash(settings):
    from courses import uploads

    settings.UPLOAD_PARSE_SECONDS = 1
    with pytest.raises(uploads.UploadRefused, match="quá lớn hoặc quá phức tạp"):
        uploads.run_bounded(_sleep, 30)
    with pytest.raises(uploads.UploadRefused, match="quá lớn hoặc quá phức tạp"):
        uploads.run_bounded(os._exit, 3)


def _sleep(seconds):
    import time

    time.sleep(seconds)


def test_a_child_out_of_memory_is_a_refusal(settings):
    from courses import uploads

    settings.UPLOAD_PARSE_MEMORY_MB = 600
    with pytest.raises(uploads.UploadRefused, match="cần hơn 600 MB"):
        uploads.run_bounded(bytearray, 2048 * MB)


# --- CSV --------------------------------------------------------------------------------


def _csv(*rows: list) -> bytes:
    return "\n".join(",".join(map(str, row)) for row in rows).encode()


def test_a_csv_with_too_many_rows_columns_or_text_is_refused():
    header = COLUMNS
    row = ["1", "Lò Thị Mai", "05/03/1990", "Nữ", "", "", "", "", "", "a", "Có"]
    many_rows = _csv(header, *([row] * 30_001))
    assert "tối đa 30.000" in _parse(many_rows, "ds.csv").errors[0].message
    wide = _csv(header, row + [""] * 200)
    assert "Trang tính có 211 cột, tối đa 100" in _parse(wide, "ds.csv").errors[0].message
    long_cell = _csv(header, ["1", "a" * 40_000, *row[2:]])
    message = _parse(long_cell, "ds.csv").errors[0].message
    assert "dòng 2: một ô dài hơn 32.767 ký tự" in message
    huge_cell = _csv(header, ["1", "a" * 200_000, *row[2:]])
    assert "một ô dài hơn 32.767 ký tự" in _parse(huge_cell, "ds.csv").errors[0].message


# --- through the web: upload form and preview --------------------------------------------


def _upload_url(world):
    return reverse("attendees:import-upload", args=[world.class_a.code])


@pytest.mark.parametrize("name", ["far_cell", "mimetype_1gb", "sheet_100mb"])
def test_uploading_a_bomb_is_refused_and_nothing_is_kept(client, world, bomb_files, name):
    client.force_login(world.nominator_a)
    response = client.post(
        _upload_url(world),
        {"file": SimpleUploadedFile("ds.xlsx", bomb_files[name].read_bytes())},
    )
    assert response.status_code == 200
    assert BOMBS[name][1] in response.content.decode()
    assert not ImportBatch.objects.exists()
    # The worker is alive and answers the next request.
    assert client.get(_upload_url(world)).status_code == 200


def test_a_stored_bomb_is_refused_once_and_never_parsed_again(client, world, bomb_files):
    # An upload kept before the limits existed (issue 13: every view of /imports/27/
    # killed a worker).
    batch = ImportBatch.objects.create(
        training_class=world.class_a,
        organisation=world.unit_a,
        uploaded_by=world.nominator_a,
        filename="ds.xlsx",
        content=bomb_files["far_cell"].read_bytes(),
    )
    client.force_login(world.nominator_a)
    url = reverse("attendees:import-preview", args=[batch.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Trang tính có 1.048.576 dòng, tối đa 30.000" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == "refused" and bytes(batch.content) == b""
    with mock.patch.object(importing, "parse_nomination_file", side_effect=AssertionError):
        for method in (client.get, client.post):
            again = method(url)
            assert again.status_code == 200
            assert "Trang tính có 1.048.576 dòng" in again.content.decode()
    assert not Nomination.objects.exists()


def test_an_upload_with_row_errors_is_stored_refused_without_its_content(client, world):
    client.force_login(world.nominator_a)
    data = _xlsx([_row(dob="31/02/1990")])
    response = client.post(_upload_url(world), {"file": SimpleUploadedFile("ds.xlsx", data)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == "refused"
    assert bytes(batch.content) == b"" and batch.errors[0][:2] == [3, "Ngày sinh"]
    with mock.patch.object(importing, "parse_nomination_file", side_effect=AssertionError):
        page = client.get(reverse("attendees:import-preview", args=[batch.pk]))
    assert "Ngày sinh" in page.content.decode()


def test_the_management_command_uses_the_bounded_parse(world, bomb_files, tmp_path):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(bomb_files["far_cell"].read_bytes())
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "import_nominations",
            str(path),
            "--class",
            world.class_a.code,
            "--unit",
            world.unit_a.code,
            stderr=err,
        )
    assert excinfo.value.returncode == 1
    assert "Trang tính có 1.048.576 dòng, tối đa 30.000" in err.getvalue()


# --- the outcome in the transaction of the rows --------------------------------------------


def _good_batch(client, world) -> ImportBatch:
    client.force_login(world.nominator_a)
    data = _xlsx([_row(), _row("Vàng A Sử", "02/01/1985", "Nam", "012085000001")])
    client.post(_upload_url(world), {"file": SimpleUploadedFile("ds.xlsx", data)})
    batch = ImportBatch.objects.get()
    assert batch.status == "ready"
    return batch


def test_a_kill_right_after_the_import_committed_leaves_it_imported(client, world):
    batch = _good_batch(client, world)
    url = reverse("attendees:import-preview", args=[batch.pk])
    real = services.import_nominations

    def killed_after_commit(**kwargs):
        real(**kwargs)
        raise SystemExit(9)  # the worker dies before the view does anything else

    with (
        mock.patch.object(services, "import_nominations", killed_after_commit),
        pytest.raises(SystemExit),
    ):
        client.post(url)
    assert Nomination.objects.filter(training_class=world.class_a).count() == 2
    batch.refresh_from_db()
    assert batch.status == "imported" and batch.imported_rows == 2
    assert batch.imported_at is not None

    # Confirming again: "already imported", not "2 problems found, nothing saved".
    response = client.post(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "already been imported" in body or "đã được nhập" in body
    assert "Chưa có dữ liệu nào được lưu" not in body
    assert Nomination.objects.count() == 2


def test_the_service_refuses_a_second_import_of_the_same_batch(world):
    batch = ImportBatch.objects.create(
        training_class=world.class_a,
        organisation=world.unit_a,
        uploaded_by=world.nominator_a,
        filename="ds.xlsx",
        content=_xlsx([_row()]),
        status="ready",
    )
    kwargs = dict(
        actor=world.nominator_a,
        training_class=world.class_a,
        organisation=world.unit_a,
        batch=batch,
    )
    assert services.import_nominations(**kwargs).nominated == 1
    stale = ImportBatch.objects.get(pk=batch.pk)
    stale.status = "ready"  # a second request that read the batch before
    report = services.import_nominations(**{**kwargs, "batch": stale})
    assert not report.ok and "đã được nhập" in report.errors[0].message
    assert Nomination.objects.count() == 1


def test_a_libreoffice_sheet_with_trailing_empty_rows_is_read():
    # LibreOffice repeats empty rows to the end of the sheet: not a bomb.
    data = bombs.ods_with_trailing_empty_rows(
        [COLUMNS, ["1", "Lò Thị Mai", "05/03/1990", "Nữ", "Thái", "", "", "", "", "a", "Có"]]
    )
    result = _parse(data, "ds.ods")
    assert result.errors == [] and [r.full_name for r in result.rows] == ["Lò Thị Mai"]


def test_a_legacy_xls_is_judged_by_its_cells_not_only_its_declared_dimensions():
    data = bytearray(bombs.xls_far_cell())
    # DIMENSIONS (record 0x0200, 14 bytes) rewritten to claim one row and one column.
    at = data.find(b"\x00\x02\x0e\x00")
    assert at > 0
    data[at + 4 : at + 16] = struct.pack("<IIHH", 0, 1, 0, 1)
    result = _parse(bytes(data), "ds.xls")
    assert "Trang tính có 65.536 dòng, tối đa 30.000" in result.errors[0].message
