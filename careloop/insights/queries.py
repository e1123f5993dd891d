"""What the insight pages, the monthly report and the yearly letters show: read from the
summary rows (ReferralFact) with a fixed number of queries, handed to the pure modules."""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from careloop.consent.models import Consent, Scope
from careloop.directory.models import Doctor, MedicalPractice
from careloop.letters.models import Letter, LetterStatus
from careloop.measures.models import MeasureResult
from careloop.measures.scoring import definitions
from careloop.outreach.models import Activity, ActivityKind
from careloop.practices.models import Niche, Practice, User
from careloop.referrals.models import ReferralBasis, ReferralSource, TriageStatus

from . import attribution, funnel, outcomes, periods
from .chart import bars_svg, sparkline_svg
from .models import InsightSettings, LoopState, ReferralFact
from .tables import ON_SCREEN, Table

CHANNEL_LABELS = {
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
        return {
            d.pk: (d.display_name, d.get_absolute_url())
            for d in Doctor.objects.filter(practice=practice, pk__in=keys).only(
                "uuid", "title", "given_name", "family_name"
            )
        }
    if dimension == "medical-practice":
        return {
            m.pk: (str(m), m.get_absolute_url())
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


def _empty(field: str) -> Q:
    """No value: NULL, or for text an empty string (keys end in _id, text does not)."""
    empty = Q(**{f"{field}__isnull": True})
    return empty if field.endswith("_id") else empty | Q(**{field: ""})


def _among(field: str, keys: list[Any]) -> Q:
    """Rows whose `field` is one of `keys`, None and "" included."""
    among = Q(**{f"{field}__in": [k for k in keys if k not in (None, "")]})
    if None in keys or "" in keys:
        among |= _empty(field)
    return among


def _movers(facts, field: str, months: Sequence[date], *, window: int = 3, limit: int = 5):
    """The keys whose last `window` full months changed most against the `window`
    before them (periods.top_movers, counted in the database)."""
    full = list(months[:-1])  # the current month has only just begun
    after, before = full[-window:], full[-2 * window : -window]
    changes = (
        facts.filter(month__in=[*before, *after])
        .values(field)
        .annotate(
            before=Count("id", filter=Q(month__in=before)),
            after=Count("id", filter=Q(month__in=after)),
        )
        .annotate(change=F("after") - F("before"))
    )
    ups = changes.filter(change__gt=0).order_by("-change", field)[:limit]
    downs = changes.filter(change__lt=0).order_by("change", field)[:limit]
    return (
        [periods.Move(row[field], row["before"], row["after"]) for row in ups],
        [periods.Move(row[field], row["before"], row["after"]) for row in downs],
    )


NONE_LABELS = {
    "doctor": "Self-referral",
    "medical-practice": "No medical practice on file",
    "niche": "None asked for",
    "suburb": "Suburb not recorded",
}


def sources(practice: Practice, months: Sequence[date]) -> dict[str, Any]:
    facts = facts_for(practice, months)
    totals = dict(facts.values_list("month").annotate(n=Count("id")).values_list("month", "n"))
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
    # How many doctors, suburbs... each dimension has: one pass for all six.
    distinct = facts.aggregate(
        **{f"keys_{slug}": Count(field, distinct=True) for slug, field, _ in DIMENSIONS},
        # NULL is no value to COUNT(DISTINCT) but a row of its own in the table.
        **{
            f"none_{slug}": Count("id", filter=Q(**{f"{field}__isnull": True}))
            for slug, field, _ in DIMENSIONS
        },
    )
    for slug, field, title in DIMENSIONS:
        # The busiest SOURCE_ROWS keys get a row each and the rest one row between them:
        # a large practice hears from thousands of doctors a year, and the page reads,
        # names and charts no more than SOURCE_ROWS of them.
        busiest = [
            row[field]
            for row in facts.values(field)
            .annotate(n=Count("id"))
            .order_by("-n", field)[:SOURCE_ROWS]
        ]
        counts = {
            (row[field], row["month"]): row["n"]
            for row in facts.filter(_among(field, busiest))
            .values(field, "month")
            .annotate(n=Count("id"))
        }
        rows_by_key = periods.series(counts, busiest, months)
        ups, downs = _movers(facts, field, months) if slug in MOVER_DIMENSIONS else ([], [])
        names = _names(practice, slug, {*busiest, *(m.key for m in (*ups, *downs))})

        def label_of(key, names=names, slug=slug):
            if key in (None, ""):
                return NONE_LABELS.get(slug, "Not recorded")
            return names.get(key, ("(removed)", ""))[0]

        ordered = sorted(busiest, key=lambda k: (-sum(rows_by_key[k]), label_of(k)))
        rows, links, sparks = [], [], []
        for index, key in enumerate(ordered):
            values = rows_by_key[key]
            rows.append([label_of(key), *periods.by_quarter(values, months), sum(values)])
            links.append(names.get(key, ("", ""))[1] if key not in (None, "") else "")
            if slug in MOVER_DIMENSIONS and index < ON_SCREEN:
                sparks.append(
                    sparkline_svg(
                        values,
                        chart_id=f"spark-{slug}-{index}",
                        title=f"{label_of(key)}: referrals by month",
                        labels=labels,
                    )
                )
        others = distinct[f"keys_{slug}"] + bool(distinct[f"none_{slug}"]) - len(busiest)
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

STEP_FIELDS = [name for name, _ in funnel.STEPS]


def _funnel_table(slug: str, title: str, groups: dict[str, list[dict]]) -> Table:
    columns = [title]
    for _, label in funnel.STEPS:
        columns.append(label)
    rows = []
    # The busiest groups by name, the rest together (a large practice has hundreds of
    # clinicians): each group is a pass over its referrals.
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    shown, others = ordered[:SOURCE_ROWS], ordered[SOURCE_ROWS:]
    if others:
        rest = [row for _, members in others for row in members]
        shown.append((f"All {len(others):,} others", rest))
    for name, members in shown:
        steps = funnel.funnel(members)
        rows.append(
            [name]
            + [
                f"{s.reached}"
                + (f" ({s.conversion:.0%})" if s.conversion is not None else "")
                + (f", median {s.median_days:g} d" if s.median_days is not None else "")
                for s in steps
            ]
        )
    return Table(
        f"funnel-by-{slug}",
        f"By {title.lower()}",
        columns,
        rows,
        note="Each cell: referrals that reached the step (share of the step before), and the "
        "median days from the step before.",
    )


def funnel_page(practice: Practice, months: Sequence[date]) -> dict[str, Any]:
    facts = facts_for(practice, months)
    rows = list(facts.values("channel", "clinician_id", *STEP_FIELDS))
    steps = funnel.funnel(rows)
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
    by_channel: dict[str, list[dict]] = defaultdict(list)
    by_clinician: dict[str, list[dict]] = defaultdict(list)
    clinicians = dict(User.objects.filter(practice=practice).values_list("pk", "full_name"))
    for row in rows:
        by_channel[CHANNEL_LABELS.get(row["channel"], row["channel"])].append(row)
        by_clinician[clinicians.get(row["clinician_id"], "Not assigned")].append(row)
    ended = Counter(
        facts.filter(
            status__in=[TriageStatus.DECLINED, TriageStatus.UNABLE_TO_CONTACT],
            first_seen_at__isnull=True,
        ).values_list("status", flat=True)
    )
    reasons = Table(
        "ended",
        "Ended without a session",
        ["Reason", "Referrals"],
        [[TriageStatus(status).label, n] for status, n in ended.most_common()],
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
            _funnel_table("channel", "Channel", by_channel),
            _funnel_table("clinician", "Clinician", by_clinician),
            reasons,
        ],
    }


# ---------------------------------------------------------------- promises


@dataclass(frozen=True)
class Closure:
    closed: int
    decided: int
    rate: float | None
    broken: int


def loop_closure(practice: Practice, months: Sequence[date]) -> Closure:
    """The rate over the given months: one query, reading the decided loops alone
    (the index on practice, loop and month)."""
    decided_loops = facts_for(practice, months).filter(
        loop__in=[LoopState.CLOSED, LoopState.BROKEN]
    )
    counts = decided_loops.aggregate(
        closed=Count("id", filter=Q(loop=LoopState.CLOSED)),
        broken=Count("id", filter=Q(loop=LoopState.BROKEN)),
    )
    decided = counts["closed"] + counts["broken"]
    return Closure(
        counts["closed"], decided, counts["closed"] / decided if decided else None, counts["broken"]
    )


def letters_owed(practice: Practice, now) -> Table:
    """Drafts waiting to go, and end-of-course reports nobody has drafted yet: a course
    that ended with no report is owed from the day it ended, draft or not."""
    drafts = list(
        Letter.objects.filter(practice=practice, status=LetterStatus.DRAFT)
        .select_related("doctor", "client")
        .order_by("created_at")[:200]
    )
    drafted_for: set[int] = {letter.referral_id for letter in drafts if letter.referral_id}
    # Loops still open or broken are the only ones that can owe a report (index by loop).
    undrafted = [
        fact
        for fact in ReferralFact.objects.filter(
            practice=practice,
            loop__in=[LoopState.OPEN, LoopState.BROKEN],
            course_ended_at__isnull=False,
            report_sent_at__isnull=True,
            doctor__isnull=False,
        )
        .select_related("doctor", "referral")
        .order_by("course_ended_at")[:200]
        if fact.referral_id not in drafted_for
    ]
    owed: list[tuple[Any, str, str, str]] = [
        (
            letter.created_at,
            letter.get_kind_display(),
            letter.doctor.display_name,
            letter.get_absolute_url(),
        )
        for letter in drafts
    ] + [
        (
            fact.course_ended_at,
            "End-of-course report (not drafted yet)",
            fact.doctor.display_name if fact.doctor else "",
            fact.referral.get_absolute_url(),
        )
        for fact in undrafted
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
    facts = facts_for(practice, months).exclude(loop=LoopState.NOT_APPLICABLE)
    per_month = {
        row["month"]: row
        for row in facts.values("month").annotate(
            total=Count("id"),
            ack=Count("id", filter=Q(acknowledged_on_time=True)),
            ack_known=Count("id", filter=Q(acknowledged_on_time__isnull=False)),
            contact=Count("id", filter=Q(contacted_on_time=True)),
            contact_known=Count("id", filter=Q(contacted_on_time__isnull=False)),
            closed=Count("id", filter=Q(loop=LoopState.CLOSED)),
            broken=Count("id", filter=Q(loop=LoopState.BROKEN)),
            open=Count("id", filter=Q(loop=LoopState.OPEN)),
        )
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
    return facts.select_related("referral__client", "doctor").order_by("-received_at")


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


def shared_progress_clients(practice: Practice, today: date) -> set[int]:
    """Clients with a current consent whose scopes cover sharing progress and scores."""
    ids = set()
    for client_id, scopes in (
        Consent.objects.filter(practice=practice, withdrawn_at__isnull=True, obtained_on__lte=today)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .values_list("client_id", "scopes")
    ):
        if Scope.PROGRESS in (scopes or []):
            ids.add(client_id)
    return ids


def client_changes(
    practice: Practice, today: date, *, shareable_only: bool
) -> dict[str, list[tuple[int, float, float]]]:
    """{measure label: [(client id, first score, last score)]} for clients with two
    scores or more of the measure's first scale."""
    allowed = shared_progress_clients(practice, today) if shareable_only else None
    firsts: dict[tuple[str, int], float] = {}
    lasts: dict[tuple[str, int], float] = {}
    counts: Counter = Counter()
    for client_id, measure, scores in (
        MeasureResult.objects.filter(practice=practice)
        .order_by("administered_on", "created_at")
        .values_list("client_id", "measure", "scores")
    ):
        if allowed is not None and client_id not in allowed:
            continue
        score = scores[0].get("score") if scores else None
        if score is None:
            continue
        key = (measure, client_id)
        firsts.setdefault(key, score)
        lasts[key] = score
        counts[key] += 1
    out: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    for (measure, client_id), n in counts.items():
        if n >= 2:
            out[measure].append(
                (client_id, firsts[(measure, client_id)], lasts[(measure, client_id)])
            )
    return out


def outcomes_page(practice: Practice, today: date, *, shareable_only: bool) -> dict[str, Any]:
    changes = client_changes(practice, today, shareable_only=shareable_only)
    # Each client's latest referral from a doctor names its source.
    source: dict[int, tuple[int | None, int | None]] = {}
    for client_id, med_id, niche_id in (
        ReferralFact.objects.filter(practice=practice)
        .order_by("received_at")
        .values_list("referral__client_id", "medical_practice_id", "niche_id")
    ):
        source[client_id] = (med_id, niche_id)
    med_names = _names(practice, "medical-practice", {m for m, _ in source.values()})
    niche_names = _names(practice, "niche", {n for _, n in source.values()})
    tables = []
    measures = definitions()
    for code, members in sorted(changes.items()):
        measure = measures.get(code)
        if measure is None:
            continue
        for slug, title, pick, names, none_label in (
            (
                "medical-practice",
                "Referring medical practice",
                0,
                med_names,
                "Self-referred or none on file",
            ),
            ("niche", "Area of practice", 1, niche_names, "None asked for"),
        ):
            entries = []
            for client_id, first, last in members:
                key = source.get(client_id, (None, None))[pick]
                group = names.get(key, (none_label, ""))[0] if key else none_label
                entries.append(outcomes.ClientChange(client_id, group, first, last))
            cells = outcomes.cells(entries, lower_is_better=measure.higher_is_worse)
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
