"""The measures (Maßnahmen) of the providers: one to three each, in the more deprived areas of
their municipality, some spanning a neighbouring area, each for one target group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .common import sub_rng

# target groups of measures: (age_from, age_to, title stem); boundaries align with the EW_* codes
TARGET_GROUPS = [
    (0, 5, "Frühe Hilfen"),
    (0, 14, "Familienbegleitung"),
    (6, 17, "Lernförderung"),
    (15, 24, "Ausbildungslotsen"),
    (18, 64, "Beschäftigungsförderung"),
    (65, 99, "Seniorenbegleitung"),
]


def plan_measures(seed: int, A: pd.DataFrame, prov: pd.DataFrame) -> pd.DataFrame:
    rng = sub_rng(seed, 10)
    z = A.z.to_numpy()
    tiny = A.tiny.to_numpy()
    cen = shapely.centroid(A.geometry.to_numpy())
    cx, cy = shapely.get_x(cen), shapely.get_y(cen)
    rows = []
    mid = 101
    for p in prov.itertuples():
        idx = np.flatnonzero((A.mun == p.mun).to_numpy() & ~tiny)
        for _ in range(int(rng.integers(1, 4))):
            w = np.exp(0.9 * z[idx])
            a1 = idx[rng.choice(len(idx), p=w / w.sum())]
            areas = [a1]
            if rng.uniform() < 0.4 and len(idx) > 1:
                d = np.hypot(cx[idx] - cx[a1], cy[idx] - cy[a1])
                d[idx == a1] = np.inf
                areas.append(idx[int(np.argmin(d))])
            tg = TARGET_GROUPS[int(rng.integers(len(TARGET_GROUPS)))]
            rows.append(
                {
                    "measure_id": f"M-{mid}",
                    "provider_id": p.provider_id,
                    "role": p.role,
                    "areas": areas,
                    "age_from": tg[0],
                    "age_to": tg[1],
                    "title": f"{tg[2]} {A.area_name.iloc[a1]}",
                    "capacity": int(rng.integers(3, 13)) * 5,
                    "util": rng.uniform(0.72, 0.93),
                    "tg_share": rng.uniform(0.6, 0.9),
                    "hours_per_place": rng.uniform(1.5, 4.0),
                    "rate": rng.uniform(48.0, 65.0),
                    "area_share": rng.uniform(0.5, 0.7),
                    "quality": rng.normal(0, 0.5),
                }
            )
            mid += 1
    return pd.DataFrame(rows)


def target_population(pop: dict, age_from: int, age_to: int) -> np.ndarray:
    key = (age_from, age_to)
    if key == (0, 5):
        return pop["EW_U3"] + pop["EW_3_5"]
    if key == (0, 14):
        return pop["EW_U15"]
    if key == (6, 17):
        return pop["EW_6_14"] + pop["EW_15_17"]
    if key == (15, 24):
        return pop["EW_15_17"] + pop["EW_18_24"]
    if key == (18, 64):
        return pop["EW_15_64"] - pop["EW_15_17"]
    return pop["EW_65P"]
