"""How the workbook shows a column: its number format, German words for its codes, "gesperrt".

The format follows from what the published file declares: the column's type (DATE, TIMESTAMP,
BIGINT counts, `_eur` amounts), the indicator's unit in `indicator_catalog`, or the unit its
comment names ("in Prozent", "km²"); a short map covers the few decimals a type cannot tell
(indices, weights, ratings, coordinates). Codes become the German words of `assets/labels.py`.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd

from assets.labels import (
    DYNAMICS_CLASSES,
    FREQUENCIES,
    KPIS,
    OFFER_TYPES,
    POLARITIES,
    RESPONDENT_GROUPS,
    SOURCES,
    STATUS_CLASSES,
    TARGET_KINDS,
    TRAFFIC_LIGHTS,
    UNITS,
    VALUE_STATUSES,
    WHOLE_MUNICIPALITY,
    label,
)
from assets.publish.spreadsheet import Sheet

HIDDEN_PREFIX = "__hidden__"
ALL_AREAS = "ALL"
HIDDEN_NOTE = (
    "gesperrt: aus Gründen der Geheimhaltung nicht veröffentlicht (Regeln auf dem Blatt Info)"
)

CODE_LABELS = {
    "status_class": STATUS_CLASSES,
    "dynamics_class": DYNAMICS_CLASSES,
    "traffic_light": TRAFFIC_LIGHTS,
    "worst_light": TRAFFIC_LIGHTS,
    "offer_type": OFFER_TYPES,
    "kpi": KPIS,
    "respondent_group": RESPONDENT_GROUPS,
    "target_kind": TARGET_KINDS,
    "polarity": POLARITIES,
    "status": VALUE_STATUSES,
    "unit": UNITS,
    "frequency": FREQUENCIES,
    "source": SOURCES,
}
# columns naming an indicator: its German label (the catalogue sheet keeps the id beside it)
INDICATOR_COLUMNS = ("indicator_id", "basis")

# decimals a DOUBLE column's type and comment do not tell; goal values are indicator values
DECIMALS = {
    "status_index": "decimal2",
    "dynamics_index": "decimal2",
    "class_weight": "decimal2",
    "weight": "decimal1",
    "mean_rating": "decimal2",
    "places_per_1000": "decimal1",
    "municipality_places_per_1000": "decimal1",
    "lon": "coordinate",
    "lat": "coordinate",
    "baseline": "percent",
    "current": "percent",
    "target": "percent",
}
# a KPI's unit, for the columns that hold KPIs of every kind (the others are head counts)
KPI_KINDS = {
    "cost_eur": "euro_cents",
    "cost_per_participant": "euro_cents",
    "utilisation": "percent",
    "reach": "decimal2",  # a share of the target population: often below 1 %
    "satisfaction_top2": "percent",
    "satisfaction_mean": "decimal2",
    "hours": "decimal1",
}
KPI_VALUE_COLUMNS = ("actual", "target")


def column_kind(column: str, duck_type: str, comment: str, units: dict[str, str]) -> str | None:
    """The number format kind (`spreadsheet.NUMBER_FORMATS`) of a column, None for text."""
    if duck_type == "DATE":
        return "date"
    if duck_type.startswith("TIMESTAMP"):
        return "datetime"
    if duck_type in ("BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "UBIGINT"):
        return "euro" if column.endswith("_eur") else "count"
    if duck_type not in ("DOUBLE", "FLOAT") and not duck_type.startswith("DECIMAL"):
        return None
    if units.get(column) == "percent" or "Prozent" in comment:
        return "percent"
    if "km²" in comment:
        return "decimal2"
    return DECIMALS.get(column, "decimal2")


def german_codes(column: str, values: pd.Series, indicators: dict[str, str]) -> pd.Series:
    """The column with its codes in German words (unknown codes stay visible as they are)."""
    if column == "area_id":
        return values.mask(values == ALL_AREAS, WHOLE_MUNICIPALITY)
    mapping = indicators if column in INDICATOR_COLUMNS else CODE_LABELS.get(column)
    if mapping is None or values.dtype != object:
        return values
    words = {code: label(mapping, code) for code in values.dropna().unique()}
    return values.map(words)


def sheet_of(
    name: str,
    relation: duckdb.DuckDBPyRelation,
    texts: Callable[[str], tuple[str, str]],
    units: dict[str, str],
    indicators: dict[str, str],
) -> Sheet:
    """A sheet from a topic's query: German headers (`texts` gives a column's header and
    comment), formats per column (per row for KPI values), German words, "gesperrt"."""
    frame = relation.df()
    types = dict(zip(relation.columns, map(str, relation.types), strict=True))
    flags = [c for c in frame.columns if c.startswith(HIDDEN_PREFIX)]
    hidden = {c.removeprefix(HIDDEN_PREFIX): frame[c].to_numpy(dtype=bool) for c in flags}
    frame = frame.drop(columns=flags)
    keep_ids = "label_de" in frame.columns
    kinds, headers, shown = {}, {}, {}
    for column in frame.columns:
        header, comment = texts(column)
        kind = column_kind(column, types[column], comment, units)
        if column in KPI_VALUE_COLUMNS and "kpi" in frame.columns:
            kind = frame["kpi"].map(KPI_KINDS).fillna("count")
        elif kind == "percent" and "%" not in header:
            header = f"{header} (%)"
        headers[column] = header
        kinds[header] = kind
        codes = column in INDICATOR_COLUMNS and keep_ids
        shown[header] = frame[column] if codes else german_codes(column, frame[column], indicators)
    return Sheet(
        name,
        pd.DataFrame(shown),
        kinds={h: k for h, k in kinds.items() if k is not None},
        hidden={headers[c]: mask for c, mask in hidden.items() if mask.any()},
        notes={headers[c]: HIDDEN_NOTE for c, mask in hidden.items() if mask.any()},
    )
