"""The GENESIS flat CSV as downloaded before the 2024 redesign (SPEC §2.3), read as the current one.

Old downloads and older scripts still carry it: German headers (`Statistik_Code`, `Zeit`,
`1_Merkmal_Code`, `1_Auspraegung_Code`), `Zeit` as `31.12.2023`, Latin-1 text (decoded by
`delimited`), and one value column per measure named `CODE__Label__Unit` (quality columns
`CODE__Label__q`). Renaming the columns to the current names lets one set of row rules serve both
layouts; the quarantine still names the columns as the file has them. A file with several value
columns is refused as a whole: one row would become several values, and a row must end up loaded
or quarantined exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from assets.ingest.parsing import normalize_header

LEGACY_MARKER = "statistik_code"
BASE = {"statistik_code": "statistics_code", "zeit": "time"}
_GROUP = re.compile(r"^(\d+)_(merkmal_code|auspraegung_code|auspraegung_label)$")
_GROUP_PARTS = {
    "merkmal_code": "variable_code",
    "auspraegung_code": "variable_attribute_code",
    "auspraegung_label": "variable_attribute_label",
}
SEVERAL_VALUE_COLUMNS = "several_value_columns"


def is_legacy(header: list[str]) -> bool:
    """True for the German-header layout (its first column is `Statistik_Code`)."""
    return LEGACY_MARKER in {normalize_header(h) for h in header}


@dataclass(frozen=True)
class LegacyLayout:
    value_column: str  # as delivered, e.g. `BEVSTD__Bevoelkerungsstand__Anzahl`
    variable_code: str  # `BEVSTD`
    unit: str  # `Anzahl`
    quality_column: str | None  # `BEVSTD__Bevoelkerungsstand__q`, if downloaded


def layout(header: list[str]) -> LegacyLayout | str:
    """The file's one value column, or the German reason why the file cannot be read."""
    parts = _parts(header)
    values = value_columns(header)
    if len(values) != 1:
        found = ", ".join(v.strip() for v in values) or "keine"
        return (
            f"altes GENESIS-Format mit {len(values)} Wertspalten `CODE__Bezeichnung__Einheit` "
            f"({found}); lesbar ist genau eine: bitte je Merkmal eine Tabelle oder das neue "
            "ffcsv-Format (Spalte value) herunterladen"
        )
    code, _, unit = parts[values[0]]
    quality = next(
        (h for h, p in parts.items() if p[0] == code and p[2].casefold() == "q"),
        None,
    )
    return LegacyLayout(values[0], code, unit, quality)


def value_columns(header: list[str]) -> list[str]:
    """The `CODE__Label__Unit` columns (not the `CODE__Label__q` quality columns)."""
    return [h for h, p in _parts(header).items() if p[2].casefold() != "q"]


def _parts(header: list[str]) -> dict[str, list[str]]:
    split = {h: [p.strip() for p in h.strip().split("__")] for h in header if "__" in h}
    return {h: p for h, p in split.items() if len(p) == 3}


def expected(found: LegacyLayout | str) -> list[str]:
    """The columns `open_delivery` must find in a legacy file."""
    columns = ["Statistik_Code", "Zeit"]
    return columns + [found.value_column] if isinstance(found, LegacyLayout) else columns


def as_current(rows: pd.DataFrame, found: LegacyLayout) -> tuple[pd.DataFrame, dict[str, str]]:
    """The rows under the current column names, and current name -> column as delivered."""
    names: dict[str, str] = {}
    for column in rows.columns:
        key = normalize_header(column)
        if key in BASE:
            names[BASE[key]] = column
        elif match := _GROUP.match(key):
            names[f"{match.group(1)}_{_GROUP_PARTS[match.group(2)]}"] = column
    names["value"] = found.value_column
    if found.quality_column is not None:
        names["value_q"] = found.quality_column
    current = rows[list(names.values()) + ["row_number"]].copy()
    current.columns = list(names) + ["row_number"]
    current["value_variable_code"] = found.variable_code
    current["value_unit"] = found.unit
    names["value_variable_code"] = found.value_column
    names["value_unit"] = found.value_column
    return current, names
