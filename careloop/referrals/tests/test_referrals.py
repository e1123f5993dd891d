from django.core.files.uploadedfile import SimpleUploadedFile

from careloop import testing
from careloop.audit.models import AuditEvent
from careloop.lib.uploads import MAX_UPLOAD_BYTES
from careloop.referrals.models import Referral, ReferralDocument


def referral_form(client, doctor, **overrides):
    data = {
        "client": client.uuid,
        "referring_doctor": doctor.uuid if doctor else "",
        "referral_date": "02/11/2026",
        "basis": "mhtp",
        "sessions_referred": "6",
        "reason": "Low mood",
        "urgency": "routine",
    }
    data.update(overrides)
    return data


def test_it_records_a_referral_with_its_letter(owner_client, alice_practice):
    client = testing.make_client(alice_practice)
    doctor = testing.make_doctor(alice_practice)
    letter = SimpleUploadedFile("scan.pdf", testing.PDF_BYTES, content_type="application/pdf")
    response = owner_client.post("/referrals/new/", referral_form(client, doctor, document=letter))
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.practice, referral.client, referral.referring_doctor) == (
        alice_practice,
        client,
        doctor,
    )
    assert referral.received_at is not None
    document = referral.documents.get()
    assert (document.content_type, document.original_name) == ("application/pdf", "scan.pdf")
    download = owner_client.get(f"/referrals/{referral.uuid}/documents/{document.uuid}/")
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == testing.PDF_BYTES
    assert AuditEvent.objects.filter(client_uuid=client.uuid, action="create").count() == 2


def test_it_judges_an_upload_by_its_content_not_its_name(owner_client, alice_practice):
    client = testing.make_client(alice_practice)
    doctor = testing.make_doctor(alice_practice)
    fake_pdf = SimpleUploadedFile(
        "letter.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf"
    )
    response = owner_client.post(
        "/referrals/new/", referral_form(client, doctor, document=fake_pdf)
    )
    assert response.status_code == 400
    assert "Only PDF, PNG, JPEG or TIFF" in response.content.decode()
    # All or nothing: no referral without its letter either.
    assert not Referral.objects.exists() and not ReferralDocument.objects.exists()


def test_it_accepts_a_photo_of_the_letter(owner_client, alice_practice):
    client = testing.make_client(alice_practice)
    photo = SimpleUploadedFile("IMG_0001.HEIC", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    response = owner_client.post(
        "/referrals/new/",
        referral_form(client, testing.make_doctor(alice_practice), document=photo),
    )
    assert response.status_code == 302
    assert ReferralDocument.objects.get().content_type == "image/jpeg"


def test_it_refuses_an_oversized_upload(owner_client, alice_practice):
    client = testing.make_client(alice_practice)
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * MAX_UPLOAD_BYTES)
    response = owner_client.post(
        "/referrals/new/", referral_form(client, testing.make_doctor(alice_practice), document=big)
    )
    assert "the limit is 10 MB" in response.content.decode()


def test_a_doctors_referral_needs_the_doctor_and_a_self_referral_has_none(
    owner_client, alice_practice
):
    client = testing.make_client(alice_practice)
    response = owner_client.post("/referrals/new/", referral_form(client, None))
    assert "Choose the referring doctor" in response.content.decode()
    response = owner_client.post(
        "/referrals/new/", referral_form(client, testing.make_doctor(alice_practice), basis="self")
    )
    assert "not a self-referral" in response.content.decode()
    response = owner_client.post(
        "/referrals/new/", referral_form(client, None, basis="self", sessions_referred="")
    )
    assert response.status_code == 302


def test_it_keeps_an_unstated_session_count_as_unknown(owner_client, alice_practice):
    client = testing.make_client(alice_practice)
    owner_client.post(
        "/referrals/new/",
        referral_form(client, testing.make_doctor(alice_practice), sessions_referred=""),
    )
    referral = Referral.objects.get()
    assert referral.sessions_referred is None
    page = owner_client.get(f"/referrals/{referral.uuid}/").content.decode()
    assert "Not stated — confirm with the doctor" in page


def test_it_refuses_impossible_session_counts_and_future_dates(owner_client, alice_practice):
    client = testing.make_client(alice_practice)
    page = owner_client.post(
        "/referrals/new/",
        referral_form(
            client,
            testing.make_doctor(alice_practice),
            sessions_referred="0",
            referral_date="01/01/2099",
        ),
    ).content.decode()
    assert "Enter the number of sessions on the referral (1 to 20)" in page
    assert "cannot be dated in the future" in page


def test_it_filters_referrals_by_basis_and_date(owner_client, alice_practice):
    from datetime import date

    kept = testing.make_referral(
        alice_practice, basis="psychiatrist", referral_date=date(2026, 6, 1)
    )
    testing.make_referral(alice_practice, basis="mhtp", referral_date=date(2026, 6, 1))
    testing.make_referral(alice_practice, basis="psychiatrist", referral_date=date(2025, 6, 1))
    response = owner_client.get(
        "/referrals/?basis=psychiatrist&received_from=01/01/2026&received_to=31/12/2026"
    )
    assert list(response.context["object_list"]) == [kept]


def test_a_new_referral_can_start_from_the_client_page(owner_client, alice_practice):
    client = testing.make_client(alice_practice)
    form = owner_client.get(f"/referrals/new/?client={client.uuid}").context["form"]
    assert form.initial["client"] == client
    # A bad or foreign id in the query string is ignored, not an error.
    assert owner_client.get("/referrals/new/?client=not-a-uuid").status_code == 200


def test_a_scanned_letter_is_uploaded_then_typed_beside_its_preview(owner_client, alice_practice):
    scan = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    response = owner_client.post("/referrals/upload/", {"letter": scan})
    document = ReferralDocument.objects.get()
    assert response["Location"] == f"/referrals/upload/{document.uuid}/"
    assert document.referral is None
    # It waits in the list until typed, and its preview is served to this practice.
    assert "scan.png" in owner_client.get("/referrals/upload/").content.decode()
    page = owner_client.get(response["Location"]).content.decode()
    assert f'src="/referrals/upload/{document.uuid}/file/"' in page
    preview = owner_client.get(f"/referrals/upload/{document.uuid}/file/")
    assert preview["Content-Type"] == "image/png"
    assert "sandbox" in preview["Content-Security-Policy"]
    client = testing.make_client(alice_practice)
    doctor = testing.make_doctor(alice_practice)
    data = referral_form(client, doctor)
    saved = owner_client.post(response["Location"], data)
    referral = Referral.objects.get()
    assert saved["Location"] == f"/referrals/{referral.uuid}/"
    document.refresh_from_db()
    assert (document.referral, referral.source) == (referral, "upload")
    assert referral.status == "new" and referral.next_due_at is not None


def test_an_upload_that_is_not_a_document_is_refused(owner_client):
    response = owner_client.post(
        "/referrals/upload/", {"letter": SimpleUploadedFile("letter.pdf", b"#!/bin/sh\necho hi\n")}
    )
    assert response.status_code == 400
    assert not ReferralDocument.objects.exists()
