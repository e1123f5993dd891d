"""Letters due: a clinician opens on their own letters, with everyone's one click away."""

import pytest
from django.utils import timezone

from careloop import testing
from careloop.letters.models import Delivery, Letter
from careloop.practices.models import Role


def letter(practice, *, author=None, assigned=None, **fields):
    referral = testing.make_referral(practice)
    if assigned is not None:
        referral.assigned_clinician = assigned
        referral.save()
    return Letter.objects.create(
        practice=practice,
        client=referral.client,
        referral=referral,
        doctor=referral.referring_doctor,
        kind="end_of_course",
        author=author,
        **fields,
    )


@pytest.fixture
def letters(alice_practice, clinician):
    colleague = testing.make_user(alice_practice, Role.CLINICIAN)
    return {
        "written": letter(alice_practice, author=clinician),
        "assigned": letter(alice_practice, assigned=clinician),
        "colleagues": letter(alice_practice, author=colleague, assigned=colleague),
        "nobodys": letter(alice_practice),
    }


def test_a_clinician_opens_on_their_own_letters(client, clinician, letters):
    client.force_login(clinician)
    response = client.get("/letters/")
    assert response.context["whose"] == "mine"
    assert set(response.context["drafts"]) == {letters["written"], letters["assigned"]}
    page = response.content.decode()
    assert '<a href="?whose=mine" aria-current="page">Mine</a>' in page
    assert '<a href="?whose=everyone">Everyone' in page


def test_the_toggle_shows_everyones(client, clinician, letters):
    client.force_login(clinician)
    response = client.get("/letters/?whose=everyone")
    assert set(response.context["drafts"]) == set(letters.values())


def test_owners_and_reception_open_on_everyones(client, owner, admin_user, letters):
    for user in (owner, admin_user):
        client.force_login(user)
        response = client.get("/letters/")
        assert response.context["whose"] == "everyone"
        assert set(response.context["drafts"]) == set(letters.values())


def test_mine_covers_signed_and_stuck_letters_too(client, clinician, alice_practice, letters):
    mine_unsent = letter(alice_practice, author=clinician, status="signed")
    theirs_unsent = letter(alice_practice, status="signed")
    mine_stuck = Delivery.objects.create(
        practice=alice_practice,
        letter=letter(alice_practice, assigned=clinician, status="signed"),
        channel="print",
        status="to_print",
        next_attempt_at=timezone.now(),
    )
    Delivery.objects.create(
        practice=alice_practice,
        letter=letter(alice_practice, status="signed"),
        channel="print",
        status="to_print",
        next_attempt_at=timezone.now(),
    )
    client.force_login(clinician)
    response = client.get("/letters/")
    assert list(response.context["unsent"]) == [mine_unsent]
    assert list(response.context["stuck"]) == [mine_stuck]
    everyone = client.get("/letters/?whose=everyone")
    assert theirs_unsent in everyone.context["unsent"]
    assert len(everyone.context["stuck"]) == 2


def test_an_empty_mine_points_to_everyones(client, alice_practice):
    newcomer = testing.make_user(alice_practice, Role.CLINICIAN)
    letter(alice_practice)
    client.force_login(newcomer)
    page = client.get("/letters/").content.decode()
    assert "No letters waiting to be written by you." in page
