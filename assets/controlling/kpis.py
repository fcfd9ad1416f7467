"""`measure_kpis`: what each measure achieved per month (DESIGN §6 Controlling, §8).

A measure may report one row per area; the KPIs are about the measure, so the areas are summed
first and every ratio is taken from those sums. A month without a report is a row with
`report_status = 'missing'` and NULL report figures: zero participants would claim that the
measure ran empty, which nobody reported.

Expected months: a measure is expected to report from its first reported month on (a measure
that has not started yet is not late). A measure of goals.yaml that has never reported at all is
expected in every requested month, so that a silent provider shows up. `reports` should therefore
hold the whole history, not only the requested months.

Capacity: goals.yaml's `capacity` when given, else the capacity of the measure's `facility` in
the month (from the provider's inventory), else NULL; every NULL capacity of a planned measure
carries a note that says why, and a `facility` link that does not fit the inventory is noted with
its goals.yaml line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.controlling.target_population import (
    age_selection,
    measure_terms,
    population_at,
    target_population_by_date,
)
from assets.planning import Goals, Measure

FIGURES = ["participants", "target_group_participants", "new_participants", "hours", "cost_eur"]
COLUMNS = [
    "measure_id",
    "month",
    "provider_id",
    "report_status",
    *FIGURES,
    "capacity",
    "utilisation",
    "reach",
    "cost_per_participant",
    "satisfaction_mean",
    "satisfaction_top2",
    "satisfaction_n",
    "target_population",
    "population_date",
    "note",
]
FACILITY_COLUMNS = ["facility_id", "provider_id", "capacity", "valid_from", "valid_to"]


def compute_measure_kpis(
    reports: pd.DataFrame,
    responses: pd.DataFrame,
    population: pd.DataFrame,
    facilities: pd.DataFrame,
    goals: Goals,
    months: list[str],
) -> pd.DataFrame:
    """One row per measure and requested month (`YYYY-MM`) with the KPIs of DESIGN §8.

    `facilities` is the providers' inventory with `FACILITY_COLUMNS` (facility ids are unique).

    Besides the published columns, `target_population` and `population_date` (the Stichtag used)
    are kept so that reach can be checked by hand and re-aggregated over several months.
    """
    wanted = pd.to_datetime(pd.Series(sorted(set(months)), dtype=object), format="%Y-%m")
    monthly = _monthly_figures(reports)
    frame = _expected_rows(monthly, goals, wanted)
    frame = frame.merge(monthly, on=["measure_id", "month"], how="left", suffixes=("", "_rep"))
    frame["provider_id"] = frame["provider_id"].fillna(frame.pop("provider_id_rep"))
    frame["report_status"] = np.where(frame["participants"].notna(), "reported", "missing")
    planned = {m.id: m for m in goals.measures}
    frame = _with_capacity(frame, goals.measures, facilities)
    frame["utilisation"] = _percent(frame["participants"], frame["capacity"])
    frame["cost_per_participant"] = _ratio(frame["cost_eur"], frame["participants"])
    frame = _with_target_population(frame, goals.measures, population)
    frame["reach"] = _percent(frame["target_group_participants"], frame["target_population"])
    frame = _with_satisfaction(frame, responses)
    frame["note"] = _notes(
        frame, planned, frame.pop("capacity_note"), _unreported_areas(frame, reports, planned)
    )
    frame["month"] = frame["month"].dt.date
    frame["population_date"] = frame["population_date"].dt.date.astype(object)
    frame["population_date"] = frame["population_date"].where(
        frame["population_date"].notna(), None
    )
    return frame[COLUMNS].sort_values(["measure_id", "month"], ignore_index=True)


def _monthly_figures(reports: pd.DataFrame) -> pd.DataFrame:
    """Report figures summed over the areas of a measure and month."""
    rows = reports[["measure_id", "provider_id", *FIGURES]].assign(
        month=pd.to_datetime(reports["month"]).astype("datetime64[ns]")
    )
    if rows.empty:
        return pd.DataFrame(columns=["measure_id", "month", "provider_id", *FIGURES]).astype(
            {"month": "datetime64[ns]"}
        )
    sums = rows.groupby(["measure_id", "month"])[FIGURES].sum(min_count=1)
    # One provider per measure is the rule (the reader enforces it when goals.yaml exists); else
    # the smallest id. Sorted and first, because pandas has no fast `min` of strings.
    sums["provider_id"] = (
        rows.dropna(subset=["provider_id"])
        .sort_values("provider_id", kind="stable")
        .groupby(["measure_id", "month"])["provider_id"]
        .first()
    )
    return sums.reset_index()


def _expected_rows(monthly: pd.DataFrame, goals: Goals, wanted: pd.Series) -> pd.DataFrame:
    """(measure_id, month, provider_id from goals.yaml) for every month a report is due."""
    first = monthly.groupby("measure_id")["month"].min()
    providers = {m.id: m.provider for m in goals.measures}
    ids = sorted(set(first.index) | set(providers))
    grid = pd.DataFrame(
        {
            "measure_id": np.repeat(np.array(ids, dtype=object), len(wanted)),
            "month": np.tile(wanted.to_numpy(dtype="datetime64[ns]"), len(ids)),
            "provider_id": np.repeat(
                np.array([providers.get(i) for i in ids], object), len(wanted)
            ),
        }
    )
    start = grid["measure_id"].map(first).fillna(wanted.min())
    return grid[grid["month"] >= start].reset_index(drop=True)


def _with_capacity(
    frame: pd.DataFrame, measures: list[Measure], facilities: pd.DataFrame
) -> pd.DataFrame:
    """Add `capacity` (places per month) and `capacity_note` (NULL where there is nothing to say).

    A facility counts in every month it was open on at least one day: one that opens on the 15th
    offered its places that month, and participants reported for that month are its users.
    """
    plan = pd.DataFrame(
        [(m.id, m.provider, m.capacity, m.facility, m.facility_line) for m in measures],
        columns=["measure_id", "plan_provider", "plan_capacity", "facility_id", "facility_line"],
    )
    inventory = facilities[FACILITY_COLUMNS].rename(
        columns={"provider_id": "facility_provider", "capacity": "facility_capacity"}
    )
    plan = plan.merge(inventory, on="facility_id", how="left", validate="many_to_one")
    rows = frame[["measure_id", "month"]].merge(plan, on="measure_id", how="left")
    rows.index = frame.index
    given = rows["plan_capacity"].astype(float)
    linked = rows["facility_provider"].notna() & (
        rows["facility_provider"] == rows["plan_provider"]
    )
    derived = given.isna() & linked
    valid_from = pd.to_datetime(rows["valid_from"])
    valid_to = pd.to_datetime(rows["valid_to"])
    open_in_month = (valid_from <= rows["month"] + pd.offsets.MonthEnd(0)) & (
        valid_to.isna() | (valid_to >= rows["month"])
    )
    facility_capacity = rows["facility_capacity"].astype(float)
    capacity = given.fillna(facility_capacity.where(derived & open_in_month))

    facility = "Einrichtung " + rows["facility_id"].astype(str)
    cited = (
        facility + " (goals.yaml Zeile " + rows["facility_line"].astype("Int64").astype(str) + ")"
    )
    consequence = pd.Series(np.where(given.isna(), ": keine Kapazität", ""), index=frame.index)
    closed = derived & ~open_in_month
    period = pd.Series("", index=frame.index, dtype=object)
    period[closed] = "gültig ab " + valid_from[closed].dt.strftime("%d.%m.%Y")
    ends = closed & valid_to.notna()
    period[ends] = period[ends] + " bis " + valid_to[ends].dt.strftime("%d.%m.%Y")
    parts = [
        _where(
            rows["plan_provider"].notna() & given.isna() & rows["facility_id"].isna(),
            "keine Kapazität (weder capacity noch facility im Zielsystem): keine Auslastung",
        ),
        (
            cited
            + " ist im Einrichtungsbestand nicht vorhanden (unbekannt oder in Quarantäne)"
            + consequence
        ).where(rows["facility_id"].notna() & rows["facility_provider"].isna()),
        (
            cited
            + " gehört zu Träger "
            + rows["facility_provider"].astype(str)
            + ", nicht zu "
            + rows["plan_provider"].astype(str)
            + consequence
        ).where(rows["facility_provider"].notna() & ~linked),
        (facility + " im Monat nicht in Betrieb (" + period + "): keine Kapazität").where(closed),
        (facility + " ohne Plätze (Kapazität leer oder 0): keine Auslastung").where(
            derived & open_in_month & ~(facility_capacity > 0)
        ),
    ]
    return frame.assign(capacity=capacity, capacity_note=_join(parts))


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NULL where the divisor is 0 or missing (never 0 or infinity)."""
    usable = denominator.astype(float) > 0
    return (numerator.astype(float) / denominator.astype(float).where(usable)).astype(float)


def _percent(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return _ratio(numerator, denominator) * 100


def _with_target_population(
    frame: pd.DataFrame, measures: list[Measure], population: pd.DataFrame
) -> pd.DataFrame:
    """Add target_population and population_date per row (NULL for measures without a plan)."""
    by_date = target_population_by_date(population, measure_terms(measures))
    found = population_at(by_date, frame)
    return frame.assign(
        target_population=found["value"].astype(float),
        population_date=found["reference_date"].astype("datetime64[ns]"),
    )


def quarter_start(dates: pd.Series) -> pd.Series:
    """First day of the calendar quarter of each date."""
    return pd.to_datetime(dates).dt.to_period("Q").dt.start_time


def _with_satisfaction(frame: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """Mean, top-2 share (answers 1 or 2) and n of all answers in the month's calendar quarter.

    Surveys are run once a quarter, so every month of a quarter shows the same figures; n = 0
    (and NULL mean and share) when the quarter has no answers.
    """
    answers = pd.DataFrame(
        {
            "measure_id": responses["measure_id"],
            "quarter": quarter_start(responses["survey_date"]),
            "answer": responses["answer"].astype(float),
        }
    )
    answers["top2"] = answers["answer"] <= 2
    per_quarter = (
        answers.groupby(["measure_id", "quarter"])
        .agg(
            satisfaction_mean=("answer", "mean"),
            satisfaction_top2=("top2", "mean"),
            satisfaction_n=("answer", "size"),
        )
        .reset_index()
    )
    per_quarter["satisfaction_top2"] = per_quarter["satisfaction_top2"].astype(float) * 100
    frame = frame.assign(quarter=quarter_start(frame["month"]))
    frame = frame.merge(per_quarter, on=["measure_id", "quarter"], how="left")
    frame["satisfaction_n"] = frame["satisfaction_n"].fillna(0).astype("Int64")
    frame["satisfaction_mean"] = frame["satisfaction_mean"].astype(float)
    frame["satisfaction_top2"] = frame["satisfaction_top2"].astype(float)
    return frame.drop(columns="quarter")


def _unreported_areas(
    frame: pd.DataFrame, reports: pd.DataFrame, planned: dict[str, Measure]
) -> pd.Series:
    """Per reported row, a note naming the measure's areas (goals.yaml) without a report row that
    month (not delivered, or quarantined); NULL where every area reported.

    The figures are then the sum over fewer areas than the target population behind reach, so
    the planner must know the report is partial.
    """
    notes = pd.Series(None, index=frame.index, dtype=object)
    rows = reports[["measure_id", "area_id"]].assign(
        month=pd.to_datetime(reports["month"]).astype("datetime64[ns]")
    )
    keys = ["measure_id", "month"]
    reported = rows.groupby(keys)["area_id"].nunique()
    sizes = frame[keys].join(reported, on=keys)["area_id"]
    expected = frame["measure_id"].map({m.id: len(m.areas) for m in planned.values()})
    short = frame[sizes < expected]  # only the few short reports are looked into
    if short.empty:
        return notes
    got = rows.merge(short[keys].drop_duplicates(), on=keys).groupby(keys)["area_id"].agg(set)
    for index, measure_id, month in short[keys].itertuples():
        absent = [a for a in planned[measure_id].areas if a not in got[(measure_id, month)]]
        if absent:
            notes[index] = (
                f"Bericht unvollständig: keine Zeile für {', '.join(absent)} "
                "(Zahlen nur der gemeldeten Sozialräume, Reichweite auf alle bezogen)"
            )
    return notes


def _notes(
    frame: pd.DataFrame,
    planned: dict[str, Measure],
    capacity_notes: pd.Series,
    unreported_areas: pd.Series,
) -> pd.Series:
    """German notes that explain every NULL a planner would otherwise wonder about."""
    missing = frame["report_status"] == "missing"
    is_planned = frame["measure_id"].isin(planned.keys())
    widened = {
        m.id: age_selection(m.age_from, m.age_to).note(m.age_from, m.age_to)
        for m in planned.values()
    }
    population = _population_notes(frame["population_date"], frame["target_population"])
    parts = [
        _where(missing, "kein Bericht für diesen Monat"),
        unreported_areas,
        _where(
            ~is_planned,
            "Maßnahme nicht im Zielsystem: keine Kapazität und keine Zielbevölkerung",
        ),
        capacity_notes,
        frame["measure_id"].map(widened).where(is_planned),
        population.where(is_planned),
        _where(
            (frame["report_status"] == "reported") & (frame["participants"] == 0),
            "keine Teilnehmenden: keine Kosten je Teilnehmendem",
        ),
    ]
    return _join(parts)


def _population_notes(dates: pd.Series, values: pd.Series) -> pd.Series:
    """Why a target population (and so the reach) is NULL or 0; NULL where there is nothing to say.

    Only the incomplete rows get their Stichtag formatted: strftime is slow on every row.
    """
    notes = pd.Series(None, index=dates.index, dtype=object)
    notes[dates.isna()] = "keine Bevölkerungszahlen zu einem Stichtag bis zum Monatsende"
    incomplete = dates.notna() & values.isna()
    notes[incomplete] = (
        "Zielbevölkerung zum Stichtag "
        + dates[incomplete].dt.strftime("%d.%m.%Y")
        + " unvollständig (fehlende oder geheime Werte)"
    )
    notes[dates.notna() & (values == 0)] = "Zielbevölkerung ist 0: keine Reichweite"
    return notes


def _where(condition: pd.Series, text: str) -> pd.Series:
    return pd.Series(np.where(condition, text, None), index=condition.index, dtype=object)


def _join(parts: list[pd.Series]) -> pd.Series:
    """The non-NULL parts of each row joined with "; ", NULL where there is none.

    On object arrays, so that a part without any text (all NULL) cannot turn into floats.
    """
    joined = np.full(len(parts[0]), None, dtype=object)
    for part in parts:
        text = part.to_numpy(dtype=object)
        has, had = pd.notna(text), pd.notna(joined)
        joined[has & had] = joined[has & had] + "; " + text[has & had]
        joined[has & ~had] = text[has & ~had]
    return pd.Series(joined, index=parts[0].index)
