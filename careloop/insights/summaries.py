"""The monthly summary rows (ReferralMonth, StepDuration) and the clients' score
changes (ScoreChange), rebuilt from the per-referral rows (ReferralFact) for the months
and clients a refresh touched. A few grouped queries per month: the pages then add up
a year of these instead of reading every referral of it."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum

from careloop.measures.models import MeasureResult
from careloop.practices.models import Practice
from careloop.referrals.models import TriageStatus

from . import periods
from .funnel import REACHED_FIELDS, TENTHS_FIELDS
from .models import (
    Dimension,
    DoctorYear,
    LoopState,
    ReferralFact,
    ReferralMonth,
    ScoreChange,
    SourceTotal,
    StepDuration,
)

# Each dimension and the ReferralFact field it groups by.
DIMENSION_FIELDS = {
    Dimension.ALL: None,
    Dimension.DOCTOR: "doctor_id",
    Dimension.MEDICAL_PRACTICE: "medical_practice_id",
    Dimension.CHANNEL: "channel",
    Dimension.BASIS: "basis",
    Dimension.NICHE: "niche_id",
    Dimension.SUBURB: "suburb",
    Dimension.CLINICIAN: "clinician_id",
}
FROM_DOCTORS = ~Q(loop=LoopState.NOT_APPLICABLE)
COUNTS = {
    "referrals": Count("id"),
    "from_doctors": Count("id", filter=FROM_DOCTORS),
    "acknowledged_on_time": Count("id", filter=FROM_DOCTORS & Q(acknowledged_on_time=True)),
    "acknowledged_known": Count("id", filter=FROM_DOCTORS & Q(acknowledged_on_time__isnull=False)),
    "contacted_on_time": Count("id", filter=FROM_DOCTORS & Q(contacted_on_time=True)),
    "contacted_known": Count("id", filter=FROM_DOCTORS & Q(contacted_on_time__isnull=False)),
    "loops_closed": Count("id", filter=Q(loop=LoopState.CLOSED)),
    "loops_broken": Count("id", filter=Q(loop=LoopState.BROKEN)),
    "loops_open": Count("id", filter=Q(loop=LoopState.OPEN)),
    **{
        field: Count("id", filter=Q(furthest_step__gte=index))
        for index, field in enumerate(REACHED_FIELDS)
        if index
    },
    "declined_unseen": Count(
        "id", filter=Q(status=TriageStatus.DECLINED, first_seen_at__isnull=True)
    ),
    "unable_to_contact_unseen": Count(
        "id", filter=Q(status=TriageStatus.UNABLE_TO_CONTACT, first_seen_at__isnull=True)
    ),
}


def key_of(value) -> str:
    """The ReferralMonth key of a fact's value: ids and text as text, none as ""."""
    return "" if value is None else str(value)


# The periods the sources page offers, and the dimensions it ranks (SourceTotal).
SOURCE_WINDOWS = (6, 12, 24)
SOURCE_DIMENSIONS = (
    Dimension.DOCTOR,
    Dimension.MEDICAL_PRACTICE,
    Dimension.CHANNEL,
    Dimension.BASIS,
    Dimension.NICHE,
    Dimension.SUBURB,
)


def rebuild_months(practice: Practice, months: Iterable[date] | None = None) -> int:
    """Recount the given months (every month by default) from ReferralFact, and bring
    the sources' totals up to date with them. Returns how many monthly rows were
    written."""
    facts: QuerySet[ReferralFact] = ReferralFact.objects.filter(practice=practice)
    chosen = None if months is None else sorted(set(months))
    if chosen is not None:
        if not chosen:
            return 0
        facts = facts.filter(month__in=chosen)
    with transaction.atomic():
        lock(practice)
        stale_months = ReferralMonth.objects.filter(practice=practice)
        if chosen is not None:
            stale_months = stale_months.filter(month__in=chosen)
        counted_before = _source_counts(stale_months)
        month_rows, step_rows = _month_rows(practice, facts), _step_rows(practice, facts)
        _replace(ReferralMonth, practice, month_rows, month__in=chosen)
        _replace(StepDuration, practice, step_rows, month__in=chosen)
        through = practice.today().replace(day=1)
        built_through = (
            SourceTotal.objects.filter(practice=practice).values_list("through", flat=True).first()
        )
        if chosen is None or built_through != through:
            rebuild_source_totals(practice, through)
        else:
            counted_after = {
                (row.month, row.dimension, row.key): row.referrals
                for row in month_rows
                if row.dimension in SOURCE_DIMENSIONS
            }
            _apply_source_changes(practice, through, counted_before, counted_after)
    return len(month_rows) + len(step_rows)


Counts = dict[tuple[date, str, str], int]


def _source_counts(month_rows: QuerySet[ReferralMonth]) -> Counts:
    return {
        (month, dimension, key): n
        for month, dimension, key, n in month_rows.filter(
            dimension__in=SOURCE_DIMENSIONS
        ).values_list("month", "dimension", "key", "referrals")
    }


def rebuild_source_totals(practice: Practice, through: date) -> int:
    """Every source's totals over each period the sources page offers, through the
    given month, added up from the monthly rows."""
    rows = []
    for window in SOURCE_WINDOWS:
        months = periods.last_months(through, window)
        before, after = periods.mover_windows(months)
        for key_dimension, key, total, counted_before, counted_after in (
            ReferralMonth.objects.filter(
                practice=practice,
                dimension__in=SOURCE_DIMENSIONS,
                month__gte=months[0],
                month__lte=months[-1],
            )
            .values("dimension", "key")
            .order_by()
            .annotate(
                total=Sum("referrals"),
                counted_before=Sum("referrals", filter=Q(month__in=before)),
                counted_after=Sum("referrals", filter=Q(month__in=after)),
            )
            .values_list("dimension", "key", "total", "counted_before", "counted_after")
        ):
            rows.append(
                SourceTotal(
                    practice=practice,
                    through=through,
                    months=window,
                    dimension=key_dimension,
                    key=key,
                    referrals=total,
                    before=counted_before or 0,
                    after=counted_after or 0,
                    change=(counted_after or 0) - (counted_before or 0),
                )
            )
    _replace(SourceTotal, practice, rows)
    return len(rows)


def _apply_source_changes(
    practice: Practice, through: date, counted_before: Counts, counted_after: Counts
) -> None:
    """Move the sources' totals by what a recount of some months changed: a referral
    typed in changes one doctor's, one suburb's... totals, not the year's thousands."""
    changes: dict[tuple[int, str, str], list[int]] = {}  # referrals, before, after
    for where in counted_before.keys() | counted_after.keys():
        moved = counted_after.get(where, 0) - counted_before.get(where, 0)
        if not moved:
            continue
        month, dimension, key = where
        for window in SOURCE_WINDOWS:
            months = periods.last_months(through, window)
            if month not in months:
                continue
            before, after = periods.mover_windows(months)
            change = changes.setdefault((window, dimension, key), [0, 0, 0])
            change[0] += moved
            change[1] += moved if month in before else 0
            change[2] += moved if month in after else 0
    if not changes:
        return
    existing = {
        (row.months, row.dimension, row.key): row
        for row in SourceTotal.objects.filter(
            practice=practice,
            months__in=SOURCE_WINDOWS,
            dimension__in={dimension for _, dimension, _ in changes},
            key__in={key for _, _, key in changes},
        )
    }
    updated, created, emptied = [], [], []
    for target, (moved, moved_before, moved_after) in changes.items():
        row = existing.get(target)
        if row is None:
            window, dimension, key = target
            row = SourceTotal(
                practice=practice,
                through=through,
                months=window,
                dimension=dimension,
                key=key,
                referrals=0,
                before=0,
                after=0,
                change=0,
            )
            created.append(row)
        elif row.referrals + moved <= 0:
            emptied.append(row.pk)
            continue
        else:
            updated.append(row)
        row.referrals += moved
        row.before += moved_before
        row.after += moved_after
        row.change = row.after - row.before
    SourceTotal.objects.filter(pk__in=emptied).delete()
    SourceTotal.objects.bulk_update(updated, ["referrals", "before", "after", "change"])
    SourceTotal.objects.bulk_create([row for row in created if row.referrals > 0])


def _month_rows(practice: Practice, facts: QuerySet[ReferralFact]) -> list[ReferralMonth]:
    month_rows: list[ReferralMonth] = []
    for dimension, field in DIMENSION_FIELDS.items():
        grouped = facts.values("month", field) if field else facts.values("month")
        # Annotated under other names: some are also ReferralFact's fields.
        for counted in grouped.order_by().annotate(
            **{f"n_{name}": count for name, count in COUNTS.items()}
        ):
            row: dict[str, Any] = dict(counted)
            month_rows.append(
                ReferralMonth(
                    practice=practice,
                    month=row["month"],
                    dimension=dimension,
                    key=key_of(row[field]) if field else "",
                    **{name: row[f"n_{name}"] for name in COUNTS},
                )
            )
    return month_rows


def _step_rows(practice: Practice, facts: QuerySet[ReferralFact]) -> list[StepDuration]:
    return [
        StepDuration(
            practice=practice,
            month=row["month"],
            channel=row["channel"],
            step=step,
            tenths=row[field],
            referrals=row["n"],
        )
        for step, field in enumerate(TENTHS_FIELDS)
        if field
        for row in facts.filter(**{f"{field}__isnull": False})
        .values("month", "channel", field)
        .order_by()
        .annotate(n=Count("id"))
    ]


def _replace(model, practice: Practice, rows: list, **chosen) -> None:
    """The practice's rows of `model` (those `chosen` names, or all when it names None)
    give way to `rows`. Inside the caller's transaction, under its lock."""
    stale = model.objects.filter(practice=practice)
    narrowed = {lookup: value for lookup, value in chosen.items() if value is not None}
    if narrowed:
        stale = stale.filter(**narrowed)
    stale.delete()
    model.objects.bulk_create(rows, batch_size=1000)


def lock(practice: Practice) -> None:
    """One rebuild of a practice's summaries at a time: two jobs recounting the same
    month would each delete, then both insert. Called inside a transaction, before the
    rows are worked out, so the second works from what the first wrote. The lock takes
    no key (PostgreSQL's FOR NO KEY UPDATE): the practice's other writes, whose foreign
    keys share-lock its row, go on meanwhile. SQLite writes one at a time anyway."""
    Practice.objects.select_for_update(no_key=True).filter(pk=practice.pk).values_list("pk").first()


def first_scale_score(scores) -> float | None:
    score = scores[0].get("score") if scores else None
    return float(score) if score is not None else None


def rebuild_score_changes(practice: Practice, client_ids: Iterable[int] | None = None) -> int:
    """Each client's first and last score of each measure (clients scored twice or more),
    with the source of their latest referral. Every client by default."""
    results = MeasureResult.objects.filter(practice=practice)
    facts = ReferralFact.objects.filter(practice=practice)
    chosen = None if client_ids is None else sorted(set(client_ids))
    if chosen is not None:
        if not chosen:
            return 0
        results = results.filter(client_id__in=chosen)
        facts = facts.filter(client_id__in=chosen)
    with transaction.atomic():
        lock(practice)
        rows = _score_change_rows(practice, results, facts)
        _replace(ScoreChange, practice, rows, client_id__in=chosen)
    return len(rows)


def _score_change_rows(
    practice: Practice, results: QuerySet[MeasureResult], facts: QuerySet[ReferralFact]
) -> list[ScoreChange]:
    # Each client's latest referral names its source (self-referrals name none).
    source: dict[int, tuple[int | None, int | None]] = {}
    for client_id, medical_practice_id, niche_id in facts.order_by("received_at").values_list(
        "client_id", "medical_practice_id", "niche_id"
    ):
        source[client_id] = (medical_practice_id, niche_id)
    first: dict[tuple[int, str], float] = {}
    last: dict[tuple[int, str], float] = {}
    counted: dict[tuple[int, str], int] = {}
    for client_id, measure, scores in (
        results.order_by("administered_on", "created_at")
        .values_list("client_id", "measure", "scores")
        .iterator(chunk_size=5000)
    ):
        score = first_scale_score(scores)
        if score is None:
            continue
        key = (client_id, measure)
        first.setdefault(key, score)
        last[key] = score
        counted[key] = counted.get(key, 0) + 1
    return [
        ScoreChange(
            practice=practice,
            client_id=client_id,
            measure=measure,
            first_score=first[(client_id, measure)],
            last_score=last[(client_id, measure)],
            results=n,
            medical_practice_id=source.get(client_id, (None, None))[0],
            niche_id=source.get(client_id, (None, None))[1],
        )
        for (client_id, measure), n in counted.items()
        if n >= 2
    ]


def year_start(today: date) -> date:
    """The first day of the yearly letters' year: the patients first seen since."""
    return today - timedelta(days=365)


def seen_in_year(practice: Practice, today: date) -> QuerySet[ReferralFact]:
    """Referrals from doctors whose client was first seen in the year to today."""
    start = datetime.combine(year_start(today), time.min, tzinfo=practice.zoneinfo)
    return ReferralFact.objects.filter(
        practice=practice, doctor__isnull=False, first_seen_at__gte=start
    )


def counted_live(practice: Practice, today: date):
    """Each doctor's patients first seen in the year, and their sessions, added up from
    the referrals' rows: what DoctorYear keeps."""
    return (
        seen_in_year(practice, today)
        .values("doctor_id")
        .order_by()
        .annotate(patients=Count("client_id", distinct=True), sessions=Sum("sessions_attended"))
    )


def rebuild_doctor_years(practice: Practice, doctor_ids: Iterable[int] | None = None) -> int:
    """Count the given doctors' year again (every doctor by default; every doctor too
    when the kept year began on another day, since a day passing moves everyone's)."""
    today = practice.today()
    since = year_start(today)
    chosen = None if doctor_ids is None else sorted({d for d in doctor_ids if d})
    with transaction.atomic():
        lock(practice)
        if chosen is not None:
            kept_since = set(
                DoctorYear.objects.filter(practice=practice)
                .values_list("since", flat=True)
                .distinct()[:2]
            )
            if kept_since != {since}:
                chosen = None
            elif not chosen:
                return 0
        counted = counted_live(practice, today)
        if chosen is not None:
            counted = counted.filter(doctor_id__in=chosen)
        rows = [
            DoctorYear(
                practice=practice,
                doctor_id=row["doctor_id"],
                since=since,
                patients=row["patients"],
                sessions=row["sessions"] or 0,
            )
            for row in counted
        ]
        _replace(DoctorYear, practice, rows, doctor_id__in=chosen)
    return len(rows)
