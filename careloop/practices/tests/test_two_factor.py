import base64
import re
from datetime import timedelta

import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from careloop import testing
from careloop.audit.models import AuditEvent


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def set_up_two_factor(client, user) -> TOTPDevice:
    client.get("/account/two-factor/setup/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/account/two-factor/setup/", {"token": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_it_sets_up_an_authenticator_with_a_qr_code(owner_client, owner):
    page = owner_client.get("/account/two-factor/setup/").content.decode()
    assert 'src="data:image/svg+xml' in page
    assert "QR code" in page
    set_up_two_factor(owner_client, owner)


def test_a_wrong_setup_code_is_refused_and_nothing_is_turned_on(owner_client, owner):
    owner_client.get("/account/two-factor/setup/")
    response = owner_client.post("/account/two-factor/setup/", {"token": "000000"})
    assert response.status_code == 400
    assert "does not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=owner, confirmed=True).exists()


def test_after_the_password_it_asks_for_the_code(client, owner):
    client.force_login(owner)
    device = set_up_two_factor(client, owner)
    client.post("/account/sign-out/")

    client.post("/account/sign-in/", {"username": owner.email, "password": testing.PASSWORD})
    response = client.get("/clients/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/")

    start = timezone.now()
    with time_machine.travel(start + timedelta(seconds=31)):
        assert client.post("/account/two-factor/", {"token": "123456"}).status_code == 400
        response = client.post("/account/two-factor/", {"token": current_code(device)})
        assert "Too many wrong codes" in response.content.decode()  # throttled after a miss
    with time_machine.travel(start + timedelta(seconds=65)):
        response = client.post(
            "/account/two-factor/?next=/clients/",
            {"token": current_code(device), "next": "/clients/"},
        )
        assert response["Location"] == "/clients/"
        assert client.get("/clients/").status_code == 200


def test_a_practice_can_require_two_factor(client, owner, alice_practice):
    alice_practice.require_two_factor = True
    alice_practice.save()
    client.force_login(owner)
    response = client.get("/clients/")
    assert response["Location"] == "/account/two-factor/setup/"
    assert "requires a code" in client.get("/account/two-factor/setup/").content.decode()
    # And it cannot be turned off while required.
    set_up_two_factor(client, owner)
    client.post("/account/two-factor/disable/")
    assert TOTPDevice.objects.filter(user=owner, confirmed=True).exists()


def test_the_owner_turns_the_requirement_on_in_practice_settings(owner_client, alice_practice):
    response = owner_client.post(
        "/practice/",
        {
            "name": alice_practice.name,
            "abn": alice_practice.abn,
            "state": "NSW",
            "time_zone": "Australia/Sydney",
            "require_two_factor": "on",
            "acknowledge_within_days": "1",
            "contact_within_days": "2",
            "k10_band_set": "abs",
        },
    )
    assert response.status_code == 302
    alice_practice.refresh_from_db()
    assert alice_practice.require_two_factor


def backup_codes_shown(client) -> list[str]:
    page = client.get("/account/two-factor/backup-codes/").content.decode()
    return re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", page)


def test_the_key_to_type_in_is_base32_in_groups_of_four(owner_client, owner):
    page = owner_client.get("/account/two-factor/setup/").content.decode()
    device = TOTPDevice.objects.get(user=owner, confirmed=False)
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    grouped = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
    assert f'<code class="secret">{grouped}</code>' in page
    assert device.bin_key.hex() not in page


def test_setup_shows_ten_backup_codes_once(owner_client, owner):
    set_up_two_factor(owner_client, owner)
    codes = backup_codes_shown(owner_client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert backup_codes_shown(owner_client) == []  # not shown a second time
    assert StaticToken.objects.filter(device__user=owner).count() == 10


def test_a_backup_code_signs_in_once(client, owner):
    client.force_login(owner)
    device = set_up_two_factor(client, owner)
    code = backup_codes_shown(client)[0]
    client.post("/account/sign-out/")

    client.post("/account/sign-in/", {"username": owner.email, "password": testing.PASSWORD})
    response = client.post("/account/two-factor/", {"token": code.upper().replace("-", " ")})
    assert response.status_code == 302
    assert client.get("/clients/").status_code == 200
    client.post("/account/sign-out/")

    client.post("/account/sign-in/", {"username": owner.email, "password": testing.PASSWORD})
    response = client.post("/account/two-factor/", {"token": code})
    assert response.status_code == 400
    assert "A backup code works only once" in response.content.decode()
    # The failed backup code did not slow down the app's codes.
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        response = client.post("/account/two-factor/", {"token": current_code(device)})
        assert response.status_code == 302


def test_new_backup_codes_replace_the_old_ones_and_are_audited(client, owner):
    client.force_login(owner)
    set_up_two_factor(client, owner)
    old = backup_codes_shown(client)
    response = client.post("/account/two-factor/backup-codes/")
    assert response["Location"] == "/account/two-factor/backup-codes/"
    new = backup_codes_shown(client)
    assert len(new) == 10 and not set(old) & set(new)
    assert StaticToken.objects.filter(device__user=owner).count() == 10
    labels = list(
        AuditEvent.objects.filter(object_uuid=owner.uuid).values_list("object_label", flat=True)
    )
    assert f"{owner}: set up" in labels
    assert f"{owner}: backup codes replaced" in labels


def test_turning_two_factor_off_removes_backup_codes_and_is_audited(owner_client, owner):
    set_up_two_factor(owner_client, owner)
    owner_client.post("/account/two-factor/disable/")
    assert not StaticToken.objects.filter(device__user=owner).exists()
    event = AuditEvent.objects.filter(object_uuid=owner.uuid).order_by("-id").first()
    assert event.object_label == f"{owner}: turned off"
    assert event.object_type == "two-factor sign-in"
    assert event.practice == owner.practice and event.client_uuid is None
