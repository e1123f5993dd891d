"""Who to visit next, from the database: the facts `ranking.py` orders.

The page shows the first hundred of what may be tens of thousands of doctors and
medical practices within reach, so the work follows the rows shown, not the directory:

- one query lists the open medical practices within reach, nearest first: a bounding
  box read from an index (medpractice_by_place), then the exact distance, computed
  in SQL by the formula Python uses;
- the nearest of them are read a ring at a time, five queries a ring (the ring, its
  doctors, their referrals, their activities, the medical practices' own
  activities), until the first rows of the ranking cannot change whatever lies
  further out (`ranking.settled`): in a city, the first ring;
- one query counts the doctors to approach, from an index of the links alone, at the
  nearest places that should hold more than the page says exactly (a second at every
  place when they do not), and one per kind gives the rows shown their public ids.

A stage filter has to judge every contact within reach to count them, so it reads
them all as one ring: slower, bounded by the reach rather than by the directory.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Count, F, FloatField, Max, Q, QuerySet, Value
from django.db.models.functions import ASin, Cast, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils import timezone

from careloop.directory.models import Doctor, MedicalPractice, doctor_name
from careloop.referrals.models import Referral

from . import ranking, stages
from .models import Activity, DoctorPreference, NicheReach, OutreachSettings
from .ranking import ContactFacts, Prospect, Reach, StageFunction

# Medical practices in the first ring; each further ring is RING_GROWTH times larger.
# A city's nearest two dozen have a page of doctors between them.
FIRST_RING = 24
RING_GROWTH = 4


def rhythm_stage(facts: ContactFacts, today: date) -> str:
    """The relationship stage of outreach/stages.py, the one the relationship page
    shows: lapsing judged from the doctor's own rhythm (stages.Rhythm.lapsed, without
    the words the page explains it in). A doctor heard from within
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
        rhythm = stages.rhythm_of(facts.referral_dates)
        lapsed = rhythm is not None and rhythm.lapsed(today)
        return ranking.LAPSED if lapsed else ranking.REFERRING
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
    prospects: list[Prospect]  # ranked; the first `limit` of them when one was given
    reach: Reach
    origin: tuple[float, float] | None
    radius_km: float
    niches: list[tuple[str, str]] = field(default_factory=list)  # the practice's (code, name)
    total: int = 0  # how many there are to approach, shown or not
    more: bool = False  # there are more than `total`: the doctors were counted up to a bound


def distance_km(origin: tuple[float, float]) -> Any:
    """The great-circle distance in km from origin to a row's latitude and longitude,
    as a database expression: ranking.haversine_km's formula, step for step, so that
    the database and Python agree."""
    lat0, lon0 = origin
    phi1 = math.radians(lat0)
    phi2 = Radians(Cast(F("latitude"), FloatField()))
    dlambda = Radians(Cast(F("longitude"), FloatField()) - Value(lon0))
    half_dphi = Sin((phi2 - Value(phi1)) / Value(2.0))
    half_dlambda = Sin(dlambda / Value(2.0))
    a = Power(half_dphi, 2) + Value(math.cos(phi1)) * Cos(phi2) * Power(half_dlambda, 2)
    return Value(2 * ranking.EARTH_RADIUS_KM) * ASin(Least(Value(1.0), Sqrt(a)))


def open_places_within(practice, origin: tuple[float, float], radius_km: float) -> QuerySet:
    """The practice's medical practices within radius_km of origin, with their
    `distance`, less those marked do not contact (they never appear, and their doctors
    are judged by the places they can be met at)."""
    min_lat, max_lat, min_lon, max_lon = ranking.bounding_box(*origin, radius_km)
    return (
        MedicalPractice.objects.for_practice(practice)
        .filter(
            latitude__gte=min_lat,
            latitude__lte=max_lat,
            longitude__gte=min_lon,
            longitude__lte=max_lon,
        )
        .annotate(distance=distance_km(origin))
        .filter(distance__lte=radius_km)
        .filter(Q(outreach_preference__isnull=True) | Q(outreach_preference__do_not_contact=False))
    )


def find_prospects(
    practice,
    search: Search | None = None,
    *,
    today: date | None = None,
    limit: int | None = None,
    reach: Reach | None = None,
) -> Result:
    """Who to approach, ranked (ranking.rank); only the first `limit` when given, read
    from the nearest medical practices outwards until they are certain."""
    search = search or Search()
    today = today or timezone.localdate()
    reach = reach or reach_of(practice)
    practice_niches = sorted(reach.niche_names.items(), key=lambda item: item[1])
    niche_codes = [code for code, _ in practice_niches]
    # Within this radius is exactly ranking.in_reach: without a niche the widest of
    # the general radius and the practice's niches', with one that niche's; an
    # explicit radius widens (or narrows) the search as the person asked.
    radius = search.radius_km or reach.radius_for(search.niche)
    origin = origin_of(practice)
    if origin is None:
        return Result([], reach, None, radius, practice_niches)

    places = open_places_within(practice, origin, radius)
    order: list[tuple[int, float]] = list(
        places.order_by("distance", "id").values_list("id", "distance")
    )
    reader = _Reader(practice, search, today, reach, niche_codes)
    everything = limit is None or bool(search.stage)
    more = False
    start, end, size = 0, 0, FIRST_RING
    ranked: list[Prospect] = []
    while start < len(order):
        if everything:
            end = len(order)
            reader.read_all(places)
        else:
            # A ring is the next `size` places and any as far as its last, so that
            # the places left are all further out than the ring.
            end = min(start + size, len(order))
            while end < len(order) and order[end][1] == order[end - 1][1]:
                end += 1
            reader.read_ring(dict(order[start:end]))
        ranked = ranking.rank(reader.prospects)  # only the wanted stage were kept
        if end == len(order) or (limit and ranking.settled(ranked, limit, order[end][1])):
            break
        start, size = end, _next_ring(ranked, limit or 0, end, size)

    if everything:
        total = len(ranked)
    else:
        total = 0 if search.who == "doctor" else len(order)
        if search.who != "medical_practice":
            # The rings read so far say how many doctors a place holds around here.
            per_place = len(reader.doctors_seen) / end if end else 0.0
            doctors = _doctors_at(practice, [pk for pk, _ in order], per_place)
            more = doctors > DOCTORS_COUNTED
            total += min(doctors, DOCTORS_COUNTED)
    shown = _with_public_ids(practice, ranked[:limit] if limit else ranked)
    return Result(shown, reach, origin, radius, practice_niches, total, more)


def _next_ring(ranked: list[Prospect], limit: int, read: int, size: int) -> int:
    """How many places the next ring should have: enough, at the rate the first
    group's rows have been found so far, for the rows still missing, and half as many
    again; never more than RING_GROWTH times the last ring, nor fewer than half the
    first."""
    found = sum(1 for p in ranked[:limit] if ranking.STAGE_PRIORITY[p.stage] == ranking.FIRST_GROUP)
    if found == 0:
        return size * RING_GROWTH
    missing = limit - found
    return max(FIRST_RING // 2, min(size * RING_GROWTH, math.ceil(1.5 * missing * read / found)))


# Doctors within reach are counted up to this many, and "more" said beyond: a large
# practice has 15,000 within 12 km, and counting them all took 7 ms of every view.
DOCTORS_COUNTED = 1_000


def _doctors_at(practice, place_ids: list[int], per_place: float) -> int:
    """How many doctors can be approached at these places (nearest first): exactly when
    there are no more than DOCTORS_COUNTED, and some number above it when there are.

    Counted first at the nearest places that should hold twice the bound, at the
    number of doctors per place the rings read have shown; at every place, in a second
    query, only when those hold fewer (few doctors near and many far, or many of the
    near ones marked do not contact). A city's count reads about 2,000 links instead of
    16,000: the probes of the links' index, one per place, were most of its time."""
    if per_place > 0:
        enough = math.ceil(2 * (DOCTORS_COUNTED + 1) / per_place)
        if enough < len(place_ids):
            nearest = _count_doctors(practice, place_ids[:enough])
            if nearest > DOCTORS_COUNTED:
                return nearest
    return _count_doctors(practice, place_ids)


def _count_doctors(practice, place_ids: list[int]) -> int:
    """The doctors not marked do not contact at these places, each counted once
    however many of them they work at. Read from the links' index alone
    (doctorlink_by_place): the places are the practice's, and a link only ever joins a
    doctor and a medical practice of one practice (the rows shown check it again). The
    places are named by the ids already read (`__any_of`): as a subquery, every
    distance was measured again.

    Up to DOCTORS_COUNTED + 1 on SQLite, which stops reading there; exactly on
    PostgreSQL, which hashes every link to count them, bound or not (with a LIMIT, the
    planner walks the links in doctor order from the first doctor of every practice)."""
    links = (
        Doctor.medical_practices.through.objects.filter(medicalpractice_id__any_of=place_ids)
        .exclude(
            doctor_id__in=DoctorPreference.objects.for_practice(practice)
            .filter(do_not_contact=True)
            .values("doctor_id")
        )
        .values("doctor_id")
    )
    if connection.vendor == "postgresql":
        return links.aggregate(doctors=Count("doctor_id", distinct=True))["doctors"]
    return links.distinct()[: DOCTORS_COUNTED + 1].count()


class _Place(NamedTuple):
    id: int
    name: str
    suburb: str
    distance: float


class _Person(NamedTuple):
    name: str
    do_not_contact: bool


class _Reader:
    """Reads rings of medical practices and makes prospects of them and of the doctors
    first met there (the ring holds a doctor's nearest place: it is nearer than any
    later ring's). Keeps only the prospects the search wants: never do not contact,
    and with a stage filter only that stage."""

    def __init__(self, practice, search: Search, today: date, reach: Reach, niches: list[str]):
        self.practice = practice
        self.search = search
        self.today = today
        self.reach = reach
        self.niches = niches
        self.stage_of = stage_function()
        self.doctors_seen: set[int] = set()
        self.prospects: list[Prospect] = []

    def read_ring(self, distances: dict[int, float]) -> None:
        """These few places, by id with their distance."""
        places = {
            pk: _Place(pk, name, suburb, distances[pk])
            for pk, name, suburb in MedicalPractice.objects.for_practice(self.practice)
            .filter(pk__any_of=list(distances))
            .values_list("id", "name", "suburb")
        }
        self._read(places, list(distances))

    def read_all(self, within: QuerySet) -> None:
        """Every one of these places (open_places_within), however many: their ids go
        to the next queries as one parameter (`__any_of`), not one each."""
        places = {
            row[0]: _Place(*row) for row in within.values_list("id", "name", "suburb", "distance")
        }
        self._read(places, list(places))

    def _read(self, places: dict[int, _Place], place_ids: list[int]) -> None:
        practice = self.practice
        links = Doctor.medical_practices.through.objects.filter(
            medicalpractice_id__any_of=place_ids, doctor__practice=practice
        )
        works_at: dict[int, list[int]] = defaultdict(list)  # place -> its doctors
        people: dict[int, _Person] = {}
        for doctor_id, place_id, title, given, family, blocked in links.values_list(
            "doctor_id",
            "medicalpractice_id",
            "doctor__title",
            "doctor__given_name",
            "doctor__family_name",
            "doctor__outreach_preference__do_not_contact",
        ):
            works_at[place_id].append(doctor_id)
            if doctor_id not in people:
                people[doctor_id] = _Person(doctor_name(title, given, family), bool(blocked))
        # The ring's doctors as a list, not a subquery: PostgreSQL planned the subquery
        # as a scan of every practice's activities (8 s at 10 million sessions).
        doctors_here = list(people)
        referral_dates: dict[int, list[date]] = defaultdict(list)
        for doctor_id, day in (
            Referral.objects.for_practice(practice)
            .filter(referring_doctor_id__any_of=doctors_here)
            .order_by()
            .values_list("referring_doctor_id", "referral_date")
        ):
            referral_dates[doctor_id].append(day)
        activity = Activity.objects.for_practice(practice).order_by()
        by_doctor = _contacts(activity.filter(doctor_id__any_of=doctors_here), "doctor")
        by_place = _contacts(
            activity.filter(medical_practice_id__any_of=place_ids), "medical_practice"
        )

        facts: dict[int, ContactFacts] = {}
        last_contact: dict[int, date | None] = {}
        for doctor_id, person in people.items():
            dates = sorted(referral_dates.get(doctor_id, ()))
            contacts, last_activity = by_doctor.get(doctor_id, (0, None))
            facts[doctor_id] = ContactFacts(
                do_not_contact=person.do_not_contact,
                referrals=len(dates),
                activities=contacts,
                last_referral=dates[-1] if dates else None,
                referral_dates=tuple(dates),
            )
            last_contact[doctor_id] = _latest(last_activity, dates[-1] if dates else None)

        if self.search.who != "medical_practice":
            nearest: dict[int, _Place] = {}
            for place_id, doctor_ids in works_at.items():
                place = places[place_id]
                for doctor_id in doctor_ids:
                    if doctor_id in self.doctors_seen:
                        continue  # met in an earlier ring, at a nearer place
                    # Of two places as near, the one of lower key: the same whatever
                    # order the database reads the links in.
                    known = nearest.get(doctor_id)
                    if known is None or (place.distance, place.id) < (known.distance, known.id):
                        nearest[doctor_id] = place
            for doctor_id, place in nearest.items():
                person = people[doctor_id]
                where = f"{place.name}, {place.suburb}" if place.suburb else place.name
                self._add(
                    "doctor",
                    doctor_id,
                    person.name,
                    place.distance,
                    facts[doctor_id],
                    last_contact[doctor_id],
                    where,
                )
        self.doctors_seen.update(people)

        if self.search.who != "doctor":
            for place in places.values():
                doctor_ids = works_at.get(place.id, [])
                contacts, last_activity = by_place.get(place.id, (0, None))
                dates = sorted(day for d in doctor_ids for day in facts[d].referral_dates)
                together = ContactFacts(
                    do_not_contact=False,  # places marked so are not read
                    referrals=len(dates),
                    activities=sum(facts[d].activities for d in doctor_ids) + contacts,
                    last_referral=dates[-1] if dates else None,
                    # A practice lapses on all its doctors' referrals together.
                    referral_dates=tuple(dates),
                )
                self._add(
                    "medical_practice",
                    place.id,
                    place.name,
                    place.distance,
                    together,
                    _latest(last_activity, *(last_contact[d] for d in doctor_ids)),
                    place.suburb,
                )

    def _add(self, kind, key, name, distance, facts, last_contact, where) -> None:
        stage = self.stage_of(facts, self.today)
        if stage == ranking.DO_NOT_CONTACT or self.search.stage not in (None, stage):
            return
        self.prospects.append(
            Prospect(
                kind=kind,
                key=key,
                name=name,
                distance_km=distance,
                stage=stage,
                last_contact=last_contact,
                referrals_sent=facts.referrals,
                niches_fit=self.reach.niches_within(distance, self.niches),
                general_fit=distance <= self.reach.general_km,
                where=where,
            )
        )


def _contacts(activities: QuerySet, by: str) -> dict[int, tuple[int, date | None]]:
    """(how many, the latest) of these activities, per doctor or medical practice."""
    return {
        key: (n, last)
        for key, n, last in activities.values(by)
        .annotate(n=Count("pk"), last=Max("occurred_on"))
        .values_list(by, "n", "last")
    }


def _with_public_ids(practice, rows: list[Prospect]) -> list[Prospect]:
    """Give the rows returned their public ids in place of their keys (a query per
    kind): no more uuids are read than there are rows shown."""
    for kind, model in (("doctor", Doctor), ("medical_practice", MedicalPractice)):
        wanted = [p.key for p in rows if p.kind == kind]
        if wanted:
            found = dict(
                model.objects.for_practice(practice)
                .filter(pk__any_of=wanted)
                .values_list("id", "uuid")
            )
            for row in rows:
                if row.kind == kind:
                    row.key = found[row.key]
    return rows


def _latest(*dates: date | None) -> date | None:
    present = [d for d in dates if d is not None]
    return max(present) if present else None
