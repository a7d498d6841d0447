"""The vocabulary of roles, levels, company sizes and sectors every posting, observation and market range uses.

Years of experience per level follow the seed articles' startup salary guide and career-path
article (junior 0–2, mid 2–5, senior 5–10, lead/principal 10+).
"""

import re

from django.db import models


class RoleFamily(models.TextChoices):
    ML_ENGINEER = "ml_engineer", "Machine learning engineer"
    DATA_SCIENTIST = "data_scientist", "Data scientist"
    DATA_ENGINEER = "data_engineer", "Data engineer"
    RESEARCH_SCIENTIST = "research_scientist", "Research scientist"
    ML_PLATFORM = "ml_platform", "ML / AI platform engineer (MLOps)"
    DATA_ANALYST = "data_analyst", "Data analyst"
    SOFTWARE_ENGINEER = "software_engineer", "Software engineer"
    OTHER = "other", "Other (title not recognised)"


class Level(models.TextChoices):
    INTERN = "intern", "Intern"
    JUNIOR = "junior", "Junior (0–2 years)"
    MID = "mid", "Mid-level (2–5 years)"
    SENIOR = "senior", "Senior (5–10 years)"
    STAFF = "staff", "Staff"
    PRINCIPAL = "principal", "Principal"
    LEAD = "lead", "Lead / manager"
    DIRECTOR = "director", "Director"


# Years of experience (from, to) per level; None where the seeds give no bound.
LEVEL_YEARS: dict[str, tuple[int | None, int | None]] = {
    Level.INTERN: (None, 0),
    Level.JUNIOR: (0, 2),
    Level.MID: (2, 5),
    Level.SENIOR: (5, 10),
    Level.STAFF: (8, None),
    Level.PRINCIPAL: (10, None),
    Level.LEAD: (10, None),
    Level.DIRECTOR: (12, None),
}


# Levels in order of seniority, for checks such as "a senior figure below the mid-level range".
# Lead/manager sits beside staff and principal; only the individual-contributor ladder is ordered.
LEVEL_ORDER = [Level.INTERN, Level.JUNIOR, Level.MID, Level.SENIOR, Level.STAFF, Level.PRINCIPAL, Level.DIRECTOR]


class SizeBand(models.TextChoices):
    STARTUP = "startup", "Startup"
    MID_SIZE = "mid_size", "Mid-size"
    LARGE = "large", "Large enterprise"


class Sector(models.TextChoices):
    """The industry a company sells into, in the few broad sectors the seed articles compare pay by
    (technology, finance, healthcare, automotive, retail and e-commerce) and the ones around them. Market
    ranges are cut by sector; a company's own words stay in its free-text `industry`."""

    TECHNOLOGY = "technology", "Technology (software, internet, AI, hardware)"
    FINANCE = "finance", "Finance and insurance"
    HEALTHCARE = "healthcare", "Healthcare and life sciences"
    AUTOMOTIVE = "automotive", "Automotive and mobility"
    CONSUMER = "consumer", "Retail, e-commerce and consumer services"
    MEDIA = "media", "Media, entertainment and gaming"
    INDUSTRIAL = "industrial", "Industry, energy and logistics"
    SERVICES = "services", "Consulting and professional services"
    PUBLIC = "public", "Education, government and non-profit"


# Words that place a free-text industry in a sector, tried in this order: the sectors a product serves come
# before technology, so "Fintech" is finance and "Industrial AI" is industrial, while "Consumer electronics"
# is listed under technology ahead of the consumer sector's words.
_SECTOR_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (Sector.TECHNOLOGY, ("consumer electronics", "semiconductor", "semiconductors")),
    (Sector.FINANCE, ("bank", "banking", "fintech", "finance", "financial", "insurance", "insurtech", "payments",
                      "trading", "lending", "asset management", "crypto", "wealth")),
    (Sector.HEALTHCARE, ("health", "healthcare", "healthtech", "biotech", "pharmaceuticals", "pharma", "medical",
                         "medtech", "life sciences", "clinical", "hospital")),
    (Sector.AUTOMOTIVE, ("automotive", "mobility", "autonomous driving", "vehicles", "ride hailing")),
    (Sector.MEDIA, ("media", "streaming", "gaming", "games", "entertainment", "adtech", "advertising", "publishing",
                    "music", "news")),
    (Sector.CONSUMER, ("retail", "e-commerce", "ecommerce", "commerce", "marketplace", "marketplaces",
                       "consumer goods", "consumer", "travel", "food", "fashion", "real estate", "hospitality")),
    (Sector.INDUSTRIAL, ("industrial", "manufacturing", "energy", "climate", "logistics", "aerospace", "agritech",
                         "agriculture", "construction", "utilities", "mining", "chemicals", "shipping")),
    (Sector.PUBLIC, ("education", "edtech", "government", "public sector", "non-profit", "nonprofit", "university")),
    (Sector.SERVICES, ("consulting", "it services", "outsourcing", "professional services", "legal", "legal tech",
                       "accounting", "hr tech", "staffing")),
    (Sector.TECHNOLOGY, ("software", "enterprise software", "internet", "saas", "cloud", "ai", "artificial intelligence",
                         "machine learning", "mlops", "data", "analytics", "developer tools", "security",
                         "cybersecurity", "hardware", "electronics", "robotics", "computer vision", "speech",
                         "telecommunications", "telecom", "technology", "tech", "ai infrastructure",
                         "generative ai", "data tooling")),
]  # fmt: skip
_SECTOR_PATTERNS = [
    (sector, re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b", re.IGNORECASE))
    for sector, words in _SECTOR_WORDS
]


def sector_for_industry(industry: str) -> str:
    """The sector a company's free-text industry names ("Fintech" → finance), or "" when no word matches."""
    for sector, pattern in _SECTOR_PATTERNS:
        if pattern.search(industry or ""):
            return str(sector)
    return ""
