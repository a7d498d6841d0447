"""Pay-transparency checks: which laws a posting falls under (jobs.models.PayTransparencyRule, data editable in
the admin) and what each finds missing, plus the feedback an employer gets on a posting's pay range.

A rule applies to a posting when it is active and in force, the employer is at least its headcount (an unknown
headcount counts as covered: the safe reading), and the posting's place is in its jurisdiction: the country and
state (or one of its cities), every EU member state for an EU-wide rule, and, for rules that cover remote work,
any remote posting in the country (a remote job can be done from the state). Blocking findings stop a
submission (jobs.services.posting_submit); warnings are shown and do not.
"""

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from config.errors import DomainError
from jobs.models import PayKind, PayTransparencyRule, RemotePolicy, TransparencySeverity
from salaries.selectors import benchmarks_beside

# Member states of the European Union (2026).
EU_MEMBERS = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)  # fmt: skip
WIDE_RANGE_RATIO = Decimal("1.6")  # a maximum above 1.6 × the minimum is unusually wide


@dataclass(frozen=True)
class Finding:
    rule: str
    name: str
    severity: str
    field: str
    message: str
    source_title: str
    source_url: str


class PayTransparencyError(DomainError):
    code = "pay_transparency"

    def __init__(self, findings: list[Finding]):
        first = findings[0]
        super().__init__(f"{first.name}: {first.message}", field=first.field)
        self.errors = [{"field": f.field, "code": f"pay_transparency.{f.rule}", "message": f"{f.name}: {f.message}"}
                       for f in findings]  # fmt: skip


def active_rules(today: date) -> list[PayTransparencyRule]:
    return list(PayTransparencyRule.objects.filter(active=True, effective_from__lte=today))


def _city_states(rules) -> dict[tuple[str, str], str]:
    """Cities named by rules, with their state: a posting in New York City is in New York State too."""
    return {(r.country, slug.strip()): r.subdivision for r in rules if r.subdivision
            for slug in r.city_slugs.split(",") if slug.strip()}  # fmt: skip


def _applies(rule, posting, company, state: str) -> bool:
    if company.employee_count is not None and company.employee_count < rule.min_employees:
        return False
    if rule.eu_wide:
        return posting.country in EU_MEMBERS
    if posting.country != rule.country:
        return False
    if rule.covers_remote and posting.remote_policy == RemotePolicy.REMOTE:
        return True
    if rule.subdivision and state != rule.subdivision:
        return False
    cities = {slug.strip() for slug in rule.city_slugs.split(",") if slug.strip()}
    return not cities or posting.city_slug in cities


def _missing(rule, posting) -> list[tuple[str, str]]:
    problems = []
    # The law asks the employer to state the pay: a third-party estimate does not comply, nor does no pay.
    stated = posting.pay_kind == PayKind.EMPLOYER and posting.salary_min and posting.salary_max
    if (rule.requires_range or rule.forbids_open_ended) and not stated:
        field = "pay_kind" if posting.pay_kind != PayKind.EMPLOYER else "salary_max"
        problems.append((field, "the employer's pay range (minimum and maximum) must be given"))
    elif rule.forbids_open_ended and stated and posting.salary_max < posting.salary_min:
        problems.append(("salary_max", "a good-faith maximum must be given: an open-ended range does not comply"))
    if rule.requires_benefits and not (posting.benefits or "").strip():
        problems.append(("benefits", "a general description of the benefits must be given"))
    described = any(getattr(posting, name) for name in ("bonus_target_pct", "bonus_target_amount", "equity_pct_min",
                                                       "equity_grant_amount", "sign_on_bonus"))  # fmt: skip
    # A benefits description also describes the other compensation: one finding, not two, when both are asked.
    if (
        rule.requires_bonus_description
        and not described
        and not rule.requires_benefits
        and not (posting.benefits or "").strip()
    ):
        problems.append(("benefits", "bonuses and other compensation must be described (or stated as none)"))
    return problems


def transparency_findings(posting, company, rules: list[PayTransparencyRule]) -> list[Finding]:
    state = posting.subdivision or _city_states(rules).get((posting.country, posting.city_slug), "")
    findings = []
    for rule in rules:
        if not _applies(rule, posting, company, state):
            continue
        seen = set()
        for field, message in _missing(rule, posting):
            if (field, message) in seen:
                continue
            seen.add((field, message))
            findings.append(Finding(rule.code, rule.name, rule.severity, field, message, rule.source_title,
                                    rule.source_url))  # fmt: skip
    return findings


def rules_checked(posting, company, rules) -> list[dict]:
    state = posting.subdivision or _city_states(rules).get((posting.country, posting.city_slug), "")
    return [{"rule": r.code, "name": r.name, "source_url": r.source_url} for r in rules
            if _applies(r, posting, company, state)]  # fmt: skip


def benchmarks_for(postings) -> dict[tuple[str, str, str], list[dict]]:
    """The curated benchmarks of every (role, level, country) among these postings, in one query."""
    return benchmarks_beside({(p.role_family, p.level, p.country) for p in postings}, per_segment=5)


def posting_feedback(posting, company, rules, benchmarks: dict | None = None) -> dict:
    """What the employer sees about a posting's pay: the transparency rules it falls under and what they find,
    whether the range is unusually wide, and the curated benchmarks for its role, level and country beside its
    midpoint (the market itself is the posting's `salary_context`)."""
    findings = transparency_findings(posting, company, rules)
    beside = [
        {**b, "posting_midpoint_vs_benchmark_pct": None if posting.salary_mid_usd is None else
         round(float(posting.salary_mid_usd / b["central_annual_usd"] - 1) * 100, 1)}
        for b in (benchmarks or {}).get((posting.role_family, posting.level, posting.country), [])
        if b["central_annual_usd"]
    ]  # fmt: skip
    ratio = (posting.salary_max / posting.salary_min) if posting.salary_min and posting.salary_max else None
    return {
        "pay_transparency": {
            "rules_applied": rules_checked(posting, company, rules),
            "blocking": [asdict(f) for f in findings if f.severity == TransparencySeverity.BLOCKING],
            "warnings": [asdict(f) for f in findings if f.severity != TransparencySeverity.BLOCKING],
        },
        "benchmarks": beside,
        "range": {
            "max_over_min": ratio.quantize(Decimal("0.01")) if ratio else None,
            "unusually_wide": bool(ratio and ratio > WIDE_RANGE_RATIO),
            "note": f"A maximum above {WIDE_RANGE_RATIO}× the minimum reads as unusually wide to candidates.",
        },
    }


def check_submittable(posting, company, today: date) -> None:
    blocking = [f for f in transparency_findings(posting, company, active_rules(today))
                if f.severity == TransparencySeverity.BLOCKING]  # fmt: skip
    if blocking:
        raise PayTransparencyError(blocking)
