"""Clinicians (and, in the audit log, any member) are chosen by typing, never from a
<select> of the practice's hundreds: the booking and referral forms, the lists' filters
and the diary. The search endpoint answers with the practice's own people only."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from careloop import testing
from careloop.practices.models import Role
from careloop.practices.search import is_named
from careloop.therapy.models import TherapySession
from careloop.therapy.tests.test_sessions import session_form


def matches(page) -> list[str]:
    html = page.content.decode()
    return [part.split('"', 1)[0] for part in html.split('data-label="')[1:]]


def search(http, typed, source="clinicians", name="clinician"):
    return http.get(f"/pick/{source}/", {f"{name}__search": typed, "list": f"id_{name}_results"})


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("zoe", True),
        ("ZOË", True),
        ("obr", True),
        ("o brien", True),
        ("o'bri", True),
        ("zo obr", True),
        ("brien zoe", True),
        ("zoe smith", False),
        ("rien", False),
    ],
)
def test_a_name_is_found_by_the_start_of_its_words_whatever_the_accents_and_case(typed, found):
    assert is_named("Zoë O'Brien", typed) is found


def test_the_clinician_search_is_the_practices_own_at_most_twenty(
    admin_client, alice_practice, bob_practice
):
    for number in range(25):
        testing.make_user(alice_practice, Role.CLINICIAN, full_name=f"Quill Zabriskie{number:02}")
    testing.make_user(bob_practice, Role.CLINICIAN, full_name="Quill Zabriskie Elsewhere")
    page = search(admin_client, "zabr")
    found = matches(page)
    assert len(found) == 20
    assert all(name.startswith("Quill Zabriskie") for name in found)
    assert "Elsewhere" not in page.content.decode()
    assert "type more to narrow" in page.content.decode()


def test_only_active_clinicians_are_offered(admin_client, alice_practice, owner):
    testing.make_user(alice_practice, Role.CLINICIAN, full_name="Zelda Current")
    testing.make_user(alice_practice, Role.CLINICIAN, full_name="Zeb Departed", is_active=False)
    testing.make_user(alice_practice, Role.ADMIN, full_name="Zephyr Reception")
    testing.make_user(alice_practice, Role.OWNER, full_name="Zed Owner", profession="psychologist")
    assert set(matches(search(admin_client, "ze"))) == {"Zelda Current", "Zed Owner"}
    # A short practice: two letters are enough, and the profession tells two apart.
    assert "Psychologist" in search(admin_client, "zel").content.decode()


def test_the_list_of_every_member_is_the_owners_alone(
    client, owner, admin_user, alice_practice, bob_practice
):
    client.force_login(owner)
    testing.make_user(alice_practice, Role.ADMIN, full_name="Zora Reception")
    testing.make_user(alice_practice, Role.CLINICIAN, full_name="Zeb Departed", is_active=False)
    testing.make_user(bob_practice, Role.ADMIN, full_name="Zack Elsewhere")
    page = search(client, "z", "members", "actor")
    assert "Type at least 2 letters" in page.content.decode()
    assert matches(search(client, "zo", "members", "actor")) == ["Zora Reception"]
    assert matches(search(client, "zack", "members", "actor")) == []  # another practice's
    page = search(client, "zeb", "members", "actor")
    assert matches(page) == ["Zeb Departed"] and "no longer active" in page.content.decode()
    client.force_login(admin_user)
    assert search(client, "zo", "members", "actor").status_code == 403


# The forms


def test_the_booking_form_lists_no_clinicians(owner_client, alice_practice):
    for _ in range(3):
        testing.make_user(alice_practice, Role.CLINICIAN)
    html = owner_client.get("/sessions/new/").content.decode()
    assert "<select" not in html.split('id="field-clinician"')[1].split("</div>")[0]
    assert 'name="clinician__search"' in html and 'aria-label="Matching clinicians"' in html


def test_a_clinician_typed_without_javascript_is_booked(owner_client, alice_practice):
    wanted = testing.make_user(alice_practice, Role.CLINICIAN, full_name="Zoë Quennell")
    testing.make_user(alice_practice, Role.CLINICIAN, full_name="Other Person")
    person = testing.make_client(alice_practice)
    data = session_form(person, wanted)
    data.update(clinician="", clinician__search="zoe que")
    assert owner_client.post("/sessions/new/", data).status_code == 302
    assert TherapySession.objects.get().clinician == wanted


def test_a_clinician_of_another_practice_is_refused(owner_client, alice_practice, bob_practice):
    theirs = testing.make_user(bob_practice, Role.CLINICIAN, full_name="Their Clinician")
    person = testing.make_client(alice_practice)
    for sent in ({}, {"clinician__choice": str(theirs.uuid)}):
        response = owner_client.post("/sessions/new/", session_form(person, theirs, **sent))
        assert response.status_code == 400
        assert response.context["form"].has_error("clinician")
    assert not TherapySession.objects.exists()
    referral = testing.make_referral(alice_practice)
    response = owner_client.post(f"/referrals/{referral.uuid}/assign/", {"clinician": theirs.uuid})
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.assigned_clinician is None


def test_the_booking_form_names_the_clinician_it_starts_with(client, clinician, alice_practice):
    client.force_login(clinician)
    html = client.get("/sessions/new/").content.decode()
    assert f'name="clinician" value="{clinician.uuid}"' in html
    assert 'name="clinician__search" value="Clara Clinician"' in html


def test_the_clash_check_still_reads_the_chosen_clinician(owner_client, clinician, alice_practice):
    person = testing.make_client(alice_practice)
    assert owner_client.post("/sessions/new/", session_form(person, clinician)).status_code == 302
    data = session_form(testing.make_client(alice_practice), clinician)
    data.update(clinician="", clinician__search="clara")
    page = owner_client.post("/sessions/new/", data).content.decode()
    assert "Book anyway" in page and TherapySession.objects.count() == 1


def test_the_medicare_panel_reads_the_chosen_clinician(owner_client, clinician, alice_practice):
    person = testing.make_client(alice_practice)
    testing.make_referral(alice_practice, client=person)
    panel = owner_client.get("/sessions/new/medicare/", session_form(person, clinician))
    assert panel.status_code == 200
    assert panel.context["clinician"] == clinician


def test_the_referral_forms_type_the_clinician(owner_client, clinician, alice_practice):
    referral = testing.make_referral(alice_practice, assigned_clinician=clinician)
    for path in ("/referrals/new/", f"/referrals/{referral.uuid}/"):
        html = owner_client.get(path).content.decode()
        assert "<select" not in html.split('id="field-assigned_clinician"')[-1].split("</div>")[0]
        assert "Matching clinicians" in html
    html = owner_client.get(f"/referrals/{referral.uuid}/").content.decode()
    assert f'name="clinician__search" value="{escape(clinician.full_name)}"' in html
    # Emptied: nobody yet.
    owner_client.post(
        f"/referrals/{referral.uuid}/assign/", {"clinician": "", "clinician__search": ""}
    )
    referral.refresh_from_db()
    assert referral.assigned_clinician is None


# The lists' filters


def test_sessions_are_filtered_by_a_picked_clinician_kept_in_the_address(
    owner_client, clinician, alice_practice
):
    day = timezone.now() - timedelta(days=2)
    mine = testing.make_session(alice_practice, clinician=clinician, starts_at=day)
    testing.make_session(alice_practice, starts_at=day)
    # As the script sends it: the chosen id, and the name shown in the box.
    response = owner_client.get(
        "/sessions/",
        {"q": "", "clinician": clinician.uuid, "clinician__search": "Clara Clinician"},
    )
    assert list(response.context["object_list"]) == [mine]
    html = response.content.decode()
    assert 'name="clinician__search" value="Clara Clinician"' in html
    assert f'name="clinician" value="{clinician.uuid}"' in html
    assert "<select" not in html.split('for="id_clinician"')[1].split("</div>")[0]
    # Without the script: the name typed, found.
    response = owner_client.get("/sessions/", {"q": "", "clinician__search": "clara"})
    assert list(response.context["object_list"]) == [mine]


def test_an_ambiguous_name_in_a_filter_offers_the_matches(owner_client, alice_practice):
    testing.make_user(alice_practice, Role.CLINICIAN, full_name="Zara One")
    testing.make_user(alice_practice, Role.CLINICIAN, full_name="Zara Two")
    html = owner_client.get("/sessions/", {"q": "", "clinician__search": "zara"}).content.decode()
    assert "2 clinicians match “zara”" in html
    assert html.count('name="clinician__choice"') == 2


def test_referrals_are_filtered_by_a_picked_clinician(owner_client, clinician, alice_practice):
    kept = testing.make_referral(alice_practice, assigned_clinician=clinician)
    testing.make_referral(alice_practice)
    response = owner_client.get(
        "/referrals/",
        {"assigned_clinician": clinician.uuid, "assigned_clinician__search": "Clara Clinician"},
    )
    assert list(response.context["object_list"]) == [kept]
    html = response.content.decode()
    assert 'name="assigned_clinician__search" value="Clara Clinician"' in html
    assert "<select" not in html.split('for="id_assigned_clinician"')[1].split("</div>")[0]


def test_a_filter_by_another_practices_clinician_is_not_obeyed(
    owner_client, alice_practice, bob_practice
):
    theirs = testing.make_user(bob_practice, Role.CLINICIAN)
    testing.make_session(bob_practice, clinician=theirs)
    response = owner_client.get("/sessions/", {"q": "", "clinician": theirs.uuid})
    assert list(response.context["object_list"]) == []
    assert response.context["filter"].form.has_error("clinician")


def test_the_audit_log_types_who(owner_client, alice_practice, admin_user):
    testing.make_audit_event(alice_practice, actor=admin_user)
    response = owner_client.get("/audit/", {"actor": admin_user.uuid, "actor__search": "Adam"})
    html = response.content.decode()
    assert "<select" not in html.split('for="id_actor"')[1].split("</div>")[0]
    assert [event.actor for event in response.context["object_list"]] == [admin_user]


def test_the_diary_is_chosen_by_typing(admin_client, clinician, alice_practice):
    other = testing.make_user(alice_practice, Role.CLINICIAN, full_name="Bea Second")
    response = admin_client.get("/sessions/diary/", {"clinician": "", "clinician__search": "bea"})
    assert response.context["clinician"] == other
    html = response.content.decode()
    assert f'name="clinician" value="{other.uuid}"' in html
    assert 'name="clinician__search" value="Bea Second"' in html
