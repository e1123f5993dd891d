"""A risk answer reaches a person: crisis support for the client at once, an alert on
the treating clinician's and the owners' dashboards, an e-mail, and the alert stays
until a clinician records the follow-up."""

import pytest
from django.core import mail

from careloop import testing
from careloop.audit.models import AuditEvent
from careloop.measures.models import RiskAlert
from careloop.practices.models import Role

PHQ9_ITEM_9_MORE_THAN_HALF = {**{f"item_{n}": "1" for n in range(1, 9)}, "item_9": "2"}


@pytest.fixture
def treated(alice_practice, clinician):
    person = testing.make_client(alice_practice, given_name="Ruby", family_name="Tran")
    testing.make_referral(alice_practice, client=person, assigned_clinician=clinician)
    return person


def answer_at_a_link(staff, web, person, answers):
    invited = staff.post(f"/clients/{person.uuid}/measures/invite/", {"measure": "phq9"})
    path = invited.context["link"].split("testserver", 1)[1]
    return web.get(path), web.post(path, answers)


@pytest.fixture
def public(django_user_model):
    from django.test import Client

    return Client()


def test_a_risk_answer_at_a_link_shows_crisis_support_and_alerts_the_clinician_and_owner(
    owner_client, public, treated, clinician, owner, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        form, thanks = answer_at_a_link(owner_client, public, treated, PHQ9_ITEM_9_MORE_THAN_HALF)
    for page in (form, thanks):
        text = page.content.decode()
        assert "13 11 14" in text and "000" in text and "next business day" in text

    alert = RiskAlert.objects.get()
    assert alert.clinician == clinician and alert.certain and alert.notified_at is not None
    [email] = [m for m in mail.outbox if "Safety alert" in m.subject]
    assert sorted(email.to) == sorted([clinician.email, owner.email])
    # No health information by e-mail: no answers, no name, just where to look.
    assert "Tran" not in email.body and "Ruby" not in email.body
    assert alert.get_absolute_url() in email.body

    owner_client.force_login(clinician)
    dashboard = owner_client.get("/", follow=True).content.decode()
    assert "Safety alerts to follow up" in dashboard and "Ruby Tran" in dashboard
    owner_client.force_login(owner)
    assert "Ruby Tran" in owner_client.get("/", follow=True).content.decode()


def test_another_clinicians_dashboard_and_receptions_do_not_show_it(
    client, owner_client, public, treated, alice_practice, admin_user
):
    answer_at_a_link(owner_client, public, treated, PHQ9_ITEM_9_MORE_THAN_HALF)
    other = testing.make_user(alice_practice, Role.CLINICIAN, email="other@alice.test")
    for person in (other, admin_user):
        client.force_login(person)
        assert "Safety alerts" not in client.get("/", follow=True).content.decode()


def test_no_alert_without_a_risk_answer(owner_client, public, treated):
    answers = {f"item_{n}": "1" for n in range(1, 9)} | {"item_9": "0"}
    answer_at_a_link(owner_client, public, treated, answers)
    assert not RiskAlert.objects.exists()


def test_the_alert_stays_until_a_clinician_records_the_follow_up_which_is_audited(
    client, owner_client, public, treated, clinician, admin_user
):
    answer_at_a_link(owner_client, public, treated, PHQ9_ITEM_9_MORE_THAN_HALF)
    alert = RiskAlert.objects.get()
    url = f"/clients/{treated.uuid}/alerts/{alert.uuid}/follow-up/"

    client.force_login(admin_user)
    assert client.post(url, {"follow_up": "Rang her."}).status_code == 403
    client.force_login(clinician)
    empty = client.post(url, {"follow_up": "  "}, follow=True)
    assert "Say what was done" in empty.content.decode()
    alert.refresh_from_db()
    assert alert.followed_up_at is None
    assert "Ruby Tran" in client.get("/", follow=True).content.decode()

    client.post(url, {"follow_up": "Called Ruby at 14:10; safe, safety plan reviewed."})
    alert.refresh_from_db()
    assert alert.followed_up_by == clinician and "safety plan" in alert.follow_up
    assert "Safety alerts" not in client.get("/", follow=True).content.decode()
    row = AuditEvent.objects.get(object_uuid=alert.uuid)
    assert row.actor == clinician and row.changed_fields == ["follow-up"]
    page = client.get(f"/clients/{treated.uuid}/").content.decode()
    assert "Earlier safety alerts" in page and "safety plan reviewed" in page


def test_another_practice_cannot_follow_up_an_alert(
    client, owner_client, public, treated, bob_owner
):
    answer_at_a_link(owner_client, public, treated, PHQ9_ITEM_9_MORE_THAN_HALF)
    alert = RiskAlert.objects.get()
    client.force_login(bob_owner)
    url = f"/clients/{treated.uuid}/alerts/{alert.uuid}/follow-up/"
    assert client.post(url, {"follow_up": "x"}).status_code == 404
