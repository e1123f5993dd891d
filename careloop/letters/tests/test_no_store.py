"""Pages that carry health information must never be kept by a browser or proxy cache:
every staff page, and the no-account links a doctor or client opens."""

from django.core import mail

from careloop import testing
from careloop.audit.actions import COMMAND
from careloop.consent.actions import create_request
from careloop.letters import outbox
from careloop.letters.downloads import download_token
from careloop.letters.feedback import token_for
from careloop.measures.actions import invite

from .test_letters import course, signed_report  # noqa: F401 - the shared letter fixtures


def assert_no_store(response):
    assert "no-store" in response["Cache-Control"], response.get("Cache-Control")
    assert "public" not in response["Cache-Control"]


def test_staff_pages_and_files_are_not_stored(owner_client, alice_practice):
    referral = testing.make_referral(alice_practice)
    document = testing.make_document(referral)
    for url in [
        f"/clients/{referral.client.uuid}/",
        f"/clients/{referral.client.uuid}/edit/",
        f"/referrals/{referral.uuid}/documents/{document.uuid}/",
    ]:
        response = owner_client.get(url)
        assert response.status_code == 200, url
        assert_no_store(response)


def test_the_doctors_download_link_is_not_stored(
    client,
    course,  # noqa: F811 - the fixture imported above
    settings,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    practice = course["client"].practice
    practice.letters_by_link = True
    practice.save()
    letter = signed_report(course)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue(letter, "email")
    assert len(mail.outbox) == 1
    download = client.get(f"/d/{download_token(letter)}/")
    assert download["Content-Type"] == "application/pdf"
    assert_no_store(download)
    assert_no_store(client.get("/d/not-a-token/"))
    assert_no_store(client.get(f"/f/{token_for(letter)}/"))


def test_the_clients_consent_and_questionnaire_links_are_not_stored(
    client, alice_practice, admin_user
):
    person = testing.make_client(alice_practice)
    doctor = testing.make_doctor(alice_practice)
    _, consent_token = create_request(
        person, {"doctor": doctor, "scopes": ["status"]}, by=admin_user, via=COMMAND
    )
    _, measure_token = invite(person, "k10", by=admin_user)
    for url in [f"/c/{consent_token}/", f"/m/{measure_token}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_store(response)
