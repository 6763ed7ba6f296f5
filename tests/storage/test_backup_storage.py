"""`backup` and `restore` through the storage API: the same archive from files on this
disk or in an S3 bucket, a restore that removes what was stored after the backup, and a
backup that refuses a database without this application's tables."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db.migrations.recorder import MigrationRecorder

from courses.backup import MANIFEST
from courses.models import TrainingClass
from tests import factories as f
from tests.storage.conftest import bucket_objects

ROOT = Path(__file__).resolve().parents[2]

FILES = {
    "materials/1/giao-trinh.pdf": b"%PDF-1.4 giao trinh",
    "materials/2/phong-su.mp4": bytes(range(256)) * 64,
    "private/receipts/3/bien-nhan.jpg": b"\xff\xd8\xff receipt",
}


@pytest.fixture(params=["filesystem", "s3"])
def stored(request, settings, tmp_path):
    """The media storage (MEDIA_ROOT in tmp_path, or a bucket), holding FILES; returns a
    function that reads back everything stored, bypassing the app."""
    settings.MEDIA_ROOT = tmp_path / "media"
    if request.param == "s3":
        bucket = request.getfixturevalue("s3")
        client = request.getfixturevalue("s3_client")

        def read() -> dict[str, bytes]:
            return bucket_objects(client, bucket)
    else:

        def read() -> dict[str, bytes]:
            root = settings.MEDIA_ROOT
            return {
                p.relative_to(root).as_posix(): p.read_bytes()
                for p in root.rglob("*")
                if p.is_file()
            }

    for name, content in FILES.items():
        assert default_storage.save(name, ContentFile(content)) == name
    assert read() == FILES
    return read


def _backup(tmp_path) -> Path:
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=io.StringIO())
    (path,) = (tmp_path / "backups").glob("*.tar.gz")
    return path


@pytest.mark.django_db(transaction=True)
def test_round_trip_restores_the_files_and_removes_those_stored_since(world, stored, tmp_path):
    path = _backup(tmp_path)
    with tarfile.open(path, "r:gz") as archive:
        manifest = json.load(archive.extractfile(MANIFEST))
        members = {
            m.name: archive.extractfile(m).read()
            for m in archive.getmembers()
            if m.name.startswith("media/")
        }
    assert members == {f"media/{name}": content for name, content in FILES.items()}
    (database,) = set(manifest["files"]) - set(members)  # and every file hashed
    assert database in ("database.sqlite3", "database.dump")

    # After the backup: a file deleted, one changed, one added (with its class).
    default_storage.delete("materials/1/giao-trinh.pdf")
    default_storage.delete("private/receipts/3/bien-nhan.jpg")
    default_storage.save("private/receipts/3/bien-nhan.jpg", ContentFile(b"another scan"))
    default_storage.save("materials/9/moi-them.pdf", ContentFile(b"%PDF-1.4 added later"))
    f.training_class(code="TTDN-2023-L9")

    call_command("restore", str(path), "--yes", stdout=io.StringIO())

    assert stored() == FILES
    assert not TrainingClass.objects.filter(code="TTDN-2023-L9").exists()


def test_backup_refuses_a_database_without_the_applications_tables(world, tmp_path, monkeypatch):
    monkeypatch.setattr(MigrationRecorder, "applied_migrations", lambda self: {})
    with pytest.raises(CommandError, match="không có bảng nào của ứng dụng"):
        _backup(tmp_path)
    assert not list((tmp_path / "backups").glob("*"))


@pytest.mark.parametrize("database", ["missing", "empty"])
def test_backup_without_the_sites_settings_makes_no_database_and_no_archive(tmp_path, database):
    """`manage.py backup` run without DATABASE_URL (the usual mistake): SQLite would make
    an empty file and the backup would "succeed" with nothing in it."""
    db = tmp_path / "db.sqlite3"
    if database == "empty":
        db.touch()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MEDIA_STORAGE")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{db}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "backup", "-o", str(tmp_path / "backups")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "không có bảng nào của ứng dụng" in result.stderr
    assert db.exists() == (database == "empty")
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())
