"""Read a free-text job title as a role family and a level.

``normalise_title("Sr. Machine Learning Engineer II")`` gives ``ml_engineer`` / ``senior``. The result
is a :class:`TitleMatch` that also says how sure the reading is and which words decided it, so a
caller can keep, flag or overrule each decision. Pure Python: no Django import, no database.

How a title is read
-------------------
1. **Normalised text** (the cache key): Unicode NFKC, case folded, accents dropped, every character
   other than ASCII letters and digits turned into a space, whitespace collapsed, cut to 200
   characters at a word boundary. Case, punctuation and spacing therefore never change the answer.
   Scripts without an ASCII reading (e.g. Chinese) normalise to nothing and come out as ``other``.
2. **Role family**, first rule that fires wins:

   a. *Excluded roles* that merely mention a domain word: product / project / program manager,
      product owner, solutions architect or engineer, account executive, sales development, business
      development, administrator, designer, writer, technician, recruiter, data entry, data centre.
      These give ``other`` (evidence: the phrase), so "AI Product Manager" is not an ML engineer.
   b. *Standard role names*: data scientist / data science / decision scientist, data analyst /
      data analytics, data engineer(ing), analytics engineer (data_engineer), research scientist,
      applied scientist, research engineer, postdoc, MLOps / LLMOps.
   c. *ML or AI domain* (machine learning, ML, AI, deep learning, computer vision, machine vision,
      NLP, LLM, generative AI, chatbot, prompt ...) combined with a noun: platform / infrastructure /
      ops / reliability -> ml_platform; scientist / researcher / research -> research_scientist;
      engineer / developer / programmer -> ml_engineer; architect / specialist / consultant / modeler
      -> ml_engineer (medium); nothing but management words ("Head of AI", "ML Lead") -> ml_engineer
      (medium). A domain word next to an unknown noun ("AI Policy Lead", "AI Analyst") fires nothing.
   d. *Analytics*: visualisation and BI tools (Power BI, Tableau, Looker, Qlik), business
      intelligence (every BI role, including BI developer and BI engineer: in the ai-jobs survey
      their pay sits with data analysts, 100–117k USD median, not with data engineers at 140k),
      analytics / insights with an analyst or management noun, reporting analyst, product analyst,
      "data ... analyst" (data quality analyst, data governance analyst ...) -> data_analyst.
   e. *Data engineering*: big data, ETL / ELT and pipeline tools (Spark, Databricks, Snowflake, dbt,
      Airflow, Kafka ...) with an engineer / developer / architect noun; "data [qualifier] engineer /
      developer / architect / modeler" with qualifiers such as integration, quality, governance,
      operations, platform, infrastructure, warehouse -> data_engineer.
   f. *Software engineering*: software engineer / developer / development engineer / architect,
      backend, frontend, full stack, web / mobile / iOS / Android developer, a programming language
      followed by developer or engineer -> software_engineer.
   g. *Bare nouns* (nothing but the noun and level words): statistician -> data_scientist (medium),
      researcher -> research_scientist (medium), developer / programmer -> software_engineer (low).
   h. Anything else -> ``other``. A generic noun with a qualifier we do not know ("Quantitative
      Researcher", "SAS Developer", "Cloud Engineer") is not guessed at.

   "Head of Data", "Data Manager", "Chief Data Officer" stay ``other``: data leadership spans
   analytics, engineering and science, and the title does not say which.
3. **Level**, read from its own words; when several appear the most specific wins, in this order:
   intern > director > principal > staff > lead > senior > mid > junior. A grade number is used only
   when there is no level word ("Sr. ML Engineer II" is senior).

   ============== =====================================================================
   level          words
   ============== =====================================================================
   intern         intern, internship, working student, werkstudent, stagiaire, co-op
   junior         junior, jr, jnr, entry level, graduate, grad, new grad, early career;
                  trainee, apprentice and "Associate <role>" (medium)
   mid            mid, mid-level, intermediate, medior
   senior         senior, sr, snr; assistant / associate vice president, AVP (low: bank grade)
   staff          staff (not "member of technical staff", not "chief of staff")
   principal      principal; distinguished (medium)
   lead           lead, leader; associate / assistant / deputy director (medium); manager,
                  mgr, supervisor (low: see below). Product / project / program / account
                  manager is a role, not a level, and gives none.
   director       director, head (of), VP, SVP, EVP, vice president, chief, CTO, CDO, CIO ...
                  ("director or above" is one level)
   ============== =====================================================================

   Grade numbers after a role noun or "level" ("Data Scientist III", "Engineer 2", "Level II"):
   I/1 junior, II/2 mid, III/3 senior (medium); IV/4 staff, V/5 principal (low, ladders differ).
   "Associate" on its own or as the last word ("Research Associate") gives no level: in the ai-jobs
   file 83% of the 912 bare "Associate" rows are mid-level, so it is not a junior signal there.
   "Manager" reads as lead, the taxonomy's "Lead / manager" level, but with LOW confidence: in the
   ai-jobs file 57% of the 3,787 rows whose title level comes from "manager" are self-reported
   mid-level (MI), against 3% for titles that say "lead". A caller with a better seniority source
   should prefer it over a LOW level.
   No level word -> ``level`` is None and the caller keeps its own source of seniority.

Confidence
----------
``Confidence`` is a three-step scale (a ``StrEnum``, so it compares equal to "high", "medium",
"low"):

* role HIGH: a standard role name or a domain word with a clear noun ("Data Scientist",
  "NLP Engineer"); MEDIUM: a domain with a vague or management noun ("AI Specialist", "Head of AI",
  "BI Developer", "Data Architect", "Research Engineer"); LOW: ``other`` (always) or a guess from a
  bare generic noun ("Developer").
* level HIGH: an explicit seniority word; MEDIUM: "Associate <role>", associate director, trainee,
  distinguished, a grade I–III; LOW: manager / supervisor, grades IV/V, AVP, and also whenever
  ``level`` is None.

Results are cached per normalised text (``functools.lru_cache``), so an importer pays for the rules
once per distinct title; :func:`clear_cache` empties the cache (benchmarks use it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

# Role family values; they equal salaries.taxonomy.RoleFamily's values (a test checks that).
ML_ENGINEER = "ml_engineer"
DATA_SCIENTIST = "data_scientist"
DATA_ENGINEER = "data_engineer"
RESEARCH_SCIENTIST = "research_scientist"
ML_PLATFORM = "ml_platform"
DATA_ANALYST = "data_analyst"
SOFTWARE_ENGINEER = "software_engineer"
OTHER = "other"
ROLE_FAMILIES = (
    ML_ENGINEER,
    DATA_SCIENTIST,
    DATA_ENGINEER,
    RESEARCH_SCIENTIST,
    ML_PLATFORM,
    DATA_ANALYST,
    SOFTWARE_ENGINEER,
    OTHER,
)

# Level values; they equal salaries.taxonomy.Level's values.
INTERN, JUNIOR, MID, SENIOR = "intern", "junior", "mid", "senior"
STAFF, PRINCIPAL, LEAD, DIRECTOR = "staff", "principal", "lead", "director"
LEVELS = (INTERN, JUNIOR, MID, SENIOR, STAFF, PRINCIPAL, LEAD, DIRECTOR)

MAX_NORMALISED_CHARS = 200


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class TitleMatch:
    """How one title was read. Evidence is in the normaliser's own vocabulary (e.g. "ML" reads as
    "machine learning"); for ``other`` the role evidence names the excluded role phrase, if any."""

    role_family: str
    level: str | None
    role_confidence: Confidence
    level_confidence: Confidence
    role_evidence: str | None
    level_evidence: str | None
    normalised: str

    @property
    def recognised(self) -> bool:
        return self.role_family != OTHER


# --------------------------------------------------------------------------------------------------
# Normalisation

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# Checking every code point's upper, lower, title and swapped case through this pipeline found one
# whose case changes the ASCII reading: dotless "ı" (upper case "I"). It is read as "i".
_FOLD = {0x131: "i"}


def normalise_text(title: object) -> str:
    """The matching key for a title: see the module docstring. Never raises."""
    if title is None:
        return ""
    if isinstance(title, bytes | bytearray):
        title = bytes(title).decode("utf-8", "replace")
    elif not isinstance(title, str):
        try:
            title = str(title)
        except Exception:
            return ""
    text = unicodedata.normalize("NFKC", title)
    if text.isascii():
        text = text.lower()
    else:
        text = text.translate(_FOLD).casefold()
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = _NOT_ALNUM.sub(" ", text).strip()
    if len(text) > MAX_NORMALISED_CHARS:
        head = text[: MAX_NORMALISED_CHARS + 1]
        text = head.rsplit(" ", 1)[0] if " " in head else head[:MAX_NORMALISED_CHARS]
    return text


def normalise_title(title: object) -> TitleMatch:
    """Role family and level of a job title. Never raises; unrecognised titles give ``other``."""
    return _classify(normalise_text(title))


def clear_cache() -> None:
    _classify.cache_clear()


# --------------------------------------------------------------------------------------------------
# Vocabulary. Role rules run on the normalised text after these rewrites; level rules run on the
# normalised text itself.

_TOKEN_REWRITES = {
    "ml": "machine learning",
    "mle": "machine learning engineer",
    "aiml": "ai machine learning",
    "genai": "generative ai",
    "dl": "deep learning",
    "llms": "llm",
    "bi": "business intelligence",
    "swe": "software engineer",
    "sde": "software development engineer",
    "sre": "site reliability engineer",
    "eng": "engineer",
    "engr": "engineer",
    "dev": "developer",
    "devs": "developer",
    "mgr": "manager",
    "engineers": "engineer",
    "scientists": "scientist",
    "analysts": "analyst",
    "developers": "developer",
    "researchers": "researcher",
    "architects": "architect",
    "modeller": "modeler",
    "modelers": "modeler",
    "modellers": "modeler",
    "analytic": "analytics",
    "visualisation": "visualization",
    "visualisations": "visualization",
    "visualizations": "visualization",
    "insight": "insights",
    "datawarehouse": "data warehouse",
    # Spanish, Portuguese, French, German.
    "analista": "analyst",
    "cientifico": "scientist",
    "cientista": "scientist",
    "ingeniero": "engineer",
    "engenheiro": "engineer",
    "ingenieur": "engineer",
    "desarrollador": "developer",
    "desenvolvedor": "developer",
    "developpeur": "developer",
    "datos": "data",
    "dados": "data",
    "donnees": "data",
    "daten": "data",
    "ciencia": "science",
    "inteligencia": "intelligence",
    "datenanalyst": "data analyst",
    "dateningenieur": "data engineer",
    "datenwissenschaftler": "data scientist",
}

_PHRASE_REWRITES = {
    "artificial intelligence": "ai",
    "intelligence artificial": "ai",
    "a i": "ai",
    "power business intelligence": "powerbi",
    "machine learning ops": "mlops",
    "machine learning operations": "mlops",
    "llm ops": "llmops",
    "llm operations": "llmops",
    "dev ops": "devops",
    "data ops": "dataops",
    "front end": "frontend",
    "back end": "backend",
    "full stack": "fullstack",
    "gen ai": "generative ai",
    "natural language processing": "nlp",
    "natural language": "nlp",
}
# Longest first, so "natural language processing" wins over "natural language".
_PHRASE_REWRITE = re.compile(
    " (" + "|".join(sorted(map(re.escape, _PHRASE_REWRITES), key=len, reverse=True)) + ")(?= )"
)
# Romance word order: "analista de datos" -> "analyst de data" -> "data analyst".
_ROMANCE_ORDER = re.compile(r" (analyst|scientist|engineer|developer|science) (?:de|des|da|do|em|en) data(?= )")


def _phrases(*alternatives: str) -> re.Pattern:
    return re.compile(" (" + "|".join(alternatives) + ") ")


_EXCLUDED = _phrases(
    "product manager", "product management", "product owner", "product lead", "project manager",
    "program manager", "programme manager", "account executive", "account manager", "sales development",
    "sales representative", "sales engineer", "business development", "solutions? architect",
    "solutions? engineer", "solutions? consultant", "recruiter", "recruiting", "talent acquisition",
    "writer", "designer", "technician", "administrator", "data entry", "data cent(?:er|re)", "datacenter",
    "customer success", "support engineer",
)  # fmt: skip

# Standard role names, in order.
_ROLE_NAMES = [
    (_phrases("analytics engineer", "analytics engineering"), DATA_ENGINEER, Confidence.HIGH),
    (_phrases("data scientist", "data science", "decision scientist", "decision science"), DATA_SCIENTIST, Confidence.HIGH),
    (_phrases("data analyst", "data analytics"), DATA_ANALYST, Confidence.HIGH),
    (_phrases("data engineer", "data engineering"), DATA_ENGINEER, Confidence.HIGH),
    (_phrases("research scientist", "applied scientist"), RESEARCH_SCIENTIST, Confidence.HIGH),
    (_phrases("research engineer", "postdoc", "postdoctoral(?: fellow| researcher)?", "research fellow"), RESEARCH_SCIENTIST, Confidence.MEDIUM),
    (_phrases("mlops", "llmops"), ML_PLATFORM, Confidence.HIGH),
]  # fmt: skip

_ML_DOMAIN = _phrases(
    "machine learning", "ai", "deep learning", "computer vision", "machine vision", "nlp", "llm",
    "generative ai", "chatbot", "conversational ai", "reinforcement learning", "speech recognition", "prompt",
)  # fmt: skip
_ML_PLATFORM_NOUN = _phrases("platform", "infrastructure", "infra", "ops", "devops", "reliability")
_RESEARCH_NOUN = _phrases("scientist", "researcher", "research")
_ENGINEER_NOUN = _phrases("engineer", "engineering", "developer", "programmer")
_VAGUE_NOUN = _phrases("architect", "specialist", "consultant", "expert", "modeler", "practitioner")

_ANALYTICS = [
    (_phrases("visualization", "powerbi", "tableau", "looker", "qlik"), Confidence.MEDIUM),
    (_phrases("business intelligence analyst"), Confidence.HIGH),
    (_phrases("business intelligence"), Confidence.MEDIUM),
    (
        re.compile(r" (analytics(?: \w+)? (?:analyst|specialist|consultant|associate|manager|lead|leader|director)) "),
        Confidence.MEDIUM,
    ),
    (_phrases("insights (?:analyst|specialist|consultant|manager|lead)"), Confidence.MEDIUM),
    (_phrases("reporting analyst", "product analyst"), Confidence.MEDIUM),
    (re.compile(r" (data(?: \w+){0,2} analyst) "), Confidence.MEDIUM),
]
_ANALYTICS_ALONE = _phrases("analytics")

_DE_NOUN = "(?:engineer|developer|architect|modeler)"
_DATA_ENGINEERING = [
    (re.compile(f" (big data {_DE_NOUN}) "), Confidence.HIGH),
    (re.compile(f" ((?:etl|elt) {_DE_NOUN}) "), Confidence.HIGH),
    (
        re.compile(
            r" ((?:etl|elt|dataops|databricks|spark|hadoop|snowflake|dbt|informatica|talend|ssis|airflow|kafka"
            r"|data warehouse|data warehousing|data pipelines?|data lake)(?: \w+)? " + _DE_NOUN + ") "
        ),
        Confidence.MEDIUM,
    ),
    (
        re.compile(
            r" (data(?: (?:integration|quality|governance|operations|ops|devops|pipelines?|platform|infrastructure"
            r"|infra|warehouse|warehousing|lake|lakehouse|streaming|migration|management|reliability|modeling"
            r"|modelling|product|integrity)){0,2} " + _DE_NOUN + ") "
        ),
        Confidence.MEDIUM,
    ),
]

_SOFTWARE = [
    (
        _phrases(
            "software engineer", "software engineering", "software developer", "software development engineer",
            "software development", "software architect", "software programmer", "fullstack", "frontend", "backend",
            "(?:web|mobile|ios|android) (?:developer|engineer)",
        ),
        Confidence.HIGH,
    ),
    (
        _phrases(
            "(?:python|java|javascript|typescript|golang|rust|ruby|php|kotlin|swift|c|cpp|net|dotnet|node|react"
            "|angular|vue|django|rails|scala) (?:developer|engineer|programmer)"
        ),
        Confidence.MEDIUM,
    ),
]  # fmt: skip

# Words that say nothing about the role: level and management words, grades, fillers.
_NEUTRAL = frozenset(
    "intern interns internship junior jr jnr senior sr snr mid level midlevel intermediate medior entry graduate "
    "grad new early career staff principal distinguished lead leader leads manager managers head director vp svp "
    "evp avp vice president chief officer supervisor team tech technical associate assistant deputy executive "
    "trainee apprentice applied i ii iii iv v 1 2 3 4 5 of and the for in at to with on a an de y e et und".split()
)
_MANAGEMENT = frozenset(
    "lead leader leads manager managers head director vp svp evp president chief officer supervisor".split()
)
_ML_DOMAIN_WORDS = frozenset(
    "machine learning ai deep computer vision nlp llm generative chatbot conversational reinforcement speech "
    "recognition prompt".split()
)


def _only(tokens: list[str], allowed: frozenset[str]) -> bool:
    return all(t in _NEUTRAL or t in allowed for t in tokens)


def _role(text: str) -> tuple[str, Confidence, str | None]:
    tokens = [part for t in text.split() for part in _TOKEN_REWRITES.get(t, t).split()]
    padded = " " + " ".join(tokens) + " "
    padded = _PHRASE_REWRITE.sub(lambda found: " " + _PHRASE_REWRITES[found.group(1)], padded)
    padded = _ROMANCE_ORDER.sub(r" data \1", padded)
    tokens = padded.split()

    if found := _EXCLUDED.search(padded):
        return OTHER, Confidence.LOW, found.group(1)
    for pattern, family, confidence in _ROLE_NAMES:
        if found := pattern.search(padded):
            return family, confidence, found.group(1)

    if domain := _ML_DOMAIN.search(padded):
        evidence = domain.group(1)
        if noun := _ML_PLATFORM_NOUN.search(padded):
            confidence = Confidence.HIGH if _ENGINEER_NOUN.search(padded) else Confidence.MEDIUM
            return ML_PLATFORM, confidence, f"{evidence} + {noun.group(1)}"
        if noun := _RESEARCH_NOUN.search(padded):
            confidence = Confidence.MEDIUM if noun.group(1) == "research" else Confidence.HIGH
            return RESEARCH_SCIENTIST, confidence, f"{evidence} + {noun.group(1)}"
        if noun := _ENGINEER_NOUN.search(padded):
            return ML_ENGINEER, Confidence.HIGH, f"{evidence} + {noun.group(1)}"
        if noun := _VAGUE_NOUN.search(padded):
            return ML_ENGINEER, Confidence.MEDIUM, f"{evidence} + {noun.group(1)}"
        if _MANAGEMENT.intersection(tokens) and _only(tokens, _ML_DOMAIN_WORDS):
            return ML_ENGINEER, Confidence.MEDIUM, evidence

    for pattern, confidence in _ANALYTICS:
        if found := pattern.search(padded):
            return DATA_ANALYST, confidence, found.group(1)
    if _ANALYTICS_ALONE.search(padded) and _MANAGEMENT.intersection(tokens) and _only(tokens, frozenset({"analytics"})):
        return DATA_ANALYST, Confidence.MEDIUM, "analytics"

    for pattern, confidence in _DATA_ENGINEERING:
        if found := pattern.search(padded):
            return DATA_ENGINEER, confidence, found.group(1)
    for pattern, confidence in _SOFTWARE:
        if found := pattern.search(padded):
            return SOFTWARE_ENGINEER, confidence, found.group(1)

    bare = [t for t in tokens if t not in _NEUTRAL]
    if bare == ["statistician"]:
        return DATA_SCIENTIST, Confidence.MEDIUM, "statistician"
    if bare == ["researcher"]:
        return RESEARCH_SCIENTIST, Confidence.MEDIUM, "researcher"
    if bare in (["developer"], ["programmer"]):
        return SOFTWARE_ENGINEER, Confidence.LOW, bare[0]
    return OTHER, Confidence.LOW, None


# Level rules: (pattern, level, confidence). Every rule is tried; the precedence below picks.
_LEVEL_PRECEDENCE = {
    level: rank for rank, level in enumerate((INTERN, DIRECTOR, PRINCIPAL, STAFF, LEAD, SENIOR, MID, JUNIOR))
}
# Phrases whose level word is not a level: removed before the level rules run.
_NOT_A_LEVEL = _phrases(
    "member of technical staff", "technical staff", "chief of staff", "of staff",
    "(?:product|project|program|programme|account|relationship) managers?", "business development managers?",
)  # fmt: skip
_SUB_DIRECTOR = [
    (_phrases("(?:associate|assistant|deputy) director"), LEAD, Confidence.MEDIUM),
    (_phrases("(?:associate|assistant) vice president", "avp"), SENIOR, Confidence.LOW),
]
_LEVEL_WORDS = [
    (_phrases("interns?", "internships?", "stagiaire", "werkstudent", "working student", "co op", "coop", "praktikant"), INTERN, Confidence.HIGH),
    (_phrases("directors?", "head", "vp", "svp", "evp", "vice president", "chief", "cto", "cdo", "cdao", "caio", "cio", "ceo", "coo"), DIRECTOR, Confidence.HIGH),
    (_phrases("principal"), PRINCIPAL, Confidence.HIGH),
    (_phrases("distinguished"), PRINCIPAL, Confidence.MEDIUM),
    (_phrases("staff"), STAFF, Confidence.HIGH),
    (_phrases("lead", "leads", "leader"), LEAD, Confidence.HIGH),
    (_phrases("managers?", "mgr", "supervisor"), LEAD, Confidence.LOW),
    (_phrases("senior", "sr", "snr"), SENIOR, Confidence.HIGH),
    (_phrases("mid level", "midlevel", "mid", "intermediate", "medior"), MID, Confidence.HIGH),
    (_phrases("junior", "jr", "jnr", "entry level", "entrylevel", "new grad", "graduate", "grad", "early career"), JUNIOR, Confidence.HIGH),
    (_phrases("trainee", "apprentice"), JUNIOR, Confidence.MEDIUM),
    # "Associate Data Scientist", not "Associate" or "Research Associate".
    (re.compile(r" (associate)(?= (?!associate )\w)"), JUNIOR, Confidence.MEDIUM),
]  # fmt: skip
_GRADE = re.compile(
    r" (?:engineer|eng|developer|scientist|analyst|researcher|architect|specialist|consultant|programmer"
    r"|administrator|associate|designer|modeler|modeller|statistician|technician|officer|manager|sde|swe|mle"
    r"|level|grade|band) (i|ii|iii|iv|v|1|2|3|4|5)(?= )"
)
_GRADES = {
    "i": (JUNIOR, Confidence.MEDIUM), "1": (JUNIOR, Confidence.MEDIUM),
    "ii": (MID, Confidence.MEDIUM), "2": (MID, Confidence.MEDIUM),
    "iii": (SENIOR, Confidence.MEDIUM), "3": (SENIOR, Confidence.MEDIUM),
    "iv": (STAFF, Confidence.LOW), "4": (STAFF, Confidence.LOW),
    "v": (PRINCIPAL, Confidence.LOW), "5": (PRINCIPAL, Confidence.LOW),
}  # fmt: skip


def _level(text: str) -> tuple[str | None, Confidence, str | None]:
    padded = " " + text + " "
    padded = _NOT_A_LEVEL.sub("  ", padded)
    hits: list[tuple[str, Confidence, str]] = []
    for pattern, level, confidence in _SUB_DIRECTOR:
        if found := pattern.search(padded):
            hits.append((level, confidence, found.group(1)))
            padded = pattern.sub("  ", padded)
    for pattern, level, confidence in _LEVEL_WORDS:
        if found := pattern.search(padded):
            hits.append((level, confidence, found.group(1)))
    if hits:
        return min(hits, key=lambda hit: _LEVEL_PRECEDENCE[hit[0]])
    if found := _GRADE.search(padded):
        level, confidence = _GRADES[found.group(1)]
        return level, confidence, found.group(0).strip()
    return None, Confidence.LOW, None


@lru_cache(maxsize=32768)
def _classify(text: str) -> TitleMatch:
    role_family, role_confidence, role_evidence = _role(text)
    level, level_confidence, level_evidence = _level(text)
    return TitleMatch(
        role_family=role_family,
        level=level,
        role_confidence=role_confidence,
        level_confidence=level_confidence,
        role_evidence=role_evidence,
        level_evidence=level_evidence,
        normalised=text,
    )
