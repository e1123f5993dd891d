"""Better Access limits as effective-dated data (better_access_rules.json).

When Medicare changes a limit, add a row with its start date and close the old one;
the engine asks "what applied on this date?" and never holds a number itself.
"""

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

RULES_FILE = Path(__file__).resolve().parent / "better_access_rules.json"
SERVICE_TYPES = ("individual", "group", "family_carer")
PROVIDERS = (
    "clinical_psychologist",
    "psychologist",
    "occupational_therapist",
    "social_worker",
    "counsellor",
)


def _date(value: str | None, default: date) -> date:
    return date.fromisoformat(value) if value else default


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class BetterAccessRules:
    annual_caps: tuple[tuple[str, Period, int], ...]
    course_limits: tuple[tuple[Period, int, int], ...]
    eligible_providers: tuple[tuple[str, Period], ...]
    service_types: tuple[tuple[str, Period], ...]

    def annual_cap(self, service_type: str, day: date) -> int:
        for kind, period, cap in self.annual_caps:
            if kind == service_type and period.covers(day):
                return cap
        raise LookupError(f"No annual cap for {service_type} services on {day}")

    def course_size(self, sessions_referred: int | None, referral_date: date) -> int:
        """The services a referral allows: what it says, up to the limit of the day."""
        for period, maximum, unstated in self.course_limits:
            if period.covers(referral_date):
                return unstated if sessions_referred is None else min(sessions_referred, maximum)
        raise LookupError(f"No course limit for a referral dated {referral_date}")

    def course_needs_confirming(self, sessions_referred: int | None, referral_date: date) -> bool:
        """MN.6.3 and the Department's advice: a missing or too-large number means
        contacting the referrer."""
        for period, maximum, _ in self.course_limits:
            if period.covers(referral_date):
                return sessions_referred is None or sessions_referred > maximum
        return True

    def provider_eligible(self, provider: str, day: date) -> bool:
        return any(p == provider and period.covers(day) for p, period in self.eligible_providers)

    def service_available(self, service_type: str, day: date) -> bool:
        """Whether Medicare had items for this kind of service on `day` (family/carer
        items start on 1 March 2023, MN.7.5)."""
        return any(
            kind == service_type and period.covers(day) for kind, period in self.service_types
        )


@cache
def load_rules(path: Path = RULES_FILE) -> BetterAccessRules:
    raw = json.loads(path.read_text())

    def period(row: dict[str, Any]) -> Period:
        return Period(_date(row["from"], date.min), _date(row["to"], date.max))

    return BetterAccessRules(
        annual_caps=tuple((r["type"], period(r), r["cap"]) for r in raw["annual_caps"]),
        course_limits=tuple(
            (period(r), r["max_sessions"], r["unstated_counts_as"]) for r in raw["course_limits"]
        ),
        eligible_providers=tuple((r["provider"], period(r)) for r in raw["eligible_providers"]),
        service_types=tuple((r["type"], period(r)) for r in raw["service_types"]),
    )
