"""The monthly reports of the providers per measure and area (``providers/<id>/reports/
<YYYY-MM>.csv``; one provider as XLSX with a title row, one in Windows-1252), the last 36 months."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .common import END_MONTH, csv_text, de_money, iround, sub_rng, write_text, write_xlsx
from .providers import (
    MONTH_MISSING,
    MONTH_TEXT,
    MONTH_TG_GT,
    MONTH_WRONG_HEADER,
    P_CP1252,
    P_MISSING_MONTH,
    P_REPORT_TEXT,
    P_REPORT_TG_GT,
    P_REPORT_XLSX,
    P_WRONG_HEADER,
)

REPORT_MONTHS = 36
REPORT_HEADER = [
    "Massnahme_ID",
    "Berichtsmonat",
    "Raum_ID",
    "Teilnehmende",
    "davon_Zielgruppe",
    "Neuzugaenge",
    "Stunden",
    "Kosten_EUR",
]
FIGURES = ["part", "tg", "new", "hours", "cost"]


def write_reports(
    out: Path, A: pd.DataFrame, M: pd.DataFrame, seed: int, defects: list[str]
) -> pd.DataFrame:
    """Write every report file; returns the rows (before the value defects) for the goals."""
    R = report_rows(sub_rng(seed, 11), A, M)
    # missing month defect
    miss = M[M.role == P_MISSING_MONTH]
    if len(miss):
        mid = miss.measure_id.iloc[0]
        R = R[~((R.measure_id == mid) & (R.month == MONTH_MISSING))]
        defects.append(
            f"providers/{miss.provider_id.iloc[0]}/reports/: measure {mid} has no "
            f"row in {MONTH_MISSING}.csv (missing month)"
        )
    R = R.sort_values(["provider_id", "month", "measure_id", "area_id"], kind="stable").reset_index(
        drop=True
    )
    cols = report_columns(R, defects)
    write_report_files(out, R, cols, defects)
    if (M.role == P_REPORT_XLSX).any():
        p = M[M.role == P_REPORT_XLSX].provider_id.iloc[0]
        defects.append(
            f"providers/{p}/reports/*.xlsx: title row in A1, header in row 2, two "
            f"empty trailing rows"
        )
    if (M.role == P_CP1252).any():
        p = M[M.role == P_CP1252].provider_id.iloc[0]
        defects.append(f"providers/{p}/: reports and facilities.csv encoded Windows-1252")
    return R


def report_rows(rng, A: pd.DataFrame, M: pd.DataFrame) -> pd.DataFrame:
    """One row per measure, month and area: the measure's monthly figures, split over its areas."""
    months = np.arange(END_MONTH - REPORT_MONTHS + 1, END_MONTH + 1)
    mstr = np.datetime_as_string(months)
    cal = months.astype(np.int64) % 12 + 1
    k = len(months)
    recs = []
    for r in M.itertuples():
        figures = monthly_figures(rng, r, cal)
        splits = [1.0] if len(r.areas) == 1 else [r.area_share, 1 - r.area_share]
        for a, vals in zip(r.areas, split_over_areas(figures, splits), strict=True):
            recs.append(
                pd.DataFrame(
                    {
                        "measure_id": r.measure_id,
                        "provider_id": r.provider_id,
                        "role": r.role,
                        "month": mstr,
                        "area_id": A.area_id.iloc[a],
                        "part": vals["part"],
                        "tg": vals["tg"],
                        "new": vals["new"],
                        "hours": vals["hours"],
                        "cost": vals["cost"],
                        "mi": np.arange(k),
                    }
                )
            )
    R = pd.concat(recs, ignore_index=True)
    R["tg"] = np.minimum(R.tg, R.part)
    R["new"] = np.minimum(R.new, R.part)
    return R


def monthly_figures(rng, r, cal: np.ndarray) -> dict[str, np.ndarray]:
    """A measure's participants, of them in the target group, new entries, hours and cost in
    cents per month: utilisation with a summer and Christmas dip, a trend and noise."""
    k = len(cal)
    season = 1 - 0.08 * (cal == 8) - 0.04 * (cal == 7) - 0.03 * (cal == 12)
    trend = np.linspace(-0.03, 0.03, k) * rng.normal(0, 1)
    util = np.clip(r.util * season + trend + rng.normal(0, 0.035, k), 0.45, 1.0)
    part = iround(r.capacity * util)
    tg = np.minimum(iround(part * np.clip(r.tg_share + rng.normal(0, 0.05, k), 0, 1)), part)
    new = rng.binomial(part, 0.18)
    hours = iround(r.capacity * r.hours_per_place * rng.uniform(0.9, 1.1, k))
    cost = iround((hours * r.rate + part * 8.5 + rng.normal(0, 40, k)) * 100)
    return {"part": part, "tg": tg, "new": new, "hours": hours, "cost": cost}


def split_over_areas(figures: dict, splits: list[float]) -> list[dict]:
    """The figures per area by the shares in ``splits``; the last area takes the remainder, so
    the areas add up to the measure."""
    rem = {key: figures[key].copy() for key in FIGURES}
    parts = []
    for j in range(len(splits)):
        if j == len(splits) - 1:
            vals = {key: rem[key] for key in rem}
        else:
            vals = {key: iround(figures[key] * splits[j]) for key in rem}
            vals["tg"] = np.minimum(vals["tg"], vals["part"])
            vals["new"] = np.minimum(vals["new"], vals["part"])
            rem = {key: rem[key] - vals[key] for key in rem}
        parts.append(vals)
    return parts


def report_columns(R: pd.DataFrame, defects: list[str]) -> dict[str, np.ndarray]:
    """The CSV cells of every row as strings, with the two value defects put in."""
    cols = {
        "Massnahme_ID": R.measure_id.to_numpy().astype(object),
        "Berichtsmonat": R.month.to_numpy().astype(object),
        "Raum_ID": R.area_id.to_numpy().astype(object),
        "Teilnehmende": R.part.astype(str).to_numpy().astype(object),
        "davon_Zielgruppe": R.tg.astype(str).to_numpy().astype(object),
        "Neuzugaenge": R.new.astype(str).to_numpy().astype(object),
        "Stunden": R.hours.astype(str).to_numpy().astype(object),
        "Kosten_EUR": np.array(de_money(R.cost.to_numpy()), dtype=object),
    }
    role = R.role.to_numpy()
    month = R.month.to_numpy()
    pid = R.provider_id.to_numpy()

    def first(mask):
        hit = np.flatnonzero(mask)
        return int(hit[0]) if len(hit) else None

    i = first((role == P_REPORT_TG_GT) & (month == MONTH_TG_GT))
    if i is not None:
        cols["davon_Zielgruppe"][i] = str(int(R.part.iloc[i]) + 4)
        defects.append(
            f"providers/{pid[i]}/reports/{MONTH_TG_GT}.csv: {R.measure_id.iloc[i]} "
            f"{R.area_id.iloc[i]} davon_Zielgruppe > Teilnehmende"
        )
    i = first((role == P_REPORT_TEXT) & (month == MONTH_TEXT))
    if i is not None:
        cols["Teilnehmende"][i] = "zwölf"
        defects.append(
            f"providers/{pid[i]}/reports/{MONTH_TEXT}.csv: {R.measure_id.iloc[i]} "
            f"{R.area_id.iloc[i]} Teilnehmende 'zwölf' (non-numeric)"
        )
    return cols


def write_report_files(out: Path, R: pd.DataFrame, cols: dict, defects: list[str]) -> None:
    """One file per provider and month, in the provider's dialect (rows of ``R`` are sorted by
    provider and month)."""
    role = R.role.to_numpy()
    month = R.month.to_numpy()
    pid = R.provider_id.to_numpy()
    lines = csv_text(REPORT_HEADER, list(cols.values())).split("\n")[1:-1]
    keys = pid.astype(object) + "|" + month.astype(object)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    for s, e in zip(starts, ends, strict=True):
        p, mo, rl = pid[s], month[s], role[s]
        d = out / "providers" / p / "reports"
        if rl == P_REPORT_XLSX:
            rows = [[f"Monatsbericht Träger {p}"], REPORT_HEADER]
            for j in range(s, e):
                rows.append(
                    [
                        R.measure_id.iloc[j],
                        mo,
                        R.area_id.iloc[j],
                        int(R.part.iloc[j]),
                        int(R.tg.iloc[j]),
                        int(R.new.iloc[j]),
                        int(R.hours.iloc[j]),
                        int(R.cost.iloc[j]) / 100.0,
                    ]
                )
            write_xlsx(d / f"{mo}.xlsx", rows, empty_trailing_rows=2)
            continue
        header = list(REPORT_HEADER)
        if rl == P_WRONG_HEADER and mo == MONTH_WRONG_HEADER:
            header[3] = "Teilnehmer"
            defects.append(
                f"providers/{p}/reports/{mo}.csv: header 'Teilnehmer' instead of 'Teilnehmende'"
            )
        text = ";".join(header) + "\n" + "\n".join(lines[s:e]) + "\n"
        write_text(d / f"{mo}.csv", text, encoding="cp1252" if rl == P_CP1252 else "utf-8")
