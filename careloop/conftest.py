import pytest

from careloop import testing
from careloop.practices.models import Role


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded files from tests never land in the developer's data folder.
    settings.MEDIA_ROOT = tmp_path / "media"


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
