"""Population by area from the Melderegister (``bevoelkerung_<year>.csv``, 31.12. of each year)
and Grundsicherung im Alter from the social welfare office (``grundsicherung.csv``).

``population_model`` is vectorised over areas (rows) and time (columns, years since 2022-12-31);
the Bundesagentur model and the planning baselines build on it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .city_population import wide_name, write_wide_population
from .common import (
    LONG_HEADER,
    csv_text,
    de_thousands,
    expit,
    iround,
    logit,
    sub_rng,
    write_text,
    years_since_ref,
)

POP_CODES = [
    "EW",
    "EW_U3",
    "EW_3_5",
    "EW_6_14",
    "EW_U15",
    "EW_15_17",
    "EW_18_24",
    "EW_15_64",
    "EW_65_79",
    "EW_80P",
    "EW_65P",
    "EW_AUSL",
    "HH",
    "HH_ALLEINERZ",
    "ZUZUEGE",
    "FORTZUEGE",
]


def population_model(A: pd.DataFrame, t, year_noise=None) -> dict[str, np.ndarray]:
    """Counts per area (rows) and time (columns, years since 2022-12-31)."""
    t = np.atleast_1d(np.asarray(t, dtype=float))[None, :]
    e = np.stack(A.e.to_numpy())
    z = A.z.to_numpy()[:, None]
    tiny = A.tiny.to_numpy()[:, None]
    ew = A.ew0.to_numpy()[:, None] * np.exp(A.growth.to_numpy()[:, None] * t)
    if year_noise is not None:
        ew = ew * np.exp(0.004 * year_noise)
    ew = iround(ew)

    def col(i):
        return e[:, i][:, None]

    s_u3 = np.clip(0.028 + 0.004 * z + 0.002 * col(0), 0.012, 0.05)
    s_35 = np.clip(0.027 + 0.003 * z + 0.002 * col(1), 0.012, 0.05)
    s_614 = np.clip(0.083 + 0.008 * z + 0.004 * col(2), 0.04, 0.13)
    s_1517 = np.clip(0.028 + 0.002 * z + 0.002 * col(3), 0.015, 0.045)
    s_1824 = np.clip(0.078 + 0.004 * z + 0.006 * col(4), 0.04, 0.14)
    s_6579 = np.clip(0.148 - 0.010 * z + 0.012 * col(5) + 0.0015 * t, 0.07, 0.24)
    s_80p = np.clip(0.062 - 0.005 * z + 0.006 * col(6) + 0.001 * t, 0.02, 0.12)
    s_u3 = np.where(tiny, 0.0, s_u3)
    s_35 = np.where(tiny, 0.006, s_35)
    s_614 = np.where(tiny, 0.03, s_614)
    out = {"EW": ew}
    out["EW_U3"] = iround(ew * s_u3)
    out["EW_3_5"] = iround(ew * s_35)
    out["EW_6_14"] = iround(ew * s_614)
    out["EW_U15"] = out["EW_U3"] + out["EW_3_5"] + out["EW_6_14"]
    out["EW_15_17"] = iround(ew * s_1517)
    out["EW_18_24"] = iround(ew * s_1824)
    out["EW_65_79"] = iround(ew * s_6579)
    out["EW_80P"] = iround(ew * s_80p)
    out["EW_65P"] = out["EW_65_79"] + out["EW_80P"]
    out["EW_15_64"] = ew - out["EW_U15"] - out["EW_65P"]
    step = expit((t + 0.55) / 0.04)  # refugees from Ukraine, mid 2022
    p_f = expit(logit(0.15) + 0.55 * z + 0.25 * col(7) + 0.03 * t + 0.15 * step)
    out["EW_AUSL"] = iround(ew * p_f)
    hh_size = np.clip(1.92 + 0.12 * z + 0.05 * col(8), 1.55, 2.4)
    out["HH"] = iround(ew / hh_size)
    p_sp = expit(logit(0.062) + 0.35 * z + 0.1 * col(9))
    out["HH_ALLEINERZ"] = iround(out["HH"] * p_sp)
    mv = np.clip(0.15 + 0.02 * z + 0.015 * col(10), 0.09, 0.24)
    g = A.growth.to_numpy()[:, None]
    out["ZUZUEGE"] = iround(ew * mv / 2 * (1 + 4 * g))
    out["FORTZUEGE"] = iround(ew * mv / 2 * (1 - 4 * g))
    return out


def write_population(
    out: Path, A: pd.DataFrame, years: list[int], seed: int, defects: list[str], wide: bool = False
) -> dict[int, dict[str, np.ndarray]]:
    """One file per year (the second with a BOM, the third in Windows-1252 with German dates and
    numbers), then Grundsicherung; returns the population per year and code (area arrays).
    ``wide``: the years without those two defects as the city's wide export
    (``city_population``)."""
    rng = sub_rng(seed, 3)
    n = len(A)
    t = np.array([years_since_ref(np.array([np.datetime64(f"{y}-12-31")]))[0] for y in years])
    P = population_model(A, t, year_noise=rng.normal(0, 1, (n, len(years))))
    result = {}
    for yi, y in enumerate(years):
        result[y] = {c: P[c][:, yi] for c in POP_CODES}
        write_population_year(out, A, y, yi, len(years), result[y], defects, wide)
    tname = A.area_id[A.tiny].tolist()
    if tname:
        files = "population files" if wide else "bevoelkerung_*.csv"
        defects.append(
            f"{files}: tiny area {tname[0]} has EW_U3 '-' and HH_ALLEINERZ 'x' in every year"
        )
    write_grundsicherung(out, A, years, t, result, rng)
    return result


def write_population_year(
    out: Path,
    A: pd.DataFrame,
    y: int,
    yi: int,
    n_years: int,
    pop: dict,
    defects: list[str],
    wide: bool = False,
) -> None:
    """``bevoelkerung_<y>.csv``, the ``yi``-th of ``n_years``, with that year's defects; with
    ``wide`` the city's wide export instead, unless the year carries the BOM or Windows-1252."""
    n = len(A)
    ids = A.area_id.to_numpy()
    tiny = A.tiny.to_numpy()
    non_tiny = np.flatnonzero(~tiny)
    vals = np.stack([pop[c] for c in POP_CODES], axis=1)  # n x codes
    cp1252 = yi == 2
    bom = yi == 1
    wide = wide and not (cp1252 or bom)
    name = wide_name(y) if wide else f"bevoelkerung_{y}.csv"
    s = vals.astype(str).astype(object)
    if cp1252:
        s = np.array(de_thousands(vals.ravel()), dtype=object).reshape(vals.shape)
    s[vals == 0] = "-"
    hh_alz = POP_CODES.index("HH_ALLEINERZ")
    s[tiny, hh_alz] = "x"
    if yi == n_years - 2 and len(non_tiny) > 6:
        a = non_tiny[6]
        s[a, POP_CODES.index("EW_AUSL")] = "."
        defects.append(f"{name}: EW_AUSL of {ids[a]} is '.' (secret)")
    if yi == 0 and len(non_tiny) > 11:
        a = non_tiny[11]
        s[a, POP_CODES.index("ZUZUEGE")] = "."
        defects.append(f"{name}: ZUZUEGE of {ids[a]} is '.' (unknown)")
    if wide:
        write_wide_population(out, A, y, pop, {c: s[:, i] for i, c in enumerate(POP_CODES)})
        return
    date = f"31.12.{y}" if cp1252 else f"{y}-12-31"
    cols = [
        np.full(s.size, date, dtype=object),
        np.repeat(ids, len(POP_CODES)),
        np.tile(np.array(POP_CODES, dtype=object), n),
        s.ravel(),
    ]
    if cp1252:
        a = non_tiny[min(3, len(non_tiny) - 1)]
        pos = (a + 1) * len(POP_CODES)
        extra = [date, ids[a], "EW_UEBER_100", "3"]
        cols = [np.insert(c, pos, x) for c, x in zip(cols, extra, strict=True)]
        defects.append(
            f"bevoelkerung_{y}.csv: Windows-1252, dates DD.MM.YYYY, thousands "
            f"separators; unknown Merkmal EW_UEBER_100 for {ids[a]}"
        )
    text = csv_text(LONG_HEADER, cols)
    if bom:
        text += "\n\n"
        defects.append(f"bevoelkerung_{y}.csv: UTF-8 BOM and two empty trailing lines")
    write_text(
        out / "statistics" / "small_area" / f"bevoelkerung_{y}.csv",
        text,
        encoding="cp1252" if cp1252 else "utf-8",
        bom=bom,
    )


def write_grundsicherung(out: Path, A: pd.DataFrame, years, t: np.ndarray, pop: dict, rng) -> None:
    """Grundsicherung im Alter (social welfare office) per area and year, by the people over 65."""
    n = len(A)
    ids = A.area_id.to_numpy()
    z = A.z.to_numpy()
    e = np.stack(A.e.to_numpy())[:, 11]
    rows = []
    for yi, y in enumerate(years):
        rate = expit(logit(0.032) + 0.6 * z + 0.1 * e + 0.05 * t[yi])
        v = iround(rate * pop[y]["EW_65P"] * np.exp(rng.normal(0, 0.02, n)))
        sv = v.astype(str).astype(object)
        sv[v == 0] = "-"
        rows.append(
            (np.full(n, f"{y}-12-31", dtype=object), ids, np.full(n, "GRUSI_65P", dtype=object), sv)
        )
    cols = [np.concatenate([r[i] for r in rows]) for i in range(4)]
    write_text(
        out / "statistics" / "small_area" / "grundsicherung.csv", csv_text(LONG_HEADER, cols)
    )
