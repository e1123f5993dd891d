import pytest

from careloop import testing


@pytest.fixture
def medical_practice(alice_practice):
    return testing.make_medical_practice(alice_practice, name="Harbour Family Practice")


@pytest.fixture
def doctor(alice_practice, medical_practice):
    return testing.make_doctor(
        alice_practice, medical_practices=[medical_practice], given_name="Mei", family_name="Chen"
    )


@pytest.fixture
def bob_doctor(bob_practice):
    mp = testing.make_medical_practice(bob_practice)
    return testing.make_doctor(bob_practice, medical_practices=[mp])
