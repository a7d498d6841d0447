import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from salaries.taxonomy import Level, RoleFamily
from salaries.titles import (
    LEVELS,
    OTHER,
    ROLE_FAMILIES,
    Confidence,
    TitleMatch,
    normalise_text,
    normalise_title,
)

EXAMPLES = [
    ("Sr. Machine Learning Engineer II", "ml_engineer", "senior"),
    ("Staff ML Engineer", "ml_engineer", "staff"),
    ("Principal Applied Scientist", "research_scientist", "principal"),
    ("Head of Data Science", "data_scientist", "director"),
    ("Junior Data Analyst", "data_analyst", "junior"),
    ("MLOps Engineer", "ml_platform", None),
    ("Research Scientist, NLP", "research_scientist", None),
    ("Lead Data Engineer", "data_engineer", "lead"),
    ("Director of Machine Learning", "ml_engineer", "director"),
]

VARIANTS = [
    ("AI Engineer", "ml_engineer", None),
    ("Artificial Intelligence Engineer", "ml_engineer", None),
    ("A.I. Engineer", "ml_engineer", None),
    ("Applied ML Scientist", "research_scientist", None),
    ("Data Science Manager", "data_scientist", "lead"),
    ("Analytics Engineer", "data_engineer", None),
    ("BI Analyst", "data_analyst", None),
    ("Business Intelligence Analyst", "data_analyst", None),
    ("Machine Learning Researcher", "research_scientist", None),
    ("Deep Learning Engineer", "ml_engineer", None),
    ("Computer Vision Engineer", "ml_engineer", None),
    ("NLP Engineer", "ml_engineer", None),
    ("Natural Language Processing Engineer", "ml_engineer", None),
    ("Software Engineer, ML", "ml_engineer", None),
    ("Software Engineer", "software_engineer", None),
    ("Full-Stack Developer", "software_engineer", None),
    ("Intern", OTHER, "intern"),
    ("Data Science Intern", "data_scientist", "intern"),
    ("Graduate", OTHER, "junior"),
    ("Graduate Data Engineer", "data_engineer", "junior"),
    ("Entry level", OTHER, "junior"),
    ("Entry-Level Data Analyst", "data_analyst", "junior"),
    ("Associate Data Scientist", "data_scientist", "junior"),
    ("Associate", OTHER, None),
    ("Research Associate", OTHER, None),
    ("VP", OTHER, "director"),
    ("VP, Data Science", "data_scientist", "director"),
    ("Vice President of Machine Learning", "ml_engineer", "director"),
    ("Chief Data Officer", OTHER, "director"),
    ("Chief AI Officer", "ml_engineer", "director"),
    ("Data Scientist I", "data_scientist", "junior"),
    ("Data Scientist II", "data_scientist", "mid"),
    ("Data Scientist III", "data_scientist", "senior"),
    ("Data Scientist 2", "data_scientist", "mid"),
    ("Sr Data Scientist", "data_scientist", "senior"),
    ("Snr Data Engineer", "data_engineer", "senior"),
    ("Jr. Data Analyst", "data_analyst", "junior"),
    ("Mid-level Software Engineer", "software_engineer", "mid"),
    ("Mid Level Data Engineer", "data_engineer", "mid"),
    ("Senior Staff Machine Learning Engineer", "ml_engineer", "staff"),
    ("Senior Director, Data Science", "data_scientist", "director"),
    ("Senior Manager, Data Analytics", "data_analyst", "lead"),
    ("Associate Director, Analytics", "data_analyst", "lead"),
    ("Member of Technical Staff", OTHER, None),
    ("Decision Scientist", "data_scientist", None),
    ("Statistician", "data_scientist", None),
    ("Head of AI", "ml_engineer", "director"),
    ("ML Infrastructure Engineer", "ml_platform", None),
    ("Machine Learning Platform Engineer", "ml_platform", None),
    ("ML Ops Engineer", "ml_platform", None),
    ("Research Engineer", "research_scientist", None),
    ("AI Researcher", "research_scientist", None),
    ("Postdoctoral Fellow", "research_scientist", None),
    ("Data Architect", "data_engineer", None),
    ("ETL Developer", "data_engineer", None),
    ("Big Data Engineer", "data_engineer", None),
    ("Data Analytics Manager", "data_analyst", "lead"),
    ("Power BI Developer", "data_analyst", None),
    ("Data Visualization Engineer", "data_analyst", None),
    ("Product Analyst", "data_analyst", None),
    ("Analista de Datos", "data_analyst", None),
    ("Ingeniero de Datos Senior", "data_engineer", "senior"),
    ("Científico de Datos", "data_scientist", None),
    ("Prompt Engineer", "ml_engineer", None),
    ("AI Data Scientist", "data_scientist", None),
    ("AI Data Engineer", "data_engineer", None),
]


@pytest.mark.parametrize(("title", "family", "level"), EXAMPLES + VARIANTS)
def test_titles_read_as_expected(title, family, level):
    match = normalise_title(title)
    assert (match.role_family, match.level) == (family, level), match


@pytest.mark.parametrize(
    "title",
    [
        "",
        "   ",
        "🚀🚀🚀",
        "数据科学家",
        "Chef de Partie",
        "Bear Robotics",
        "asdf qwerty",
        "Engineer",
        "Analyst",
        "Manager",
        "Consultant",
        "Quantitative Researcher",
        "Bioinformatics Scientist",
        "Site Reliability Engineer",
        "Data Governance Specialist",
        "Head of Data",
    ],
)
def test_unrecognised_titles_are_other_with_low_confidence(title):
    match = normalise_title(title)
    assert match.role_family == OTHER and match.role_confidence == Confidence.LOW
    assert not match.recognised


@pytest.mark.parametrize(
    ("title", "evidence"),
    [
        ("AI Product Manager", "product manager"),
        ("Data Product Owner", "product owner"),
        ("AI Solutions Architect", "solutions architect"),
        ("Power BI Administrator", "administrator"),
        ("Data Entry Clerk", "data entry"),
    ],
)
def test_roles_outside_the_taxonomy_are_not_read_from_their_domain_word(title, evidence):
    match = normalise_title(title)
    assert (match.role_family, match.role_confidence, match.role_evidence) == (OTHER, Confidence.LOW, evidence)


@pytest.mark.parametrize("title", ["Product Manager", "Senior Project Manager", "Chief of Staff"])
def test_manager_and_staff_inside_a_role_name_are_not_levels(title):
    match = normalise_title(title)
    assert match.level in (None, "senior")
    assert match.level_evidence not in ("manager", "staff")


def test_confidence_and_evidence_say_how_the_title_was_read():
    clear = normalise_title("Senior Data Scientist")
    assert (clear.role_confidence, clear.level_confidence) == (Confidence.HIGH, Confidence.HIGH)
    assert (clear.role_evidence, clear.level_evidence) == ("data scientist", "senior")
    vague = normalise_title("AI Specialist")
    assert (vague.role_family, vague.role_confidence, vague.role_evidence) == (
        "ml_engineer",
        "medium",
        "ai + specialist",
    )
    bare = normalise_title("Developer")
    assert (bare.role_family, bare.role_confidence) == ("software_engineer", Confidence.LOW)
    grade = normalise_title("Machine Learning Engineer 5")
    assert (grade.level, grade.level_confidence, grade.level_evidence) == ("principal", Confidence.LOW, "engineer 5")
    manager = normalise_title("Data Science Manager")
    assert (manager.level, manager.level_confidence) == ("lead", Confidence.LOW)
    no_level = normalise_title("Data Scientist")
    assert (no_level.level, no_level.level_confidence, no_level.level_evidence) == (None, Confidence.LOW, None)
    # The enum compares equal to its string value.
    assert Confidence.HIGH == "high" and isinstance(clear, TitleMatch)


def test_vocabulary_matches_the_taxonomy():
    assert set(ROLE_FAMILIES) == set(RoleFamily.values)
    assert set(LEVELS) == set(Level.values)


def test_normalised_text():
    assert normalise_text("  Sr.  Machine-Learning   Engineer (II)!! ") == "sr machine learning engineer ii"
    assert normalise_text("Ｄａｔａ　Ｓｃｉｅｎｔｉｓｔ") == "data scientist"  # full-width, NFKC
    assert normalise_text("Científico de Datos Sênior") == "cientifico de datos senior"
    assert normalise_text(None) == ""
    long = normalise_text("data scientist " * 1000)
    assert len(long) <= 200 and long.split()[-1] in ("data", "scientist")  # cut between words


@pytest.mark.parametrize(
    "title",
    [None, 42, 3.5, b"Data Scientist", object(), "\x00\x01", "\udc80bad bytes", "a" * 1_000_000, "Data " * 200_000],
)
def test_never_raises_on_odd_input(title):
    match = normalise_title(title)
    assert match.role_family in ROLE_FAMILIES


def test_bytes_are_decoded():
    assert normalise_title(b"Data Scientist").role_family == "data_scientist"


REALISTIC = [title for title, _, _ in EXAMPLES + VARIANTS] + [
    "Senior Data Scientist, Ads",
    "Staff Software Engineer - Machine Learning Infrastructure",
    "Lead BI Developer",
    "Principal Data Engineer (Streaming)",
    "Junior Python Developer",
    "Head of Analytics",
    "AI Product Manager",
    "Data Engineer III",
    "Machine Learning Engineer, Computer Vision",
    "Senior Research Scientist, Generative AI",
    "Associate Director of Data Engineering",
    "VP Engineering",
]

TRANSFORMS = [
    str.upper,
    str.lower,
    str.title,
    str.swapcase,
    lambda s: s.replace(" ", " - "),
    lambda s: s.replace(" ", "   "),
    lambda s: s.replace(" ", " / "),
    lambda s: s.replace(" ", ", "),
    lambda s: s + "!!",
    lambda s: "  " + s + "  ",
    lambda s: "*** " + s + " ***",
    lambda s: "(" + s + ")",
]

titles = st.one_of(
    st.sampled_from(REALISTIC),
    st.text(),
    st.builds(lambda title, noise: f"{title} {noise}", st.sampled_from(REALISTIC), st.text(max_size=20)),
    st.builds(lambda noise, title: f"{noise} {title}", st.text(max_size=20), st.sampled_from(REALISTIC)),
)


@given(st.text())
@example("")
@example("\u0131")  # dotless i: its upper case is ASCII "I"
def test_never_raises_on_any_text(text):
    match = normalise_title(text)
    assert match.role_family in ROLE_FAMILIES
    assert match.level is None or match.level in LEVELS
    assert match.role_confidence in Confidence and match.level_confidence in Confidence
    assert (match.role_family == OTHER) <= (match.role_confidence == Confidence.LOW)
    assert (match.level is None) <= (match.level_confidence == Confidence.LOW)


@settings(max_examples=400)
@given(titles, st.lists(st.sampled_from(TRANSFORMS), min_size=1, max_size=4))
@example("Software Engineer ı", [str.upper])
@example("Data Scientist ß", [str.upper])
def test_case_punctuation_and_spacing_do_not_change_the_answer(title, transforms):
    variant = title
    for transform in transforms:
        variant = transform(variant)
    assert normalise_title(variant) == normalise_title(title)
