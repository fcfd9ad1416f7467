"""`sozialplanung.xlsx`: a workbook for planners, one sheet per topic with German headers.

Large histories are cut to the latest reference date so every sheet fits Excel. State-wide the
longest sheet (`Datenqualität`, one row per landing file) has about 120,000 rows; a sheet beyond
Excel's 1,048,576 rows would go on in continuation sheets (`spreadsheet.write_xlsx`). The parquet
files and the DuckDB file hold every row without such limits.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from assets.publish.spreadsheet import safe_cell, write_xlsx
from assets.publish.views import DATE_SUFFIX

XLSX = "sozialplanung.xlsx"

# short headers for columns whose comment is too long for a header cell; every other column
# takes the German part of its comment in the published file, a wide indicator column the
# indicator's German label from `indicator_catalog`
HEADERS = {
    "municipality_ags": "AGS",
    "area_id": "Sozialraum-ID",
    "area_name": "Sozialraum",
    "district_name": "Stadtbezirk",
    "area_km2": "Fläche (km²)",
    "population": "Einwohner",
    "population_date": "Stichtag Einwohner",
    "reference_date": "Stichtag",
    "index_date": "Stichtag Sozialindex",
    "status_class": "Statusklasse",
    "dynamics_class": "Dynamikklasse",
    "needs_action": "Handlungsbedarf",
    "status_index": "Statusindex",
    "dynamics_index": "Dynamikindex",
    "note": "Hinweis",
    "allocation_eur": "Mittel (EUR)",
    "amount_eur": "Betrag (EUR)",
    "basis": "Bedarfsgrundlage",
    "basis_count": "Bedarfszahl",
    "class_weight": "Klassengewicht",
    "weight": "Gewicht",
    "share": "Anteil am Budget (%)",
    "baseline": "Ausgangswert",
    "current": "aktueller Wert",
    "progress": "Fortschritt (%, 100 = erreicht)",
    "on_track": "auf Kurs",
    "polarity": "Polarität",
    "indicator_id": "Indikator",
    "goal_id": "Ziel",
    "goal_title": "Titel des Ziels",
    "measure_id": "Maßnahme",
    "title": "Titel der Maßnahme",
    "provider_id": "Träger",
    "facility_id": "Einrichtung",
    "name": "Name",
    "offer_type": "Angebotstyp",
    "source": "Quelle",
    "file": "Datei",
    "status": "Status",
    "month": "Monat",
    "kpi": "Kennzahl",
    "actual": "Istwert",
    "target": "Zielwert",
    "target_kind": "Zielart (target/max)",
    "attainment": "Zielerreichung (%)",
    "traffic_light": "Ampel",
    "reason": "Warum rot",
    "target_population": "Zielgruppe (Einwohner)",
    "places_per_1000": "Plätze je 1.000",
    "share_within_distance": "Anteil in Gehweite (%)",
    "municipality_places_per_1000": "Plätze je 1.000 (Kommune)",
    "unserved": "nicht versorgte Zielgruppe (Personen)",
    "gap_rank": "Rang der Lücke",
    "respondent_group": "Befragtengruppe",
    "n": "Antworten",
    "mean_rating": "mittlere Bewertung (1–5)",
    "share_high_need": "Anteil hoher Bedarf (%)",
    "worst_light": "schlechteste Ampel",
    "none": "ohne Ampel",
}

CONTROLLING_MONTHS = 3  # a quarter: the window of the satisfaction surveys and rolling lights

# sheet -> (the tables or views its columns come from, for their headers; the query)
SHEETS: dict[str, tuple[tuple[str, ...], str]] = {
    "Sozialräume": (
        ("v_area_profile",),
        "SELECT * EXCLUDE (municipality_ags) FROM v_area_profile",
    ),
    "Indikatoren aktuell": (("v_latest_indicators",), "SELECT * FROM v_latest_indicators"),
    "Indikatorkatalog": (("indicator_catalog",), "SELECT * FROM indicator_catalog"),
    "Sozialindex": (
        ("social_index",),
        "SELECT * FROM social_index ORDER BY reference_date DESC, area_id",
    ),
    "Mittelverteilung": (
        ("allocation",),
        "SELECT * FROM allocation ORDER BY reference_date DESC, area_id",
    ),
    "Versorgung": (
        ("supply", "areas"),
        """SELECT s.municipality_ags, s.area_id, a.area_name,
                  s.* EXCLUDE (municipality_ags, area_id)
           FROM supply s
           LEFT JOIN areas a ON a.municipality_ags = s.municipality_ags AND a.area_id = s.area_id
           QUALIFY s.reference_date = max(s.reference_date) OVER (PARTITION BY s.municipality_ags)
           ORDER BY s.municipality_ags, s.offer_type, s.gap_rank NULLS LAST, s.area_id""",
    ),
    "Zielfortschritt": (
        ("goal_progress",),
        """SELECT * FROM goal_progress
           QUALIFY reference_date = max(reference_date) OVER (PARTITION BY goal_id)
           ORDER BY goal_id, area_id""",
    ),
    "Ziele und Maßnahmen": (
        ("goal_measure_status", "measures"),
        """SELECT g.goal_id, g.goal_title, g.indicator_id, g.measure_id, m.title, m.provider_id,
                  g.month, g.green, g.yellow, g.red, g."none", g.worst_light
           FROM goal_measure_status g LEFT JOIN measures m USING (measure_id)
           WHERE g.month = (SELECT max(month) FROM goal_measure_status)
           ORDER BY g.goal_id, g.measure_id""",
    ),
    "Controlling": (
        ("kpi_status", "measures"),
        f"""SELECT k.month, k.measure_id, m.title, m.provider_id, k.kpi, k.actual, k.target,
                   k.target_kind, round(k.attainment, 1) AS attainment, k.traffic_light, k.note,
                   k.status
            FROM kpi_status k LEFT JOIN measures m USING (measure_id)
            WHERE k.month > (SELECT max(month) FROM kpi_status)
                            - INTERVAL {CONTROLLING_MONTHS} MONTH
            ORDER BY k.month DESC, k.measure_id, k.kpi""",
    ),
    "Rote Kennzahlen": (("v_red_kpis_latest",), "SELECT * FROM v_red_kpis_latest"),
    "Bedarfserhebung": (
        ("needs_survey", "areas"),
        """SELECT s.municipality_ags, s.area_id, a.area_name,
                  s.* EXCLUDE (municipality_ags, area_id)
           FROM needs_survey s
           LEFT JOIN areas a ON a.municipality_ags = s.municipality_ags AND a.area_id = s.area_id
           ORDER BY s.municipality_ags, s.area_id, s.topic, s.respondent_group""",
    ),
    "Einrichtungen": (("facilities",), "SELECT * FROM facilities ORDER BY facility_id"),
    "Datenqualität": (("data_quality",), "SELECT * FROM data_quality ORDER BY source, file"),
}


def german_headers(con: duckdb.DuckDBPyConnection) -> Callable[[tuple[str, ...], str], str]:
    """The German header of a column of the published file, given the relations it comes from.

    The texts are read from the file itself (its comments and `indicator_catalog`), so the
    workbook says what the file says.
    """
    comments = {
        (table, column): comment.split(" | ")[0]
        for table, column, comment in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE database_name = current_database() AND comment IS NOT NULL"
        ).fetchall()
    }
    labels = dict(con.execute("SELECT indicator_id, label_de FROM indicator_catalog").fetchall())

    def header(sources: tuple[str, ...], column: str) -> str:
        if column in HEADERS:
            return HEADERS[column]
        if column in labels:
            return labels[column]
        if column.endswith(DATE_SUFFIX) and column.removesuffix(DATE_SUFFIX) in labels:
            return f"Stichtag {labels[column.removesuffix(DATE_SUFFIX)]}"
        found = (comments.get((source, column)) for source in sources)
        return next((text for text in found if text), column)

    return header


def write_workbook(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    header = german_headers(con)
    sheets = {}
    for sheet, (sources, sql) in SHEETS.items():
        frame = con.execute(sql).df()
        frame.columns = [safe_cell(header(sources, c)) for c in frame.columns]
        sheets[sheet] = _dates_as_text(frame)
    tmp = target.with_name(f".{target.name}.tmp")
    write_xlsx(tmp, sheets)
    os.replace(tmp, target)
    return target


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel shows timestamps as numbers with a time; dates read better as ISO text."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out
