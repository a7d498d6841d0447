"""Read an importer's CSV one physical line at a time, so one bad line never costs another.

None of the files this project imports holds a line break inside a field, so each line is parsed on its own
(`csv`, strict): an unterminated quote, a NUL character, a line past the length limit or the wrong number of
columns rejects that line only, with its number and reason, and every physical line after the header is
counted. A byte-order mark before the header is dropped; bytes that are not UTF-8 are kept as surrogates, for
the importer to reject the field that holds them."""

import csv
from collections.abc import Iterator
from pathlib import Path

from salaries.importers.report import ImportFileError, RowError

MAX_LINE_CHARACTERS = 20_000  # far past any real row of these files (the longest ai-jobs row is ~200)


def read_csv_rows(path: Path, *, columns: list[str], what: str) -> Iterator[tuple[int, dict] | RowError]:
    """(line number, {column: value}) for each readable line, else a RowError; ImportFileError when the header
    lacks a required column."""
    with Path(path).open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        header_text = handle.readline().rstrip("\r\n").lstrip("\ufeff")
        try:
            header = [name.strip() for name in next(csv.reader([header_text], strict=True), [])]
        except csv.Error as error:
            raise ImportFileError(f"not {what}: the header is not CSV ({error})") from None
        missing = [column for column in columns if column not in header]
        if missing:
            raise ImportFileError(f"not {what}: missing columns {', '.join(missing)}")
        for number, raw in enumerate(handle, start=2):
            text = raw.rstrip("\r\n")
            if not text.strip():
                yield RowError(number, None, "empty line")
                continue
            if len(text) > MAX_LINE_CHARACTERS:
                yield RowError(number, None, f"line longer than {MAX_LINE_CHARACTERS:,} characters")
                continue
            if "\x00" in text:
                yield RowError(number, _column_of(text, header), "NUL character in the text")
                continue
            try:
                fields = next(csv.reader([text], strict=True))
            except csv.Error as error:
                yield RowError(number, None, f"not valid CSV ({error}), for example an unterminated quote")
                continue
            if len(fields) != len(header):
                yield RowError(number, None, f"wrong number of columns: {len(fields)}, expected {len(header)}")
                continue
            yield number, dict(zip(header, fields, strict=True))


def _column_of(text: str, header: list[str]) -> str | None:
    """The column holding the first NUL, when the line splits into the header's columns without it."""
    try:
        fields = next(csv.reader([text.replace("\x00", "\ufffd")], strict=True))
    except csv.Error:
        return None
    if len(fields) != len(header):
        return None
    return next((name for name, value in zip(header, fields, strict=True) if "\ufffd" in value), None)
