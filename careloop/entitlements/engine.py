"""The Better Access entitlement engine: which of a client's sessions Medicare rebates,
and what must happen next. Pure: plain data in, plain data out, no database.

The contract (issue 3, `careloop entitlement FILE.json`):

- Services are judged in date order (input order breaks ties); only attended ones count.
- An attended individual or family/carer service draws one session from the earliest
  referral dated on or before it that has sessions left (input order breaks ties). A
  referral's course is its number of sessions, at most 6; an unstated number counts as 6.
  Referrals never expire and carry across calendar years.
- A group service needs any referral dated on or before it and counts only against the
  group cap; it draws nothing from a course.
- Reasons, checked in order: provider_not_eligible, no_item_on_date, no_referral,
  annual_cap_reached, referral_exhausted; otherwise ok. A service that is not rebatable
  draws nothing.
- no_item_on_date: Medicare had no item for that type of service on the service's date,
  so nothing can be claimed whatever the referral or caps (family/carer items start on
  1 March 2023, MBS MN.7.5). The dates are the rules file's `service_types` and agree
  with the MBS item table (careloop/entitlements/data/mbs_items.csv).
- Family/carer services count toward both the family/carer cap and the individual cap
  (MBS MN.7.5), including those claimed elsewhere.
- Caps, course limits and service types' dates come from rules.py (effective-dated data).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, overload

from .rules import PROVIDERS, SERVICE_TYPES, BetterAccessRules, load_rules

STATUSES = ("attended", "booked", "cancelled", "no_show")

OK = "ok"
NOT_ATTENDED = "not_attended"
PROVIDER_NOT_ELIGIBLE = "provider_not_eligible"
NO_ITEM_ON_DATE = "no_item_on_date"
NO_REFERRAL = "no_referral"
ANNUAL_CAP_REACHED = "annual_cap_reached"
REFERRAL_EXHAUSTED = "referral_exhausted"


class ScenarioError(ValueError):
    """Bad input, naming the field (e.g. `services[2].date`)."""

    def __init__(self, field_path: str, problem: str):
        self.field_path = field_path
        self.problem = problem
        super().__init__(f"{field_path}: {problem}")


@dataclass(frozen=True)
class Referral:
    id: str
    date: date
    sessions: int | None
    referrer_type: str = ""
    basis: str = ""


@dataclass(frozen=True)
class Service:
    date: date
    type: str
    status: str = "attended"


@dataclass(frozen=True)
class Scenario:
    as_of: date
    provider: str
    referrals: tuple[Referral, ...] = ()
    services: tuple[Service, ...] = ()
    # {year: {service type: count}} of services claimed with other providers.
    elsewhere: dict[int, dict[str, int]] = field(default_factory=dict)
    reports_sent: frozenset[str] = frozenset()
    proposed: Service | None = None


@dataclass(frozen=True)
class Judgement:
    rebatable: bool
    referral: str | None
    reason: str


class _Ledger:
    """Counts of rebatable services per calendar year and sessions drawn per referral."""

    def __init__(self, scenario: Scenario, rules: BetterAccessRules):
        self.scenario = scenario
        self.rules = rules
        self.by_year: dict[int, dict[str, int]] = defaultdict(
            lambda: dict.fromkeys(SERVICE_TYPES, 0)
        )
        for year, counts in scenario.elsewhere.items():
            for service_type, count in counts.items():
                self._count(year, service_type, count)
        self.drawn: dict[str, int] = {r.id: 0 for r in scenario.referrals}
        # Earliest first; sorted() is stable, so input order breaks ties.
        self.by_date = sorted(scenario.referrals, key=lambda r: r.date)

    def _count(self, year: int, service_type: str, n: int = 1) -> None:
        self.by_year[year][service_type] += n
        if service_type == "family_carer":
            self.by_year[year]["individual"] += n

    def course(self, referral: Referral) -> int:
        return self.rules.course_size(referral.sessions, referral.date)

    def remaining(self, referral: Referral) -> int:
        return max(self.course(referral) - self.drawn[referral.id], 0)

    def at_cap(self, year: int, service_type: str, day: date) -> bool:
        used = self.by_year[year]
        if service_type == "family_carer":
            return used["family_carer"] >= self.rules.annual_cap("family_carer", day) or used[
                "individual"
            ] >= self.rules.annual_cap("individual", day)
        return used[service_type] >= self.rules.annual_cap(service_type, day)

    def judge(self, service: Service) -> Judgement:
        """Whether `service`, if attended, would be rebated now, and from which referral."""
        if not self.rules.provider_eligible(self.scenario.provider, service.date):
            return Judgement(False, None, PROVIDER_NOT_ELIGIBLE)
        if not self.rules.service_available(service.type, service.date):
            return Judgement(False, None, NO_ITEM_ON_DATE)
        available = [r for r in self.by_date if r.date <= service.date]
        if not available:
            return Judgement(False, None, NO_REFERRAL)
        if self.at_cap(service.date.year, service.type, service.date):
            return Judgement(False, None, ANNUAL_CAP_REACHED)
        if service.type == "group":
            return Judgement(True, available[0].id, OK)
        with_sessions = next((r for r in available if self.remaining(r) > 0), None)
        if with_sessions is None:
            return Judgement(False, None, REFERRAL_EXHAUSTED)
        return Judgement(True, with_sessions.id, OK)

    def record(self, service: Service, judgement: Judgement) -> None:
        if not judgement.rebatable:
            return
        self._count(service.date.year, service.type)
        if service.type != "group":
            assert judgement.referral is not None  # a rebatable service draws on a referral
            self.drawn[judgement.referral] += 1


def evaluate(scenario: Scenario, rules: BetterAccessRules | None = None) -> dict[str, Any]:
    """The contract's output for `scenario`, as a JSON-ready dict."""
    rules = rules or load_rules()
    ledger = _Ledger(scenario, rules)

    judgements: dict[int, Judgement] = {}
    in_date_order = sorted(enumerate(scenario.services), key=lambda pair: pair[1].date)
    for index, service in in_date_order:
        if service.status != "attended":
            judgements[index] = Judgement(False, None, NOT_ATTENDED)
            continue
        judgement = ledger.judge(service)
        ledger.record(service, judgement)
        judgements[index] = judgement

    year = scenario.as_of.year
    totals: dict[str, dict[str, int]] = {}
    for service_type in SERVICE_TYPES:
        cap = rules.annual_cap(service_type, scenario.as_of)
        used = ledger.by_year[year][service_type]
        totals[service_type] = {"used": used, "cap": cap, "remaining": max(cap - used, 0)}

    result: dict[str, Any] = {"year": year, **totals}
    result["referrals"] = [
        {
            "id": r.id,
            "sessions": ledger.course(r),
            "used": ledger.drawn[r.id],
            "remaining": ledger.remaining(r),
        }
        for r in scenario.referrals
    ]
    result["services"] = [
        {
            "date": service.date.isoformat(),
            "type": service.type,
            "rebatable": judgements[i].rebatable,
            "referral": judgements[i].referral,
            "reason": judgements[i].reason,
        }
        for i, service in enumerate(scenario.services)
    ]
    if scenario.proposed is not None:
        judgement = ledger.judge(scenario.proposed)
        result["proposed"] = {
            "rebatable": judgement.rebatable,
            "referral": judgement.referral,
            "reason": judgement.reason,
        }
    result["actions"] = _actions(scenario, ledger, rules, totals)
    return result


def _actions(
    scenario: Scenario,
    ledger: _Ledger,
    rules: BetterAccessRules,
    totals: dict[str, dict[str, int]],
) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    for r in scenario.referrals:
        if rules.course_needs_confirming(r.sessions, r.date):
            actions.append({"code": "confirm_sessions", "referral": r.id})
    for r in scenario.referrals:
        if ledger.remaining(r) == 0 and r.id not in scenario.reports_sent:
            actions.append({"code": "report_due", "referral": r.id})
    individual = totals["individual"]
    any_left = any(ledger.remaining(r) > 0 for r in scenario.referrals)
    if not any_left and individual["used"] < individual["cap"]:
        actions.append({"code": "new_referral_needed"})
    for service_type in SERVICE_TYPES:
        if totals[service_type]["used"] >= totals[service_type]["cap"]:
            actions.append({"code": "annual_cap_reached", "type": service_type})
    return actions


# --- Reading a scenario from JSON ---------------------------------------------------------


def _require(obj: dict[str, Any], key: str, path: str) -> Any:
    if not isinstance(obj, dict):
        raise ScenarioError(path, "expected an object")
    if key not in obj:
        raise ScenarioError(f"{path}.{key}" if path else key, "is required")
    return obj[key]


def _parse_date(value: Any, path: str) -> date:
    if not isinstance(value, str):
        raise ScenarioError(path, f"expected a date as YYYY-MM-DD, got {json_repr(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ScenarioError(path, f"{value!r} is not a date as YYYY-MM-DD") from None


def _parse_choice(value: Any, choices: tuple[str, ...], path: str) -> str:
    if value not in choices:
        raise ScenarioError(path, f"must be one of {', '.join(choices)}; got {json_repr(value)}")
    return str(value)


@overload
def _parse_count(value: Any, path: str) -> int: ...
@overload
def _parse_count(value: Any, path: str, *, nullable: bool) -> int | None: ...
def _parse_count(value: Any, path: str, *, nullable: bool = False) -> int | None:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        allowed = "a whole number of 0 or more" + (" or null" if nullable else "")
        raise ScenarioError(path, f"must be {allowed}; got {json_repr(value)}")
    return value


def _parse_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScenarioError(path, f"expected a list, got {json_repr(value)}")
    return value


def json_repr(value: Any) -> str:
    import json

    return json.dumps(value)


def parse_scenario(data: Any) -> Scenario:
    """Validate the contract's input; a ScenarioError names the first bad field."""
    if not isinstance(data, dict):
        raise ScenarioError("(top level)", "expected a JSON object")
    as_of = _parse_date(_require(data, "as_of", ""), "as_of")
    provider = _parse_choice(_require(data, "provider", ""), PROVIDERS, "provider")

    referrals = []
    seen_ids: set[str] = set()
    for i, raw in enumerate(_parse_list(_require(data, "referrals", ""), "referrals")):
        path = f"referrals[{i}]"
        ref_id = _require(raw, "id", path)
        if not isinstance(ref_id, str) or not ref_id:
            raise ScenarioError(
                f"{path}.id", f"must be a non-empty string; got {json_repr(ref_id)}"
            )
        if ref_id in seen_ids:
            raise ScenarioError(f"{path}.id", f"{ref_id!r} is used by another referral")
        seen_ids.add(ref_id)
        referrals.append(
            Referral(
                id=ref_id,
                date=_parse_date(_require(raw, "date", path), f"{path}.date"),
                sessions=_parse_count(raw.get("sessions"), f"{path}.sessions", nullable=True),
                referrer_type=str(raw.get("referrer_type") or ""),
                basis=str(raw.get("basis") or ""),
            )
        )

    services = []
    for i, raw in enumerate(_parse_list(data.get("services", []), "services")):
        path = f"services[{i}]"
        services.append(
            Service(
                date=_parse_date(_require(raw, "date", path), f"{path}.date"),
                type=_parse_choice(_require(raw, "type", path), SERVICE_TYPES, f"{path}.type"),
                status=_parse_choice(_require(raw, "status", path), STATUSES, f"{path}.status"),
            )
        )

    elsewhere: dict[int, dict[str, int]] = {}
    raw_elsewhere = data.get("elsewhere") or {}
    if not isinstance(raw_elsewhere, dict):
        raise ScenarioError("elsewhere", "expected an object of years")
    for year_key, counts in raw_elsewhere.items():
        path = f"elsewhere.{year_key}"
        if not (isinstance(year_key, str) and year_key.isdigit() and len(year_key) == 4):
            raise ScenarioError(path, 'years are four-digit strings such as "2026"')
        if not isinstance(counts, dict):
            raise ScenarioError(path, "expected an object with individual, group, family_carer")
        for service_type in counts:
            _parse_choice(service_type, SERVICE_TYPES, f"{path} (key)")
        elsewhere[int(year_key)] = {
            t: _parse_count(counts.get(t, 0), f"{path}.{t}") for t in SERVICE_TYPES
        }

    reports_sent = _parse_list(data.get("reports_sent") or [], "reports_sent")
    for i, ref_id in enumerate(reports_sent):
        if ref_id not in seen_ids:
            raise ScenarioError(f"reports_sent[{i}]", f"no referral has the id {json_repr(ref_id)}")

    proposed = None
    if data.get("proposed") is not None:
        raw = data["proposed"]
        proposed = Service(
            date=_parse_date(_require(raw, "date", "proposed"), "proposed.date"),
            type=_parse_choice(_require(raw, "type", "proposed"), SERVICE_TYPES, "proposed.type"),
        )

    return Scenario(
        as_of=as_of,
        provider=provider,
        referrals=tuple(referrals),
        services=tuple(services),
        elsewhere=elsewhere,
        reports_sent=frozenset(reports_sent),
        proposed=proposed,
    )
