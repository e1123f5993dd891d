"""Did an outreach activity bring referrals? Compare the touched doctors' referrals in
the days after it with their own rate before it, as a rate ratio with an exact
confidence interval.

Association, not proof: doctors refer more for many reasons (a new GP in the clinic, the
season), and a practice visits the doctors it expects to refer.

The interval is the exact conditional one for a ratio of two Poisson rates: given n =
after + before events, `after` is binomial with p = RR·t_a / (RR·t_a + t_b), so the
Clopper-Pearson interval for p (the beta distribution's quantiles, from scipy's
`betaincinv`: what `binomtest(...).proportion_ci(method="exact")` computes) becomes one
for RR = p / (1 - p) · t_b / t_a.
"""

import math
from dataclasses import dataclass

AFTER_DAYS = 90
BEFORE_DAYS = 180
# Below this many referrals (before and after together) nothing is claimed.
MIN_EVENTS = 10
# An activity younger than this has too little "after" to read.
MIN_AFTER_DAYS = 30


@dataclass(frozen=True)
class RateRatio:
    after: int
    after_days: int
    before: int
    before_days: int
    ratio: float | None
    low: float | None
    high: float | None
    enough: bool

    @property
    def gained(self) -> float:
        """Referrals after beyond what the before-rate predicts for the same days."""
        if not self.before_days:
            return 0.0
        return self.after - self.before * self.after_days / self.before_days


def _to_ratio(p: float, after_days: int, before_days: int) -> float:
    if p >= 1:
        return math.inf
    return p / (1 - p) * before_days / after_days


def rate_ratio(
    after: int,
    after_days: int,
    before: int,
    before_days: int,
    *,
    confidence: float = 0.95,
    min_events: int = MIN_EVENTS,
) -> RateRatio:
    total = after + before
    enough = total >= min_events and after_days >= MIN_AFTER_DAYS and before_days > 0
    if not enough or before == 0:
        # An activity logged today has no days after it yet: no rate to compare.
        ratio = (
            None
            if before == 0 or not before_days or not after_days
            else (after / after_days) / (before / before_days)
        )
        return RateRatio(
            after, after_days, before, before_days, ratio, None, None, enough and before > 0
        )
    # Imported on first use, and scipy.special rather than scipy.stats (binomtest): in a
    # web worker, scipy.stats weighs about 88 MB and scipy.special 55; only the
    # outreach insights need either.
    from scipy.special import betaincinv

    tail = (1 - confidence) / 2
    p_low = 0.0 if after == 0 else float(betaincinv(after, total - after + 1, tail))
    p_high = 1.0 if after == total else float(betaincinv(after + 1, total - after, 1 - tail))
    return RateRatio(
        after,
        after_days,
        before,
        before_days,
        (after / after_days) / (before / before_days),
        _to_ratio(p_low, after_days, before_days),
        _to_ratio(p_high, after_days, before_days),
        True,
    )


@dataclass(frozen=True)
class KindRank:
    kind: str
    activities: int
    hours: float
    gained: float

    @property
    def per_hour(self) -> float | None:
        return self.gained / self.hours if self.hours else None


def rank_kinds(items: list[tuple[str, int | None, RateRatio]]) -> list[KindRank]:
    """items: (kind, minutes spent, its rate ratio). Referrals gained per hour spent,
    best first; activities whose time was not recorded count towards the gain only
    when their hours are known, so the ratio stays honest."""
    kinds: dict[str, list[float]] = {}
    for kind, minutes, rr in items:
        if not minutes or not rr.enough:
            continue
        entry = kinds.setdefault(kind, [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += minutes / 60
        entry[2] += rr.gained
    ranks = [KindRank(k, int(v[0]), round(v[1], 1), round(v[2], 1)) for k, v in kinds.items()]
    return sorted(ranks, key=lambda r: -(r.per_hour or 0))
