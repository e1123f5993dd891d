"""The demo practices: two practices, so that isolation can be seen, with three
years of synthetic history. Everything is invented (Faker, en_AU locale); the
suburbs, postcodes and coordinates are real so maps and distances make sense."""

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from time import perf_counter

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from faker import Faker

from careloop import events
from careloop.clients.models import Client
from careloop.consent.models import Consent
from careloop.directory.models import Doctor, DoctorType, MedicalPractice, SecureMessagingService
from careloop.entitlements.models import MbsFee
from careloop.entitlements.schedule import EXAMPLE_FEES_CSV, load_fees
from careloop.insights import facts as insight_facts
from careloop.lib import synthetic
from careloop.lib.geo import localities_near
from careloop.measures.models import MeasureResult
from careloop.measures.scoring import score
from careloop.practices.events import DemoPracticeBuilt
from careloop.practices.models import ClinicianProfile, Niche, Practice, Profession, Role, User
from careloop.referrals.actions import clock_facts, targets_for
from careloop.referrals.models import (
    EventKind,
    Referral,
    ReferralBasis,
    ReferralEvent,
    ReferralSource,
    Urgency,
)
from careloop.referrals.models import TriageStatus as ReferralStatus
from careloop.referrals.triage import next_due_at
from careloop.therapy.models import Modality, SessionStatus, SessionType, TherapySession

from . import bulk, network
from .outreach import build_outreach_history

DEMO_PASSWORD = "careloop-demo"  # noqa: S105 - printed on purpose: it is the demo's login
BATCH = 2000


@dataclass(frozen=True)
class DemoPracticeSpec:
    slug: str
    name: str
    street: str
    suburb: str
    state: str
    postcode: str
    time_zone: str
    latitude: float
    longitude: float
    niches: tuple[str, ...]


DEMO_PRACTICES = (
    DemoPracticeSpec(
        "harbour",
        "Harbour Psychology",
        "12 Military Road",
        "Neutral Bay",
        "NSW",
        "2089",
        "Australia/Sydney",
        -33.8317,
        151.2195,
        ("anxiety", "perinatal", "trauma", "couples"),
    ),
    DemoPracticeSpec(
        "northside",
        "Northside Mind Clinic",
        "480 Gympie Road",
        "Chermside",
        "QLD",
        "4032",
        "Australia/Brisbane",
        -27.3855,
        153.0313,
        ("youth", "eating-disorders", "neurodiversity", "depression"),
    ),
)
ROLES = (Role.OWNER, Role.CLINICIAN, Role.ADMIN)

# The sessions' random draws, with cumulative weights worked out once: the same draws
# as `weights=` (random.choices accumulates them itself), without the work per session.
_PAST = [SessionStatus.ATTENDED, SessionStatus.CANCELLED, SessionStatus.NO_SHOW]
_PAST_WEIGHTS = list(accumulate([86, 8, 6]))
_TYPES = [SessionType.INDIVIDUAL, SessionType.GROUP, SessionType.FAMILY_CARER]
_TYPE_WEIGHTS = list(accumulate([90, 6, 4]))
_DURATIONS = [50, 30, 60]
_DURATION_WEIGHTS = list(accumulate([80, 12, 8]))
_MODALITIES = [Modality.IN_ROOMS, Modality.OUT_OF_ROOMS, Modality.VIDEO, Modality.PHONE]
_MODALITY_WEIGHTS = list(accumulate([60, 5, 25, 10]))


def _spread(total, items, low, high, rng, last=None) -> dict[int, int]:
    """Item answers that add up to `total` (clamped to what the items allow)."""
    total = min(max(total, low * items), high * items)
    values = [low] * items
    fixed = {items - 1} if last is not None else set()
    if last is not None:
        values[-1] = last
    remaining = total - sum(values)
    choices = [i for i in range(items) if i not in fixed]
    while remaining > 0:
        i = rng.choice(choices)
        if values[i] < high:
            values[i] += 1
            remaining -= 1
    return {i + 1: v for i, v in enumerate(values)}


def demo_logins() -> list[tuple[str, str, str]]:
    """(practice, role, e-mail) for every demo login."""
    return [
        (spec.name, role.label, f"{role.value}@{spec.slug}.demo")
        for spec in DEMO_PRACTICES
        for role in ROLES
    ]


def demo_exists() -> bool:
    return Practice.objects.filter(slug__in=[s.slug for s in DEMO_PRACTICES]).exists()


@dataclass
class Volumes:
    medical_practices: int
    doctors: int
    clients: int
    extra_clinicians: int

    @classmethod
    def for_scale(cls, scale: int) -> "Volumes":
        return cls(
            medical_practices=30 * scale,
            doctors=220 * scale,
            clients=320 * scale,
            extra_clinicians=3 * scale,
        )


# The largest practice the demo builds (about 500,000 sessions): a larger scale makes
# more practices of this size or less, by copying the two (PostgreSQL only).
PRACTICE_SCALE_MAX = 170


def copies_for_scale(scale: int) -> int:
    """How many of each demo practice a scale makes (1 up to PRACTICE_SCALE_MAX)."""
    return -(-scale // PRACTICE_SCALE_MAX)


def create_demo(
    *,
    scale: int = 1,
    seed: int = 20261128,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Create both demo practices, and at scales above PRACTICE_SCALE_MAX the copies
    that make up the rest of the volume. Returns counts of what was made. A large build
    takes minutes: `progress` hears what each step took."""
    report = _Stopwatch(progress)
    if demo_exists():
        raise ValueError("The demo practices already exist.")
    copies = copies_for_scale(scale)
    if copies > 1 and not bulk.copying():
        raise ValueError(
            f"Scales above {PRACTICE_SCALE_MAX} copy practices in PostgreSQL's SQL: "
            "set DATABASE_URL to a PostgreSQL database."
        )
    rng = random.Random(seed)
    fake = Faker("en_AU")
    fake.seed_instance(seed)
    password_hash = make_password(DEMO_PASSWORD)  # Argon2 is slow on purpose: hash once
    counts: dict[str, int] = {}
    volumes = Volumes.for_scale(-(-scale // copies))

    def build(spec) -> Practice:
        if copies > 1:
            network.skip_key_checks()
        if not MbsFee.objects.exists():
            load_fees(EXAMPLE_FEES_CSV)  # so sessions show fees and benefits
        builder = _PracticeBuilder(
            spec, rng, fake, password_hash, volumes, today or timezone.localdate()
        )
        made = builder.build()
        for key, value in made.items():
            counts[key] = counts.get(key, 0) + value * copies
        report(f"{builder.practice.name} built")
        return builder.practice

    if copies == 1:
        with transaction.atomic():
            for spec in DEMO_PRACTICES:
                build(spec)
        return counts
    # The network's copies of one practice are made in the background while the next
    # is built (each practice commits on its own, so that its copies can read it).
    number = len(DEMO_PRACTICES)
    with network.Copier(workers=2) as copier:
        for spec in DEMO_PRACTICES:
            with transaction.atomic():
                source = build(spec)
            for _ in range(copies - 1):
                number += 1
                copier.copy(source, slug=_copy_slug(number), name=f"Network Practice {number:02d}")
    report.say(
        f"{number - len(DEMO_PRACTICES)} copies made in {copier.elapsed:.1f} s "
        "(the first began once the first practice was built)"
    )
    return counts


def network_slug(scale: int) -> str | None:
    """The slug of the last practice a scale's build makes, when it makes copies: the
    build commits practice by practice, so its database is whole only once that one
    exists."""
    copies = copies_for_scale(scale)
    return _copy_slug(copies * len(DEMO_PRACTICES)) if copies > 1 else None


def _copy_slug(number: int) -> str:
    """The slug of the network's practice `number` (the demo's own two are 1 and 2)."""
    return f"network-{number:02d}"


class _Stopwatch:
    """Tells `progress` how long since it last spoke."""

    def __init__(self, progress: Callable[[str], None] | None):
        self.progress, self.since = progress, perf_counter()

    def __call__(self, what: str) -> None:
        self.say(f"{what} in {perf_counter() - self.since:.1f} s")

    def say(self, text: str) -> None:
        if self.progress is not None:
            self.progress(text)
        self.since = perf_counter()


class _PracticeBuilder:
    def __init__(self, spec, rng, fake, password_hash, volumes, today):
        self.spec, self.rng, self.fake = spec, rng, fake
        self.password_hash, self.volumes, self.today = password_hash, volumes, today
        self.now = timezone.now()
        self.nearby = localities_near(spec.latitude, spec.longitude, 25) or []
        self.weights = [loc.addresses for loc in self.nearby]

    def _landline(self) -> str:
        return synthetic.landline(self.spec.state, self.rng)

    def _mobile(self) -> str:
        return synthetic.mobile(self.rng)

    def _locality(self):
        return self.rng.choices(self.nearby, weights=self.weights, k=1)[0]

    def build(self) -> dict:
        self.practice = self._practice()
        clinicians = self._people()
        medical_practices = self._medical_practices()
        doctors = self._doctors(medical_practices)
        clients = self._clients(doctors)
        referrals = self._referrals(clients, doctors)
        sessions = self._sessions(referrals, clinicians)
        enquiries = self._enquiries(clinicians)
        outreach = build_outreach_history(
            self.practice,
            # Its own generator: the rest of the demo stays the same for the same seed.
            rng=random.Random(f"outreach-{self.spec.slug}"),
            today=self.today,
            owner=clinicians[0],
            clinicians=clinicians[1:],
            medical_practices=medical_practices,
            doctors=doctors,
            referrals=referrals,
        )
        # The website's pages and profiles (publicsite), delivered once this commits.
        events.publish(DemoPracticeBuilt(self.practice.pk))
        # The insight pages read summary rows; the hourly job would make them, the
        # demo should not wait for it.
        insight_facts.refresh(self.practice)
        return {
            "practices": 1,
            "users": len(clinicians) + 1,
            "medical_practices": len(medical_practices),
            "doctors": len(doctors),
            "clients": len(clients),
            "referrals": len(referrals),
            "sessions": sessions,
            "enquiries": enquiries,
            **outreach,
        }

    # What prospective clients wrote on the website's contact form (synthetic).
    _ENQUIRIES = (
        "I have been feeling anxious at work for a few months and would like to talk to someone.",
        "Looking for help for my teenage son, who has stopped going to school.",
        "My GP suggested counselling after a bereavement. Do you have evening appointments?",
    )

    def _enquiries(self, clinicians) -> int:
        """A few enquiries from the website, waiting for reception to reply. Their own
        random generator, so the rest of the demo stays the same for the same seed."""
        from careloop.enquiries.models import Enquiry

        rng = random.Random(f"{self.spec.slug}-enquiries")
        fake = Faker("en_AU")
        fake.seed_instance(rng.randrange(10**9))
        niches = list(self.practice.niches.all())
        treating = [user for user in clinicians if user.role == Role.CLINICIAN]
        for n, text in enumerate(self._ENQUIRIES):
            Enquiry.objects.create(
                practice=self.practice,
                name=f"{fake.first_name()} {fake.last_name()}",
                email=f"enquirer{n + 1}@example.com" if n != 1 else "",
                phone=synthetic.mobile(rng),
                looking_for=text,
                preferred_clinician=treating[0] if n == 0 and treating else None,
                preferred_niche=niches[0] if n == 1 and niches else None,
                consent_given_at=self.now - timedelta(hours=3 + 20 * n),
            )
        return len(self._ENQUIRIES)

    def _practice(self) -> Practice:
        spec = self.spec
        practice = Practice.objects.create(
            slug=spec.slug,
            name=spec.name,
            abn=synthetic.abn(self.rng),
            # Identifiers added later draw on their own generators, so the rest of the
            # demo stays the same for the same seed.
            hpio=synthetic.hpio(random.Random(f"hpio-{spec.slug}")),
            street=spec.street,
            suburb=spec.suburb,
            state=spec.state,
            postcode=spec.postcode,
            # The origin of outreach distances (a real practice gets them from its
            # suburb when its address is saved: practices/actions.geocode_practice).
            latitude=Decimal(f"{spec.latitude:.6f}"),
            longitude=Decimal(f"{spec.longitude:.6f}"),
            time_zone=spec.time_zone,
            phone=self._landline(),
            email=f"hello@{spec.slug}.demo",
            hl7_facility_ids=spec.slug.upper(),
        )
        practice.niches.set(Niche.objects.filter(code__in=spec.niches))
        return practice

    def _user(self, email, role, name=None) -> User:
        return User(
            email=email,
            full_name=name or f"{self.fake.first_name()} {self.fake.last_name()}",
            practice=self.practice,
            role=role,
            password=self.password_hash,
        )

    def _people(self) -> list[User]:
        spec = self.spec
        users = [self._user(f"{role.value}@{spec.slug}.demo", role) for role in ROLES]
        extra = [
            self._user(f"clinician{n}@{spec.slug}.demo", Role.CLINICIAN)
            for n in range(2, self.volumes.extra_clinicians + 2)
        ]
        for user in extra:
            user.password = make_password(None)  # no login: they exist to carry caseloads
        User.objects.bulk_create(users + extra)
        owner, clinician, _admin = users
        treating = [owner, clinician, *extra]
        professions = [
            Profession.CLINICAL_PSYCHOLOGIST,
            Profession.PSYCHOLOGIST,
            Profession.PSYCHOLOGIST,
            Profession.SOCIAL_WORKER,
            Profession.OCCUPATIONAL_THERAPIST,
            Profession.COUNSELLOR,
        ]
        niches = list(Niche.objects.all())
        profiles = []
        for index, user in enumerate(treating):
            profession = professions[index % len(professions)]
            has_ahpra = profession not in (Profession.SOCIAL_WORKER, Profession.COUNSELLOR)
            prefix = "OCC" if profession == Profession.OCCUPATIONAL_THERAPIST else "PSY"
            profiles.append(
                ClinicianProfile(
                    user=user,
                    profession=profession,
                    ahpra_registration=f"{prefix}{self.rng.randint(0, 10**10 - 1):010d}"
                    if has_ahpra
                    else "",
                    provider_number=""
                    if profession == Profession.COUNSELLOR
                    else synthetic.provider_number(self.rng),
                    hpii=synthetic.hpii(random.Random(f"hpii-{user.email}")),
                )
            )
        ClinicianProfile.objects.bulk_create(profiles)
        Through = ClinicianProfile.niches.through
        Through.objects.bulk_create(
            [
                Through(clinicianprofile_id=profile.pk, niche_id=niche.pk)
                for profile in profiles
                for niche in self.rng.sample(niches, 3)
            ]
        )
        return treating

    def _medical_practices(self) -> list[MedicalPractice]:
        rows = []
        kinds = [
            "Medical Centre",
            "Family Practice",
            "General Practice",
            "Health Clinic",
            "Medical Group",
            "Doctors",
        ]
        for _ in range(self.volumes.medical_practices):
            loc = self._locality()
            rows.append(
                MedicalPractice(
                    practice=self.practice,
                    name=f"{loc.name} {self.rng.choice(kinds)}",
                    street=self.fake.street_address(),
                    suburb=loc.name,
                    state=loc.state,
                    postcode=loc.postcode,
                    latitude=Decimal(f"{loc.latitude + self.rng.uniform(-0.004, 0.004):.6f}"),
                    longitude=Decimal(f"{loc.longitude + self.rng.uniform(-0.004, 0.004):.6f}"),
                    hpio=synthetic.hpio(self.rng),
                    phone=self._landline(),
                    fax=self._landline(),
                    email=f"reception@{loc.name.lower().replace(' ', '')}-mc.demo",
                )
            )
        return bulk.save(rows)

    def _doctors(self, medical_practices) -> list[Doctor]:
        types = (
            [DoctorType.GP] * 85
            + [DoctorType.PSYCHIATRIST] * 8
            + [DoctorType.PAEDIATRICIAN] * 5
            + [DoctorType.OTHER] * 2
        )
        rows = []
        for _ in range(self.volumes.doctors):
            given, family = self.fake.first_name(), self.fake.last_name()
            rows.append(
                Doctor(
                    practice=self.practice,
                    title="Dr",
                    given_name=given,
                    family_name=family,
                    doctor_type=self.rng.choice(types),
                    provider_number=synthetic.provider_number(self.rng),
                    hpii=synthetic.hpii(self.rng) if self.rng.random() < 0.7 else "",
                    email=f"{given}.{family}@doctors.demo".lower()
                    .replace(" ", "")
                    .replace("'", ""),
                    phone=self._landline(),
                    fax=self._landline() if self.rng.random() < 0.4 else "",
                    secure_messaging_address=f"{family.lower()}{self.rng.randint(10, 99)}"
                    if self.rng.random() < 0.6
                    else "",
                    preferred_channel=self.rng.choices(
                        ["email", "hl7", "print", "fhir"], weights=[50, 30, 15, 5]
                    )[0],
                )
            )
        for row in rows:
            if row.secure_messaging_address:
                row.secure_messaging_service = random.Random(row.secure_messaging_address).choice(
                    SecureMessagingService.values
                )
        doctors = bulk.save(rows)
        Through = Doctor.medical_practices.through
        links = []
        for doctor in doctors:
            for medical_practice in self.rng.sample(
                medical_practices, 1 if self.rng.random() < 0.85 else 2
            ):
                links.append(Through(doctor_id=doctor.pk, medicalpractice_id=medical_practice.pk))
        bulk.save(links)
        return doctors

    def _clients(self, doctors) -> list[Client]:
        gps = [d for d in doctors if d.doctor_type == DoctorType.GP] or doctors
        relationships = ["Partner", "Mother", "Father", "Sister", "Brother", "Friend"]
        rows = []
        for _ in range(self.volumes.clients):
            loc = self._locality()
            age_days = self.rng.randint(12 * 365, 80 * 365)
            rows.append(
                Client(
                    practice=self.practice,
                    given_name=self.fake.first_name(),
                    family_name=self.fake.last_name(),
                    date_of_birth=self.today - timedelta(days=age_days),
                    medicare_number=synthetic.medicare_number(self.rng),
                    medicare_irn=self.rng.randint(1, 5),
                    email=self.fake.free_email() if self.rng.random() < 0.8 else "",
                    phone=self._mobile(),
                    street=self.fake.street_address(),
                    suburb=loc.name,
                    state=loc.state,
                    postcode=loc.postcode,
                    emergency_contact_name=f"{self.fake.first_name()} {self.fake.last_name()}",
                    emergency_contact_relationship=self.rng.choice(relationships),
                    emergency_contact_phone=self._mobile(),
                    usual_gp=self.rng.choice(gps),
                )
            )
        return bulk.save(rows)

    def _referrals(self, clients, doctors) -> list[Referral]:
        by_type: dict[str, list[Doctor]] = {}
        for doctor in doctors:
            by_type.setdefault(doctor.doctor_type, []).append(doctor)
        reasons = [
            "Low mood and poor sleep for several months",
            "Generalised anxiety",
            "Panic attacks",
            "Postnatal depression",
            "Grief after a bereavement",
            "Disordered eating",
            "Trauma symptoms after an accident",
            "School refusal and anxiety",
            "Relationship distress",
            "Work stress",
        ]
        start = self.today - timedelta(days=3 * 365)
        rows = []
        for client in clients:
            first = start + timedelta(days=self.rng.randint(0, 3 * 365 - 10))
            for course in range(self.rng.choices([1, 2, 3], weights=[60, 30, 10])[0]):
                referral_date = first + timedelta(days=course * self.rng.randint(60, 120))
                if referral_date > self.today:
                    break
                basis = self.rng.choices(
                    [
                        ReferralBasis.MHTP,
                        ReferralBasis.PSYCHIATRIST,
                        ReferralBasis.PAEDIATRICIAN,
                        ReferralBasis.SELF,
                    ],
                    weights=[82, 8, 4, 6],
                )[0]
                doctor_type = {
                    ReferralBasis.PSYCHIATRIST: DoctorType.PSYCHIATRIST,
                    ReferralBasis.PAEDIATRICIAN: DoctorType.PAEDIATRICIAN,
                }.get(basis, DoctorType.GP)
                doctor = None
                if basis != ReferralBasis.SELF:
                    if basis == ReferralBasis.MHTP and client.usual_gp_id:
                        doctor = client.usual_gp
                    else:
                        doctor = self.rng.choice(by_type.get(doctor_type) or doctors)
                received = datetime.combine(
                    referral_date + timedelta(days=self.rng.choice([0, 0, 1, 2])),
                    time(self.rng.randint(8, 17), self.rng.randint(0, 59)),
                    tzinfo=self.practice.zoneinfo,
                )
                received = min(received, self.now)
                rows.append(
                    Referral(
                        practice=self.practice,
                        client=client,
                        referring_doctor=doctor,
                        referral_date=referral_date,
                        basis=basis,
                        sessions_referred=self.rng.choices(
                            [6, 6, 6, 4, 10, None], weights=[50, 10, 10, 15, 5, 10]
                        )[0]
                        if basis != ReferralBasis.SELF
                        else None,
                        reason=self.rng.choice(reasons),
                        # About a third of GP referrals lack something Medicare needs.
                        medications=self.rng.choices(
                            [
                                "Nil",
                                "Sertraline 50 mg daily",
                                "Escitalopram 10 mg daily",
                                "Quetiapine 25 mg at night",
                                "",
                            ],
                            weights=[30, 20, 15, 10, 25],
                        )[0],
                        letter_signed=self.rng.random() < 0.9,
                        source=(
                            self.rng.choices(list(ReferralSource), weights=[30, 40, 20, 10])[0]
                            if basis != ReferralBasis.SELF
                            else ReferralSource.STAFF
                        ),
                        urgency=self.rng.choices(list(Urgency), weights=[85, 12, 3])[0],
                        received_at=received,
                    )
                )
        return rows  # saved with their sessions, once their triage is settled

    def _sessions(self, referrals, clinicians) -> int:
        now = self.now
        tz = self.practice.zoneinfo
        pending: list[dict] = []
        attended: dict[int, int] = {}
        last_attended: dict[int, datetime] = {}
        measured: dict[int, list[datetime]] = {}
        for referral in referrals:
            clinician = self.rng.choice(clinicians)
            if self._still_in_the_inbox(referral, clinician):
                continue
            count = min(referral.sessions_referred or 6, 6) + self.rng.choice([0, 0, 0, 1, 2])
            day = referral.referral_date + timedelta(days=self.rng.randint(5, 20))
            hour = self.rng.randint(8, 17)
            for _ in range(count):
                while day.weekday() >= 5:
                    day += timedelta(days=1)
                starts_at = datetime.combine(day, time(hour, self.rng.choice([0, 30])), tzinfo=tz)
                if starts_at > now:
                    status = SessionStatus.BOOKED
                else:
                    status = self.rng.choices(_PAST, cum_weights=_PAST_WEIGHTS)[0]
                session_type = self.rng.choices(_TYPES, cum_weights=_TYPE_WEIGHTS)[0]
                if status == SessionStatus.ATTENDED:
                    referral.first_seen_at = referral.first_seen_at or starts_at
                    attended[id(referral)] = attended.get(id(referral), 0) + 1
                    last_attended[id(referral)] = starts_at
                    measured.setdefault(referral.client_id, []).append(starts_at)
                # Keyword arguments rather than a model instance: on PostgreSQL the rows
                # go straight to COPY (bulk.save_dicts).
                pending.append(
                    {
                        "practice": self.practice,
                        "client_id": referral.client_id,
                        "clinician": clinician,
                        "referral": referral,
                        "starts_at": starts_at,
                        "duration_minutes": 90
                        if session_type == SessionType.GROUP
                        else self.rng.choices(_DURATIONS, cum_weights=_DURATION_WEIGHTS)[0],
                        "session_type": session_type,
                        "modality": self.rng.choices(_MODALITIES, cum_weights=_MODALITY_WEIGHTS)[0]
                        if session_type != SessionType.GROUP
                        else Modality.IN_ROOMS,
                        "status": status,
                    }
                )
                day += timedelta(days=self.rng.choice([7, 7, 14, 14, 21]))
                if starts_at > now + timedelta(days=60):
                    break
        self._settle_referrals(referrals)
        self._send_old_reports(referrals, attended, last_attended)
        # Saved in order: a session's referral gets its key when the referral is saved.
        for referral in referrals:
            referral.refresh_search_keys()  # bulk writes skip save()
        bulk.save(referrals)
        self._consents(referrals)
        bulk.save(
            [
                ReferralEvent(
                    practice=self.practice,
                    referral=r,
                    kind=EventKind.RECEIVED,
                    at=r.received_at,
                    note=f"Received by {r.get_source_display().lower()}.",
                )
                for r in referrals
            ],
            batch_size=BATCH,
        )
        bulk.save_dicts(TherapySession, pending)
        self._measures(measured)
        return len(pending)

    def _measures(self, attended_by_client) -> None:
        """A K10 and a PHQ-9 at the first session, the third and the latest, mostly
        improving, as a practice measuring outcomes would have."""
        rows = []
        for client_id, moments in attended_by_client.items():
            if len(moments) < 3 or self.rng.random() > 0.25:
                continue
            start = self.rng.randint(24, 38)  # K10 at intake: high to very high
            for step, moment in enumerate(sorted(moments)[:: max(len(moments) // 3, 1)][:3]):
                k10_total = max(10, start - step * self.rng.randint(3, 7))
                phq_total = max(0, (k10_total - 10) * 27 // 40 + self.rng.randint(-2, 2))
                for code, answers in (
                    ("k10", _spread(k10_total, 10, 1, 5, self.rng)),
                    ("phq9", _spread(phq_total, 9, 0, 3, self.rng, last=0)),
                ):
                    result = score(code, answers, "abs" if code == "k10" else None)
                    rows.append(
                        MeasureResult(
                            practice=self.practice,
                            client_id=client_id,
                            measure=code,
                            administered_on=timezone.localtime(
                                moment, self.practice.zoneinfo
                            ).date(),
                            answers={str(k): v for k, v in answers.items()},
                            scores=[asdict(x) for x in result.scales],
                            flags=[asdict(f) for f in result.flags],
                            band_set=result.band_set,
                            scoring_version=result.version,
                        )
                    )
        bulk.save(rows)

    def _still_in_the_inbox(self, referral, clinician) -> bool:
        """Referrals of the last fortnight are still being triaged: no sessions yet."""
        if self.now - referral.received_at > timedelta(days=14):
            referral.assigned_clinician = clinician
            return False
        progress = self.rng.random()
        if progress > 0.4:
            referral.acknowledged_at = referral.received_at + timedelta(hours=3)
        if progress > 0.6:
            referral.first_contacted_at = referral.received_at + timedelta(hours=20)
            referral.status = ReferralStatus.CONTACTING
        if progress > 0.85:
            referral.offered_at = referral.received_at + timedelta(days=1, hours=2)
            referral.status = ReferralStatus.OFFERED
        for name in ("acknowledged_at", "first_contacted_at", "offered_at"):
            moment = getattr(referral, name)
            if moment is not None and moment > self.now:  # never record the future
                setattr(referral, name, None)
        return True

    def _consents(self, referrals) -> None:
        """Most clients agreed at intake that their referrer hears how they are going;
        some have not been asked yet, so refusals can be seen too."""
        recorder = User.objects.get(email=f"admin@{self.spec.slug}.demo")
        bulk.save(
            [
                Consent(
                    practice=self.practice,
                    client_id=r.client_id,
                    referral=r,
                    scopes=["status", "plan", "progress", "discharge"],
                    method=self.rng.choice(["written", "intake", "verbal"]),
                    obtained_on=timezone.localtime(r.received_at, self.practice.zoneinfo).date(),
                    recorded_by=recorder,
                )
                for r in referrals
                if r.referring_doctor_id and self.rng.random() < 0.85
            ],
            batch_size=BATCH,
        )

    def _send_old_reports(self, referrals, attended, last_attended) -> None:
        """Courses whose last session was two months ago or more had their report
        sent; recent ones are what the dashboards and "Letters" show as due."""
        for referral in referrals:
            # The engine may count a session against another referral than the one
            # it was booked under, so "old enough" is the simpler, honest rule here.
            last = last_attended.get(id(referral))
            if last is not None and last < self.now - timedelta(days=60):
                referral.report_sent_at = last + timedelta(days=3)

    def _settle_referrals(self, referrals) -> None:
        """Status and clock of the older referrals, consistent with their sessions."""
        targets = targets_for(self.practice)
        for referral in referrals:
            recent = self.now - referral.received_at <= timedelta(days=14)
            if not recent:
                referral.acknowledged_at = referral.received_at + timedelta(hours=4)
                referral.first_contacted_at = referral.received_at + timedelta(hours=26)
                referral.offered_at = referral.received_at + timedelta(days=2)
                if referral.first_seen_at:
                    referral.status = ReferralStatus.ACTIVE
                elif referral.received_at > self.now - timedelta(days=40):
                    referral.status = ReferralStatus.BOOKED
                else:
                    referral.status = self.rng.choice(
                        [ReferralStatus.DECLINED, ReferralStatus.UNABLE_TO_CONTACT]
                    )
                    referral.status_reason = (
                        "Client chose another provider closer to home"
                        if referral.status == ReferralStatus.DECLINED
                        else "Three calls and a text over two weeks, no reply"
                    )
            referral.next_due_at = next_due_at(clock_facts(referral), targets)
