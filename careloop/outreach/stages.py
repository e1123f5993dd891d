"""Where a relationship stands, from the facts alone (no ORM here).

A doctor's stage follows what happened:

- "do not contact" only when a person said so;
- "referring" from the first referral on;
- "lapsed" when their silence is well beyond their OWN usual interval between
  referrals: a doctor who refers every month and has sent nothing for four months has
  gone quiet, one who refers twice a year and last referred four months ago has not.
  The usual interval is the median gap between their referrals, so one long holiday
  does not set the rhythm; silence counts as lapsed past LAPSE_FACTOR times it (and
  never sooner than MIN_SILENCE_DAYS). With too little history to know a rhythm
  (fewer than MIN_INTERVALS gaps), a year of silence is the fallback;
- "introduced" when the practice has made contact but no referral has come;
- "not contacted" otherwise.

A medical practice's stage is the same rule over all its doctors' referrals and
contacts taken together.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from .models import Stage

# Silence beyond this many times the usual interval is "lapsed".
LAPSE_FACTOR = 3
# Gaps between referrals needed before a doctor's own rhythm is trusted.
MIN_INTERVALS = 2
# However often a doctor refers, a few weeks' quiet is a holiday, not a lapse.
MIN_SILENCE_DAYS = 56
# With too little history to know their rhythm: a year without a referral.
THIN_HISTORY_SILENCE_DAYS = 365


def span_words(days: int) -> str:
    """A stretch of time as people say it: days, then weeks up to half a year, then
    months, then years."""
    if days < 7 or (days < 14 and days != 7):
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 26 * 7:
        weeks = round(days / 7)
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    months = round(days / 30.44)
    if months < 24:
        return f"{months} months"
    years = round(days / 365.25)
    return f"{years} years"


def every_words(days: int) -> str:
    """An interval as a rhythm: "every 5 weeks", "every 6 months", "every week"."""
    words = span_words(days)
    if words.startswith("1 "):
        return "every " + words[2:].rstrip("s")
    return "every " + words


@dataclass(frozen=True)
class Rhythm:
    """How often someone refers, judged from their own referral dates."""

    usual_interval_days: int | None  # None: too little history
    last_referral: date
    first_referral: date
    count: int

    def silence_days(self, today: date) -> int:
        return (today - self.last_referral).days

    @property
    def lapse_after_days(self) -> int:
        if self.usual_interval_days is None:
            return THIN_HISTORY_SILENCE_DAYS
        return max(self.usual_interval_days * LAPSE_FACTOR, MIN_SILENCE_DAYS)

    def lapsed(self, today: date) -> bool:
        """Silent for longer than their rhythm allows: the rule of "lapsed"."""
        return self.silence_days(today) > self.lapse_after_days

    @property
    def lapsed_since(self) -> date:
        """The day the silence became a lapse."""
        return self.last_referral + timedelta(days=self.lapse_after_days)


def rhythm_of(referral_dates: Iterable[date]) -> Rhythm | None:
    dates = sorted(referral_dates)
    if not dates:
        return None
    gaps = [(b - a).days for a, b in zip(dates, dates[1:], strict=False)]
    # Two referrals on the same day (a couple, a family) say nothing of the rhythm.
    gaps = [gap for gap in gaps if gap > 0]
    usual = round(statistics.median(gaps)) if len(gaps) >= MIN_INTERVALS else None
    return Rhythm(usual, dates[-1], dates[0], len(dates))


@dataclass(frozen=True)
class StageFacts:
    """What a stage is judged from."""

    today: date
    referral_dates: tuple[date, ...] = ()
    # The first contact the practice made (any outreach activity), if any.
    first_contact: date | None = None
    first_contact_kind: str = ""
    do_not_contact: bool = False
    do_not_contact_reason: str = ""
    do_not_contact_set_on: date | None = None
    do_not_contact_set_by: str = ""


@dataclass(frozen=True)
class Verdict:
    stage: Stage
    reason: str
    rhythm: Rhythm | None = None

    @property
    def label(self) -> str:
        return Stage(self.stage).label

    @property
    def lapsed_since(self) -> date | None:
        if self.stage == Stage.LAPSED and self.rhythm is not None:
            return self.rhythm.lapsed_since
        return None


@dataclass
class Contacts:
    """The practice's outreach contacts with one doctor (referrals not counted)."""

    dates_and_kinds: list[tuple[date, str, int | None]] = field(default_factory=list)

    def add(self, day: date, kind: str, logged_by_id: int | None) -> None:
        self.dates_and_kinds.append((day, kind, logged_by_id))

    @property
    def first(self) -> tuple[date, str, int | None] | None:
        return min(self.dates_and_kinds, default=None, key=lambda row: row[0])

    @property
    def last(self) -> tuple[date, str, int | None] | None:
        return max(self.dates_and_kinds, default=None, key=lambda row: row[0])

    def last_of(self, kinds: Iterable[str]) -> date | None:
        wanted = set(kinds)
        return max((d for d, k, _ in self.dates_and_kinds if k in wanted), default=None)

    def since(self, day: date) -> bool:
        return any(d >= day for d, _, _ in self.dates_and_kinds)


def _dated(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def stage_of(facts: StageFacts) -> Verdict:
    rhythm = rhythm_of(facts.referral_dates)
    if facts.do_not_contact:
        said = "A person asked that they not be contacted"
        if facts.do_not_contact_set_by:
            said = f"{facts.do_not_contact_set_by} asked that they not be contacted"
        if facts.do_not_contact_set_on:
            said += f" on {_dated(facts.do_not_contact_set_on)}"
        if facts.do_not_contact_reason:
            said += f": {facts.do_not_contact_reason}"
        return Verdict(Stage.DO_NOT_CONTACT, said, rhythm)
    if rhythm is not None:
        silence = rhythm.silence_days(facts.today)
        nothing = "referred today" if silence == 0 else f"nothing for {span_words(silence)}"
        if rhythm.usual_interval_days is None:
            history = (
                f"one referral, on {_dated(rhythm.last_referral)}"
                if rhythm.count == 1
                else f"{rhythm.count} referrals, the last on {_dated(rhythm.last_referral)}"
            )
            if rhythm.lapsed(facts.today):
                return Verdict(
                    Stage.LAPSED,
                    f"{history}; {nothing}, and too few referrals to know their usual rhythm",
                    rhythm,
                )
            return Verdict(Stage.REFERRING, f"{history}; {nothing}", rhythm)
        usual = f"usually refers {every_words(rhythm.usual_interval_days)}"
        if rhythm.lapsed(facts.today):
            return Verdict(Stage.LAPSED, f"{usual}; {nothing}", rhythm)
        return Verdict(Stage.REFERRING, f"{usual}; {nothing}", rhythm)
    if facts.first_contact is not None:
        how = f" ({facts.first_contact_kind.lower()})" if facts.first_contact_kind else ""
        return Verdict(
            Stage.INTRODUCED,
            f"first contact on {_dated(facts.first_contact)}{how}; no referral yet",
        )
    return Verdict(Stage.NOT_CONTACTED, "no contact and no referral on record")
