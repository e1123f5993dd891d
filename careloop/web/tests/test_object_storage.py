"""Stored files in an S3-compatible bucket (CARELOOP_S3_BUCKET), against a local S3 server
that the tests start (moto in server mode, careloop/conftest.py): every place that keeps
or reads a file goes through the storage, each object is private, and a file reaches a
person only through Careloop's own views, which check who asks."""

import io
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from careloop import testing
from careloop.directory import uploads
from careloop.letters import actions as letter_actions
from careloop.letters.render import generate_pdf, render_html
from careloop.publicsite import holding
from careloop.publicsite.actions import store_image
from careloop.referrals.models import ReferralDocument

PDF = b"%PDF-1.4\n% a referral letter\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def png(width=1, height=1) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 140)).save(out, "PNG")
    return out.getvalue()


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)


def assert_private(store, key):
    grants = store.s3.get_object_acl(Bucket=store.bucket, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert grants[0]["Grantee"]["Type"] == "CanonicalUser"  # the bucket's owner, no group


def test_a_letter_uploaded_at_the_front_desk_is_kept_in_the_bucket(
    object_storage, owner_client, alice_practice
):
    response = owner_client.post(
        "/referrals/upload/", {"letter": SimpleUploadedFile("fax.pdf", PDF)}
    )
    assert response.status_code == 302
    document = ReferralDocument.objects.get()
    assert object_storage.names() == [document.file.name]
    assert document.file.name.startswith(f"practices/{alice_practice.uuid}/referrals/")
    stored = object_storage.s3.get_object(Bucket=object_storage.bucket, Key=document.file.name)
    assert stored["Body"].read() == PDF
    assert_private(object_storage, document.file.name)
    preview = owner_client.get(f"/referrals/upload/{document.uuid}/file/")
    assert downloaded(preview) == PDF


def test_a_document_in_the_bucket_reaches_people_only_through_careloop(
    object_storage, owner_client, alice_practice, bob_owner, client
):
    referral = testing.make_referral(alice_practice)
    document = testing.make_document(referral, content=PDF)
    # Its storage address carries no signature, and the bucket refuses it.
    address = document.file.url
    assert "Signature" not in address and "X-Amz" not in address
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(address)  # noqa: S310 - the local test server
    assert refused.value.code == 403
    # The practice's staff get it through the view, audited; another practice does not.
    url = f"/referrals/{referral.uuid}/documents/{document.uuid}/"
    response = owner_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert downloaded(response) == PDF
    client.force_login(bob_owner)
    assert client.get(url).status_code == 404


def test_two_files_of_the_same_name_never_replace_each_other(object_storage):
    first = default_storage.save("held/referral.pdf", ContentFile(b"%PDF- first"))
    second = default_storage.save("held/referral.pdf", ContentFile(b"%PDF- second"))
    assert first != second
    with default_storage.open(first, "rb") as kept:
        assert kept.read() == b"%PDF- first"
    with default_storage.open(second, "rb") as kept:
        assert kept.read() == b"%PDF- second"


def test_the_letterhead_logo_is_read_from_the_bucket(object_storage, alice_practice, clinician):
    logo = png(4, 4)
    alice_practice.logo.save("logo.png", ContentFile(logo))
    assert object_storage.names() == [alice_practice.logo.name]
    doctor = testing.make_doctor(alice_practice)
    referral = testing.make_referral(alice_practice, doctor=doctor)
    letter = letter_actions.draft(
        "acknowledgement", client=referral.client, doctor=doctor, referral=referral
    )
    alice_practice.refresh_from_db()
    letter.practice = alice_practice
    assert alice_practice.logo_data_uri in render_html(letter)
    assert generate_pdf(letter)[2].startswith(b"%PDF")


def test_website_images_and_their_variants_are_served_from_the_bucket(
    object_storage, alice_practice, client
):
    image = store_image(alice_practice, SimpleUploadedFile("room.png", png(900, 600)))
    widths = [width for width, _height, _path in image.variants]
    assert set(object_storage.names()) == {image.original.name} | {
        path for _w, _h, path in image.variants
    }
    response = client.get(f"/p/{alice_practice.slug}/images/{image.uuid}-{widths[0]}.webp")
    assert response.status_code == 200
    assert downloaded(response).startswith(b"RIFF")


def test_a_held_referral_letter_waits_in_the_bucket_and_expires(object_storage, alice_practice):
    token = holding.hold(alice_practice, SimpleUploadedFile("letter.pdf", PDF))
    assert len(object_storage.names()) == 1
    assert holding.fetch(alice_practice, token).read() == PDF
    assert holding.remove_expired(alice_practice) == 0
    later = timezone.now() + timedelta(seconds=holding.HOLD_SECONDS + 60)
    assert holding.remove_expired(alice_practice, now=later) == 1
    assert object_storage.names() == []
    assert holding.fetch(alice_practice, token) is None


def test_a_directory_import_waits_between_its_steps_in_the_bucket(object_storage, alice_practice):
    token = uploads.keep(alice_practice.uuid, b"given_name,family_name\nMia,Shah\n")
    assert object_storage.names() == [f"directory-imports/{alice_practice.uuid}/{token}.upload"]
    assert uploads.fetch(alice_practice.uuid, token) == b"given_name,family_name\nMia,Shah\n"
    assert uploads.fetch(alice_practice.uuid, "0" * 32) is None
    uploads.discard(alice_practice.uuid, token)
    assert object_storage.names() == []
