"""The nightly backup: skipped with a warning when there is no key, otherwise one new
archive and only the newest CARELOOP_BACKUP_KEEP kept."""

import logging
import os
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from careloop.backups import service
from careloop.backups.tasks import back_up_and_prune
from careloop.lib.env import EnvError, backup_key

KEY_TEXT = "uCXTeplBP7epEmzpo4mKHYGTIzIBZddnUT-SXTm-_Lc="


def test_without_a_key_it_warns_and_writes_nothing(transactional_db, settings, tmp_path, caplog):
    settings.BACKUP_KEY = ""
    settings.BACKUP_DIR = tmp_path / "backups"
    with caplog.at_level(logging.WARNING, logger="careloop.backups"):
        assert back_up_and_prune() is None
    assert "Nightly backup skipped: CARELOOP_BACKUP_KEY is not set" in caplog.text
    assert not (tmp_path / "backups").exists()


def test_it_keeps_the_newest_archives(transactional_db, settings, tmp_path):
    settings.BACKUP_KEY = KEY_TEXT
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_KEEP = 2
    old = []
    for days in (3, 2):
        path = service.create_backup(
            settings.BACKUP_DIR,
            backup_key(KEY_TEXT),
            storage=default_storage,
            now=datetime.now(UTC) - timedelta(days=days),
        )
        stamp = (datetime.now(UTC) - timedelta(days=days)).timestamp()
        os.utime(path, (stamp, stamp))
        old.append(path)
    newest = back_up_and_prune()
    assert service.archives(settings.BACKUP_DIR) == [old[1], newest]
    assert not old[0].exists()


def test_the_command_needs_a_key(transactional_db, settings):
    settings.BACKUP_KEY = ""
    with pytest.raises(CommandError, match="No backup key"):
        call_command("backup", stdout=StringIO())


def test_the_command_writes_an_archive(transactional_db, settings, tmp_path):
    settings.BACKUP_KEY = KEY_TEXT
    out = StringIO()
    call_command("backup", dir=tmp_path, stdout=out)
    [archive] = service.archives(tmp_path)
    assert str(archive) in out.getvalue()
    assert service.verify_backup(archive, backup_key(KEY_TEXT), scratch=tmp_path).engine


def test_generate_key_makes_a_usable_key():
    out = StringIO()
    call_command("backup", generate_key=True, stdout=out)
    assert len(backup_key(out.getvalue())) == 32


@pytest.mark.parametrize("text", ["", "short", "x" * 44, KEY_TEXT[:-4]])
def test_a_malformed_key_is_refused(text):
    with pytest.raises(EnvError, match="careloop backup --generate-key"):
        backup_key(text)


def test_the_consumer_takes_it_once_a_night():
    from huey.contrib.djhuey import HUEY

    def due_at(hour: int, minute: int) -> set[str]:
        moment = datetime(2026, 11, 20, hour, minute, tzinfo=UTC).replace(tzinfo=None)
        return {task.name for task in HUEY.read_periodic(moment)}

    assert "nightly_backup" in due_at(16, 30)  # 3:30 am in Sydney in summer
    assert "nightly_backup" not in due_at(16, 31) | due_at(4, 30)
