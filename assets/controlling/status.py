"""`kpi_status`: KPIs against their goals.yaml targets, with a traffic light (DESIGN §6, §8).

Attainment is in percent and polarity-aware, so that 100 always means "target met":
`target` (higher is better) gives actual / target × 100, `max` (a ceiling, lower is better) gives
target / actual × 100. Where that quotient is undefined (a divisor of 0), a value of 0 that meets
its target or ceiling counts as exactly 100 and one that does not as 0: any larger number would
be an invented over-fulfilment. Attainment is otherwise not capped.
Lights: green at or above the green threshold, yellow at or above the yellow one, else red;
`none` where there is no target or no actual value, and the note says which.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from assets.controlling.kpis import quarter_start
from assets.planning import KPI_NAMES, Goals

COLUMNS = [
    "measure_id",
    "month",
    "kpi",
    "actual",
    "target",
    "target_kind",
    "attainment",
    "traffic_light",
    "note",
]
LIGHTS = ("green", "yellow", "red", "none")
_TOLERANCE = 1e-9  # 28 / 35 × 100 is 80.00000000000001 in floating point; a threshold is exact


def compute_kpi_status(
    kpis: pd.DataFrame, goals: Goals, traffic_light: dict[str, float]
) -> pd.DataFrame:
    """Long `kpi_status`: every KPI with a target, and every other KPI that has a value.

    A KPI with a target but no value (missing report) stays listed with light `none`, so that
    the gap is visible next to the lights of the measures that did report.
    """
    long = kpis.melt(
        id_vars=["measure_id", "month", "report_status"],
        value_vars=list(KPI_NAMES),
        var_name="kpi",
        value_name="actual",
    )
    long["actual"] = long["actual"].astype(float)
    targets = pd.DataFrame(
        [(m.id, kpi, t.value, t.kind) for m in goals.measures for kpi, t in m.targets.items()],
        columns=["measure_id", "kpi", "target", "target_kind"],
    ).astype({"target": float, "target_kind": object})
    long = long.merge(targets, on=["measure_id", "kpi"], how="left")
    long = long[long["target"].notna() | long["actual"].notna()].copy()
    long["attainment"] = attainment(long["actual"], long["target"], long["target_kind"])
    long["traffic_light"] = light(long["attainment"], traffic_light)
    long["note"] = _notes(long)
    order = {kpi: i for i, kpi in enumerate(KPI_NAMES)}
    long = long.sort_values(
        ["measure_id", "month", "kpi"], key=lambda s: s.map(order) if s.name == "kpi" else s
    )
    return long[COLUMNS].reset_index(drop=True)


def attainment(actual: pd.Series, target: pd.Series, kind: pd.Series) -> pd.Series:
    """Percent of the target attained; NULL without an actual value or a target."""
    actual, target = actual.astype(float), target.astype(float)
    is_max = kind == "max"
    numerator = actual.where(~is_max, target)
    divisor = target.where(~is_max, actual)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = numerator / divisor.where(divisor != 0) * 100
    met = np.where(is_max, actual <= target, actual >= target)
    degenerate = (divisor == 0) & actual.notna() & target.notna()
    value = value.where(~degenerate, np.where(met, 100.0, 0.0))
    return value.astype(float)


def light(attainment_pct: pd.Series, thresholds: dict[str, float]) -> pd.Series:
    """green / yellow / red by the settings thresholds (inclusive), `none` without attainment."""
    green = attainment_pct >= thresholds["green"] - _TOLERANCE
    yellow = attainment_pct >= thresholds["yellow"] - _TOLERANCE
    out = np.select([green, yellow, attainment_pct.notna()], ["green", "yellow", "red"], "none")
    return pd.Series(out, index=attainment_pct.index, dtype=object)


def _notes(long: pd.DataFrame) -> list[str | None]:
    notes = []
    for row in long.itertuples():
        if pd.isna(row.target):
            notes.append("kein Ziel im Zielsystem")
        elif pd.notna(row.actual):
            notes.append(None)
        elif row.report_status == "missing":
            notes.append("kein Wert: Bericht fehlt")
        else:
            notes.append("kein Wert: siehe Hinweis in measure_kpis")
    return notes


# -- rolling view --------------------------------------------------------------------------------

_COUNTS = ["participants", "target_group_participants", "new_participants", "hours", "cost_eur"]


def rolling_kpi_status(
    kpis: pd.DataFrame, goals: Goals, traffic_light: dict[str, float], window: int = 3
) -> pd.DataFrame:
    """`kpi_status` over the trailing `window` calendar months ending at each month of `kpis`.

    Ratios come from sums over the window, never from averages of monthly ratios: utilisation =
    Σ participants / Σ capacity, reach = Σ target-group participants / Σ target population,
    cost per participant = Σ cost / Σ participants, each over the reported months that have both
    parts. Counts (participants, hours, cost, capacity …) are the mean per reported month, so
    they compare with the monthly targets of goals.yaml. Satisfaction takes every answer of the
    quarters the window touches once (each month of a quarter repeats the quarter's figures).
    `window_months` is the number of reported months in the window; 0 gives light `none`.
    Months before the first month of `kpis` are not known, so early windows are shorter.
    """
    rolled = _rolled_kpis(kpis, window)
    status = compute_kpi_status(rolled, goals, traffic_light)
    counts = rolled[["measure_id", "month", "window_months"]]
    return status.merge(counts, on=["measure_id", "month"], how="left")[[*COLUMNS, "window_months"]]


def _rolled_kpis(kpis: pd.DataFrame, window: int) -> pd.DataFrame:
    """One kpis-like row per measure and month with the figures of its trailing window."""
    base = kpis.assign(month=pd.to_datetime(kpis["month"]))
    anchors = base[["measure_id", "month"]]
    members = pd.concat(
        [base.assign(anchor=base["month"] + pd.DateOffset(months=k)) for k in range(window)],
        ignore_index=True,
    ).merge(anchors.rename(columns={"month": "anchor"}), on=["measure_id", "anchor"])
    rows = []
    for (measure_id, anchor), group in members.groupby(["measure_id", "anchor"]):
        rows.append({"measure_id": measure_id, "month": anchor.date(), **_window_figures(group)})
    if not rows:
        return kpis.iloc[0:0].assign(window_months=pd.Series(dtype="int64"))
    rolled = pd.DataFrame(rows)
    rolled["report_status"] = np.where(rolled["window_months"] > 0, "reported", "missing")
    return rolled


def _window_figures(group: pd.DataFrame) -> dict[str, float | int | None]:
    reported = group[group["report_status"] == "reported"]
    months = len(reported)
    out: dict[str, float | int | None] = {"window_months": months}
    for column in [*_COUNTS, "capacity"]:
        known = reported[column].dropna()
        out[column] = known.sum() / len(known) if len(known) else None
    out["utilisation"] = _ratio_of_sums(reported, "participants", "capacity", 100)
    out["reach"] = _ratio_of_sums(reported, "target_group_participants", "target_population", 100)
    out["cost_per_participant"] = _ratio_of_sums(reported, "cost_eur", "participants", 1)
    quarters = group.assign(quarter=quarter_start(group["month"])).drop_duplicates("quarter")
    n = int(quarters["satisfaction_n"].fillna(0).sum())
    answered = quarters[quarters["satisfaction_n"].fillna(0) > 0]
    weights = answered["satisfaction_n"].astype(float)
    out["satisfaction_n"] = n
    out["satisfaction_mean"] = (answered["satisfaction_mean"] * weights).sum() / n if n else None
    out["satisfaction_top2"] = (answered["satisfaction_top2"] * weights).sum() / n if n else None
    return out


def _ratio_of_sums(rows: pd.DataFrame, numerator: str, denominator: str, scale: float):
    both = rows[rows[numerator].notna() & rows[denominator].notna()]
    total = both[denominator].astype(float).sum()
    return both[numerator].astype(float).sum() / total * scale if total > 0 else None


# -- goal view -----------------------------------------------------------------------------------

GOAL_COLUMNS = [
    "goal_id",
    "goal_title",
    "indicator_id",
    "measure_id",
    "month",
    "green",
    "yellow",
    "red",
    "none",
    "worst_light",
]


def goal_measure_status(
    goals: Goals, kpi_status: pd.DataFrame, month: str | dt.date
) -> pd.DataFrame:
    """Per goal and its measures: how many KPIs are green, yellow, red, none in `month`.

    Only KPIs with a target count: the others are `none` by definition and would drown the
    signal, so `none` here means "target set, but no value" (a missing report, no survey yet).
    `worst_light` is the worst of red > yellow > green; `none` only when no KPI has a light. A
    measure listed under a goal without any KPI row in the month shows zeros and `none`.
    `indicator_id` joins the view to `goal_progress`.
    """
    when = pd.Timestamp(month).date()
    in_month = pd.to_datetime(kpi_status["month"]).dt.date == when
    rows = kpi_status[in_month & kpi_status["target"].notna()]
    counts = (
        rows.groupby(["measure_id", "traffic_light"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=list(LIGHTS), fill_value=0)
    )
    out = []
    for goal in goals.goals:
        for measure_id in goal.measures:
            tally = (
                counts.loc[measure_id].to_dict()
                if measure_id in counts.index
                else dict.fromkeys(LIGHTS, 0)
            )
            worst = next((lt for lt in ("red", "yellow", "green") if tally[lt] > 0), "none")
            out.append(
                dict(
                    goal_id=goal.id,
                    goal_title=goal.title,
                    indicator_id=goal.indicator,
                    measure_id=measure_id,
                    month=when,
                    **{lt: int(tally[lt]) for lt in LIGHTS},
                    worst_light=worst,
                )
            )
    return pd.DataFrame(out, columns=GOAL_COLUMNS)
