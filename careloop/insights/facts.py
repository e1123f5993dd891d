"""Build the summary rows (ReferralFact) from the referrals, their events, sessions and
letters: a fixed number of queries per batch, whatever the history's size."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from careloop.directory.models import Doctor
from careloop.letters.models import Letter, LetterStatus
from careloop.lib.business_days import add_business_days
from careloop.practices.models import Practice
from careloop.referrals.models import EventKind, Referral, ReferralEvent, TriageStatus
from careloop.therapy.models import SessionStatus, TherapySession

from . import funnel, loop, summaries
from .models import InsightSettings, ReferralFact

BATCH = 2000
ENDED_WITHOUT_SESSION = (TriageStatus.DECLINED, TriageStatus.UNABLE_TO_CONTACT)


def settings_for(practice: Practice) -> InsightSettings:
    found = InsightSettings.objects.filter(practice=practice).first()
    return found or InsightSettings(practice=practice)


def loop_targets(practice: Practice, settings: InsightSettings | None = None) -> loop.LoopTargets:
    settings = settings or settings_for(practice)
    return loop.LoopTargets(
        acknowledge_days=practice.acknowledge_within_days,
        report_days=settings.report_within_days,
        state=practice.state,
    )


def refresh(practice: Practice, referral_ids: Iterable[int] | None = None) -> int:
    """Recompute the rows of the given referrals (all of the practice's by default),
    then the monthly summaries of the months they fall in and the score changes of
    their clients. Idempotent; returns how many referral rows were written."""
    referrals = Referral.objects.filter(practice=practice)
    if referral_ids is not None:
        referrals = referrals.filter(pk__in=list(referral_ids))
    ids = list(referrals.order_by("pk").values_list("pk", flat=True))
    settings = settings_for(practice)
    targets = loop_targets(practice, settings)
    written = 0
    months: set = set()
    clients: set[int] = set()
    doctors: set[int] = set()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = _rows(practice, chunk, targets)
        with transaction.atomic():
            summaries.lock(practice)
            stale = ReferralFact.objects.filter(practice=practice, referral_id__in=chunk)
            if referral_ids is not None:
                # A referral moved to another month (its date corrected) leaves one.
                for month, client_id, doctor_id in stale.values_list(
                    "month", "client_id", "doctor_id"
                ):
                    months.add(month)
                    clients.add(client_id)
                    doctors.add(doctor_id)
            stale.delete()
            ReferralFact.objects.bulk_create(rows, batch_size=500)
        if referral_ids is not None:
            months.update(row.month for row in rows)
            clients.update(row.client_id for row in rows if row.client_id)
            doctors.update(row.doctor_id for row in rows if row.doctor_id)
        written += len(rows)
    if referral_ids is None:
        # Referrals deleted since the last run.
        ReferralFact.objects.filter(practice=practice).exclude(referral_id__in=ids).delete()
        summaries.rebuild_months(practice)
        summaries.rebuild_score_changes(practice)
        summaries.rebuild_doctor_years(practice)
    else:
        summaries.rebuild_months(practice, months)
        summaries.rebuild_score_changes(practice, clients - {None})
        summaries.rebuild_doctor_years(practice, doctors - {None})
    return written


def refresh_scores(practice: Practice, client_ids: Iterable[int]) -> int:
    """A client's scores changed: their first and last scores, nothing else."""
    return summaries.rebuild_score_changes(practice, client_ids)


def _local_date(moment: datetime | None, practice: Practice):
    return moment.astimezone(practice.zoneinfo).date() if moment else None


def _rows(practice: Practice, ids: list[int], targets: loop.LoopTargets) -> list[ReferralFact]:
    referrals = list(
        Referral.objects.filter(pk__in=ids)
        .select_related("client")
        .only(
            "pk",
            "practice_id",
            "client_id",
            "client__suburb",
            "referring_doctor_id",
            "source",
            "basis",
            "preferred_niche_id",
            "assigned_clinician_id",
            "status",
            "status_reason",
            "sessions_referred",
            "received_at",
            "acknowledged_at",
            "first_contacted_at",
            "offered_at",
            "first_seen_at",
            "report_sent_at",
        )
    )
    doctor_ids = {r.referring_doctor_id for r in referrals if r.referring_doctor_id}
    # A doctor working at several practices is counted at the first one on file.
    medical_practice_of: dict[int, int] = {}
    for doctor_id, medical_practice_id in (
        Doctor.medical_practices.through.objects.filter(doctor_id__in=doctor_ids)
        .order_by("-medicalpractice_id")
        .values_list("doctor_id", "medicalpractice_id")
    ):
        medical_practice_of[doctor_id] = medical_practice_id  # the lowest id wins

    attended = {
        row["referral_id"]: row
        for row in TherapySession.objects.filter(referral_id__in=ids, status=SessionStatus.ATTENDED)
        .values("referral_id")
        .annotate(count=Count("id"), last=Max("starts_at"))
    }
    # When each referral last moved to an ending status (discharged, declined...).
    ended_at: dict[tuple[int, str], datetime] = {
        (row["referral_id"], row["to_status"]): row["at"]
        for row in ReferralEvent.objects.filter(
            referral_id__in=ids,
            kind=EventKind.STATUS,
            to_status__in=[TriageStatus.DISCHARGED, *ENDED_WITHOUT_SESSION],
        )
        .values("referral_id", "to_status")
        .annotate(at=Max("at"))
    }
    signed: dict[int, list[datetime]] = {}
    for referral_id, signed_at in Letter.objects.filter(
        referral_id__in=ids, status=LetterStatus.SIGNED, signed_at__isnull=False
    ).values_list("referral_id", "signed_at"):
        if referral_id is not None and signed_at is not None:
            signed.setdefault(referral_id, []).append(signed_at)

    today = practice.today()
    contact_days = practice.contact_within_days
    rows = []
    for r in referrals:
        received_on = _local_date(r.received_at, practice)
        assert received_on is not None
        sessions = attended.get(r.pk)
        course_ended_at = ended_at.get((r.pk, TriageStatus.DISCHARGED))
        if (
            course_ended_at is None
            and sessions
            and r.sessions_referred
            and sessions["count"] >= r.sessions_referred
        ):
            # A course that used all its sessions ended at the last one.
            course_ended_at = sessions["last"]
        ended_without = None
        told = None
        end_reason = ""
        if r.status in ENDED_WITHOUT_SESSION and r.first_seen_at is None:
            ended_without = ended_at.get((r.pk, r.status)) or r.received_at
            end_reason = r.status_reason
            later = [s for s in signed.get(r.pk, []) if s >= ended_without]
            told = min(later) if later else None
        result = loop.evaluate(
            loop.LoopFacts(
                received_on=received_on,
                has_referrer=r.referring_doctor_id is not None,
                acknowledged_on=_local_date(r.acknowledged_at, practice),
                first_seen_on=_local_date(r.first_seen_at, practice),
                ended_without_session_on=_local_date(ended_without, practice),
                told_why_not_on=_local_date(told, practice),
                course_ended_on=_local_date(course_ended_at, practice),
                report_sent_on=_local_date(r.report_sent_at, practice),
            ),
            targets,
            today=today,
        )
        contact_due = add_business_days(received_on, contact_days, practice.state)
        steps = [
            r.received_at,
            r.first_contacted_at,
            r.offered_at,
            r.first_seen_at,
            course_ended_at,
            r.report_sent_at,
        ]
        step_times = {
            field: funnel.tenths_between(steps[index - 1], steps[index])
            for index, field in enumerate(funnel.TENTHS_FIELDS)
            if field
        }
        contacted_on = _local_date(r.first_contacted_at, practice)
        rows.append(
            ReferralFact(
                practice=practice,
                referral_id=r.pk,
                month=received_on.replace(day=1),
                doctor_id=r.referring_doctor_id,
                medical_practice_id=(
                    medical_practice_of.get(r.referring_doctor_id)
                    if r.referring_doctor_id
                    else None
                ),
                channel=r.source,
                basis=r.basis,
                niche_id=r.preferred_niche_id,
                suburb=r.client.suburb.strip().title(),
                client_id=r.client_id,
                sessions_attended=sessions["count"] if sessions else 0,
                furthest_step=funnel.furthest_step(steps) or 0,
                **step_times,
                clinician_id=r.assigned_clinician_id,
                status=r.status,
                end_reason=end_reason[:200],
                received_at=r.received_at,
                acknowledged_at=r.acknowledged_at,
                contacted_at=r.first_contacted_at,
                offered_at=r.offered_at,
                first_seen_at=r.first_seen_at,
                course_ended_at=course_ended_at,
                report_sent_at=r.report_sent_at,
                acknowledged_on_time=result.acknowledged_on_time,
                contacted_on_time=(
                    contacted_on <= contact_due
                    if contacted_on
                    else (False if today > contact_due else None)
                ),
                loop=result.state,
                loop_reasons="\n".join(result.reasons),
                refreshed_at=timezone.now(),
            )
        )
    return rows
