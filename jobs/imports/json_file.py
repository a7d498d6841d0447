"""Reading an ATS export as JSON: one file, checked as a whole (too large, not JSON, nested past reason)."""

import json
from pathlib import Path

from salaries.importers.report import ImportFileError

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
