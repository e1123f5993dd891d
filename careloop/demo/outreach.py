"""Three years of relationship history for a demo practice, consistent with its
referrals: most referrers were introduced before their first referral, a few came
unprompted; the routine kept most referrers in touch, some referrers lapsed, some
doctors were introduced and never referred, most were never contacted. Events and
lunch-and-learns along the way, and this week's tasks, so that the owner's dashboard
shows a believable routine on the first screen. Bulk-created, like the rest of the
demo."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.utils import timezone

from careloop.directory.models import Doctor, MedicalPractice
from careloop.outreach import actions as outreach_actions
from careloop.outreach.models import (
    Activity,
    ActivityKind,
    DetailLevel,
    DoctorPreference,
    OutreachEvent,
    OutreachTask,
    Stage,
    TalkStatus,
    TaskSource,
    TrainingStatus,
)
from careloop.outreach.stages import StageFacts, stage_of
from careloop.practices.models import ClinicianProfile, Niche, Practice, User
from careloop.referrals.models import Referral

from . import bulk

BATCH = 2000

EVENTS = [
    # (name, audience, days ago it started, talk title, talk status)
    ("{area} GP Education Evening", "GPs near {area}", 900, "", ""),
    (
        "Perinatal Mental Health Forum",
        "GPs, midwives and child health nurses",
        640,
        "Spotting perinatal anxiety early",
        TalkStatus.DELIVERED,
    ),
    ("RACGP {state} Faculty Conference", "GPs across {state}", 420, "", ""),
    (
        "Trauma-informed Care Seminar",
        "GPs and practice nurses",
        180,
        "Trauma after accidents: what helps",
        TalkStatus.DELIVERED,
    ),
    (
        "Healthy Minds Community Evening",
        "GPs and community health workers",
        -24,
        "Anxiety in teenagers",
        TalkStatus.ACCEPTED,
    ),
    (
        "{city} Primary Care Conference",
        "GPs of metropolitan {city}",
        -75,
        "Brief therapy for panic in general practice",
        TalkStatus.PROPOSED,
    ),
]

CITIES = {"NSW": "Sydney", "QLD": "Brisbane", "VIC": "Melbourne", "WA": "Perth", "SA": "Adelaide"}

TRAINING_TOPICS = [
    "Writing a Mental Health Treatment Plan that works",
    "Perinatal anxiety: screening and referral",
    "Panic disorder: what to say in the consult",
    "Trauma: when to refer and what to expect",
]

SUMMARIES = {
    ActivityKind.VISIT: [
        "Introduced the practice and our areas of work; they were glad of the wait times.",
        "Met the practice manager and two GPs; left referral pads.",
        "Dropped in with the updated leave-behind.",
    ],
    ActivityKind.PHONE_CALL: [
        "Called to thank them for their referrals and share current openings.",
        "Quick catch-up; they asked about urgent appointments for adolescents.",
        "Checked how our letters are landing; they prefer shorter updates.",
    ],
    ActivityKind.EMAIL: [
        "Sent our openings update.",
        "Thank-you for the recent referral, with our wait times.",
    ],
    ActivityKind.FEEDBACK: [
        "Said the end-of-course reports are clear and useful.",
        "Asked that urgent referrals be acknowledged by phone.",
    ],
}


def build_outreach_history(
    practice: Practice,
    *,
    rng,
    today: date,
    owner: User,
    clinicians: list[User],
    medical_practices: list[MedicalPractice],
    doctors: list[Doctor],
    referrals: list[Referral],
) -> dict:
    staff = [owner, *clinicians[:2]]
    # The owner does most of the outreach, as owners of small practices do.
    who_weights = [6, 3, 1][: len(staff)]

    def who() -> User:
        return rng.choices(staff, weights=who_weights)[0]

    def summary(kind) -> str:
        return rng.choice(SUMMARIES.get(kind, [""]))

    start = today - timedelta(days=3 * 365)
    rows: list[Activity] = []
    dates_by_doctor: dict[int, list[date]] = defaultdict(list)
    for r in referrals:
        if r.referring_doctor_id and r.pk:
            dates_by_doctor[r.referring_doctor_id].append(r.referral_date)
            rows.append(
                Activity(
                    practice=practice,
                    kind=ActivityKind.REFERRAL,
                    occurred_on=r.referral_date,
                    doctor_id=r.referring_doctor_id,
                    referral_id=r.pk,
                    summary=f"Referral {r.reference}",
                )
            )
    first_mp: dict[int, int] = {}
    Through = Doctor.medical_practices.through
    for link in Through.objects.filter(doctor__in=doctors).order_by("id"):
        first_mp.setdefault(link.doctor_id, link.medicalpractice_id)

    def contact(doctor_id, day, kind, by=None, **fields):
        if day > today or day < start - timedelta(days=120):
            return
        rows.append(
            Activity(
                practice=practice,
                kind=kind,
                occurred_on=day,
                doctor_id=doctor_id,
                medical_practice_id=first_mp.get(doctor_id) if kind == ActivityKind.VISIT else None,
                logged_by=by or who(),
                summary=fields.pop("summary", summary(kind)),
                **fields,
            )
        )

    left_to_lapse = 3  # lapsed referrers nobody has called yet: this week's calls
    for doctor in doctors:
        dates = sorted(dates_by_doctor.get(doctor.pk, []))
        if dates:
            first = dates[0]
            # Most referrers were introduced first; some came unprompted.
            if rng.random() < 0.75:
                contact(
                    doctor.pk,
                    first - timedelta(days=rng.randint(15, 120)),
                    ActivityKind.VISIT,
                    people_met=doctor.display_name,
                    materials_left="Leave-behind and referral pads",
                    asked_for_referrals=True,
                    duration_minutes=rng.choice([30, 45, 60]),
                )
            # Thanked for the first referral within a couple of days.
            contact(
                doctor.pk,
                first + timedelta(days=rng.randint(1, 3)),
                rng.choice([ActivityKind.EMAIL, ActivityKind.PHONE_CALL]),
                summary="Thank-you for the first referral.",
            )
            verdict = stage_of(StageFacts(today, tuple(dates)))
            end = today
            if verdict.stage == Stage.LAPSED:
                end = dates[-1] + timedelta(days=60)
            # Kept in touch every two to three months while they referred.
            day = first + timedelta(days=rng.randint(50, 85))
            while day < end - timedelta(days=rng.randint(5, 30)):
                contact(
                    doctor.pk,
                    day,
                    rng.choices(
                        [ActivityKind.PHONE_CALL, ActivityKind.EMAIL, ActivityKind.VISIT],
                        weights=[4, 4, 1],
                    )[0],
                )
                day += timedelta(days=rng.randint(55, 88))
            if rng.random() < 0.12:
                contact(doctor.pk, dates[-1] + timedelta(days=40), ActivityKind.FEEDBACK)
            if verdict.stage == Stage.LAPSED and verdict.lapsed_since:
                if left_to_lapse > 0 and verdict.lapsed_since > today - timedelta(days=200):
                    left_to_lapse -= 1  # not yet called: the cadence job raises the call
                else:
                    contact(
                        doctor.pk,
                        min(verdict.lapsed_since + timedelta(days=rng.randint(3, 20)), today),
                        ActivityKind.PHONE_CALL,
                        summary="Called after a quiet spell; they have moved to part-time.",
                    )
        elif rng.random() < 0.22:
            # Introduced, never referred (yet); a few only last month.
            ago = rng.choice([rng.randint(60, 900), rng.randint(24, 36)])
            contact(
                doctor.pk,
                today - timedelta(days=ago),
                ActivityKind.VISIT,
                people_met=doctor.display_name,
                materials_left="Leave-behind",
                asked_for_referrals=rng.random() < 0.7,
            )
            # Followed up a month later, as the routine asks; only last month's
            # introductions still wait for theirs (this week's follow-up tasks).
            if ago > 40:
                contact(
                    doctor.pk,
                    today - timedelta(days=ago - rng.randint(28, 35)),
                    rng.choice([ActivityKind.PHONE_CALL, ActivityKind.EMAIL]),
                    summary="Followed up the introduction; happy to receive our updates.",
                )

    # Events, with doctors met there.
    region = {
        "area": practice.suburb,
        "state": practice.state,
        "city": CITIES.get(practice.state, practice.suburb),
    }
    events = OutreachEvent.objects.bulk_create(
        [
            OutreachEvent(
                practice=practice,
                name=name.format(**region),
                audience_focus=audience.format(**region),
                starts_on=today - timedelta(days=ago),
                location=f"{practice.suburb} Community Centre" if i % 2 else region["city"],
                talk_title=title,
                talk_status=status,
            )
            for i, (name, audience, ago, title, status) in enumerate(EVENTS)
        ]
    )
    niche_ids = list(practice.niches.values_list("pk", flat=True)) or list(
        Niche.objects.values_list("pk", flat=True)[:3]
    )
    EventNiche = OutreachEvent.niches.through
    EventNiche.objects.bulk_create(
        [
            EventNiche(outreachevent_id=e.pk, niche_id=rng.choice(niche_ids))
            for e in events
            if niche_ids
        ]
    )
    for event in events:
        if event.starts_on > today:
            continue
        for doctor in rng.sample(doctors, min(len(doctors), rng.randint(2, 5))):
            contact(
                doctor.pk,
                event.starts_on,
                ActivityKind.EVENT,
                by=owner,
                event=event,
                summary=f"Met at {event.name}.",
            )
            if doctor.pk not in dates_by_doctor and event.starts_on < today - timedelta(days=40):
                contact(
                    doctor.pk,
                    event.starts_on + timedelta(days=rng.randint(7, 30)),
                    ActivityKind.EMAIL,
                    summary="Followed up after the event with our leave-behind.",
                )

    # Lunch-and-learns: delivered ones over the years, and one offered last week.
    for i, topic in enumerate(TRAINING_TOPICS):
        mp = rng.choice(medical_practices)
        offered = i == len(TRAINING_TOPICS) - 1
        rows.append(
            Activity(
                practice=practice,
                kind=ActivityKind.TRAINING,
                occurred_on=today - timedelta(days=6 if offered else 150 + 230 * i),
                medical_practice=mp,
                logged_by=owner,
                topic=topic,
                training_status=TrainingStatus.OFFERED if offered else TrainingStatus.DELIVERED,
                attendees="" if offered else f"{rng.randint(4, 9)} GPs and 2 practice nurses",
                duration_minutes=None if offered else 60,
                summary="Offered by e-mail to the practice manager."
                if offered
                else "Well received; several asked for the leave-behind.",
                next_step="Confirm a date for the lunch-and-learn" if offered else "",
                next_step_due=today + timedelta(days=2) if offered else None,
            )
        )

    # Recent visits whose next steps fall due this week.
    recent = [d for d in doctors if d.pk not in dates_by_doctor][:3]
    steps = [
        "Send the perinatal leave-behind",
        "Phone to offer a lunch-and-learn",
        "Drop off referral pads",
    ]
    for offset, (doctor, step) in enumerate(zip(recent, steps, strict=False)):
        rows.append(
            Activity(
                practice=practice,
                kind=ActivityKind.VISIT,
                occurred_on=today - timedelta(days=10 + offset),
                doctor=doctor,
                medical_practice_id=first_mp.get(doctor.pk),
                logged_by=owner,
                people_met=doctor.display_name,
                materials_left="Leave-behind",
                asked_for_referrals=True,
                summary="Introduced the practice; interested in our perinatal work.",
                next_step=step,
                next_step_due=today + timedelta(days=offset + 1),
            )
        )
    activities = bulk.save(rows)
    StaffThrough = Activity.staff.through
    bulk.save(
        [
            StaffThrough(activity_id=a.pk, user_id=a.logged_by_id)
            for a in activities
            if a.logged_by_id and a.kind != ActivityKind.REFERRAL
        ],
        batch_size=BATCH,
    )
    OutreachTask.objects.bulk_create(
        [
            OutreachTask(
                practice=practice,
                source=TaskSource.NEXT_STEP,
                title=a.next_step,
                doctor_id=a.doctor_id,
                medical_practice_id=a.medical_practice_id,
                from_activity=a,
                assigned_to_id=a.logged_by_id,
                due_on=a.next_step_due,
            )
            for a in activities
            if a.next_step and a.next_step_due and a.next_step_due >= today
        ]
    )

    # A few preferences, two of them "do not contact".
    never = [d for d in doctors if d.pk not in dates_by_doctor]
    referrers = [d for d in doctors if d.pk in dates_by_doctor]
    prefs = [
        DoctorPreference(
            practice=practice,
            doctor=d,
            detail_level=rng.choice(list(DetailLevel)),
            update_every_days=rng.choice([None, 60, 120]),
            notes=rng.choice(["Prefers calls after 4 pm.", "Reads e-mail on Fridays.", ""]),
        )
        for d in rng.sample(referrers, min(12, len(referrers)))
    ]
    now = timezone.now()
    for d, reason in zip(
        never[-2:],
        ["Asked by phone not to receive marketing.", "Retired from clinical practice."],
        strict=False,
    ):
        prefs.append(
            DoctorPreference(
                practice=practice,
                doctor=d,
                do_not_contact=True,
                do_not_contact_reason=reason,
                do_not_contact_set_by=owner,
                do_not_contact_set_at=now - timedelta(days=rng.randint(30, 300)),
            )
        )
    DoctorPreference.objects.bulk_create(prefs)

    # Openings, as the clinicians updated them this week.
    profiles = list(ClinicianProfile.objects.filter(user__in=[owner, *clinicians]))
    for profile in profiles:
        profile.urgent_slots_this_week = rng.choice([0, 1, 2, 2, 3])
        profile.current_wait_days = rng.choice([5, 8, 12, 14, 21])
        profile.openings_updated_at = now - timedelta(days=rng.randint(0, 4))
    ClinicianProfile.objects.bulk_update(
        profiles, ["urgent_slots_this_week", "current_wait_days", "openings_updated_at"]
    )

    # What the daily cadence job would have raised by this morning.
    tasks = outreach_actions.raise_due_tasks(practice, today=today)
    return {"activities": len(activities), "outreach_tasks": len(tasks)}
