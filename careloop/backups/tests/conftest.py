"""An empty installation to restore into, on the engine the suite runs on: a new SQLite
file in a new data folder, or a freshly created PostgreSQL database, dropped afterwards."""

import secrets
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection

from careloop.backups.databases import Database


@dataclass
class Installation:
    data_dir: Path
    database: Database
    env: dict[str, str]

    @property
    def media_root(self) -> Path:
        return self.data_dir / "media"

    @property
    def storage(self) -> FileSystemStorage:
        return FileSystemStorage(location=self.media_root)


def _admin_connection():
    settings = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        host=settings.get("HOST") or None,
        port=settings.get("PORT") or None,
        user=settings.get("USER") or None,
        password=settings.get("PASSWORD") or None,
        autocommit=True,
    )


@pytest.fixture
def empty_installation(tmp_path):
    data_dir = tmp_path / "restored"
    data_dir.mkdir()
    if connection.vendor == "sqlite":
        name = str(data_dir / "careloop.sqlite3")
        yield Installation(
            data_dir,
            Database("sqlite", {"NAME": name}),
            {"CARELOOP_DATA_DIR": str(data_dir)},
        )
        return
    settings = connection.settings_dict
    name = f"careloop_restore_test_{secrets.token_hex(4)}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = "postgres://{user}{password}@{host}:{port}/{name}".format(
        user=settings.get("USER") or "",
        password=f":{settings['PASSWORD']}" if settings.get("PASSWORD") else "",
        host=settings.get("HOST") or "127.0.0.1",
        port=settings.get("PORT") or 5432,
        name=name,
    )
    try:
        yield Installation(
            data_dir,
            Database("postgresql", {**settings, "NAME": name}),
            {"CARELOOP_DATA_DIR": str(data_dir), "DATABASE_URL": url},
        )
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
