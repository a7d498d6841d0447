"""An outside attacker against the public market figures, and the judge that scores what it recovers.

The attacker sees only what an anonymous client can read: every market range's release (through every filter
of the listing), every range's history, and the claims and salary contexts built from them. It combines them
as an attacker would:
- differences of two releases whose data nest (a range less a narrower one, history less today), with the
  published sample sizes and any percentile standing in for the mean, and the order-statistic trick
  (2·median of n+1 points − median of n points is the point that left, when it sat at the median);
- the linear system over the finest groups of points (all releases at once, so every combination of any
  number of figures): release r says n_r·p50_r ≈ Σ pay of the groups inside it; least squares gives each
  group's total and, from the counts, its size;
- percentile inversion at small n (at n = 5, p25, p50 and p75 are the 2nd, 3rd and 4th values).

The judge knows the data. A protected target is a group of points that fails the publication rule (fewer than
5 points, fewer than 3 contributors, one over half): a difference of two releases, a finest group, or one
posting that has closed. The attacker "recovers" a target when its estimate of the group's mean pay is within
RECOVERED of the truth; a guess that the group is typical of the releases containing it (their median) is
the baseline that every attack is compared with.
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.utils import timezone

from insights.segments import Segment
from jobs.models import JobPosting
from salaries.models import SalaryObservation

RECOVERED = 0.05  # within 5% of the group's mean pay


@dataclass(frozen=True)
class Point:
    ident: str  # "p<posting id>" or "o<survey record id>"
    contributor: str
    pay: float
    total: float | None  # postings' total compensation; None for survey records


@dataclass
class Figure:
    """One released figure set as the attacker has it, and (for the judge) the points behind it."""

    label: str  # key, or key@day for history
    partition: tuple[str, str]
    n: float  # the published sample size
    percentiles: dict[str, float | None]
    members: frozenset[str] = field(default_factory=frozenset)

    @property
    def median(self) -> float:
        return self.percentiles["p50"]


def points_now() -> dict[str, Point]:
    """Every data point visible now (the judge's ground truth)."""
    points = {}
    for posting in JobPosting.objects.visible():
        points[f"p{posting.pk}"] = Point(
            f"p{posting.pk}", f"c{posting.company_id}", float(posting.salary_mid_usd), float(posting.total_comp_mid_usd)
        )
    for record in SalaryObservation.objects.all():
        points[f"o{record.pk}"] = Point(f"o{record.pk}", f"o{record.pk}", float(record.salary_usd), None)
    return points


def members_now(key: str, *, totals: bool = False) -> frozenset[str]:
    """The points in a segment now, by the ORM's segment filters (not the engine's assignment)."""
    segment = Segment.from_key(key)
    postings = JobPosting.objects.visible().in_segment(segment).values_list("pk", flat=True)
    members = {f"p{pk}" for pk in postings}
    if not totals:
        records = SalaryObservation.objects.in_segment(segment, today=timezone.now().date()).values_list(
            "pk", flat=True
        )
        members |= {f"o{pk}" for pk in records}
    return frozenset(members)


def fails_rule(group: list[Point]) -> bool:
    if not group:
        return False
    per_contributor = Counter(point.contributor for point in group)
    return (
        len(group) < settings.MARKET_MIN_SAMPLE_SIZE
        or len(per_contributor) < settings.MARKET_MIN_COMPANIES
        or max(per_contributor.values()) * 2 > len(group)
    )


@dataclass
class Outcome:
    """How one attack fared against its protected targets."""

    attack: str
    targets: int = 0
    recovered: int = 0  # estimate within RECOVERED of the truth
    baseline: int = 0  # the typical-of-its-ranges guess within RECOVERED
    exact: int = 0  # estimate within 0.1%: the group's pay, to the dollar or so
    worst: list = field(default_factory=list)  # (error, label) of the closest estimates

    def score(self, label: str, estimate: float | None, truth: float, guess: float) -> None:
        self.targets += 1
        self.baseline += abs(guess - truth) <= RECOVERED * truth
        if estimate is None:
            return
        error = abs(estimate - truth) / truth
        self.recovered += error <= RECOVERED
        self.exact += error <= 0.001
        self.worst = sorted([*self.worst, (round(error, 4), label)])[:5]

    def better_than_guessing(self) -> bool:
        """Whether the attack recovers clearly more groups than the baseline guess does: by more than three
        standard deviations of the difference of two binomial counts at the baseline's rate (at least 10%).
        Noisy estimates land within 5% by luck about as often as the guess does; a leak lands there far more."""
        rate = max(self.baseline_rate, 0.1)
        margin = 3 * (2 * self.targets * rate * (1 - rate)) ** 0.5
        return self.recovered > self.baseline + margin

    def merge(self, other: "Outcome") -> "Outcome":
        return Outcome(
            self.attack, self.targets + other.targets, self.recovered + other.recovered,
            self.baseline + other.baseline, self.exact + other.exact, sorted([*self.worst, *other.worst])[:5],
        )  # fmt: skip

    @property
    def rate(self) -> float:
        return self.recovered / self.targets if self.targets else 0.0

    @property
    def baseline_rate(self) -> float:
        return self.baseline / self.targets if self.targets else 0.0


def _value(point: Point, totals: bool) -> float:
    return point.total if totals else point.pay


def _smallest_containing(figures: list[Figure], group: frozenset[str]) -> Figure:
    return min((f for f in figures if group <= f.members), key=lambda f: len(f.members))


def attack_differences(
    figures: list[Figure], points: dict[str, Point], *, totals: bool = False, exact_sums: dict | None = None
) -> Outcome:
    """Every pair of releases whose points nest, differenced; where several pairs isolate the same group, the
    attacker takes the median of their estimates. With `exact_sums` (label → exact n·mean), the same on exact
    figures."""
    outcome = Outcome("differences of two releases" + (" (exact figures)" if exact_sums else ""))
    estimates: dict[frozenset, list[float]] = defaultdict(list)
    labels: dict[frozenset, str] = {}
    for outer in figures:
        for inner in figures:
            if not inner.members < outer.members:
                continue
            group = outer.members - inner.members
            labels.setdefault(group, f"{outer.label} − {inner.label}")
            if exact_sums is None:
                estimate = _difference_estimate(outer, inner)
            else:
                estimate = (exact_sums[outer.label] - exact_sums[inner.label]) / len(group)
            if estimate is not None:
                estimates[group].append(estimate)
    for group, label in labels.items():
        chosen = [points[i] for i in group]
        if not fails_rule(chosen):
            continue
        truth = statistics.fmean(_value(p, totals) for p in chosen)
        guess = _smallest_containing(figures, group).median
        found = estimates.get(group)
        outcome.score(label, statistics.median(found) if found else None, truth, guess)
    return outcome


def _difference_estimate(outer: Figure, inner: Figure) -> float | None:
    gap = outer.n - inner.n
    if gap <= 0:
        return None  # the published sizes say nothing left: the attacker has nothing to divide by
    candidates = []
    for name in ("p25", "p50", "p75"):
        if outer.percentiles.get(name) is not None and inner.percentiles.get(name) is not None:
            candidates.append((outer.n * outer.percentiles[name] - inner.n * inner.percentiles[name]) / gap)
    if gap <= 2:
        candidates.append(2 * outer.median - inner.median)
    plausible = [c for c in candidates if 0.2 * outer.median < c < 5 * outer.median]
    return statistics.median(plausible) if plausible else None


def attack_linear_system(
    figures: list[Figure], points: dict[str, Point], *, totals: bool = False, exact_sums: dict | None = None
) -> Outcome:
    """All releases at once: least squares over the finest groups of points, partition by partition.

    With `exact_sums` (label → exact n·mean, what a leaky release would give), the same attack on exact figures."""
    outcome = Outcome("linear system over the finest groups" + (" (exact figures)" if exact_sums else ""))
    by_partition = defaultdict(list)
    for figure in figures:
        by_partition[figure.partition].append(figure)
    for group_figures in by_partition.values():
        signature = defaultdict(list)
        for ident in set().union(*(f.members for f in group_figures)):
            signature[frozenset(f.label for f in group_figures if ident in f.members)].append(ident)
        atoms = list(signature.values())
        matrix = np.array([[1.0 if atom[0] in f.members else 0.0 for atom in atoms] for f in group_figures])
        if exact_sums is not None:
            sums = np.array([exact_sums[f.label] for f in group_figures])
            sizes = np.array([float(len(f.members)) for f in group_figures])
        else:
            sums = np.array([f.n * f.median for f in group_figures])
            sizes = np.array([f.n for f in group_figures])
        totals_found = np.linalg.lstsq(matrix, sums, rcond=None)[0]
        counts_found = np.linalg.lstsq(matrix, sizes, rcond=None)[0]
        for atom, total, count in zip(atoms, totals_found, counts_found, strict=True):
            chosen = [points[i] for i in atom]
            if not fails_rule(chosen):
                continue
            truth = statistics.fmean(_value(p, totals) for p in chosen)
            guess = _smallest_containing(group_figures, frozenset(atom)).median
            estimate = total / count if count > 0.5 else None
            outcome.score(
                f"group of {len(atom)} in {sorted(f.label for f in group_figures if atom[0] in f.members)[:2]}",
                          estimate, truth, guess)  # fmt: skip
    return outcome


def figures_from_public(listed: dict[str, dict], *, totals: bool = False) -> list[Figure]:
    """The attacker's figures from the range listing (published ranges only)."""
    figures = []
    for key, item in listed.items():
        body = item["total_compensation"] if totals else item["base_pay"]
        size = item["total_sample_size"] if totals else item["sample_size"]
        if not item["published"] or body is None or body.get("p50") is None:
            continue
        segment = Segment.from_key(key)
        figures.append(
            Figure(
                key, (segment.role_family, segment.level), float(size),
                {name: None if body[name] is None else float(body[name]) for name in ("p10", "p25", "p50", "p75", "p90")},
            )
        )  # fmt: skip
    return figures


def figures_from_history(history: dict[str, list[dict]], day: str) -> list[Figure]:
    """The attacker's figures of one past day, from every range's history."""
    figures = []
    for key, days in history.items():
        for point in days:
            if point["day"] != day:
                continue
            segment = Segment.from_key(key)
            body = point["base_pay"]
            figures.append(
                Figure(
                    f"{key}@{day}", (segment.role_family, segment.level), float(point["sample_size"]),
                    {name: None if body[name] is None else float(body[name]) for name in ("p10", "p25", "p50", "p75", "p90")},
                )
            )  # fmt: skip
    return figures
