"""Feeding the entitlement engine from the database, and saying its answers in words."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from careloop.clients.models import Client
from careloop.entitlements import engine
from careloop.entitlements.models import ElsewhereClaims
from careloop.entitlements.rules import PROVIDERS, load_rules
from careloop.practices.models import User
from careloop.referrals.models import Referral, ReferralBasis

from .models import TherapySession

REASONS = {
    engine.OK: "Medicare-rebatable",
    engine.NOT_ATTENDED: "Not attended, so not claimed",
    engine.PROVIDER_NOT_ELIGIBLE: "Not rebatable: counsellors cannot bill Better Access "
    "(private fee only)",
    engine.NO_ITEM_ON_DATE: "Not rebatable: Medicare had no item for this type of session "
    "on that date (family or carer sessions can be claimed from 1 March 2023)",
    engine.NO_REFERRAL: "Not rebatable: no referral dated on or before the session",
    engine.ANNUAL_CAP_REACHED: "Not rebatable: the client has used this calendar year's "
    "Medicare sessions of this type",
    engine.REFERRAL_EXHAUSTED: "Not rebatable: the referral's sessions are used up; the "
    "doctor must review and refer again",
}


SHORT_REASONS = {
    engine.OK: "Rebatable",
    engine.NOT_ATTENDED: "—",
    engine.PROVIDER_NOT_ELIGIBLE: "Private (counsellor)",
    engine.NO_ITEM_ON_DATE: "No item on that date",
    engine.NO_REFERRAL: "No referral",
    engine.ANNUAL_CAP_REACHED: "Year's cap reached",
    engine.REFERRAL_EXHAUSTED: "Referral used up",
}


def _worded(judgement: dict) -> dict:
    return {
        **judgement,
        "text": REASONS[judgement["reason"]],
        "short": SHORT_REASONS[judgement["reason"]],
    }


def profession_of(user) -> str | None:

    profile = getattr(user, "clinician_profile", None) if user else None
    return profile.profession if profile else None


class SessionSummary(NamedTuple):
    """What the engine reads of a session, read as values rather than as a model: for
    summaries of many clients' courses (the dashboard's), where building a model and
    its clinician for each of a caseload's few hundred sessions was most of the time."""

    pk: int
    starts_at: datetime
    session_type: str
    status: str
    referral_id: int | None
    clinician_profession: str | None


def _claimable(session, day: date) -> bool:
    """Sessions with a Better Access provider on the session's `day`; a counsellor's
    are private and count toward nothing."""
    if isinstance(session, SessionSummary):
        profession = session.clinician_profession
    else:
        profession = profession_of(session.clinician)
    return profession is not None and load_rules().provider_eligible(profession, day)


@dataclass
class Entitlement:
    result: dict
    referrals: dict[str, Referral]
    sessions: list[TherapySession] = field(default_factory=list)
    session_judgements: dict[int, dict] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.result["year"]

    def judgement_of(self, session) -> dict | None:
        return self.session_judgements.get(session.pk)

    @property
    def proposed(self) -> dict | None:
        proposed = self.result.get("proposed")
        if proposed is None:
            return None
        return {
            **proposed,
            "text": REASONS[proposed["reason"]],
            "referral_obj": self.referrals.get(proposed["referral"]),
        }

    def referral_rows(self):
        return [{**row, "referral": self.referrals[row["id"]]} for row in self.result["referrals"]]

    def course_row(self, referral) -> dict | None:
        """The engine's count for one referral (None for a self-referral: no course)."""
        return next((r for r in self.referral_rows() if r["referral"].pk == referral.pk), None)

    def drawn_from(self, session) -> Referral | None:
        """The referral whose course the engine drew `session` from. It can differ from
        the referral the session was booked under: the engine draws each attended
        session from the earliest referral with sessions left."""
        judgement = self.session_judgements.get(session.pk)
        if not judgement or not judgement["rebatable"] or session.session_type == "group":
            return None
        return self.referrals.get(judgement["referral"])

    def drawn_elsewhere(self, session) -> Referral | None:
        """The referral the session was drawn from, when it is not the one it was
        booked under (so pages can say so)."""
        drawn = self.drawn_from(session)
        return drawn if drawn is not None and drawn.pk != session.referral_id else None

    def course_sessions(self, referral) -> list[TherapySession]:
        """The sessions the engine drew from `referral`'s course, in date order: the one
        count every page and letter gives for the course."""
        drawn = [s for s in self.sessions if (d := self.drawn_from(s)) and d.pk == referral.pk]
        return sorted(drawn, key=lambda s: (s.starts_at, s.pk))

    def not_rebated_under(self, referral) -> list[tuple[str, list[TherapySession]]]:
        """Attended sessions booked under `referral` that Medicare did not rebate, by
        reason (e.g. past the annual cap): given, but not part of any course."""
        by_reason: dict[str, list[TherapySession]] = defaultdict(list)
        for session in self.sessions:
            judgement = self.session_judgements.get(session.pk)
            if (
                session.referral_id == referral.pk
                and session.status == "attended"
                and judgement is not None
                and not judgement["rebatable"]
            ):
                by_reason[judgement["reason"]].append(session)
        return list(by_reason.items())

    def actions(self) -> list[dict[str, Any]]:
        labelled = []
        for action in self.result["actions"]:
            referral = self.referrals.get(action.get("referral"))
            text = {
                "confirm_sessions": "Confirm the number of sessions with the referring doctor",
                "report_due": "Course finished: the written report to the referring doctor is due",
                "new_referral_needed": "No sessions left on any referral: a new referral is "
                "needed for more rebated sessions",
                "annual_cap_reached": f"This year's {action.get('type', '').replace('_', '/')} "
                "Medicare sessions are used up",
            }[action["code"]]
            labelled.append({**action, "text": text, "referral_obj": referral})
        return labelled


def evaluate_client(
    client,
    *,
    as_of: date | None = None,
    provider: str | None = None,
    proposed: engine.Service | None = None,
    exclude_session=None,
    referrals=None,
    sessions=None,
    elsewhere=None,
) -> Entitlement:
    """The engine's answer for one client. Pass prefetched referrals, sessions and
    elsewhere claims when evaluating many clients, to keep queries bounded. The
    sessions may be models or SessionSummary rows: the engine and Entitlement read
    the fields they share."""
    practice = client.practice
    as_of = as_of or practice.today()
    if referrals is None:
        referrals = list(
            client.referrals.exclude(basis=ReferralBasis.SELF)
            .select_related("referring_doctor")
            .order_by("referral_date", "pk")
        )
    else:
        referrals = [r for r in referrals if r.basis != ReferralBasis.SELF]
    if sessions is None:
        sessions = list(
            client.sessions.select_related("clinician__clinician_profile").order_by(
                "starts_at", "pk"
            )
        )
    if elsewhere is None:
        elsewhere = list(ElsewhereClaims.objects.filter(client=client))
    zone = practice.zoneinfo
    # Each session's day at the practice, worked out once (rules and engine both ask).
    day_of = {id(s): timezone.localtime(s.starts_at, zone).date() for s in sessions}
    # By key: a model and a SessionSummary of one session are not equal.
    excluded = exclude_session.pk if exclude_session is not None else None
    counted = [s for s in sessions if _claimable(s, day_of[id(s)]) and s.pk != excluded]
    scenario = engine.Scenario(
        as_of=as_of,
        provider=provider if provider in PROVIDERS else "psychologist",
        referrals=tuple(
            engine.Referral(
                id=str(r.uuid), date=r.referral_date, sessions=r.sessions_referred, basis=r.basis
            )
            for r in referrals
        ),
        services=tuple(
            engine.Service(
                date=day_of[id(s)],
                type=s.session_type,
                status=s.status,
            )
            for s in counted
        ),
        elsewhere={
            e.year: {"individual": e.individual, "group": e.group, "family_carer": e.family_carer}
            for e in elsewhere
        },
        reports_sent=frozenset(str(r.uuid) for r in referrals if r.report_sent_at),
        proposed=proposed,
    )
    result = engine.evaluate(scenario)
    judgements = {s.pk: _worded(result["services"][i]) for i, s in enumerate(counted)}
    # By id: comparing models one by one made a long history quadratic.
    counted_ids = set(judgements)
    for s in sessions:
        if s.pk not in counted_ids and s.pk != excluded:
            judgements[s.pk] = _worded(
                {"rebatable": False, "referral": None, "reason": engine.PROVIDER_NOT_ELIGIBLE}
            )
    return Entitlement(result, {str(r.uuid): r for r in referrals}, sessions, judgements)


# What the engine and a one-line summary of a course (the dashboard's) never read of a
# referral: not fetched for a summary. Each timestamp costs PostgreSQL's driver a parse
# in Python.
_NOT_SUMMARISED = (
    "created_at",
    "updated_at",
    "reason",
    "medications",
    "status_reason",
    "received_at",
    "acknowledged_at",
    "first_contacted_at",
    "offered_at",
    "first_seen_at",
    "next_due_at",
    "search_text",
    "referring_doctor__created_at",
    "referring_doctor__updated_at",
    "referring_doctor__notes",
    "referring_doctor__search_text",
)


def with_history(clients: QuerySet[Client]) -> QuerySet[Client]:
    """Clients with their referrals, sessions and claims elsewhere prefetched, for
    evaluating many at once in a fixed number of queries (evaluate_prefetched).

    Each prefetch is ordered by client first: each client's rows still come in date
    order, and the database reads them through the index on practice, client and date
    (ordered by date alone, SQLite may read the whole practice's history in date order
    instead).

    The rows are kept as plain lists (to_attr): a related manager's cache costs a
    queryset, with its filter, per client and relation. The sessions' clinicians (and
    their profession) come in a query of their own, one of each: joined to every
    session, a caseload of 190 sessions built 570 models."""
    return clients.select_related("practice").prefetch_related(
        Prefetch(
            "referrals",
            queryset=Referral.objects.select_related(
                "referring_doctor", "assigned_clinician"
            ).order_by("client_id", "referral_date", "pk"),
            to_attr="history_referrals",
        ),
        Prefetch(
            "sessions",
            queryset=TherapySession.objects.prefetch_related(
                Prefetch("clinician", queryset=User.objects.select_related("clinician_profile"))
            ).order_by("client_id", "starts_at", "pk"),
            to_attr="history_sessions",
        ),
        Prefetch("elsewhere_claims", to_attr="history_claims"),
    )


def with_summarised_history(clients: QuerySet[Client]) -> list[Client]:
    """The clients of with_history, for a one-line summary of each course (the
    dashboard's), not for letters or a client's page: their referrals hold only what
    the engine and the summary read (not _NOT_SUMMARISED, nor the assigned
    clinician), and their sessions are SessionSummary rows, read in one query with
    their clinician's profession."""
    found: list[Client] = list(
        clients.select_related("practice").prefetch_related(
            Prefetch(
                "referrals",
                queryset=Referral.objects.select_related("referring_doctor")
                .defer(*_NOT_SUMMARISED)
                .order_by("client_id", "referral_date", "pk"),
                to_attr="history_referrals",
            ),
            Prefetch("elsewhere_claims", to_attr="history_claims"),
        )
    )
    sessions: dict[int, list[SessionSummary]] = defaultdict(list)
    if found:
        rows = (
            # By the index on practice, client and time.
            TherapySession.objects.filter(
                practice_id__in={c.practice_id for c in found}, client__in=found
            )
            .order_by("client_id", "starts_at", "pk")
            .values_list(
                "client_id",
                "pk",
                "starts_at",
                "session_type",
                "status",
                "referral_id",
                "clinician__clinician_profile__profession",
            )
        )
        for client_id, *summary in rows:
            sessions[client_id].append(SessionSummary(*summary))  # type: ignore[arg-type]
    for client in found:
        client.history_sessions = sessions[client.pk]  # type: ignore[attr-defined]
    return found


def evaluate_prefetched(client, **kwargs) -> Entitlement:
    """evaluate_client for a client of with_history."""
    return evaluate_client(
        client,
        referrals=client.history_referrals,
        sessions=client.history_sessions,
        elsewhere=client.history_claims,
        **kwargs,
    )


def courses_needing_attention(clinician, *, today: date, recent_days: int = 120) -> list[dict]:
    """For a clinician's dashboard: clients whose course has one session left, or has
    ended with the report to the referrer still due. Four queries, however many.

    The clients are found from the clinician's recent sessions (an index on practice,
    clinician and time), so the work grows with their caseload, not with the
    practice's history."""
    since = timezone.now() - timedelta(days=recent_days)
    seen_lately = TherapySession.objects.filter(
        practice=clinician.practice, clinician=clinician, starts_at__gte=since
    ).values("client_id")
    # Unordered: ordered by name, SQLite would walk every client of the practice. Only
    # what the rows show of a client: their key and name.
    clients = with_summarised_history(
        Client.objects.filter(practice=clinician.practice, pk__in=seen_lately)
        .only("uuid", *Client.CHOICE_LABEL_FIELDS, "practice")
        .order_by()
    )
    rows = []
    for client in clients:
        entitlement = evaluate_prefetched(client, as_of=today, provider=profession_of(clinician))
        due = {a["referral"] for a in entitlement.result["actions"] if a["code"] == "report_due"}
        for row in entitlement.referral_rows():
            if row["id"] in due:
                rows.append(
                    {
                        "client": client,
                        "referral": row["referral"],
                        "kind": "report_due",
                        "text": "Course ended: report to the referrer due",
                        **row,
                    }
                )
            elif row["remaining"] == 1:
                rows.append(
                    {
                        "client": client,
                        "referral": row["referral"],
                        "kind": "last_one",
                        "text": "One session left on the referral",
                        **row,
                    }
                )
    order = defaultdict(int, {"report_due": 0, "last_one": 1})
    return sorted(rows, key=lambda r: (order[r["kind"]], r["client"].family_name))
