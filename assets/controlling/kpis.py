"""`measure_kpis`: what each measure achieved per month (DESIGN §6 Controlling, §8).

A measure may report one row per area; the KPIs are about the measure, so the areas are summed
first and every ratio is taken from those sums. A month without a report is a row with
`report_status = 'missing'` and NULL report figures: zero participants would claim that the
measure ran empty, which nobody reported.

Expected months: a measure is expected to report from its first reported month on (a measure
that has not started yet is not late). A measure of goals.yaml that has never reported at all is
expected in every requested month, so that a silent provider shows up. `reports` should therefore
hold the whole history, not only the requested months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.controlling.target_population import (
    age_selection,
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


def compute_measure_kpis(
    reports: pd.DataFrame,
    responses: pd.DataFrame,
    population: pd.DataFrame,
    goals: Goals,
    months: list[str],
) -> pd.DataFrame:
    """One row per measure and requested month (`YYYY-MM`) with the KPIs of DESIGN §8.

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
    frame["capacity"] = frame["measure_id"].map(
        lambda m: planned[m].capacity if m in planned else None
    )
    frame["capacity"] = frame["capacity"].astype(float)
    frame["utilisation"] = _percent(frame["participants"], frame["capacity"])
    frame["cost_per_participant"] = _ratio(frame["cost_eur"], frame["participants"])
    frame = _with_target_population(frame, planned, population)
    frame["reach"] = _percent(frame["target_group_participants"], frame["target_population"])
    frame = _with_satisfaction(frame, responses)
    frame["note"] = _notes(frame, planned)
    frame["month"] = frame["month"].dt.date
    frame["population_date"] = frame["population_date"].dt.date.astype(object)
    frame["population_date"] = frame["population_date"].where(
        frame["population_date"].notna(), None
    )
    return frame[COLUMNS].sort_values(["measure_id", "month"], ignore_index=True)


def _monthly_figures(reports: pd.DataFrame) -> pd.DataFrame:
    """Report figures summed over the areas of a measure and month."""
    rows = reports.assign(month=pd.to_datetime(reports["month"]).astype("datetime64[ns]"))
    if rows.empty:
        return pd.DataFrame(columns=["measure_id", "month", "provider_id", *FIGURES]).astype(
            {"month": "datetime64[ns]"}
        )
    sums = rows.groupby(["measure_id", "month"])[FIGURES].sum(min_count=1)
    # One provider per measure is the rule (the reader enforces it when goals.yaml exists).
    sums["provider_id"] = rows.groupby(["measure_id", "month"])["provider_id"].min()
    return sums.reset_index()


def _expected_rows(monthly: pd.DataFrame, goals: Goals, wanted: pd.Series) -> pd.DataFrame:
    """(measure_id, month, provider_id from goals.yaml) for every month a report is due."""
    first = monthly.groupby("measure_id")["month"].min()
    providers = {m.id: m.provider for m in goals.measures}
    rows = []
    for measure_id in sorted(set(first.index) | set(providers)):
        start = first.get(measure_id, wanted.min())
        rows.extend(
            (measure_id, month, providers.get(measure_id)) for month in wanted if month >= start
        )
    return pd.DataFrame(rows, columns=["measure_id", "month", "provider_id"]).astype(
        {"month": "datetime64[ns]", "provider_id": object}
    )


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NULL where the divisor is 0 or missing (never 0 or infinity)."""
    usable = denominator.astype(float) > 0
    return (numerator.astype(float) / denominator.astype(float).where(usable)).astype(float)


def _percent(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return _ratio(numerator, denominator) * 100


def _with_target_population(
    frame: pd.DataFrame, planned: dict[str, Measure], population: pd.DataFrame
) -> pd.DataFrame:
    """Add target_population and population_date per row (NULL for measures without a plan)."""
    frame = frame.assign(target_population=np.nan, population_date=pd.NaT)
    frame["population_date"] = frame["population_date"].astype("datetime64[ns]")
    for measure_id, rows in frame.groupby("measure_id"):
        measure = planned.get(measure_id)
        if measure is None:
            continue
        terms = age_selection(measure.age_from, measure.age_to).terms
        by_date = target_population_by_date(population, measure.areas, terms)
        found = population_at(by_date, rows["month"])
        found.index = rows.index
        frame.loc[rows.index, "target_population"] = found["value"].astype(float)
        frame.loc[rows.index, "population_date"] = pd.to_datetime(found["reference_date"])
    return frame


def quarter_start(dates: pd.Series) -> pd.Series:
    """First day of the calendar quarter of each date."""
    return pd.to_datetime(dates).dt.to_period("Q").dt.start_time


def _with_satisfaction(frame: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """Mean, top-2 share (answers 1 or 2) and n of all answers in the month's calendar quarter.

    Surveys are run once a quarter, so every month of a quarter shows the same figures; n = 0
    (and NULL mean and share) when the quarter has no answers.
    """
    answers = responses.assign(
        quarter=quarter_start(responses["survey_date"]),
        answer=responses["answer"].astype(float),
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


def _notes(frame: pd.DataFrame, planned: dict[str, Measure]) -> list[str | None]:
    """German notes that explain every NULL a planner would otherwise wonder about."""
    notes = []
    for row in frame.itertuples():
        parts = []
        measure = planned.get(row.measure_id)
        if row.report_status == "missing":
            parts.append("kein Bericht für diesen Monat")
        if measure is None:
            parts.append("Maßnahme nicht im Zielsystem: keine Kapazität und keine Zielbevölkerung")
        else:
            widened = age_selection(measure.age_from, measure.age_to).note(
                measure.age_from, measure.age_to
            )
            if widened:
                parts.append(widened)
            if pd.isna(row.population_date):
                parts.append("keine Bevölkerungszahlen zu einem Stichtag vor diesem Monat")
            elif pd.isna(row.target_population):
                parts.append(
                    f"Zielbevölkerung zum Stichtag {row.population_date:%d.%m.%Y} unvollständig "
                    "(fehlende oder geheime Werte)"
                )
            elif row.target_population == 0:
                parts.append("Zielbevölkerung ist 0: keine Reichweite")
        if row.report_status == "reported" and row.participants == 0:
            parts.append("keine Teilnehmenden: keine Kosten je Teilnehmendem")
        notes.append("; ".join(parts) or None)
    return notes
