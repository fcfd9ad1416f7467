"""Published values grouped once per report, so each page is dictionary look-ups and slicing.

At state scale (10,000 areas, 396 municipalities) a pandas filter per page, indicator or
municipality would dominate the run; these indexes are built in one pass each.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.report import svg
from assets.report.cells import Cell, cell
from assets.report.data import AREA_KEY, CITY


class ValueIndex:
    """Indicator series per (municipality, area, indicator) as numpy arrays, grouped in one pass.

    Pages look up about a dozen series each; slicing arrays keeps that cheap for 10,000 areas
    where a pandas filter per lookup would dominate the run.
    """

    def __init__(self, values: pd.DataFrame):
        frame = values.reset_index(drop=True)
        self.dates = frame["reference_date"].to_numpy(dtype="datetime64[D]")
        self.values = frame["value"].to_numpy(dtype=float)
        self.status = frame["status"].to_numpy(dtype=object)
        self.note = frame["note"].to_numpy(dtype=object)
        self.positions = frame.groupby([*AREA_KEY, "indicator_id"], sort=False).indices
        self.none = np.array([], dtype=np.int64)

    def series(self, ags: str, area_id: str, indicator_id: str) -> svg.Series:
        positions = self.positions.get((ags, area_id, indicator_id), self.none)
        return self.dates[positions], self.values[positions]

    def latest_date(self, ags: str, area_id: str, indicator_id: str) -> np.datetime64 | None:
        positions = self.positions.get((ags, area_id, indicator_id), self.none)
        return self.dates[positions[-1]] if len(positions) else None

    def at(self, ags: str, area_id: str, indicator_id: str, date) -> int | None:
        """The row position of the value at `date`, if there is one."""
        positions = self.positions.get((ags, area_id, indicator_id), self.none)
        found = positions[self.dates[positions] == date] if date is not None else self.none
        return int(found[0]) if len(found) else None

    def cell_at(self, ags: str, area_id: str, indicator_id: str, date) -> Cell:
        """The formatted value at `date`; a dash explaining why when there is none."""
        i = self.at(ags, area_id, indicator_id, date)
        return cell(None) if i is None else cell(self.values[i], self.status[i], self.note[i])


class Spread:
    """Every municipality's area values of each indicator at its latest Stichtag, grouped once
    (a pandas filter per municipality and indicator would cost seconds at state scale)."""

    def __init__(self, values: pd.DataFrame):
        areas = values[values["area_id"] != CITY]
        keys = ["municipality_ags", "indicator_id"]
        latest = areas.groupby(keys)["reference_date"].transform("max")
        rows = areas[areas["reference_date"] == latest]
        self.dates = rows["reference_date"].to_numpy(dtype="datetime64[D]")
        self.values = rows["value"].to_numpy(dtype=float)
        self.positions = rows.groupby(keys, sort=False).indices

    def latest(self, ags: str, indicator_id: str) -> tuple[np.datetime64 | None, np.ndarray]:
        """The latest Stichtag and the area values there (NaN where there is none)."""
        positions = self.positions.get((ags, indicator_id))
        if positions is None:
            return None, np.array([], dtype=float)
        return self.dates[positions[0]], self.values[positions]


def by_municipality(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows of each municipality, split once: filtering the whole table per municipality
    would cost (municipalities × rows), hours at state scale."""
    return dict(tuple(frame.groupby("municipality_ags", sort=False)))
