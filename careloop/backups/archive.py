"""What is inside a backup: a gzip'd tar stream of the database dump, every stored file
and, last, a manifest with each member's size and SHA-256.

    database/careloop.sqlite3  or  database/careloop.pgdump   (pg_dump's custom format)
    media/<path under MEDIA_ROOT>                             (letters, documents, logos)
    manifest.json

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
from typing import IO, Any, BinaryIO

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


class _Hashing:
    """Reads from a file, hashing and counting exactly what tar takes from it."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def media_files(media_root: Path) -> list[tuple[str, Path]]:
    """Every regular file under MEDIA_ROOT, as (archive member name, path), sorted."""
    if not media_root.is_dir():
        return []
    found = []
    for directory, _dirs, files in os.walk(media_root):
        for name in files:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                relative = path.relative_to(media_root).as_posix()
                found.append((f"{MEDIA_DIR}/{relative}", path))
    return sorted(found)


def write_tar(
    out: IO[bytes], manifest: Manifest, database_dump: Path, media_root: Path
) -> Manifest:
    """Write the tar stream: the database dump, each stored file, then the manifest."""
    members = [(manifest.database, database_dump), *media_files(media_root)]
    with tarfile.open(fileobj=out, mode="w|gz", format=tarfile.PAX_FORMAT) as tar:
        for name, path in members:
            with path.open("rb") as source:
                info = tarfile.TarInfo(name)
                info.size = os.fstat(source.fileno()).st_size
                info.mtime = int(os.fstat(source.fileno()).st_mtime)
                info.mode = 0o600
                hashing = _Hashing(source)
                tar.addfile(info, hashing)
                manifest.files[name] = {"size": hashing.size, "sha256": hashing.sha256.hexdigest()}
        raw = manifest.as_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(raw)
        info.mode = 0o600
        tar.addfile(info, io.BytesIO(raw))
    return manifest


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
