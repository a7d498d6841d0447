"""Demo data: companies of every size band and realistic postings built from the seed articles' pay tables.

The pay model (all annual, before noise):
- US base pay per level: the "Salary benchmarks by region: United States" table for junior/mid/senior,
  the startup guide for principal, the career-path ladder for lead and director, the by-experience range
  for staff. Interns are half of junior (a project assumption: the seeds give no intern figure).
- Startups use the startup guide's table where it has the level; big tech pays 15% over the US table
  (assumption); mid-size companies pay the US table.
- Europe (EUR) and Singapore (SGD) use their own regional tables for junior/mid/senior, and for other
  levels the US figure scaled by the region's mid-level ratio. Great Britain uses the Europe table
  converted to GBP with the bundled exchange rate.
- Role families are scaled around ML engineers (assumption): research 1.10, platform 1.00, software 0.95,
  data science 0.92, data engineering 0.90, analysis 0.70.
- Each posting draws its midpoint from a lognormal around the table's midpoint (sigma 0.12) and spans
  ±8–18% around it.
- Packages: big tech adds a 10–20% target bonus and RSUs worth 0.6–1.8× base over four years (and
  sometimes a sign-on bonus); startups grant the startup guide's equity percentage for the level, with a
  valuation 40% of the time; mid-size firms sometimes add a 5–10% bonus. The seeds give no figures for
  these multiples: they are assumptions of the demo.
"""

import json
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jobs.models import EmploymentType, FundingStage, RemotePolicy, SizeBand
from jobs.services import PACKAGE_FIELDS
from salaries.money import PayPeriod
from salaries.taxonomy import Level, RoleFamily

SEED_FIGURES = Path(__file__).resolve().parent.parent / "salaries" / "data" / "seed_pay_figures.json"


@dataclass(frozen=True)
class DemoCompany:
    name: str
    slug: str
    size_band: str
    country: str
    industry: str
    funding_stage: str = ""
    website: str = ""


BIG_TECH = [
    DemoCompany("Google", "google", SizeBand.LARGE, "US", "Internet", website="https://about.google"),
    DemoCompany("Meta", "meta", SizeBand.LARGE, "US", "Internet", website="https://about.meta.com"),
    DemoCompany("Amazon", "amazon", SizeBand.LARGE, "US", "E-commerce and cloud", website="https://www.amazon.jobs"),
    DemoCompany(
        "Apple", "apple", SizeBand.LARGE, "US", "Consumer electronics", website="https://www.apple.com/careers"
    ),
    DemoCompany("Microsoft", "microsoft", SizeBand.LARGE, "US", "Software", website="https://careers.microsoft.com"),
    DemoCompany("NVIDIA", "nvidia", SizeBand.LARGE, "US", "Semiconductors", website="https://www.nvidia.com"),
    DemoCompany("SAP", "sap", SizeBand.LARGE, "DE", "Enterprise software", website="https://www.sap.com"),
]
MID_SIZE = [
    DemoCompany("Northwind Analytics", "northwind-analytics", SizeBand.MID_SIZE, "US", "Analytics"),
    DemoCompany("Bluefin Payments", "bluefin-payments", SizeBand.MID_SIZE, "GB", "Fintech"),
    DemoCompany("Kestrel Health", "kestrel-health", SizeBand.MID_SIZE, "US", "Healthcare"),
    DemoCompany("Lindqvist Logistics", "lindqvist-logistics", SizeBand.MID_SIZE, "NL", "Logistics"),
    DemoCompany("Rive Gauche Media", "rive-gauche-media", SizeBand.MID_SIZE, "FR", "Media"),
    DemoCompany("Merlion Commerce", "merlion-commerce", SizeBand.MID_SIZE, "SG", "E-commerce"),
    DemoCompany("Alder Insurance", "alder-insurance", SizeBand.MID_SIZE, "DE", "Insurance"),
    DemoCompany("Cascadia Robotics", "cascadia-robotics", SizeBand.MID_SIZE, "US", "Robotics"),
]
STARTUPS = [
    DemoCompany("Vectorloom", "vectorloom", SizeBand.STARTUP, "US", "AI infrastructure", FundingStage.SERIES_A),
    DemoCompany("Quillmind", "quillmind", SizeBand.STARTUP, "US", "Generative AI", FundingStage.SEED),
    DemoCompany("Tensorleaf", "tensorleaf", SizeBand.STARTUP, "US", "MLOps", FundingStage.SERIES_B),
    DemoCompany("Pallas Bio", "pallas-bio", SizeBand.STARTUP, "US", "Biotech", FundingStage.SERIES_C_PLUS),
    DemoCompany("Driftwood Data", "driftwood-data", SizeBand.STARTUP, "US", "Data tooling", FundingStage.PRE_SEED),
    DemoCompany("Sable Security", "sable-security", SizeBand.STARTUP, "US", "Security", FundingStage.SERIES_A),
    DemoCompany("Fjordline AI", "fjordline-ai", SizeBand.STARTUP, "DE", "Industrial AI", FundingStage.SEED),
    DemoCompany("Calliope Labs", "calliope-labs", SizeBand.STARTUP, "GB", "Speech", FundingStage.SERIES_A),
    DemoCompany("Orchard Robotics", "orchard-robotics", SizeBand.STARTUP, "NL", "Agritech", FundingStage.SERIES_B),
    DemoCompany("Lumen Ledger", "lumen-ledger", SizeBand.STARTUP, "SG", "Fintech", FundingStage.SERIES_A),
    DemoCompany("Hexa Vision", "hexa-vision", SizeBand.STARTUP, "FR", "Computer vision", FundingStage.SEED),
    DemoCompany("Brightwave", "brightwave", SizeBand.STARTUP, "ES", "Climate", FundingStage.BOOTSTRAPPED),
]
COMPANIES = BIG_TECH + MID_SIZE + STARTUPS

COUNTRIES = {  # country: (weight, local currency, cities)
    "US": (50, "USD", ["San Francisco", "New York", "Seattle", "Austin", "Boston"]),
    "DE": (9, "EUR", ["Berlin", "Munich"]),
    "GB": (9, "GBP", ["London", "Cambridge"]),
    "FR": (7, "EUR", ["Paris"]),
    "NL": (6, "EUR", ["Amsterdam"]),
    "ES": (4, "EUR", ["Madrid", "Barcelona"]),
    "IE": (4, "EUR", ["Dublin"]),
    "SG": (11, "SGD", ["Singapore"]),
}
EUROPE = {"DE", "FR", "NL", "ES", "IE", "GB"}

ROLE_FACTORS = {
    RoleFamily.ML_ENGINEER: (30, 1.00, ["Machine Learning Engineer", "ML Engineer"]),
    RoleFamily.DATA_SCIENTIST: (20, 0.92, ["Data Scientist"]),
    RoleFamily.DATA_ENGINEER: (14, 0.90, ["Data Engineer"]),
    RoleFamily.RESEARCH_SCIENTIST: (8, 1.10, ["Research Scientist", "Applied Scientist"]),
    RoleFamily.ML_PLATFORM: (10, 1.00, ["MLOps Engineer", "ML Platform Engineer"]),
    RoleFamily.DATA_ANALYST: (8, 0.70, ["Data Analyst"]),
    RoleFamily.SOFTWARE_ENGINEER: (10, 0.95, ["Software Engineer"]),
}
LEVEL_WEIGHTS = {
    Level.INTERN: 3,
    Level.JUNIOR: 18,
    Level.MID: 28,
    Level.SENIOR: 26,
    Level.STAFF: 9,
    Level.PRINCIPAL: 5,
    Level.LEAD: 7,
    Level.DIRECTOR: 4,
}
TITLE_PREFIX = {
    Level.INTERN: "{} Intern",
    Level.JUNIOR: "Junior {}",
    Level.MID: "{}",
    Level.SENIOR: "Senior {}",
    Level.STAFF: "Staff {}",
    Level.PRINCIPAL: "Principal {}",
    Level.LEAD: "Lead {}",
    Level.DIRECTOR: "Director, {}",
}


def _load_figures() -> list[dict]:
    return json.loads(SEED_FIGURES.read_text())["figures"]


def _range(figures, *, source: str, level: str, currency: str) -> tuple[float, float] | None:
    for f in figures:
        if (
            f["source"] == source
            and f.get("level") == level
            and f["currency"] == currency
            and "max" in f
            and "min" in f
        ):
            return float(f["min"]), float(f["max"])
    return None


class PayModel:
    """Midpoints of annual pay per (size band, level, region) in local currency, from the seed tables."""

    def __init__(self, gbp_per_eur: float):
        figures = _load_figures()
        us_table = "mle-salary-comprehensive-guide"
        self.us = {
            level: _range(figures, source=us_table, level=level, currency="USD")
            for level in (Level.JUNIOR, Level.MID, Level.SENIOR)
        }
        self.us[Level.STAFF] = _range(
            figures, source="mle-salaries-by-level-and-company", level=Level.STAFF, currency="USD"
        )
        self.us[Level.PRINCIPAL] = _range(figures, source="startup-mle-guide", level=Level.PRINCIPAL, currency="USD")
        self.us[Level.LEAD] = _range(figures, source="mle-career-path", level=Level.LEAD, currency="USD")
        self.us[Level.DIRECTOR] = _range(figures, source="mle-career-path", level=Level.DIRECTOR, currency="USD")
        junior = self.us[Level.JUNIOR]
        self.us[Level.INTERN] = (junior[0] / 2, junior[1] / 2)
        self.startup = {
            level: _range(figures, source="startup-mle-guide", level=level, currency="USD") for level in Level.values
        }
        self.regional = {
            "EUR": {
                level: _range(figures, source=us_table, level=level, currency="EUR")
                for level in (Level.JUNIOR, Level.MID, Level.SENIOR)
            },
            "SGD": {
                level: _range(figures, source=us_table, level=level, currency="SGD")
                for level in (Level.JUNIOR, Level.MID, Level.SENIOR)
            },
        }
        self.gbp_per_eur = gbp_per_eur
        self.startup_equity = {
            f["level"]: (float(f["equity_pct_min"]), float(f["equity_pct_max"]))
            for f in figures
            if f["source"] == "startup-mle-guide" and "equity_pct_min" in f
        }

    def package(self, rng: random.Random, *, size_band: str, level: str, base_mid: float) -> dict:
        """Bonus and equity as the seeds describe them: big tech pays bonus and RSUs, startups pay
        a percentage of the company (the startup guide's equity ranges), sometimes with a valuation."""
        if size_band == SizeBand.LARGE:
            return {
                "bonus_target_pct": Decimal(rng.choice([10, 12, 15, 20])),
                "equity_grant_amount": _round(base_mid * rng.uniform(0.6, 1.8), Decimal(1000)),
                "vesting_years": 4,
                **({"sign_on_bonus": _round(base_mid * 0.1, Decimal(1000))} if rng.random() < 0.3 else {}),
            }
        if size_band == SizeBand.STARTUP:
            nearest = (
                level if level in self.startup_equity else (Level.JUNIOR if level == Level.INTERN else Level.PRINCIPAL)
            )
            low, high = self.startup_equity[nearest]
            equity = {
                "equity_pct_min": Decimal(str(low)),
                "equity_pct_max": Decimal(str(high)),
                "vesting_years": 4,
            }
            if rng.random() < 0.4:
                equity["company_valuation"] = Decimal(rng.choice([15, 40, 80, 150, 400])) * 1_000_000
            return equity
        return {"bonus_target_pct": Decimal(rng.choice([5, 8, 10]))} if rng.random() < 0.6 else {}

    def midpoint(self, *, size_band: str, level: str, country: str) -> tuple[float, str]:
        """(annual midpoint, currency) for a company of `size_band` posting at `level` in `country`."""
        us_low, us_high = self.us[level]
        us_mid = (us_low + us_high) / 2
        if size_band == SizeBand.STARTUP and self.startup.get(level):
            low, high = self.startup[level]
            us_mid = (low + high) / 2
        elif size_band == SizeBand.LARGE:
            us_mid *= 1.15
        if country == "US":
            return us_mid, "USD"
        region = "SGD" if country == "SG" else "EUR"
        table = self.regional[region]
        us_mid_level = sum(self.us[Level.MID]) / 2
        ratio = (sum(table[Level.MID]) / 2) / us_mid_level
        local = sum(table[level]) / 2 * (us_mid / ((us_low + us_high) / 2)) if table.get(level) else us_mid * ratio
        if country == "GB":
            return local * self.gbp_per_eur, "GBP"
        return local, region


def _weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(
        keys, weights=[weights[k] if isinstance(weights[k], int | float) else weights[k][0] for k in keys]
    )[0]


def generate_postings(*, count: int, companies: dict[str, object], model: PayModel, seed: int = 20261123) -> list[dict]:
    """`count` posting field sets, deterministic for a given seed (so `manage.py demo` is repeatable)."""
    rng = random.Random(seed)
    by_country: dict[str, list] = {}
    for spec in COMPANIES:
        by_country.setdefault(spec.country, []).append(spec)
    postings = []
    for number in range(1, count + 1):
        country = _weighted(rng, COUNTRIES)
        _, _, cities = COUNTRIES[country]
        # Big tech and mid-size firms hire everywhere; startups mostly at home.
        pool = BIG_TECH + MID_SIZE + [s for s in STARTUPS if s.country == country or rng.random() < 0.15]
        spec = rng.choice(pool)
        role = _weighted(rng, ROLE_FACTORS)
        _, role_factor, names = ROLE_FACTORS[role]
        level = _weighted(rng, LEVEL_WEIGHTS)
        mid, currency = model.midpoint(size_band=spec.size_band, level=level, country=country)
        mid *= role_factor * math.exp(rng.gauss(0, 0.12))
        spread = rng.uniform(0.08, 0.18)
        low, high = mid * (1 - spread), mid * (1 + spread)
        period, employment = PayPeriod.YEAR, EmploymentType.FULL_TIME
        if level == Level.INTERN:
            employment, period = EmploymentType.INTERNSHIP, PayPeriod.MONTH
        elif country == "US" and rng.random() < 0.06:
            employment, period = EmploymentType.CONTRACT, PayPeriod.HOUR
        elif country == "SG" and rng.random() < 0.4:
            period = PayPeriod.MONTH
        per_year = {PayPeriod.YEAR: 1, PayPeriod.MONTH: 12, PayPeriod.HOUR: 2080}[period]
        step = Decimal("0.5") if period == PayPeriod.HOUR else Decimal(100 if period == PayPeriod.MONTH else 1000)
        postings.append(
            {
                "company": companies[spec.slug],
                "source_ref": f"demo-{number:05d}",
                "title": TITLE_PREFIX[level].format(rng.choice(names)),
                "description": f"<p>Join {spec.name} as a {TITLE_PREFIX[level].format(names[0]).lower()}.</p>"
                f"<p>Our stack: {', '.join(rng.sample(STACKS[role], k=3))}.</p>",
                "role_family": role,
                "level": level,
                "employment_type": employment,
                "city": rng.choice(cities),
                "country": country,
                "remote_policy": rng.choices(list(RemotePolicy.values), weights=[5, 4, 2])[0],
                "salary_min": _round(low / per_year, step),
                "salary_max": _round(high / per_year, step),
                "salary_currency": currency,
                "salary_period": period,
                # Colorado's and Washington's laws ask every US posting open to their residents to describe them.
                "benefits": rng.choice(BENEFITS),
                **(
                    model.package(rng, size_band=spec.size_band, level=level, base_mid=mid)
                    if level != Level.INTERN
                    else {}
                ),
            }
        )
        _demo_pay_kind(postings[-1], number)
    return postings


DEMO_ESTIMATE_SOURCE = "Example Jobs (a third-party estimate; demo data)"
NO_PAY_LAW = {"GB", "SG"}  # no pay-transparency law on file here (jobs.transparency): pay may be left out


def _demo_pay_kind(fields: dict, number: int) -> None:
    """About one in 50 demo postings in Britain and Singapore gives no pay, and as many carry a third-party
    estimate instead of the employer's pay (chosen by number, so the random stream and the rest stay the same)."""
    if fields["country"] not in NO_PAY_LAW or number % 50 not in (7, 32):
        return
    for name in [name for name in fields if name in PACKAGE_FIELDS]:
        del fields[name]
    if number % 50 == 7:
        fields.update(pay_kind="none", salary_min=None, salary_max=None, salary_currency="")
    else:
        fields.update(pay_kind="estimate", pay_source=DEMO_ESTIMATE_SOURCE)


# Skills each role's demo postings name, three at random (jobs.services reads them into `skills`). Demo pay does
# not depend on them, so the demo's skill premiums are within noise, as they should be.
STACKS = {
    "ml_engineer": ["PyTorch", "TensorFlow", "Kubernetes", "LLMs", "AWS", "MLOps", "Python", "Spark"],
    "data_scientist": ["Python", "SQL", "scikit-learn", "pandas", "NLP", "deep learning", "Spark"],
    "data_engineer": ["Spark", "Airflow", "SQL", "Databricks", "Scala", "Kubernetes", "AWS"],
    "research_scientist": ["PyTorch", "reinforcement learning", "LLMs", "computer vision", "NLP", "JAX"],
    "ml_platform": ["Kubernetes", "Docker", "MLOps", "AWS", "Google Cloud", "Airflow"],
    "data_analyst": ["SQL", "Python", "pandas", "Databricks", "Azure"],
    "software_engineer": ["Python", "Java", "Kubernetes", "Docker", "AWS", "Scala"],
}


BENEFITS = [
    "Health, dental and vision insurance; 401(k) or pension with employer match; 25 days of paid leave.",
    "Private health insurance, annual learning budget, home-office allowance and parental leave.",
    "Medical cover for the family, equity refreshers, a yearly bonus and flexible working hours.",
]


def _round(value: float, step: Decimal) -> Decimal:
    return (Decimal(str(value)) / step).quantize(Decimal(1)) * step


# Beyond the published postings, a few in every other state, so the moderation queue and the lifecycle show.
EXTRA_STATES = [("pending_review", 12), ("draft", 8), ("rejected", 6), ("closed", 6), ("filled", 6), ("expired", 6)]
REJECTION_REASONS = [
    "The pay range is wider than the role's scope supports: narrow it to what you would really pay.",
    "Colorado's law asks for the benefits to be described: add them.",
    "The title and the level disagree (a staff title at junior pay): correct one of them.",
]
DEMO_HORIZON_DAYS = 180  # published demo postings expire this long after the demo is (re)loaded
HISTORY_MONTHS = 12
HISTORY_WEEKS = 8
HISTORY_DAILY = 7


def demo_states(published: int) -> list[str]:
    """The intended state of demo posting number 1, 2, …: `published` published ones, then the extras."""
    return ["published"] * published + [state for state, count in EXTRA_STATES for _ in range(count)]


def demo_days_ago(number: int, state: str) -> float:
    """How long ago a demo posting was created, spread over the last year (deterministic by number): the
    12-month window and the history then hold a year of data. Postings waiting for review were sent in the last
    ten days (the queue's oldest first means something); expired ones were published long enough ago to have
    run out."""
    spread = (number * 7919 % 3650) / 10  # 0 to 365 days, well mixed over numbers
    if state in {"pending_review", "draft"}:
        return 0.5 + spread / 36.5
    if state == "expired":
        return 100 + spread / 2
    return 1 + spread


def history_days(today) -> list:
    """The past days the demo's history is backfilled for: monthly over a year, weekly over the last two months,
    daily over the last week (about 25 days: each costs a pass over every data point, about a second here)."""
    from datetime import timedelta

    days = {today - timedelta(days=30 * m) for m in range(1, HISTORY_MONTHS + 1)}
    days |= {today - timedelta(weeks=w) for w in range(1, HISTORY_WEEKS + 1)}
    days |= {today - timedelta(days=d) for d in range(1, HISTORY_DAILY + 1)}
    return sorted(days)
