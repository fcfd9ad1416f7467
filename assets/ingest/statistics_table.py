"""A long-format statistics file as coded columns (`statistics.py` explains why coded).

Clean files are tokenised by pandas' C reader (`read_clean`); any file where that could differ
from `read_semicolon_csv` (quotes, odd line breaks, wrong field counts, ...) is read by it, so that
reader's behaviour stays the contract.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from assets.ingest.delimited import decode, delimiter_of
from assets.ingest.parsing import WIDTH_ERROR_COLUMNS, read_semicolon_csv

# Where pandas' tokenizer and the csv module over `str.splitlines()` could cut a text differently:
# quotes, NUL, carriage returns (a "\r\n" is normalised before the check), the seven other
# characters `splitlines` breaks at, and a BOM that is not the file's first character.
_IRREGULAR = '"\x00\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\ufeff'


@dataclass
class Coded:
    """A column as codes into its distinct stripped strings (each string object exists once)."""

    codes: np.ndarray  # per row: position in `values`
    values: np.ndarray  # object array of the distinct strings

    @classmethod
    def of(cls, strings: pd.Series) -> Coded:
        """Codes by Python equality (`pd.factorize` would cut strings at a NUL character)."""
        positions: dict[str, int] = {}
        codes = np.fromiter(
            (positions.setdefault(s, len(positions)) for s in strings),
            dtype=np.intp,
            count=len(strings),
        )
        values = np.empty(len(positions), dtype=object)
        values[:] = list(positions)
        return cls(codes, values)

    @classmethod
    def of_categorical(cls, fields: pd.Series) -> Coded:
        """From raw fields as a categorical: strip the categories, merge those that become equal."""
        stripped = cls.of(fields.cat.categories.to_series().str.strip())
        return cls(stripped.codes[fields.cat.codes.to_numpy()], stripped.values)

    def rows(
        self, per_value: np.ndarray | pd.Series | None = None, keep: np.ndarray | None = None
    ) -> np.ndarray:
        """The string of every (kept) row, or `per_value` (one entry per distinct value) broadcast."""
        codes = self.codes if keep is None else self.codes[keep]
        return np.asarray(self.values if per_value is None else per_value)[codes]


@dataclass
class Table:
    """What `read_semicolon_csv` returns, with every column coded (keyed by its column name)."""

    header: list[str]
    encoding: str
    row_numbers: np.ndarray
    width_errors: pd.DataFrame
    columns: dict[str, Coded]


def read_coded(path: Path, raw: bytes) -> Table:
    """A statistics file (`raw` = its bytes) as a coded table: quickly if it is clean."""
    return read_clean(raw) or _read_general(path, raw)


def _read_general(path: Path, raw: bytes) -> Table:
    """`read_semicolon_csv` of `raw`, coded; a name the header repeats maps to its first column."""
    table = read_semicolon_csv(path, raw)
    rows = table.rows
    columns: dict[str, Coded] = {}
    for name, column in zip(table.header, rows.columns, strict=False):
        columns.setdefault(name, Coded.of(rows[column]))
    return Table(
        header=table.header,
        encoding=table.encoding,
        row_numbers=rows["row_number"].to_numpy(),
        width_errors=table.width_errors,
        columns=columns,
    )


def read_clean(raw: bytes) -> Table | None:
    """Parse with pandas' C tokenizer when the result is certain to equal `read_semicolon_csv`'s.

    The file qualifies if every line decodes (see `decode`), its text has no `_IRREGULAR`
    character, no line longer than the csv module's field size limit, a non-blank `;`-separated
    header with distinct names, at least one data row, every non-empty line with the header's
    field count and none that consists of blanks and separators only (those the csv path skips). Then pandas' rows are the non-empty lines after the header, in
    order, which gives the line numbers. Returns None otherwise.
    """
    decoded = decode(raw)
    if decoded.invalid_lines:
        return None
    text, encoding = decoded.text, decoded.encoding
    text = text.replace("\r\n", "\n") if "\r" in text else text
    if any(char in text for char in _IRREGULAR):
        return None
    data = text.encode("utf-8")
    ends = np.append(np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n")), len(data))
    starts = np.concatenate(([0], ends[:-1] + 1))
    filled = np.flatnonzero(ends > starts)  # line indexes of the non-empty lines
    if len(filled) < 2 or (ends - starts).max() > csv.field_size_limit():
        return None
    first = filled[0]
    header_line = data[starts[first] : ends[first]].decode("utf-8")
    if delimiter_of([header_line]) != ";":
        return None
    header = [f.strip() for f in header_line.split(";")]
    if not any(header) or len(set(header)) < len(header):
        return None
    body = data[ends[first] + 1 :]
    try:
        frame = pd.read_csv(
            io.BytesIO(body),
            sep=";",
            header=None,
            dtype="category",
            na_filter=False,
            quoting=csv.QUOTE_NONE,
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError):  # more fields than line 1; blanks
        return None
    width = len(header)
    if frame.shape != (len(filled) - 1, width) or body.count(b";") != (width - 1) * len(frame):
        return None  # pandas skipped a line of blanks, or a line has fewer fields
    columns = {name: Coded.of_categorical(frame[i]) for i, name in enumerate(header)}
    if _any_blank_row(list(columns.values())):
        return None
    return Table(
        header=header,
        encoding=encoding,
        row_numbers=(filled[1:] + 1).astype("int64"),
        width_errors=pd.DataFrame(columns=WIDTH_ERROR_COLUMNS),
        columns=columns,
    )


def _any_blank_row(columns: list[Coded]) -> bool:
    """True if some row is empty in every column (`read_semicolon_csv` skips such lines)."""
    blank = np.ones(len(columns[0].codes), dtype=bool)
    for column in columns:
        empty = np.flatnonzero(column.values == "")
        if len(empty) == 0:
            return False
        blank &= column.codes == empty[0]
    return bool(blank.any())
