"""A report's numbers as tables: the columns its HTML page shows per section, and the CSV of every figure behind
every chart (each section's rows flattened, one line per row, the section named in the first column)."""

import csv
import io

# What the page shows of each section, in order: (field, heading). Nested fields are `outer.inner`.
RELEASE_COLUMNS = [
    ("level_label", "Level"), ("p10", "p10"), ("p25", "p25"), ("p50", "Median"), ("p75", "p75"), ("p90", "p90"),
    ("sample_size", "Data points"), ("company_count", "Contributors"), ("confidence", "Confidence"),
    ("total_p50", "Total comp. median"), ("withheld_reason", "Withheld because"),
    ("wider_published", "Nearest wider published segment"),
]  # fmt: skip
PAGE_COLUMNS = {
    "levels": RELEASE_COLUMNS,
    "ladder": RELEASE_COLUMNS,
    "sizes": [("level_label", "Level"), ("size_band_label", "Company size"), ("p50", "Median"), ("sample_size", "Data points"),
              ("confidence", "Confidence"), ("withheld_reason", "Withheld because")],
    "history": [("day", "Day"), ("level", "Level"), ("p50", "Median"), ("sample_size", "Data points")],
    "sides": [("level_label", "Level"), ("startup.p50", "Startup median"), ("startup.sample_size", "n"),
              ("large.p50", "Large-company median"), ("large.sample_size", "n"), ("cash_gap_pct", "Cash gap %"),
              ("equity_benchmark.low_pct", "Equity from %"), ("equity_benchmark.high_pct", "to %"),
              ("startup_total_by_outcome.worthless", "Startup total: equity worthless"),
              ("startup_total_by_outcome.last_valuation", "at last valuation"),
              ("startup_total_by_outcome.three_times", "at 3×"), ("large_total_p50", "Large-company total median"),
              ("startup.withheld_reason", "Startup withheld because"),
              ("large.withheld_reason", "Large withheld because")],
    "skills": [("label", "Skill"), ("premium_pct", "Premium %"), ("uncertainty_pct", "±"),
               ("within_noise", "Within noise"), ("countries_compared", "Countries"),
               ("with_sample_size", "n with"), ("without_sample_size", "n without"),
               ("withheld_reason", "Withheld because")],
    "companies": [("company_name", "Company"), ("level_label", "Level"), ("postings", "Open postings"),
                  ("posted_midpoint_median_usd", "Median posted midpoint"),
                  ("market_percentile_median", "Median market percentile"),
                  ("compared_postings", "Postings with a published market")],
    "postings": [("posting", "Posting"), ("title", "Title"), ("status", "Status"), ("level", "Level"),
                 ("country", "Country"), ("midpoint_usd", "Midpoint"), ("market_p25", "Market p25"),
                 ("market_p50", "Market median"), ("market_p75", "Market p75"),
                 ("market_sample_size", "Data points"), ("percentile", "Percentile"), ("label", "Position"),
                 ("withheld_reason", "No market because")],
}  # fmt: skip


def flatten(row: dict, prefix: str = "") -> dict:
    flat = {}
    for name, value in row.items():
        path = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{path}."))
        elif isinstance(value, list):
            flat[path] = ";".join(map(str, value))
        else:
            flat[path] = value
    return flat


def _shown(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and abs(value) >= 10_000:
        return f"{value:,}"  # money; counts stay below this in every section
    return value


def section_table(section: dict) -> tuple[list[str], list[list]]:
    """The page's table of a section. Rows of segments with no data at all are left to the CSV, but for the
    levels' own table, where a missing level is worth seeing."""
    columns = PAGE_COLUMNS.get(section["id"]) or [(name, name) for name in flatten(section["rows"][0])]
    rows = [flatten(row) for row in section["rows"]]
    if section["id"] not in ("levels", "ladder"):
        rows = [row for row in rows if row.get("withheld_reason") != "no data"]
    return [heading for _, heading in columns], [[_shown(row.get(name)) for name, _ in columns] for row in rows]


def report_csv(result: dict) -> str:
    """Every section's rows, every field: `section` first, then the union of the section's fields in order."""
    out = io.StringIO()
    writer = csv.writer(out)
    for section in result["sections"]:
        rows = [flatten(row) for row in section["rows"]]
        fields = list(dict.fromkeys(name for row in rows for name in row))
        writer.writerow(["section", *fields])
        for row in rows:
            writer.writerow([section["id"], *("" if row.get(name) is None else row[name] for name in fields)])
        writer.writerow([])
    return out.getvalue()
