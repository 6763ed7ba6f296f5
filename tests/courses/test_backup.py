"""`manage.py backup` / `restore`: a round trip gives back the same reports, byte for byte,
and a wrong, damaged or foreign archive is refused before anything is touched."""

import datetime
import hashlib
import io
import json
import os
import re
import stat
import tarfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.models import User
from attendees.models import Attendance, Participant
from certificates import services as certificates
from certificates.models import Certificate, CertificateBatch
from courses.backup import MANIFEST, backup_create
from courses.models import Session, TrainingClass
from reports.exports import VIEWS, class_csv, class_pdf, class_workbook, year_workbook
from tests import factories as f

# Only the round trip replaces the database, so only it needs committed rows (and the
# slower flush); the others are refused before anything is touched.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def held(world):
    """world.class_a: three closed sessions, eight people with mixed attendance, their
    certificates issued and printed (so MEDIA_ROOT holds the print job's files)."""
    klass = world.class_a
    klass.sessions.all().delete()
    sessions = [
        f.session(
            klass,
            date=klass.start_date + datetime.timedelta(days=i),
            trainers=[world.trainer.trainer],
        )
        for i in range(3)
    ]
    names = ["Lò Văn Ánh", "Nguyễn Thị Hường", "Đặng Quốc Bảo", "Vàng A Dơ"]
    patterns = ["PPP", "PLP", "PAP", "AAP", "PPP", "PEP", "LLL", "AAA"]
    for i, pattern in enumerate(patterns):
        unit = world.unit_a if i % 2 else world.unit_b
        person = f.participant(unit, full_name=f"{names[i % 4]} {i}")
        enrollment = f.enrollment(klass, unit, person)
        for session, mark in zip(sessions, pattern, strict=True):
            status = {"P": "present", "L": "late", "A": "absent", "E": "excused"}[mark]
            scanned = status in ("present", "late")
            Attendance.objects.create(
                enrollment=enrollment,
                session=session,
                status=status,
                first_scan_at=timezone.make_aware(
                    datetime.datetime.combine(session.date, session.start_time)
                )
                if scanned
                else None,
                reason="Ốm" if status == "excused" else "",
            )
    Session.objects.filter(training_class=klass).update(closed_at=timezone.now())
    batch = CertificateBatch.objects.create(training_class=klass, requested_by=world.coordinator)
    certificates.batch_run(batch)
    batch.refresh_from_db()
    assert batch.state == "done" and batch.certificates >= 4
    return klass


def _exports(klass_pk: int, username: str) -> dict[str, bytes]:
    """Every report a coordinator downloads for the class and its year, read afresh."""
    klass = TrainingClass.objects.get(pk=klass_pk)
    user = User.objects.get(username=username)
    files = {"class.xlsx": class_workbook(klass, user)}
    for view in VIEWS:
        files[f"{view}.csv"] = class_csv(klass, user, view).encode()
        files[f"{view}.pdf"] = class_pdf(klass, user, view)
    year = io.BytesIO()
    year_workbook(klass.start_date.year, user, year)
    files["year.xlsx"] = year.getvalue()
    return files


def _media(settings) -> dict[str, bytes]:
    root = settings.MEDIA_ROOT
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _backup(tmp_path) -> tuple:
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    (path,) = (tmp_path / "backups").glob("*.tar.gz")
    return path, out.getvalue()


def test_exports_are_reproducible(held, world):
    assert _exports(held.pk, "dieuphoi") == _exports(held.pk, "dieuphoi")


@pytest.mark.django_db(transaction=True)
def test_round_trip_gives_back_byte_identical_reports_and_files(held, world, tmp_path, settings):
    before = _exports(held.pk, "dieuphoi")
    media_before = _media(settings)
    assert any(name.endswith(".pdf") for name in media_before)
    path, printed = _backup(tmp_path)
    assert str(path) in printed
    _check_manifest(path)

    # Someone damages the data: attendance rewritten, names changed, a certificate
    # revoked, a printed file deleted, a new class added.
    Attendance.objects.filter(session__training_class=held).update(status="absent")
    Participant.objects.update(full_name="Tên Sai")
    cert = Certificate.objects.filter(training_class=held).first()
    certificates.certificate_revoke(actor=world.coordinator, certificate=cert, reason="Thử")
    deleted = next(name for name in media_before if name.endswith(".pdf"))
    (settings.MEDIA_ROOT / deleted).unlink()
    f.training_class(code="TTDN-2023-L9")
    assert _exports(held.pk, "dieuphoi") != before

    out = io.StringIO()
    call_command("restore", str(path), "--yes", stdout=out)
    assert "Restored" in out.getvalue()

    assert _exports(held.pk, "dieuphoi") == before
    assert _media(settings) == media_before
    assert not TrainingClass.objects.filter(code="TTDN-2023-L9").exists()
    assert Certificate.objects.filter(revoked_at__isnull=False).count() == 0


def _check_manifest(path) -> None:
    """The manifest names the engine and the migrations, and the SHA-256 of each member."""
    with tarfile.open(path, "r:gz") as archive:
        manifest = json.load(archive.extractfile(MANIFEST))
        members = {
            m.name: hashlib.sha256(archive.extractfile(m).read()).hexdigest()
            for m in archive.getmembers()
            if m.name != MANIFEST
        }
    assert manifest["engine"] == connection.vendor
    assert "courses.0001_initial" in manifest["migrations"]
    assert "certificates.0002_job_heartbeat" in manifest["migrations"]
    assert manifest["files"] == members
    database = "database.sqlite3" if connection.vendor == "sqlite" else "database.dump"
    assert database in members
    assert any(name.startswith("media/private/certificates/") for name in members)


def _rewrite(path, out, *, manifest=None, replace: dict[str, bytes] | None = None):
    """Copy a backup, changing its manifest or a member's bytes (but not the manifest)."""
    with tarfile.open(path, "r:gz") as source, tarfile.open(out, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == MANIFEST and manifest:
                data = json.dumps(manifest(json.loads(data))).encode()
            if replace and member.name in replace:
                data = replace[member.name]
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return out


@pytest.fixture
def some_data(world, settings):
    """Rows and one uploaded file: enough for a backup to refuse."""
    upload = settings.MEDIA_ROOT / "materials" / "1" / "giao-trinh.pdf"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"%PDF-1.4 giao trinh")
    return world.class_a


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_before_touching_anything(some_data, tmp_path):
    """Over data without --yes, a damaged member, another engine: each refused, and the
    class created after the backup is still there."""
    path, _printed = _backup(tmp_path)
    f.training_class(code="TTDN-2023-L9")

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))

    damaged = _rewrite(
        path,
        tmp_path / "damaged.tar.gz",
        replace={"media/materials/1/giao-trinh.pdf": b"%PDF-1.4 broken"},
    )
    with pytest.raises(
        CommandError, match=re.escape("mã kiểm tra (checksum) của media/materials/1/giao-trinh.pdf")
    ):
        call_command("restore", str(damaged), "--yes")

    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    foreign = _rewrite(path, tmp_path / "foreign.tar.gz", manifest=lambda m: {**m, "engine": other})
    with pytest.raises(CommandError, match="cùng loại cơ sở dữ liệu"):
        call_command("restore", str(foreign), "--yes")

    assert TrainingClass.objects.filter(code="TTDN-2023-L9").exists()


def test_backup_inside_a_transaction_is_refused_not_hung(some_data, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("pg_dump runs in its own session")
    with pytest.raises(CommandError, match="trong một giao dịch cơ sở dữ liệu"):
        _backup(tmp_path)


@pytest.mark.parametrize("content", [b"not an archive at all", None])
def test_restore_refuses_a_file_that_is_not_a_backup(some_data, tmp_path, content):
    wrong = tmp_path / "wrong.tar.gz"
    if content is None:  # a real .tar.gz, but of something else
        with tarfile.open(wrong, "w:gz") as archive:
            info = tarfile.TarInfo("notes.txt")
            info.size = 5
            archive.addfile(info, io.BytesIO(b"notes"))
    else:
        wrong.write_bytes(content)
    with pytest.raises(CommandError, match="không phải bản sao lưu"):
        call_command("restore", str(wrong), "--yes")
    assert TrainingClass.objects.filter(pk=some_data.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_archive_is_readable_by_its_owner_alone(some_data, tmp_path):
    """Everyone's personal data: 0600 whatever the umask of whoever runs the command."""
    previous = os.umask(0o022)
    try:
        path = backup_create(output=tmp_path / "new-folder")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not list(path.parent.glob("*.part"))


def test_restore_of_a_missing_file_names_the_file_it_looked_for(some_data, tmp_path, monkeypatch):
    """A relative path is taken from where the command runs; the message says where that
    was, rather than calling a file that is not there 'not a backup'."""
    monkeypatch.chdir(tmp_path)
    expected = tmp_path / "backups" / "tcm-backup-20231010.tar.gz"
    with pytest.raises(CommandError, match=re.escape(f"Không có tệp {expected}")):
        call_command("restore", "backups/tcm-backup-20231010.tar.gz", "--yes")
    assert TrainingClass.objects.filter(pk=some_data.pk).exists()
