import pytest

from careloop.lib.env import (
    EnvError,
    email_settings,
    envbool,
    envint,
    jobs_settings,
    object_storage_settings,
)


def test_it_reads_smtp_urls_with_starttls_by_default():
    config = email_settings("smtp://mailer:s%40cret@mail.example.com:2525")
    assert config["EMAIL_HOST"] == "mail.example.com"
    assert config["EMAIL_PORT"] == 2525
    assert config["EMAIL_HOST_USER"] == "mailer"
    assert config["EMAIL_HOST_PASSWORD"] == "s@cret"
    assert config["EMAIL_USE_TLS"] is True
    assert config["EMAIL_USE_SSL"] is False


def test_it_reads_smtps_as_implicit_tls_on_465():
    config = email_settings("smtps://u:p@mail.example.com")
    assert (config["EMAIL_PORT"], config["EMAIL_USE_SSL"], config["EMAIL_USE_TLS"]) == (
        465,
        True,
        False,
    )


def test_it_can_turn_starttls_off_for_a_local_relay():
    assert email_settings("smtp://localhost:25?tls=0")["EMAIL_USE_TLS"] is False


def test_it_refuses_unknown_schemes():
    with pytest.raises(EnvError, match="scheme 'http' is not supported"):
        email_settings("http://example.com")


def test_it_refuses_ambiguous_booleans(monkeypatch):
    monkeypatch.setenv("CARELOOP_FLAG", "maybe")
    with pytest.raises(EnvError, match="CARELOOP_FLAG"):
        envbool("CARELOOP_FLAG", False)
    monkeypatch.setenv("CARELOOP_FLAG", "Yes")
    assert envbool("CARELOOP_FLAG", False) is True


def test_it_refuses_non_numbers(monkeypatch):
    monkeypatch.setenv("CARELOOP_N", "ten")
    with pytest.raises(EnvError, match="whole number"):
        envint("CARELOOP_N", 1)


def test_jobs_are_kept_in_sqlite_beside_the_data_by_default(tmp_path):
    config = jobs_settings("", tmp_path, immediate=False)
    assert config["huey_class"] == "huey.SqliteHuey"
    assert config["filename"] == str(tmp_path / "jobs.sqlite3")
    assert config["immediate"] is False
    assert "connection" not in config


def test_jobs_share_redis_when_there_is_one(tmp_path):
    config = jobs_settings("redis://cache.internal:6379/1", tmp_path, immediate=False)
    assert config["huey_class"] == "huey.RedisHuey"
    assert config["connection"] == {"url": "redis://cache.internal:6379/1"}
    assert "filename" not in config
    assert config["name"] == "careloop"  # the queue every installation had before


def test_a_redis_prefix_gives_an_installation_a_queue_of_its_own(tmp_path):
    config = jobs_settings("redis://r:6379/0", tmp_path, immediate=False, redis_prefix="staging:")
    assert config["name"] == "staging:careloop"


def test_stored_files_in_a_bucket_are_private_and_never_replaced():
    options = object_storage_settings(
        "careloop-files", region="ap-southeast-2", prefix="/harbour/"
    )["OPTIONS"]
    assert options["bucket_name"] == "careloop-files"
    assert options["location"] == "harbour"
    assert options["region_name"] == "ap-southeast-2"
    # No ACL is sent (the bucket's own, private, applies); no signed addresses are made.
    assert options["default_acl"] is None
    assert options["querystring_auth"] is False
    assert options["file_overwrite"] is False
    # AWS itself: its own addressing, and keys from the machine's role.
    assert "endpoint_url" not in options and "addressing_style" not in options
    assert "access_key" not in options


def test_an_s3_compatible_server_is_addressed_by_path():
    options = object_storage_settings(
        "careloop", endpoint_url="https://s3.example.net", access_key="AK", secret_key="SK"
    )["OPTIONS"]
    assert options["endpoint_url"] == "https://s3.example.net"
    assert options["addressing_style"] == "path"
    assert (options["access_key"], options["secret_key"]) == ("AK", "SK")


def test_it_refuses_an_endpoint_that_is_not_a_web_address():
    with pytest.raises(EnvError, match="CARELOOP_S3_ENDPOINT_URL"):
        object_storage_settings("careloop", endpoint_url="s3.example.net")
