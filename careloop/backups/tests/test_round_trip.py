"""Backup, wipe, restore: the demo comes back whole, on the engine the suite runs on
(SQLite, and PostgreSQL with DATABASE_URL). The restore runs as `careloop restore` in a
new process pointed at a new data folder or database, as on a replacement machine."""

import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import connection

from careloop import testing
from careloop.audit.actions import COMMAND
from careloop.backups import service
from careloop.backups.archive import stored_names
from careloop.backups.crypto import BackupError, DamagedArchive, WrongKey
from careloop.backups.databases import Database, has_data
from careloop.demo.build import create_demo
from careloop.letters import actions as letters
from careloop.practices.models import Practice, User
from careloop.referrals.models import Referral, ReferralDocument

KEY_TEXT = "uCXTeplBP7epEmzpo4mKHYGTIzIBZddnUT-SXTm-_Lc="
KEY = base64.urlsafe_b64decode(KEY_TEXT)

# A fresh installation pointed at the restored data: signs the demo owner in and fetches
# a letter's PDF, as someone checking a restore would.
CHECK_SCRIPT = """
import json
from django.test import Client
from django.urls import reverse
from careloop.letters.models import Letter
from careloop.practices.scoping import scopes_disabled
client = Client()
response = client.post(
    reverse("login"), {"username": "owner@harbour.demo", "password": "careloop-demo"}
)
with scopes_disabled():
    letter = Letter.objects.filter(practice__slug="harbour").order_by("pk").first()
pdf = client.get(reverse("letters:pdf", args=[letter.uuid]))
dashboard = client.get(reverse("dashboard"))
print(json.dumps({
    "login": response.status_code,
    "dashboard": dashboard.status_code,
    "pdf_status": pdf.status_code,
    "pdf_type": pdf["Content-Type"],
    "pdf_start": pdf.content[:5].decode("latin-1"),
}))
"""


def careloop(*args, env, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "careloop", *args],
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "CARELOOP_TESTING": "1",
            "CARELOOP_BACKUP_KEY": KEY_TEXT,
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def table_counts_here() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        return counts


def table_counts_in(database: Database, tables) -> dict[str, int]:
    if database.engine == "sqlite":
        db = sqlite3.connect(database.settings["NAME"])
        try:
            return {
                t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]  # noqa: S608
                for t in tables
            }
        finally:
            db.close()
    settings = database.settings
    with psycopg.connect(
        dbname=settings["NAME"],
        host=settings.get("HOST") or None,
        port=settings.get("PORT") or None,
        user=settings.get("USER") or None,
        password=settings.get("PASSWORD") or None,
    ) as pg:
        return {
            t: pg.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]  # noqa: S608
            for t in tables
        }


def checksums(storage: Storage) -> dict[str, str]:
    sums = {}
    for name in stored_names(storage):
        with storage.open(name, "rb") as stored:
            sums[name] = hashlib.sha256(stored.read()).hexdigest()
    return sums


def draft_a_letter():
    owner = User.objects.get(email="owner@harbour.demo")
    referral = (
        Referral.objects.filter(practice=owner.practice, referring_doctor__isnull=False)
        .order_by("pk")
        .first()
    )
    return letters.draft(
        "acknowledgement",
        client=referral.client,
        doctor=referral.referring_doctor,
        referral=referral,
        by=owner,
        via=COMMAND,
    )


def add_stored_files():
    """The demo keeps no files; a practice has a logo and uploaded referral letters."""
    harbour = Practice.objects.get(slug="harbour")
    harbour.logo.save("harbour.png", ContentFile(b"\x89PNG\r\n" + os.urandom(20_000)))
    for referral in Referral.objects.filter(practice=harbour).order_by("pk")[:3]:
        document = ReferralDocument(
            practice=harbour,
            referral=referral,
            original_name="referral.pdf",
            content_type="application/pdf",
            size=5000,
        )
        document.file.save("referral.pdf", ContentFile(b"%PDF-1.4 " + os.urandom(5000)))


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_brings_the_demo_back_whole(settings, tmp_path, empty_installation):
    testing.reference_data()
    create_demo(scale=1)
    demo_files = checksums(default_storage)  # the websites' portraits
    draft_a_letter()
    add_stored_files()
    before = table_counts_here()
    files_before = checksums(default_storage)
    assert before["practices_practice"] == 2 and before["referrals_referral"] > 100
    assert len(files_before) == len(demo_files) + 4

    archive = service.create_backup(tmp_path / "backups", KEY, storage=default_storage)
    assert archive.stat().st_mode & 0o777 == 0o600
    assert b"harbour" not in archive.read_bytes()  # encrypted, not merely packed

    restored = careloop("restore", str(archive), env=empty_installation.env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Restored" in restored.stdout

    assert table_counts_in(empty_installation.database, before) == before
    assert checksums(empty_installation.storage) == files_before

    checked = careloop("shell", "-c", CHECK_SCRIPT, env=empty_installation.env)
    assert checked.returncode == 0, checked.stderr
    result = json.loads(checked.stdout.strip().splitlines()[-1])
    assert result["login"] == 302  # signed in, sent on to the dashboard
    assert result["dashboard"] == 200
    assert result["pdf_status"] == 200
    assert result["pdf_type"] == "application/pdf"
    assert result["pdf_start"] == "%PDF-"


@pytest.fixture
def small_archive(transactional_db, settings, tmp_path, alice_practice):
    # Transactional: a backup reads committed data, as it does from a running server.
    alice_practice.logo.save("alice.png", ContentFile(b"\x89PNG\r\n" + os.urandom(3_000_000)))
    return service.create_backup(tmp_path / "backups", KEY, storage=default_storage)


def assert_nothing_written(installation):
    assert not has_data(installation.database)
    assert not installation.media_root.exists() or not any(installation.media_root.iterdir())
    leftovers = [p.name for p in installation.data_dir.iterdir() if p.name != "careloop.sqlite3"]
    assert leftovers == []


def restore_into(archive, installation, key=KEY):
    return service.restore_backup(
        archive, key, storage=installation.storage, database=installation.database
    )


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_a_truncated_archive_is_refused_and_nothing_is_written(
    small_archive, empty_installation, keep
):
    data = small_archive.read_bytes()
    small_archive.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(DamagedArchive, match="cut short"):
        restore_into(small_archive, empty_installation)
    assert_nothing_written(empty_installation)


def test_a_tampered_archive_is_refused_and_nothing_is_written(small_archive, empty_installation):
    data = bytearray(small_archive.read_bytes())
    # Near the end: the database and the logo have been read (and staged) by then.
    data[-100] ^= 0x20
    small_archive.write_bytes(bytes(data))
    with pytest.raises(DamagedArchive, match="altered or damaged"):
        restore_into(small_archive, empty_installation)
    assert_nothing_written(empty_installation)


def test_a_wrong_key_is_refused(small_archive, empty_installation):
    with pytest.raises(WrongKey, match="different backup key"):
        restore_into(small_archive, empty_installation, key=bytes(32))
    assert_nothing_written(empty_installation)


def test_the_command_says_what_is_wrong_with_a_tampered_archive(small_archive, tmp_path):
    data = bytearray(small_archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    small_archive.write_bytes(bytes(data))
    data_dir = tmp_path / "fresh"
    env = {"CARELOOP_DATA_DIR": str(data_dir), "CARELOOP_SQLITE_NAME": "x.sqlite3"}
    result = careloop("restore", "--check", str(small_archive), env=env)
    assert result.returncode == 1
    assert "altered or damaged" in result.stderr


def test_restore_refuses_an_installation_with_data(small_archive, settings):
    # The running test database holds Alice's practice.
    with pytest.raises(BackupError, match="already holds practices or people"):
        service.restore_backup(small_archive, KEY, storage=default_storage)


def test_restore_refuses_a_data_folder_with_stored_files(small_archive, empty_installation):
    empty_installation.media_root.mkdir()
    (empty_installation.media_root / "left-over.pdf").write_bytes(b"%PDF-")
    with pytest.raises(BackupError, match="already holds stored files"):
        restore_into(small_archive, empty_installation)
    assert not has_data(empty_installation.database)


def test_check_reads_a_whole_archive_without_writing(small_archive, tmp_path):
    manifest = service.verify_backup(small_archive, KEY, scratch=tmp_path / "scratch")
    assert manifest.engine == connection.vendor
    assert {name.split("/")[0] for name in manifest.files} == {"database", "media"}
    assert all(len(entry["sha256"]) == 64 for entry in manifest.files.values())
    assert list((tmp_path / "scratch").iterdir()) == []
