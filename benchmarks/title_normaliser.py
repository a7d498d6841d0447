"""Measure salaries.titles.normalise_title on the ai-jobs.net salary file.

Reports, for the file's job titles:
1. role family: coverage (share not "other") and precision (correct among those classified) against
   the hand-labelled mapping LABELS below, per distinct title and weighted by rows; the same on
   HELD_OUT, titles that are not in the file;
2. level: on rows whose title gives a level, agreement with the survey's experience_level column
   under the COMPATIBLE table below;
3. throughput: titles per second over every row's title, cache cleared first.

Usage (from the repository root):
    .venv/bin/python benchmarks/title_normaliser.py [CSV] [--repeat N] [--markdown]
CSV defaults to ../shared/data/aijobs-salaries-2025-01-19.csv relative to the repository root.
"""

import argparse
import csv
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from salaries.titles import OTHER, clear_cache, normalise_title  # noqa: E402

DEFAULT_CSV = ROOT.parent / "shared" / "data" / "aijobs-salaries-2025-01-19.csv"

MLE, DS, DE, RS = "ml_engineer", "data_scientist", "data_engineer", "research_scientist"
MLP, DA, SWE, OTH = "ml_platform", "data_analyst", "software_engineer", OTHER

# Hand-labelled role family of every distinct job_title in the 2025-01-19 snapshot (290 titles),
# labelled by reading the title alone. Conventions:
# - ML / AI practitioners (engineer, developer, architect, specialist, manager of ML) -> ml_engineer;
#   ML / AI scientists and researchers, applied scientists, research engineers, postdocs ->
#   research_scientist; MLOps, ML platform and ML infrastructure -> ml_platform.
# - Business intelligence and visualisation roles of every kind (BI developer and BI engineer too)
#   -> data_analyst; analytics engineers, ETL, data architects and modelers, data platform and
#   pipeline engineers -> data_engineer.
# - Data governance / quality / management / operations / integration: analyst -> data_analyst,
#   engineer / developer / architect -> data_engineer, other nouns (specialist, manager, lead,
#   coordinator) -> other: the title does not say what the work is.
# - Infrastructure and operations (DevOps, SRE, cloud, platform, systems, security), QA, robotics
#   hardware, solutions architects and engineers (pre-sales), product, sales, design, finance
#   quants, domain scientists (bioinformatics), bare nouns (Engineer, Analyst, Manager, Consultant)
#   and "Head of Data"-style titles without a discipline -> other.
LABELS = {
    "AI Architect": MLE,
    "AI Data Engineer": DE,
    "AI Data Scientist": DS,
    "AI Developer": MLE,
    "AI Engineer": MLE,
    "AI Engineering Manager": MLE,
    "AI Lead": MLE,
    "AI Machine Learning Engineer": MLE,
    "AI Product Manager": OTH,
    "AI Product Owner": OTH,
    "AI Programmer": MLE,
    "AI Research Engineer": RS,
    "AI Research Scientist": RS,
    "AI Researcher": RS,
    "AI Scientist": RS,
    "AI Software Development Engineer": MLE,
    "AI Software Engineer": MLE,
    "AI Solution Architect": OTH,
    "AI Specialist": MLE,
    "AWS Data Architect": DE,
    "Actuarial Analyst": OTH,
    "Admin & Data Analyst": DA,
    "Algorithm Developer": OTH,
    "Analista de Datos": DA,
    "Analyst": OTH,
    "Analytics Analyst": DA,
    "Analytics Engineer": DE,
    "Analytics Engineering Manager": DE,
    "Analytics Lead": DA,
    "Analytics Specialist": DA,
    "Applied AI ML Lead": MLE,
    "Applied Data Scientist": DS,
    "Applied Machine Learning Engineer": MLE,
    "Applied Machine Learning Scientist": RS,
    "Applied Research Scientist": RS,
    "Applied Scientist": RS,
    "Architect": OTH,
    "Artificial Intelligence Engineer": MLE,
    "Associate": OTH,
    "Autonomous Vehicle Technician": OTH,
    "Azure Data Engineer": DE,
    "BI Analyst": DA,
    "BI Data Analyst": DA,
    "BI Data Engineer": DE,
    "BI Developer": DA,
    "BI Engineer": DA,
    "Backend Developer": SWE,
    "Backend Engineer": SWE,
    "Backend Software Engineer": SWE,
    "Bear Robotics": OTH,
    "Big Data Analyst": DA,
    "Big Data Architect": DE,
    "Big Data Developer": DE,
    "Big Data Engineer": DE,
    "Bioinformatician": OTH,
    "Bioinformatics Scientist": OTH,
    "Business Analyst": OTH,
    "Business Data Analyst": DA,
    "Business Development Manager": OTH,
    "Business Insights Manager": DA,
    "Business Intelligence": DA,
    "Business Intelligence Analyst": DA,
    "Business Intelligence Consultant": DA,
    "Business Intelligence Data Analyst": DA,
    "Business Intelligence Developer": DA,
    "Business Intelligence Engineer": DA,
    "Business Intelligence Lead": DA,
    "Business Intelligence Manager": DA,
    "Business Intelligence Specialist": DA,
    "CRM Data Analyst": DA,
    "Chatbot Developer": MLE,
    "Clinical Data Operator": OTH,
    "Cloud Data Architect": DE,
    "Cloud Data Engineer": DE,
    "Cloud Database Administrator": OTH,
    "Cloud Database Engineer": OTH,
    "Cloud Developer": SWE,
    "Cloud Engineer": OTH,
    "Compliance Data Analyst": DA,
    "Computational Biologist": OTH,
    "Computer Vision Engineer": MLE,
    "Computer Vision Software Engineer": MLE,
    "Consultant": OTH,
    "Consultant Data Engineer": DE,
    "Controls Engineer": OTH,
    "Data Analyst": DA,
    "Data Analyst Lead": DA,
    "Data Analytics Associate": DA,
    "Data Analytics Consultant": DA,
    "Data Analytics Developer": DA,
    "Data Analytics Engineer": DE,
    "Data Analytics Lead": DA,
    "Data Analytics Manager": DA,
    "Data Analytics Specialist": DA,
    "Data Analytics Team Lead": DA,
    "Data Architect": DE,
    "Data DevOps Engineer": DE,
    "Data Developer": DE,
    "Data Engineer": DE,
    "Data Governance": OTH,
    "Data Governance Analyst": DA,
    "Data Governance Architect": DE,
    "Data Governance Engineer": DE,
    "Data Governance Lead": OTH,
    "Data Governance Manager": OTH,
    "Data Governance Specialist": OTH,
    "Data Infrastructure Engineer": DE,
    "Data Integration Analyst": DA,
    "Data Integration Coordinator": OTH,
    "Data Integration Developer": DE,
    "Data Integration Engineer": DE,
    "Data Integration Specialist": OTH,
    "Data Integrity Analyst": DA,
    "Data Lead": OTH,
    "Data Management Analyst": DA,
    "Data Management Associate": OTH,
    "Data Management Consultant": OTH,
    "Data Management Coordinator": OTH,
    "Data Management Lead": OTH,
    "Data Management Manager": OTH,
    "Data Management Specialist": OTH,
    "Data Manager": OTH,
    "Data Modeler": DE,
    "Data Operations Analyst": DA,
    "Data Operations Associate": OTH,
    "Data Operations Engineer": DE,
    "Data Operations Lead": OTH,
    "Data Operations Manager": OTH,
    "Data Operations Specialist": OTH,
    "Data Pipeline Engineer": DE,
    "Data Platform Engineer": DE,
    "Data Product Analyst": DA,
    "Data Product Manager": OTH,
    "Data Product Owner": OTH,
    "Data Quality Analyst": DA,
    "Data Quality Engineer": DE,
    "Data Quality Lead": OTH,
    "Data Quality Manager": OTH,
    "Data Quality Specialist": OTH,
    "Data Reporter": OTH,
    "Data Reporting Analyst": DA,
    "Data Science Tech Lead": DS,
    "Data Scientist": DS,
    "Data Scientist Lead": DS,
    "Data Scientist Manager": DS,
    "Data Specialist": OTH,
    "Data Strategist": OTH,
    "Data Strategy Lead": OTH,
    "Data Strategy Manager": OTH,
    "Data Team Lead": OTH,
    "Data Visualization Analyst": DA,
    "Data Visualization Developer": DA,
    "Data Visualization Engineer": DA,
    "Data Visualization Specialist": DA,
    "Data and Reporting Analyst": DA,
    "Data and Reporting Professional": DA,
    "DataOps Engineer": DE,
    "Databricks Engineer": DE,
    "Decision Scientist": DS,
    "Deep Learning Engineer": MLE,
    "Deep Learning Researcher": RS,
    "DevOps Engineer": OTH,
    "Developer": SWE,
    "Director of Business Intelligence": DA,
    "Director of Machine Learning": MLE,
    "ETL Developer": DE,
    "ETL Engineer": DE,
    "Elasticsearch Administrator": OTH,
    "Encounter Data Management Professional": OTH,
    "Engineer": OTH,
    "Engineering Manager": OTH,
    "Enterprise Account Executive": OTH,
    "Finance Data Analyst": DA,
    "Financial Data Analyst": DA,
    "Frontend Engineer": SWE,
    "Full Stack Developer": SWE,
    "Full Stack Engineer": SWE,
    "Fullstack Engineer": SWE,
    "Head of AI": MLE,
    "Head of Business Intelligence": DA,
    "Head of Data": OTH,
    "Head of Machine Learning": MLE,
    "Infrastructure Engineer": OTH,
    "Insight Analyst": DA,
    "Lead AI Engineer": MLE,
    "Lead Analyst": OTH,
    "Lead Data Analyst": DA,
    "Lead Data Engineer": DE,
    "Lead Data Scientist": DS,
    "Lead Engineer": OTH,
    "Lead Machine Learning Engineer": MLE,
    "ML Infrastructure Engineer": MLP,
    "MLOps Engineer": MLP,
    "Machine Learning Architect": MLE,
    "Machine Learning Developer": MLE,
    "Machine Learning Engineer": MLE,
    "Machine Learning Engineer 5": MLE,
    "Machine Learning Infrastructure Engineer": MLP,
    "Machine Learning Lead": MLE,
    "Machine Learning Manager": MLE,
    "Machine Learning Model Engineer": MLE,
    "Machine Learning Modeler": MLE,
    "Machine Learning Performance Engineer": MLE,
    "Machine Learning Platform Engineer": MLP,
    "Machine Learning Quality Engineer": MLE,
    "Machine Learning Research Engineer": RS,
    "Machine Learning Researcher": RS,
    "Machine Learning Scientist": RS,
    "Machine Learning Software Engineer": MLE,
    "Machine Learning Specialist": MLE,
    "Machine Learning Tech Lead": MLE,
    "Machine Vision Engineer": MLE,
    "Manager": OTH,
    "Manager Data Management": OTH,
    "Marketing Analyst": DA,
    "Marketing Analytics Manager": DA,
    "Marketing Data Analyst": DA,
    "Marketing Data Engineer": DE,
    "Marketing Data Scientist": DS,
    "Master Data Management": OTH,
    "Master Data Specialist": OTH,
    "Member of Technical Staff": OTH,
    "NLP Engineer": MLE,
    "People Data Analyst": DA,
    "Platform Data Engineer": DE,
    "Platform Engineer": OTH,
    "Postdoctoral Fellow": RS,
    "Power BI Administrator": OTH,
    "Power BI Architect": DA,
    "Power BI Consultant": DA,
    "Power BI Developer": DA,
    "Pricing Analyst": OTH,
    "Principal Application Delivery Consultant": OTH,
    "Principal Data Analyst": DA,
    "Principal Data Architect": DE,
    "Principal Data Engineer": DE,
    "Principal Data Scientist": DS,
    "Principal Machine Learning Engineer": MLE,
    "Principal Researcher": RS,
    "Principal Software Architect": SWE,
    "Principal Statistical Programmer": OTH,
    "Product Analyst": DA,
    "Product Data Analyst": DA,
    "Product Designer": OTH,
    "Product Manager": OTH,
    "Product Owner": OTH,
    "Prompt Engineer": MLE,
    "Python Developer": SWE,
    "QA Engineer": OTH,
    "Quantitative Analyst": OTH,
    "Quantitative Developer": OTH,
    "Quantitative Research Analyst": OTH,
    "Quantitative Researcher": OTH,
    "Research Analyst": OTH,
    "Research Assistant": OTH,
    "Research Associate": OTH,
    "Research Engineer": RS,
    "Research Scientist": RS,
    "Risk Analyst": OTH,
    "Robotics Engineer": OTH,
    "Robotics Software Engineer": SWE,
    "SAS Developer": OTH,
    "Safety Data Management Specialist": OTH,
    "Sales Data Analyst": DA,
    "Sales Development Representative": OTH,
    "Scala Spark Developer": DE,
    "Security Engineer": OTH,
    "Site Reliability Engineer": OTH,
    "Software Architect": SWE,
    "Software Data Engineer": DE,
    "Software Developer": SWE,
    "Software Development Engineer": SWE,
    "Software Engineer": SWE,
    "Solution Architect": OTH,
    "Solution Engineer": OTH,
    "Solutions Architect": OTH,
    "Solutions Engineer": OTH,
    "Staff Data Analyst": DA,
    "Staff Data Scientist": DS,
    "Staff Machine Learning Engineer": MLE,
    "Stage": OTH,
    "Statistical Programmer": OTH,
    "Statistician": DS,
    "System Engineer": OTH,
    "Systems Engineer": OTH,
    "Tech Lead": OTH,
    "Technical Lead": OTH,
    "Technical Specialist": OTH,
    "Technical Writer": OTH,
    "Technology Integrator": OTH,
}

# Titles that are NOT in the file, labelled the same way before the normaliser was run on them: a
# small check that the rules generalise beyond the 290 titles they were tuned on.
HELD_OUT = {
    "Senior Data Scientist, Ads": DS,
    "Principal Data Science Manager": DS,
    "Data Scientist (m/w/d)": DS,
    "Cientista de Dados": DS,
    "Biostatistician": DS,
    "Machine Learning Engineer, Search Ranking": MLE,
    "MLE II": MLE,
    "LLM Engineer": MLE,
    "Generative AI Engineer": MLE,
    "Speech Recognition Engineer": MLE,
    "Perception Engineer": MLE,
    "Recommender Systems Engineer": MLE,
    "ML Platform Engineer": MLP,
    "AI Infrastructure Engineer": MLP,
    "Machine Learning Operations Engineer": MLP,
    "Applied Scientist II": RS,
    "Research Scientist Intern": RS,
    "Research Scientist, Computer Vision": RS,
    "AI Ethics Researcher": RS,
    "Director, Applied Science": RS,
    "Senior Analytics Engineer": DE,
    "Data Engineering Intern": DE,
    "Head of Data Engineering": DE,
    "Snowflake Data Engineer": DE,
    "dbt Developer": DE,
    "Data Warehouse Architect": DE,
    "Kafka Engineer": DE,
    "Spark Developer": DE,
    "Ingénieur Data": DE,
    "Tableau Developer": DA,
    "Looker Developer": DA,
    "Reporting Analyst": DA,
    "Business Intelligence Architect": DA,
    "Analytics Manager": DA,
    "Insights Analyst": DA,
    "Staff Software Engineer, Payments": SWE,
    "SWE III": SWE,
    "Android Developer": SWE,
    "iOS Engineer": SWE,
    "Java Developer": SWE,
    ".NET Developer": SWE,
    "Golang Engineer": SWE,
    "Embedded Software Engineer": SWE,
    "Game Developer": SWE,
    "Web Developer": SWE,
    "Salesforce Developer": SWE,
    "Quant Researcher": OTH,
    "UX Researcher": OTH,
    "Clinical Data Manager": OTH,
    "Data Steward": OTH,
    "Database Administrator": OTH,
    "Customer Success Manager, AI": OTH,
    "Technical Program Manager, ML": OTH,
    "Data Entry Specialist": OTH,
    "Financial Analyst": OTH,
    "Network Engineer": OTH,
    "Data Center Technician": OTH,
    "Sales Engineer, AI Platform": OTH,
    "Solutions Architect, Generative AI": OTH,
    "Security Analyst": OTH,
    "Prompt Writer": OTH,
}

# Title level -> survey experience_level values (EN entry, MI mid, SE senior, EX executive) that
# agree with it. Intern counts as entry; staff, principal and lead sit at the top of the survey's
# senior band or in its executive band, so either agrees; director is executive only.
COMPATIBLE = {
    "intern": {"EN"},
    "junior": {"EN"},
    "mid": {"MI"},
    "senior": {"SE"},
    "staff": {"SE", "EX"},
    "principal": {"SE", "EX"},
    "lead": {"SE", "EX"},
    "director": {"EX"},
}


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def role_report(titles: Counter) -> list[str]:
    unlabelled = sorted(t for t in titles if t not in LABELS)
    labelled = {t: n for t, n in titles.items() if t in LABELS}
    predicted = {t: normalise_title(t) for t in labelled}
    classified = [t for t, m in predicted.items() if m.role_family != OTHER]
    correct = [t for t in classified if predicted[t].role_family == LABELS[t]]
    in_family = [t for t in labelled if LABELS[t] != OTHER]
    found = [t for t in in_family if predicted[t].role_family == LABELS[t]]

    def rows(ts):
        return sum(labelled[t] for t in ts)

    total_rows = rows(labelled)
    lines = [
        "| measure | distinct titles | rows |",
        "| --- | --- | --- |",
        f"| titles | {len(labelled)} | {total_rows:,} |",
        f"| coverage (normaliser says not `other`) | {pct(len(classified), len(labelled))} ({len(classified)}) "
        f"| {pct(rows(classified), total_rows)} ({rows(classified):,}) |",
        f"| precision (label agrees, among those) | {pct(len(correct), len(classified))} ({len(correct)}) "
        f"| {pct(rows(correct), rows(classified))} ({rows(correct):,}) |",
        f"| labelled with a family (not `other`) | {len(in_family)} | {rows(in_family):,} |",
        f"| recall (family found, among those) | {pct(len(found), len(in_family))} ({len(found)}) "
        f"| {pct(rows(found), rows(in_family))} ({rows(found):,}) |",
        "",
        "By role confidence:",
        "",
        "| role_confidence | distinct titles | classified | precision |",
        "| --- | --- | --- | --- |",
    ]
    for confidence in ("high", "medium", "low"):
        group = [t for t in labelled if predicted[t].role_confidence == confidence]
        group_classified = [t for t in group if predicted[t].role_family != OTHER]
        group_correct = [t for t in group_classified if predicted[t].role_family == LABELS[t]]
        lines.append(
            f"| {confidence} | {len(group)} | {len(group_classified)} | {pct(len(group_correct), len(group_classified))} |"
        )
    wrong = sorted(set(classified) - set(correct))
    missed = sorted(t for t in in_family if predicted[t].role_family == OTHER)
    lines += ["", "Misclassified (normaliser vs label):", ""]
    lines += [f"- {t} ({labelled[t]} rows): {predicted[t].role_family} vs {LABELS[t]}" for t in wrong] or ["- none"]
    lines += ["", "Labelled with a family but left `other` by the normaliser:", ""]
    lines += [f"- {t} ({labelled[t]} rows): label {LABELS[t]}" for t in missed] or ["- none"]
    if unlabelled:
        lines += ["", f"Titles without a hand label (left out of the figures): {len(unlabelled)}", ""]
        lines += [f"- {t}" for t in unlabelled]
    return lines


def held_out_report() -> list[str]:
    predicted = {t: normalise_title(t).role_family for t in HELD_OUT}
    classified = [t for t, family in predicted.items() if family != OTHER]
    correct = [t for t in classified if predicted[t] == HELD_OUT[t]]
    in_family = [t for t in HELD_OUT if HELD_OUT[t] != OTHER]
    found = [t for t in in_family if predicted[t] == HELD_OUT[t]]
    wrong = sorted(set(classified) - set(correct))
    missed = sorted(t for t in in_family if predicted[t] == OTHER)
    lines = [
        f"{len(HELD_OUT)} titles not in the file ({len(in_family)} labelled with a family): coverage "
        f"{pct(len(classified), len(HELD_OUT))} ({len(classified)}), precision {pct(len(correct), len(classified))} "
        f"({len(correct)}), recall {pct(len(found), len(in_family))} ({len(found)}).",
        "",
        "Misclassified: " + ("; ".join(f"{t} ({predicted[t]} vs {HELD_OUT[t]})" for t in wrong) or "none") + ".",
        "Left `other`: " + ("; ".join(f"{t} ({HELD_OUT[t]})" for t in missed) or "none") + ".",
    ]
    return lines


def level_report(rows: list[dict]) -> list[str]:
    by_level: dict[str, Counter] = defaultdict(Counter)
    by_confidence: dict[str, Counter] = defaultdict(Counter)
    by_word: dict[tuple[str, str], Counter] = defaultdict(Counter)
    with_level = agree = 0
    for row in rows:
        match = normalise_title(row["job_title"])
        if match.level is None:
            continue
        with_level += 1
        ok = row["experience_level"] in COMPATIBLE[match.level]
        agree += ok
        by_level[match.level][row["experience_level"]] += 1
        by_confidence[match.level_confidence]["agree" if ok else "disagree"] += 1
        by_word[(match.level, match.level_evidence)][row["experience_level"]] += 1
    lines = [
        "| measure | rows |",
        "| --- | --- |",
        f"| rows | {len(rows):,} |",
        f"| coverage (title gives a level) | {pct(with_level, len(rows))} ({with_level:,}) |",
        f"| agreement with experience_level | {pct(agree, with_level)} ({agree:,}) |",
        "",
        "| title level | compatible with | rows | EN | MI | SE | EX | agreement |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for level, compatible in COMPATIBLE.items():
        counts = by_level.get(level, Counter())
        n = sum(counts.values())
        ok = sum(counts[c] for c in compatible)
        lines.append(
            f"| {level} | {', '.join(sorted(compatible))} | {n:,} | {counts['EN']:,} | {counts['MI']:,} "
            f"| {counts['SE']:,} | {counts['EX']:,} | {pct(ok, n)} |"
        )
    lines += ["", "| level_confidence | rows | agreement |", "| --- | --- | --- |"]
    for confidence in ("high", "medium", "low"):
        counts = by_confidence.get(confidence, Counter())
        n = counts["agree"] + counts["disagree"]
        lines.append(f"| {confidence} | {n:,} | {pct(counts['agree'], n)} |")
    lines += ["", "| title level | deciding word | rows | EN | MI | SE | EX | agreement |"]
    lines += ["| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for (level, word), counts in sorted(by_word.items(), key=lambda item: -sum(item[1].values())):
        n = sum(counts.values())
        ok = sum(counts[c] for c in COMPATIBLE[level])
        lines.append(
            f"| {level} | {word} | {n:,} | {counts['EN']:,} | {counts['MI']:,} | {counts['SE']:,} "
            f"| {counts['EX']:,} | {pct(ok, n)} |"
        )
    return lines


def throughput_report(titles: list[str], distinct: list[str], repeat: int) -> list[str]:
    runs = []
    for _ in range(repeat):
        clear_cache()
        start = time.perf_counter()
        for title in titles:
            normalise_title(title)
        runs.append(time.perf_counter() - start)
    cold = []
    for _ in range(repeat):
        clear_cache()
        start = time.perf_counter()
        for title in distinct:
            normalise_title(title)
        cold.append(time.perf_counter() - start)
    median = statistics.median(runs)
    return [
        f"All {len(titles):,} row titles, cache cleared before each of {repeat} runs: "
        f"median {median * 1000:.1f} ms = **{len(titles) / median:,.0f} titles/s** "
        f"(best {len(titles) / min(runs):,.0f}/s, worst {len(titles) / max(runs):,.0f}/s).",
        "",
        f"Uncached rule evaluation alone ({len(distinct)} distinct titles, cache cleared): median "
        f"{statistics.median(cold) / len(distinct) * 1e6:.1f} µs per title "
        f"= {len(distinct) / statistics.median(cold):,.0f} distinct titles/s.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV, help=f"default: {DEFAULT_CSV}")
    parser.add_argument("--repeat", type=int, default=5, help="throughput runs (default 5)")
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        sys.exit(
            f"ai-jobs salary file not found: {args.csv}\n"
            "Pass its path, or put the shared data folder at ../shared/data/ beside the repository."
        )
    with args.csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or "job_title" not in rows[0] or "experience_level" not in rows[0]:
        sys.exit(f"{args.csv} has no job_title / experience_level columns: not an ai-jobs salary file")
    titles = [row["job_title"] for row in rows]
    counts = Counter(titles)
    out = [f"File: `{args.csv.name}`, {len(rows):,} rows, {len(counts)} distinct job titles.", ""]
    out += ["### 1. Role family", ""] + role_report(counts) + [""]
    out += ["### 1b. Role family on held-out titles", ""] + held_out_report() + [""]
    out += ["### 2. Level", ""] + level_report(rows) + [""]
    out += ["### 3. Throughput", ""] + throughput_report(titles, sorted(counts), args.repeat)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
