"""Another practice's objects answer 404 at every URL that names an object.

The URLs come from the URL conf itself, so a new page with an object in its
address is covered the day it is added; if it names a kind of object this test
does not know, the test fails until the kind is added to `world` below. Pages with
no object in their address (lists, the dashboard) are checked in
test_isolation_lists.py, also found from the URL conf.
"""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import UUIDConverter
from django.utils import timezone

from careloop import testing
from careloop.consent.models import Consent
from careloop.letters.models import Delivery, Letter
from careloop.measures.actions import record_result
from careloop.outreach.models import OutreachEvent, OutreachTask
from careloop.practices.models import Role
from careloop.referrals.models import ClarificationRequest


def uuid_patterns():
    """(url name, route, uuid kwarg names) for every URL with a uuid in it."""
    found = []

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                converters = getattr(entry.pattern, "converters", {})
                names = sorted(k for k, c in converters.items() if isinstance(c, UUIDConverter))
                if names:
                    name = f"{namespace}:{entry.name}" if namespace else entry.name
                    found.append((name, prefix + str(entry.pattern), names))

    walk(get_resolver().url_patterns, "", None)
    return found


UUID_PATTERNS = uuid_patterns()


def world(practice):
    """One object of every kind that a URL can name, all in `practice`."""
    client = testing.make_client(practice)
    referral = testing.make_referral(practice, client=client)
    clarification = ClarificationRequest.objects.create(
        practice=practice,
        referral=referral,
        items=["the number of sessions"],
        sent_at=timezone.now(),
    )
    result = record_result(client, "gad7", dict.fromkeys(range(1, 8), 1), on=timezone.localdate())
    from django.core.files.base import ContentFile

    consent = Consent.objects.create(
        practice=practice,
        client=client,
        referral=referral,
        scopes=["status"],
        method="verbal",
        obtained_on=timezone.localdate(),
        recorded_by=testing.make_user(practice, Role.ADMIN),
    )
    consent.signed_copy.save("consent.pdf", ContentFile(testing.PDF_BYTES), save=True)
    letter = Letter.objects.create(
        practice=practice,
        client=client,
        referral=referral,
        doctor=referral.referring_doctor,
        kind="end_of_course",
    )
    delivery = Delivery.objects.create(
        practice=practice,
        letter=letter,
        channel="print",
        status="to_print",
        next_attempt_at=timezone.now(),
    )
    from careloop.measures.models import RiskAlert

    alert = RiskAlert.objects.create(
        practice=practice, client=client, result=result, flag_code="self_harm", label="Item 9"
    )
    from careloop.enquiries.models import Enquiry

    enquiry = Enquiry.objects.create(
        practice=practice,
        name="Mia Nguyen",
        phone="0491 570 156",
        looking_for="Help with anxiety",
        consent_given_at=timezone.now(),
    )
    return {
        "enquiry": enquiry,
        "alert": alert,
        "delivery": delivery,
        "letter": letter,
        "consent": consent,
        "result": result,
        "clarification": clarification,
        "client": client,
        "referral": referral,
        "document": testing.make_document(referral),
        "session": testing.make_session(practice, client=client),
        "doctor": testing.make_doctor(practice),
        "medical_practice": testing.make_medical_practice(practice),
        "member": testing.make_user(practice, Role.ADMIN),
        "report": _access_report(client),
        # A clinician, whose openings have a page of their own.
        "user": testing.make_user(practice, Role.CLINICIAN),
        "task": OutreachTask.objects.create(
            practice=practice,
            source="next_step",
            title="Call",
            doctor=referral.referring_doctor,
            due_on=timezone.localdate(),
        ),
        "event": OutreachEvent.objects.create(
            practice=practice, name="GP evening", starts_on=timezone.localdate()
        ),
        **outreach_world(practice),
        **_website(practice),
    }


def _website(practice):
    from careloop.audit.actions import COMMAND
    from careloop.publicsite import actions as website

    clinician = testing.make_user(practice, Role.CLINICIAN)
    owner = testing.make_user(practice, Role.OWNER)
    return {
        "site": website.site_of(practice),
        "page": website.page_of(clinician),
        "article": website.save_article_draft(
            None, {"title": "Post", "body_md": "Text"}, practice=practice, by=owner, via=COMMAND
        ),
    }


def outreach_world(practice) -> dict:
    from careloop.audit.actions import COMMAND
    from careloop.outreach.models import OutreachMessage
    from careloop.outreach.visits import plan_visit_day

    plan = plan_visit_day(
        practice,
        [testing.make_medical_practice(practice)],
        planned_for=timezone.localdate(),
        by=None,
        via=COMMAND,
    )
    printed = OutreachMessage.objects.create(
        practice=practice,
        kind="introduction",
        doctor=testing.make_doctor(practice),
        batch_key="",
        subject="Hello",
        body="Dear Doctor",
        channel="print",
    )
    # A send's printed letters are found by its batch key, the form's uuid.
    OutreachMessage.objects.filter(pk=printed.pk).update(batch_key=str(printed.uuid))
    return {
        "plan": plan,
        "stop": plan.stops.get(),
        "clinician": testing.make_user(practice, Role.CLINICIAN),
        "batch": printed,
    }


def _access_report(client):
    from django.core.files.base import ContentFile

    from careloop.records.models import AccessReport

    report = AccessReport.objects.create(
        practice=client.practice,
        client=client,
        requested_by=testing.make_user(client.practice, Role.OWNER),
        status="ready",
    )
    report.pdf.save("access.pdf", ContentFile(testing.PDF_BYTES), save=False)
    report.data.save("access.json", ContentFile(b"{}"), save=True)
    return report


def url_for(route: str, objects: dict) -> str:
    path = "/" + route
    for name, obj in objects.items():
        path = path.replace(f"<uuid:{name}>", str(obj.uuid))
    return path


def test_the_url_conf_has_object_urls_to_check():
    # Guards the generator itself: if it found nothing, the tests below would pass vacuously.
    names = {name for name, _, _ in UUID_PATTERNS}
    assert {"clients:detail", "referrals:document", "directory:doctor_edit"} <= names


@pytest.mark.parametrize(
    ("name", "route", "kwargs"), UUID_PATTERNS, ids=[p[0] for p in UUID_PATTERNS]
)
def test_another_practices_object_answers_404(
    name, route, kwargs, owner_client, alice_practice, bob_practice
):
    own = world(alice_practice)
    theirs = world(bob_practice)
    unknown = set(kwargs) - set(theirs)
    assert not unknown, f"Add {unknown} to world() so {name} is checked"

    own_url = url_for(route, {k: own[k] for k in kwargs})
    assert owner_client.get(own_url).status_code != 404, f"{own_url} should exist for its owner"

    their_url = url_for(route, {k: theirs[k] for k in kwargs})
    before = {k: type(theirs[k]).objects.get(pk=theirs[k].pk).__dict__.copy() for k in kwargs}
    assert owner_client.get(their_url).status_code == 404
    assert owner_client.post(their_url, {"given_name": "Changed"}).status_code == 404
    for k in kwargs:
        after = type(theirs[k]).objects.get(pk=theirs[k].pk).__dict__
        assert {f: v for f, v in after.items() if f != "_state"} == {
            f: v for f, v in before[k].items() if f != "_state"
        }, f"{name} changed another practice's {k}"

    # A well-formed id that exists nowhere is the same 404 (nothing to tell them apart).
    random_url = url_for(route, {k: type("X", (), {"uuid": uuid.uuid4()}) for k in kwargs})
    assert owner_client.get(random_url).status_code == 404


def test_a_mixed_url_does_not_leak_a_document_through_an_own_referral(
    owner_client, alice_practice, bob_practice
):
    own = world(alice_practice)
    theirs = world(bob_practice)
    url = f"/referrals/{own['referral'].uuid}/documents/{theirs['document'].uuid}/"
    assert owner_client.get(url).status_code == 404


def test_forms_offer_only_the_practices_own_choices(owner_client, alice_practice, bob_practice):
    world(alice_practice)
    theirs = world(bob_practice)
    form = owner_client.get("/referrals/new/").context["form"]
    assert theirs["client"] not in form.fields["client"].queryset
    assert theirs["doctor"] not in form.fields["referring_doctor"].queryset
    # And a forged POST naming them is refused, not saved.
    response = owner_client.post(
        "/referrals/new/",
        {
            "client": theirs["client"].uuid,
            "referring_doctor": theirs["doctor"].uuid,
            "referral_date": "01/11/2026",
            "basis": "mhtp",
            "sessions_referred": 6,
        },
    )
    assert response.status_code == 400
    assert "is not one of the choices" in response.content.decode()
