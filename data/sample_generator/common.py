"""What every source of the generator shares: the time frame, random streams, rounding, German
number formats and the CSV/XLSX writers.

Every random draw comes from ``sub_rng(seed, key...)``, one stream per source, so that a source's
files depend only on ``--seed`` and its own key, and no wall-clock time enters any file (the XLSX
writer pins the workbook metadata and the zip member timestamps).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_SEED = 20261124
MARKER = ".generated"
END_MONTH = np.datetime64("2026-10", "M")  # last Bundesagentur month and last report month
END_YEAR = 2025  # last population Stichtag 31.12.
REF_DAY = np.datetime64("2022-12-31", "D")  # t = 0 of the trend model
FIXED_XLSX_TIME = dt.datetime(2026, 11, 1, 0, 0, 0)
LONG_HEADER = ["Stichtag", "Raum_ID", "Merkmal", "Wert"]


def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def logit(p):
    return np.log(p / (1.0 - p))


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(np.int64)
    rest = int(total - base.sum())
    if rest > 0:
        order = np.lexsort((np.arange(len(w)), -(raw - base)))
        base[order[:rest]] += 1
    return base


def iround(x) -> np.ndarray:
    return np.rint(np.asarray(x, dtype=float)).astype(np.int64)


def de_thousands(values) -> list[str]:
    return [f"{int(v):,}".replace(",", ".") for v in values]


def de_money(cents) -> list[str]:
    out = []
    for c in cents:
        c = int(c)
        out.append(f"{c // 100:,}".replace(",", ".") + f",{c % 100:02d}")
    return out


def de_decimal(values, digits: int) -> list[str]:
    return [f"{v:.{digits}f}".replace(".", ",") for v in values]


def csv_text(header: list[str], cols: list) -> str:
    """``;``-separated text with ``\\n`` line endings; ``cols`` are string arrays."""
    if len(cols[0]) == 0:
        return ";".join(header) + "\n"
    df = pd.DataFrame({i: np.asarray(c, dtype=object) for i, c in enumerate(cols)})
    body = df.to_csv(sep=";", index=False, header=False, lineterminator="\n")
    return ";".join(header) + "\n" + body


def write_text(path: Path, text: str, encoding: str = "utf-8", bom: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


def write_xlsx(path: Path, rows: list[list], empty_trailing_rows: int = 0) -> None:
    """Write a one-sheet workbook with fixed metadata and fixed zip member timestamps."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    ws = wb.active
    ws.title = "Tabelle1"
    for r in rows:
        ws.append(r)
    last = len(rows)
    for k in range(empty_trailing_rows):
        ws.cell(row=last + 1 + k, column=1)  # creates an empty cell -> empty row in the file
    wb.properties.created = FIXED_XLSX_TIME
    wb.properties.modified = FIXED_XLSX_TIME
    wb.properties.creator = "Musterstadt"
    wb.properties.lastModifiedBy = "Musterstadt"
    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 0
            dst.writestr(zi, src.read(info.filename))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


def month_ends(months: np.ndarray) -> np.ndarray:
    return (months + 1).astype("datetime64[D]") - np.timedelta64(1, "D")


def years_since_ref(days: np.ndarray) -> np.ndarray:
    return (days - REF_DAY).astype(np.int64) / 365.25


def sub_rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, *key])


def standardise(x):
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else x * 0.0


def fmt_date(d: np.datetime64, german: bool) -> str:
    s = str(d)
    return f"{s[8:10]}.{s[5:7]}.{s[0:4]}" if german else s
