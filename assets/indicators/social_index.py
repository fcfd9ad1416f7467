"""The social index (DESIGN §6), after Berlin's Monitoring Soziale Stadtentwicklung and Hamburg's
RISE Sozialmonitoring.

It is computed per population Stichtag t. The status indicators of the same calendar month are
z-standardised across the municipality's valid areas (each municipality on its own, so that a
large city never sets the scale for a small one); the status index is the mean of those z,
standardised again so that its classes have the same meaning everywhere. The dynamics index does
the same with the change in percentage points over `dynamics_years` years. Areas that cannot be
compared (too few inhabitants, missing or secret values) get NULL and a German `note`, never a
guessed class.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.indicators.as_of import MAX_AGE_MONTHS, german_date, latest_delivered
from assets.wording import counted

COLUMNS = [
    "municipality_ags",
    "area_id",
    "reference_date",
    "status_index",
    "status_class",
    "dynamics_index",
    "dynamics_class",
    "needs_action",
    "note",
]
COMPONENT_COLUMNS = [
    "municipality_ags",
    "area_id",
    "reference_date",
    "component",
    "indicator_id",
    "value",
    "z",
]
STATUS_CLASSES = ("high", "medium", "low", "very_low")
DYNAMICS_CLASSES = ("positive", "stable", "negative")
MIN_SD = 1e-9
"""Smaller spreads (percentage points, or z for the composite) are rounding noise of equal
values, not differences between areas."""


class NotStandardisable(ValueError):
    """The areas of a municipality cannot be z-standardised; the message says why (German)."""


def classify(z: float, cutoffs: list[float], labels: tuple[str, ...]) -> str | None:
    """The label of the interval that holds `z`; intervals are closed at their upper cutoff.

    With cutoffs [-1, 1, 1.5]: z < -1 is the first label, -1 <= z <= 1 the second, 1 < z <= 1.5
    the third and z > 1.5 the last, so an area exactly on a cutoff keeps the milder class.
    """
    if pd.isna(z):
        return None
    if z < cutoffs[0]:
        return labels[0]
    for cutoff, label in zip(cutoffs[1:], labels[1:], strict=False):
        if z <= cutoff:
            return label
    return labels[len(cutoffs)]


def needs_action(status_class: str | None, dynamics_class: str | None) -> bool | None:
    """Low or very low status, or medium status that is getting worse; unknown without status."""
    if status_class is None:
        return None
    return status_class in ("low", "very_low") or (
        status_class == "medium" and dynamics_class == "negative"
    )


def standardised_index(table: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Composite index of an area × indicator table (all values present) and the z table.

    Each column is z-standardised with the sample SD (ddof=1); the index is the row mean of the z,
    standardised again. Raises `NotStandardisable` when there is no spread to standardise by.
    """
    if len(table) < 2:
        raise NotStandardisable(f"weniger als 2 vergleichbare Gebiete ({len(table)})")
    z = _zscores(table)
    composite = _zscores(z.mean(axis=1).to_frame("index"))["index"]
    return composite, z


def _zscores(table: pd.DataFrame) -> pd.DataFrame:
    sd = table.std(ddof=1)
    flat = [str(column) for column in sd.index if not sd[column] > MIN_SD]
    if flat:
        raise NotStandardisable(f"keine Streuung zwischen den Gebieten: {', '.join(flat)}")
    return (table - table.mean()) / sd


def compute_social_index(
    values: pd.DataFrame, population: pd.DataFrame, index_settings: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`social_index` (one row per area and population Stichtag) and its z components.

    `values` are indicator values (rows with area_id 'ALL' are ignored). Each status indicator
    is taken at its latest delivered month at or before the Stichtag's month, at most
    `MAX_AGE_MONTHS` older (`assets/indicators/as_of.py`): Bundesagentur figures carry month-end
    dates, and the small-area product comes quarterly. When that month is not the Stichtag's own,
    every area's note names the date used; an indicator without such a delivery leaves the
    areas without status. `population` holds the EW per area and Stichtag; its dates drive the
    output. The components frame lists x (or the change in percentage points) and z of every
    status indicator for the areas that entered the standardisation, so that a check can confirm
    mean 0 and SD 1.
    """
    indicators = list(index_settings["status_indicators"])
    tables, delivered = _monthly_tables(values, indicators)
    pop = population.assign(_t=pd.to_datetime(population["reference_date"]))
    rows, components = [], []
    for (ags, t), group in pop.groupby(["municipality_ags", "_t"], sort=True):
        month = t.to_period("M")
        lag = month - 12 * int(index_settings["dynamics_years"])
        current, used = _table(tables, delivered, ags, month, indicators)
        previous, used_before = _table(tables, delivered, ags, lag, indicators)
        result, parts = _one_stichtag(
            group.set_index("area_id")["population"].sort_index(),
            current,
            previous,
            index_settings,
            _dates_notes(used, month, "", True)
            + _dates_notes(used_before, lag, "Dynamik: ", False),
        )
        key = {"municipality_ags": ags, "reference_date": t.date()}
        rows.append(result.assign(**key))
        components.append(parts.assign(**key))
    components = [part for part in components if not part.empty]
    return (
        pd.concat(rows, ignore_index=True)[COLUMNS] if rows else pd.DataFrame(columns=COLUMNS),
        pd.concat(components, ignore_index=True)[COMPONENT_COLUMNS]
        if components
        else pd.DataFrame(columns=COMPONENT_COLUMNS),
    )


def _monthly_tables(values: pd.DataFrame, indicators: list[str]) -> tuple[dict, dict]:
    """{(ags, month): area × indicator table of ok values (NaN where not ok)} and
    {(ags, indicator): {delivered month: its latest reference date}}."""
    rows = values[(values["area_id"] != "ALL") & values["indicator_id"].isin(indicators)]
    rows = rows.assign(
        date=pd.to_datetime(rows["reference_date"]),
        month=pd.to_datetime(rows["reference_date"]).dt.to_period("M"),
        value=rows["value"].where(rows["status"] == "ok"),
    )
    wide = (
        rows.set_index(["municipality_ags", "month", "area_id", "indicator_id"])["value"]
        .astype(float)
        .unstack("indicator_id")
    )
    tables = {key: table.droplevel([0, 1]) for key, table in wide.groupby(level=[0, 1])}
    delivered: dict = {}
    latest = rows.groupby(["municipality_ags", "indicator_id", "month"])["date"].max()
    for (ags, indicator, month), date in latest.items():
        delivered.setdefault((ags, indicator), {})[month] = date.date()
    return tables, delivered


def _table(
    tables: dict, delivered: dict, ags: str, month: pd.Period, indicators: list[str]
) -> tuple[pd.DataFrame, dict]:
    """The area × indicator table that stands for `month`, each indicator from its latest
    delivery in `as_of.window(month)`, and {indicator: (delivered month, date) or None}."""
    columns, used = {}, {}
    for indicator in indicators:
        dates = delivered.get((ags, indicator), {})
        found = latest_delivered(dates, month)
        used[indicator] = None if found is None else (found, dates[found])
        if found is not None:
            columns[indicator] = tables[(ags, found)][indicator]
    table = pd.DataFrame(columns, dtype=float) if columns else pd.DataFrame(dtype=float)
    return table.reindex(columns=indicators), used


def _dates_notes(used: dict, month: pd.Period, prefix: str, all_missing: bool) -> list[str]:
    """Notes for every area: which indicators come from an earlier month than `month`, and which
    have no delivery recent enough (when none has, only if `all_missing`: the dynamics already
    say that there are no values of the earlier year)."""
    notes, earlier = [], {}
    for indicator, found in used.items():
        if found is not None and found[0] != month:
            earlier.setdefault(german_date(found[1]), []).append(indicator)
    for date, names in earlier.items():
        notes.append(
            f"{prefix}Werte vom {date} (neueste Lieferung bis {MAX_AGE_MONTHS} Monate vor dem "
            f"Stichtag): {', '.join(names)}"
        )
    missing = [indicator for indicator, found in used.items() if found is None]
    if missing and (all_missing or len(missing) < len(used)):
        notes.append(
            f"{prefix}keine Lieferung in den {MAX_AGE_MONTHS} Monaten bis zum Stichtag: "
            f"{', '.join(missing)}"
        )
    return notes


def _one_stichtag(
    population: pd.Series,
    current: pd.DataFrame,
    previous: pd.DataFrame,
    settings: dict,
    stichtag_notes: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Index rows and components for one municipality at one Stichtag; `stichtag_notes` go to
    every area.

    Runs once per municipality and Stichtag (thousands of times state-wide), so the per-area
    work is done column-wise rather than area by area.
    """
    areas = population.index
    current = current.reindex(areas)
    notes = _exclusion_reasons(population, current, settings)
    valid = areas[[not n for n in notes]]
    result = pd.DataFrame(index=areas, columns=["status_index", "dynamics_index"], dtype=float)
    parts = []

    try:
        index, z = standardised_index(current.loc[valid])
        result.loc[valid, "status_index"] = index
        parts.append(_components("status", current.loc[valid], z))
    except NotStandardisable as reason:
        _append(notes, areas, valid, f"Status nicht berechenbar: {reason}")

    years = settings["dynamics_years"]
    previous = previous.reindex(valid)
    complete = previous.notna().all(axis=1).to_numpy()
    with_past = valid[complete]
    _append(
        notes,
        areas,
        valid[~complete],
        f"keine Werte vor {counted(years, 'Jahr', 'Jahren')} für die Dynamik",
    )
    change = current.loc[with_past] - previous.loc[with_past]
    try:
        index, z = standardised_index(change)
        result.loc[with_past, "dynamics_index"] = index
        parts.append(_components("dynamics", change, z))
    except NotStandardisable as reason:
        _append(notes, areas, with_past, f"Dynamik nicht berechenbar: {reason}")

    result["status_class"] = [
        classify(z, settings["cutoffs_status"], STATUS_CLASSES) for z in result["status_index"]
    ]
    result["dynamics_class"] = [
        classify(z, settings["cutoffs_dynamics"], DYNAMICS_CLASSES)
        for z in result["dynamics_index"]
    ]
    result["needs_action"] = pd.array(
        [
            needs_action(s, d)
            for s, d in zip(result.status_class, result.dynamics_class, strict=True)
        ],
        dtype="boolean",
    )
    result["note"] = ["; ".join(n + stichtag_notes) or None for n in notes]
    parts_frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return result.rename_axis("area_id").reset_index(), parts_frame


def _append(notes: list[list[str]], areas: pd.Index, which: pd.Index, note: str) -> None:
    for position in areas.get_indexer(which):
        notes[position].append(note)


def _exclusion_reasons(
    population: pd.Series, values: pd.DataFrame, settings: dict
) -> list[list[str]]:
    """Per area (in `population` order): why it cannot enter the standardisation (empty: it can)."""
    minimum = settings["min_population"]
    missing = values.isna()
    columns = [str(c) for c in values.columns]
    reasons = []
    for people, gaps in zip(population.to_numpy(), missing.to_numpy(), strict=True):
        area_reasons = []
        if pd.isna(people):
            area_reasons.append("Einwohnerzahl fehlt oder ist geheim")
        elif people < minimum:
            area_reasons.append(f"weniger als {minimum} Einwohner")
        if gaps.any():
            names = ", ".join(c for c, gap in zip(columns, gaps, strict=True) if gap)
            area_reasons.append(f"Indikator fehlt oder nicht berechenbar: {names}")
        reasons.append(area_reasons)
    return reasons


def _components(component: str, table: pd.DataFrame, z: pd.DataFrame) -> pd.DataFrame:
    """Long frame of x and z per area and indicator (area by area, indicators in column order)."""
    width = table.shape[1]
    return pd.DataFrame(
        {
            "area_id": np.repeat(table.index.to_numpy(), width),
            "indicator_id": np.tile(table.columns.to_numpy(dtype=object), len(table)),
            "value": table.to_numpy(dtype=float).ravel(),
            "z": z.reindex(index=table.index, columns=table.columns).to_numpy(dtype=float).ravel(),
            "component": component,
        }
    )
