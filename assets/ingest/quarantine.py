"""The bookkeeping every reader shares: quarantined rows and per-file counts.

Every input row ends up either loaded or quarantined, exactly once. A row with several defects is
quarantined with the first one found (rules are applied in the order a clerk would fix them), so
`rows_in = rows_loaded + rows_quarantined` holds per file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from assets.ingest.parsing import (
    CsvTable,
    UnreadableFile,
    empty_table,
    match_columns,
    read_table,
)

MAX_VALUE = 500  # characters of an offending value kept in quarantine (a line may be huge)
QUARANTINE_COLUMNS = ["source", "file", "row_number", "column", "value", "reason_code", "reason"]
FILE_COLUMNS = [
    "source",
    "file",
    "sha256",
    "encoding",
    "rows_in",
    "rows_loaded",
    "rows_quarantined",
]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class RowRejections:
    """Collects the first defect per row of one file while rules are applied in order."""

    source: str
    file: str
    _parts: list[pd.DataFrame] = field(default_factory=list)
    _rejected: set[int] = field(default_factory=set)

    def reject(
        self, rows: pd.DataFrame, mask: pd.Series, column: str, values, reason_code: str, reasons
    ) -> None:
        """Quarantine the rows where `mask` holds and that have no earlier defect."""
        mask = pd.Series(mask, index=rows.index).fillna(False).astype(bool)
        mask &= ~rows["row_number"].isin(self._rejected)
        if not mask.any():
            return
        part = pd.DataFrame(
            {
                "source": self.source,
                "file": self.file,
                "row_number": rows.loc[mask, "row_number"].astype("int64"),
                "column": column,
                "value": _select(values, mask),
                "reason_code": reason_code,
                "reason": _select(reasons, mask),
            }
        )
        self._parts.append(part)
        self._rejected.update(part["row_number"].tolist())

    def reject_all(
        self, rows: pd.DataFrame, column: str, value: str, reason_code: str, reason: str
    ) -> None:
        self.reject(rows, pd.Series(True, index=rows.index), column, value, reason_code, reason)

    def add_frame(self, frame: pd.DataFrame, reason_code: str, column: str | None = None) -> None:
        """Quarantine rows given as a frame with row_number, value and reason (e.g. width errors)."""
        if frame.empty:
            return
        part = frame.assign(
            source=self.source, file=self.file, column=column, reason_code=reason_code
        )[QUARANTINE_COLUMNS]
        self._parts.append(part)
        self._rejected.update(part["row_number"].tolist())

    def reject_file(self, reason_code: str, reason: str) -> None:
        """A file that could not be read at all: one entry without a row number."""
        self._parts.append(
            pd.DataFrame(
                [
                    dict(
                        source=self.source,
                        file=self.file,
                        row_number=None,
                        column=None,
                        value=None,
                        reason_code=reason_code,
                        reason=reason,
                    )
                ]
            )
        )

    def accepted(self, rows: pd.DataFrame) -> pd.Series:
        return ~rows["row_number"].isin(self._rejected)

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return empty_quarantine()
        frame = pd.concat(self._parts, ignore_index=True)
        frame["value"] = frame["value"].astype(object).where(frame["value"].notna(), None)
        frame["value"] = frame["value"].map(lambda v: None if v is None else str(v)[:MAX_VALUE])
        return frame[QUARANTINE_COLUMNS]

    @property
    def count(self) -> int:
        return len(self._rejected)


def _select(values, mask: pd.Series):
    if isinstance(values, pd.Series):
        return values[mask].astype(object).values
    return values


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="int64" if c == "row_number" else object) for c in QUARANTINE_COLUMNS}
    )


@dataclass
class IngestResult:
    """What a reader returns: loaded rows, quarantined rows and one bookkeeping row per file."""

    loaded: pd.DataFrame
    quarantine: pd.DataFrame
    files: pd.DataFrame

    def check_counts(self) -> None:
        """Raise if any file's rows do not add up (a bug in a reader, never a data problem)."""
        bad = self.files[self.files.rows_in != self.files.rows_loaded + self.files.rows_quarantined]
        if not bad.empty:
            raise AssertionError(f"row counts do not reconcile for {bad.file.tolist()}")


def file_record(
    source: str,
    file: str,
    sha256: str,
    encoding: str,
    rows_in: int,
    rows_loaded: int,
    rows_quarantined: int,
) -> dict:
    return dict(
        source=source,
        file=file,
        sha256=sha256,
        encoding=encoding,
        rows_in=rows_in,
        rows_loaded=rows_loaded,
        rows_quarantined=rows_quarantined,
    )


def combine(
    source_results: list[tuple[pd.DataFrame, RowRejections, dict]], loaded_columns: list[str]
) -> IngestResult:
    """Assemble per-file outputs into one result."""
    loaded = [r[0] for r in source_results if not r[0].empty]
    frame = pd.concat(loaded, ignore_index=True) if loaded else pd.DataFrame(columns=loaded_columns)
    quarantine = [r[1].frame() for r in source_results]
    quarantine = [q for q in quarantine if not q.empty]
    result = IngestResult(
        loaded=frame[loaded_columns],
        quarantine=pd.concat(quarantine, ignore_index=True) if quarantine else empty_quarantine(),
        files=pd.DataFrame([r[2] for r in source_results], columns=FILE_COLUMNS),
    )
    result.check_counts()
    return result


def split_oversized(
    paths: list[Path], root: Path, source: str, max_mb: float
) -> tuple[list[Path], IngestResult]:
    """Files above the size limit from settings are not opened; each gets a quarantine entry."""
    keep, entries, files = [], [], []
    for path in paths:
        size_mb = path.stat().st_size / 1_048_576
        if size_mb <= max_mb:
            keep.append(path)
            continue
        rel = path.relative_to(root).as_posix()
        entries.append(
            dict(
                source=source,
                file=rel,
                row_number=None,
                column=None,
                value=f"{size_mb:.1f} MB",
                reason_code="file_too_large",
                reason=f"Datei größer als die erlaubten {max_mb:g} MB; nicht gelesen",
            )
        )
        files.append(file_record(source, rel, file_sha256(path), "", 0, 0, 0))
    quarantine = (
        pd.DataFrame(entries, columns=QUARANTINE_COLUMNS) if entries else empty_quarantine()
    )
    return keep, IngestResult(pd.DataFrame(), quarantine, pd.DataFrame(files, columns=FILE_COLUMNS))


@dataclass
class Delivery:
    """One landing file opened for validation: its rows, its rejections so far, its columns."""

    source: str
    file: str
    table: CsvTable
    rejections: RowRejections
    found: dict[str, str]  # expected column -> header as delivered
    missing: list[str]  # expected columns the header lacks (then every row is rejected)
    sha256: str

    @property
    def rows_in(self) -> int:
        return len(self.table.rows) + len(self.table.width_errors)

    def record(self, rows_loaded: int) -> dict:
        return file_record(
            self.source,
            self.file,
            self.sha256,
            self.table.encoding,
            self.rows_in,
            rows_loaded,
            self.rejections.count,
        )


def open_delivery(path: Path, rel: str, source: str, expected: list[str]) -> Delivery:
    """Read a CSV/XLSX delivery and apply the file-level rules every reader shares.

    An unreadable file gets one entry without a row number; rows with a wrong field count are
    rejected; a header without an expected column rejects every row with that column named.
    """
    rejections = RowRejections(source, rel)
    try:
        table = read_table(path, expected)
    except UnreadableFile as exc:
        rejections.reject_file("unreadable_file", str(exc))
        return Delivery(source, rel, empty_table(), rejections, {}, ["(Datei)"], file_sha256(path))
    rejections.add_frame(table.width_errors, "wrong_field_count")
    found, missing = match_columns(table.header, expected)
    if missing:
        rejections.reject_all(
            table.rows,
            missing[0],
            ";".join(table.header),
            "missing_column",
            f"Spalte {missing[0]!r} fehlt in der Kopfzeile (erwartet: {';'.join(expected)})",
        )
    return Delivery(source, rel, table, rejections, found, missing, file_sha256(path))
