"""The front desk: uploaded letters wait in the inbox as "needs typing" on their own
clock, from when they arrived; a referral is typed beside its letter, and a new client
or doctor is added without leaving it."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from careloop import testing
from careloop.clients.models import Client
from careloop.directory.models import Doctor
from careloop.referrals.models import Referral, ReferralDocument

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
# A Wednesday morning in Sydney.
WEDNESDAY = testing.aware(2026, 11, 25, 9, 0)


def upload(web, **data):
    return web.post("/referrals/upload/", {"letter": SimpleUploadedFile("fax.png", PNG), **data})


def typed(client, doctor, **overrides):
    data = {
        "client": client.uuid,
        "referring_doctor": doctor.uuid,
        "referral_date": "20/11/2026",
        "basis": "mhtp",
        "sessions_referred": "6",
        "reason": "Low mood",
        "urgency": "routine",
    }
    data.update(overrides)
    return data


@time_machine.travel(WEDNESDAY, tick=False)
def test_a_fax_from_yesterday_keeps_its_arrival_and_the_referral_clock_starts_then(
    owner_client, alice_practice
):
    response = upload(owner_client, received_at="24/11/2026 16:30")
    assert response.status_code == 302
    document = ReferralDocument.objects.get()
    assert document.received_at == testing.aware(2026, 11, 24, 16, 30)
    client = testing.make_client(alice_practice)
    doctor = testing.make_doctor(alice_practice)
    owner_client.post(response["Location"], typed(client, doctor))
    referral = Referral.objects.get()
    assert referral.received_at == testing.aware(2026, 11, 24, 16, 30)
    # Acknowledge within one business day of Tuesday: by the end of Wednesday.
    assert referral.next_due_at == testing.aware(2026, 11, 26, 0, 0)


@time_machine.travel(WEDNESDAY, tick=False)
def test_received_on_defaults_to_now(owner_client):
    page = owner_client.get("/referrals/upload/").content.decode()
    assert 'value="25/11/2026 09:00"' in page
    upload(owner_client)
    assert ReferralDocument.objects.get().received_at == WEDNESDAY


@time_machine.travel(WEDNESDAY, tick=False)
@pytest.mark.parametrize(
    ("when", "error"),
    [
        ("26/11/2026 09:00", "cannot have been received in the future"),
        ("20/10/2026 09:00", "Enter a date in the last 30 days"),
        ("yesterday", "Enter the date and time as dd/mm/yyyy hh:mm"),
    ],
)
def test_received_on_is_not_in_the_future_nor_long_ago(owner_client, when, error):
    response = upload(owner_client, received_at=when)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not ReferralDocument.objects.exists()


def test_the_upload_is_audited(owner_client, owner):
    from careloop.audit.models import AuditEvent

    upload(owner_client)
    document = ReferralDocument.objects.get()
    assert AuditEvent.objects.get(object_uuid=document.uuid, action="create").actor == owner


def inbox_rows(web, query="") -> list[str]:
    page = web.get(f"/referrals/{query}").content.decode()
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)) for row in page.split("<tr")[2:]]


def test_untyped_letters_come_first_in_the_inbox_on_their_own_clock(
    owner_client, alice_practice, bob_practice
):
    with time_machine.travel(WEDNESDAY, tick=False):
        upload(owner_client)
        upload(owner_client, received_at="20/11/2026 09:00")  # last Friday
        testing.make_referral(alice_practice, client=testing.make_client(alice_practice))
        old, new = ReferralDocument.objects.order_by("received_at")
        # A name no synthetic name can collide with on Alice's page.
        other = testing.make_referral(
            bob_practice, client=testing.make_client(bob_practice, family_name="Quokkabob")
        )
        ReferralDocument.objects.create(
            practice=bob_practice, original_name="bob.png", content_type="image/png", size=1
        )
        rows = inbox_rows(owner_client)
        page = owner_client.get("/referrals/").content.decode()
    assert len(rows) == 3
    # The overdue letter (due by Monday) first, then today's, then the referral.
    assert "Needs typing" in rows[0] and "Overdue: was due by Mon 23/11" in rows[0]
    assert "3 business days ago" in rows[0]
    assert "Needs typing" in rows[1] and "Due by Thu 26/11" in rows[1]
    assert "Needs typing" not in rows[2]
    assert f'href="/referrals/upload/{old.uuid}/"' in page
    assert f'href="/referrals/upload/{new.uuid}/"' in page
    assert "bob.png" not in page and other.client.family_name not in page


def test_a_typed_letter_leaves_the_inbox_list_of_letters(owner_client, alice_practice):
    upload(owner_client)
    document = ReferralDocument.objects.get()
    client = testing.make_client(alice_practice)
    doctor = testing.make_doctor(alice_practice)
    owner_client.post(f"/referrals/upload/{document.uuid}/", typed(client, doctor))
    rows = inbox_rows(owner_client)
    assert len(rows) == 1 and "Needs typing" not in rows[0]


def test_untyped_letters_are_not_in_a_filtered_or_closed_list(owner_client):
    upload(owner_client)
    assert "Needs typing" in owner_client.get("/referrals/?view=all").content.decode()
    for query in ("?view=closed", "?q=smith", "?status=new"):
        assert "Needs typing" not in owner_client.get(f"/referrals/{query}").content.decode()


def test_the_letter_is_previewed_fit_to_width_beside_the_form(owner_client):
    owner_client.post(
        "/referrals/upload/",
        {"letter": SimpleUploadedFile("fax.pdf", testing.PDF_BYTES)},
    )
    document = ReferralDocument.objects.get()
    page = owner_client.get(f"/referrals/upload/{document.uuid}/").content.decode()
    assert (
        f'src="/referrals/upload/{document.uuid}/file/#view=FitH&amp;navpanes=0&amp;pagemode=none"'
        in page
    )


def test_a_new_client_is_added_in_place_and_comes_back_chosen_with_the_typing_kept(
    owner_client, alice_practice
):
    upload(owner_client)
    document = ReferralDocument.objects.get()
    url = f"/referrals/upload/{document.uuid}/"
    doctor = testing.make_doctor(alice_practice)
    half_typed = {
        "referring_doctor": doctor.uuid,
        "referral_date": "20/11/2026",
        "basis": "mhtp",
        "sessions_referred": "10",
        "reason": "Panic attacks since August",
        "letter_signed": "on",
        "urgency": "routine",
    }
    response = owner_client.post(url, {**half_typed, "add": "client"})
    assert response.status_code == 302
    assert response["Location"] == f"/clients/new/?next=%2Freferrals%2Fupload%2F{document.uuid}%2F"
    form_page = owner_client.get(response["Location"]).content.decode()
    assert "you go back to the form you were filling in" in form_page
    assert f'href="{url}">Cancel' in form_page
    saved = owner_client.post(
        response["Location"],
        {
            "given_name": "Mia",
            "family_name": "Nguyen",
            "date_of_birth": "07/03/1994",
            "medicare_number": "3278851195",
            "medicare_irn": "2",
            "phone": "0491 570 156",
            "suburb": "Neutral Bay",
            "state": "NSW",
            "postcode": "2089",
        },
    )
    mia = Client.objects.get(family_name="Nguyen")
    assert saved["Location"] == f"{url}?client={mia.uuid}"
    back = owner_client.get(saved["Location"])
    form = back.context["form"]
    assert str(form["client"].value()) == str(mia.uuid)
    assert str(form["referring_doctor"].value()) == str(doctor.uuid)
    assert form["reason"].value() == "Panic attacks since August"
    assert form["sessions_referred"].value() == "10"
    assert form["letter_signed"].value()
    page = back.content.decode()
    assert f'name="client" value="{mia.uuid}"' in page
    assert "Panic attacks since August" in page

    # The same again for a new doctor: the client chosen a moment ago stays chosen.
    to_doctor = owner_client.post(
        url, {**half_typed, "client": mia.uuid, "add": "referring_doctor"}
    )
    assert to_doctor["Location"].startswith("/doctors/new/?next=")
    owner_client.post(
        to_doctor["Location"],
        {
            "title": "Dr",
            "given_name": "Lan",
            "family_name": "Tran",
            "doctor_type": "gp",
            "provider_number": "2448301T",
            "preferred_channel": "print",
        },
    )
    tran = Doctor.objects.get(family_name="Tran")
    back = owner_client.get(f"{url}?doctor={tran.uuid}")
    form = back.context["form"]
    assert (str(form["client"].value()), str(form["referring_doctor"].value())) == (
        str(mia.uuid),
        str(tran.uuid),
    )
    # Saved, the draft is gone.
    owner_client.post(url, {**half_typed, "client": mia.uuid, "referring_doctor": tran.uuid})
    referral = Referral.objects.get()
    assert (referral.client, referral.referring_doctor, referral.sessions_referred) == (
        mia,
        tran,
        10,
    )
    assert not any(key.startswith("referral-draft:") for key in owner_client.session.keys())  # noqa: SIM118 - a session is not iterable


def test_another_practices_record_is_never_chosen_on_return(
    owner_client, alice_practice, bob_practice
):
    upload(owner_client)
    document = ReferralDocument.objects.get()
    theirs = testing.make_client(bob_practice)
    response = owner_client.get(f"/referrals/upload/{document.uuid}/?client={theirs.uuid}")
    assert response.status_code == 200
    assert response.context["form"]["client"].value() in (None, "")


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_adding_a_client_never_returns_to_another_site(owner_client, next_url):
    from urllib.parse import urlencode

    page = owner_client.get(f"/clients/new/?{urlencode({'next': next_url})}")
    assert "you go back to the form" not in page.content.decode()
    saved = owner_client.post(
        f"/clients/new/?{urlencode({'next': next_url})}",
        {
            "given_name": "Mia",
            "family_name": "Nguyen",
            "date_of_birth": "07/03/1994",
            "medicare_number": "3278851195",
            "medicare_irn": "2",
            "phone": "0491 570 156",
            "suburb": "Neutral Bay",
            "state": "NSW",
            "postcode": "2089",
        },
    )
    assert saved["Location"] == Client.objects.get().get_absolute_url()


def test_received_on_timezone_is_the_practices(owner_client, alice_practice):
    alice_practice.time_zone = "Australia/Perth"
    alice_practice.save()
    with time_machine.travel(WEDNESDAY, tick=False):
        upload(owner_client, received_at="24/11/2026 16:30")
    expected = testing.aware(2026, 11, 24, 16, 30, tz="Australia/Perth")
    assert ReferralDocument.objects.get().received_at == expected
    assert expected < timezone.now() + timedelta(days=3650)
