"""`sozialplanung.xlsx`: a workbook for planners, an Info sheet and one Excel table per topic.

Every sheet is read from the published file (never from internal data) and shown the way a
planner reads it in Excel: German headers and German words for every code (`assets/labels.py`),
real dates, a number format per column derived from the column's type and unit, "gesperrt" where
disclosure control hid a value, `ALL` rows as "Gesamtstadt" (`workbook_cells.py`). The Info sheet
says how current each source is, which run wrote the file and which suppression rules hold
(`workbook_info.py`).

Large histories are cut to the latest reference date so every sheet fits Excel. State-wide the
longest sheet (`Datenqualität`, one row per landing file) has about 120,000 rows; a sheet beyond
Excel's 1,048,576 rows would go on in continuation sheets (`spreadsheet.write_xlsx`). The parquet
files and the DuckDB file hold every row without such limits.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from assets.publish.contents import column_comments, german
from assets.publish.disclosure import SUPPRESSED
from assets.publish.spreadsheet import Sheet, write_xlsx
from assets.publish.views import DATE_SUFFIX
from assets.publish.workbook_cells import HIDDEN_PREFIX, sheet_of
from assets.publish.workbook_info import created_at, info_sheet

XLSX = "sozialplanung.xlsx"
TITLE = "Sozialplanung: veröffentlichte Daten"

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
    "allocation_eur": "Mittel (€)",
    "amount_eur": "Betrag (€)",
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
    "target_kind": "Zielart",
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
    "loaded_at": "geladen am (UTC)",
    "label_de": "Bezeichnung",
    "unit": "Einheit",
    "frequency": "Periodizität",
    "is_share": "Anteil (0–100)",
    "valid_to": "gültig bis (leer = geöffnet)",
}

CONTROLLING_MONTHS = 3  # a quarter: the window of the satisfaction surveys and rolling lights
SUPPRESSED_ROW = f"p.status = '{SUPPRESSED}'"
# the kpi_status row of a KPI shown in a sheet hides its actual value
KPI_HIDDEN = f"""EXISTS (SELECT 1 FROM kpi_status k WHERE k.month = p.month
    AND k.measure_id = p.measure_id AND k.kpi = p.kpi AND k.status = '{SUPPRESSED}')"""


@dataclass(frozen=True)
class Topic:
    """A sheet: the relations its columns come from (for their headers), its query (rows `p`
    of it are ordered by `order`), one line for the Info sheet, and per column the SQL condition
    under which its NULL is a value disclosure control hid (`hidden`; `indicators_hidden`: the
    wide indicator columns, by the status of their indicator value)."""

    sources: tuple[str, ...]
    sql: str
    order: str
    description: str
    hidden: dict[str, str] = field(default_factory=dict)
    indicators_hidden: bool = False
    exclude: tuple[str, ...] = ()


SHEETS: dict[str, Topic] = {
    "Sozialräume": Topic(
        ("v_area_profile",),
        "SELECT * FROM v_area_profile",
        "p.municipality_ags, p.area_id",
        "ein Profil je Sozialraum: Einwohner, Indexklassen, Schlüsselindikatoren, Mittel",
        hidden={
            "population": "p.population_date IS NOT NULL",
            "allocation_eur": f"""EXISTS (SELECT 1 FROM allocation l
                WHERE l.municipality_ags = p.municipality_ags AND l.area_id = p.area_id
                  AND l.reference_date = p.index_date AND l.status = '{SUPPRESSED}')""",
        },
        indicators_hidden=True,
        exclude=("municipality_ags",),
    ),
    "Indikatoren aktuell": Topic(
        ("v_latest_indicators",),
        "SELECT * FROM v_latest_indicators",
        "p.municipality_ags, p.area_id",
        "neuester Wert jedes Indikators je Sozialraum, daneben sein Stichtag",
        indicators_hidden=True,
    ),
    "Indikatorkatalog": Topic(
        ("indicator_catalog",),
        "SELECT * FROM indicator_catalog",
        "p.indicator_id",
        "Definition, Zähler, Nenner, Quelle und Polarität jedes Indikators",
    ),
    "Sozialindex": Topic(
        ("social_index",),
        "SELECT * FROM social_index",
        "p.reference_date DESC, p.municipality_ags, p.area_id",
        "Status- und Dynamikindex mit Klassen je Sozialraum und Stichtag",
    ),
    "Mittelverteilung": Topic(
        ("allocation",),
        "SELECT * FROM allocation",
        "p.reference_date DESC, p.municipality_ags, p.area_id",
        "bedarfsorientierte Verteilung des Budgets je Sozialraum und Stichtag",
        hidden=dict.fromkeys(["basis_count", "weight", "share", "amount_eur"], SUPPRESSED_ROW),
    ),
    "Versorgung": Topic(
        ("supply", "areas"),
        """SELECT s.municipality_ags, s.area_id, a.area_name,
                  s.* EXCLUDE (municipality_ags, area_id)
           FROM supply s
           LEFT JOIN areas a ON a.municipality_ags = s.municipality_ags AND a.area_id = s.area_id
           QUALIFY s.reference_date = max(s.reference_date) OVER (PARTITION BY s.municipality_ags)""",
        "p.municipality_ags, p.offer_type, p.gap_rank NULLS LAST, p.area_id",
        "Versorgung je Sozialraum und Angebotstyp am neuesten Stichtag, Lücken nach Rang",
        hidden=dict.fromkeys(
            [
                "target_population",
                "places_per_1000",
                "unserved",
                "municipality_places_per_1000",
                "gap_reason",
            ],
            SUPPRESSED_ROW,
        ),
    ),
    "Zielfortschritt": Topic(
        ("goal_progress",),
        """SELECT * FROM goal_progress
           QUALIFY reference_date = max(reference_date) OVER (PARTITION BY goal_id)""",
        "p.goal_id, p.area_id",
        "Fortschritt jedes Ziels je Sozialraum am neuesten Stichtag",
        hidden=dict.fromkeys(
            ["current", "baseline", "target", "progress", "on_track", "note"], SUPPRESSED_ROW
        ),
    ),
    "Ziele und Maßnahmen": Topic(
        ("goal_measure_status", "measures"),
        """SELECT g.goal_id, g.goal_title, g.indicator_id, g.measure_id, m.title, m.provider_id,
                  g.month, g.green, g.yellow, g.red, g."none", g.worst_light
           FROM goal_measure_status g LEFT JOIN measures m USING (measure_id)
           WHERE g.month = (SELECT max(month) FROM goal_measure_status)""",
        "p.goal_id, p.measure_id",
        "Ampeln der Maßnahmen je Ziel im neuesten Berichtsmonat",
    ),
    "Controlling": Topic(
        ("kpi_status", "measures"),
        f"""SELECT k.month, k.measure_id, m.title, m.provider_id, k.kpi, k.actual, k.target,
                   k.target_kind, round(k.attainment, 1) AS attainment, k.traffic_light, k.note,
                   k.status
            FROM kpi_status k LEFT JOIN measures m USING (measure_id)
            WHERE k.month > (SELECT max(month) FROM kpi_status)
                            - INTERVAL {CONTROLLING_MONTHS} MONTH""",
        "p.month DESC, p.measure_id, p.kpi",
        f"Kennzahlen der Maßnahmen mit Ziel und Ampel, letzte {CONTROLLING_MONTHS} Monate",
        hidden=dict.fromkeys(["actual", "attainment"], SUPPRESSED_ROW),
    ),
    "Rote Kennzahlen": Topic(
        ("v_red_kpis_latest",),
        "SELECT * FROM v_red_kpis_latest",
        "p.attainment NULLS LAST, p.measure_id",
        "rote Kennzahlen im neuesten Monat und warum sie rot sind",
        hidden=dict.fromkeys(["actual", "attainment"], KPI_HIDDEN),
    ),
    "Bedarfserhebung": Topic(
        ("needs_survey", "areas"),
        """SELECT s.municipality_ags, s.area_id, a.area_name,
                  s.* EXCLUDE (municipality_ags, area_id)
           FROM needs_survey s
           LEFT JOIN areas a ON a.municipality_ags = s.municipality_ags AND a.area_id = s.area_id""",
        "p.municipality_ags, p.area_id, p.topic, p.respondent_group",
        "Bedarfserhebung je Sozialraum, Themenfeld und Befragtengruppe",
        hidden=dict.fromkeys(["n", "mean_rating", "share_high_need"], SUPPRESSED_ROW),
    ),
    "Einrichtungen": Topic(
        ("facilities",),
        "SELECT * FROM facilities",
        "p.facility_id",
        "Einrichtungen der Träger mit Angebotstyp, Plätzen und Lage",
    ),
    "Datenqualität": Topic(
        ("data_quality",),
        "SELECT * FROM data_quality",
        "p.source, p.file",
        "je Anlieferungsdatei: Zeilen geliefert, geladen, abgelehnt; Prüfungen der Quelle",
    ),
}


def column_texts(
    con: duckdb.DuckDBPyConnection,
) -> Callable[[tuple[str, ...], str], tuple[str, str]]:
    """The German header and comment of a column of the published file, given the relations it
    comes from.

    The texts are read from the file itself (its comments and `indicator_catalog`), so the
    workbook says what the file says; the comment also names a column's unit.
    """
    comments = {key: german(comment) for key, comment in column_comments(con).items()}
    labels = dict(con.execute("SELECT indicator_id, label_de FROM indicator_catalog").fetchall())

    def texts(sources: tuple[str, ...], column: str) -> tuple[str, str]:
        found = (comments.get((source, column)) for source in sources)
        comment = next((text for text in found if text), "")
        if column in HEADERS:
            return HEADERS[column], comment
        if column in labels:
            return labels[column], comment
        if column.endswith(DATE_SUFFIX) and column.removesuffix(DATE_SUFFIX) in labels:
            return f"Stichtag {labels[column.removesuffix(DATE_SUFFIX)]}", comment
        return comment or column, comment

    return texts


def topic_sql(topic: Topic, columns: list[str], indicators: list[str]) -> str:
    """The topic's query with a flag column per hideable column (`HIDDEN_PREFIX` + name): true
    where its NULL is a value disclosure control hid."""
    hidden = dict(topic.hidden)
    if topic.indicators_hidden:
        hidden |= {
            i: f"""EXISTS (SELECT 1 FROM indicator_values v
                WHERE v.municipality_ags = p.municipality_ags AND v.area_id = p.area_id
                  AND v.indicator_id = '{i}' AND v.reference_date = p.{i}{DATE_SUFFIX}
                  AND v.status = '{SUPPRESSED}')"""
            for i in indicators
            if i in columns
        }
    flags = "".join(
        f', coalesce(({condition}) AND p."{column}" IS NULL, false) AS "{HIDDEN_PREFIX}{column}"'
        for column, condition in hidden.items()
    )
    exclude = f" EXCLUDE ({', '.join(topic.exclude)})" if topic.exclude else ""
    return f"SELECT *{exclude}{flags} FROM ({topic.sql}) p ORDER BY {topic.order}"


def topic_sheets(con: duckdb.DuckDBPyConnection) -> Iterator[Sheet]:
    """Every topic as a sheet, its codes in German words and its hidden cells marked; one at a
    time, so only one sheet's frame is in memory beside the cells already written."""
    texts = column_texts(con)
    catalog = con.execute("SELECT indicator_id, label_de, unit FROM indicator_catalog").fetchall()
    units = {indicator: unit for indicator, _, unit in catalog}
    labels = {indicator: label for indicator, label, _ in catalog}
    for name, topic in SHEETS.items():
        columns = con.sql(topic.sql).columns
        relation = con.sql(topic_sql(topic, columns, list(units)))
        yield sheet_of(name, relation, lambda c, t=topic: texts(t.sources, c), units, labels)


def write_workbook(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    """Write the workbook from the published file open on `con` (under a temporary name, then
    moved into place)."""
    sheets = topic_sheets(con)
    info = info_sheet(con, {name: topic.description for name, topic in SHEETS.items()})
    tmp = target.with_name(f".{target.name}.tmp")
    write_xlsx(tmp, sheets, created_at(con), info=info, title=TITLE)
    os.replace(tmp, target)
    return target
