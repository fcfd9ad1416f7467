"""The providers' folders: which file is which delivery, which counts, what is reported unread.

Layout (DESIGN §4; the formats in `assets/ingest/formats.py`):
`providers/<provider_id>/facilities.(csv|xlsx)`, `providers/<provider_id>/reports/<YYYY-MM>.(csv|xlsx)`,
`providers/<provider_id>/surveys/*.csv`. The folder name is the provider id. A file outside
this pattern is reported, never guessed at. When a provider delivers the same month (or its
inventory) both as CSV and as XLSX, the newer file is the corrected resubmission and replaces the
other one, whose rows are quarantined as `superseded` so that no row is counted twice and none is
lost.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from assets.ingest.formats import BY_NAME, PROVIDER_KINDS, format_of
from assets.ingest.parsing import UnreadableFile, empty_table, read_table
from assets.ingest.quarantine import (
    FILE_COLUMNS,
    IngestResult,
    empty_quarantine,
    file_record,
    file_sha256,
)

FACILITIES = "facilities"
REPORTS = "measure_reports"
SURVEYS = "satisfaction_responses"
PROVIDER_FILES = "provider_files"  # files outside the expected pattern

PROVIDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class ProviderFile:
    provider_id: str
    kind: str  # facilities | report | survey
    path: Path
    rel: str
    month: str | None = None  # YYYY-MM for reports


@dataclass
class ProviderInventory:
    files: list[ProviderFile]
    unexpected: list[tuple[str, str, str]]  # provider_id, relative path, reason
    superseded: list[tuple[ProviderFile, str]]  # replaced file, relative path of its replacement

    def of_kind(self, kind: str, months: list[str] | None = None) -> list[ProviderFile]:
        return [f for f in self.files if f.kind == kind and (months is None or f.month in months)]


def discover(root: Path) -> ProviderInventory:
    """Sort every file under `providers/` into facilities, reports, surveys (their formats) or
    unexpected."""
    base = root / "providers"
    files: list[ProviderFile] = []
    unexpected: list[tuple[str, str, str]] = []
    if not base.is_dir():
        return ProviderInventory([], [], [])
    for folder in sorted(base.iterdir()):
        provider = folder.name
        rel = folder.relative_to(root).as_posix()
        if folder.is_symlink() or not folder.is_dir() or not PROVIDER_ID.match(provider):
            unexpected.append((provider, rel, _unexpected_reason(folder, provider)))
            continue
        for parts, is_link in sorted(_walk(folder)):
            path = folder.joinpath(*parts)
            rel = f"providers/{provider}/{'/'.join(parts)}"
            fmt = format_of(rel)
            if is_link or fmt is None or fmt.name not in PROVIDER_KINDS:
                unexpected.append((provider, rel, _unexpected_reason(path, provider)))
            else:
                files.append(ProviderFile(provider, fmt.name, path, rel, fmt.period(rel)))
    kept, superseded = _resolve_resubmissions(files)
    return ProviderInventory(kept, unexpected, superseded)


def _walk(folder: Path, parts: tuple[str, ...] = ()):
    """(path parts below `folder`, is a link) of every file and link; links are not followed.

    `os.scandir` answers "is it a link, a folder?" from the directory listing itself, so a
    state-wide landing folder (100,000+ files) costs no extra system call per file.
    """
    with os.scandir(folder.joinpath(*parts)) as entries:
        for entry in entries:
            here = (*parts, entry.name)
            if entry.is_symlink():
                yield here, True
            elif entry.is_dir(follow_symlinks=False):
                yield from _walk(folder, here)
            else:
                yield here, False


def _unexpected_reason(path: Path, provider: str) -> str:
    if path.is_symlink():
        return "Verknüpfungen (Links) werden aus Sicherheitsgründen nicht gelesen"
    if not PROVIDER_ID.match(provider):
        return "Ordnername ist keine gültige Träger-ID (Buchstaben, Ziffern, - _ .)"
    return (
        "Datei passt nicht zum Ablageschema: erwartet facilities.csv/.xlsx, "
        "reports/JJJJ-MM.csv/.xlsx oder surveys/*.csv"
    )


def _resolve_resubmissions(files: list[ProviderFile]):
    """Of several files for the same provider and month (or inventory), the newest one counts."""
    groups: dict[tuple, list[ProviderFile]] = {}
    for f in files:
        key = (f.provider_id, f.kind, f.month) if f.kind != "survey" else (f.rel,)
        groups.setdefault(key, []).append(f)
    kept, superseded = [], []
    for group in groups.values():
        if len(group) == 1:
            kept.append(group[0])
            continue
        newest = max(group, key=lambda f: (f.path.stat().st_mtime_ns, f.rel))
        kept.append(newest)
        superseded.extend((f, newest.rel) for f in group if f is not newest)
    return sorted(kept, key=lambda f: f.rel), superseded


def with_context(result: IngestResult, files: list[ProviderFile]) -> IngestResult:
    """Add provider_id and period (report month, else None) to quarantine and file rows."""
    by_rel = {f.rel: f for f in files}
    for frame in (result.quarantine, result.files):
        frame["provider_id"] = frame["file"].map(lambda r: by_rel[r].provider_id)
        frame["period"] = frame["file"].map(lambda r: by_rel[r].month)
    return result


def inventory_rows(inventory: ProviderInventory, months: list[str]) -> pd.DataFrame:
    """The `provider_files` rows: every file with its status (`used`, `not_read` while its month
    has no partition in the sorted `months`, `superseded`, `unexpected`) and why."""
    rows = []
    for f in inventory.files:
        waiting = month_not_open(f.month, months) if f.kind == "report" else None
        rows.append(
            dict(
                provider_id=f.provider_id,
                kind=f.kind,
                file=f.rel,
                period=f.month,
                status="not_read" if waiting else "used",
                note=waiting,
            )
        )
    rows += [
        dict(
            provider_id=f.provider_id,
            kind=f.kind,
            file=f.rel,
            period=f.month,
            status="superseded",
            note=f"ersetzt durch {new}",
        )
        for f, new in inventory.superseded
    ]
    rows += [
        dict(provider_id=p, kind=None, file=rel, period=None, status="unexpected", note=reason)
        for p, rel, reason in inventory.unexpected
    ]
    return pd.DataFrame(rows)


def month_not_open(month: str, months: list[str]) -> str | None:
    """Why a report of `month` cannot be read yet or at all, given the sorted monthly partition
    months (`YYYY-MM`); None when it has its partition."""
    if month > months[-1]:
        return (
            f"Berichtsmonat {month} ist noch nicht abgeschlossen; die Datei wird nach "
            "Monatsende geladen"
        )
    if month < months[0]:
        return f"Berichtsmonat {month} liegt vor dem ersten Auswertungsmonat {months[0]}; nicht gelesen"
    return None


def unexpected_files(inventory: ProviderInventory, months: list[str]) -> IngestResult:
    """One quarantine entry per file or folder outside the expected pattern, and per report of a
    month without a partition in the sorted `months` (nothing is read); nothing goes unreported."""
    unread = list(inventory.unexpected)
    unread_codes = ["unexpected_file"] * len(unread)
    for f in inventory.of_kind("report"):
        if reason := month_not_open(f.month, months):
            unread.append((f.provider_id, f.rel, reason))
            unread_codes.append("month_not_open")
    entries = [
        dict(
            source=PROVIDER_FILES,
            file=rel,
            row_number=None,
            column=None,
            value=None,
            reason_code=code,
            reason=reason,
            provider_id=provider,
            period=None,
        )
        for (provider, rel, reason), code in zip(unread, unread_codes, strict=True)
    ]
    records = [
        {
            **file_record(PROVIDER_FILES, rel, "", "", 0, 0, 0),
            "provider_id": provider,
            "period": None,
        }
        for provider, rel, _ in unread
    ]
    return IngestResult(
        pd.DataFrame(),
        pd.DataFrame(entries) if entries else empty_quarantine(),
        pd.DataFrame(records) if records else pd.DataFrame(columns=FILE_COLUMNS),
    )


def superseded_rows(
    inventory: ProviderInventory, kind: str, source: str, months: list[str] | None = None
) -> IngestResult:
    """Every row of a file replaced by a newer delivery, quarantined as `superseded`."""
    entries, records = [], []
    expected = list(BY_NAME[kind].columns)
    for pf, replacement in inventory.superseded:
        if pf.kind != kind or (months is not None and pf.month not in months):
            continue
        try:
            table = read_table(pf.path, expected)
        except UnreadableFile:
            table = empty_table()
        numbers = sorted(list(table.rows["row_number"]) + list(table.width_errors["row_number"]))
        entries.extend(
            dict(
                source=source,
                file=pf.rel,
                row_number=n,
                column=None,
                value=None,
                reason_code="superseded",
                reason=f"ersetzt durch die neuere Lieferung {replacement}",
                provider_id=pf.provider_id,
                period=pf.month,
            )
            for n in numbers
        )
        records.append(
            {
                **file_record(
                    source,
                    pf.rel,
                    file_sha256(pf.path),
                    table.encoding,
                    len(numbers),
                    0,
                    len(numbers),
                ),
                "provider_id": pf.provider_id,
                "period": pf.month,
            }
        )
    return IngestResult(
        pd.DataFrame(),
        pd.DataFrame(entries) if entries else empty_quarantine(),
        pd.DataFrame(records) if records else pd.DataFrame(columns=FILE_COLUMNS),
    )
