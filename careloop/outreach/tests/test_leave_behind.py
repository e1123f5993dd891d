"""The leave-behind for doctors: a PDF on the letterhead, cached, public for the website."""

from careloop import testing
from careloop.audit.actions import COMMAND
from careloop.outreach import leave_behind
from careloop.practices.models import Niche, Role


def test_it_shows_niches_ideal_clients_waits_and_how_to_refer(alice_practice, owner, settings):
    settings.SITE_URL = "https://care.example"
    youth, _ = Niche.objects.get_or_create(code="youth", defaults={"name": "Youth"})
    alice_practice.niches.add(youth)
    clinician = testing.make_user(alice_practice, Role.CLINICIAN, full_name="Clara Jones")
    profile = clinician.clinician_profile
    profile.current_wait_days, profile.urgent_slots_this_week = 9, 2
    profile.save()
    leave_behind.save_details(
        alice_practice,
        ideal_clients="Teenagers with school refusal",
        secure_messaging_address="alicepsy",
        by=owner,
        via=COMMAND,
    )
    html = leave_behind.render_html(alice_practice)
    assert youth.name in html and "Teenagers with school refusal" in html
    assert "9 days" in html and "2</strong> appointments held for urgent" in html
    assert "care.example/p/alice/refer/" in html and "<svg" in html and "alicepsy" in html
    assert "Clara Jones" in html
    personal = leave_behind.render_html(alice_practice, clinician)
    assert "Clara Jones, psychologist" in personal


def test_the_pdf_is_made_once_for_the_same_content(alice_practice, settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    name, pdf = leave_behind.generate_pdf(alice_practice)
    assert pdf.startswith(b"%PDF") and name == "alice-practice-leave-behind.pdf"
    monkeypatch.setattr(leave_behind, "html_to_pdf", lambda html: 1 / 0)
    assert leave_behind.generate_pdf(alice_practice)[1] == pdf  # from the cache


def test_the_pages_serve_pdfs_and_another_practice_s_clinician_is_not_found(
    client, owner_client, alice_practice, bob_practice, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    clinician = testing.make_user(alice_practice, Role.CLINICIAN)
    bob_clinician = testing.make_user(bob_practice, Role.CLINICIAN)
    assert owner_client.get("/outreach/leave-behind/practice.pdf")["Content-Type"] == (
        "application/pdf"
    )
    ok = owner_client.get(f"/outreach/leave-behind/clinicians/{clinician.uuid}.pdf")
    assert ok.content.startswith(b"%PDF")
    missing = owner_client.get(f"/outreach/leave-behind/clinicians/{bob_clinician.uuid}.pdf")
    assert missing.status_code == 404
    public = client.get("/p/alice/leave-behind.pdf")  # signed out, as the website links it
    assert public.status_code == 200 and public.content.startswith(b"%PDF")
    assert client.get("/p/nobody/leave-behind.pdf").status_code == 404
