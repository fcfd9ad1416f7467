"""The needs survey of 2025 (``surveys/needs/bedarfserhebung_2025.csv``): residents and
professionals rate five topics per area; a few groups have fewer than five respondents."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .common import csv_text, standardise, sub_rng, write_text

TOPICS = ["Kinderbetreuung", "Jugendarbeit", "Seniorenangebote", "Beratung", "Wohnumfeld"]
NEEDS_HEADER = ["Befragung_ID", "Befragtengruppe", "Raum_ID", "Themenfeld", "Bewertung"]


def write_needs(out: Path, A: pd.DataFrame, pop_last: dict, seed: int, defects: list[str]) -> None:
    rng = sub_rng(seed, 13)
    n = len(A)
    tiny = A.tiny.to_numpy()
    n_bew = rng.integers(15, 46, n)
    n_fach = rng.integers(5, 13, n)
    n_bew[tiny] = 3
    n_fach[tiny] = 2
    small = np.flatnonzero(~tiny)[[2, 9]] if (~tiny).sum() > 9 else np.array([], dtype=int)
    for a, v in zip(small, [4, 3], strict=False):
        n_fach[a] = v
    ids = A.area_id.to_numpy()
    if len(small):
        defects.append(
            "bedarfserhebung_2025.csv: fewer than 5 respondents for "
            + ", ".join(f"{ids[a]} Fachkraft" for a in small)
            + (f" and tiny area {ids[tiny][0]} (both groups)" if tiny.any() else "")
        )
    counts = np.stack([n_bew, n_fach], axis=1).ravel()  # area-major: Bewohner, Fachkraft
    area_of = np.repeat(np.repeat(np.arange(n), 2), counts)
    group = np.repeat(np.tile(np.array([0, 1]), n), counts)
    n_resp = len(area_of)
    z = A.z.to_numpy()
    old = pop_last["EW_65P"] / np.maximum(pop_last["EW"], 1)
    old_z = standardise(old)
    base = np.array([0.3, 0.1, 0.0, 0.0, -0.1])
    lat = (
        base[None, :]
        + 0.55 * z[area_of][:, None]
        + 0.2 * group[:, None]
        + rng.normal(0, 0.9, (n_resp, len(TOPICS)))
    )
    lat[:, 2] += 0.45 * old_z[area_of] - 0.4 * z[area_of]
    rating = np.clip(np.rint(3 + lat), 1, 5).astype(np.int64)
    resp_ids = np.array([f"B-2025-{i + 1:06d}" for i in range(n_resp)], dtype=object)
    grp = np.array(["Bewohner", "Fachkraft"], dtype=object)[group]
    T = len(TOPICS)
    cols = [
        np.repeat(resp_ids, T),
        np.repeat(grp, T),
        np.repeat(ids[area_of], T),
        np.tile(np.array(TOPICS, dtype=object), n_resp),
        rating.ravel().astype(str),
    ]
    write_text(out / "surveys" / "needs" / "bedarfserhebung_2025.csv", csv_text(NEEDS_HEADER, cols))
