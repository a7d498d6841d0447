"""Reading an ATS export as JSON: one file, checked as a whole (too large, not JSON, nested past reason)."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from salaries.importers.report import ImportFileError, RowError

MAX_BYTES = 50_000_000


def read_json(path: Path, *, what: str):
    path = Path(path)
    if path.stat().st_size > MAX_BYTES:
        raise ImportFileError(f"not {what}: larger than {MAX_BYTES // 1_000_000} MB")
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportFileError(f"not {what}: not UTF-8") from None
    except RecursionError:
        raise ImportFileError(f"not {what}: nested too deeply") from None
    except ValueError as error:
        raise ImportFileError(f"not {what}: not JSON ({error})") from None


def json_rows(path: Path, *, what: str, key: str, parse_one: Callable, default_country: str | None):
    """The export's list (top level, or under `key`), each item parsed by `parse_one(item, default_country)`:
    (position, ImportedPosting), or a RowError at that position for an item it refuses (a RowProblem)."""
    data = read_json(path, what=what)
    items = data.get(key) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ImportFileError(f"not {what}: no list of {key}")
    return _parsed(items, parse_one, default_country)


def _parsed(items: list, parse_one: Callable, default_country) -> Iterator:
    from jobs.imports.rows import RowProblem

    for number, item in enumerate(items, start=1):
        try:
            yield number, parse_one(item, default_country)
        except RowProblem as problem:
            yield RowError(number, problem.field, problem.reason)
