"""What is inside a backup: a gzip'd tar stream of the database dump, every stored file
and, last, a manifest with each member's size and SHA-256.

    database/careloop.sqlite3  or  database/careloop.pgdump   (pg_dump's custom format)
    media/<stored file's name>                                (letters, documents, logos)
    manifest.json

Stored files are read and written through Django's storage API, so the same archive
holds the files of MEDIA_ROOT or of an S3-compatible bucket (CARELOOP_S3_BUCKET), and
restores into either.

Reading unpacks into a staging folder and checks every member against the manifest;
nothing outside the staging folder is touched, whatever the archive holds.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol

from django.core.files.storage import FileSystemStorage, Storage

from .crypto import BackupError, DamagedArchive

FORMAT = "careloop-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_DIR = "database"
MEDIA_DIR = "media"
_COPY_BYTES = 1 << 20


@dataclass
class Manifest:
    engine: str
    database: str
    created_at: str
    careloop_version: str
    migrations: list[list[str]]
    tools: dict[str, str] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_json(self) -> bytes:
        return json.dumps(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": self.created_at,
                "engine": self.engine,
                "database": self.database,
                "careloop_version": self.careloop_version,
                "tools": self.tools,
                "migrations": self.migrations,
                "files": self.files,
            },
            indent=1,
            sort_keys=True,
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise DamagedArchive("The archive's manifest is not a Careloop manifest.")
            if data.get("format_version") != FORMAT_VERSION:
                raise BackupError(
                    f"This archive's contents are in format {data.get('format_version')}; "
                    f"this Careloop reads format {FORMAT_VERSION}."
                )
            return cls(
                engine=str(data["engine"]),
                database=str(data["database"]),
                created_at=str(data["created_at"]),
                careloop_version=str(data["careloop_version"]),
                migrations=[[str(app), str(name)] for app, name in data["migrations"]],
                tools={str(k): str(v) for k, v in data.get("tools", {}).items()},
                files={
                    str(path): {"size": int(entry["size"]), "sha256": str(entry["sha256"])}
                    for path, entry in data["files"].items()
                },
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise DamagedArchive("The archive's manifest cannot be read.") from error


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Hashing:
    """Reads from a file, hashing and counting exactly what tar takes from it."""

    def __init__(self, source: _Readable) -> None:
        self._source = source
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _is_link(storage: Storage, name: str) -> bool:
    # On disk a symbolic link may lead out of MEDIA_ROOT (or round in a loop): skipped,
    # as nothing Careloop stores is one.
    return isinstance(storage, FileSystemStorage) and os.path.islink(storage.path(name))


def stored_names(storage: Storage) -> list[str]:
    """Every stored file's name, sorted: MEDIA_ROOT's files or a bucket's objects."""
    found: list[str] = []
    pending = [""]
    while pending:
        folder = pending.pop()
        try:
            folders, files = storage.listdir(folder)
        except FileNotFoundError:  # MEDIA_ROOT not made yet
            continue
        for name in files:
            path = f"{folder}/{name}" if folder else name
            if not _is_link(storage, path):
                found.append(path)
        for name in folders:
            path = f"{folder}/{name}" if folder else name
            if not _is_link(storage, path):
                pending.append(path)
    return sorted(found)


def describe(storage: Storage) -> str:
    """Where a storage keeps its files, for messages."""
    if isinstance(storage, FileSystemStorage):
        return str(storage.location)
    bucket = getattr(storage, "bucket_name", None)
    if bucket:
        prefix = str(getattr(storage, "location", "") or "").strip("/")
        return f"s3://{bucket}/{prefix + '/' if prefix else ''}"
    return type(storage).__name__


def _add(tar: tarfile.TarFile, name: str, source: _Readable, size: int, mtime: float) -> dict:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    hashing = _Hashing(source)
    tar.addfile(info, hashing)
    return {"size": hashing.size, "sha256": hashing.sha256.hexdigest()}


def write_tar(
    out: IO[bytes], manifest: Manifest, database_dump: Path, storage: Storage
) -> Manifest:
    """Write the tar stream: the database dump, each stored file, then the manifest."""
    with tarfile.open(fileobj=out, mode="w|gz", format=tarfile.PAX_FORMAT) as tar:
        with database_dump.open("rb") as source:
            stat = os.fstat(source.fileno())
            manifest.files[manifest.database] = _add(
                tar, manifest.database, source, stat.st_size, stat.st_mtime
            )
        for name in stored_names(storage):
            member = f"{MEDIA_DIR}/{name}"
            modified = storage.get_modified_time(name).timestamp()
            with storage.open(name, "rb") as stored:
                manifest.files[member] = _add(tar, member, stored, stored.size, modified)
        raw = manifest.as_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(raw)
        info.mode = 0o600
        tar.addfile(info, io.BytesIO(raw))
    return manifest


def staged_files(staging: Path) -> list[tuple[str, Path]]:
    """The stored files unpacked under `staging`, as (stored file's name, path), sorted."""
    root = staging / MEDIA_DIR
    found = []
    for directory, _dirs, files in os.walk(root):
        for name in files:
            path = Path(directory) / name
            found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (
        path.is_absolute()
        or ".." in path.parts
        or not path.parts
        or (path.parts[0] not in {DATABASE_DIR, MEDIA_DIR} and name != MANIFEST)
    ):
        raise DamagedArchive(f"The archive holds an unexpected entry {name!r}: refused.")
    return path


def read_tar(source: IO[bytes], staging: Path) -> Manifest:
    """Unpack into `staging` and check every member against the manifest. Raises
    DamagedArchive on any difference; the caller then removes `staging`."""
    seen: dict[str, dict[str, Any]] = {}
    manifest_raw: bytes | None = None
    try:
        with tarfile.open(fileobj=source, mode="r|gz") as tar:
            for info in tar:
                path = _safe_name(info.name)
                if not info.isfile():
                    raise DamagedArchive(f"The archive holds an unexpected entry {info.name!r}.")
                if manifest_raw is not None:
                    raise DamagedArchive("The archive has entries after its manifest.")
                if info.name in seen:
                    raise DamagedArchive(f"The archive holds {info.name!r} twice.")
                stream = tar.extractfile(info)
                assert stream is not None
                if info.name == MANIFEST:
                    manifest_raw = stream.read()
                    continue
                target = staging.joinpath(*path.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                size = 0
                with target.open("wb") as out:
                    while chunk := stream.read(_COPY_BYTES):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                seen[info.name] = {"size": size, "sha256": digest.hexdigest()}
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise DamagedArchive(f"The archive's contents cannot be read ({error}).") from error
    if manifest_raw is None:
        raise DamagedArchive("The archive has no manifest: it is incomplete.")
    manifest = Manifest.from_json(manifest_raw)
    for name in sorted(set(manifest.files) | set(seen)):
        if name not in seen:
            raise DamagedArchive(f"{name} is listed in the manifest but missing from the archive.")
        if name not in manifest.files:
            raise DamagedArchive(f"{name} is in the archive but not in its manifest.")
        if seen[name] != manifest.files[name]:
            raise DamagedArchive(f"{name} does not match its checksum in the manifest.")
    if manifest.database not in seen or not manifest.database.startswith(f"{DATABASE_DIR}/"):
        raise DamagedArchive("The archive holds no database.")
    return manifest
