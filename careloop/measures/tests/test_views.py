import re
from datetime import timedelta

import time_machine
from django.core import mail
from django.utils import timezone

from careloop import testing
from careloop.audit.models import AuditEvent
from careloop.measures.models import MeasureInvitation, MeasureResult


def gad7_post(*values, on="20/11/2026"):
    data = {f"item_{i + 1}": str(v) for i, v in enumerate(values) if v is not None}
    data["administered_on"] = on
    return data


def test_staff_enter_a_questionnaire_and_see_its_score(owner_client, alice_practice):
    client = testing.make_client(alice_practice)
    response = owner_client.post(
        f"/clients/{client.uuid}/measures/new/?measure=gad7", gad7_post(3, 3, 2, 2, 1, 2, 2)
    )
    result = MeasureResult.objects.get()
    assert response["Location"] == result.get_absolute_url()
    assert result.scores[0]["score"] == 15 and result.scores[0]["band"] == "Severe"
    assert (result.band_set, result.entered_by.email) == ("spitzer", "owner@alice.test")
    page = owner_client.get(result.get_absolute_url()).content.decode()
    assert "Severe" in page and "No permission required to reproduce" in page
    assert AuditEvent.objects.filter(client_uuid=client.uuid, action="create").exists()


def test_out_of_range_answers_are_refused(owner_client, alice_practice):
    client = testing.make_client(alice_practice)
    response = owner_client.post(
        f"/clients/{client.uuid}/measures/new/?measure=gad7",
        {**gad7_post(1, 1, 1, 1, 1, 1, 1), "item_3": "7"},
    )
    assert response.status_code == 400
    assert (
        "Select a valid choice" in response.content.decode()
        or "not one of the choices" in response.content.decode()
    )
    assert not MeasureResult.objects.exists()


def test_the_practices_k10_band_set_is_applied_and_recorded(owner_client, alice_practice):
    alice_practice.k10_band_set = "crufad"
    alice_practice.save()
    client = testing.make_client(alice_practice)
    data = {f"item_{n}": v for n, v in zip(range(1, 11), "2312213322", strict=True)}
    data["administered_on"] = "20/11/2026"
    owner_client.post(f"/clients/{client.uuid}/measures/new/?measure=k10", data)
    result = MeasureResult.objects.get()
    assert (result.band_set, result.scores[0]["score"], result.scores[0]["band"]) == (
        "crufad",
        21,
        "Likely to have a mild mental disorder",
    )


def test_the_client_page_shows_a_trend_chart_with_a_text_alternative(owner_client, alice_practice):
    client = testing.make_client(alice_practice)
    for on, values in (
        ("01/09/2026", (3, 3, 2, 2, 1, 2, 2)),
        ("01/10/2026", (2, 1, 2, 1, 0, 1, 1)),
        ("01/11/2026", (1, 0, 1, 0, 0, 1, 0)),
    ):
        owner_client.post(
            f"/clients/{client.uuid}/measures/new/?measure=gad7", gad7_post(*values, on=on)
        )
    page = owner_client.get(f"/clients/{client.uuid}/").content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'role="img"' in page
    assert "<polyline" in page
    assert "01/09/2026: total 15 (Severe); 01/10/2026: total 8 (Mild)" in page  # <desc>


def test_a_phq9_item_9_answer_raises_a_safety_alert(owner_client, alice_practice):
    client = testing.make_client(alice_practice)
    data = {f"item_{i + 1}": str(v) for i, v in enumerate((2, 2, 1, 2, 1, 1, 1, 0, 1))}
    data["administered_on"] = "20/11/2026"
    owner_client.post(f"/clients/{client.uuid}/measures/new/?measure=phq9", data)
    page = owner_client.get(f"/clients/{client.uuid}/").content.decode()
    assert "Safety alert:" in page and "follow up with the client today" in page


def test_a_client_completes_a_questionnaire_from_a_link_once(
    client, owner_client, alice_practice, django_capture_on_commit_callbacks
):
    person = testing.make_client(alice_practice, email="mia@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        invited = owner_client.post(
            f"/clients/{person.uuid}/measures/invite/", {"measure": "gad7", "email": "1"}
        )
    link = invited.context["link"]
    assert mail.outbox[0].to == ["mia@example.com"]
    # The e-mail's link is made by the job, on the address staff used: it opens the
    # same questionnaire as the one on the page.
    emailed = re.search(r"http://testserver(/\S+)", mail.outbox[0].body)[1]
    assert client.get(emailed).status_code == 200
    path = link.split("testserver", 1)[1]
    form = client.get(path)  # no account
    assert form.status_code == 200 and "Send my answers" in form.content.decode()
    done = client.post(path, {f"item_{n}": "1" for n in range(1, 8)})
    assert "Thank you" in done.content.decode()
    result = MeasureResult.objects.get()
    assert result.completed_by_client and result.scores[0]["score"] == 7
    assert MeasureInvitation.objects.get().completed_at is not None
    assert client.get(path).status_code == 410  # used


def test_an_expired_or_forged_link_is_refused(client, owner_client, alice_practice):
    person = testing.make_client(alice_practice)
    link = owner_client.post(
        f"/clients/{person.uuid}/measures/invite/", {"measure": "k10"}
    ).context["link"]
    path = link.split("testserver", 1)[1]
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert client.get(path).status_code == 410
    assert client.get("/m/forged-token/").status_code == 410
    assert not MeasureResult.objects.exists()
