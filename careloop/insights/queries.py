"""What the insight pages, the monthly report and the yearly letters show: read from the
summary rows (ReferralFact) with a fixed number of queries, handed to the pure modules."""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, Sum, TextField
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone

from careloop.consent.models import Consent, Scope
from careloop.directory.models import (
    Doctor,
    MedicalPractice,
    doctor_name,
    medical_practice_name,
)
from careloop.letters.models import Letter, LetterStatus
from careloop.measures.scoring import definitions
from careloop.outreach.models import Activity, ActivityKind
from careloop.practices.models import Niche, Practice, User
from careloop.referrals.models import ReferralBasis, ReferralSource, TriageStatus
from careloop.web.links import uuid_link

from . import attribution, funnel, outcomes, periods
from .chart import bars_svg, sparkline_svg
from .models import (
    Dimension,
    InsightSettings,
    LoopState,
    ReferralFact,
    ReferralMonth,
    ScoreChange,
    SourceTotal,
    StepDuration,
)
from .summaries import SOURCE_WINDOWS
from .tables import ON_SCREEN, Table

CHANNEL_LABELS: dict[str, str] = {
    ReferralSource.FORM: "Web form",
    ReferralSource.HL7: "Secure message (HL7)",
    ReferralSource.UPLOAD: "Uploaded letter",
    ReferralSource.STAFF: "Typed by staff",
}
# Kinds whose effect on referrals is measured: a referral or feedback is not outreach.
OUTREACH_KINDS = [
    k for k in ActivityKind if k not in (ActivityKind.REFERRAL, ActivityKind.FEEDBACK)
]


def month_label(month: date) -> str:
    return month.strftime("%b %Y")


def percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "—"


def facts_for(practice: Practice, months: Sequence[date]):
    return ReferralFact.objects.filter(
        practice=practice, month__gte=months[0], month__lte=months[-1]
    )


def summary_for(practice: Practice, dimension: str, months: Sequence[date]):
    """The monthly summary rows of one dimension over the given months."""
    return ReferralMonth.objects.filter(
        practice=practice, dimension=dimension, month__gte=months[0], month__lte=months[-1]
    )


# ---------------------------------------------------------------- referral sources

DIMENSIONS = [
    ("doctor", "doctor_id", "Doctor"),
    ("medical-practice", "medical_practice_id", "Medical practice"),
    ("channel", "channel", "Channel"),
    ("basis", "basis", "Basis"),
    ("niche", "niche_id", "Area of practice asked for"),
    ("suburb", "suburb", "Client's suburb"),
]


def _names(practice: Practice, dimension: str, keys: set[Any]) -> dict[Any, tuple[str, str]]:
    """(label, link) per key."""
    keys = {k for k in keys if k not in (None, "")}
    if dimension == "doctor":
        doctor_link = uuid_link("directory:doctor_detail")
        return {
            d.pk: (d.display_name, doctor_link(d.uuid))
            for d in Doctor.objects.filter(practice=practice, pk__in=keys).only(
                "uuid", "title", "given_name", "family_name"
            )
        }
    if dimension == "medical-practice":
        practice_link = uuid_link("directory:medical_practice_detail")
        return {
            m.pk: (str(m), practice_link(m.uuid))
            for m in MedicalPractice.objects.filter(practice=practice, pk__in=keys).only(
                "uuid", "name", "suburb"
            )
        }
    if dimension == "niche":
        return {n.pk: (n.name, "") for n in Niche.objects.filter(pk__in=keys)}
    if dimension == "channel":
        return {k: (CHANNEL_LABELS.get(k, k), "") for k in keys}
    if dimension == "basis":
        return {k: (ReferralBasis(k).label if k in ReferralBasis.values else k, "") for k in keys}
    return {k: (k, "") for k in keys}


SOURCE_ROWS = 25
MOVER_DIMENSIONS = ("doctor", "medical-practice")


ID_DIMENSIONS = ("doctor", "medical-practice", "niche", "clinician")


def _value_of(dimension: str, key: str) -> Any:
    """A summary row's key as the value it stands for: an id, a text, or None."""
    if key == "":
        return None
    return int(key) if dimension in ID_DIMENSIONS else key


@dataclass(frozen=True)
class Ranking:
    """A dimension's keys over a period: the busiest, how many, and who moved most."""

    busiest: list[str]
    keys: int
    ups: list[periods.Move]
    downs: list[periods.Move]


def _rank(ranked, fields: tuple[str, str, str, str], *, movers: bool, limit: int = 5) -> Ranking:
    """From rows with a key and (referrals, before, after, change) under `fields`: the
    top of each order, read by the database, never every key."""
    referrals, before, after, change = fields

    def moves(rows) -> list[periods.Move]:
        return [
            periods.Move(key, counted_before, counted_after)
            for key, counted_before, counted_after in rows.values_list("key", before, after)[:limit]
        ]

    return Ranking(
        list(ranked.order_by(f"-{referrals}", "key").values_list("key", flat=True)[:SOURCE_ROWS]),
        ranked.count(),
        moves(ranked.filter(**{f"{change}__gt": 0}).order_by(f"-{change}", "key"))
        if movers
        else [],
        moves(ranked.filter(**{f"{change}__lt": 0}).order_by(change, "key")) if movers else [],
    )


def _ranking(practice: Practice, slug: str, months: Sequence[date], *, kept: bool) -> Ranking:
    """Ranked from the kept totals (SourceTotal) when they are of this period, else
    added up from the monthly rows."""
    movers = slug in MOVER_DIMENSIONS
    if kept:
        totals = SourceTotal.objects.filter(
            practice=practice, dimension=slug, months=len(months), through=months[-1]
        )
        return _rank(totals, ("referrals", "before", "after", "change"), movers=movers)
    before, after = periods.mover_windows(months)
    grouped = (
        summary_for(practice, slug, months)
        .values("key")
        .order_by()
        .annotate(
            total=Sum("referrals"),
            total_before=Coalesce(Sum("referrals", filter=Q(month__in=before)), 0),
            total_after=Coalesce(Sum("referrals", filter=Q(month__in=after)), 0),
        )
        .annotate(total_change=F("total_after") - F("total_before"))
    )
    return _rank(grouped, ("total", "total_before", "total_after", "total_change"), movers=movers)


NONE_LABELS = {
    "doctor": "Self-referral",
    "medical-practice": "No medical practice on file",
    "niche": "None asked for",
    "suburb": "Suburb not recorded",
}


def sources(practice: Practice, months: Sequence[date]) -> dict[str, Any]:
    totals = dict(summary_for(practice, Dimension.ALL, months).values_list("month", "referrals"))
    month_values = [totals.get(m, 0) for m in months]
    labels = [month_label(m) for m in months]
    quarter_labels = periods.quarters(months)
    overview = Table(
        "by-quarter",
        "Referrals by quarter",
        ["Quarter", "Referrals"],
        [
            list(row)
            for row in zip(quarter_labels, periods.by_quarter(month_values, months), strict=True)
        ],
    )
    by_month = Table(
        "by-month",
        "Referrals by month",
        ["Month", "Referrals"],
        [[label, value] for label, value in zip(labels, month_values, strict=True)],
    )
    tables = []
    movers: dict[str, tuple] = {}
    # Kept totals are of the periods offered, through the current month.
    kept = (
        len(months) in SOURCE_WINDOWS
        and SourceTotal.objects.filter(practice=practice, through=months[-1]).exists()
    )
    for slug, _field, title in DIMENSIONS:
        rows_of_dimension = summary_for(practice, slug, months)
        # The busiest SOURCE_ROWS keys get a row each and the rest one row between them:
        # a large practice hears from thousands of doctors a year, and the page reads,
        # names and charts no more than SOURCE_ROWS of them.
        ranking = _ranking(practice, slug, months, kept=kept)
        busiest, ups, downs = ranking.busiest, ranking.ups, ranking.downs
        counts = {
            (key, month): n
            for key, month, n in rows_of_dimension.filter(key__in=busiest).values_list(
                "key", "month", "referrals"
            )
        }
        rows_by_key = periods.series(counts, busiest, months)
        names = _names(
            practice,
            slug,
            {_value_of(slug, str(k)) for k in (*busiest, *(m.key for m in (*ups, *downs)))},
        )

        def label_of(key, names=names, slug=slug):
            value = _value_of(slug, key)
            if value is None:
                return NONE_LABELS.get(slug, "Not recorded")
            return names.get(value, ("(removed)", ""))[0]

        def link_of(key, names=names, slug=slug):
            value = _value_of(slug, key)
            return names.get(value, ("", ""))[1] if value is not None else ""

        ordered = sorted(busiest, key=lambda k: (-sum(rows_by_key[k]), label_of(k)))
        rows, links, sparks = [], [], []
        for index, key in enumerate(ordered):
            values = rows_by_key[key]
            rows.append([label_of(key), *periods.by_quarter(values, months), sum(values)])
            links.append(link_of(key))
            if slug in MOVER_DIMENSIONS and index < ON_SCREEN:
                sparks.append(
                    sparkline_svg(
                        values,
                        chart_id=f"spark-{slug}-{index}",
                        title=f"{label_of(key)}: referrals by month",
                        labels=labels,
                    )
                )
        others = ranking.keys - len(busiest)
        if others > 0:
            rest = [
                total - sum(rows_by_key[k][i] for k in busiest)
                for i, total in enumerate(month_values)
            ]
            rows.append([f"All {others:,} others", *periods.by_quarter(rest, months), sum(rest)])
            links.append("")
            if sparks:
                sparks.append("")
        tables.append(
            Table(
                slug,
                f"By {title.lower()}",
                [title, *quarter_labels, "Total"],
                rows,
                links,
                row_charts=sparks,
            )
        )
        if slug in ("doctor", "medical-practice"):
            movers[slug] = (
                [(label_of(m.key), m.before, m.after) for m in ups],
                [(label_of(m.key), m.before, m.after) for m in downs],
            )
    mover_table = Table(
        "movers",
        "Top movers: the last 3 full months against the 3 before",
        ["Who", "Kind", "3 months before", "Last 3 months", "Change"],
        [
            [name, kind_label, before, after, f"{after - before:+d}"]
            for slug, kind_label in (("doctor", "Doctor"), ("medical-practice", "Medical practice"))
            for direction in movers.get(slug, ([], []))
            for name, before, after in direction
        ],
    )
    return {
        "chart": bars_svg(
            labels, month_values, chart_id="referrals-by-month", title="Referrals by month"
        ),
        "tables": [by_month, overview, mover_table, *tables],
        "total": sum(month_values),
    }


# ---------------------------------------------------------------- funnel


def _funnel_table(slug: str, title: str, groups: list[tuple[str, list[funnel.Step]]]) -> Table:
    rows = [
        [name]
        + [
            f"{s.reached}"
            + (f" ({s.conversion:.0%})" if s.conversion is not None else "")
            + (f", median {s.median_days:g} d" if s.median_days is not None else "")
            for s in steps
        ]
        for name, steps in groups
    ]
    return Table(
        f"funnel-by-{slug}",
        f"By {title.lower()}",
        [title, *(label for _, label in funnel.STEPS)],
        rows,
        note="Each cell: referrals that reached the step (share of the step before), and the "
        "median days from the step before.",
    )


def _reached(rows) -> dict[str, list[int]]:
    """{key: how many reached each step} from summary rows, added up by key."""
    return {
        row["key"]: [row[field] or 0 for field in funnel.REACHED_FIELDS]
        for row in rows.values("key").annotate(
            **{field: Sum(field) for field in funnel.REACHED_FIELDS}
        )
    }


Histograms = list[Counter]


def _no_histograms() -> Histograms:
    return [Counter() for _ in funnel.STEPS]


def funnel_page(practice: Practice, months: Sequence[date]) -> dict[str, Any]:
    """Read from the monthly summaries: how many reached each step by channel and by
    clinician, and each step's times (StepDuration) by channel. The busiest clinicians'
    times come from their own referrals, the rest's from the whole less theirs."""
    by_channel = _reached(summary_for(practice, Dimension.CHANNEL, months))
    channel_times: dict[str, Histograms] = defaultdict(_no_histograms)
    overall_times = _no_histograms()
    for channel, step, tenths, n in (
        StepDuration.objects.filter(practice=practice, month__gte=months[0], month__lte=months[-1])
        .values("channel", "step", "tenths")
        .annotate(n=Sum("referrals"))
        .values_list("channel", "step", "tenths", "n")
    ):
        channel_times[channel][step][tenths] += n
        overall_times[step][tenths] += n
    overall_reached = [
        sum(reached[i] for reached in by_channel.values()) for i in range(len(funnel.STEPS))
    ]
    steps = funnel.steps_from(overall_reached, overall_times)
    overall = Table(
        "funnel",
        "Every referral",
        ["Step", "Referrals", "Of the step before", "Median days from the step before"],
        [
            [
                s.label,
                s.reached,
                f"{s.conversion:.0%}" if s.conversion is not None else "—",
                f"{s.median_days:g}" if s.median_days is not None else "—",
            ]
            for s in steps
        ],
    )
    channel_groups = sorted(
        (
            (
                CHANNEL_LABELS.get(channel, channel),
                funnel.steps_from(reached, channel_times[channel]),
            )
            for channel, reached in by_channel.items()
        ),
        key=lambda group: (-group[1][0].reached, group[0]),
    )
    totals = summary_for(practice, Dimension.ALL, months).aggregate(
        declined=Coalesce(Sum("declined_unseen"), 0),
        unable=Coalesce(Sum("unable_to_contact_unseen"), 0),
    )
    ended = [
        (label, n)
        for label, n in (
            (TriageStatus.DECLINED.label, totals["declined"]),
            (TriageStatus.UNABLE_TO_CONTACT.label, totals["unable"]),
        )
        if n
    ]
    reasons = Table(
        "ended",
        "Ended without a session",
        ["Reason", "Referrals"],
        [[label, n] for label, n in sorted(ended, key=lambda row: -row[1])],
    )
    return {
        "chart": bars_svg(
            [s.label for s in steps],
            [s.reached for s in steps],
            chart_id="funnel-chart",
            title="Referrals reaching each step",
        ),
        "tables": [
            overall,
            _funnel_table("channel", "Channel", channel_groups),
            _funnel_table(
                "clinician",
                "Clinician",
                _clinician_funnels(practice, months, overall_reached, overall_times),
            ),
            reasons,
        ],
    }


def _clinician_funnels(
    practice: Practice,
    months: Sequence[date],
    overall_reached: list[int],
    overall_times: Histograms,
) -> list[tuple[str, list[funnel.Step]]]:
    """The busiest SOURCE_ROWS clinicians each (a large practice has hundreds), and the
    rest together."""
    by_clinician = _reached(summary_for(practice, Dimension.CLINICIAN, months))
    busiest = sorted(by_clinician, key=lambda key: (-by_clinician[key][0], key))[:SOURCE_ROWS]
    ids = [int(key) for key in busiest if key]
    chosen = Q(clinician_id__in=ids)
    if "" in busiest:
        chosen |= Q(clinician_id__isnull=True)
    times: dict[int | None, Histograms] = defaultdict(_no_histograms)
    busiest_times = _no_histograms()
    fields = [field for field in funnel.TENTHS_FIELDS if field]
    for row in facts_for(practice, months).filter(chosen).values("clinician_id", *fields):
        for step, field in enumerate(funnel.TENTHS_FIELDS):
            if field and row[field] is not None:
                times[row["clinician_id"]][step][row[field]] += 1
                busiest_times[step][row[field]] += 1
    names = dict(User.objects.filter(practice=practice, pk__in=ids).values_list("pk", "full_name"))
    groups = [
        (
            names.get(int(key), "Not assigned") if key else "Not assigned",
            funnel.steps_from(by_clinician[key], times[int(key) if key else None]),
        )
        for key in busiest
    ]
    groups.sort(key=lambda group: (-group[1][0].reached, group[0]))
    others = len(by_clinician) - len(busiest)
    if others > 0:
        shown = [sum(by_clinician[key][i] for key in busiest) for i in range(len(funnel.STEPS))]
        rest_times = [
            overall - mine for overall, mine in zip(overall_times, busiest_times, strict=True)
        ]
        groups.append(
            (
                f"All {others:,} others",
                funnel.steps_from(
                    [total - part for total, part in zip(overall_reached, shown, strict=True)],
                    rest_times,
                ),
            )
        )
    return groups


# ---------------------------------------------------------------- promises


@dataclass(frozen=True)
class Closure:
    closed: int
    decided: int
    rate: float | None
    broken: int


def loop_closure(practice: Practice, months: Sequence[date]) -> Closure:
    """The rate over the given months, added up from the monthly summary."""
    counts = summary_for(practice, Dimension.ALL, months).aggregate(
        closed=Coalesce(Sum("loops_closed"), 0), broken=Coalesce(Sum("loops_broken"), 0)
    )
    decided = counts["closed"] + counts["broken"]
    return Closure(
        counts["closed"], decided, counts["closed"] / decided if decided else None, counts["broken"]
    )


LETTERS_OWED_SHOWN = 200


def letters_owed(practice: Practice, now) -> Table:
    """Drafts waiting to go, and end-of-course reports nobody has drafted yet: a course
    that ended with no report is owed from the day it ended, draft or not. The longest
    owed LETTERS_OWED_SHOWN of each, read as plain values."""
    kinds = dict(Letter._meta.get_field("kind").flatchoices)
    letter_link = uuid_link("letters:detail")
    referral_link = uuid_link("referrals:detail")
    drafts = list(
        Letter.objects.filter(practice=practice, status=LetterStatus.DRAFT)
        .order_by("created_at")
        .values_list(
            "created_at",
            "kind",
            "doctor__title",
            "doctor__given_name",
            "doctor__family_name",
            "uuid",
            "referral_id",
        )[:LETTERS_OWED_SHOWN]
    )
    drafted_for: set[int] = {referral_id for *_, referral_id in drafts if referral_id}
    # Loops still open or broken are the only ones that can owe a report (index by loop).
    undrafted = [
        row
        for row in ReferralFact.objects.filter(
            practice=practice,
            loop__in=[LoopState.OPEN, LoopState.BROKEN],
            course_ended_at__isnull=False,
            report_sent_at__isnull=True,
            doctor__isnull=False,
        )
        .order_by("course_ended_at")
        .values_list(
            "course_ended_at",
            "doctor__title",
            "doctor__given_name",
            "doctor__family_name",
            "referral__uuid",
            "referral_id",
        )[:LETTERS_OWED_SHOWN]
        if row[-1] not in drafted_for
    ]
    owed: list[tuple[Any, str, str, str]] = [
        (created_at, str(kinds.get(kind, kind)), doctor_name(*names), letter_link(uuid))
        for created_at, kind, *names, uuid, _ in drafts
    ] + [
        (
            ended_at,
            "End-of-course report (not drafted yet)",
            doctor_name(*names),
            referral_link(uuid),
        )
        for ended_at, *names, uuid, _ in undrafted
    ]
    owed.sort(key=lambda row: row[0])
    return Table(
        "letters-owed",
        "Letters owed",
        ["Letter", "To", "Owed for (days)"],
        [[kind, to, (now - since).days] for since, kind, to, _ in owed],
        [url for *_, url in owed],
        empty="No letter is owed.",
    )


def promises(practice: Practice, months: Sequence[date]) -> dict[str, Any]:
    per_month = {
        row.month: {
            "total": row.from_doctors,
            "ack": row.acknowledged_on_time,
            "ack_known": row.acknowledged_known,
            "contact": row.contacted_on_time,
            "contact_known": row.contacted_known,
            "closed": row.loops_closed,
            "broken": row.loops_broken,
            "open": row.loops_open,
        }
        for row in summary_for(practice, Dimension.ALL, months).filter(from_doctors__gt=0)
    }
    rows: list[list[Any]] = []
    links: list[str] = []
    rates: list[float | None] = []
    for month in months:
        row = per_month.get(month)
        if row is None:
            rows.append([month_label(month), 0, "—", "—", 0, 0, 0, "—"])
            links.append("")
            rates.append(None)
            continue
        decided = row["closed"] + row["broken"]
        rates.append(row["closed"] / decided if decided else None)
        rows.append(
            [
                month_label(month),
                row["total"],
                percent(row["ack"], row["ack_known"]),
                percent(row["contact"], row["contact_known"]),
                row["closed"],
                row["broken"],
                row["open"],
                percent(row["closed"], decided),
            ]
        )
        links.append(reverse("insights:broken") + f"?month={month:%Y-%m}" if row["broken"] else "")
    table = Table(
        "promises",
        "Promises kept, by month received",
        [
            "Month",
            "Referrals from doctors",
            "Acknowledged on time",
            "Client contacted on time",
            "Loops closed",
            "Loops broken",
            "Still open",
            "Loop-closure rate",
        ],
        rows,
        links,
        note="Follow a month to the referrals whose loop broke. Self-referrals have no "
        "doctor to close a loop with and are left out.",
    )
    owed_table = letters_owed(practice, timezone.now())
    return {
        "chart": bars_svg(
            [month_label(m) for m in months],
            rates,
            chart_id="loop-closure",
            title="Loop-closure rate by month received",
            percent=True,
        ),
        "tables": [table, owed_table],
        "closure": loop_closure(practice, months),
        "targets": (practice.acknowledge_within_days, practice.contact_within_days),
        "report_days": InsightSettings.objects.filter(practice=practice)
        .values_list("report_within_days", flat=True)
        .first()
        or 10,
    }


def broken_loops(practice: Practice, month: date | None, *, since: date | None = None):
    """Broken loops of one month received, of every month from `since`, or of all."""
    facts = ReferralFact.objects.filter(practice=practice, loop=LoopState.BROKEN)
    if month is not None:
        facts = facts.filter(month=month)
    elif since is not None:
        facts = facts.filter(month__gte=since)
    return facts.order_by("-received_at", "-pk")


# ---------------------------------------------------------------- outreach


@dataclass
class ActivityEffect:
    activity: Activity
    doctors: int
    result: attribution.RateRatio


# The outreach page weighs this many activities at most, the latest of the year: a
# practice logs a few hundred a year, and the page reads no more whatever its size.
OUTREACH_ACTIVITIES = 200


def outreach(practice: Practice, today: date, *, since: date | None = None) -> dict[str, Any]:
    since = since or today - timedelta(days=365)
    activities = list(
        Activity.objects.filter(practice=practice, kind__in=OUTREACH_KINDS, occurred_on__gte=since)
        .select_related("doctor", "medical_practice")
        .order_by("-occurred_on", "-id")[: OUTREACH_ACTIVITIES + 1]
    )
    more = len(activities) > OUTREACH_ACTIVITIES
    activities = activities[:OUTREACH_ACTIVITIES]
    med_ids = {a.medical_practice_id for a in activities if a.medical_practice_id}
    doctors_at: dict[int, set[int]] = defaultdict(set)
    for doctor_id, med_id in Doctor.medical_practices.through.objects.filter(
        medicalpractice_id__in=med_ids
    ).values_list("doctor_id", "medicalpractice_id"):
        doctors_at[med_id].add(doctor_id)
    touched: dict[int, set[int]] = {}
    for a in activities:
        ids = set(doctors_at.get(a.medical_practice_id, set())) if a.medical_practice_id else set()
        if a.doctor_id:
            ids.add(a.doctor_id)
        touched[a.pk] = ids
    all_doctors = set().union(*touched.values()) if touched else set()
    referral_days: dict[int, list[date]] = defaultdict(list)
    if activities:
        start = min(a.occurred_on for a in activities) - timedelta(days=attribution.BEFORE_DAYS)
        zone = practice.zoneinfo
        for doctor_id, received_at in ReferralFact.objects.filter(
            practice=practice,
            doctor_id__in=all_doctors,
            # From the start of that day in the practice's zone: a range the index on
            # practice, doctor and time can serve (a __date lookup cannot).
            received_at__gte=datetime.combine(start, time.min, tzinfo=zone),
        ).values_list("doctor_id", "received_at"):
            referral_days[doctor_id].append(received_at.astimezone(zone).date())
    effects = []
    for a in activities:
        after_days = min(attribution.AFTER_DAYS, (today - a.occurred_on).days)
        before_start = a.occurred_on - timedelta(days=attribution.BEFORE_DAYS)
        after_end = a.occurred_on + timedelta(days=attribution.AFTER_DAYS)
        before = after = 0
        for doctor_id in touched[a.pk]:
            for day in referral_days.get(doctor_id, []):
                if before_start <= day < a.occurred_on:
                    before += 1
                elif a.occurred_on < day <= min(after_end, today):
                    after += 1
        effects.append(
            ActivityEffect(
                a,
                len(touched[a.pk]),
                attribution.rate_ratio(after, max(after_days, 0), before, attribution.BEFORE_DAYS),
            )
        )
    rows, links = [], []
    for e in effects:
        r = e.result
        if r.enough and r.ratio is not None:
            verdict = f"{r.ratio:.2f} ({r.low:.2f} to {_ci_high(r.high)})"
        elif r.after_days < attribution.MIN_AFTER_DAYS:
            verdict = "Too recent to tell"
        else:
            verdict = "Too few referrals to tell"
        a = e.activity
        who = a.doctor.display_name if a.doctor else ""
        if a.medical_practice:
            who = f"{who}, {a.medical_practice}" if who else str(a.medical_practice)
        rows.append(
            [
                a.occurred_on.strftime("%d/%m/%Y"),
                a.get_kind_display(),
                who,
                r.before,
                r.after,
                verdict,
                a.duration_minutes or "",
            ]
        )
        links.append(a.doctor.get_absolute_url() if a.doctor else "")
    table = Table(
        "activities",
        "Each activity: referrals from the doctors it reached",
        [
            "Date",
            "Activity",
            "Who",
            f"Referrals in the {attribution.BEFORE_DAYS} days before",
            f"In the {attribution.AFTER_DAYS} days after",
            "Rate after ÷ rate before (95% interval)",
            "Minutes spent",
        ],
        rows,
        links,
        note=(
            f"The latest {OUTREACH_ACTIVITIES} activities of the last 12 months, and the "
            "kinds below from them. "
            if more
            else ""
        )
        + f"Association, not proof. A ratio above 1 means those doctors referred faster "
        f"after the activity than before it. Nothing is claimed from fewer than "
        f"{attribution.MIN_EVENTS} referrals, nor before {attribution.MIN_AFTER_DAYS} days "
        f"have passed.",
    )
    ranks = attribution.rank_kinds(
        [(e.activity.kind, e.activity.duration_minutes, e.result) for e in effects]
    )
    rank_table = Table(
        "kinds",
        "Kinds of activity: referrals gained per hour spent",
        ["Kind", "Activities counted", "Hours", "Referrals gained", "Per hour"],
        [
            [
                ActivityKind(k.kind).label,
                k.activities,
                f"{k.hours:g}",
                f"{k.gained:g}",
                f"{k.per_hour:.2f}" if k.per_hour is not None else "—",
            ]
            for k in ranks
        ],
        note="Referrals gained: those after each activity beyond what the doctors' rate "
        "before it predicts. Only activities with the time spent recorded, and enough "
        "referrals to tell, count.",
        empty="No activity yet has both its time recorded and enough referrals to tell.",
    )
    return {"tables": [table, rank_table], "effects": effects}


def _ci_high(value: float | None) -> str:
    if value is None:
        return "—"
    return "no upper limit" if value == float("inf") else f"{value:.2f}"


# ---------------------------------------------------------------- outcomes


def sharing_consents(practice: Practice, today: date):
    """Current consents whose scopes cover sharing progress and scores. The scopes are
    matched as JSON text, quotes included, so that the database filters them (SQLite
    has no JSON containment) and no row's JSON is decoded in Python."""
    return (
        Consent.objects.filter(practice=practice, withdrawn_at__isnull=True, obtained_on__lte=today)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .annotate(scopes_text=Cast("scopes", TextField()))
        .filter(scopes_text__contains=f'"{Scope.PROGRESS}"')
    )


def shared_progress_clients(practice: Practice, today: date) -> set[int]:
    """Clients with a current consent whose scopes cover sharing progress and scores."""
    return set(sharing_consents(practice, today).values_list("client_id", flat=True))


OUTCOME_GROUPS = [
    # (slug, title, ScoreChange field, fields naming it, label when there is none)
    (
        "medical-practice",
        "Referring medical practice",
        "medical_practice_id",
        ("medical_practice__name", "medical_practice__suburb"),
        "Self-referred or none on file",
    ),
    ("niche", "Area of practice", "niche_id", ("niche__name",), "None asked for"),
]
# {(measure, group slug): {group label: GroupTotal before "improved" is chosen}} where the
# total carries how many fell and how many rose.
OutcomeTotals = dict[tuple[str, str], dict[str, tuple[int, float, int, int]]]


def _group_label(slug: str, key: int | None, names: Sequence[str | None], none_label: str) -> str:
    if key is None:
        return none_label
    if slug == "medical-practice":
        return medical_practice_name(names[0] or "", names[1] or "")
    return names[0] or ""


def _add(totals: OutcomeTotals, where: tuple[str, str], label: str, counts) -> None:
    before = totals[where].get(label, (0, 0.0, 0, 0))
    totals[where][label] = tuple(a + b for a, b in zip(before, counts, strict=True))


def _outcome_totals(practice: Practice, today: date, *, shareable_only: bool) -> OutcomeTotals:
    """Each measure's score changes added up by source, named in the same query (a
    large practice's outcomes name thousands of medical practices): in the database,
    or for what leaves the practice, in Python over the clients whose consent covers
    sharing. Two sources of the same name are one group."""
    changes = ScoreChange.objects.filter(practice=practice)
    totals: OutcomeTotals = defaultdict(dict)
    if shareable_only:
        allowed = shared_progress_clients(practice, today)
        name_fields = [f for group in OUTCOME_GROUPS for f in (group[2], *group[3])]
        for client_id, measure, first, last, *rest in changes.values_list(
            "client_id", "measure", "first_score", "last_score", *name_fields
        ):
            if client_id not in allowed:
                continue
            for slug, _title, _field, names, none_label in OUTCOME_GROUPS:
                key, *labels = rest[: 1 + len(names)]
                rest = rest[1 + len(names) :]
                label = _group_label(slug, key, labels, none_label)
                _add(totals, (measure, slug), label, (1, last - first, last < first, last > first))
        return totals
    for slug, _title, field, names, none_label in OUTCOME_GROUPS:
        for measure, key, *labels, clients, change, fell, rose in (
            changes.values("measure", field, *names)
            .order_by()
            .annotate(
                clients=Count("id"),
                change=Sum(F("last_score") - F("first_score")),
                fell=Count("id", filter=Q(last_score__lt=F("first_score"))),
                rose=Count("id", filter=Q(last_score__gt=F("first_score"))),
            )
            .values_list("measure", field, *names, "clients", "change", "fell", "rose")
        ):
            label = _group_label(slug, key, labels, none_label)
            _add(totals, (measure, slug), label, (clients, change or 0.0, fell, rose))
    return totals


def outcomes_page(practice: Practice, today: date, *, shareable_only: bool) -> dict[str, Any]:
    """The change from first to last score of each measure, by referring medical
    practice and by niche, read from the clients' score changes (ScoreChange)."""
    totals = _outcome_totals(practice, today, shareable_only=shareable_only)
    tables = []
    measures = definitions()
    for code in sorted({measure for measure, _ in totals}):
        measure = measures.get(code)
        if measure is None:
            continue
        for slug, title, *_ in OUTCOME_GROUPS:
            groups = {
                label: outcomes.GroupTotal(
                    clients, change, fell if measure.higher_is_worse else rose
                )
                for label, (clients, change, fell, rose) in totals.get((code, slug), {}).items()
            }
            cells = outcomes.cells_from_totals(groups)
            tables.append(
                Table(
                    f"{code}-by-{slug}",
                    f"{measure.short_name}: change from first to last score, by {title.lower()}",
                    [title, "Clients", "Average change", "Share improved"],
                    [
                        [c.group, outcomes.SUPPRESSED, "—", "—"]
                        if c.suppressed
                        else [c.group, c.clients, f"{c.mean_change:+g}", f"{c.share_improved:.0%}"]
                        for c in cells
                    ],
                    note=f"Groups of fewer than {outcomes.MIN_CELL} clients are not shown, so "
                    "that no client can be recognised.",
                )
            )
    return {"tables": tables}
