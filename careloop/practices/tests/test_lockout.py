"""The sign-in lockout cannot be walked around by letter case or by a reverse proxy."""

import pytest
from django.conf import settings
from django.test import Client

from careloop import testing
from careloop.audit.models import AuditEvent

LOGIN = "/account/sign-in/"
PROXY = "10.0.0.2"
ALICE_HOME = "203.0.113.5"
BOB_HOME = "198.51.100.7"


def sign_in(client, email, password=testing.PASSWORD, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def through_proxy(client_ip):
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_ip}


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def test_it_refuses_a_locked_account_typed_in_another_case(client, clinician):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "clinician@alice.test", "wrong")
    for variant in ["CLINICIAN@alice.test", "Clinician@Alice.Test", " clinician@alice.test "]:
        response = sign_in(client, variant)
        assert response.status_code == 429, variant
    assert client.get("/dashboard/").status_code == 302


def test_case_variants_share_one_count_of_wrong_guesses(client, clinician):
    variants = [
        "clinician@alice.test",
        "CLINICIAN@alice.test",
        "Clinician@alice.test",
        "cLINICIAN@ALICE.TEST",
        "clinician@ALICE.test",
        "CLINICIAN@ALICE.TEST",
    ]
    answered = []
    for variant in variants:
        for _ in range(4):
            answered.append(sign_in(client, variant, "wrong").status_code)
    # The fifth wrong guess is answered by the lockout page; all later ones are too.
    limit = settings.AXES_FAILURE_LIMIT
    assert answered == [200] * (limit - 1) + [429] * (len(answered) - limit + 1)
    assert sign_in(client, "clinician@alice.test").status_code == 429


def test_behind_a_proxy_one_clients_failures_do_not_lock_out_another(
    client, clinician, behind_one_proxy
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "clinician@alice.test", "wrong", **through_proxy(ALICE_HOME))
    assert sign_in(Client(), "clinician@alice.test", **through_proxy(BOB_HOME)).status_code == 302
    assert sign_in(Client(), "clinician@alice.test", **through_proxy(ALICE_HOME)).status_code == 429


def test_behind_a_proxy_a_forged_forwarded_address_does_not_reset_the_count(
    client, clinician, behind_one_proxy
):
    # The client can write anything to the left of what the proxy appends.
    for n in range(settings.AXES_FAILURE_LIMIT):
        forged = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}, {ALICE_HOME}"}
        sign_in(client, "clinician@alice.test", "wrong", **forged)
    assert sign_in(Client(), "clinician@alice.test", **through_proxy(ALICE_HOME)).status_code == 429


def test_behind_a_proxy_the_audit_log_records_the_clients_address(
    client, owner, alice_practice, behind_one_proxy
):
    record = testing.make_client(alice_practice)
    client.force_login(owner)
    client.get(f"/clients/{record.uuid}/", **through_proxy(ALICE_HOME))
    assert AuditEvent.objects.get().ip_address == ALICE_HOME


def test_without_a_proxy_a_forwarded_header_is_not_believed(client, owner, alice_practice):
    record = testing.make_client(alice_practice)
    client.force_login(owner)
    client.get(f"/clients/{record.uuid}/", **through_proxy(ALICE_HOME))
    assert AuditEvent.objects.get().ip_address == PROXY
