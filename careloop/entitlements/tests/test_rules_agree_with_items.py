"""The engine's rules file and the MBS item table must tell the same story: a service is
rebatable only on dates when Medicare has an item for that provider and type of service.

Walks every provider profession, service type and date boundary in either source (the
day before, the day itself and the day after) through both.
"""

from datetime import date, timedelta

import pytest

from careloop.entitlements import engine
from careloop.entitlements.rules import PROVIDERS, SERVICE_TYPES, load_rules
from careloop.entitlements.schedule import ITEMS_CSV, Schedule, load_items

pytestmark = pytest.mark.django_db

MODALITIES = ("in_rooms", "out_of_rooms", "video", "phone")
MINUTES = (20, 30, 50, 60, 90, 120)


def _boundaries(schedule: Schedule) -> list[date]:
    rules = load_rules()
    edges = {date(2006, 11, 1), date(2026, 7, 1)}
    for row in schedule.items:
        edges.update(d for d in (row.valid_from, row.valid_to) if d)
    periods = [p for _, p in rules.service_types] + [p for _, p in rules.eligible_providers]
    periods += [p for _, p, _ in rules.annual_caps]
    for period in periods:
        edges.update(d for d in (period.start, period.end) if d not in (date.min, date.max))
    return sorted(d + timedelta(days=shift) for d in edges for shift in (-1, 0, 1))


def _table_has_item(schedule: Schedule, profession: str, service_type: str, day: date) -> bool:
    return any(
        schedule.item_for(
            profession=profession,
            session_type=service_type,
            modality=modality,
            minutes=minutes,
            on=day,
        )
        for modality in MODALITIES
        for minutes in MINUTES
    )


def _engine_reason(profession: str, service_type: str, day: date) -> str:
    # A long-standing referral with sessions left and an empty year, so that only the
    # provider and the date can stop the service being rebated.
    scenario = engine.Scenario(
        as_of=day,
        provider=profession,
        referrals=(engine.Referral(id="r1", date=date(2000, 1, 1), sessions=6),),
        services=(engine.Service(date=day, type=service_type),),
        proposed=engine.Service(date=day, type=service_type),
    )
    result = engine.evaluate(scenario)
    assert result["proposed"]["reason"] == result["services"][0]["reason"]
    return result["services"][0]["reason"]


def test_the_engine_and_the_item_table_agree_on_every_boundary():
    load_items(ITEMS_CSV)  # the table as shipped, not as the migration froze it
    schedule = Schedule()
    days = _boundaries(schedule)
    assert date(2023, 2, 28) in days and date(2023, 3, 1) in days
    disagreements = []
    for profession in PROVIDERS:
        for service_type in SERVICE_TYPES:
            for day in days:
                reason = _engine_reason(profession, service_type, day)
                has_item = _table_has_item(schedule, profession, service_type, day)
                if (reason == engine.OK) != has_item or reason not in (
                    engine.OK,
                    engine.PROVIDER_NOT_ELIGIBLE,
                    engine.NO_ITEM_ON_DATE,
                ):
                    disagreements.append((profession, service_type, day.isoformat(), reason))
    assert disagreements == []
