"""What the public may learn of a market range: the disclosure rule, as one pure function of its statistics.

Threat model (README, "Disclosure control"): anyone may make any number of requests to every public endpoint
and combine the answers in any way (sums, differences, percentiles at small n, history against today). They
must not learn the pay of fewer than 5 points or 3 contributors, of one contributor dominating a group, of a
posting that is no longer visible, or of an individual private record.

Why a rule that looks at one range alone can hold against every combination:

1. **No exact linear statistic of pay is ever public.** No mean, sum, minimum or maximum; counts are
   perturbed. Differencing attacks (n·mean of one range less n·mean of another) need exact linear figures:
   there are none to subtract.
2. **Every public pay figure carries noise that repetition cannot remove** (the cell-key method of national
   statistics offices, applied to percentiles as well as counts). Each data point carries a random key
   (`JobPosting.disclosure_key`, `SalaryObservation.disclosure_key`) that is never shown; a range's cell key
   is the sum of its points' keys modulo KEY_SPACE, and every public figure is perturbed by an amount drawn
   deterministically from it. The same points always get the same noise, whichever segment, request or day
   shows them, so asking again or through another segment that holds the same points averages nothing; a
   range that differs by even one point gets an independent draw.
3. **The noise is never small where one point matters.** Each percentile is moved by a share of its value
   between `noise_bounds(n)` — never zero — and rounded to ROUND_TO dollars. At n = 5 the median is one
   person's pay; it is published at least 6.7% away from it. p10 and p90 are published only from
   TAIL_MIN_SAMPLE points, so they never rest on the two extreme points. A range's percentiles all move the
   same way (up or down, drawn from its cell key), so they can be kept in order without any of them coming
   nearer its exact value (`perturbed_percentiles`).
4. **Thin ranges are withheld outright** (fewer than MARKET_MIN_SAMPLE_SIZE points, fewer than
   MARKET_MIN_COMPANIES contributors, or one contributor over half), on the sample each figure rests on: base
   pay on every point, total compensation on the postings alone.

Everything public that is computed from market ranges (salary contexts, peers, claims, history, insights)
is computed from these releases only, never from the data behind them; post-processing of released figures
discloses nothing more. Moderators and admins see the exact figures beside the release.

The choice of this design over differential privacy, suppression audited by linear programming and rounding
alone, with the error each costs and what the attacker recovers, is recorded in benchmarks/RESULTS.md
("Disclosure methods"); tests/insights/test_attacker.py attacks the releases as an outsider would.
"""

import math
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

# Record keys are uniform in [0, KEY_SPACE); a cell key is their sum modulo KEY_SPACE, so it is uniform too and
# independent between two sets of points that differ by any point. 2³¹ keeps keys in a 32-bit signed column.
KEY_SPACE = 2**31

# Bump when the rule changes: a stored release of another version is recomputed by the next rebuild.
RULE_VERSION = 1

# Percentile noise: a share of the value between a and 2a, a = max(NOISE_FLOOR, NOISE_SCALE / √n). One point
# moves a percentile of n points by roughly the spread over n, so √n shrinks the noise more slowly than any
# one point's influence: at n = 5, 6.7–13.4%; n = 20, 3.4–6.7%; n = 100, 1.5–3%; from n = 225, 1–2%.
NOISE_SCALE = 0.15
NOISE_FLOOR = 0.01
ROUND_TO = 100  # dollars
# p10 and p90 of fewer points interpolate towards the extreme points themselves (at n = 11 the p10 is the
# second lowest value); from 20 points they rest on the second and third from each end, with noise.
TAIL_MIN_SAMPLE = 20
PERCENTILES = ("p10", "p25", "p50", "p75", "p90")
TAILS = ("p10", "p90")

# Count perturbation (a cell-key p-table): the change to a count, by the cell key's draw.
COUNT_TABLE = ((0.1, -2), (0.3, -1), (0.7, 0), (0.9, 1), (1.0, 2))

# Each figure draws from its own stream of the cell key, so no two figures share a draw.
_STREAMS = {name: number for number, name in enumerate(PERCENTILES)} | {"sample_size": 8, "company_count": 9,
                                                                        "direction": 10}  # fmt: skip
_TOTAL_STREAMS = 16  # added to a figure's stream for the total-compensation sample
_M64 = 2**64 - 1


def new_record_key() -> int:
    """A data point's disclosure key: random, secret, fixed for the point's life (edits keep it)."""
    return secrets.randbelow(KEY_SPACE)


def cell_key(key_sum: int) -> int:
    return key_sum % KEY_SPACE


def _draw(key: int, stream: int) -> float:
    """A uniform number in [0, 1) determined by a cell key and a stream (splitmix64's output function)."""
    x = (key * 64 + stream + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return (x ^ (x >> 31)) / 2**64


def noise_bounds(n: int) -> tuple[float, float]:
    """The least and greatest share of its value by which a percentile of n points is moved."""
    low = max(NOISE_FLOOR, NOISE_SCALE / math.sqrt(n))
    return low, 2 * low


def perturbed_percentiles(percentiles: dict[str, Decimal], *, n: int, key: int, streams: int = 0) -> dict[str, int]:
    """Percentiles as the public sees them: each moved by its own share in noise_bounds(n), all in one direction
    (drawn from the cell key), kept in order, rounded to ROUND_TO.

    One direction for the whole curve is what lets the order be restored without bringing any figure closer to
    its exact value: moving up, each figure is raised to the highest below it; moving down, lowered to the lowest
    above it. Either way every figure stays between a and 2a of its own exact value (a, 2a = noise_bounds(n)),
    since the percentiles below it are no greater than it and those above no smaller."""
    low, high = noise_bounds(n)
    up = _draw(key, _STREAMS["direction"] + streams) >= 0.5
    moved = {}
    for name, value in percentiles.items():
        share = low + (high - low) * _draw(key, _STREAMS[name] + streams)
        moved[name] = float(value) * (1 + share if up else 1 - share)
    names = [name for name in PERCENTILES if name in moved]
    if up:
        for below, above in zip(names, names[1:], strict=False):
            moved[above] = max(moved[above], moved[below])
    else:
        for below, above in reversed(list(zip(names, names[1:], strict=False))):
            moved[below] = min(moved[below], moved[above])
    return {name: int(round(value / ROUND_TO)) * ROUND_TO for name, value in moved.items()}


def perturbed_count(count: int, *, key: int, stream: int, at_least: int) -> int:
    draw = _draw(key, stream)
    change = next(change for limit, change in COUNT_TABLE if draw < limit)
    return max(at_least, count + change)


def rule_problem(n: int, contributors: int, top_share: Decimal, *, what: str = "data points") -> str | None:
    """The publication rule on exact counts: why a sample may not be published, or None when it may."""
    if n < settings.MARKET_MIN_SAMPLE_SIZE:
        return f"fewer than {settings.MARKET_MIN_SAMPLE_SIZE} {what}"
    if contributors < settings.MARKET_MIN_COMPANIES:
        return f"fewer than {settings.MARKET_MIN_COMPANIES} distinct contributors"
    if top_share > Decimal("0.5"):
        return f"one contributor supplies more than half of the {what}"
    return None


@dataclass(frozen=True)
class Sample:
    """The exact figures of one sample of a range (all its points, or the postings' totals alone)."""

    n: int
    contributors: int
    top_share: Decimal
    percentiles: dict[str, Decimal | None]
    key: int  # cell key


def release_sample(sample: Sample, *, streams: int = 0) -> dict:
    """The public figures of one sample that passes the rule: perturbed counts and percentiles."""
    shown = {
        name: value
        for name, value in sample.percentiles.items()
        if value is not None and (name not in TAILS or sample.n >= TAIL_MIN_SAMPLE)
    }
    values = perturbed_percentiles(shown, n=sample.n, key=sample.key, streams=streams)
    return {
        "sample_size": perturbed_count(
            sample.n, key=sample.key, stream=_STREAMS["sample_size"] + streams,
            at_least=settings.MARKET_MIN_SAMPLE_SIZE,
        ),
        "company_count": perturbed_count(
            sample.contributors, key=sample.key, stream=_STREAMS["company_count"] + streams,
            at_least=settings.MARKET_MIN_COMPANIES,
        ),
        **{name: values.get(name) for name in PERCENTILES},
    }  # fmt: skip


@dataclass(frozen=True)
class Release:
    """A range's public release: its figures, or why it is withheld. Stored on the range (MarketRange)."""

    published: bool
    withheld_reason: str
    total_published: bool
    total_withheld_reason: str
    figures: dict  # JSON: the public body (`release` on MarketRange)

    def field_values(self) -> dict:
        return {
            "published": self.published,
            "withheld_reason": self.withheld_reason,
            "total_published": self.total_published,
            "total_withheld_reason": self.total_withheld_reason,
            "release": self.figures,
            "release_version": RULE_VERSION,
        }


CONFIDENCE_RULE = (
    "high: at least 100 data points, at least half of them from the last 12 months; "
    "medium: at least 20 data points, at least a quarter from the last 12 months; "
    "low: any other range with enough data to publish."
)


def confidence(n: int, recent: int) -> str:
    if n >= 100 and recent * 2 >= n:
        return "high"
    if n >= 20 and recent * 4 >= n:
        return "medium"
    return "low"


def range_release(stats) -> Release:
    """The public release of a range from its exact statistics (insights.services.segment_stats.SegmentStats)."""
    base = Sample(stats.sample_size, stats.company_count, stats.top_company_share, stats.percentiles, stats.cell_key)
    problem = rule_problem(base.n, base.contributors, base.top_share)
    if problem is not None:
        return Release(False, problem, False, problem, {})
    totals = Sample(
        stats.total_sample_size,
        stats.total_company_count,
        stats.total_top_company_share,
        stats.total_percentiles or {},
        stats.total_cell_key,
    )
    total_problem = rule_problem(totals.n, totals.contributors, totals.top_share, what="data points with total pay")
    sources = [kind for kind, count in (("employer_posted", stats.posting_count),
                                        ("survey_observation", stats.observation_count)) if count]  # fmt: skip
    figures = {
        **release_sample(base),
        "confidence": confidence(stats.sample_size, stats.recent_count),
        "sources": sources,
        "total": None if total_problem else release_sample(totals, streams=_TOTAL_STREAMS),
    }
    return Release(True, "", total_problem is None, total_problem or "", figures)


def random_keys_sql(table: str, vendor: str) -> str:
    """SQL giving every row of `table` its own random disclosure key (for migrations and bulk loads)."""
    if vendor == "postgresql":
        return f"UPDATE {table} SET disclosure_key = floor(random() * {KEY_SPACE})::integer"
    return f"UPDATE {table} SET disclosure_key = abs(random() % {KEY_SPACE})"
