"""The workbook's Info sheet and creation date, both read from the published file.

Everything on it comes from the file the workbook is made from: the run, the data root and the
publish time from `metadata`, how current each source is from `metadata` (`*_as_of`) and
`data_quality`, and the suppression rules in the words of the file's column comments, which carry
the numbers of the settings the file was published with. So the sheet cannot disagree with the
file next to it.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb

from assets.labels import SOURCES, SUPPRESSED_LABEL, WHOLE_MUNICIPALITY, label
from assets.publish.contents import column_comments, german
from assets.publish.spreadsheet import Info

PUBLISHED_AT = "published_at_utc"
AS_OF = {
    "population_as_of": "Einwohner (Melderegister)",
    "bundesagentur_as_of": "Bundesagentur für Arbeit (SGB II, Arbeitslose)",
    "control_totals_as_of": "GENESIS-Eckwerte",
    "provider_reports_as_of": "Monatsberichte der Träger (Berichtsmonat)",
    "social_index_as_of": "Sozialindex",
}
RUN = {
    "run_id": "Lauf-ID",
    "data_root": "Datenwurzel",
    "code_version": "Codeversion",
}
# the columns whose comments state the count rule and the survey rule of the settings
COUNT_RULE = ("areas", "population")
SURVEY_RULE = ("needs_survey", "n")
_RULE = re.compile(r"\(([^()]*(?:gesperrt|Sperrung)[^()]*)\)")

UNITS = (
    ("Prozent", "Werte in Prozent (12,3 bedeutet 12,3 %), eine Nachkommastelle; Kopf „(%)“"),
    ("Beträge", "in Euro (€), mit Tausenderpunkten"),
    ("Anzahlen", "Personen, Plätze, Zeilen: ganze Zahlen mit Tausenderpunkten"),
    ("Flächen", "km², zwei Nachkommastellen"),
    ("Daten", "Datum als TT.MM.JJJJ, Zeitpunkte in UTC"),
    (WHOLE_MUNICIPALITY, "Zeile für die ganze Kommune (in der Datenbank: Sozialraum-ID ALL)"),
    ("ja / nein", "Wahrheitswerte, z. B. Handlungsbedarf, Versorgungslücke, auf Kurs"),
)


def created_at(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    """The publish time of the file: the workbook's creation date.

    Taken from the file rather than the clock, so the workbook of one published state always has
    the same date (and the same bytes), and Excel's "created" says which state it shows.
    """
    value = _metadata(con).get(PUBLISHED_AT)
    if not value:
        raise ValueError(f"Die veröffentlichte Datei nennt keinen Zeitpunkt ({PUBLISHED_AT}).")
    return dt.datetime.fromisoformat(value)


def info_sheet(con: duckdb.DuckDBPyConnection, sheets: dict[str, str]) -> Info:
    """The Info sheet: run, sources, suppression rules, units and one line per sheet."""
    metadata = _metadata(con)
    rows: list[tuple] = [("Lauf",), ("veröffentlicht am (UTC)", created_at(con))]
    rows += [(text, metadata.get(key, "")) for key, text in RUN.items()]
    rows += [("Datenstand je Quelle",)]
    rows += [(text, _date(metadata.get(key, ""))) for key, text in AS_OF.items()]
    rows += [("Anlieferungen je Quelle (Tabelle data_quality)",), *_deliveries(con)]
    rows += [("Geheimhaltung",), *_rules(con)]
    rows += [("Einheiten und Schreibweisen",), *UNITS]
    rows += [("Blätter",), *sheets.items()]
    return Info("Info", "Sozialplanung: veröffentlichte Daten", rows)


def _metadata(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM metadata").fetchall())


def _date(value: str) -> dt.date | str:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value


def _deliveries(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Per source: files, rows loaded and rejected, and when it was last loaded."""
    rows = con.execute(
        """SELECT source, count(*), sum(rows_loaded)::BIGINT, sum(rows_quarantined)::BIGINT,
                  max(loaded_at)
           FROM data_quality GROUP BY source ORDER BY source"""
    ).fetchall()
    header = ("Quelle", "Dateien", "Zeilen geladen", "Zeilen abgelehnt", "zuletzt geladen (UTC)")
    return [header, *((label(SOURCES, source), *rest) for source, *rest in rows)]


def _rules(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The suppression rules with the numbers the file's comments state."""
    counts, survey = _rule(con, *COUNT_RULE), _rule(con, *SURVEY_RULE)
    return [
        (
            "Personenzahlen",
            f"Einwohner, Zielgruppen, Bedarfszahlen, Teilnehmende: {counts}; dazu weitere "
            "Werte, aus denen sich ein gesperrter Wert über eine veröffentlichte Summe "
            "zurückrechnen ließe (sekundäre Sperrung)",
        ),
        (
            "Befragungen",
            f"Bedarfserhebung und Zufriedenheit: Antworten {survey}, mit den Werten daraus",
        ),
        ("Quoten", "gesperrt, wenn ihr Zähler oder Nenner gesperrt ist"),
        (
            SUPPRESSED_LABEL,
            "steht (kursiv, grau) in einer Zelle, deren Wert gesperrt ist; der Kopf der Spalte "
            "trägt dann einen Kommentar. Eine leere Zelle hat keinen Wert (nicht berechenbar "
            "oder nicht geliefert).",
        ),
    ]


def _rule(con: duckdb.DuckDBPyConnection, table: str, column: str) -> str:
    """The rule a column's comment states in parentheses, e.g. "Werte 1–2 gesperrt"."""
    german_text = german(column_comments(con).get((table, column)))
    found = _RULE.search(german_text)
    return found.group(1) if found else german_text
