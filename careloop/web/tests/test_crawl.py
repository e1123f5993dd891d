"""Follow every link a signed-in user can reach, as a crawler would: no page may fail
or link somewhere that does not exist."""

import re
from datetime import timedelta
from urllib.parse import urldefrag, urljoin, urlparse

from django.utils import timezone

from careloop import testing
from careloop.consent.models import Consent
from careloop.letters import actions as letters
from careloop.measures.actions import record_result
from careloop.outreach.models import Activity, OutreachEvent, OutreachTask
from careloop.practices.models import Profession, Role
from careloop.referrals import actions as referral_actions

LINK = re.compile(r'href="([^"#]+)"')
SKIP = ("/account/sign-out/", "/static/", "mailto:", "tel:")


def populate(practice):
    clinician = testing.make_user(practice, Role.CLINICIAN, profession=Profession.PSYCHOLOGIST)
    admin = testing.make_user(practice, Role.ADMIN)
    doctor = testing.make_doctor(
        practice,
        email="gp@bay.example",
        medical_practices=[testing.make_medical_practice(practice)],
    )
    person = testing.make_client(practice, email="mia@example.com")
    referral = testing.make_referral(
        practice,
        client=person,
        doctor=doctor,
        sessions_referred=1,
        referral_date=timezone.localdate() - timedelta(days=30),
    )
    referral_actions.receive(referral)
    testing.make_document(referral)
    testing.make_document(None, practice=practice)  # a scanned letter not yet typed
    testing.make_session(
        practice,
        client=person,
        clinician=clinician,
        referral=referral,
        status="attended",
        starts_at=timezone.now() - timedelta(days=3),
    )
    record_result(person, "phq9", dict.fromkeys(range(1, 10), 1), on=timezone.localdate())
    Consent.objects.create(
        practice=practice,
        client=person,
        referral=referral,
        scopes=["progress"],
        method="verbal",
        obtained_on=timezone.localdate(),
        recorded_by=admin,
    )
    referral_actions.request_clarification(referral, by=admin)
    letters.create_due_drafts(practice)
    event = OutreachEvent.objects.create(
        practice=practice,
        name="GP education evening",
        starts_on=timezone.localdate(),
        talk_title="Anxiety in teenagers",
        talk_status="proposed",
    )
    Activity.objects.create(
        practice=practice,
        kind="event",
        event=event,
        doctor=doctor,
        occurred_on=timezone.localdate(),
        next_step="Send the leave-behind",
    )
    OutreachTask.objects.create(
        practice=practice,
        source="next_step",
        title="Send the leave-behind",
        doctor=doctor,
        due_on=timezone.localdate(),
    )
    return clinician


def crawl(client, start: str, limit: int = 600, on_page=None) -> tuple[dict, list]:
    seen: dict[str, int] = {}
    queue, problems = [start], []
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code >= 500 or response.status_code == 404:
            problems.append((url, response.status_code))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        if on_page is not None:
            on_page(url, response.content.decode())
        for href in LINK.findall(response.content.decode()):
            target = urldefrag(urljoin(url, href.replace("&amp;", "&")))[0]
            parsed = urlparse(target)
            if parsed.netloc or target.startswith(SKIP) or not target.startswith("/"):
                continue
            if target not in seen:
                queue.append(target)
    return seen, problems


def test_every_page_an_owner_can_reach_works(owner_client, alice_practice):
    populate(alice_practice)
    seen, problems = crawl(owner_client, "/dashboard/")
    assert problems == []
    assert len(seen) > 40  # it did crawl: lists, details, forms, letters, consent, measures
    for area in (
        "/letters/",
        "/clients/",
        "/referrals/",
        "/sessions/",
        "/doctors/",
        "/medical-practices/",
        "/audit/",
        "/practice/",
        "/outreach/tasks/",
        "/outreach/doctors/",
        "/outreach/medical-practices/",
        "/outreach/events/",
        "/outreach/calendar/",
    ):
        assert any(url.startswith(area) for url in seen), area


def test_every_page_a_clinician_can_reach_works(client, alice_practice):
    clinician = populate(alice_practice)
    client.force_login(clinician)
    seen, problems = crawl(client, "/dashboard/")
    assert problems == []
    assert any("/note/" in url and code == 200 for url, code in seen.items())


def test_every_page_reception_can_reach_works_and_notes_stay_closed(client, alice_practice):
    populate(alice_practice)
    admin = testing.make_user(alice_practice, Role.ADMIN)
    client.force_login(admin)
    seen, problems = crawl(client, "/dashboard/")
    assert problems == []
    assert not any("/note/" in url and code == 200 for url, code in seen.items())
