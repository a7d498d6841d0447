"""The vocabulary of roles and levels every posting, observation and market range uses.

Years of experience per level follow the seed articles' startup salary guide and career-path
article (junior 0–2, mid 2–5, senior 5–10, lead/principal 10+).
"""

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
