"""A known history for the insight tests: figures that must come out exactly."""

from datetime import date, timedelta

from careloop import testing
from careloop.consent.models import Consent
from careloop.lib.business_days import add_business_days
from careloop.measures.models import MeasureResult
from careloop.outreach.models import Activity, ActivityKind
from careloop.therapy.models import SessionStatus

NOW = testing.aware(2026, 9, 15, 10)
VISIT_ON = date(2026, 6, 1)
BEFORE_MONTHS = [(2025, 12), (2026, 1), (2026, 2), (2026, 3), (2026, 4), (2026, 5)]
AFTER_MONTHS = [(2026, 6), (2026, 7), (2026, 8)]


def referral(practice, doctor, at, **fields):
    fields.setdefault("acknowledged_at", at)
    return testing.make_referral(
        practice, doctor=doctor, received_at=at, referral_date=at.date(), **fields
    )


def build(practice, owner, suffix="1"):
    """A doctor who referred 2 a month for 6 months before a visit and 5 a month in the
    3 months after; a referral acknowledged late; a report sent 12 business days after
    the course ended."""
    medical_practice = testing.make_medical_practice(practice, name="Harbourside Medical")
    steady = testing.make_doctor(
        practice, [medical_practice], given_name="Grace", family_name="Visited"
    )
    for year, month in BEFORE_MONTHS:
        for day in (5, 20):
            referral(practice, steady, testing.aware(year, month, day))
    for year, month in AFTER_MONTHS:
        for day in (2, 8, 14, 20, 26):
            referral(practice, steady, testing.aware(year, month, day))
    Activity.objects.create(
        practice=practice,
        kind=ActivityKind.VISIT,
        occurred_on=VISIT_ON,
        doctor=steady,
        duration_minutes=60,
        logged_by=owner,
    )

    other = testing.make_doctor(practice, given_name="Larry", family_name="Late")
    # Monday 3 August, acknowledged on Thursday: 3 business days against a target of 1.
    late = referral(
        practice,
        other,
        testing.aware(2026, 8, 3),
        acknowledged_at=testing.aware(2026, 8, 6),
        reference=f"LATEACK{suffix}",
    )

    slow = referral(
        practice,
        other,
        testing.aware(2026, 7, 6),
        sessions_referred=1,
        first_seen_at=testing.aware(2026, 7, 13),
        reference=f"SLOWREP{suffix}",
    )
    session = testing.make_session(
        practice,
        client=slow.client,
        referral=slow,
        starts_at=testing.aware(2026, 7, 13),
        status=SessionStatus.ATTENDED,
    )
    ended = session.starts_at.date()
    slow.report_sent_at = testing.aware(*_ymd(add_business_days(ended, 12, practice.state)))
    slow.save(update_fields=["report_sent_at"])
    return {
        "steady": steady,
        "other": other,
        "late": late,
        "slow": slow,
        "medical_practice": medical_practice,
    }


def _ymd(day: date) -> tuple[int, int, int]:
    return day.year, day.month, day.day


def scores(practice, owner, medical_practice, count, *, first=30, last=20, consent=True):
    """`count` clients referred from `medical_practice`, each seen once and with a first
    and a last K10. Returns their doctor."""
    doctor = testing.make_doctor(practice, [medical_practice])
    clinician = testing.make_user(practice)
    for index in range(count):
        at = testing.aware(2026, 3, 2) + timedelta(days=index)
        made = referral(practice, doctor, at, first_seen_at=at + timedelta(days=7))
        testing.make_session(
            practice,
            client=made.client,
            clinician=clinician,
            referral=made,
            starts_at=at + timedelta(days=7),
            status=SessionStatus.ATTENDED,
        )
        for on, score in ((date(2026, 3, 20), first), (date(2026, 6, 20), last - index % 2)):
            MeasureResult.objects.create(
                practice=practice,
                client=made.client,
                measure="k10",
                administered_on=on,
                answers={},
                scores=[{"code": "total", "label": "Total", "score": score, "band": ""}],
                band_set="default",
                scoring_version="test",
            )
        if consent:
            Consent.objects.create(
                practice=practice,
                client=made.client,
                referral=made,
                scopes=["status", "progress"],
                method="written",
                obtained_on=date(2026, 3, 2),
                recorded_by=owner,
            )
    return doctor
