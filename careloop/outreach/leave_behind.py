"""The one-page leave-behind for doctors: who we help, how soon, and how to refer.

One for the practice and one per clinician, on the letters' letterhead, rendered by
WeasyPrint. A PDF takes about a second to make, so each is kept on disk under the hash
of its HTML: the same content is served from the file, and any change (a new wait
time, a new logo) makes a new one. No stale copy is ever served, and no job is needed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import segno
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from careloop.audit.actions import Via, record_change
from careloop.practices.models import Practice, User, clinicians_of
from careloop.web.pdf import html_to_pdf

from .messages import referral_link
from .models import ClinicianLeaveBehind, OutreachSettings
from .prospects import outreach_settings


def _qr(url: str) -> str:
    # Inline SVG: sharp on any printer or fax, as on the letters.
    return mark_safe(segno.make(url, error="m").svg_inline(scale=2, border=0))  # noqa: S308 - segno's own SVG, no user text


def _clinician_rows(practice: Practice, only: User | None = None) -> list[dict]:
    people = clinicians_of(practice).select_related("clinician_profile")
    if only is not None:
        people = people.filter(pk=only.pk)
    people = people.prefetch_related("clinician_profile__niches")
    ideal = dict(
        ClinicianLeaveBehind.objects.filter(practice=practice).values_list(
            "clinician_id", "ideal_clients"
        )
    )
    rows = []
    for person in people:
        profile = getattr(person, "clinician_profile", None)
        if profile is None:
            continue
        rows.append(
            {
                "name": person.full_name,
                "profession": profile.get_profession_display(),
                "niches": [n.name for n in profile.niches.all()],
                "accepting": profile.accepting_referrals,
                "wait_days": profile.current_wait_days,
                "urgent": profile.urgent_slots_this_week,
                "provider_number": profile.provider_number,
                "ideal_clients": ideal.get(person.pk, ""),
            }
        )
    return rows


def leave_behind_context(practice: Practice, clinician: User | None = None) -> dict:
    outreach = outreach_settings(practice)
    link = referral_link(practice)
    clinicians = _clinician_rows(practice, clinician)
    accepting = [c for c in clinicians if c["accepting"]]
    waits = [c["wait_days"] for c in accepting if c["wait_days"] is not None]
    person = clinicians[0] if clinician is not None and clinicians else None
    niches = person["niches"] if person else [n.name for n in practice.niches.all()]
    ideal = (person["ideal_clients"] if person else "") or outreach.ideal_clients
    return {
        "practice": practice,
        "clinician": person,
        "clinicians": clinicians,
        "niches": niches,
        "ideal_clients": ideal,
        "accepting": bool(accepting),
        "shortest_wait": min(waits) if waits else None,
        "urgent_slots": sum(c["urgent"] for c in accepting),
        "secure_messaging_address": outreach.secure_messaging_address,
        "referral_url": link,
        "referral_display": link.split("://", 1)[-1],
        "referral_qr": _qr(link),
        "today": timezone.localdate(),
    }


def render_html(practice: Practice, clinician: User | None = None) -> str:
    return render_to_string("outreach/leave_behind.html", leave_behind_context(practice, clinician))


def _cache_dir(practice: Practice) -> Path:
    folder = Path(settings.DATA_DIR) / "cache" / "leave-behind" / practice.slug
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def generate_pdf(practice: Practice, clinician: User | None = None) -> tuple[str, bytes]:
    """(filename, bytes) of the leave-behind, from the cache when its content is unchanged."""
    html = render_html(practice, clinician)
    digest = hashlib.sha256(html.encode()).hexdigest()[:32]
    who = slugify(clinician.full_name) if clinician is not None else "practice"
    name = f"{practice.slug}-{who or 'clinician'}-leave-behind.pdf"
    cached = _cache_dir(practice) / f"{digest}.pdf"
    if cached.exists():
        return name, cached.read_bytes()
    pdf = html_to_pdf(html)
    # Written aside then renamed: a reader never sees half a file.
    partial = cached.with_suffix(f".{timezone.now().timestamp()}.part")
    partial.write_bytes(pdf)
    partial.replace(cached)
    return name, pdf


def save_details(
    practice: Practice, *, ideal_clients: str, secure_messaging_address: str, by, via: Via
) -> OutreachSettings:
    """What the practice's leave-behind says about who it helps and where to refer."""
    with transaction.atomic():
        row, created = OutreachSettings.objects.get_or_create(practice=practice)
        row.ideal_clients = ideal_clients
        row.secure_messaging_address = secure_messaging_address
        row.save(update_fields=["ideal_clients", "secure_messaging_address", "updated_at"])
        record_change(
            row,
            by=by,
            via=via,
            client=None,
            created=created,
            changed_fields=["ideal_clients", "secure_messaging_address"],
        )
    return row
