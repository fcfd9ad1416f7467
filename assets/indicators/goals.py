"""Goal progress (DESIGN §6, §7): how far each area, and the city as a whole, has come.

A goal names an indicator, a baseline date and a target at a target date. Progress is the share
of the way from the baseline value to the target in percent (0 = no change, 100 = target
reached, negative = moved away), so that goals to lower and to raise an indicator read the same
way. A goal is on track when it has covered at least the share of the way that the straight line
from baseline to target would have covered by that reference date.

Each area measures its way against its own target, never against the city's: with a city-wide
target of 15 % child poverty, an area that starts at 10 % would otherwise show positive progress
for getting worse. An area's target is, in this order, its entry in `targets_by_area`, its
baseline changed by `change_pct`, or its baseline scaled by the city's target / baseline (the
city's relative change, applied to every area). The city-wide row `ALL` keeps the goal's own
target (`value`, or its baseline changed by `change_pct`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.indicators.catalog import BY_ID
from assets.planning import Goal

COLUMNS = [
    "goal_id",
    "municipality_ags",
    "area_id",
    "reference_date",
    "indicator_id",
    "baseline",
    "current",
    "target",
    "progress",
    "on_track",
    "note",
]
PLACE = ["municipality_ags", "area_id"]
CITY = "ALL"

ALREADY_MET = "Ausgangswert erfüllt das Ziel bereits"
NO_LONGER_MET = f"{ALREADY_MET}; der aktuelle Wert verfehlt es"
NO_CITY_BASELINE = (
    "Zielwert des Gebiets nicht bestimmbar: kein gesamtstädtischer Ausgangswert, aus dem die "
    "Veränderung folgt (Zielwert je Gebiet in goals.yaml unter targets_by_area angeben)"
)
CITY_BASELINE_ZERO = (
    "Zielwert des Gebiets nicht bestimmbar: der gesamtstädtische Ausgangswert ist 0 "
    "(Zielwert je Gebiet in goals.yaml unter targets_by_area oder target.change_pct angeben)"
)
_POLARITY_DIRECTION = {"higher_is_worse": -1.0, "higher_is_better": 1.0}


def compute_goal_progress(goals: list[Goal], values: pd.DataFrame) -> pd.DataFrame:
    """`goal_progress` per goal, area (and 'ALL') and reference date from the baseline date on.

    The baseline is the value at the latest reference date at or before the baseline date, taken
    as it is: if that value is not ok, the baseline is NULL rather than an older value, so a
    baseline never silently shifts in time. NULL baseline, current value or target, or a target
    equal to the baseline, give NULL progress and on_track; an area whose baseline already meets
    its target is the exception (see `_already_met`).
    """
    frames = [_progress(goal, values) for goal in goals]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def _progress(goal: Goal, values: pd.DataFrame) -> pd.DataFrame:
    rows = values[values["indicator_id"] == goal.indicator]
    rows = pd.DataFrame(
        {
            "municipality_ags": rows["municipality_ags"],
            "area_id": rows["area_id"],
            "date": pd.to_datetime(rows["reference_date"]),
            "value": rows["value"].where(rows["status"] == "ok").astype(float),
        }
    ).sort_values([*PLACE, "date"])
    start, end = pd.Timestamp(goal.baseline_date), pd.Timestamp(goal.target_date)
    baseline = (
        rows[rows["date"] <= start]
        .groupby(PLACE)
        .tail(1)  # the latest date per area (rows are sorted by date); keeps a NaN value
        .rename(columns={"value": "baseline"})[[*PLACE, "baseline"]]
    )
    city = baseline[baseline["area_id"] == CITY][["municipality_ags", "baseline"]]
    frame = (
        rows[rows["date"] >= start]
        .merge(baseline, on=PLACE, how="left")
        .merge(
            city.rename(columns={"baseline": "city_baseline"}), on="municipality_ags", how="left"
        )
        .rename(columns={"value": "current"})
    )
    frame["target"], note = _targets(goal, frame)
    direction = _direction(goal, frame)
    to_go = frame["target"] - frame["baseline"]
    progress = 100.0 * (frame["current"] - frame["baseline"]) / to_go.where(to_go != 0)
    elapsed = 100.0 * ((frame["date"] - start) / (end - start)).clip(0.0, 1.0)
    on_track = pd.Series(np.where(progress.notna(), progress >= elapsed, None), index=frame.index)

    met = _already_met(frame, direction)
    meets_now = (direction * (frame["current"] - frame["target"]) >= 0).where(
        frame["current"].notna()
    )
    progress = progress.mask(met, np.where(meets_now == True, 100.0, np.nan))  # noqa: E712
    on_track = on_track.mask(met, meets_now)
    note = note.mask(met, np.where(meets_now == False, NO_LONGER_MET, ALREADY_MET))  # noqa: E712
    return frame.assign(
        goal_id=goal.id,
        indicator_id=goal.indicator,
        progress=progress,
        on_track=pd.array(on_track.astype(object).where(on_track.notna(), None), dtype="boolean"),
        note=note.astype(object).where(note.notna(), None),
        reference_date=frame["date"].dt.date,
    ).sort_values(["municipality_ags", "area_id", "reference_date"], ignore_index=True)


def _targets(goal: Goal, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each row's target, and a note where an area's target cannot be derived.

    The city row `ALL` takes `value`, or its baseline changed by `change_pct`. An area takes its
    `targets_by_area` entry, else its baseline changed by `change_pct`, else its baseline scaled
    by the city's target / baseline, so that every area aims for the city's relative change.
    """
    is_city = frame["area_id"] == CITY
    if goal.change_pct is not None:
        target = frame["baseline"] * (1 + goal.change_pct / 100)
        note = pd.Series(None, index=frame.index, dtype=object)
    else:
        city_baseline = frame["city_baseline"]
        ratio = goal.target_value / city_baseline.where(city_baseline != 0)
        target = (frame["baseline"] * ratio).where(~is_city, goal.target_value)
        derivable = frame["baseline"].isna() | ratio.notna() | is_city
        note = pd.Series(
            np.where(city_baseline == 0, CITY_BASELINE_ZERO, NO_CITY_BASELINE), index=frame.index
        ).where(~derivable, None)
    given = frame["area_id"].map(goal.targets_by_area)
    explicit = given.notna() & ~is_city
    return target.mask(explicit, given), note.mask(explicit, None)


def _direction(goal: Goal, frame: pd.DataFrame) -> pd.Series:
    """+1 where the goal raises the indicator, -1 where it lowers it, NaN where it says neither.

    The goal's own direction: the sign of `change_pct`, else where the city's target lies from
    the city's baseline (per municipality), else the indicator's polarity.
    """
    polarity = _POLARITY_DIRECTION.get(BY_ID[goal.indicator].polarity, np.nan)
    if goal.change_pct is not None:
        return pd.Series(np.sign(goal.change_pct), index=frame.index)
    sign = np.sign(goal.target_value - frame["city_baseline"])
    return sign.where(sign != 0, np.nan).fillna(polarity)


def _already_met(frame: pd.DataFrame, direction: pd.Series) -> pd.Series:
    """Areas (never `ALL`) whose baseline is at or beyond their target in the goal's direction.

    They have no way to go, so the share-of-the-way formula would divide by zero or, for a
    baseline beyond the target, turn an improvement into negative progress. Instead: progress
    100 and on track while the current value meets the target; NULL progress and off track
    once it no longer does; a note says so either way.
    """
    beyond = direction * (frame["baseline"] - frame["target"]) >= 0
    return beyond & (frame["area_id"] != CITY)
