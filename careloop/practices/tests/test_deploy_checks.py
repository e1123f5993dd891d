"""`careloop check --deploy` says what production needs: a shared cache and job queue,
a backup key, DEBUG off, an https SITE_URL and, with a bucket, an https object store."""

from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from careloop.lib.env import jobs_settings, object_storage_settings

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
    }
}


@pytest.fixture(autouse=True)
def _production_basics(settings):
    # What every test below has unless it takes it away.
    settings.SITE_URL = "https://careloop.example"
    settings.BACKUP_KEY = "uCXTeplBP7epEmzpo4mKHYGTIzIBZddnUT-SXTm-_Lc="


def careloop_warnings() -> dict[str, str]:
    return {
        message.id: message.msg
        for message in run_checks(include_deployment_checks=True)
        if message.id.startswith("careloop.")
    }


def test_it_warns_when_production_has_no_shared_cache_or_queue(settings, tmp_path):
    settings.PRODUCTION = True
    settings.SITE_URL_CONFIGURED = True
    settings.CACHES = LOCAL_CACHE
    settings.HUEY = jobs_settings("", tmp_path, immediate=False)
    warnings = careloop_warnings()
    assert set(warnings) == {"careloop.E001", "careloop.W003"}
    assert "rate limit" in warnings["careloop.E001"]
    assert str(tmp_path / "jobs.sqlite3") in warnings["careloop.W003"]


def test_check_deploy_fails_in_production_without_a_shared_cache(settings, tmp_path, monkeypatch):
    # Rate limits per worker let twice the limit through: not something to warn about.
    # (Playwright's browser tests set this in the worker's environment; production doesn't.)
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.PRODUCTION = True
    settings.CACHES = LOCAL_CACHE
    settings.HUEY = jobs_settings("redis://127.0.0.1:6379/0", "/unused", immediate=False)
    with pytest.raises(SystemCheckError, match="careloop.E001"):
        call_command("check", deploy=True, fail_level="ERROR", stdout=StringIO())
    settings.CACHES = REDIS_CACHE
    call_command("check", deploy=True, fail_level="ERROR", stdout=StringIO())


def test_it_is_quiet_when_production_shares_redis(settings):
    settings.PRODUCTION = True
    settings.SITE_URL_CONFIGURED = True
    settings.CACHES = REDIS_CACHE
    settings.HUEY = jobs_settings("redis://127.0.0.1:6379/0", "/unused", immediate=False)
    assert careloop_warnings() == {}


def test_it_warns_when_production_runs_jobs_inside_requests(settings):
    settings.PRODUCTION = True
    settings.SITE_URL_CONFIGURED = True
    settings.CACHES = REDIS_CACHE
    settings.HUEY = jobs_settings("redis://127.0.0.1:6379/0", "/unused", immediate=True)
    assert set(careloop_warnings()) == {"careloop.W002"}


def test_development_needs_neither(settings, tmp_path):
    settings.PRODUCTION = False
    settings.CACHES = LOCAL_CACHE
    settings.HUEY = jobs_settings("", tmp_path, immediate=False)
    assert careloop_warnings() == {}


def production(settings):
    settings.PRODUCTION = True
    settings.SITE_URL_CONFIGURED = True
    settings.CACHES = REDIS_CACHE
    settings.HUEY = jobs_settings("redis://127.0.0.1:6379/0", "/unused", immediate=False)


def test_it_warns_when_production_has_no_backup_key(settings):
    production(settings)
    settings.BACKUP_KEY = ""
    warnings = careloop_warnings()
    assert set(warnings) == {"careloop.W010"}
    assert "CARELOOP_BACKUP_KEY is not set" in warnings["careloop.W010"]


def test_it_warns_when_site_url_is_not_https(settings):
    production(settings)
    settings.SITE_URL = "http://careloop.example"
    warnings = careloop_warnings()
    assert set(warnings) == {"careloop.W011"}
    assert "not an https address" in warnings["careloop.W011"]


def test_the_dummy_cache_is_no_shared_cache(settings):
    production(settings)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert set(careloop_warnings()) == {"careloop.E001"}


def test_debug_is_caught(settings):
    # Production refuses to start with DEBUG on; a deployment that forgot
    # CARELOOP_ENVIRONMENT is still told by Django's own check.
    production(settings)
    settings.DEBUG = True
    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert "security.W018" in ids


def test_it_warns_when_the_bucket_is_reached_over_plain_http(settings):
    production(settings)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": object_storage_settings("careloop", endpoint_url="http://minio.internal:9000"),
    }
    warnings = careloop_warnings()
    assert set(warnings) == {"careloop.W012"}
    assert "http://minio.internal:9000" in warnings["careloop.W012"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": object_storage_settings("careloop", endpoint_url="https://minio.internal"),
    }
    assert careloop_warnings() == {}
