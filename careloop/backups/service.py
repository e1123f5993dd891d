"""Make, check, restore and prune backup archives.

An archive is one encrypted file (crypto.py) holding a tar stream (archive.py) of the
database's consistent copy (databases.py) and every stored file, from MEDIA_ROOT or the
shared bucket (through Django's storage API). Nothing is held in memory whole: the dump
and each file stream through in 1 MiB pieces.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from .archive import Manifest, describe, read_tar, staged_files, stored_names, write_tar
from .crypto import BackupError, DecryptingReader, EncryptingWriter
from .databases import Database, dump, has_data, load

logger = logging.getLogger(__name__)

PREFIX = "careloop-"
SUFFIX = ".backup"


def archive_name(now: datetime) -> str:
    return f"{PREFIX}{now.astimezone(UTC):%Y%m%d-%H%M%S}Z{SUFFIX}"


def _version() -> str:
    try:
        return metadata.version("careloop")
    except metadata.PackageNotFoundError:
        return "unknown"


@contextlib.contextmanager
def _private_folder(parent: Path, prefix: str) -> Iterator[Path]:
    """A folder only this user can read (dumps and staged files are plaintext),
    removed afterwards whatever happens."""
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def create_backup(
    directory: Path,
    key: bytes,
    *,
    storage: Storage,
    database: Database | None = None,
    now: datetime | None = None,
) -> Path:
    """Write one archive into `directory` and return its path. The file appears under
    its final name only once complete, readable by this user alone."""
    database = database or Database.of()
    now = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / archive_name(now)
    counter = 1
    while target.exists():
        counter += 1
        target = directory / archive_name(now).replace(SUFFIX, f"-{counter}{SUFFIX}")
    partial = target.with_name(target.name + ".partial")
    with _private_folder(directory, ".careloop-backup-") as work:
        dump_file = work / Path(database.dump_name).name
        tools = dump(database, dump_file)
        manifest = Manifest(
            engine=database.engine,
            database=database.dump_name,
            created_at=now.astimezone(UTC).isoformat(),
            careloop_version=_version(),
            migrations=_applied_migrations(database),
            tools=tools,
        )
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as out:
                writer = EncryptingWriter(out, key)
                write_tar(writer, manifest, dump_file, storage)  # type: ignore[arg-type]
                writer.close()
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    logger.info(
        "Backup written: %s (%d bytes, %d stored files)",
        target,
        target.stat().st_size,
        len(manifest.files) - 1,
    )
    return target


def _applied_migrations(database: Database) -> list[list[str]]:
    if database.alias is None:
        return []
    recorder = MigrationRecorder(connections[database.alias])
    return sorted([app, name] for app, name in recorder.applied_migrations())


def archives(directory: Path) -> list[Path]:
    """The archives in `directory`, oldest first."""
    if not directory.is_dir():
        return []
    found = [
        path
        for path in directory.iterdir()
        if path.name.startswith(PREFIX) and path.name.endswith(SUFFIX) and path.is_file()
    ]
    return sorted(found, key=lambda path: (path.stat().st_mtime_ns, path.name))


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives; returns the ones deleted."""
    if keep < 1:
        raise BackupError("Keep at least one backup.")
    old = archives(directory)[:-keep]
    for path in old:
        path.unlink()
        logger.info("Old backup deleted: %s", path)
    return old


def unpack(archive: Path, key: bytes, staging: Path) -> Manifest:
    """Decrypt and unpack into `staging`, checking every chunk and every checksum."""
    if not archive.is_file():
        raise BackupError(f"There is no archive at {archive}.")
    with archive.open("rb") as source:
        reader = DecryptingReader(source, key)
        manifest = read_tar(reader, staging)  # type: ignore[arg-type]
        reader.read_to_end()
    return manifest


def verify_backup(archive: Path, key: bytes, *, scratch: Path | None = None) -> Manifest:
    """Check an archive through to its end, writing only into a throw-away folder."""
    with _private_folder(scratch or Path(tempfile.gettempdir()), ".careloop-verify-") as staging:
        return unpack(archive, key, staging)


def _check_migrations(manifest: Manifest) -> None:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{app}.{name}" for app, name in manifest.migrations if (app, name) not in known]
    if unknown:
        raise BackupError(
            "This archive was made by a newer Careloop (its database has migrations this "
            f"version does not know: {', '.join(unknown[:3])}). Install that version or newer, "
            "then restore."
        )


def refuse_unless_empty(database: Database, storage: Storage) -> None:
    if has_data(database):
        raise BackupError(
            f"Refusing to restore: the {database.label} already holds practices or people. "
            "Restore into an empty installation: a new, empty database (and data folder), "
            "so that nothing is overwritten."
        )
    if stored_names(storage):
        raise BackupError(
            f"Refusing to restore: {describe(storage)} already holds stored files. Restore "
            "into an empty data folder (or an empty bucket)."
        )


def restore_backup(
    archive: Path,
    key: bytes,
    *,
    storage: Storage,
    scratch: Path | None = None,
    database: Database | None = None,
) -> Manifest:
    """Restore into an empty installation. Every chunk and checksum is checked, and the
    archive read to its sealed end, before the database or the stored files are written.
    The archive is unpacked into `scratch` first (beside MEDIA_ROOT when on disk)."""
    database = database or Database.of()
    refuse_unless_empty(database, storage)
    if isinstance(storage, FileSystemStorage):
        scratch = Path(storage.location).parent
    with _private_folder(scratch or Path(tempfile.gettempdir()), ".careloop-restore-") as staging:
        manifest = unpack(archive, key, staging)
        if manifest.engine != database.engine:
            raise BackupError(
                f"This archive holds a {manifest.engine} database; this installation uses "
                f"{database.engine}. Restore it into a {manifest.engine} installation."
            )
        _check_migrations(manifest)
        # Checked again: another restore may have run while this one was unpacking.
        refuse_unless_empty(database, storage)
        load(database, staging / manifest.database, manifest.tools)
        for name, staged in staged_files(staging):
            with staged.open("rb") as source:
                saved = storage.save(name, File(source, name=name))
            if saved != name:  # the storage was empty a moment ago: someone else writes
                raise BackupError(
                    f"{describe(storage)} took {name} as {saved}: something else is writing "
                    "there. Stop the web server and the job consumer, and restore again into "
                    "an empty installation."
                )
    logger.info(
        "Backup restored from %s (made %s, %d stored files)",
        archive,
        manifest.created_at,
        len(manifest.files) - 1,
    )
    return manifest
