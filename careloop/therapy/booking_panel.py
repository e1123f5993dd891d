"""What Medicare would pay for a session being booked or recorded."""

from django.utils import timezone

from careloop.clients.models import Client
from careloop.entitlements import engine
from careloop.entitlements.schedule import Schedule
from careloop.practices.models import clinicians_of
from careloop.practices.scoping import scoped_or_none
from careloop.referrals.validity import facts_of, missing_items
from careloop.therapy.entitlements import evaluate_client, profession_of

from .forms import TherapySessionForm


def _clean(form, name):
    field = form.fields[name]
    try:
        return field.clean(form.data.get(form.add_prefix(name)))
    except Exception:  # an unfinished field: no answer yet, not an error
        return None


def booking_panel(practice, data, *, editing=None) -> dict:
    """The panel's context for the form's current values (a bound or initial form)."""
    form = TherapySessionForm(data, practice=practice, instance=editing)
    client = scoped_or_none(Client.objects.all(), practice, data.get("client"))
    if client is None:
        return {"panel_client": None}
    clinician = (
        clinicians_of(practice).filter(uuid=data.get("clinician") or None).first()
        if data.get("clinician")
        else None
    )
    starts_at = _clean(form, "starts_at")
    session_type = data.get("session_type") or "individual"
    profession = profession_of(clinician)
    proposed = None
    if starts_at and session_type in ("individual", "group", "family_carer"):
        day = timezone.localtime(starts_at, practice.zoneinfo).date()
        proposed = engine.Service(date=day, type=session_type)
    entitlement = evaluate_client(
        client,
        as_of=proposed.date if proposed else None,
        provider=profession,
        proposed=proposed,
        exclude_session=editing,
    )
    price = None
    if proposed and profession:
        minutes = _clean(form, "duration_minutes") or 0
        price = Schedule().price(
            profession=profession,
            session_type=session_type,
            modality=data.get("modality") or "in_rooms",
            minutes=minutes,
            on=proposed.date,
        )
    # The engine counts sessions; whether the referral itself is valid is the Medicare
    # check's question. A rebate drawn on an incomplete referral is only a promise.
    drawn_on = (entitlement.proposed or {}).get("referral_obj")
    incomplete = (
        missing_items(facts_of(drawn_on))
        if drawn_on is not None and (entitlement.proposed or {}).get("rebatable")
        else []
    )
    return {
        "panel_client": client,
        "entitlement": entitlement,
        "referral_incomplete": incomplete,
        "clinician": clinician,
        "price": price,
        "has_proposal": proposed is not None,
    }


def initial_data(form) -> dict:
    """The form's initial values as the strings a browser would send."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "uuid"):
            value = str(value.uuid)
        elif hasattr(value, "strftime"):
            value = (
                timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
                if hasattr(value, "hour")
                else value.strftime("%d/%m/%Y")
            )
        if value is not None:
            data[name] = str(value)
    return data
