"""What every importer returns and writes: counts, and each rejected row with its reason."""

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing columns, not CSV): nothing was imported."""


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None
    reason: str


@dataclass
class ImportReport:
    source: str
    file: str
    release: str = ""
    rows_read: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    incomplete: int = 0  # postings imported as drafts the employer must complete (a level the title does not tell)
    rejected: list[RowError] = field(default_factory=list)
    seconds: float = 0.0

    def reject(self, line: int, field_name: str | None, reason: str) -> None:
        self.rejected.append(RowError(line, field_name, reason))

    def summary(self) -> str:
        return (
            f"{self.file}: {self.rows_read} rows read, {self.imported} imported, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.rejected)} rejected in {self.seconds:.1f} s"
            + (f"; {self.incomplete} drafts need a level before they can be submitted" if self.incomplete else "")
        )

    def rejection_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for error in self.rejected:
            label = f"{error.field or 'row'}: {error.reason.split(':')[0]}"
            counts[label] = counts.get(label, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: -item[1]))

    def write(self, path: Path) -> Path:
        """Write the rejected rows as CSV and the summary beside them as JSON."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "field", "reason"])
            writer.writerows([error.line, error.field or "", error.reason] for error in self.rejected)
        summary = {k: v for k, v in asdict(self).items() if k != "rejected"}
        summary["rejected"] = len(self.rejected)
        summary["rejections_by_reason"] = self.rejection_counts()
        path.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
        return path
