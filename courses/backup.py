"""Backups: the database and the uploaded files (certificate PDFs, course materials, on
this disk under MEDIA_ROOT or in an S3 bucket) in one .tar.gz, and restoring one.

Inside the archive::

    database.sqlite3     SQLite: a consistent copy made with SQLite's online backup API
                         (the site may keep running: writers wait, readers carry on)
    database.dump        PostgreSQL: pg_dump --format=custom (a consistent snapshot)
    media/...            the stored files, under their names in the storage
    manifest.json        what, when and from where (engine, migrations applied) and the
                         SHA-256 of every other member (last: the files are hashed as
                         they go in, so each is read once, from disk or from the bucket)

The files are read and written through Django's storage API (STORAGES["default"]), so
the same archive restores onto a disk or into a bucket. Restoring checks the manifest
first (this application's backup, same database engine, no migration this code does not
know, every checksum), refuses to overwrite a database that holds data unless told to,
then replaces the database and the files: a file stored after the backup was made is
removed, as its row is.

Usage::

    python manage.py backup [--output DIR_OR_FILE]
    python manage.py restore FILE [--yes]
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import posixpath
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = 1
APPLICATION = "tcm"
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
MEDIA_PREFIX = "media/"
CHUNK = 1 << 20

# The apps whose rows make a database "in use": restoring over them needs --yes.
PROJECT_APPS = ("accounts", "courses", "attendees", "certificates", "materials", "reports")


class BackupError(Exception):
    """A backup cannot be made or restored; the message is for the operator."""


@dataclass(frozen=True)
class RestoreReport:
    engine: str
    created_at: str
    files: int


def _vendor(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in DB_MEMBER:
        raise BackupError(_("Backups support SQLite and PostgreSQL only."))
    return vendor


def _applied_migrations(using: str) -> list[str]:
    recorder = MigrationRecorder(connections[using])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _stored_names(folder: str = "") -> Iterator[str]:
    """Every file in the storage (a folder of MEDIA_ROOT or a bucket's prefix), by its
    name in the storage."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return  # MEDIA_ROOT not made yet: nothing was ever uploaded
    for name in sorted(files):
        yield posixpath.join(folder, name)
    for name in sorted(folders):
        yield from _stored_names(posixpath.join(folder, name))


class _Hashing:
    """A file read by tarfile, hashed on the way: each stored file is read once."""

    def __init__(self, handle) -> None:
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


def _add(archive: tarfile.TarFile, arcname: str, handle, size: int, mtime: float) -> str:
    """Write one member and return its SHA-256."""
    info = tarfile.TarInfo(arcname)
    info.size, info.mtime = size, int(mtime)
    reader = _Hashing(handle)
    archive.addfile(info, reader)
    return reader.digest.hexdigest()


def _require_project_tables(using: str) -> None:
    """A backup of a database without this application's tables backs up nothing: the
    usual cause is a command run without the site's settings (DATABASE_URL), which
    SQLite answers by creating a new, empty file."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        memory = name == ":memory:" or name.startswith("file:")
        if not memory and not Path(name).exists():
            raise BackupError(_empty_database_message(name))
    applied = MigrationRecorder(connection).applied_migrations()
    if not any(app in PROJECT_APPS for app, _name in applied):
        raise BackupError(_empty_database_message(str(connection.settings_dict["NAME"])))


def _empty_database_message(name: str) -> str:
    return _(
        "The database %(name)s holds none of this application's tables: nothing to back "
        "up. Check DATABASE_URL (and the other settings of the site) in the environment "
        "this command runs in."
    ) % {"name": name}


# ---------------------------------------------------------------------------- PostgreSQL


def _pg_args(using: str) -> tuple[list[str], dict[str, str]]:
    db = connections[using].settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _pg_tool(name: str, using: str) -> str:
    """The client tool, checked against the server: pg_dump refuses a newer server and a
    dump made by a newer pg_dump may not restore, so the majors must match."""
    tool = shutil.which(name)
    if not tool:
        raise BackupError(
            _("%(tool)s was not found: install the PostgreSQL client (postgresql-client).")
            % {"tool": name}
        )
    out = subprocess.run(  # noqa: S603 - a tool found on PATH, fixed arguments
        [tool, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    client = int(match.group(1)) if match else 0
    connection = connections[using]
    connection.ensure_connection()
    server = connection.pg_version // 10000
    if client != server:
        raise BackupError(
            _(
                "%(tool)s is version %(client)s but the database server is PostgreSQL "
                "%(server)s: install the matching client (postgresql-client-%(server)s)."
            )
            % {"tool": name, "client": client, "server": server}
        )
    return tool


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    # Arguments come from DATABASES and our own temporary files, never from a request.
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            _("%(what)s failed: %(error)s") % {"what": what, "error": result.stderr.strip()}
        )


# ---------------------------------------------------------------------------- backup


def _dump_database(using: str, target: Path) -> None:
    vendor = _vendor(using)
    connection = connections[using]
    if vendor == "sqlite":
        # The online backup API copies a consistent snapshot page by page, through the
        # connection Django already has (so an in-memory database works too). From
        # inside a write transaction it would wait on itself for ever.
        if connection.in_atomic_block:
            raise BackupError(_("A backup cannot be made inside a database transaction."))
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        return
    tool = _pg_tool("pg_dump", using)
    args, env = _pg_args(using)
    _run(
        [tool, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *args],
        env,
        "pg_dump",
    )


def backup_create(*, output: Path | None = None, using: str = "default") -> Path:
    """Write a backup archive and return its path. `output` is a file name or a folder
    (default: ./backups); the file is named after the time it was made."""
    vendor = _vendor(using)
    _require_project_tables(using)
    now = timezone.localtime()
    name = f"tcm-backup-{now:%Y%m%d-%H%M%S}.tar.gz"
    if output is None:
        output = Path("backups")
    if output.suffix != ".gz" and (output.is_dir() or not output.suffix):
        output.mkdir(mode=0o700, parents=True, exist_ok=True)
        output = output / name
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / DB_MEMBER[vendor]
        _dump_database(using, dump)
        files: dict[str, str] = {}
        partial = output.with_name(output.name + ".part")
        # The archive holds everyone's personal data: readable by its owner alone (0600),
        # whatever the umask of the shell or timer that runs the command.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # an old .part left by an interrupted run keeps its mode
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            with open(dump, "rb") as handle:
                files[DB_MEMBER[vendor]] = _add(
                    archive, DB_MEMBER[vendor], handle, dump.stat().st_size, now.timestamp()
                )
            for stored in _stored_names():
                with default_storage.open(stored, "rb") as handle:
                    files[MEDIA_PREFIX + stored] = _add(
                        archive,
                        MEDIA_PREFIX + stored,
                        handle,
                        default_storage.size(stored),
                        default_storage.get_modified_time(stored).timestamp(),
                    )
            manifest = {
                "application": APPLICATION,
                "format": FORMAT,
                "engine": vendor,
                "created_at": now.isoformat(),
                "migrations": _applied_migrations(using),
                "files": files,
            }
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            _add(archive, MANIFEST, io.BytesIO(data), len(data), now.timestamp())
        partial.replace(output)  # a half-written archive never has the final name
    return output


# ---------------------------------------------------------------------------- restore


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def _read_manifest(archive: tarfile.TarFile) -> dict:
    not_a_backup = BackupError(_("This file is not a backup made by this application."))
    try:
        member = archive.getmember(MANIFEST)
        manifest = json.load(archive.extractfile(member))
    except (
        KeyError,
        AttributeError,
        TypeError,
        ValueError,
        OSError,
        EOFError,
        tarfile.TarError,
    ) as exc:
        raise not_a_backup from exc
    if not isinstance(manifest, dict) or manifest.get("application") != APPLICATION:
        raise not_a_backup
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise BackupError(_("This backup was made by another version of the application."))
    return manifest


def _check_migrations(manifest: dict, using: str) -> None:
    """A backup from a newer version holds tables this code does not know: refuse. One
    from an older version restores, and `migrate` brings it up to date."""
    known = {
        f"{app}.{name}"
        for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    }
    unknown = sorted(set(manifest.get("migrations", [])) - known)
    if unknown:
        raise BackupError(
            _(
                "This backup was made by a newer version of the application "
                "(unknown migrations: %(names)s). Update the application first."
            )
            % {"names": ", ".join(unknown[:5])}
        )


def database_in_use(using: str = "default") -> bool:
    """Whether the database holds any row of this application (an empty, just migrated
    database does not count: the data migrations' reference lists are not data)."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            if model._meta.db_table not in tables or model._meta.proxy:
                continue
            if model._meta.db_table in REFERENCE_TABLES:
                continue
            if model._default_manager.using(using).exists():
                return True
    return False


# Filled by data migrations on an empty database: not the site's data.
REFERENCE_TABLES = {
    "courses_participantcategory",
    "attendees_ethnicity",
    "materials_language",
}


def _verify(archive: tarfile.TarFile, manifest: dict, work: Path) -> dict[str, Path]:
    """Extract every member listed in the manifest into `work`, checking its SHA-256;
    return where each landed."""
    expected: dict[str, str] = manifest["files"]
    names = {m.name for m in archive.getmembers() if m.isfile()} - {MANIFEST}
    if names != set(expected) or not all(_safe_member(n) for n in names):
        raise BackupError(_("The backup is damaged: its contents do not match its manifest."))
    extracted: dict[str, Path] = {}
    for i, name in enumerate(sorted(expected)):
        target = work / f"{i:06d}"
        digest = hashlib.sha256()
        source = archive.extractfile(name)
        with open(target, "wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected[name]:
            raise BackupError(
                _("The backup is damaged: the checksum of %(name)s does not match.")
                % {"name": name}
            )
        extracted[name] = target
    return extracted


def _restore_database(using: str, vendor: str, dump: Path) -> None:
    connection = connections[using]
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            # Replaces every page of the live database in one step, under its write lock.
            source.backup(connection.connection)
        finally:
            source.close()
        return
    pg_restore = _pg_tool("pg_restore", using)
    psql = _pg_tool("psql", using)
    args, env = _pg_args(using)
    # The dump as SQL, then run in ONE transaction after emptying the schema (tables a
    # later migration added must not survive): if anything fails, nothing has changed.
    script = dump.with_name("restore.sql")
    _run(
        [pg_restore, "--no-owner", "--no-privileges", "--file", str(script), str(dump)],
        env,
        "pg_restore",
    )
    connection.close()
    _run(
        [
            psql,
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set",
            "ON_ERROR_STOP=1",
            "--command",
            "DROP SCHEMA public CASCADE",
            "--command",
            "CREATE SCHEMA public",
            "--file",
            str(script),
            *args,
        ],
        env,
        "psql",
    )


def _restore_media(files: dict[str, Path]) -> int:
    """Write the backup's files into the storage under their names, then remove every
    stored file the backup does not hold (stored after it was made: its row is gone)."""
    restored = set()
    for member, path in files.items():
        if not member.startswith(MEDIA_PREFIX):
            continue
        name = member[len(MEDIA_PREFIX) :]
        # A storage gives a taken name another one (or, on S3, may overwrite): free it.
        default_storage.delete(name)
        with open(path, "rb") as handle:
            saved = default_storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(
                _("The file %(name)s could not be restored under its name.") % {"name": name}
            )
        restored.add(name)
    for name in list(_stored_names()):
        if name not in restored:
            default_storage.delete(name)
    return len(restored)


def backup_restore(path: Path, *, overwrite: bool = False, using: str = "default") -> RestoreReport:
    """Check the archive, then replace the database and write the files back. Refuses
    (BackupError) before changing anything when a check fails, or when the database holds
    data and `overwrite` is not given."""
    vendor = _vendor(using)
    if not path.is_file():
        # Say which file was looked for: a relative path is taken from where the command
        # runs (under systemd, the code tree), which is rarely where the operator thinks.
        raise BackupError(_("There is no file %(path)s.") % {"path": path.absolute()})
    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115 - closed by the `with` below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(_("This file is not a backup made by this application.")) from exc
    with archive, tempfile.TemporaryDirectory() as work:
        manifest = _read_manifest(archive)
        if manifest.get("engine") != vendor:
            raise BackupError(
                _(
                    "This backup is of a %(backup)s database but this site uses %(site)s: "
                    "restore it on a site with the same database engine."
                )
                % {"backup": manifest.get("engine"), "site": vendor}
            )
        _check_migrations(manifest, using)
        if not overwrite and database_in_use(using):
            raise BackupError(
                _(
                    "The database already holds data, which restoring would replace. "
                    "Run again with --yes to overwrite it."
                )
            )
        try:
            extracted = _verify(archive, manifest, Path(work))
        except (OSError, EOFError, tarfile.TarError, zlib.error) as exc:
            raise BackupError(_("The backup is damaged: it cannot be read to the end.")) from exc
        _restore_database(using, vendor, extracted[DB_MEMBER[vendor]])
        files = _restore_media(extracted)

    # Everything cached from the old database is wrong now.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    if vendor == "postgresql":
        connections[using].close()
    return RestoreReport(engine=vendor, created_at=manifest.get("created_at", ""), files=files)
