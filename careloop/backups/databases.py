"""Each database engine's own way to copy itself out and back in, consistently and
without stopping the server.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot
while the web server and the consumer go on reading and writing (WAL mode). PostgreSQL:
`pg_dump` in its custom format, itself one consistent snapshot; `pg_restore` puts it into
an empty database in one transaction.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connections

from .crypto import BackupError

ENGINES = {
    "django.db.backends.sqlite3": "sqlite",
    "django.db.backends.postgresql": "postgresql",
}
# Every record of a practice hangs off its practice, and every person is a user: with
# neither, the database holds nothing but what the migrations themselves put there.
DATA_TABLES = ("practices_practice", "practices_user")


@dataclass(frozen=True)
class Database:
    engine: str
    settings: dict[str, Any]
    alias: str | None = None  # the Django connection, when it is the running one

    @classmethod
    def of(cls, alias: str = "default") -> Database:
        connection = connections[alias]
        engine = ENGINES.get(connection.settings_dict["ENGINE"])
        if engine is None:
            raise BackupError(
                f"Backups support SQLite and PostgreSQL, not {connection.settings_dict['ENGINE']}."
            )
        return cls(engine=engine, settings=dict(connection.settings_dict), alias=alias)

    @property
    def dump_name(self) -> str:
        return (
            "database/careloop.sqlite3" if self.engine == "sqlite" else "database/careloop.pgdump"
        )

    @property
    def label(self) -> str:
        return f"{self.engine} database {self.settings['NAME']}"


# --- Copying out ----------------------------------------------------------------------


def dump(database: Database, target: Path) -> dict[str, str]:
    """Write a consistent copy of the database to `target`. Returns the tools used."""
    if database.engine == "sqlite":
        return _sqlite_dump(database, target)
    return _pg_dump(database, target)


def _sqlite_dump(database: Database, target: Path) -> dict[str, str]:
    destination = sqlite3.connect(target)
    try:
        if database.alias is not None:
            # The running connection (also an in-memory test database) is the source.
            connection = connections[database.alias]
            if connection.in_atomic_block:
                # SQLite's backup would wait for this very transaction, for ever.
                raise BackupError("A backup cannot be taken inside a database transaction.")
            connection.ensure_connection()
            source = connection.connection
            source.backup(destination)
        else:
            source = sqlite3.connect(database.settings["NAME"])
            try:
                source.backup(destination)
            finally:
                source.close()
        # The copy stands alone: no write-ahead log beside it.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
    return {"sqlite": sqlite3.sqlite_version}


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_text)
    if not match:
        raise BackupError(f"Cannot read a PostgreSQL version from {version_text!r}.")
    return int(match.group(1))


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install PostgreSQL's client programs of the server's "
            "version (Debian: `apt-get install postgresql-client-15`)."
        )
    return path


def _tool_version(path: str) -> str:
    result = subprocess.run(  # noqa: S603  (a program found on PATH by name)
        [path, "--version"], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def _pg_env(settings: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if settings.get(key):
            env[variable] = str(settings[key])
    options = settings.get("OPTIONS") or {}
    for variable, key in (
        ("PGSSLMODE", "sslmode"),
        ("PGSSLROOTCERT", "sslrootcert"),
        ("PGSSLCERT", "sslcert"),
        ("PGSSLKEY", "sslkey"),
    ):
        if options.get(key):
            env[variable] = str(options[key])
    return env


def _server_major(database: Database) -> int:
    if database.alias is not None:
        with connections[database.alias].cursor() as cursor:
            cursor.execute("SHOW server_version")
            return _major(cursor.fetchone()[0])
    with _pg_connect(database.settings) as connection:
        row = connection.execute("SHOW server_version").fetchone()
        assert row is not None
        return _major(str(row[0]))


def _pg_dump(database: Database, target: Path) -> dict[str, str]:
    pg_dump = _tool("pg_dump")
    version = _tool_version(pg_dump)
    server = _server_major(database)
    if _major(version) < server:
        raise BackupError(
            f"{version} cannot back up a PostgreSQL {server} server: install "
            f"postgresql-client-{server} so that pg_dump is version {server} or newer."
        )
    _run(
        [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
        database.settings,
        "pg_dump",
    )
    return {"pg_dump": version, "postgresql_server": str(server)}


def _run(command: list[str], settings: dict[str, Any], name: str) -> None:
    result = subprocess.run(  # noqa: S603  (our own arguments, no shell)
        command, env=_pg_env(settings), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip() or result.stdout.strip()}")


# --- Copying in -----------------------------------------------------------------------


def _pg_connect(settings: dict[str, Any]) -> Any:
    import psycopg

    return psycopg.connect(
        dbname=settings["NAME"],
        host=settings.get("HOST") or None,
        port=settings.get("PORT") or None,
        user=settings.get("USER") or None,
        password=settings.get("PASSWORD") or None,
        autocommit=True,
    )


def has_data(database: Database) -> bool:
    """Whether the database holds any practice or person. Tables the migrations made,
    with only their reference data, count as empty."""
    if database.alias is not None:
        running = connections[database.alias]
        with running.cursor() as cursor:
            present = set(running.introspection.table_names(cursor)) & set(DATA_TABLES)
            for table in sorted(present):
                cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')  # noqa: S608
                if cursor.fetchone():
                    return True
        return False
    if database.engine == "sqlite":
        path = Path(database.settings["NAME"])
        if not path.exists():
            return False
        connection = sqlite3.connect(path)
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")} & set(
                DATA_TABLES
            )
            return any(
                connection.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()  # noqa: S608
                for table in sorted(tables)
            )
        finally:
            connection.close()
    with _pg_connect(database.settings) as connection:
        for table in DATA_TABLES:
            row = connection.execute("SELECT to_regclass(%s)", [table]).fetchone()
            if (
                row
                and row[0]
                and connection.execute(
                    f'SELECT 1 FROM "{table}" LIMIT 1'  # noqa: S608  (our own table names)
                ).fetchone()
            ):
                return True
    return False


def load(database: Database, dump_file: Path, manifest_tools: dict[str, str]) -> None:
    """Replace the (empty) database's contents with the dump, all at once."""
    if database.engine == "sqlite":
        path = Path(database.settings["NAME"])
        path.parent.mkdir(parents=True, exist_ok=True)
        connections.close_all()
        source = sqlite3.connect(dump_file)
        destination = sqlite3.connect(path, timeout=20)
        try:
            source.backup(destination)
        finally:
            source.close()
            destination.close()
        return
    pg_restore = _tool("pg_restore")
    version = _tool_version(pg_restore)
    made_by = manifest_tools.get("pg_dump", "")
    if made_by and _major(version) < _major(made_by):
        raise BackupError(
            f"The archive was made by {made_by}; {version} cannot read it. Install "
            f"postgresql-client-{_major(made_by)} or newer."
        )
    connections.close_all()
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            # Tables made by `migrate` on the empty database give way to the archive's.
            "--clean",
            "--if-exists",
            f"--dbname={database.settings['NAME']}",
            str(dump_file),
        ],
        database.settings,
        "pg_restore",
    )
