"""Who to visit next, from the database: the facts `ranking.py` orders.

A constant number of queries whatever the directory's size: the medical practices in
a bounding box around the practice (indexed comparisons in SQL), the doctors who work
there, and three grouped aggregates (referrals per doctor, activities per doctor and
per medical practice). Exact distances are computed in Python for the rows in the box.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from careloop.directory.models import Doctor, MedicalPractice
from careloop.referrals.models import Referral

from . import ranking, stages
from .models import Activity, NicheReach, OutreachSettings
from .ranking import ContactFacts, Prospect, Reach, StageFunction


def rhythm_stage(facts: ContactFacts, today: date) -> str:
    """The relationship stage of outreach/stages.py, the one the relationship page
    shows: lapsing judged from the doctor's own rhythm. A doctor heard from within
    stages.MIN_SILENCE_DAYS cannot have lapsed, so only the quieter ones need their
    referral dates."""
    if facts.do_not_contact:
        return ranking.DO_NOT_CONTACT
    if facts.referrals:
        silent = facts.last_referral is not None and (
            (today - facts.last_referral).days > stages.MIN_SILENCE_DAYS
        )
        if not silent or not facts.referral_dates:
            return ranking.REFERRING
        verdict = stages.stage_of(
            stages.StageFacts(today=today, referral_dates=facts.referral_dates)
        )
        return ranking.LAPSED if verdict.stage == ranking.LAPSED else ranking.REFERRING
    if facts.activities:
        return ranking.INTRODUCED
    return ranking.NOT_CONTACTED


def stage_function() -> StageFunction:
    """The relationship stage used for ranking: the relationship page's own rule."""
    return rhythm_stage


def outreach_settings(practice) -> OutreachSettings:
    """The practice's settings, or the defaults (unsaved) when it has none yet."""
    found = OutreachSettings.objects.filter(practice=practice).first()
    return found or OutreachSettings(practice=practice)


def reach_of(practice) -> Reach:
    settings = outreach_settings(practice)
    niche_km: dict[str, float] = {}
    names: dict[str, str] = {}
    for reach in NicheReach.objects.filter(practice=practice).select_related("niche"):
        niche_km[reach.niche.code] = float(reach.radius_km)
        names[reach.niche.code] = reach.niche.name
    for niche in practice.niches.all():
        names.setdefault(niche.code, niche.name)
    return Reach(general_km=float(settings.general_radius_km), niche_km=niche_km, niche_names=names)


def origin_of(practice) -> tuple[float, float] | None:
    if practice.latitude is None or practice.longitude is None:
        return None
    return float(practice.latitude), float(practice.longitude)


@dataclass
class Search:
    niche: str | None = None  # a niche code
    radius_km: float | None = None  # overrides the reach
    stage: str | None = None
    who: str | None = None  # "doctor", "medical_practice" or None for both


@dataclass
class Result:
    prospects: list[Prospect]
    reach: Reach
    origin: tuple[float, float] | None
    radius_km: float
    niches: list[tuple[str, str]] = field(default_factory=list)  # the practice's (code, name)


def find_prospects(practice, search: Search | None = None, *, today: date | None = None) -> Result:
    search = search or Search()
    today = today or timezone.localdate()
    reach = reach_of(practice)
    practice_niches = sorted(reach.niche_names.items(), key=lambda item: item[1])
    niche_codes = [code for code, _ in practice_niches]
    radius = search.radius_km or reach.radius_for(search.niche)
    origin = origin_of(practice)
    if origin is None:
        return Result([], reach, None, radius, practice_niches)

    min_lat, max_lat, min_lon, max_lon = ranking.bounding_box(*origin, radius)
    in_box = {
        "latitude__gte": min_lat,
        "latitude__lte": max_lat,
        "longitude__gte": min_lon,
        "longitude__lte": max_lon,
    }
    medical_practices: dict[int, dict[str, Any]] = {}
    for found in MedicalPractice.objects.filter(practice=practice, **in_box).values(
        "id",
        "name",
        "suburb",
        "latitude",
        "longitude",
        "outreach_preference__do_not_contact",
    ):
        row: dict[str, Any] = dict(found)
        distance = ranking.haversine_km(*origin, float(row["latitude"]), float(row["longitude"]))
        # An explicit radius widens (or narrows) the search as the person asked;
        # otherwise each niche's own reach decides.
        wanted = search.radius_km is not None or ranking.in_reach(
            distance, reach, search.niche, niche_codes
        )
        if distance <= radius and wanted:
            row["distance"] = distance
            medical_practices[row["id"]] = row

    works_at: dict[int, list[int]] = defaultdict(list)
    # The doctors' links to the medical practices in the box, by a join on the same
    # box (a list of thousands of ids as query parameters is slow to build).
    links = Doctor.medical_practices.through.objects.filter(
        medicalpractice__practice=practice,
        **{f"medicalpractice__{key}": value for key, value in in_box.items()},
    )
    for doctor_id, mp_id in links.values_list("doctor_id", "medicalpractice_id"):
        if mp_id in medical_practices:
            works_at[doctor_id].append(mp_id)

    doctors = [
        row
        for row in Doctor.objects.filter(
            practice=practice, pk__in=links.values("doctor_id")
        ).values(
            # No uuid here (nor for the medical practices): converting thousands of them
            # costs more than the rest of the page; the shown rows get theirs in one more
            # query per kind (public_ids).
            "id",
            "title",
            "given_name",
            "family_name",
            "outreach_preference__do_not_contact",
        )
        if row["id"] in works_at
    ]

    referrals: dict[int, dict[str, Any]] = {
        row["referring_doctor"]: dict(row)
        for row in Referral.objects.filter(practice=practice)
        .order_by()
        .values("referring_doctor")
        .annotate(n=Count("pk"), last=Max("referral_date"))
    }
    # Only doctors quiet for longer than the shortest possible lapse need their whole
    # history to judge it: one query for those, whatever the directory's size.
    quiet_since = today - timedelta(days=stages.MIN_SILENCE_DAYS)
    quiet = [
        row["id"]
        for row in doctors
        if (referrals.get(row["id"]) or {}).get("last") is not None
        and referrals[row["id"]]["last"] < quiet_since
    ]
    referral_dates: dict[int, list[date]] = defaultdict(list)
    if quiet:
        for doctor_id, day in (
            Referral.objects.filter(practice=practice, referring_doctor_id__in=quiet)
            .order_by()
            .values_list("referring_doctor_id", "referral_date")
        ):
            referral_dates[doctor_id].append(day)
    activity = Activity.objects.filter(practice=practice).order_by()
    by_doctor: dict[int, dict[str, Any]] = {
        row["doctor"]: dict(row)
        for row in activity.filter(doctor__isnull=False)
        .values("doctor")
        .annotate(n=Count("pk"), last=Max("occurred_on"))
    }
    by_mp: dict[int, dict[str, Any]] = {
        row["medical_practice"]: dict(row)
        for row in activity.filter(medical_practice__isnull=False)
        .values("medical_practice")
        .annotate(n=Count("pk"), last=Max("occurred_on"))
    }

    stage_of = stage_function()
    prospects: list[Prospect] = []
    # Per medical practice, summed over its doctors.
    mp_totals: dict[int, dict] = {
        pk: {
            "referrals": 0,
            "activities": 0,
            "last_referral": None,
            "last_contact": None,
            "referral_dates": [],
        }
        for pk in medical_practices
    }

    for doctor in doctors:
        places = [medical_practices[pk] for pk in works_at[doctor["id"]]]
        open_places = [p for p in places if not p["outreach_preference__do_not_contact"]]
        referred: dict[str, Any] = referrals.get(doctor["id"], {})
        contacted: dict[str, Any] = by_doctor.get(doctor["id"], {})
        facts = ContactFacts(
            do_not_contact=bool(doctor["outreach_preference__do_not_contact"]) or not open_places,
            referrals=referred.get("n", 0),
            activities=contacted.get("n", 0),
            last_referral=referred.get("last"),
            referral_dates=tuple(referral_dates.get(doctor["id"], ())),
        )
        last_contact = _latest(contacted.get("last"), referred.get("last"))
        for place in places:
            totals = mp_totals[place["id"]]
            totals["referrals"] += facts.referrals
            totals["activities"] += facts.activities
            totals["last_referral"] = _latest(totals["last_referral"], facts.last_referral)
            totals["last_contact"] = _latest(totals["last_contact"], last_contact)
            totals["referral_dates"].extend(facts.referral_dates)
        if search.who == "medical_practice":
            continue
        nearest = min(open_places or places, key=lambda p: p["distance"])
        prospects.append(
            Prospect(
                kind="doctor",
                key=doctor["id"],
                name=" ".join(
                    p for p in (doctor["title"], doctor["given_name"], doctor["family_name"]) if p
                ),
                distance_km=nearest["distance"],
                stage=stage_of(facts, today),
                last_contact=last_contact,
                referrals_sent=facts.referrals,
                niches_fit=reach.niches_within(nearest["distance"], niche_codes),
                general_fit=nearest["distance"] <= reach.general_km,
                where=f"{nearest['name']}, {nearest['suburb']}"
                if nearest["suburb"]
                else nearest["name"],
            )
        )

    if search.who != "doctor":
        for pk, row in medical_practices.items():
            totals = mp_totals[pk]
            own: dict[str, Any] = by_mp.get(pk, {})
            facts = ContactFacts(
                do_not_contact=bool(row["outreach_preference__do_not_contact"]),
                referrals=totals["referrals"],
                activities=totals["activities"] + own.get("n", 0),
                last_referral=totals["last_referral"],
                # A practice lapses on all its doctors' referrals together.
                referral_dates=tuple(sorted(totals["referral_dates"])),
            )
            prospects.append(
                Prospect(
                    kind="medical_practice",
                    key=pk,
                    name=row["name"],
                    distance_km=row["distance"],
                    stage=stage_of(facts, today),
                    last_contact=_latest(totals["last_contact"], own.get("last")),
                    referrals_sent=facts.referrals,
                    niches_fit=reach.niches_within(row["distance"], niche_codes),
                    general_fit=row["distance"] <= reach.general_km,
                    where=row["suburb"],
                )
            )

    ranked = ranking.rank(prospects)
    if search.stage:
        ranked = [p for p in ranked if p.stage == search.stage]
    return Result(ranked, reach, origin, radius, practice_niches)


def public_ids(rows: list[Prospect]) -> list[Prospect]:
    """Give the rows about to be shown their public ids (a query per kind)."""
    for kind, model in (("doctor", Doctor), ("medical_practice", MedicalPractice)):
        wanted = [p.key for p in rows if p.kind == kind]
        if wanted:
            found = dict(model.objects.filter(pk__in=wanted).values_list("id", "uuid"))
            for row in rows:
                if row.kind == kind:
                    row.key = found[row.key]
    return rows


def _latest(*dates: date | None) -> date | None:
    present = [d for d in dates if d is not None]
    return max(present) if present else None
