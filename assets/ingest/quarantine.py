"""The bookkeeping every reader shares: quarantined rows and per-file counts.

Every input row ends up either loaded or quarantined, exactly once. A row with several defects is
quarantined with the first one found (rules are applied in the order a clerk would fix them), so
`rows_in = rows_loaded + rows_quarantined` holds per file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from assets.ingest.delimited import gc_paused
from assets.ingest.parsing import (
    UNREADABLE_FILE,
    header_refusal,
    match_columns,
    read_records,
    unreadable_reason,
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
        """Quarantine rows given as a frame with row_number, value and reason (e.g. width errors).

        `reason_code` and `column` columns in the frame win over the arguments (width errors
        carry theirs).
        """
        if frame.empty:
            return
        part = frame.assign(
            source=self.source,
            file=self.file,
            column=frame.get("column", column),
            reason_code=frame.get("reason_code", reason_code),
        )[QUARANTINE_COLUMNS]
        self._parts.append(part)
        self._rejected.update(part["row_number"].tolist())

    def reject_file(self, reason_code: str, reason: str, value: str | None = None) -> None:
        """A finding about the whole file (unreadable, a sheet not read): an entry without a row
        number."""
        self._parts.append(
            pd.DataFrame(
                [
                    dict(
                        source=self.source,
                        file=self.file,
                        row_number=None,
                        column=None,
                        value=value,
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


OVERSIZED = "oversized"  # the prefix of the stand-in digest of a file above the size limit


def oversized_digest(stat) -> str:
    """The stand-in for the hash of a file above the size limit, which is never read (neither
    hashed nor archived): a new size or modification time is a new version."""
    return f"{OVERSIZED}-{stat.st_size}-{stat.st_mtime_ns}"


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
        stat = path.stat()
        size_mb = stat.st_size / 1_048_576
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
        files.append(file_record(source, rel, oversized_digest(stat), "", 0, 0, 0))
    quarantine = (
        pd.DataFrame(entries, columns=QUARANTINE_COLUMNS) if entries else empty_quarantine()
    )
    return keep, IngestResult(pd.DataFrame(), quarantine, pd.DataFrame(files, columns=FILE_COLUMNS))


# -- many deliveries at once -------------------------------------------------------------------


class FrameRejections:
    """The first defect per row of a `DeliveryBatch`, with rules applied to all files at once.

    Row-wise rules cost per call, not per row: applying each rule once to the rows of a few
    hundred thousand small provider files instead of once per file is what makes a state-wide
    refresh possible. Entries are ordered as the per-file readers order them (file by file;
    file-level defects first, then rule by rule), so feedback files read the same either way.
    """

    def __init__(self, source: str, rows: pd.DataFrame):
        self.source = source
        self._rows = rows
        self._rejected = np.zeros(len(rows), dtype=bool)
        self._parts: list[pd.DataFrame] = []

    def reject(self, mask, column, values, reason_code: str, reasons) -> None:
        """Quarantine the rows where `mask` holds and that have no earlier defect.

        `column`, `values` and `reasons` are scalars or Series aligned with the batch's rows.
        """
        hit = pd.Series(mask, index=self._rows.index).fillna(False).to_numpy(dtype=bool)
        hit &= ~self._rejected
        if not hit.any():
            return
        self._rejected |= hit
        self._parts.append(
            pd.DataFrame(
                {
                    "file_no": self._rows["file_no"].to_numpy()[hit],
                    "seq": len(self._parts),
                    "source": self.source,
                    "file": self._rows["source_file"].to_numpy()[hit],
                    "row_number": self._rows["row_number"].to_numpy()[hit],
                    "column": _pick(column, hit),
                    "value": _pick(values, hit),
                    "reason_code": reason_code,
                    "reason": _pick(reasons, hit),
                }
            )
        )

    def accepted(self) -> np.ndarray:
        return ~self._rejected

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame(columns=["file_no", "seq", *QUARANTINE_COLUMNS])
        return pd.concat(self._parts, ignore_index=True)


def _pick(values, hit: np.ndarray):
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=object)[hit]
    return values


@dataclass
class DeliveryBatch:
    """Many deliveries of one source as one frame, with the file-level rules already applied.

    `rows` holds, per data row of every file whose header has all expected columns, the
    expected columns (under their expected names, as stripped strings, never None: the parsers
    strip every field), `source_file`, `row_number` and
    `file_no` (position in `files`). `delivered` gives per row the header as the file spelled it
    (quarantine entries name the column as the provider wrote it).
    """

    source: str
    rel: list[str]
    rows: pd.DataFrame
    rejections: FrameRejections
    file_level: pd.DataFrame  # unreadable files, wrong field counts, missing columns
    sha256: list[str]
    encoding: list[str]
    rows_in: np.ndarray
    _headers: list[dict[str, str]]

    def delivered(self, name: str) -> pd.Series:
        spelled = np.asarray([h.get(name, name) for h in self._headers], dtype=object)
        return pd.Series(spelled[self.rows["file_no"].to_numpy()], index=self.rows.index)

    def of_file(self, values: list) -> pd.Series:
        """A per-file value (e.g. the provider id or the file name's month) for every row."""
        spread = np.asarray(values, dtype=object)[self.rows["file_no"].to_numpy()]
        return pd.Series(spread, index=self.rows.index)

    def result(self, loaded: pd.DataFrame, loaded_columns: list[str]) -> IngestResult:
        """Loaded rows, quarantine in per-file order, and one bookkeeping row per file.

        `loaded` must carry `file_no`; rows it lacks must have been rejected, which
        `IngestResult.check_counts` verifies file by file.
        """
        n = len(self.rel)
        entries = pd.concat(
            [q for q in (self.file_level, self.rejections.frame()) if not q.empty]
            or [self.file_level],
            ignore_index=True,
        )
        order = np.lexsort((entries["seq"].to_numpy(), entries["file_no"].to_numpy()))
        quarantine = entries.iloc[order].reset_index(drop=True)
        with_row = quarantine[quarantine["row_number"].notna()]
        quarantined = np.bincount(with_row["file_no"].astype("int64"), minlength=n)[:n]
        files = pd.DataFrame(
            {
                "source": self.source,
                "file": self.rel,
                "sha256": self.sha256,
                "encoding": self.encoding,
                "rows_in": self.rows_in,
                "rows_loaded": np.bincount(loaded["file_no"].to_numpy(), minlength=n)[:n],
                "rows_quarantined": quarantined,
            },
            columns=FILE_COLUMNS,
        )
        quarantine = quarantine[QUARANTINE_COLUMNS].copy()
        if not quarantine.empty:
            quarantine["row_number"] = quarantine["row_number"].astype("Int64")
            quarantine["value"] = [
                None
                if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
                else str(v)[:MAX_VALUE]
                for v in quarantine["value"]
            ]
        result = IngestResult(loaded[loaded_columns].reset_index(drop=True), quarantine, files)
        result.check_counts()
        return result


def open_deliveries(
    paths: list[Path], rels: list[str], source: str, expected: list[str]
) -> DeliveryBatch:
    """Read many CSV/XLSX deliveries into one `DeliveryBatch` (the rules of `open_delivery`).

    Each file is read once (its hash comes from the same bytes); only plain lists are built per
    file, and one frame at the end, because a frame per file costs more than the file's rows.
    """
    columns: dict[str, list[str]] = {name: [] for name in expected}
    file_no: list[int] = []
    numbers: list[int] = []
    level: list[tuple] = []  # file_no, row_number, column, value, reason_code, reason
    sha, encodings, rows_in, headers = [], [], [], []
    with gc_paused():  # lists of strings only; see gc_paused
        for index, path in enumerate(paths):
            raw = None
            try:
                raw = path.read_bytes()
                parsed = read_records(path, expected, raw)
            except MemoryError:
                raise
            except Exception as exc:  # UnreadableFile, and whatever else a hostile file provokes
                sha.append("" if raw is None else hashlib.sha256(raw).hexdigest())
                level.append((index, None, None, None, UNREADABLE_FILE, unreadable_reason(exc)))
                encodings.append("")
                rows_in.append(0)
                headers.append({})
                continue
            sha.append(hashlib.sha256(raw).hexdigest())
            encodings.append(parsed.encoding)
            rows_in.append(len(parsed.records) + len(parsed.bad))
            level.extend(
                (index, None, None, n.value, n.reason_code, n.reason) for n in parsed.notes
            )
            level.extend(
                (index, b.row_number, b.column, b.value, b.reason_code, b.reason)
                for b in parsed.bad
            )
            found, missing = match_columns(parsed.header, expected)
            headers.append(found)
            refusal = header_refusal(parsed.header, expected, missing)
            if refusal is not None:
                column, code, reason = refusal
                value = ";".join(parsed.header)
                level.extend((index, n, column, value, code, reason) for n in parsed.numbers)
                continue
            if not parsed.records:
                continue
            positions = [parsed.header.index(found[name]) for name in expected]
            for name, position in zip(expected, positions, strict=True):
                columns[name].extend(record[position] for record in parsed.records)
            numbers.extend(parsed.numbers)
            file_no.extend([index] * len(parsed.records))
    rows = pd.DataFrame(columns, dtype=object)
    rows["file_no"] = np.asarray(file_no, dtype="int64")
    rows["row_number"] = np.asarray(numbers, dtype="int64")
    rows["source_file"] = np.asarray(rels, dtype=object)[rows["file_no"].to_numpy()]
    file_level = pd.DataFrame(
        level, columns=["file_no", "row_number", "column", "value", "reason_code", "reason"]
    ).assign(seq=-1, source=source, file=lambda f: [rels[i] for i in f["file_no"]])
    return DeliveryBatch(
        source=source,
        rel=list(rels),
        rows=rows,
        rejections=FrameRejections(source, rows),
        file_level=file_level,
        sha256=sha,
        encoding=encodings,
        rows_in=np.asarray(rows_in, dtype="int64"),
        _headers=headers,
    )
