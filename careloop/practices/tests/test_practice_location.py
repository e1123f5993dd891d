from decimal import Decimal

from careloop.practices.actions import geocode_practice


def settings_form(practice, **fields):
    form = {
        "name": practice.name,
        "state": "NSW",
        "time_zone": "Australia/Sydney",
        "acknowledge_within_days": "1",
        "contact_within_days": "2",
        "k10_band_set": "abs",
    }
    form.update(fields)
    return form


def test_saving_the_address_places_the_practice_at_its_suburb(owner_client, alice_practice):
    assert alice_practice.latitude is None
    response = owner_client.post(
        "/practice/", settings_form(alice_practice, suburb="Mosman", postcode="2088")
    )
    assert response.status_code == 302
    alice_practice.refresh_from_db()
    assert (alice_practice.latitude, alice_practice.longitude) == (
        Decimal("-33.827200"),
        Decimal("151.240700"),
    )


def test_a_new_address_moves_the_practice_and_an_unknown_one_clears_it(alice_practice):
    alice_practice.suburb, alice_practice.state = "Mosman", "NSW"
    assert geocode_practice(alice_practice)
    alice_practice.suburb, alice_practice.state, alice_practice.postcode = "Elimbah", "QLD", ""
    assert geocode_practice(alice_practice, ["suburb", "state"])
    assert -27.1 < alice_practice.latitude < -27.0
    alice_practice.suburb = "Nowhere-in-particular"
    alice_practice.postcode = ""
    assert not geocode_practice(alice_practice, ["suburb"])
    assert alice_practice.latitude is None


def test_coordinates_already_there_are_kept_when_the_address_is_unchanged(alice_practice):
    alice_practice.latitude, alice_practice.longitude = Decimal("-30"), Decimal("150")
    alice_practice.suburb = "Mosman"
    assert not geocode_practice(alice_practice, ["phone"])
    assert alice_practice.latitude == Decimal("-30")
