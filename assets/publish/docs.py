"""Documentation inside the published file: German and English text for every table, view and
column.

Written as `COMMENT ON TABLE` / `VIEW` / `COLUMN` ("Deutsch | English"), so that DBeaver, the
DuckDB CLI (`duckdb_columns()`) and other tools show it next to the data. The tables' texts are
those of their declarations (`assets/registry/`), the views' are here and in `views.py`. Texts
naming a suppression rule take its numbers from the settings (`{small_de}`, `{min_survey_n}` …),
so they stay true for a data root with other `disclosure` settings.
"""

from __future__ import annotations

import duckdb

from assets.indicators.catalog import BY_ID
from assets.publish.swap import run_inside
from assets.publish.tables import published_columns
from assets.publish.views import DATE_SUFFIX, views
from assets.registry import PUBLISHED_TABLES, column_text

# the views' own columns; the others are documented like the same column of the first table they
# read that has it (VIEW_SOURCES), and the wide indicator columns by `_indicator_doc`
VIEW_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "v_latest_indicators": {},
    "v_area_profile": {
        "index_date": ("Stichtag des Sozialindex", "reference date of the social index"),
        "allocation_eur": (
            "Mittel in Euro zum Stichtag des Sozialindex",
            "allocated euros at the social index's reference date",
        ),
    },
    "v_goal_overview": {
        "reference_date": (
            "Stichtag des aktuellen Werts (gesamte Kommune)",
            "reference date of the current value (whole municipality)",
        ),
        "measures_month": ("Berichtsmonat der Ampeln (neuester)", "month of the lights (latest)"),
        "kpis_green": ("Kennzahlen grün (alle Maßnahmen des Ziels)", "KPIs green (all measures)"),
        "kpis_yellow": ("Kennzahlen gelb (alle Maßnahmen des Ziels)", "KPIs yellow (all measures)"),
        "kpis_red": ("Kennzahlen rot (alle Maßnahmen des Ziels)", "KPIs red (all measures)"),
        "kpis_without_value": (
            "Kennzahlen ohne Ampel (Ziel gesetzt, Wert fehlt)",
            "KPIs without light (target set, value missing)",
        ),
        "measures_red": (
            "Maßnahmen mit mindestens einer roten Kennzahl (kommagetrennt)",
            "measures with at least one red KPI (comma-separated)",
        ),
    },
    "v_red_kpis_latest": {
        "attainment": (
            "Zielerreichung in Prozent, eine Nachkommastelle (100 = erreicht)",
            "attainment in percent, one decimal (100 = met)",
        ),
        "reason": (
            "Warum rot: Istwert, Ziel oder Obergrenze, Zielerreichung und Schwelle für Gelb",
            "why red: actual, target or ceiling, attainment and the threshold for yellow",
        ),
    },
}

VIEW_SOURCES = {
    "v_latest_indicators": ["areas"],
    "v_area_profile": ["areas", "social_index"],
    "v_goal_overview": ["goal_progress", "goal_measure_status"],
    "v_red_kpis_latest": ["kpi_status", "measures"],
}


def _disclosure_words(settings: dict) -> dict[str, str]:
    """The suppression rules of the settings in the words of the comments."""
    disclosure = settings["disclosure"]
    k = disclosure["min_count"]
    if k <= 1:
        de, en = "keine Sperrung", "no suppression"
    elif k == 2:
        de, en = "Wert 1 gesperrt", "value 1 suppressed"
    else:
        de, en = f"Werte 1–{k - 1} gesperrt", f"values 1–{k - 1} suppressed"
    return {"small_de": de, "small_en": en, "min_survey_n": str(disclosure["min_survey_n"])}


def _indicator_doc(column: str) -> tuple[str, str] | None:
    """A wide indicator column (`<indicator_id>`) or the reference date next to it."""
    if column in BY_ID:
        label = BY_ID[column].label_de
        return (
            f"{label}: neuester Wert in Prozent (NULL = gesperrt oder nicht berechenbar)",
            f"{column}: latest value in percent (NULL = suppressed or not computable)",
        )
    indicator = column.removesuffix(DATE_SUFFIX)
    if column.endswith(DATE_SUFFIX) and indicator in BY_ID:
        return (f"Stichtag des Werts {BY_ID[indicator].label_de}", f"reference date of {indicator}")
    return None


def _raw_doc(table: str, column: str) -> tuple[str, str] | None:
    if table in VIEW_COLUMNS:
        own = VIEW_COLUMNS[table].get(column) or _indicator_doc(column)
        sources = (column_text(source, column) for source in VIEW_SOURCES[table])
        return own or next((doc for doc in sources if doc), None)
    return column_text(table, column)


def column_doc(table: str, column: str, settings: dict) -> tuple[str, str] | None:
    """German and English text of a column of a published table or view, with the settings'
    suppression rules filled in (so the text stays true when `disclosure` changes)."""
    doc = _raw_doc(table, column)
    if doc is None:
        return None
    words = _disclosure_words(settings)
    return doc[0].format(**words), doc[1].format(**words)


def text(pair: tuple[str, str]) -> str:
    return f"{pair[0]} | {pair[1]}"


def comment_statements(relations: dict[str, list[str]], settings: dict) -> list[str]:
    """`COMMENT ON` statements for every table or view of `relations` (name -> column names).

    Raises if a published table, view or column has no documentation, so nothing ships
    undocumented.
    """
    described = {
        **{table.name: (table.de, table.en) for table in PUBLISHED_TABLES},
        **{name: doc for name, (_, doc) in views(settings).items()},
    }
    statements, missing = [], []
    for relation, columns in relations.items():
        if relation not in described:
            missing.append(relation)
            continue
        kind = "VIEW" if relation in VIEW_COLUMNS else "TABLE"
        statements.append(f"COMMENT ON {kind} {relation} IS {_literal(text(described[relation]))}")
        for column in columns:
            doc = column_doc(relation, column, settings)
            if doc is None:
                missing.append(f"{relation}.{column}")
                continue
            statements.append(f'COMMENT ON COLUMN {relation}."{column}" IS {_literal(text(doc))}')
    if missing:
        raise ValueError(f"undocumented published tables/columns: {', '.join(missing)}")
    return statements


def document_published_file(con: duckdb.DuckDBPyConnection, pub: str, settings: dict) -> None:
    """Create the convenience views in the attached published file `pub`, then comment every
    table, view and column of it.

    The columns are read back from the file after the views exist, so a column added to a view
    without documentation fails the publish instead of shipping without a comment.
    """
    run_inside(
        con, pub, [f"CREATE VIEW {name} AS {sql}" for name, (sql, _) in views(settings).items()]
    )
    run_inside(con, pub, comment_statements(published_columns(con, pub), settings))


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
