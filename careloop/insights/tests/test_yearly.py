"""The doctor's yearly summary: aggregated, suppressed below 5, respects do-not-contact."""

import pytest
import time_machine

from careloop import testing
from careloop.insights import facts, yearly
from careloop.outreach.models import DoctorPreference

from . import history

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctors(alice_practice, owner):
    with time_machine.travel(history.NOW, tick=False):
        big = history.scores(
            alice_practice, owner, testing.make_medical_practice(alice_practice), 5
        )
        tiny = history.scores(
            alice_practice, owner, testing.make_medical_practice(alice_practice), 4
        )
        facts.refresh(alice_practice)
        yield big, tiny


def test_a_doctor_with_five_patients_gets_a_letter_of_totals(doctors, alice_practice):
    big, _ = doctors
    found = {s.doctor: s for s in yearly.page(alice_practice, history.NOW.date())["summaries"]}
    summary = found[big]
    assert summary.offered
    assert (summary.patients_seen, summary.mean_sessions, summary.share_improved) == (5, 1, 1.0)
    text = "\n".join(summary.lines)
    assert "We saw 5 of your patients" in text
    assert "each had 1 session with us" in text
    assert "100% improved" in text


def test_a_doctor_with_four_patients_gets_nothing_that_counts_them(
    doctors, alice_practice, owner_client
):
    _, tiny = doctors
    with time_machine.travel(history.NOW, tick=False):
        found = {s.doctor: s for s in yearly.page(alice_practice, history.NOW.date())["summaries"]}
        page = owner_client.get("/insights/doctors/").content.decode()
        letter = owner_client.get(f"/insights/doctors/{tiny.uuid}/").content.decode()
    assert "No letter for this doctor: Fewer than 5 patients seen" in letter
    assert "We saw" not in letter
    assert not found[tiny].offered and found[tiny].lines == []
    row = page[page.index(tiny.display_name) :].split("</tr>")[0]
    assert ">4<" not in row and "Fewer than 5 patients seen" in row


def test_do_not_contact_means_no_letter(doctors, alice_practice, owner, owner_client):
    big, _ = doctors
    DoctorPreference.objects.create(practice=alice_practice, doctor=big, do_not_contact=True)
    with time_machine.travel(history.NOW, tick=False):
        found = {s.doctor: s for s in yearly.page(alice_practice, history.NOW.date())["summaries"]}
        letter = owner_client.get(f"/insights/doctors/{big.uuid}/").content.decode()
    assert "No letter for this doctor: Do not contact" in letter and "We saw" not in letter
    assert found[big].blocked == "Do not contact"


def test_the_letter_page_shows_the_letter_and_another_practices_doctor_is_404(
    doctors, owner_client, bob_practice
):
    big, _ = doctors
    with time_machine.travel(history.NOW, tick=False):
        page = owner_client.get(f"/insights/doctors/{big.uuid}/").content.decode()
        other = testing.make_doctor(bob_practice)
        assert owner_client.get(f"/insights/doctors/{other.uuid}/").status_code == 404
    assert "We saw 5 of your patients" in page
