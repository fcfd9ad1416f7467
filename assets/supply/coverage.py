"""Coverage (Versorgungsquote): places per 1,000 of an offer type's target population.

The GIS polygons say which areas exist and the population statistics say which Stichtage exist;
every area gets a row at every Stichtag of its municipality and for every offer type, so that an
area without any facility shows up with 0 places instead of silently missing.
"""

from __future__ import annotations

import pandas as pd

AREA_KEY = ["municipality_ags", "area_id"]
KEY = [*AREA_KEY, "reference_date"]
ROW_KEY = [*KEY, "offer_type"]


def as_timestamps(values: pd.Series) -> pd.Series:
    """Dates arrive as `datetime.date` (pandas objects) or as DuckDB timestamps; compare them as
    midnight timestamps of one resolution so that both kinds meet. None becomes NaT."""
    return pd.to_datetime(pd.Series(values)).dt.normalize().astype("datetime64[ns]")


def no_rows(value: str) -> pd.DataFrame:
    """An empty ROW_KEY + `value` frame with the dtypes of real rows, so that merging it onto
    rows (nothing to add) works like merging a full one."""
    return pd.DataFrame(
        {
            "municipality_ags": pd.Series(dtype=object),
            "area_id": pd.Series(dtype=object),
            "reference_date": pd.Series(dtype="datetime64[ns]"),
            "offer_type": pd.Series(dtype=object),
            value: pd.Series(dtype=float),
        }
    )


def offer_types(target_groups: dict[str, list[str]], facilities: pd.DataFrame) -> list[str]:
    """The types of the settings plus any type a provider delivers: an unknown type is reported
    (with NULL target population), never dropped."""
    return sorted(set(target_groups) | set(facilities["offer_type"].dropna()))


def stichtage(
    polygons: pd.DataFrame, population: pd.DataFrame, target_groups: dict[str, list[str]]
) -> pd.DataFrame:
    """Every area of the GIS layer at every population Stichtag of its municipality.

    A Stichtag is a date at which the statistics hold a population count (`EW` or a target-group
    code); dates that only carry other codes (e.g. monthly Bundesagentur figures) are not
    Stichtage of the supply table.
    """
    codes = {"EW"} | {code for group in target_groups.values() for code in group}
    counted = population[population["code"].isin(codes)]
    dates = pd.DataFrame(
        {
            "municipality_ags": counted["municipality_ags"].to_numpy(),
            "reference_date": as_timestamps(counted["reference_date"]).to_numpy(),
        }
    ).drop_duplicates()
    areas = pd.DataFrame(polygons[AREA_KEY]).drop_duplicates()
    return areas.merge(dates, on="municipality_ags").sort_values(KEY, ignore_index=True)


def valid_at(facilities: pd.DataFrame, dates: pd.Series) -> pd.DataFrame:
    """One row per facility and Stichtag at which it is open (`reference_date` added).

    Both ends are inclusive: a facility opening or closing on the Stichtag itself counts, because
    it offers its places on that day. An empty `valid_to` means still open.
    """
    frame = facilities.assign(
        _from=as_timestamps(facilities["valid_from"]).to_numpy(),
        _to=as_timestamps(facilities["valid_to"]).to_numpy(),
    )
    pairs = frame.merge(
        pd.DataFrame({"reference_date": pd.to_datetime(sorted(set(dates)))}), how="cross"
    )
    is_open = (pairs["_from"] <= pairs["reference_date"]) & (
        pairs["_to"].isna() | (pairs["_to"] >= pairs["reference_date"])
    )
    return pairs[is_open].drop(columns=["_from", "_to"]).reset_index(drop=True)


def target_population(
    population: pd.DataFrame, target_groups: dict[str, list[str]]
) -> pd.DataFrame:
    """Sum of the offer type's Merkmal codes per area and Stichtag (ROW_KEY + target_population).

    NULL when any code is missing or secret: a partial sum would understate the group and so
    overstate coverage.
    """
    wide = (
        population.assign(
            reference_date=as_timestamps(population["reference_date"]).to_numpy(),
            value=population["value"].astype(float),
        )
        .set_index([*KEY, "code"])["value"]
        .unstack("code")
    )
    parts = [
        wide.reindex(columns=codes)
        .sum(axis=1, min_count=len(codes))
        .rename("target_population")
        .reset_index()
        .assign(offer_type=offer_type)
        for offer_type, codes in target_groups.items()
    ]
    if not parts or wide.empty:
        return no_rows("target_population")
    return pd.concat(parts, ignore_index=True)[[*ROW_KEY, "target_population"]]


def coverage(
    areas_dates: pd.DataFrame, valid: pd.DataFrame, targets: pd.DataFrame, types: list[str]
) -> pd.DataFrame:
    """Facilities, capacity, target population and places per 1,000 per area, date and type.

    Only facilities with an area count here (one outside every area still serves the nearest-
    distance search). The capacity is NULL when a facility of the area has no capacity: a sum of
    the known ones would read as a complete count. `places_per_1000` is NULL without a positive
    target population.
    """
    rows = areas_dates.merge(
        pd.DataFrame({"offer_type": pd.Series(types, dtype=object)}), how="cross"
    )
    counted = (
        valid.dropna(subset=["area_id"])
        .assign(_unknown=lambda f: f["capacity"].isna())
        .groupby(ROW_KEY)
        .agg(
            facilities=("facility_id", "size"),
            capacity=("capacity", "sum"),
            _unknown=("_unknown", "any"),
        )
        .reset_index()
    )
    rows = rows.merge(counted, on=ROW_KEY, how="left").merge(targets, on=ROW_KEY, how="left")
    rows["facilities"] = rows["facilities"].fillna(0).astype("int64")
    rows["capacity"] = rows["capacity"].astype(float).fillna(0.0).mask(rows["_unknown"].eq(True))
    rows["target_population"] = rows["target_population"].astype(float)
    rows["places_per_1000"] = _per_1000(rows["capacity"], rows["target_population"])
    return rows.drop(columns="_unknown")


def municipality_coverage(rows: pd.DataFrame) -> pd.DataFrame:
    """The municipality's places per 1,000 per type and Stichtag (`municipality_places_per_1000`).

    Summed capacity over summed target population, never the mean of the area rates (which would
    weigh a small area like a large one). Only areas where both are known enter either sum, so
    the ratio compares like with like.
    """
    known = rows[rows["capacity"].notna() & rows["target_population"].notna()]
    sums = (
        known.groupby(["municipality_ags", "reference_date", "offer_type"])[
            ["capacity", "target_population"]
        ]
        .sum()
        .reset_index()
    )
    sums["municipality_places_per_1000"] = _per_1000(sums["capacity"], sums["target_population"])
    return sums.drop(columns=["capacity", "target_population"])


def _per_1000(capacity: pd.Series, target: pd.Series) -> pd.Series:
    return (capacity / target * 1000).where(target > 0)
