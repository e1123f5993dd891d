"""No page without an object in its address shows another practice's records.

The pages come from the URL conf itself: every signed-in page whose address names
no object (lists, the dashboard, the audit log, forms with choices) is fetched as
Alice's owner, plain, searched for Bob's records, and as an htmx partial. Each
practice's records carry a marker in their names; Bob's marker must never appear.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from careloop import testing
from careloop.audit.models import AuditEvent
from careloop.letters.models import Letter
from careloop.measures.actions import record_result
from careloop.measures.models import RiskAlert
from careloop.practices.models import Role
from careloop.web.lists import PracticeListView

ALICE_MARK = "Quillfeather"
BOB_MARK = "Zebrawood"


def pages_without_an_object():
    """(url name, path, view) for every signed-in URL with nothing variable in it."""
    found = []

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                private = getattr(entry.callback, "login_required", True)
                if "<" not in route and private and entry.name != "logout":
                    name = f"{namespace}:{entry.name}" if namespace else entry.name
                    found.append((name, "/" + route, entry.callback))

    walk(get_resolver().url_patterns, "", None)
    return found


PAGES = pages_without_an_object()


def is_list(view) -> bool:
    return issubclass(getattr(view, "view_class", object), PracticeListView)


def seed(practice, mark: str) -> None:
    """Records of every kind a page lists, each named with `mark`."""
    clinician = testing.make_user(practice, Role.CLINICIAN, full_name=f"Clare {mark}")
    medical_practice = testing.make_medical_practice(practice, name=f"{mark} Medical Centre")
    doctor = testing.make_doctor(practice, [medical_practice], family_name=f"{mark}doc")
    client = testing.make_client(practice, family_name=mark, usual_gp=doctor)
    referral = testing.make_referral(practice, client=client, doctor=doctor)
    testing.make_referral(practice, client=testing.make_client(practice, family_name=f"{mark}new"))
    testing.make_session(practice, client=client, clinician=clinician)
    # The sessions list opens on today's sessions.
    testing.make_session(practice, client=client, clinician=clinician, starts_at=timezone.now())
    Letter.objects.create(
        practice=practice, client=client, referral=referral, doctor=doctor, kind="end_of_course"
    )
    result = record_result(client, "phq9", dict.fromkeys(range(1, 10), 2), on=timezone.localdate())
    RiskAlert.objects.create(
        practice=practice,
        client=client,
        result=result,
        flag_code="self_harm",
        label="Item 9",
        clinician=clinician,
    )
    from careloop.enquiries.models import Enquiry

    Enquiry.objects.create(
        practice=practice,
        name=f"Sam {mark}",
        phone="0491 570 156",
        looking_for="Help with anxiety",
        consent_given_at=timezone.now(),
    )
    AuditEvent.objects.create(
        practice=practice,
        actor=clinician,
        actor_label=str(clinician),
        action="view",
        object_type="client",
        object_uuid=client.uuid,
        object_label=str(client),
        client_uuid=client.uuid,
    )


def test_the_url_conf_has_lists_to_check():
    # Guards the generator: if it found nothing, the test below would pass vacuously.
    lists = {name for name, _, view in PAGES if is_list(view)}
    assert {"clients:list", "referrals:list", "therapy:list", "directory:doctor_list"} <= lists
    assert {"dashboard", "letters:due", "referrals:create"} <= {name for name, _, _ in PAGES}


@pytest.mark.parametrize(("name", "path", "view"), PAGES, ids=[p[0] for p in PAGES])
def test_a_page_shows_only_the_practices_own_records(
    name, path, view, owner_client, alice_practice, bob_practice
):
    seed(alice_practice, ALICE_MARK)
    seed(bob_practice, BOB_MARK)

    response = owner_client.get(path)
    # A PDF (the leave-behind) is checked as text too: its words are in its content.
    page = response.content.decode(errors="replace")
    assert BOB_MARK not in page, f"{path} shows another practice's records"
    if not is_list(view):
        return

    # A list must show the practice's own records, or this check proves nothing.
    assert response.status_code == 200, path
    assert ALICE_MARK in page, f"{path} shows none of the practice's own records"
    shown = list(response.context["object_list"])
    assert {getattr(obj, "practice_id", None) for obj in shown} == {alice_practice.pk}, path
    # Searching for the other practice's records finds nothing (the search box echoes
    # the words, so the rows are checked rather than the page).
    assert list(owner_client.get(path, {"q": BOB_MARK}).context["object_list"]) == [], path
    assert list(owner_client.get(path, {"q": ALICE_MARK}).context["object_list"]), path
    partial = owner_client.get(path, headers={"HX-Request": "true"}).content.decode()
    assert ALICE_MARK in partial and BOB_MARK not in partial, path
