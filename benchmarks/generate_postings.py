"""Generate N realistic published job postings and their companies straight into PostgreSQL (COPY), for the
market-range benchmarks.

    .venv/bin/python benchmarks/generate_postings.py \\
        --database-url postgres://postgres@127.0.0.1:5432/jobboard_bench_1m --postings 1000000 \\
        [--companies 20000] [--seed 7] [--recreate]

`--recreate` drops and creates the database, then runs `manage.py migrate` on it (which also loads the bundled
exchange rates); without it the rows are appended. From Python, after django.setup(), `generate(n_postings,
n_companies, seed)` writes into the database Django is configured for.

The rows bypass the services, so no market segment is marked for recompute: run `manage.py
rebuild_market_ranges` afterwards. Everything the services would store is stored the same way: pay is
normalised with the same functions as jobs.services._apply_pay (salaries.money, salaries.compensation), at the
exchange rate in force on the day the posting was created (the latest on or before it, as rate_on picks it),
and city_slug is slugify(city).

The pay model (annual USD midpoint of a posting's base range, before noise):
- Level: the US ML-engineer ranges of the seed articles (salaries/data/seed_pay_figures.json), the same figures
  jobs/demo.py uses: junior/mid/senior from the comprehensive guide's US table, staff from the by-experience
  range. Principal, lead and director come from tables whose senior row sits far below the guide's, so they are
  placed by their own table's ratio to its senior row (startup guide for principal, career-path ladder for lead
  and director) times the guide's senior midpoint; taken raw, the seeds' director would be paid less than a
  senior. Interns are half of junior (jobs/demo.py's assumption).
- Role family: jobs/demo.py's factors around ML engineers (assumptions); `other` 0.90 (assumption).
- Country: the median salary_in_usd of full-time records from 2022 on by company_location in the ai-jobs.net
  survey (../shared/data/aijobs-salaries-2025-01-19.csv), relative to the US per experience level (EN, MI, SE)
  and averaged in logs weighted by record count. Singapore uses the seed article's SGD table instead (mid
  72-108k SGD at the bundled rate, against the US mid range). Countries with fewer than 30 records are shrunk
  towards a seed prior with a weight of 30 records (Europe table for SE and BE, Singapore table for JP).
- City: US cities only, the geometric mean of the OEWS May 2025 metro-area median for software developers
  (15-1252) and data scientists (15-2051) over the national median (../shared/data/oews-2025-computer-math.csv);
  city weights follow the metro's software-developer employment. Cities elsewhere get no multiplier.
- Company size: large companies pay the US table +15% (jobs/demo.py's big-tech assumption), mid-size the
  table, startups the large figure less a cash discount by funding stage, 20% (series C+) to 35% (pre-seed): the
  "startups vs big tech" seed says early-stage cash is 30-40% lower; later stages close part of the gap
  (assumption). Amazon, Apple, Google and Meta scale by their seed "by company" average over the four's mean;
  the other named big-tech firms by an assumed factor (BIG_TECH); every other company by a lognormal factor
  (sigma 0.08).
- Each posting: lognormal noise (sigma 0.12, as jobs/demo.py), a range of +/-8-20% around the midpoint (4% post a
  single figure), amounts rounded to three significant figures (two for hourly and daily rates).
- Packages, full-time postings only (the seeds give no multiples; assumptions as in jobs/demo.py): big tech 90%
  and other large firms 50% with a target bonus and RSUs over four years (sometimes a sign-on bonus); mid-size
  40% with a bonus (some with RSUs); startups 75% with the startup guide's equity percentage for the level,
  scaled down by funding stage, with the company valuation 35% of the time (unvalued equity adds nothing to the
  total). About 40% of postings end with total > base.
"""

import argparse
import functools
import html
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SEED_FIGURES = REPO / "salaries" / "data" / "seed_pay_figures.json"
CHUNK_SIZE = 100_000
PUBLISHED_WITHIN_DAYS = 50

# Countries: (posting weight, pay multiplier against the US, local currency); the comment gives the ai-jobs.net
# record count behind the multiplier (method in the module docstring).
COUNTRIES = {
    "US": (40.0, 1.00, "USD"),  # the reference: n=65,275
    "GB": (8.0, 0.52, "GBP"),  # n=2,093
    "DE": (6.0, 0.65, "EUR"),  # n=205
    "IN": (6.0, 0.28, "INR"),  # n=92
    "CA": (5.0, 0.83, "CAD"),  # n=2,502
    "FR": (4.0, 0.57, "EUR"),  # n=169
    "NL": (3.0, 0.55, "EUR"),  # n=138
    "SG": (2.5, 0.47, "SGD"),  # the seed SGD table (ai-jobs n=19)
    "AU": (2.5, 0.86, "AUD"),  # n=239
    "ES": (2.5, 0.33, "EUR"),  # n=175
    "PL": (2.0, 0.44, "PLN"),  # n=65
    "BR": (2.0, 0.39, "BRL"),  # n=55
    "JP": (1.5, 0.49, "JPY"),  # n=12 (0.56), shrunk towards the SG seed ratio
    "CH": (1.5, 0.86, "CHF"),  # n=37
    "IE": (1.5, 0.62, "EUR"),  # n=69
    "SE": (1.0, 0.59, "SEK"),  # n=10 (0.71), shrunk towards the Europe seed ratio
    "IT": (1.0, 0.48, "EUR"),  # n=32
    "PT": (1.0, 0.37, "EUR"),  # n=36
    "AT": (0.8, 0.44, "EUR"),  # n=102
    "BE": (0.8, 0.63, "EUR"),  # n=13 (0.84), shrunk towards the Europe seed ratio
    "FI": (0.5, 0.50, "EUR"),  # n=42
    "MX": (1.0, 0.48, "MXN"),  # n=47
    "AR": (0.5, 0.46, "ARS"),  # n=39; the ECB quotes no ARS: posted in USD
    "CO": (0.5, 0.46, "COP"),  # n=31; the ECB quotes no COP: posted in USD
    "ZA": (0.5, 0.37, "ZAR"),  # n=61
    "NZ": (0.4, 0.79, "NZD"),  # n=30
}
# Cities outside the US, the capital or main tech hub first (weights fall off as 1/rank^1.2).
CITIES = {
    "GB": "London, Manchester, Cambridge, Edinburgh, Bristol, Oxford, Birmingham, Leeds, Glasgow, Belfast, Reading, "
    "Cardiff, Newcastle upon Tyne, Nottingham, Brighton",
    "DE": "Berlin, Munich, Hamburg, Frankfurt am Main, Cologne, Stuttgart, Düsseldorf, Karlsruhe, Leipzig, Dresden, "
    "Nuremberg, Heidelberg, Darmstadt, Aachen, Bonn",
    "IN": "Bengaluru, Hyderabad, Pune, Gurugram, Chennai, Mumbai, Noida, New Delhi, Kolkata, Ahmedabad, Kochi, Jaipur, "
    "Chandigarh, Indore, Coimbatore",
    "CA": "Toronto, Vancouver, Montréal, Ottawa, Waterloo, Calgary, Edmonton, Québec City, Halifax, Victoria",
    "FR": "Paris, Lyon, Toulouse, Grenoble, Nantes, Sophia Antipolis, Bordeaux, Lille, Marseille, Rennes, Montpellier, "
    "Strasbourg",
    "NL": "Amsterdam, Rotterdam, Utrecht, Eindhoven, The Hague, Delft, Leiden, Groningen",
    "SG": "Singapore",
    "AU": "Sydney, Melbourne, Brisbane, Canberra, Perth, Adelaide, Hobart",
    "ES": "Madrid, Barcelona, Valencia, Málaga, Seville, Bilbao, Zaragoza, A Coruña",
    "PL": "Warsaw, Kraków, Wrocław, Gdańsk, Poznań, Łódź, Katowice, Lublin",
    "BR": "São Paulo, Rio de Janeiro, Belo Horizonte, Curitiba, Porto Alegre, Florianópolis, Recife, Campinas",
    "JP": "Tokyo, Osaka, Yokohama, Kyoto, Fukuoka, Nagoya",
    "CH": "Zürich, Geneva, Basel, Lausanne, Bern, Zug",
    "IE": "Dublin, Cork, Galway, Limerick",
    "SE": "Stockholm, Gothenburg, Malmö, Lund, Uppsala",
    "IT": "Milan, Rome, Turin, Bologna, Florence, Naples, Padua",
    "PT": "Lisbon, Porto, Braga, Coimbra",
    "AT": "Vienna, Graz, Linz, Innsbruck",
    "BE": "Brussels, Antwerp, Ghent, Leuven, Liège",
    "FI": "Helsinki, Espoo, Tampere, Oulu",
    "MX": "Mexico City, Guadalajara, Monterrey, Querétaro, Puebla, Tijuana",
    "AR": "Buenos Aires, Córdoba, Rosario",
    "CO": "Bogotá, Medellín, Cali",
    "ZA": "Cape Town, Johannesburg, Pretoria, Durban",
    "NZ": "Auckland, Wellington, Christchurch",
}
# US cities: (OEWS metro multiplier, software developers employed in the metro, thousands); cities sharing a
# metro split its employment.
US_CITIES = {
    "New York": (1.16, 121.0), "Seattle": (1.28, 60.0), "Bellevue": (1.28, 20.0), "Redmond": (1.28, 13.0),
    "San Jose": (1.54, 30.0), "Mountain View": (1.54, 15.0), "Sunnyvale": (1.54, 12.0), "Palo Alto": (1.54, 12.0),
    "Santa Clara": (1.54, 10.0), "Cupertino": (1.54, 8.0), "Washington": (1.11, 45.0), "Arlington": (1.11, 24.0),
    "San Francisco": (1.38, 55.0), "Oakland": (1.38, 14.0), "Dallas": (1.01, 67.0), "Los Angeles": (1.12, 56.0),
    "Boston": (1.15, 28.0), "Cambridge": (1.15, 14.0), "Chicago": (0.93, 40.0), "Atlanta": (0.93, 36.0),
    "Austin": (1.01, 32.0), "Phoenix": (0.95, 29.0), "Philadelphia": (0.94, 28.0), "Minneapolis": (1.01, 27.0),
    "Denver": (0.96, 27.0), "Detroit": (0.90, 25.0), "Houston": (0.91, 23.0), "Charlotte": (1.04, 21.0),
    "San Diego": (1.13, 21.0), "Salt Lake City": (0.94, 19.0), "Miami": (1.00, 19.0), "Portland": (1.10, 18.0),
    "Baltimore": (1.06, 17.0), "Tampa": (0.93, 14.0), "Orlando": (0.91, 13.0), "Raleigh": (0.98, 13.0),
    "Kansas City": (0.86, 12.0), "Pittsburgh": (0.85, 10.0), "Cincinnati": (0.86, 9.9), "Columbus": (0.89, 9.9),
    "St. Louis": (0.88, 9.8), "Durham": (0.93, 9.8), "Cleveland": (0.82, 8.5), "San Antonio": (0.89, 8.0),
    "Provo": (0.90, 7.9), "Nashville": (0.88, 7.8), "Richmond": (0.98, 7.7), "Sacramento": (0.93, 7.5),
    "Jacksonville": (0.98, 7.2), "Indianapolis": (0.80, 7.1), "Boulder": (1.15, 7.1), "Huntsville": (0.93, 7.0),
    "Madison": (0.96, 6.7), "Milwaukee": (0.88, 6.2), "Hartford": (1.00, 6.0), "Providence": (0.90, 5.0),
    "Colorado Springs": (1.01, 4.9), "Rochester": (0.83, 4.7), "Des Moines": (0.88, 4.2), "Tucson": (0.79, 4.1),
    "Buffalo": (0.88, 4.0), "Omaha": (0.87, 3.9), "Boise": (0.88, 3.2), "Stamford": (1.17, 3.1),
    "Princeton": (1.02, 3.4), "Las Vegas": (0.88, 2.9), "Ann Arbor": (0.92, 2.7),
}  # fmt: skip

# Role family: (posting weight, pay factor, title nouns, area names for director titles). Every title built from
# these reads back as its role family and level through salaries.titles.normalise_title.
ROLES = {
    "ml_engineer": (28, 1.00, ["Machine Learning Engineer", "ML Engineer", "AI Engineer", "Deep Learning Engineer",
                               "Computer Vision Engineer", "NLP Engineer"], ["Machine Learning", "AI", "Applied AI"]),
    "data_scientist": (19, 0.92, ["Data Scientist", "Decision Scientist"], ["Data Science"]),
    "data_engineer": (14, 0.90, ["Data Engineer", "Analytics Engineer", "Big Data Engineer"], ["Data Engineering"]),
    "research_scientist": (7, 1.10, ["Research Scientist", "Applied Scientist", "Research Engineer"],
                           ["AI Research", "Machine Learning Research"]),
    "ml_platform": (9, 1.00, ["MLOps Engineer", "ML Platform Engineer", "ML Infrastructure Engineer"],
                    ["ML Platform", "MLOps", "AI Infrastructure"]),
    "data_analyst": (10, 0.70, ["Data Analyst", "Business Intelligence Analyst", "Product Analyst"],
                     ["Analytics", "Business Intelligence"]),
    "software_engineer": (10, 0.95, ["Software Engineer", "Backend Engineer", "Full Stack Developer",
                                     "Python Developer"], ["Software Engineering"]),
    "other": (3, 0.90, ["AI Product Manager", "Solutions Architect", "Data Product Owner"],
              ["AI Product", "Solutions Architecture"]),
}  # fmt: skip
# The tools a description names, by role family (each posting takes one stack by its id): what full-text search
# and the skill filter find in generated data.
STACKS = {
    "ml_engineer": [("PyTorch", "Python", "Kubernetes"), ("TensorFlow", "Python", "AWS"), ("PyTorch", "LLMs", "Docker"),
                    ("scikit-learn", "Spark", "Airflow"), ("PyTorch", "computer vision", "Google Cloud")],
    "data_scientist": [("Python", "pandas", "SQL"), ("scikit-learn", "SQL", "Spark"), ("PyTorch", "NLP", "Python")],
    "data_engineer": [("Spark", "Airflow", "SQL"), ("Databricks", "Scala", "AWS"), ("Kafka", "Python", "Docker")],
    "research_scientist": [("PyTorch", "deep learning", "LLMs"), ("reinforcement learning", "PyTorch", "Python")],
    "ml_platform": [("Kubernetes", "MLOps", "AWS"), ("Docker", "Airflow", "Google Cloud"), ("PyTorch", "Kubernetes", "Azure")],
    "data_analyst": [("SQL", "Tableau", "Python"), ("SQL", "pandas", "Excel")],
    "software_engineer": [("Python", "Docker", "AWS"), ("Java", "Kubernetes", "SQL")],
    "other": [("LLMs", "generative AI", "Python"), ("Azure", "AWS", "SQL")],
}  # fmt: skip
LEVEL_WEIGHTS = {
    "intern": 2, "junior": 14, "mid": 30, "senior": 30, "staff": 8, "principal": 4, "lead": 8, "director": 4,
}  # fmt: skip
TITLE_PATTERNS = {
    "intern": ["{} Intern", "{} Internship"],
    "junior": ["Junior {}", "Graduate {}", "Entry Level {}"],
    "mid": ["{}", "{}", "{} II"],
    "senior": ["Senior {}", "Senior {}", "Sr. {}"],
    "staff": ["Staff {}"],
    "principal": ["Principal {}"],
    "lead": ["Lead {}", "{} Lead"],
    "director": ["Director of {}", "Head of {}"],  # filled with the role's area names
}

SIZE_BANDS = ["startup", "mid_size", "large"]
LARGE_PREMIUM = 1.15
# Startup cash discount against a large company, by funding stage; equity percentage scale (early-stage grants
# are the startup guide's ranges); valuation range in USD millions.
FUNDING = {
    "pre_seed": (10, 0.35, 1.5, (3, 10)),
    "seed": (30, 0.33, 1.0, (8, 30)),
    "series_a": (28, 0.28, 0.6, (30, 120)),
    "series_b": (17, 0.24, 0.35, (120, 500)),
    "series_c_plus": (10, 0.20, 0.15, (500, 3000)),
    "bootstrapped": (5, 0.32, 0.5, (5, 50)),
}
# Well-known large employers: (name, slug, HQ, industry, pay factor, share of all postings). The four with a
# seed "by company" average scale by it over the four's mean (172,000 USD); the others are assumptions.
BIG_TECH = [
    ("Google", "google", "US", "Internet", 170 / 172, 0.008),
    ("Meta", "meta", "US", "Internet", 174 / 172, 0.008),
    ("Amazon", "amazon", "US", "E-commerce and cloud", 150 / 172, 0.010),
    ("Apple", "apple", "US", "Consumer electronics", 194 / 172, 0.006),
    ("Microsoft", "microsoft", "US", "Software", 1.0, 0.008),
    ("NVIDIA", "nvidia", "US", "Semiconductors", 1.05, 0.006),
    ("Netflix", "netflix", "US", "Streaming", 1.10, 0.002),
    ("Salesforce", "salesforce", "US", "Enterprise software", 0.95, 0.003),
    ("Oracle", "oracle", "US", "Enterprise software", 0.90, 0.003),
    ("IBM", "ibm", "US", "IT services", 0.85, 0.004),
    ("Intel", "intel", "US", "Semiconductors", 0.90, 0.003),
    ("Adobe", "adobe", "US", "Software", 0.95, 0.002),
    ("Uber", "uber", "US", "Mobility", 1.0, 0.002),
    ("Airbnb", "airbnb", "US", "Travel", 1.0, 0.0015),
    ("Stripe", "stripe", "US", "Fintech", 1.05, 0.0015),
    ("SAP", "sap", "DE", "Enterprise software", 0.95, 0.003),
    ("Siemens", "siemens", "DE", "Industrial technology", 0.85, 0.003),
    ("Zalando", "zalando", "DE", "E-commerce", 0.90, 0.0015),
    ("Spotify", "spotify", "SE", "Streaming", 1.0, 0.0015),
    ("Booking.com", "booking-com", "NL", "Travel", 1.0, 0.002),
    ("ASML", "asml", "NL", "Semiconductors", 0.95, 0.002),
    ("Shopify", "shopify", "CA", "E-commerce", 1.0, 0.002),
    ("Atlassian", "atlassian", "AU", "Software", 1.0, 0.002),
    ("Infosys", "infosys", "IN", "IT services", 0.70, 0.004),
    ("Tata Consultancy Services", "tata-consultancy-services", "IN", "IT services", 0.70, 0.004),
    ("Sony", "sony", "JP", "Consumer electronics", 0.90, 0.0015),
]
INDUSTRIES = {
    "startup": ["Generative AI", "AI infrastructure", "MLOps", "Data tooling", "Fintech", "Healthtech", "Biotech",
                "Climate", "Robotics", "Security", "Legal tech", "HR tech", "Edtech", "Agritech", "Computer vision",
                "Speech", "Developer tools", "Insurtech"],
    "mid_size": ["Software", "Fintech", "Healthcare", "E-commerce", "Insurance", "Logistics", "Media", "Gaming",
                 "Analytics", "Cybersecurity", "Travel", "Marketplaces", "Robotics", "Adtech", "Real estate"],
    "large": ["Banking", "Insurance", "Retail", "Telecommunications", "Automotive", "Energy", "Pharmaceuticals",
              "Consulting", "Manufacturing", "Media", "Logistics", "Aerospace", "Healthcare", "Consumer goods"],
}  # fmt: skip
NAME_FIRST = (
    "Northwind Bluefin Kestrel Lindqvist Merlion Alder Cascadia Vector Quill Tensor Pallas Driftwood Sable Fjord "
    "Calliope Orchard Lumen Hexa Brightwave Cobalt Meridian Halcyon Juniper Aurora Basalt Cedar Ember Granite Harbor "
    "Ironwood Jasper Kite Larch Magnolia Nimbus Onyx Pinnacle Quartz Redwood Summit Tidal Umber Verdant Willow "
    "Zephyr Atlas Beacon Cirrus Delta Elm Falcon Glacier Helix Indigo Keystone Lattice Mosaic Nova Orbit Prism "
    "Radiant Solstice Terra Vertex Wren Yarrow Zenith Arbor Boreal Canyon Dune Equinox Fable Gale Heron Isle Loom "
    "Mistral Nectar Opal Pebble Quarry Ridge Saffron Thistle Upland Vale Wayfarer Birch Coral Dapple Fern Grove"
).split()
NAME_SECOND = (
    "Analytics Labs Systems Data AI Robotics Health Payments Insights Logistics Media Works Technologies Software "
    "Intelligence Networks Cloud Dynamics Bio Security Commerce Energy Mobility Capital Foods Learning Signals "
    "Vision Foundry Metrics Computing Automation Platforms Ventures Studio"
).split()
SIZE_MIX = {"startup": 0.55, "mid_size": 0.35, "large": 0.10}  # share of generated companies
SIZE_VOLUME = {"startup": 1.0, "mid_size": 2.0, "large": 6.0}  # mean postings per company, relative
HOME_SHARE = {"startup": 0.85, "mid_size": 0.70, "large": 0.35}  # postings in the HQ country
REMOTE_MIX = {"startup": (0.47, 0.25, 0.28), "mid_size": (0.53, 0.27, 0.20), "large": (0.62, 0.25, 0.13)}
REMOTE_POLICIES = ["onsite", "hybrid", "remote"]


@dataclass(frozen=True)
class GenerationResult:
    companies: int
    postings: int
    seconds: float


def _seed_range(figures: list[dict], source: str, level: str) -> tuple[float, float]:
    for figure in figures:
        if figure["source"] == source and figure.get("level") == level and "min" in figure and "max" in figure:
            return float(figure["min"]), float(figure["max"])
    raise LookupError(f"no {level} range from {source} in {SEED_FIGURES.name}")


def level_midpoints() -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """US annual midpoints per level (mid-size company, ML engineer), and the startup guide's equity ranges."""
    import json

    figures = json.loads(SEED_FIGURES.read_text())["figures"]

    def mid(source: str, level: str) -> float:
        low, high = _seed_range(figures, source, level)
        return (low + high) / 2

    guide, startup, ladder = "mle-salary-comprehensive-guide", "startup-mle-guide", "mle-career-path"
    senior = mid(guide, "senior")
    midpoints = {
        "junior": mid(guide, "junior"),
        "mid": mid(guide, "mid"),
        "senior": senior,
        "staff": mid("mle-salaries-by-level-and-company", "staff"),
        "principal": senior * mid(startup, "principal") / mid(startup, "senior"),
        "lead": senior * mid(ladder, "lead") / mid(ladder, "senior"),
        "director": senior * mid(ladder, "director") / mid(ladder, "senior"),
    }
    midpoints["intern"] = midpoints["junior"] / 2
    equity = {
        f["level"]: (float(f["equity_pct_min"]), float(f["equity_pct_max"]))
        for f in figures
        if f["source"] == startup and "equity_pct_min" in f
    }
    return midpoints, equity


class Places:
    """Countries and cities as flat arrays, for vectorised draws."""

    def __init__(self):
        from django.utils.text import slugify

        self.countries = list(COUNTRIES)
        weights = np.array([COUNTRIES[c][0] for c in self.countries])
        self.country_p = weights / weights.sum()
        self.country_multiplier = np.array([COUNTRIES[c][1] for c in self.countries])
        self.currency = [COUNTRIES[c][2] for c in self.countries]
        self.city_names, self.city_slugs, self.city_multiplier = [], [], []
        self.city_span, self.city_cdf = [], []  # per country: (first, count) into the flat arrays; weights' CDF
        for code in self.countries:
            if code == "US":
                names = list(US_CITIES)
                multipliers = [US_CITIES[n][0] for n in names]
                city_weights = np.array([US_CITIES[n][1] for n in names])
            else:
                names = CITIES[code].split(", ")
                multipliers = [1.0] * len(names)
                city_weights = 1 / np.arange(1, len(names) + 1) ** 1.2  # Zipf: the capital or hub first
            self.city_span.append((len(self.city_names), len(names)))
            self.city_cdf.append(np.cumsum(city_weights) / city_weights.sum())
            self.city_names += names
            self.city_slugs += [slugify(n) for n in names]
            self.city_multiplier += multipliers
        self.city_multiplier = np.array(self.city_multiplier)
        self.index = {code: i for i, code in enumerate(self.countries)}

    def draw_cities(self, rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
        city = np.empty(len(country), dtype=np.int64)
        for i, (first, count) in enumerate(self.city_span):
            rows = np.flatnonzero(country == i)
            picks = np.searchsorted(self.city_cdf[i], rng.random(len(rows)), side="right")
            city[rows] = first + np.minimum(picks, count - 1)
        return city


class Rates:
    """Every stored exchange rate of the currencies in use, for picking the one in force on each posting's date."""

    def __init__(self, currencies: set[str], until: date):
        from salaries.models import ExchangeRate
        from salaries.money import USD_RATE, Rate

        self.rates = [USD_RATE]  # index 0: USD, no conversion
        self.by_currency: dict[str, tuple[np.ndarray, int]] = {}
        for currency in sorted(currencies - {"USD"}):
            rows = list(
                ExchangeRate.objects.filter(currency=currency, date__lte=until)
                .order_by("date")
                .values_list("date", "rate_to_usd", "source")
            )
            if rows:
                days = np.array([d.toordinal() for d, _, _ in rows])
                self.by_currency[currency] = (days, len(self.rates))
                self.rates += [Rate(currency, d, rate, source) for d, rate, source in rows]
        self.as_float = np.array([float(r.rate_to_usd) for r in self.rates])

    def pick(self, currency: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Index of the rate for each posting: the latest on or before its day; USD where the posting is in USD,
        or where there is no rate for its local currency (the services would refuse it)."""
        picked = np.zeros(len(day), dtype=np.int64)
        for code, (days, first) in self.by_currency.items():
            rows = np.flatnonzero(currency == code)
            position = np.searchsorted(days, day[rows], side="right") - 1
            ok = position >= 0
            picked[rows[ok]] = first + position[ok]
        return picked


def _round_sig(values: np.ndarray, digits: int) -> np.ndarray:
    """Round to `digits` significant figures, never below 1 (posted amounts are whole units)."""
    step = 10.0 ** np.maximum(0, np.floor(np.log10(np.maximum(values, 1))) - (digits - 1))
    return np.maximum(step, np.round(values / step) * step)


def _reserve_ids(cursor, table: str, count: int) -> int:
    """The first of `count` consecutive ids taken from the table's sequence, so rows can be copied with their ids."""
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
        [table, table, count],
    )
    return cursor.fetchone()[0] - count + 1


def _timestamps(values: np.ndarray) -> list[str]:
    return np.datetime_as_string(values.astype("datetime64[us]"), unit="us", timezone="UTC").tolist()


class Companies:
    """The companies postings are drawn from: existing big-tech rows reused, the rest created."""

    COLUMNS = [
        "id", "name", "slug", "size_band", "funding_stage", "industry", "sector", "headquarters_country", "website",
        "is_verified", "created_at", "updated_at",
    ]  # fmt: skip

    def __init__(self, rng: np.random.Generator, count: int, places: Places, now: np.datetime64):
        if count < len(BIG_TECH) + 10:
            raise ValueError(f"need at least {len(BIG_TECH) + 10} companies")
        generated = count - len(BIG_TECH)
        size = rng.choice(3, size=generated, p=[SIZE_MIX[s] for s in SIZE_BANDS])
        self.size = np.concatenate([np.full(len(BIG_TECH), 2), size])
        hq = rng.choice(len(places.countries), size=generated, p=places.country_p)
        self.hq = np.concatenate([[places.index[b[2]] for b in BIG_TECH], hq])
        self.hq_codes = [places.countries[i] for i in self.hq]
        stages = list(FUNDING)
        stage_p = np.array([FUNDING[s][0] for s in stages], dtype=float)
        stage = rng.choice(len(stages), size=count, p=stage_p / stage_p.sum())
        self.stage = np.where(self.size == 0, stage, -1)
        # Mid-size firms: some late-stage funded or bootstrapped (shown on the company, no pay effect).
        mid_stage = np.where(rng.random(count) < 0.3, stages.index("series_c_plus"), -1)
        mid_stage = np.where(rng.random(count) < 0.15, stages.index("bootstrapped"), mid_stage)
        self.shown_stage = np.where(self.size == 1, mid_stage, self.stage)
        self.stages = stages
        big = len(BIG_TECH)
        self.is_big_tech = np.arange(count) < big
        discount = np.array([FUNDING[s][1] for s in stages])[np.maximum(self.stage, 0)]
        size_factor = np.choose(
            self.size, [LARGE_PREMIUM * (1 - discount), np.ones(count), np.full(count, LARGE_PREMIUM)]
        )
        company_factor = np.exp(rng.normal(0, 0.08, count))
        company_factor[:big] = [b[4] for b in BIG_TECH]
        self.pay_factor = size_factor * company_factor
        # Posting volume: lognormal around the band's mean; big tech a fixed share of everything.
        volume = np.array([SIZE_VOLUME[s] for s in SIZE_BANDS])[self.size] * rng.lognormal(-0.5, 1.0, count)
        volume[:big] = 0
        volume = volume / volume.sum() * (1 - sum(b[5] for b in BIG_TECH))
        volume[:big] = [b[5] for b in BIG_TECH]
        self.volume_cdf = np.cumsum(volume) / volume.sum()
        self.count = count
        self.industry_pick = rng.random(count)
        name_pick = rng.integers(0, [len(NAME_FIRST), len(NAME_SECOND)], size=(count, 2)).tolist()
        self.names = [spec[0] for spec in BIG_TECH] + [f"{NAME_FIRST[a]} {NAME_SECOND[b]}" for a, b in name_pick[big:]]
        # Every generated posting is published, and only a verified company's postings are approved
        # (jobs.services.posting_approve): all verified. The draw stays, so the rest of the data is as before.
        self.verified = (rng.random(count) < np.where(self.size == 2, 0.95, 0.6)) | True
        self.website = rng.random(count) < 0.8
        self.age_days = rng.uniform(30, 1500, count)
        self.now = now
        self.ids = np.zeros(count, dtype=np.int64)

    def save(self, cursor, copy_cursor) -> int:
        """Insert the companies (reusing big-tech rows that exist already); returns how many were created."""
        from django.utils.text import slugify

        from salaries.taxonomy import sector_for_industry

        cursor.execute("SELECT slug, id FROM jobs_company WHERE slug = ANY(%s)", [[b[1] for b in BIG_TECH]])
        existing = dict(cursor.fetchall())
        new = [i for i in range(self.count) if i >= len(BIG_TECH) or BIG_TECH[i][1] not in existing]
        first = _reserve_ids(cursor, "jobs_company", len(new)) if new else 0
        for offset, i in enumerate(new):
            self.ids[i] = first + offset
        for i, spec in enumerate(BIG_TECH):
            if spec[1] in existing:
                self.ids[i] = existing[spec[1]]
        created = _timestamps(self.now - (self.age_days * 86400e6).astype("timedelta64[us]"))
        with copy_cursor.copy(f"COPY jobs_company ({', '.join(self.COLUMNS)}) FROM STDIN") as copy:
            for i in new:
                band = SIZE_BANDS[self.size[i]]
                name = self.names[i]
                if i < len(BIG_TECH):
                    _, slug, _, industry, _, _ = BIG_TECH[i]
                else:
                    slug = f"{slugify(name)}-{self.ids[i]}"  # names repeat; the id keeps the slug unique
                    choices = INDUSTRIES[band]
                    industry = choices[int(self.industry_pick[i] * len(choices))]
                stage = self.shown_stage[i]
                copy.write_row(
                    (
                        int(self.ids[i]), name, slug, band, self.stages[stage] if stage >= 0 else "", industry,
                        sector_for_industry(industry), self.hq_codes[i],
                        f"https://www.{slug}.example" if self.website[i] else "",
                        bool(self.verified[i] or i < len(BIG_TECH)), created[i], created[i],
                    )
                )  # fmt: skip
        return len(new)


class PostingChunk:
    """One chunk of postings drawn as arrays, then turned into rows with the project's own pay normalisation."""

    def __init__(
        self, rng, n: int, *, companies: Companies, places: Places, rates: Rates, model, now, lifetime, key_rng
    ):
        from insights.disclosure import KEY_SPACE

        midpoints, equity_ranges = model
        self.n = n
        # From a generator of their own, so a seed gives the same postings as before keys existed.
        self.disclosure_key = key_rng.integers(0, KEY_SPACE, n)
        company = np.searchsorted(companies.volume_cdf, rng.random(n), side="right")
        company = np.minimum(company, companies.count - 1)
        size = companies.size[company]
        home = rng.random(n) < np.array([HOME_SHARE[s] for s in SIZE_BANDS])[size]
        country = np.where(home, companies.hq[company], rng.choice(len(places.countries), size=n, p=places.country_p))
        city = places.draw_cities(rng, country)
        u = rng.random(n)
        remote_cdf = np.cumsum(np.array([REMOTE_MIX[s] for s in SIZE_BANDS]), axis=1)[size]
        remote = (u[:, None] >= remote_cdf[:, :2]).sum(axis=1)
        no_city = (remote == 2) & (rng.random(n) < 0.4)  # many remote postings name no city
        roles = list(ROLES)
        role_p = np.array([ROLES[r][0] for r in roles], dtype=float)
        role = rng.choice(len(roles), size=n, p=role_p / role_p.sum())
        levels = list(LEVEL_WEIGHTS)
        level_p = np.array([LEVEL_WEIGHTS[lv] for lv in levels], dtype=float)
        level = rng.choice(len(levels), size=n, p=level_p / level_p.sum())
        is_intern = level == levels.index("intern")

        # When: published over the last weeks; submitted hours before, created before that.
        published = now - (rng.uniform(0, PUBLISHED_WITHIN_DAYS * 86400e6, n)).astype("timedelta64[us]")
        review = np.clip(rng.lognormal(math.log(6 * 3600e6), 1.0, n), 300e6, 7 * 86400e6)
        drafting = np.clip(rng.lognormal(math.log(2 * 3600e6), 1.2, n), 60e6, 14 * 86400e6)
        submitted = published - review.astype("timedelta64[us]")
        created = submitted - drafting.astype("timedelta64[us]")
        created_day = (created.astype("datetime64[D]").astype(np.int64) + date(1970, 1, 1).toordinal()).astype(np.int64)

        # Employment type and pay period.
        country_code = np.array(places.countries)[country]
        kind = rng.choice(4, size=n, p=[0.92, 0.05, 0.015, 0.015])  # full-time, contract, part-time, temporary
        employment = np.where(
            is_intern, "internship", np.array(["full_time", "contract", "part_time", "temporary"])[kind]
        )
        period = np.full(n, "YEAR", dtype=object)
        hourly = np.isin(country_code, ["US", "CA", "AU"])
        daily = np.isin(country_code, ["GB", "IE", "NL", "DE", "FR", "CH"])
        contract = employment == "contract"
        period[contract] = np.where(hourly[contract], "HOUR", np.where(daily[contract], "DAY", "MONTH"))
        part_time = employment == "part_time"
        period[part_time & (hourly | (country_code == "GB"))] = "HOUR"
        period[employment == "temporary"] = "MONTH"
        period[is_intern] = np.where(
            (country_code[is_intern] == "US") & (rng.random(is_intern.sum()) < 0.4), "HOUR", "MONTH"
        )
        monthly_market = np.select([country_code == "SG", np.isin(country_code, ["BR", "MX"])], [0.4, 0.5], default=0.0)
        period[(employment == "full_time") & (rng.random(n) < monthly_market)] = "MONTH"
        per_year = np.select([period == "HOUR", period == "DAY", period == "MONTH"], [2080.0, 260.0, 12.0], default=1.0)

        # Currency: the local one 90% of the time where a rate exists, else USD.
        local = np.array(places.currency)[country]
        wanted = np.where(rng.random(n) < 0.9, local, "USD")
        rate_index = rates.pick(wanted, created_day)
        rate = rates.as_float[rate_index]

        # Pay: annual USD midpoint, then the local posted range.
        level_mid = np.array([midpoints[lv] for lv in levels])[level]
        role_factor = np.array([ROLES[r][1] for r in roles])[role]
        place_factor = places.country_multiplier[country] * np.where(no_city, 1.0, places.city_multiplier[city])
        mid_usd = level_mid * role_factor * place_factor * companies.pay_factor[company]
        mid_usd *= np.exp(rng.normal(0, 0.12, n))
        mid_usd = np.clip(mid_usd, 5_000, 2_000_000)
        mid_local = mid_usd / rate / per_year
        spread = np.where(rng.random(n) < 0.04, 0.0, rng.uniform(0.08, 0.20, n))
        digits = np.where(np.isin(period, ["HOUR", "DAY"]), 2, 3)
        low = np.where(digits == 2, _round_sig(mid_local * (1 - spread), 2), _round_sig(mid_local * (1 - spread), 3))
        high = np.where(digits == 2, _round_sig(mid_local * (1 + spread), 2), _round_sig(mid_local * (1 + spread), 3))
        high = np.maximum(high, low)
        base_local = (low + high) / 2 * per_year  # annual, local currency

        # Packages.
        big_tech = companies.is_big_tech[company]
        stage = companies.stage[company]
        p_package = np.select([big_tech, size == 2, size == 1, size == 0], [0.90, 0.50, 0.40, 0.75])
        has_package = (rng.random(n) < p_package) & (employment == "full_time")  # no package for interns, contractors
        self.bonus_pct = np.full(n, np.nan)
        self.bonus_amount = np.full(n, np.nan)
        self.grant = np.full(n, np.nan)
        self.sign_on = np.full(n, np.nan)
        self.equity_low = np.full(n, np.nan)
        self.equity_high = np.full(n, np.nan)
        self.valuation = np.full(n, np.nan)
        large = has_package & (size == 2)
        self.bonus_pct[large] = np.where(
            big_tech[large], rng.choice([10, 12, 15, 20], large.sum()), rng.choice([5, 8, 10, 15], large.sum())
        )
        grant_years = np.where(big_tech, rng.uniform(0.6, 1.8, n), rng.uniform(0.2, 0.8, n))
        self.grant[large] = _round_sig(base_local[large] * grant_years[large], 3)
        sign_on = large & (rng.random(n) < np.where(big_tech, 0.3, 0.1))
        self.sign_on[sign_on] = _round_sig(base_local[sign_on] * 0.1, 2)
        mid_size = has_package & (size == 1)
        as_amount = mid_size & (rng.random(n) < 0.3)
        self.bonus_pct[mid_size & ~as_amount] = rng.choice([5, 8, 10], (mid_size & ~as_amount).sum())
        self.bonus_amount[as_amount] = _round_sig(base_local[as_amount] * rng.uniform(0.05, 0.10, as_amount.sum()), 2)
        mid_rsu = mid_size & (rng.random(n) < 0.2)
        self.grant[mid_rsu] = _round_sig(base_local[mid_rsu] * rng.uniform(0.1, 0.4, mid_rsu.sum()), 2)
        startup = has_package & (size == 0)
        nearest = {"intern": "junior", "staff": "senior", "lead": "senior", "director": "principal"}
        ranges = np.array([equity_ranges[nearest.get(lv, lv)] for lv in levels])[level]
        scale = np.array([FUNDING[s][2] for s in companies.stages])[np.maximum(stage, 0)]
        self.equity_low[startup] = np.maximum(0.001, np.round(ranges[startup, 0] * scale[startup], 3))
        self.equity_high[startup] = np.maximum(
            self.equity_low[startup], np.round(ranges[startup, 1] * scale[startup], 3)
        )
        valued = startup & (rng.random(n) < 0.35)
        bounds = np.array([FUNDING[s][3] for s in companies.stages])[np.maximum(stage, 0)]
        valuation_usd = np.exp(rng.uniform(np.log(bounds[:, 0]), np.log(bounds[:, 1]))) * 1e6
        self.valuation[valued] = _round_sig(valuation_usd[valued] / rate[valued], 2)
        self.has_package = has_package

        # Kept for the rows.
        self.company_id = companies.ids[company]
        self.company = company
        self.role = role
        self.level = level
        self.roles, self.levels = roles, levels
        self.employment = employment
        self.country_code = country_code
        self.city = city
        self.no_city = no_city
        self.remote = remote
        self.period = period
        self.low, self.high = low, high
        self.rate_index = rate_index
        self.title_pick = rng.integers(0, 1 << 30, n)
        self.with_ref = rng.random(n) < 0.5
        self.published = _timestamps(published)
        self.submitted = _timestamps(submitted)
        self.created = _timestamps(created)
        self.expires = _timestamps(published + np.timedelta64(lifetime, "D"))


def _title(role: str, level: str, pick: int) -> str:
    _, _, nouns, areas = ROLES[role]
    patterns = TITLE_PATTERNS[level]
    pattern = patterns[pick % len(patterns)]
    words = areas if level == "director" else nouns
    return pattern.format(words[(pick // len(patterns)) % len(words)])


def _decimal(value: float, places: int = 0) -> Decimal | None:
    if value != value:  # NaN: not set
        return None
    return Decimal(round(value * 10**places)).scaleb(-places) if places else Decimal(int(value))


# Written from the other columns after the load (jobs.search); the fingerprint stays empty, as it does for any
# description this short (jobs.services.content_fingerprint).
DERIVED_FIELDS = {"search_vector", "content_fingerprint", "market_percentile"}  # the last: jobs.market_position
# Left to their database defaults: every generated posting gives its employer's own pay (pay_kind "employer").
DEFAULTED_FIELDS = {"pay_kind", "pay_source"}
POSTING_FIELDS = [
    "id", "company_id", "created_by_id", "source_ref", "title", "description", "role_family", "level",
    "employment_type", "city", "city_slug", "country", "remote_policy", "salary_min", "salary_max",
    "salary_currency", "salary_period", "bonus_target_pct", "bonus_target_amount", "equity_pct_min",
    "equity_pct_max", "company_valuation", "equity_grant_amount", "vesting_years", "sign_on_bonus",
    "salary_min_usd", "salary_max_usd", "salary_mid_usd", "total_comp_mid_usd", "fx_rate_to_usd", "fx_rate_date",
    "status", "rejection_reason", "created_at", "updated_at", "submitted_at", "published_at", "expires_at",
    "closed_at", "disclosure_key", "subdivision", "benefits", "skills", "skills_from_employer",
]  # fmt: skip
BENEFITS = "Health insurance, a retirement plan and paid leave."


@functools.lru_cache(maxsize=4096)
def _skills_json(title: str, description: str = "") -> str:
    """The skills jobs.services reads from a generated posting's title and description."""
    from salaries.skills import skills_in

    return json.dumps(skills_in(title, description))


def _posting_rows(chunk: PostingChunk, first_id: int, places: Places, rates: Rates, company_names: list[str]):
    """Rows in POSTING_FIELDS order. Pay is normalised exactly as jobs.services._apply_pay does it."""
    from salaries.compensation import Package, total_compensation
    from salaries.money import annualise, money, to_usd

    two = Decimal(2)
    for i in range(chunk.n):
        role, level = chunk.roles[chunk.role[i]], chunk.levels[chunk.level[i]]
        title = _title(role, level, int(chunk.title_pick[i]))
        city = "" if chunk.no_city[i] else places.city_names[chunk.city[i]]
        city_slug = "" if chunk.no_city[i] else places.city_slugs[chunk.city[i]]
        period = chunk.period[i]
        rate = rates.rates[chunk.rate_index[i]]
        low, high = Decimal(int(chunk.low[i])), Decimal(int(chunk.high[i]))
        min_usd = to_usd(annualise(low, period), rate)
        max_usd = to_usd(annualise(high, period), rate)
        mid_usd = money((min_usd + max_usd) / two)
        package = None
        if chunk.has_package[i]:
            package = Package(
                bonus_target_pct=_decimal(chunk.bonus_pct[i]),
                bonus_target_amount=_decimal(chunk.bonus_amount[i]),
                equity_pct_min=_decimal(chunk.equity_low[i], 3),
                equity_pct_max=_decimal(chunk.equity_high[i], 3),
                company_valuation=_decimal(chunk.valuation[i]),
                equity_grant_amount=_decimal(chunk.grant[i]),
                vesting_years=4,
                sign_on_bonus=_decimal(chunk.sign_on[i]),
            )
            total = total_compensation(base=annualise((low + high) / two, period), package=package)
            total_usd = mid_usd + to_usd(total.total - total.base, rate)
        else:
            total_usd = mid_usd
        posting_id = first_id + i
        stack = STACKS[role][posting_id % len(STACKS[role])]  # no random draw: the rest of the data stays as it was
        description = (
            f"<p>{html.escape(company_names[chunk.company[i]])} is hiring: {html.escape(title)}, "
            f"{html.escape(city) if city else 'remote'}.</p><p>You will work with {', '.join(stack[:-1])} and "
            f"{stack[-1]}.</p>"
        )
        yield (
            posting_id, int(chunk.company_id[i]), None, f"REQ-{posting_id}" if chunk.with_ref[i] else "", title,
            description,
            role, level, chunk.employment[i], city, city_slug, chunk.country_code[i], REMOTE_POLICIES[chunk.remote[i]],
            low, high, rate.currency, period,
            package and package.bonus_target_pct, package and package.bonus_target_amount,
            package and package.equity_pct_min, package and package.equity_pct_max,
            package and package.company_valuation, package and package.equity_grant_amount,
            4 if package else None, package and package.sign_on_bonus,
            min_usd, max_usd, mid_usd, total_usd, rate.rate_to_usd, rate.date,
            "published", "", chunk.created[i], chunk.published[i], chunk.submitted[i], chunk.published[i],
            chunk.expires[i], None, int(chunk.disclosure_key[i]), "", BENEFITS, _skills_json(title, description), False,
        )  # fmt: skip


def generate(
    n_postings: int = 1_000_000, n_companies: int = 20_000, seed: int = 7, *, chunk_size: int = CHUNK_SIZE
) -> GenerationResult:
    """Write `n_companies` companies and `n_postings` published postings into Django's default database (PostgreSQL),
    in one transaction, then ANALYZE the two tables."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from jobs.models import JobPosting
    from jobs.search import postings_search_refresh

    if connection.vendor != "postgresql":
        raise RuntimeError("generate_postings writes with PostgreSQL COPY: point DATABASE_URL at PostgreSQL.")
    columns = [f.column for f in JobPosting._meta.concrete_fields if f.column not in DERIVED_FIELDS | DEFAULTED_FIELDS]
    if sorted(columns) != sorted(POSTING_FIELDS):
        raise RuntimeError(f"jobs_jobposting columns changed: {sorted(set(columns) ^ set(POSTING_FIELDS))}")

    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    key_rng = np.random.default_rng([seed, 1])
    now_dt = timezone.now()
    now = np.datetime64(now_dt.replace(tzinfo=None), "us")
    places = Places()
    rates = Rates(set(places.currency), now_dt.date())
    model = level_midpoints()
    lifetime = settings.POSTING_DEFAULT_LIFETIME_DAYS
    companies = Companies(rng, n_companies, places, now)

    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        with connection.cursor() as cursor, raw.cursor() as copy_cursor:
            created_companies = companies.save(cursor, copy_cursor)
            first_id = _reserve_ids(cursor, "jobs_jobposting", n_postings) if n_postings else 0
        columns_sql = ", ".join(POSTING_FIELDS)
        interactive = sys.stdout.isatty()  # asked once: inside Progress, sys.stdout is rich's proxy
        with Progress(
            TextColumn("Postings"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            disable=not interactive,
        ) as progress:  # fmt: skip
            bar = progress.add_task("postings", total=n_postings)
            for start in range(0, n_postings, chunk_size):
                size = min(chunk_size, n_postings - start)
                chunk = PostingChunk(
                    rng, size, companies=companies, places=places, rates=rates, model=model, now=now, lifetime=lifetime,
                    key_rng=key_rng,
                )  # fmt: skip
                with (
                    raw.cursor() as copy_cursor,
                    copy_cursor.copy(f"COPY jobs_jobposting ({columns_sql}) FROM STDIN") as copy,
                ):
                    for row in _posting_rows(chunk, first_id + start, places, rates, companies.names):
                        copy.write_row(row)
                progress.advance(bar, size)
                if not interactive:
                    print(f"  {start + size:,} / {n_postings:,} postings ({time.perf_counter() - started:.1f} s)")
        if n_postings:
            postings_search_refresh(from_id=first_id)  # the services keep it; a bulk load writes it once at the end
    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE jobs_company")
        cursor.execute("ANALYZE jobs_jobposting")
        cursor.execute("SELECT (SELECT count(*) FROM jobs_company), (SELECT count(*) FROM jobs_jobposting)")
        total_companies, total_postings = cursor.fetchone()
    elapsed = time.perf_counter() - started
    print(
        f"Created {created_companies:,} companies and {n_postings:,} postings in {elapsed:.1f} s "
        f"(load {loaded:.1f} s, ANALYZE {elapsed - loaded:.1f} s). "
        f"Tables now hold {total_companies:,} companies and {total_postings:,} postings."
    )
    return GenerationResult(companies=created_companies, postings=n_postings, seconds=elapsed)


def recreate_database(database_url: str) -> None:
    """Drop and create the database, then migrate it (tasks eager: no broker in the environment)."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(database_url)
    name = params.pop("dbname")
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env["DATABASE_URL"] = database_url
    started = time.perf_counter()
    subprocess.run([sys.executable, str(REPO / "manage.py"), "migrate", "--noinput", "-v", "0"], env=env, check=True)
    print(f"Recreated and migrated {name} in {time.perf_counter() - started:.1f} s.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgres://user@host:port/name")
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
    parser.add_argument("--recreate", action="store_true", help="drop, create and migrate the database first")
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if args.recreate:
        recreate_database(args.database_url)
    import django

    django.setup()
    generate(args.postings, args.companies, args.seed, chunk_size=args.chunk_size)


if __name__ == "__main__":
    main()
