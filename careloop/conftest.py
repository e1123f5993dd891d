import pytest
from django_scopes import scopes_disabled

from careloop import testing
from careloop.practices.models import Role


@pytest.fixture(autouse=True)
def _scopes_disabled_outside_requests(request):
    """Tests build and inspect several practices' rows directly, so the test body runs
    with scopes disabled. Requests through the test client do not inherit this:
    PracticeMiddleware opens a fresh scope for each one, so every view is exercised
    with real scoping. Tests marked `scoped` keep scoping on in their own body."""
    if request.node.get_closest_marker("scoped"):
        yield
        return
    with scopes_disabled():
        yield


@pytest.fixture(scope="session", autouse=True)
def _commands_start_unscoped():
    """A management command starts with no scope in production, so in tests it does
    not inherit the test body's scopes_disabled() either: each command must enter its
    practice's scope, or disable scoping itself, as it has to when run for real."""
    from django.core.management.base import BaseCommand
    from django_scopes import scope

    original = BaseCommand.execute

    def execute(self, *args, **options):
        with scope():
            return original(self, *args, **options)

    BaseCommand.execute = execute
    yield
    BaseCommand.execute = original


@pytest.fixture(scope="session", autouse=True)
def _jobs_start_unscoped():
    """Likewise a background job: it runs in the consumer with no scope, so in tests
    (where jobs run at once, in process) it must not inherit the test body's or the
    request's scope. Each job enters its practice's scope itself."""
    from django_scopes import scope
    from huey.api import Huey

    original = Huey.execute

    def execute(self, task, *args, **kwargs):
        with scope():
            return original(self, task, *args, **kwargs)

    Huey.execute = execute
    yield
    Huey.execute = original


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded files from tests never land in the developer's data folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def s3_server():
    """A local S3-compatible server: moto in server mode, on a free port of 127.0.0.1,
    in a thread of this test process. Nothing leaves the machine."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def object_storage(s3_server, settings):
    """Stored files go to a new, empty bucket on the local S3 server, as with
    CARELOOP_S3_BUCKET in production."""
    store = testing.new_bucket(s3_server)
    settings.STORAGES = {**settings.STORAGES, "default": store.storage_settings()}
    return store


@pytest.fixture
def alice_practice(db):
    return testing.make_practice("alice", name="Alice Street Psychology")


@pytest.fixture
def bob_practice(db):
    return testing.make_practice(
        "bob", name="Bob's Counselling", state="QLD", time_zone="Australia/Brisbane"
    )


@pytest.fixture
def owner(alice_practice):
    return testing.make_user(
        alice_practice, Role.OWNER, email="owner@alice.test", full_name="Olivia Owner"
    )


@pytest.fixture
def clinician(alice_practice):
    return testing.make_user(
        alice_practice, Role.CLINICIAN, email="clinician@alice.test", full_name="Clara Clinician"
    )


@pytest.fixture
def admin_user(alice_practice):
    return testing.make_user(
        alice_practice, Role.ADMIN, email="admin@alice.test", full_name="Adam Admin"
    )


@pytest.fixture
def bob_owner(bob_practice):
    return testing.make_user(
        bob_practice, Role.OWNER, email="owner@bob.test", full_name="Bob Owner"
    )


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    """Signed in as the practice's reception/administration user."""
    client.force_login(admin_user)
    return client


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_audit_guards():
    """The database refuses to delete audit rows (audit migration 0004). Transactional
    tests empty the database afterwards with `flush`, so the guards are lifted and put
    back inside the flush's own transaction: no window where they are missing."""
    import importlib

    from django.db.backends.base.operations import BaseDatabaseOperations

    migration = importlib.import_module("careloop.audit.migrations.0004_forbid_deletes")
    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        guards = migration.GUARDS.get(self.connection.vendor, {})
        # Only the guards that are there are lifted and put back, so a flush never
        # installs one that the migrations did not.
        present = [guards[name] for name in _trigger_names(self.connection) if name in guards]
        drop = [drop for _create, drop in present]
        create = [create for create, _drop in present]
        return original(self, [*drop, *sql_list, *create])

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    BaseDatabaseOperations.execute_sql_flush = original


def _trigger_names(connection) -> list[str]:
    query = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
        "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
    }.get(connection.vendor)
    if query is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(query)
        return [row[0] for row in cursor.fetchall()]
