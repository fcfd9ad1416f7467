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
    return _status(kpis, goals, traffic_light, carry=[])


def _status(
    kpis: pd.DataFrame, goals: Goals, traffic_light: dict[str, float], carry: list[str]
) -> pd.DataFrame:
    """`compute_kpi_status` with the columns `carry` of each kpis row kept on its KPI rows.

    The long form is built by position rather than by melt, merge and sort (millions of rows at
    state scale): kpis sorted by measure and month, each row repeated once per KPI in
    KPI_NAMES order, is already in the output order, and targets are looked up per measure.
    Rows are dropped while still plain numbers, before any text column is built.
    """
    kpis = kpis.sort_values(["measure_id", "month"], ignore_index=True)
    actual = kpis[list(KPI_NAMES)].to_numpy(dtype=float, na_value=np.nan).ravel()
    target, kind = _targets(kpis["measure_id"], goals)
    keep = np.flatnonzero(~np.isnan(target) | ~np.isnan(actual))
    row, kpi = np.divmod(keep, len(KPI_NAMES))
    long = kpis[["measure_id", "month", "report_status", *carry]].take(row)
    long = long.reset_index(drop=True).assign(
        kpi=np.array(KPI_NAMES, dtype=object)[kpi],
        actual=actual[keep],
        target=target[keep],
        target_kind=kind[keep],
    )
    long["attainment"] = attainment(long["actual"], long["target"], long["target_kind"])
    long["traffic_light"] = light(long["attainment"], traffic_light)
    long["note"] = _notes(long)
    return long[[*COLUMNS, *carry]]


def _targets(measure_ids: pd.Series, goals: Goals) -> tuple[np.ndarray, np.ndarray]:
    """Target value and kind (NULL where none) of every KPI of each measure, flattened per row
    in KPI_NAMES order."""
    values = np.full((len(goals.measures) + 1, len(KPI_NAMES)), np.nan)
    kinds = np.full(values.shape, np.nan, dtype=object)
    for i, measure in enumerate(goals.measures):
        for kpi, target in measure.targets.items():
            values[i, KPI_NAMES.index(kpi)] = target.value
            kinds[i, KPI_NAMES.index(kpi)] = target.kind
    # -1 (not in goals.yaml) picks the last, all-NULL row
    position = pd.Index([m.id for m in goals.measures]).get_indexer(measure_ids)
    return values[position].ravel(), kinds[position].ravel()


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
    choice = np.select([green, yellow, attainment_pct.notna()], [0, 1, 2], 3)
    return pd.Series(np.array(LIGHTS, dtype=object)[choice], index=attainment_pct.index)


_NOTES = np.array(
    [
        "kein Ziel im Zielsystem",
        None,
        "kein Wert: Bericht fehlt",
        "kein Wert: siehe Hinweis in measure_kpis",
    ],
    dtype=object,
)


def _notes(long: pd.DataFrame) -> np.ndarray:
    """Why a KPI has no light: no target, a missing report, or a NULL explained in measure_kpis."""
    choice = np.select(
        [long["target"].isna(), long["actual"].notna(), long["report_status"] == "missing"],
        [0, 1, 2],
        3,
    )
    return _NOTES[choice]


# -- rolling view --------------------------------------------------------------------------------

# the months of the rolling view (`kpi_status_rolling`): a month and the months before it; the
# controlling assets, the publish rules and the incremental planner's month impacts all use it
ROLLING_WINDOW_MONTHS = 3

_COUNTS = ["participants", "target_group_participants", "new_participants", "hours", "cost_eur"]


def rolling_kpi_status(
    kpis: pd.DataFrame,
    goals: Goals,
    traffic_light: dict[str, float],
    months: list[str] | None = None,
) -> pd.DataFrame:
    """`kpi_status` over the trailing `ROLLING_WINDOW_MONTHS` calendar months ending at each month
    of `kpis`.

    Ratios come from sums over the window, never from averages of monthly ratios: utilisation =
    Σ participants / Σ capacity, reach = Σ target-group participants / Σ target population,
    cost per participant = Σ cost / Σ participants, each over the reported months that have both
    parts. Counts (participants, hours, cost, capacity …) are the mean per reported month, so
    they compare with the monthly targets of goals.yaml. Satisfaction takes every answer of the
    quarters the window touches once (each month of a quarter repeats the quarter's figures).
    `window_months` is the number of reported months in the window; 0 gives light `none`.
    Months before the first month of `kpis` are not known, so early windows are shorter.
    `months` (`YYYY-MM`), if given, keeps only the windows ending in them.
    """
    rolled = _rolled_kpis(kpis, ROLLING_WINDOW_MONTHS, months)
    return _status(rolled, goals, traffic_light, carry=["window_months"])


def _rolled_kpis(kpis: pd.DataFrame, window: int, months: list[str] | None) -> pd.DataFrame:
    """One kpis-like row per measure and month with the figures of its trailing window.

    Vectorised over all measures and months at once: member k of a window (k months before its
    month) is a column block of its own, so every sum runs in the same order as over the rows of
    one window (the month itself first), and the results match a per-window loop to the last bit.
    """
    if kpis.empty:
        return kpis.iloc[0:0].assign(window_months=pd.Series(dtype="int64"))
    base = kpis.assign(month=pd.to_datetime(kpis["month"]))
    anchors = base[["measure_id", "month"]].sort_values(["measure_id", "month"], ignore_index=True)
    if months is not None:
        wanted = pd.PeriodIndex(months, freq="M")
        anchors = anchors[anchors["month"].dt.to_period("M").isin(wanted)].reset_index(drop=True)
    members = [_window_member(base, anchors, k) for k in range(window)]
    reported = [(m["report_status"] == "reported").to_numpy() for m in members]
    rolled = anchors.assign(
        month=anchors["month"].dt.date, window_months=np.sum(reported, axis=0, dtype="int64")
    )
    for column in [*_COUNTS, "capacity"]:
        total, known = _window_sum(members, reported, column)
        rolled[column] = _divide(total, known)
    for name, numerator, denominator, scale in _RATIOS:
        rolled[name] = _ratio_of_sums(members, reported, numerator, denominator, scale)
    rolled = rolled.assign(**_window_satisfaction(members))
    rolled["report_status"] = np.where(rolled["window_months"] > 0, "reported", "missing")
    return rolled


_RATIOS = [
    ("utilisation", "participants", "capacity", 100),
    ("reach", "target_group_participants", "target_population", 100),
    ("cost_per_participant", "cost_eur", "participants", 1),
]


def _window_member(base: pd.DataFrame, anchors: pd.DataFrame, k: int) -> pd.DataFrame:
    """The kpis row `k` months before each anchor (all NULL where there is none), anchor order."""
    shifted = base.assign(member_month=base["month"], month=base["month"] + pd.DateOffset(months=k))
    return anchors.merge(shifted, on=["measure_id", "month"], how="left", validate="one_to_one")


def _floats(member: pd.DataFrame, column: str) -> np.ndarray:
    return member[column].to_numpy(dtype=float, na_value=np.nan)


def _window_sum(
    members: list[pd.DataFrame], use: list[np.ndarray], column: str
) -> tuple[np.ndarray, np.ndarray]:
    """Σ and count of the known values of `column` over the members in `use`, member 0 first."""
    total, known = np.zeros(len(members[0])), np.zeros(len(members[0]), dtype="int64")
    for member, mask in zip(members, use, strict=True):
        values = np.where(mask, _floats(member, column), np.nan)
        total = total + np.nan_to_num(values, nan=0.0)
        known = known + ~np.isnan(values)
    return total, known


def _divide(numerator: np.ndarray, divisor: np.ndarray) -> np.ndarray:
    """numerator / divisor, NULL where the divisor is not positive."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(divisor > 0, numerator / divisor, np.nan)


def _ratio_of_sums(
    members: list[pd.DataFrame],
    reported: list[np.ndarray],
    numerator: str,
    denominator: str,
    scale: float,
) -> np.ndarray:
    """Σ numerator / Σ denominator × scale over the reported months that have both parts."""
    both = [
        mask & ~np.isnan(_floats(m, numerator)) & ~np.isnan(_floats(m, denominator))
        for m, mask in zip(members, reported, strict=True)
    ]
    top, _ = _window_sum(members, both, numerator)
    bottom, _ = _window_sum(members, both, denominator)
    return _divide(top, bottom) * scale


def _window_satisfaction(members: list[pd.DataFrame]) -> dict[str, np.ndarray]:
    """n, mean and top-2 share over the quarters the window touches, each quarter counted once.

    Each month of a quarter repeats the quarter's figures, so only the latest month of each
    quarter in the window counts (reported or not: surveys do not depend on reports).
    """
    quarters = [quarter_start(m["member_month"]) for m in members]
    counted = []
    for k, (member, quarter) in enumerate(zip(members, quarters, strict=True)):
        seen = np.zeros(len(member), dtype=bool)
        for j in range(k):
            seen |= (members[j]["member_month"].notna() & (quarters[j] == quarter)).to_numpy()
        counted.append(member["member_month"].notna().to_numpy() & ~seen)
    n = [
        np.where(use, np.nan_to_num(_floats(m, "satisfaction_n")), 0.0)
        for m, use in zip(members, counted, strict=True)
    ]
    total_n = np.sum(n, axis=0)
    out: dict[str, np.ndarray] = {"satisfaction_n": total_n.astype("int64")}
    for column in ["satisfaction_mean", "satisfaction_top2"]:
        weighted = np.zeros(len(total_n))
        for member, weight in zip(members, n, strict=True):
            weighted = weighted + np.nan_to_num(
                np.where(weight > 0, _floats(member, column) * weight, 0.0)
            )
        out[column] = _divide(weighted, total_n)
    return out


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
    return goal_measure_status_by_month(goals, kpi_status, [month])


def goal_measure_status_by_month(
    goals: Goals, kpi_status: pd.DataFrame, months: list[str | dt.date]
) -> pd.DataFrame:
    """`goal_measure_status` for each of `months`, month by month, in one pass over `kpi_status`."""
    whens = [pd.Timestamp(month).date() for month in months]
    rows = kpi_status[kpi_status["target"].notna()]
    day = pd.to_datetime(rows["month"]).dt.normalize().rename("month")
    counts = (
        rows.groupby([day, "measure_id", "traffic_light"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=list(LIGHTS), fill_value=0)
        .reset_index()
    )
    counts["month"] = counts["month"].dt.date  # per group, not per row: dates are Python objects
    listed = pd.DataFrame(
        [
            (goal.id, goal.title, goal.indicator, measure_id)
            for goal in goals.goals
            for measure_id in goal.measures
        ],
        columns=["goal_id", "goal_title", "indicator_id", "measure_id"],
    )
    out = pd.DataFrame({"month": whens}, dtype=object).merge(listed, how="cross")
    out = out.merge(counts, on=["month", "measure_id"], how="left")
    out[list(LIGHTS)] = out[list(LIGHTS)].fillna(0).astype("int64")
    out["worst_light"] = np.select(
        [out["red"] > 0, out["yellow"] > 0, out["green"] > 0], ["red", "yellow", "green"], "none"
    ).astype(object)
    return out[GOAL_COLUMNS]
