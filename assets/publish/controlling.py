"""Disclosure control for the controlling and supply tables before they are published.

Participant counts are head counts: 1 … k-1 are suppressed, and so are the ratios that would give
them back (utilisation, reach, cost per participant). Satisfaction figures need
`min_survey_n` answers. In `kpi_status` a suppressed actual takes its attainment with it; the
traffic light stays (a coarse class reveals no number), except for satisfaction KPIs on too few
answers, whose light is `none`. Target populations in `supply` follow the same count rule, and
places per 1,000 and unserved places go with them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.publish.disclosure import SUPPRESSED, is_small_count

COUNTS = ["participants", "target_group_participants", "new_participants"]
DERIVED = {
    "utilisation": ["participants"],
    "reach": ["target_group_participants"],
    "cost_per_participant": ["participants"],
}
SATISFACTION = ["satisfaction_mean", "satisfaction_top2"]


def suppress_measure_kpis(kpis: pd.DataFrame, min_count: int, min_survey_n: int) -> pd.DataFrame:
    out = kpis.copy()
    hidden = pd.Series(False, index=out.index)
    small = {c: is_small_count(out[c], min_count) for c in COUNTS + ["target_population"]}
    for column, mask in small.items():
        out.loc[mask, column] = np.nan
        hidden |= mask
    for column, sources in DERIVED.items():
        mask = pd.concat([small[s] for s in sources], axis=1).any(axis=1)
        if column == "reach":
            mask |= small["target_population"]
        out.loc[mask, column] = np.nan
        hidden |= mask
    few = (
        out["satisfaction_n"].notna()
        & (out["satisfaction_n"] > 0)
        & (out["satisfaction_n"] < min_survey_n)
    )
    out.loc[few, SATISFACTION] = np.nan
    hidden |= few
    out["status"] = np.where(hidden, SUPPRESSED, "ok")
    return out


def suppress_kpi_status(status: pd.DataFrame, published_kpis: pd.DataFrame) -> pd.DataFrame:
    """Blank actual and attainment where the published KPI value is suppressed."""
    long = published_kpis.melt(
        id_vars=["measure_id", "month"], var_name="kpi", value_name="published"
    ).dropna(subset=["published"])
    out = status.merge(
        long[["measure_id", "month", "kpi"]].assign(shown=True),
        on=["measure_id", "month", "kpi"],
        how="left",
    )
    hidden = out["actual"].notna() & out["shown"].isna()
    out.loc[hidden, ["actual", "attainment"]] = np.nan
    satisfaction = hidden & out["kpi"].str.startswith("satisfaction")
    out.loc[satisfaction, "traffic_light"] = "none"
    out["status"] = np.where(hidden, SUPPRESSED, "ok")
    return out.drop(columns="shown")


def suppress_rolling(status: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Rolling view: count KPIs below k are hidden with their attainment."""
    out = status.copy()
    hidden = out["kpi"].isin(COUNTS) & is_small_count(out["actual"], min_count)
    out.loc[hidden, ["actual", "attainment"]] = np.nan
    out["status"] = np.where(hidden, SUPPRESSED, "ok")
    return out


def suppress_supply(supply: pd.DataFrame, min_count: int) -> pd.DataFrame:
    out = supply.copy()
    hidden = is_small_count(out["target_population"], min_count)
    out.loc[hidden, ["target_population", "places_per_1000", "unserved"]] = np.nan
    out["status"] = np.where(hidden, SUPPRESSED, "ok")
    return out
