"""Supply gaps (Versorgungslücken) and their ranking by social status.

An area has a gap for an offer type when its coverage is below `gap_coverage_factor` times the
municipality's value, or when less than `gap_min_share_within` of its inhabitants live within
walking distance of a facility. `share_within_distance` is in percent (DESIGN §8), while the
setting keeps its meaning as a fraction (0.6 = 60 %): it is converted at the comparison, so
settings files written before shares were published in percent mean what they always meant.
A NULL input (unknown target population, no grid cells, no walking distance for the type) is no
evidence of a gap: the other criterion may still flag one, but NULL alone never does, so `gap`
is always True or False and the reason says which criterion fired.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.supply.coverage import AREA_KEY, as_timestamps

RANK_GROUP = ["municipality_ags", "reference_date", "offer_type"]


def unserved(rows: pd.DataFrame) -> pd.Series:
    """Target population not served (persons), the larger of two shortfalls:

    - by places: the part of the target population the area's places do not cover at the
      municipality's rate, target × (1 − places_per_1000 / municipality_places_per_1000);
    - by distance: the part living beyond the walking distance, target × (1 − share_within).

    Both are persons of the target group, so a gap flagged only on walking distance counts the
    people it leaves out instead of 0 missing places. An unknown term is left out; NULL when
    both are unknown (no target population, or no municipal rate and no reach). Persons are
    whole: the estimate is rounded (halves up) here, so the ranking and the published integer
    count are the same number.
    """
    target = rows["target_population"]
    by_places = target * (1 - rows["places_per_1000"] / rows["municipality_places_per_1000"])
    by_places = by_places.where(rows["municipality_places_per_1000"] > 0)
    by_distance = target * (1 - rows["share_within_distance"] / 100)
    persons = pd.Series(np.fmax(by_places, by_distance), index=rows.index).clip(lower=0.0)
    return np.floor(persons + 0.5)


def flag_gaps(rows: pd.DataFrame, supply_settings: dict) -> pd.DataFrame:
    """`gap` and a German `gap_reason` (NULL without a gap) for every supply row."""
    factor = float(supply_settings["gap_coverage_factor"])
    min_share = float(supply_settings["gap_min_share_within"])  # a fraction: 0.6 = 60 %
    # in percent, rounded so that 0.29 means exactly 29 % (0.29 * 100 is 28.999999999999996)
    min_percent = round(min_share * 100, 9)
    city_rate = rows["municipality_places_per_1000"]
    low_coverage = (rows["places_per_1000"] < factor * city_rate).fillna(False)
    low_reach = (rows["share_within_distance"] < min_percent).fillna(False)
    gap = (low_coverage | low_reach).astype(bool)
    walking = rows["offer_type"].map(supply_settings.get("walking_distance_m", {}))
    # texts only for the gaps: a state has 400k rows
    reasons = np.full(len(rows), None, dtype=object)
    hit = gap.to_numpy()
    reasons[hit] = [
        _reason(coverage, reach, places, city, share, walk, factor, min_percent)
        for coverage, reach, places, city, share, walk in zip(
            low_coverage[hit],
            low_reach[hit],
            rows["places_per_1000"][hit],
            rows["municipality_places_per_1000"][hit],
            rows["share_within_distance"][hit],
            walking[hit],
            strict=True,
        )
    ]
    return rows.assign(gap=gap, gap_reason=reasons)


def _reason(coverage, reach, places, city, share, walk, factor, min_percent) -> str | None:
    parts = []
    if coverage:
        parts.append(
            f"Versorgungsquote {_de(places)} Plätze je 1.000 unter {_de(factor * 100, 0)} % des "
            f"Gemeindewerts ({_de(city)})"
        )
    if reach:
        parts.append(
            f"nur {_de(share)} % der Bevölkerung wohnen höchstens {_de(walk, 0)} m "
            f"entfernt (Schwelle {_de(min_percent, 0)} %)"
        )
    return "; ".join(parts) or None


def _de(value: float, digits: int = 1) -> str:
    """German number format for the reasons: decimal comma, dot for thousands."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


STATUS_ORDER = {"very_low": 0, "low": 1, "medium": 2, "high": 3}
"""Most disadvantaged class first (DESIGN §6: higher status index = more disadvantage)."""


def rank_gaps(rows: pd.DataFrame, social_index: pd.DataFrame) -> pd.Series:
    """`gap_rank` per municipality, Stichtag and type (1 = most urgent); NULL for non-gaps.

    Order: areas with `needs_action` first, then by status class (very_low, low, medium, high),
    then by more unserved target population, then area_id so that ties rank reproducibly. The
    class, not the continuous status index, is what planners act on; within a class the number
    of people left without an offer decides. The social index of the same calendar month is
    used (its Stichtag may differ by days); without one the unserved population alone decides.
    Unknown values sort last.
    """
    index = social_index.reindex(
        columns=[*AREA_KEY, "reference_date", "status_class", "needs_action"]
    )
    index = pd.DataFrame(
        {
            "municipality_ags": index["municipality_ags"].to_numpy(object),
            "area_id": index["area_id"].to_numpy(object),
            "_month": _month(index["reference_date"]).to_numpy(),
            "_class": index["status_class"].map(STATUS_ORDER).to_numpy(float),
            "_needs": index["needs_action"].astype("boolean").fillna(False).to_numpy(bool),
        }
    )
    gaps = rows.loc[rows["gap"], [*RANK_GROUP, "area_id", "unserved"]]
    ordered = (
        gaps.assign(_month=_month(gaps["reference_date"]).to_numpy())
        .rename_axis("_row")
        .reset_index()
        .merge(index, on=[*AREA_KEY, "_month"], how="left", validate="many_to_one")
        .assign(
            _first=lambda f: np.where(f["_needs"].eq(True), 0, 1),
            _unserved=lambda f: -f["unserved"],
        )
        .sort_values([*RANK_GROUP, "_first", "_class", "_unserved", "area_id"], na_position="last")
    )
    rank = ordered.groupby(RANK_GROUP, sort=False).cumcount() + 1
    return pd.Series(rank.to_numpy(), index=ordered["_row"].to_numpy(), dtype="Int64").reindex(
        rows.index
    )


def _month(dates: pd.Series) -> pd.Series:
    """Year and month as one number (a plain integer joins much faster than a Period)."""
    stamps = as_timestamps(dates)
    return stamps.dt.year * 12 + stamps.dt.month


# What the asset metadata shows of the latest Stichtag: the most urgent gaps per offer type.
TOP_GAPS_PER_OFFER = 3
TOP_GAP_COLUMNS = [
    "offer_type",
    "gap_rank",
    "area_id",
    "places_per_1000",
    "municipality_places_per_1000",
    "share_within_distance",
    "unserved",
    "gap_reason",
]


def latest_stichtag(rows: pd.DataFrame) -> pd.DataFrame:
    """The supply rows of the latest population Stichtag."""
    return rows[rows["reference_date"] == rows["reference_date"].max()]


def top_gaps(latest: pd.DataFrame) -> pd.DataFrame:
    """The `TOP_GAPS_PER_OFFER` highest-ranked gaps of each offer type, in rank order."""
    return (
        latest[latest["gap"]]
        .sort_values(["offer_type", "gap_rank"])
        .groupby("offer_type")
        .head(TOP_GAPS_PER_OFFER)[TOP_GAP_COLUMNS]
    )
