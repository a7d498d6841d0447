"""Read the pay figures transcribed from the seed articles (salaries/data/seed_pay_figures.json).

Each article is a source of its own. Figures that are claims rather than pay (for example the
startup cash discount) are kept in the file for the checks that test them, not loaded as benchmarks.
"""

import json
from decimal import Decimal
from pathlib import Path

from salaries.taxonomy import RoleFamily

SEED_FIGURES = Path(__file__).resolve().parent.parent / "data" / "seed_pay_figures.json"


def read_sources(path: Path = SEED_FIGURES) -> dict[str, dict]:
    return json.loads(Path(path).read_text())["sources"]


def read_figures(path: Path = SEED_FIGURES) -> dict[str, list[dict]]:
    """Benchmark fields per source slug."""
    data = json.loads(Path(path).read_text())
    figures: dict[str, list[dict]] = {slug: [] for slug in data["sources"]}
    seen: dict[str, int] = {}
    for item in data["figures"]:
        if "currency" not in item:
            continue  # a claim, read by read_claims
        base = "|".join(str(item.get(k, "")) for k in ("table", "level", "company", "country", "region", "measure"))
        seen[base] = seen.get(base, 0) + 1
        figures[item["source"]].append(
            {
                "key": f"{base}|{seen[base]}",
                "label": _label(item),
                "role_family": RoleFamily.ML_ENGINEER,
                "occupation": item.get("title", "Machine learning engineer"),
                "level": item.get("level", ""),
                "country": item.get("country", ""),
                "region": item.get("region", ""),
                "company_size": item.get("company_size", ""),
                "company_name": item.get("company", ""),
                "measure": item.get("measure", "base") if item.get("measure") == "total_compensation" else "base",
                "currency": item["currency"],
                "period": "YEAR",
                "pay_min": _number(item.get("min")),
                "pay_max": _number(item.get("max")),
                "mean": _number(item.get("mean")),
                "open_ended_max": bool(item.get("open_ended_max")),
                "equity_pct_min": _number(item.get("equity_pct_min")),
                "equity_pct_max": _number(item.get("equity_pct_max")),
                "notes": _notes(item),
            }
        )
    return figures


def _label(item: dict) -> str:
    subject = item.get("title") or item.get("level_label") or item.get("level") or item.get("company") or "all levels"
    place = item.get("country") or item.get("region") or ""
    return f"{item['table']}: {subject}" + (f" ({place})" if place else "")


def _notes(item: dict) -> str:
    notes = [f"Table: {item['table']}"]
    if item.get("measure") in ("average", "maximum"):
        notes.append(f"The article gives this as the {item['measure']}.")
    if item.get("companies"):
        notes.append(f"Companies named: {', '.join(item['companies'])}.")
    if item.get("text"):
        notes.append(f"Article: \u201c{item['text']}\u201d")
    return " ".join(notes)


def _number(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


CLAIM_METRICS = {"startup_cash_discount": "startup_cash_discount_pct"}


def read_claims(path: Path = SEED_FIGURES) -> dict[str, list[dict]]:
    """Checkable claims per source slug, such as the startup cash discount."""
    data = json.loads(Path(path).read_text())
    claims: dict[str, list[dict]] = {slug: [] for slug in data["sources"]}
    for item in data["figures"]:
        if item.get("claim") in CLAIM_METRICS:
            claims[item["source"]].append(
                {
                    "key": item["claim"],
                    "metric": CLAIM_METRICS[item["claim"]],
                    "low": _number(item["discount_pct_min"]),
                    "high": _number(item["discount_pct_max"]),
                    "role_family": RoleFamily.ML_ENGINEER,
                    "text": item["text"],
                }
            )
    return claims
