"""Monthly Bundesagentur für Arbeit statistics by area (``ba_<year>.csv``): SGB II recipients and
Bedarfsgemeinschaften, unemployment; counts 1-2 shown as ``*`` and 0 as ``-`` like the BA does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .ba_workbooks import write_ba_workbooks
from .common import (
    LONG_HEADER,
    csv_text,
    expit,
    iround,
    logit,
    month_ends,
    sub_rng,
    write_text,
    years_since_ref,
)
from .population import population_model

BA_CODES = [
    "SGB2_LB",
    "SGB2_ELB",
    "SGB2_NEF_U15",
    "SGB2_BG",
    "SGB2_BG_ALLEINERZ",
    "ALO",
    "ALO_LZ",
    "ALO_U25",
]


def ba_model(A: pd.DataFrame, days: np.ndarray, rng) -> dict[str, np.ndarray]:
    t = years_since_ref(days)
    cal_month = (days.astype("datetime64[M]").astype(np.int64) % 12) + 1
    P = population_model(A, t)
    e = np.stack(A.e.to_numpy())
    z = A.z.to_numpy()[:, None]
    zt = z + A.drift.to_numpy()[:, None] * t[None, :]
    step = expit((t[None, :] + 0.55) / 0.04)
    lvl = 0.18 * step - 0.02 * t[None, :]
    shape = zt.shape

    def noise(s):
        return np.exp(rng.normal(0, s, shape))

    elb_rate = expit(logit(0.080) + 0.85 * zt + lvl + 0.1 * e[:, 0][:, None])
    child_rate = expit(logit(0.145) + 0.85 * zt + lvl + 0.1 * e[:, 1][:, None])
    out = {}
    out["SGB2_ELB"] = iround(elb_rate * P["EW_15_64"] * noise(0.01))
    out["SGB2_NEF_U15"] = np.minimum(iround(child_rate * P["EW_U15"] * noise(0.01)), P["EW_U15"])
    out["SGB2_LB"] = out["SGB2_ELB"] + iround(out["SGB2_NEF_U15"] * 1.06)
    bg_size = np.clip(1.75 + 0.15 * z, 1.5, 2.2)
    out["SGB2_BG"] = iround(out["SGB2_LB"] / bg_size)
    out["SGB2_BG_ALLEINERZ"] = np.minimum(
        iround(out["SGB2_BG"] * expit(logit(0.15) + 0.2 * z)), P["HH_ALLEINERZ"]
    )
    season = 1 + 0.045 * np.cos(2 * np.pi * (cal_month - 2) / 12)[None, :]
    alo_rate = expit(logit(0.064) + 0.38 * zt + 0.06 * step + 0.08 * e[:, 2][:, None])
    out["ALO"] = iround(alo_rate * P["EW_15_64"] * season * noise(0.012))
    out["ALO_LZ"] = iround(out["ALO"] * np.clip(0.36 + 0.05 * zt, 0.2, 0.55))
    u25 = 0.085 * (1 + 0.18 * np.cos(2 * np.pi * (cal_month - 8.5) / 12))[None, :]
    out["ALO_U25"] = iround(out["ALO"] * u25)
    return out


def ba_symbol(v: np.ndarray) -> np.ndarray:
    s = v.astype(str).astype(object)
    s[(v >= 1) & (v <= 2)] = "*"
    s[v == 0] = "-"
    return s


def write_ba(
    out: Path,
    A: pd.DataFrame,
    months: np.ndarray,
    seed: int,
    defects: list[str],
    workbooks_of: str | None = None,
) -> None:
    """``ba_<year>.csv`` per year; with ``workbooks_of`` (the city's name) every year but the one
    with the broken rows as the BA's quarterly AkG workbooks instead (``ba_workbooks``)."""
    rng = sub_rng(seed, 4)
    days = month_ends(months)
    B = ba_model(A, days, rng)
    n = len(A)
    ids = A.area_id.to_numpy()
    years = sorted(set(days.astype("datetime64[Y]").astype(int) + 1970))
    broken_year = 2024 if 2024 in years else years[len(years) // 2]
    for y in years:
        sel = np.flatnonzero(days.astype("datetime64[Y]").astype(int) + 1970 == y)
        if workbooks_of is not None and y != broken_year:
            write_ba_workbooks(out, A, workbooks_of, days[sel], {c: B[c][:, sel] for c in B}, seed)
            continue
        k = len(sel)
        vals = np.stack([B[c][:, sel] for c in BA_CODES], axis=2)  # n x k x codes
        vals = vals.transpose(1, 0, 2)  # k x n x codes
        s = ba_symbol(vals.ravel())
        dstr = np.datetime_as_string(days[sel]).astype(object)
        cols = [
            np.repeat(dstr, n * len(BA_CODES)),
            np.tile(np.repeat(ids, len(BA_CODES)), k),
            np.tile(np.array(BA_CODES, dtype=object), n * k),
            s,
        ]
        if y == broken_year:
            a = ids[min(4, n - 1)]
            bad = [
                [f"{y}-05-31", "SR-99", "ALO", "17"],
                [f"{y}-06-30", a, "ALO", "12a"],
                [f"{y}-13-31", a, "SGB2_BG", "45"],
            ]
            total = len(cols[0])
            positions = [min(total, p) for p in (97, 211, 389)]
            for p, row in sorted(zip(positions, bad, strict=True), key=lambda x: -x[0]):
                cols = [np.insert(c, p, x) for c, x in zip(cols, row, strict=True)]
            defects.append(
                f"ba_{y}.csv: broken rows: Raum_ID SR-99 (unknown), Wert '12a', "
                f"Stichtag '{y}-13-31' (file lines 99, 214, 393)"
            )
        write_text(out / "statistics" / "small_area" / f"ba_{y}.csv", csv_text(LONG_HEADER, cols))
