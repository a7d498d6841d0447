"""The skills vocabulary postings are tagged with, and reading skills from a title and description.

Curated from the skills the seed articles name (Python, AWS, Scala, TensorFlow, scikit-learn, reinforcement
learning, deep learning, PyTorch, NLP, Spark, MLOps, Java, computer vision, Azure, SQL, pandas, Keras,
Hadoop) and the ones a machine-learning job board sees beside them (Kubernetes, LLMs, generative AI, GCP,
Docker, Airflow, Databricks). A skill is read when one of its phrases appears as whole words; HTML tags are
ignored. Employers see what was read and may replace it (jobs.services).
"""

import re
from functools import lru_cache

# slug → (label, phrases); phrases are matched case-insensitively on word boundaries.
SKILLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "python": ("Python", ("python",)),
    "sql": ("SQL", ("sql", "postgresql", "mysql")),
    "pytorch": ("PyTorch", ("pytorch", "torch")),
    "tensorflow": ("TensorFlow", ("tensorflow", "tf2")),
    "keras": ("Keras", ("keras",)),
    "scikit_learn": ("scikit-learn", ("scikit-learn", "scikit learn", "sklearn")),
    "pandas": ("pandas", ("pandas",)),
    "spark": ("Spark", ("spark", "pyspark", "apache spark")),
    "hadoop": ("Hadoop", ("hadoop",)),
    "scala": ("Scala", ("scala",)),
    "java": ("Java", ("java",)),
    "kubernetes": ("Kubernetes", ("kubernetes", "k8s")),
    "docker": ("Docker", ("docker",)),
    "airflow": ("Airflow", ("airflow",)),
    "databricks": ("Databricks", ("databricks",)),
    "aws": ("AWS", ("aws", "amazon web services", "sagemaker")),
    "gcp": ("Google Cloud", ("gcp", "google cloud", "vertex ai")),
    "azure": ("Azure", ("azure",)),
    "mlops": ("MLOps", ("mlops", "ml ops")),
    "deep_learning": ("Deep learning", ("deep learning",)),
    "nlp": ("NLP", ("nlp", "natural language processing", "natural language")),
    "computer_vision": ("Computer vision", ("computer vision", "image recognition", "cv engineer")),
    "llm": ("LLMs", ("llm", "llms", "large language model", "large language models", "rag")),
    "generative_ai": ("Generative AI", ("generative ai", "genai", "gen ai", "diffusion models")),
    "reinforcement_learning": ("Reinforcement learning", ("reinforcement learning", "rlhf")),
}
SKILL_CHOICES = [(slug, label) for slug, (label, _) in SKILLS.items()]
_TAGS = re.compile(r"<[^>]+>")
_PATTERNS = {
    slug: re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(p) for p in phrases) + r")(?![a-z0-9])")
    for slug, (_, phrases) in SKILLS.items()
}


def skills_in(*texts: str) -> list[str]:
    """The vocabulary's skills named in these texts, in vocabulary order."""
    text = " ".join(_TAGS.sub(" ", t or "") for t in texts).lower()
    return [slug for slug, pattern in _PATTERNS.items() if pattern.search(text)]


@lru_cache(maxsize=50_000)
def skills_in_title(title: str) -> tuple[str, ...]:
    """Skills of a title alone (survey records give only a title), cached: surveys repeat titles."""
    return tuple(skills_in(title))
