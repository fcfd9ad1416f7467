"""The target population of a measure: residents of its areas in its age group (DESIGN §6).

The statistics office publishes population in fixed age bands (DESIGN §5), so an age range from
goals.yaml is translated into a signed sum of `EW_*` codes. 25–64 has no code of its own and is
derived as EW_15_64 − EW_15_17 − EW_18_24. A range that does not start and end on band limits is
widened to the bands it overlaps, and the caller gets a note that says so, because the reach is
then computed against more people than the measure addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from assets.planning import Measure

OPEN_END_AGE = 99
"""An `age_to` of 99 or more means "and older": the statistics stop at the 80+ band."""

# (first age, last age or None for the open band, code -> coefficient)
BANDS: tuple[tuple[int, int | None, dict[str, int]], ...] = (
    (0, 2, {"EW_U3": 1}),
    (3, 5, {"EW_3_5": 1}),
    (6, 14, {"EW_6_14": 1}),
    (15, 17, {"EW_15_17": 1}),
    (18, 24, {"EW_18_24": 1}),
    (25, 64, {"EW_15_64": 1, "EW_15_17": -1, "EW_18_24": -1}),
    (65, 79, {"EW_65_79": 1}),
    (80, None, {"EW_80P": 1}),
)


@dataclass(frozen=True)
class AgeSelection:
    """The EW_* terms that count an age range, and whether they count it exactly."""

    terms: dict[str, int]  # code -> coefficient (+1 / -1)
    covered_from: int
    covered_to: int | None  # None: open end (80 and older)
    exact: bool

    def note(self, age_from: int, age_to: int) -> str | None:
        """German note for a widened range (None when the bands fit exactly)."""
        if self.exact:
            return None
        covered = (
            f"{self.covered_from}+"
            if self.covered_to is None
            else f"{self.covered_from}–{self.covered_to}"
        )
        return (
            f"Altersgruppe {age_from}–{age_to} passt nicht zu den Altersgruppen der Statistik; "
            f"Zielbevölkerung aus den überdeckenden Altersgruppen {covered} Jahre"
        )


def age_selection(age_from: int, age_to: int) -> AgeSelection:
    """The bands overlapping [age_from, age_to], summed into one coefficient per code.

    Adjacent bands cancel: 18–64 becomes EW_15_64 − EW_15_17, so no derived band is needed when
    the range covers it whole.
    """
    upper = None if age_to >= OPEN_END_AGE else age_to
    chosen = [
        band
        for band in BANDS
        if (band[1] is None or band[1] >= age_from) and (upper is None or band[0] <= upper)
    ]
    terms: dict[str, int] = {}
    for _, _, codes in chosen:
        for code, coefficient in codes.items():
            terms[code] = terms.get(code, 0) + coefficient
    covered_from, covered_to = chosen[0][0], chosen[-1][1]
    exact = covered_from == age_from and covered_to == upper
    return AgeSelection(
        terms={code: c for code, c in terms.items() if c != 0},
        covered_from=covered_from,
        covered_to=covered_to,
        exact=exact,
    )


def measure_terms(measures: list[Measure]) -> pd.DataFrame:
    """(measure_id, area_id, code, coefficient, needed) for every area and EW_* term of a measure.

    `needed` is the number of (area, code) values the target population of a Stichtag sums.
    """
    rows = []
    for measure in measures:
        terms = age_selection(measure.age_from, measure.age_to).terms
        needed = len(measure.areas) * len(terms)
        rows.extend(
            (measure.id, area_id, code, coefficient, needed)
            for area_id in dict.fromkeys(measure.areas)
            for code, coefficient in terms.items()
        )
    return pd.DataFrame(rows, columns=["measure_id", "area_id", "code", "coefficient", "needed"])


def target_population_by_date(population: pd.DataFrame, terms: pd.DataFrame) -> pd.DataFrame:
    """Per measure and population Stichtag: the target population summed over the measure's areas
    (measure_id, reference_date, value), from `measure_terms`.

    The value is NULL at a Stichtag where any area lacks one of the codes or has no number for
    it (secret, unknown): a partial sum would understate the denominator and inflate the reach.
    All measures go through one join and one grouping; within a group the values are summed in
    the order of `population`.
    """
    rows = population.merge(terms, on=["area_id", "code"])
    rows = rows.assign(
        reference_date=pd.to_datetime(rows["reference_date"]).astype("datetime64[ns]"),
        weighted=rows["value"].astype(float) * rows["coefficient"],
    )
    by_date = (
        rows.groupby(["measure_id", "reference_date"])
        .agg(value=("weighted", "sum"), known=("weighted", "count"), needed=("needed", "first"))
        .reset_index()
    )
    by_date["value"] = by_date["value"].where(by_date.pop("known") == by_date.pop("needed"))
    return by_date


def population_at(by_date: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """For each (measure_id, month) of `keys`: the latest Stichtag at or before the month's last
    day and the measure's target population there (reference_date, value), in the order of `keys`.

    A report month's reference date is its last day, the date the Bundesagentur's monthly figures
    carry; the indicator values divide those by the population of the latest Stichtag at or
    before it. Taking the same Stichtag here gives every figure of a month the same population:
    December 2024 uses 31.12.2024 for reach as for child poverty, November 2024 still 31.12.2023.
    No older Stichtag is used when the latest one is incomplete: a denominator never silently
    shifts in time. A measure without any Stichtag gets NULLs.
    """
    # one resolution on both sides: DuckDB hands out microseconds, pandas defaults to nanoseconds
    month = pd.to_datetime(keys["month"]).astype("datetime64[ns]")
    left = keys[["measure_id"]].assign(
        month_end=month + pd.offsets.MonthEnd(0), order=range(len(keys))
    )
    joined = pd.merge_asof(
        left.sort_values("month_end"),
        by_date.sort_values("reference_date"),
        left_on="month_end",
        right_on="reference_date",
        by="measure_id",
        direction="backward",
    )
    joined = joined.sort_values("order").set_index(keys.index)
    return joined[["reference_date", "value"]]
