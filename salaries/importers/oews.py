"""Parse the BLS Occupational Employment and Wage Statistics (OEWS) flat file into benchmark figures.

One figure per area and occupation, with annual wage percentiles as BLS publishes them. BLS marks
values it does not publish with "*" (too few responses), "#" (at or above its top-coding limit)
or leaves them empty; those become missing values with a note, never zeros.
"""

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

from salaries.importers.csv_lines import read_csv_rows
from salaries.importers.report import RowError
from salaries.taxonomy import RoleFamily

COLUMNS = ["AREA", "AREA_TITLE", "AREA_TYPE", "OCC_CODE", "OCC_TITLE", "TOT_EMP", "A_MEAN",
           "A_PCT10", "A_PCT25", "A_MEDIAN", "A_PCT75", "A_PCT90"]  # fmt: skip

# Standard Occupational Classification codes this product can place in a role family. Codes not
# listed are kept with an empty role family: shown as benchmarks, never matched to a segment.
SOC_ROLE_FAMILIES = {
    "15-2051": RoleFamily.DATA_SCIENTIST,  # Data Scientists
    "15-2041": RoleFamily.DATA_SCIENTIST,  # Statisticians: BLS's nearest neighbour of data scientists
    "15-1221": RoleFamily.RESEARCH_SCIENTIST,  # Computer and Information Research Scientists
    "15-1252": RoleFamily.SOFTWARE_ENGINEER,  # Software Developers
    "15-1243": RoleFamily.DATA_ENGINEER,  # Database Architects
    "15-2031": RoleFamily.DATA_ANALYST,  # Operations Research Analysts
}
AREA_TYPES = {"1": "national", "2": "state", "3": "territory", "4": "metro", "6": "nonmetro"}
NOT_PUBLISHED = {"": "not published", "*": "not published (too few responses)", "#": "at or above the top code"}
LARGEST_AMOUNT = Decimal(10) ** 12  # money columns hold 12 digits before the point
LONGEST_TEXT = 140  # a label joins the occupation's and area's titles into 300 characters
PERCENTILES = {"p10": "A_PCT10", "p25": "A_PCT25", "p50": "A_MEDIAN", "p75": "A_PCT75", "p90": "A_PCT90"}


def read_figures(path: Path, *, year: int) -> Iterator[dict | RowError]:
    """Each physical line after the header as a figure or a RowError (salaries.importers.csv_lines)."""
    seen: dict[str, int] = {}
    for item in read_csv_rows(path, columns=COLUMNS, what="an OEWS flat file"):
        if isinstance(item, RowError):
            yield item
            continue
        line, row = item
        try:
            figure = _figure(row, year)
        except ValueError as error:
            yield RowError(line, None, str(error))
            continue
        if figure["key"] in seen:
            # The May 2025 extract repeats the national block (a second set of national estimates,
            # most likely private ownership only, which the flat file does not label). The first
            # block is the all-ownership one BLS headlines, so it is kept and the repeat reported.
            yield RowError(
                line, "AREA", f"area {row['AREA']} and occupation {row['OCC_CODE']} repeat line {seen[figure['key']]}"
            )
            continue
        seen[figure["key"]] = line
        yield figure


def _figure(row: dict, year: int) -> dict:
    for name, value in row.items():
        if any("\udc80" <= ch <= "\udcff" for ch in value):
            raise ValueError(f"{name}: not valid UTF-8 text")
        if len(value) > LONGEST_TEXT:
            raise ValueError(f"{name}: longer than {LONGEST_TEXT} characters")
    area_type = AREA_TYPES.get((row.get("AREA_TYPE") or "").strip())
    if area_type is None:
        raise ValueError(f"unknown AREA_TYPE {row.get('AREA_TYPE')!r}")
    occupation = (row.get("OCC_CODE") or "").strip()
    if not occupation:
        raise ValueError("empty OCC_CODE")
    notes, values = [], {}
    for name, column in [*PERCENTILES.items(), ("mean", "A_MEAN")]:
        values[name], note = _wage(row.get(column))
        if note:
            notes.append(f"{column}: {note}")
    if all(v is None for v in values.values()):
        raise ValueError("no annual wage published for this area and occupation")
    published = [values[p] for p in PERCENTILES if values[p] is not None]
    if published != sorted(published):
        notes.append("percentiles out of order as published")
    state = (row.get("PRIM_STATE") or "").strip()
    return {
        "key": f"{row['AREA'].strip()}:{occupation}",
        "label": f"{row['OCC_TITLE'].strip()}, {row['AREA_TITLE'].strip()}",
        "occupation": f"{occupation} {row['OCC_TITLE'].strip()}",
        "role_family": SOC_ROLE_FAMILIES.get(occupation, ""),
        "country": "US",
        "region": state if area_type != "national" else "",
        "area": row["AREA_TITLE"].strip() if area_type in ("metro", "nonmetro") else "",
        "year": year,
        "currency": "USD",
        "period": "YEAR",
        "employment": _employment(row.get("TOT_EMP")),
        "notes": "; ".join(notes),
        **values,
    }


def _wage(value: str | None) -> tuple[Decimal | None, str | None]:
    text = (value or "").strip().replace(",", "")
    if text in NOT_PUBLISHED:
        return None, NOT_PUBLISHED[text] if text else None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a wage: {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise ValueError(f"wage must be a positive number: {value!r}")
    if number >= LARGEST_AMOUNT:
        raise ValueError(f"wage too large: {text[:40]!r}")
    return number, None


def _employment(value: str | None) -> int | None:
    text = (value or "").strip().replace(",", "")
    return int(text) if text.isdigit() else None
