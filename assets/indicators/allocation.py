"""Needs-based allocation of a budget across areas ("Ungleiches ungleich behandeln", DESIGN §6).

An area's weight is its need count (by default the numerator of the `basis` indicator, children
under 15 in SGB II households) times the weight of its social-status class, so that the same
number of children counts for more where the neighbourhood is poorer. Every factor is kept in
the output so that the council can follow each euro.

Decision: `budget_eur` in the settings is the budget of *each* municipality. A data root with
several municipalities splits the full amount within each of them at each Stichtag; budgets are
never shared across municipalities, because each is standardised on its own by the social index.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.indicators.as_of import german_date, latest_delivered

KEY = ["municipality_ags", "area_id", "reference_date"]
COLUMNS = [
    *KEY,
    "basis",
    "basis_count",
    "status_class",
    "class_weight",
    "weight",
    "share",
    "amount_eur",
    "note",
]


def largest_remainder(weights: pd.Series, total: int) -> pd.Series:
    """Whole-number parts of `total` proportional to `weights` that sum exactly to `total`.

    Each part is first rounded down; the euros left over go one each to the largest remainders.
    Equal remainders go to the smaller index label (area_id), so the result never depends on
    row order.
    """
    exact = weights * total / weights.sum()
    parts = np.floor(exact).astype("int64")
    remainder = exact - parts
    order = sorted(weights.index, key=lambda label: (-remainder[label], label))
    parts.loc[order[: total - int(parts.sum())]] += 1
    return parts


def compute_allocation(
    social_index: pd.DataFrame, basis_counts: pd.DataFrame, allocation_settings: dict
) -> pd.DataFrame:
    """`allocation`: the budget split per municipality and Stichtag of `social_index`.

    `basis_counts` (municipality_ags, area_id, reference_date, basis_count) are taken at their
    latest month at most `MAX_AGE_MONTHS` before the Stichtag, like the status indicators of the
    index (`assets/indicators/as_of.py`); the note names the date when it is not the Stichtag's
    month. `share` is the area's
    share of the budget in percent (the shares of a municipality and Stichtag add up to 100), like
    every published rate. Areas without a status class or without a count get weight 0 and a
    note; if no area has weight, nothing is distributed (shares NULL, amounts 0) and the note
    says so.
    """
    class_weights = allocation_settings["class_weights"]
    budget = _whole_euros(allocation_settings["budget_eur"])
    unknown = set(social_index["status_class"].dropna()) - set(class_weights)
    if unknown:
        raise ValueError(f"allocation.class_weights: kein Gewicht für Klasse(n) {sorted(unknown)}")

    counts = basis_counts.assign(_month=_month(basis_counts["reference_date"]))
    index = social_index[[*KEY, "status_class"]].assign(
        _month=_delivered_months(social_index, counts)
    )
    frame = (
        index.merge(
            counts[["municipality_ags", "area_id", "_month", "basis_count"]],
            on=["municipality_ags", "area_id", "_month"],
            how="left",
            validate="many_to_one",
        )
        .merge(_delivery_dates(counts), on=["municipality_ags", "_month"], how="left")
        .sort_values(KEY, ignore_index=True)
    )
    frame["basis"] = allocation_settings["basis"]
    frame["class_weight"] = frame["status_class"].map(class_weights).astype(float)
    frame["basis_count"] = frame["basis_count"].astype(float)
    frame["weight"] = (frame["basis_count"] * frame["class_weight"]).fillna(0.0)
    frame["note"] = [
        _note(status_class, count, stichtag, counted)
        for status_class, count, stichtag, counted in zip(
            frame["status_class"],
            frame["basis_count"],
            frame["reference_date"],
            frame.pop("_counted"),
            strict=True,
        )
    ]
    frame = frame.drop(columns="_month")
    groups = [
        _split(group, budget)
        for _, group in frame.groupby(["municipality_ags", "reference_date"], sort=True)
    ]
    if not groups:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(groups, ignore_index=True)[COLUMNS]


def _split(group: pd.DataFrame, budget: int) -> pd.DataFrame:
    weights = group.set_index("area_id")["weight"]
    if weights.sum() > 0:
        return group.assign(
            share=(100 * weights / weights.sum()).to_numpy(),
            amount_eur=largest_remainder(weights, budget).to_numpy(),
        )
    empty = "alle Gewichte 0: Budget nicht verteilt"
    return group.assign(
        share=np.nan,
        amount_eur=0,
        note=[empty if note is None else f"{note}; {empty}" for note in group["note"]],
    )


def _delivered_months(social_index: pd.DataFrame, counts: pd.DataFrame) -> pd.Series:
    """Per index row: the month of the counts that stands for its Stichtag (`as_of`), or NaT."""
    delivered = counts.groupby("municipality_ags")["_month"].agg(set).to_dict()
    months = [
        latest_delivered(delivered.get(ags, set()), month)
        for ags, month in zip(
            social_index["municipality_ags"], _month(social_index["reference_date"]), strict=True
        )
    ]
    return pd.Series(months, index=social_index.index, dtype="period[M]")


def _delivery_dates(counts: pd.DataFrame) -> pd.DataFrame:
    """(municipality_ags, _month, _counted): the date of each municipality's counts per month."""
    return (
        counts.assign(_counted=pd.to_datetime(counts["reference_date"]))
        .groupby(["municipality_ags", "_month"], as_index=False)["_counted"]
        .max()
    )


def _note(status_class: str | None, basis_count: float, stichtag, counted) -> str | None:
    reasons = []
    if pd.isna(status_class):
        reasons.append("keine Statusklasse")
    if pd.isna(basis_count):
        reasons.append("keine Bedarfszahl (basis_count fehlt oder ist geheim)")
    if pd.notna(counted) and _month_of(counted) != _month_of(stichtag):
        reasons.append(f"Bedarfszahl vom {german_date(counted)}")
    return "; ".join(reasons) or None


def _month_of(date) -> pd.Period:
    return pd.Timestamp(date).to_period("M")


def _month(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.to_period("M")


def _whole_euros(budget: float) -> int:
    if budget != int(budget) or budget < 0:
        raise ValueError(
            f"allocation.budget_eur muss ein ganzer, nicht negativer Betrag sein: {budget}"
        )
    return int(budget)
