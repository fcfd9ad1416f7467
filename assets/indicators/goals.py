"""Goal progress (DESIGN §6, §7): how far each area, and the city as a whole, has come.

A goal names an indicator, a baseline date and a target value at a target date. Progress is the
share of the way from the baseline value to the target (0 = no change, 1 = target reached,
negative = moved away), so that goals to lower and to raise an indicator read the same way. A goal
is on track when it has covered at least the share of the way that the straight line from
baseline to target would have covered by that reference date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
]
PLACE = ["municipality_ags", "area_id"]


def compute_goal_progress(goals: list[Goal], values: pd.DataFrame) -> pd.DataFrame:
    """`goal_progress` per goal, area (and 'ALL') and reference date from the baseline date on.

    The baseline is the value at the latest reference date at or before the baseline date, taken
    as it is: if that value is not ok, the baseline is NULL rather than an older value, so a
    baseline never silently shifts in time. NULL baseline or current value, or a target equal to
    the baseline, give NULL progress and on_track.
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
    frame = rows[rows["date"] >= start].merge(baseline, on=PLACE, how="left")
    frame = frame.rename(columns={"value": "current"})
    to_go = goal.target_value - frame["baseline"]
    frame["progress"] = (frame["current"] - frame["baseline"]) / to_go.where(to_go != 0)
    elapsed = ((frame["date"] - start) / (end - start)).clip(0.0, 1.0)
    frame["on_track"] = pd.array(
        np.where(frame["progress"].notna(), frame["progress"] >= elapsed, None), dtype="boolean"
    )
    return frame.assign(
        goal_id=goal.id,
        indicator_id=goal.indicator,
        target=goal.target_value,
        reference_date=frame["date"].dt.date,
    ).sort_values(["municipality_ags", "area_id", "reference_date"], ignore_index=True)
