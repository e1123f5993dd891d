"""With stored files in a bucket (CARELOOP_S3_BUCKET), a backup still holds every one of
them, read through the storage, and a restore writes them into an empty bucket: the
same archive format as on disk, so an installation can also move from disk to a bucket."""

import base64
import hashlib
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from careloop import testing
from careloop.backups import service
from careloop.backups.archive import stored_names
from careloop.backups.crypto import BackupError
from careloop.backups.databases import has_data

KEY = base64.urlsafe_b64decode("uCXTeplBP7epEmzpo4mKHYGTIzIBZddnUT-SXTm-_Lc=")


def checksums(storage) -> dict[str, str]:
    sums = {}
    for name in stored_names(storage):
        with storage.open(name, "rb") as stored:
            sums[name] = hashlib.sha256(stored.read()).hexdigest()
    return sums


@pytest.fixture
def archive_of_a_bucket(transactional_db, object_storage, tmp_path):
    practice = testing.make_practice("alice")
    for _ in range(2):
        testing.make_document(testing.make_referral(practice), b"%PDF-1.4 " + os.urandom(3000))
    practice.logo.save("alice.png", ContentFile(b"\x89PNG\r\n" + os.urandom(2_000_000)))
    files = checksums(default_storage)
    assert len(files) == 3
    archive = service.create_backup(tmp_path / "backups", KEY, storage=default_storage)
    return archive, files


def test_a_bucket_is_backed_up_and_restored_into_an_empty_bucket(
    archive_of_a_bucket, s3_server, empty_installation, tmp_path
):
    archive, files = archive_of_a_bucket
    target = testing.new_bucket(s3_server)
    service.restore_backup(
        archive,
        KEY,
        storage=target.storage(),
        scratch=tmp_path,
        database=empty_installation.database,
    )
    assert checksums(target.storage()) == files
    assert has_data(empty_installation.database)
    for key in target.names():
        grants = target.s3.get_object_acl(Bucket=target.bucket, Key=key)["Grants"]
        assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]


def test_an_archive_from_a_bucket_restores_onto_disk(archive_of_a_bucket, empty_installation):
    archive, files = archive_of_a_bucket
    service.restore_backup(
        archive, KEY, storage=empty_installation.storage, database=empty_installation.database
    )
    assert checksums(FileSystemStorage(location=empty_installation.media_root)) == files


def test_restore_refuses_a_bucket_that_holds_files(
    archive_of_a_bucket, object_storage, empty_installation, tmp_path
):
    archive, _files = archive_of_a_bucket
    with pytest.raises(BackupError, match=f"s3://{object_storage.bucket}/ already holds"):
        service.restore_backup(
            archive,
            KEY,
            storage=object_storage.storage(),
            scratch=tmp_path,
            database=empty_installation.database,
        )
    assert not has_data(empty_installation.database)
