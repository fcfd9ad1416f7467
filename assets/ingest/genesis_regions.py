"""Where a GENESIS ffcsv row lies: the municipality of its regional variable, or why none.

The regional group of a row holds an 8-digit AGS (`GEMEIN`, Regionaldatenbank and
Landesdatenbanken) or a 12-digit ARS (`GEOGM4`/`GEOGM1`, Zensusdatenbank; SPEC §2.2). The ARS is
Land 2, Regierungsbezirk 1, Kreis 2, Gemeindeverband 4, Gemeinde 3 digits, so its AGS is digits
1-5 and 10-12 (`092760130130` -> `09276130`). A table may mix levels in one column (Bund, Länder,
Kreise, Gemeinden); rows of another level are named, never taken for a municipality (a Kreis may
come as a 12-digit code with trailing zeros, `GEOLK4`), so the level comes from the variable code
where it is known.
"""

from __future__ import annotations

import re

import pandas as pd

_GROUP = re.compile(r"^(\d+)_variable_attribute_code$")
MUNICIPALITY = "Gemeinde"
# variable code prefix -> regional level (SPEC §2.2); `REGBEZ` by the Regionaldatenbank's naming
LEVELS = {
    "GEMEIN": MUNICIPALITY,
    "GEOGM": MUNICIPALITY,
    "KREISE": "Kreis",
    "GEOLK": "Kreis",
    "REGBEZ": "Regierungsbezirk",
    "DLAND": "Land",
    "GEOBL": "Land",
    "DINSG": "Deutschland",
    "GEODL": "Deutschland",
}


def groups(rows: pd.DataFrame) -> list[int]:
    return sorted(int(m.group(1)) for c in rows.columns if (m := _GROUP.match(str(c))))


def regions(rows: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Per row the municipality (AGS) and the breakdown, or why the row has no municipality.

    The first regional group of a row decides: a Gemeinde variable or a bare 8-/12-digit code
    gives the AGS; another level (Kreis, Land, Bund, or a Gemeinde variable's empty total) is
    named in `region_reason`, as is a Gemeinde key of the wrong length.
    """
    index = rows.index
    frame = pd.DataFrame({"row_number": rows["row_number"]})
    for name in (
        "municipality_ags",
        "region_code",
        "region_column",
        "region_value",
        "region_reason",
    ):
        frame[name] = pd.Series(None, index=index, dtype=object)
    breakdown = pd.Series("", index=index, dtype=object)
    decided = pd.Series(False, index=index)
    for g in groups(rows):
        attr = rows[f"{g}_variable_attribute_code"].astype(str).str.strip()
        code = rows.get(f"{g}_variable_code", pd.Series("", index=index)).astype(str).str.strip()
        level = code.map(_level)
        ags = _ags(attr)
        regional = level.notna() | ags.notna()
        take = regional & ~decided
        column = names.get(f"{g}_variable_attribute_code", f"{g}_variable_attribute_code")
        is_municipality = take & ((level == MUNICIPALITY) | level.isna())
        found = is_municipality & ags.notna()
        frame.loc[found, "municipality_ags"] = ags[found]
        wrong = is_municipality & ags.isna()
        _explain(frame, wrong & (attr != ""), column, attr, "missing_ags", _wrong_key(attr))
        other = take & ~is_municipality | wrong & (attr == "")
        _explain(frame, other, column, attr, "other_regional_level", _level_reason(level, attr))
        decided |= take
        part = ~regional & (attr != "")
        sep = breakdown.where(breakdown == "", breakdown + ",")
        breakdown = breakdown.where(~part, sep + code + "=" + attr)
    no_region = ~decided
    reason = "kein Gemeindeschlüssel (8-stelliger AGS oder 12-stelliger ARS) in der Zeile"
    column = names.get("1_variable_attribute_code", "1_variable_attribute_code")
    _explain(frame, no_region, column, None, "missing_ags", reason)
    frame["breakdown"] = breakdown
    return frame


def _level(code: str):
    return next((lv for prefix, lv in LEVELS.items() if code.upper().startswith(prefix)), None)


def _ags(attr: pd.Series) -> pd.Series:
    """The AGS of an 8-digit AGS or a 12-digit ARS (Land, RB, Kreis: 5, Verband: 4, Gemeinde: 3)."""
    ags = pd.Series(None, index=attr.index, dtype=object)
    eight = attr.str.fullmatch(r"\d{8}")
    twelve = attr.str.fullmatch(r"\d{12}")
    ags[eight] = attr[eight]
    ags[twelve] = attr[twelve].str[:5] + attr[twelve].str[9:]
    return ags


def _wrong_key(attr: pd.Series) -> pd.Series:
    return (
        "Gemeindeschlüssel '" + attr + "' ist weder ein 8-stelliger AGS noch ein 12-stelliger ARS"
    )


def _level_reason(level: pd.Series, attr: pd.Series) -> pd.Series:
    key = attr.where(attr != "", "leerer Schlüssel: Summe über alle")
    return (
        "Wert der Ebene " + level.fillna(MUNICIPALITY) + " (" + key + "), nicht einer Gemeinde; "
        "die GENESIS-Eckwerte werden je Gemeinde abgeglichen"
    )


def _explain(frame: pd.DataFrame, mask: pd.Series, column: str, value, code: str, reason) -> None:
    """Note why a row has no municipality (applied after the date rule, in `_validate`)."""
    mask = mask & frame["region_code"].isna()
    frame.loc[mask, "region_code"] = code
    frame.loc[mask, "region_column"] = column
    frame.loc[mask, "region_value"] = value[mask] if isinstance(value, pd.Series) else value
    frame.loc[mask, "region_reason"] = reason[mask] if isinstance(reason, pd.Series) else reason
