"""Documentation inside the published file: German and English text for every table, view and
column.

Written as `COMMENT ON TABLE` / `VIEW` / `COLUMN` ("Deutsch | English"), so that DBeaver, the
DuckDB CLI (`duckdb_columns()`) and other tools show it next to the data. Texts naming a
suppression rule take its numbers from the settings (`{small_de}`, `{min_survey_n}` …), so they
stay true for a data root with other `disclosure` settings.
"""

from __future__ import annotations

import duckdb

from assets.indicators.catalog import BY_ID
from assets.publish.swap import run_inside
from assets.publish.tables import published_columns
from assets.publish.views import DATE_SUFFIX, views

_KEYS = {
    "municipality_ags": (
        "Amtlicher Gemeindeschlüssel (8-stellig)",
        "official municipality key (8 digits)",
    ),
    "area_id": ("Sozialraum-ID ('ALL' = gesamte Kommune)", "area id ('ALL' = whole municipality)"),
    "reference_date": ("Stichtag", "reference date"),
    "indicator_id": (
        "Indikator-ID (siehe indicator_catalog)",
        "indicator id (see indicator_catalog)",
    ),
    "status": (
        "Status: ok, suppressed (gesperrt), not_computable (nicht berechenbar)",
        "status: ok, suppressed, not_computable",
    ),
    "note": ("Hinweis, warum ein Wert fehlt", "note on why a value is missing"),
    "provider_id": ("Träger-ID (Ordnername der Lieferung)", "provider id (delivery folder name)"),
    "measure_id": ("Maßnahmen-ID (goals.yaml)", "measure id (goals.yaml)"),
    "month": ("Berichtsmonat (erster Tag)", "report month (first day)"),
    "offer_type": ("Angebotstyp", "offer type"),
    "status_class": (
        "Statusklasse: high, medium, low, very_low (höher = benachteiligter)",
        "status class: high, medium, low, very_low (higher = more disadvantaged)",
    ),
}

TABLES: dict[str, tuple[str, str]] = {
    "areas": (
        "Sozialräume mit Fläche, Einwohnern und Geometrie (EPSG:25832)",
        "Areas (Sozialräume) with size, population and geometry (EPSG:25832)",
    ),
    "indicator_catalog": (
        "Indikatorenkatalog: Definition, Zähler, Nenner, Polarität, Quelle",
        "Indicator catalogue: definition, numerator, denominator, polarity, source",
    ),
    "indicator_values": (
        "Indikatorwerte je Sozialraum und Stichtag in Prozent, mit Zähler und Nenner",
        "Indicator values per area and reference date in percent, with numerator and denominator",
    ),
    "social_index": (
        "Sozialindex: Status- und Dynamikindex mit Klassen und Handlungsbedarf",
        "Social index: status and dynamics index with classes and need for action",
    ),
    "allocation": (
        "Bedarfsorientierte Mittelverteilung (Ungleiches ungleich behandeln)",
        "Needs-based allocation of the budget",
    ),
    "goal_progress": (
        "Zielerreichung der strategischen Ziele je Sozialraum und gesamt",
        "Progress towards the strategic goals per area and city-wide",
    ),
    "facilities": (
        "Einrichtungen der Träger (Bestandserfassung)",
        "Providers' facilities (inventory)",
    ),
    "data_quality": (
        "Datenqualität je Anlieferungsdatei: Zeilen geladen und abgelehnt, Prüfungen",
        "Data quality per landing file: rows loaded and rejected, checks",
    ),
    "metadata": (
        "Angaben zum Lauf: Lauf-ID, Zeit, Datenwurzel, Codeversion, Datenstände",
        "About the run: run id, time, data root, code version, data as of",
    ),
    "supply": (
        "Versorgung je Sozialraum, Stichtag und Angebotstyp: Plätze, Erreichbarkeit, Lücken",
        "Supply per area, reference date and offer type: places, accessibility, gaps",
    ),
    "measures": (
        "Maßnahmen laut Zielsystem (goals.yaml)",
        "Measures of the goal system (goals.yaml)",
    ),
    "measure_kpis": (
        "Kennzahlen je Maßnahme und Monat (Maßnahmencontrolling)",
        "Key figures per measure and month (controlling of measures)",
    ),
    "kpi_status": (
        "Zielerreichung und Ampel je Maßnahme, Monat und Kennzahl",
        "Attainment and traffic light per measure, month and KPI",
    ),
    "kpi_status_rolling": (
        "Zielerreichung und Ampel über die letzten 3 Monate",
        "Attainment and traffic light over the trailing 3 months",
    ),
    "goal_measure_status": (
        "Ampeln der Maßnahmen je Ziel und Monat",
        "Traffic lights of each goal's measures per month",
    ),
    "needs_survey": (
        "Bedarfserhebung je Sozialraum, Themenfeld und Befragtengruppe",
        "Needs survey per area, topic and respondent group",
    ),
}

COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "areas": {
        "area_name": ("Name des Sozialraums", "area name"),
        "district_name": ("Stadtbezirk", "district"),
        "area_km2": ("Fläche in km²", "area in km²"),
        "population": (
            "Einwohner am letzten Stichtag ({small_de})",
            "population at the latest reference date ({small_en})",
        ),
        "population_date": ("Stichtag der Einwohnerzahl", "reference date of the population"),
        "geometry_wkt": ("Geometrie als WKT in EPSG:25832", "geometry as WKT in EPSG:25832"),
    },
    "indicator_catalog": {
        "label_de": ("Bezeichnung", "German label"),
        "definition_de": ("Definition", "German definition"),
        "numerator": ("Zähler (Merkmal-Codes)", "numerator (characteristic codes)"),
        "denominator": ("Nenner (Merkmal-Codes)", "denominator (characteristic codes)"),
        "unit": ("Einheit (percent = je 100)", "unit (percent = per 100)"),
        "polarity": (
            "Polarität: higher_is_worse, higher_is_better, neutral",
            "polarity: higher_is_worse, higher_is_better, neutral",
        ),
        "source": ("Datenquelle", "data source"),
        "frequency": ("Periodizität (monthly, yearly)", "frequency (monthly, yearly)"),
        "is_share": ("Anteil (Wert liegt zwischen 0 und 100)", "share (value lies in 0 … 100)"),
    },
    "indicator_values": {
        "numerator": ("Zähler (gesperrt = NULL)", "numerator (suppressed = NULL)"),
        "denominator": ("Nenner (gesperrt = NULL)", "denominator (suppressed = NULL)"),
        "value": ("Wert in Prozent", "value in percent"),
    },
    "social_index": {
        "status_index": ("Statusindex (z-standardisiert)", "status index (z-standardised)"),
        "dynamics_index": ("Dynamikindex (z-standardisiert)", "dynamics index (z-standardised)"),
        "dynamics_class": (
            "Dynamikklasse: positive, stable, negative",
            "dynamics class: positive, stable, negative",
        ),
        "needs_action": ("Handlungsbedarf", "needs action"),
    },
    "allocation": {
        "basis": (
            "Bedarfsgrundlage (Indikator, dessen Zähler zählt)",
            "need basis (indicator whose numerator counts)",
        ),
        "basis_count": ("Bedarfszahl ({small_de})", "need count ({small_en})"),
        "class_weight": ("Gewicht der Statusklasse", "weight of the status class"),
        "weight": ("Gewicht = Bedarfszahl × Klassengewicht", "weight = need count × class weight"),
        "share": (
            "Anteil am Budget in Prozent (Summe je Kommune und Stichtag = 100)",
            "share of the budget in percent (sums to 100 per municipality and reference date)",
        ),
        "amount_eur": (
            "Betrag in Euro (Summe = Budget; gesperrt, wo er die Bedarfszahl verriete)",
            "amount in euros (sums to the budget; suppressed where it would reveal the need count)",
        ),
    },
    "goal_progress": {
        "goal_id": ("Ziel-ID (goals.yaml)", "goal id (goals.yaml)"),
        "baseline": ("Ausgangswert am Basisdatum", "baseline value"),
        "current": ("aktueller Wert", "current value"),
        "target": (
            "Zielwert des Sozialraums: sein Eintrag unter targets_by_area, sonst sein eigener "
            "Ausgangswert mit derselben relativen Veränderung wie die Kommune (× (1 + "
            "change_pct/100) bzw. × Zielwert/Ausgangswert der Kommune); ALL: der Zielwert des "
            "Ziels; gesperrt, wo der Ausgangswert gesperrt ist",
            "the area's target: its targets_by_area entry, else its own baseline changed by the "
            "municipality's relative change (× (1 + change_pct/100) or × city target / city "
            "baseline); ALL: the goal's target; suppressed where the baseline is",
        ),
        "progress": (
            "Fortschritt in Prozent: Anteil des Weges vom Ausgangs- zum Zielwert des Sozialraums "
            "(100 = erreicht, negativ = vom Ziel entfernt); 100, solange ein Sozialraum, dessen "
            "Ausgangswert das Ziel schon erfüllte, es weiter erfüllt",
            "progress in percent: share of the way from the area's baseline to its target "
            "(100 = reached, negative = moved away); 100 while an area whose baseline already "
            "met its target still meets it",
        ),
        "on_track": (
            "auf Kurs: Fortschritt mindestens so weit wie der gerade Pfad (verstrichene Zeit "
            "zwischen Basis- und Zieldatum in Prozent); erfüllte der Ausgangswert das Ziel schon: "
            "solange der aktuelle Wert es erfüllt",
            "on track: progress at least as far as the straight path (share of the time between "
            "baseline and target date, in percent); for an area whose baseline already met its "
            "target: while the current value meets it",
        ),
        "note": (
            "Hinweis: Ausgangswert erfüllt das Ziel bereits (und ob der aktuelle Wert es "
            "verfehlt), oder warum kein Zielwert für den Sozialraum bestimmbar ist",
            "note: the baseline already meets the target (and whether the current value misses "
            "it), or why no target can be derived for the area",
        ),
    },
    "facilities": {
        "facility_id": ("Einrichtungs-ID", "facility id"),
        "name": ("Name der Einrichtung", "facility name"),
        "capacity": ("Kapazität (Plätze)", "capacity (places)"),
        "lon": ("Längengrad (WGS84)", "longitude (WGS84)"),
        "lat": ("Breitengrad (WGS84)", "latitude (WGS84)"),
        "valid_from": ("gültig ab", "valid from"),
        "valid_to": ("gültig bis (NULL = geöffnet)", "valid to (NULL = open)"),
        "address": ("Adresse", "address"),
    },
    "data_quality": {
        "source": ("Quelle", "source"),
        "file": ("Datei (relativ zur Datenwurzel)", "file (relative to the data root)"),
        "rows_in": ("Zeilen geliefert", "rows delivered"),
        "rows_loaded": ("Zeilen geladen", "rows loaded"),
        "rows_quarantined": ("Zeilen abgelehnt (Quarantäne)", "rows rejected (quarantine)"),
        "checks_passed": ("bestandene Prüfungen der Quelle", "checks passed for the source"),
        "checks_failed": ("nicht bestandene Prüfungen der Quelle", "checks failed for the source"),
        "loaded_at": ("Zeitpunkt des Ladens (UTC)", "load time (UTC)"),
    },
    "metadata": {
        "key": ("Angabe", "item"),
        "value": ("Wert", "value"),
    },
    "supply": {
        "target_population": (
            "Zielgruppe (Einwohner der Altersgruppe; {small_de})",
            "target population ({small_en})",
        ),
        "facilities": ("Zahl der geöffneten Einrichtungen", "number of open facilities"),
        "capacity": ("Plätze", "places"),
        "places_per_1000": (
            "Plätze je 1.000 der Zielgruppe (Versorgungsquote)",
            "places per 1,000 of the target population (coverage)",
        ),
        "share_within_distance": (
            "Anteil der Einwohner in Gehweite der nächsten Einrichtung in Prozent",
            "share of residents within walking distance of the nearest facility in percent",
        ),
        "gap": ("Versorgungslücke", "supply gap"),
        "gap_rank": ("Rang der Lücke (1 = dringendste)", "rank of the gap (1 = most urgent)"),
        "municipality_places_per_1000": ("Versorgungsquote der Kommune", "municipality's coverage"),
        "unserved": (
            "nicht versorgte Zielgruppe (Personen, gerundet): das Größere aus fehlenden Plätzen "
            "gemessen an der Quote der Kommune und Zielgruppe außerhalb der Gehweite",
            "target population not served (persons, rounded): the larger of the shortfall against "
            "the municipality's coverage and the target population beyond walking distance",
        ),
        "gap_reason": ("Grund der Lücke", "reason of the gap"),
    },
    "measures": {
        "title": ("Titel der Maßnahme", "measure title"),
        "areas": (
            "Sozialräume der Maßnahme (kommagetrennt)",
            "areas of the measure (comma-separated)",
        ),
        "age_from": ("Zielgruppe ab Alter", "target group from age"),
        "age_to": ("Zielgruppe bis Alter", "target group to age"),
        "capacity": ("Plätze je Monat (Plan)", "places per month (plan)"),
        "goal_ids": ("Ziele, denen die Maßnahme dient", "goals the measure serves"),
    },
    "measure_kpis": {
        "report_status": (
            "Bericht: reported (geliefert) oder missing (fehlt)",
            "report: reported or missing",
        ),
        "participants": ("Teilnehmende ({small_de})", "participants ({small_en})"),
        "target_group_participants": (
            "davon Zielgruppe ({small_de})",
            "of them target group ({small_en})",
        ),
        "new_participants": ("Neuzugänge ({small_de})", "new participants ({small_en})"),
        "hours": ("Stunden", "hours"),
        "cost_eur": ("Kosten in Euro", "cost in euros"),
        "capacity": ("Plätze (Plan)", "places (plan)"),
        "utilisation": ("Auslastung in Prozent", "utilisation in percent"),
        "reach": (
            "Erreichung der Zielgruppe: Teilnehmende der Zielgruppe in Prozent der "
            "Zielbevölkerung (Bevölkerung desselben Stichtags wie die Indikatoren des Monats)",
            "reach: target-group participants in percent of the target population (the same "
            "population Stichtag as the month's indicators)",
        ),
        "cost_per_participant": ("Kosten je Teilnehmendem (Euro)", "cost per participant (euros)"),
        "satisfaction_mean": (
            "Zufriedenheit, Mittelwert (1 = sehr zufrieden; gesperrt unter {min_survey_n} "
            "Antworten)",
            "satisfaction, mean (1 = very satisfied; suppressed below {min_survey_n} answers)",
        ),
        "satisfaction_top2": (
            "Zufriedenheit, Anteil 1 oder 2 in Prozent (gesperrt unter {min_survey_n} Antworten)",
            "satisfaction, share answering 1 or 2 in percent (suppressed below {min_survey_n} "
            "answers)",
        ),
        "satisfaction_n": ("Zahl der Antworten im Quartal", "number of answers in the quarter"),
        "target_population": (
            "Zielbevölkerung der Sozialräume und Altersgruppe am letzten Bevölkerungsstichtag am "
            "oder vor dem Monatsende (Bezugsdatum eines Berichtsmonats ist sein letzter Tag, wie "
            "bei den Monatszahlen der Bundesagentur)",
            "target population of the areas and age group at the latest population reference "
            "date on or before the month's last day (a report month's reference date is its last "
            "day, as for the Bundesagentur's monthly figures)",
        ),
    },
    "kpi_status": {
        "kpi": ("Kennzahl", "KPI"),
        "actual": ("Istwert", "actual value"),
        "target": ("Zielwert", "target value"),
        "target_kind": (
            "Zielart: target (höher ist besser) oder max (Obergrenze)",
            "target kind: target (higher is better) or max (ceiling)",
        ),
        "attainment": (
            "Zielerreichung in Prozent (100 = erreicht)",
            "attainment in percent (100 = met)",
        ),
        "traffic_light": (
            "Ampel: green, yellow, red, none",
            "traffic light: green, yellow, red, none",
        ),
    },
    "goal_measure_status": {
        "goal_id": ("Ziel-ID", "goal id"),
        "goal_title": ("Titel des Ziels", "goal title"),
        "green": ("Kennzahlen grün", "KPIs green"),
        "yellow": ("Kennzahlen gelb", "KPIs yellow"),
        "red": ("Kennzahlen rot", "KPIs red"),
        "none": (
            "Kennzahlen ohne Ampel (Ziel gesetzt, Wert fehlt)",
            "KPIs without light (target set, value missing)",
        ),
        "worst_light": ("schlechteste Ampel", "worst light"),
    },
    "needs_survey": {
        "topic": ("Themenfeld", "topic"),
        "respondent_group": (
            "Befragtengruppe: residents (Bewohner), professionals (Fachkräfte)",
            "respondent group: residents, professionals",
        ),
        "n": (
            "Zahl der Antworten (gesperrt unter {min_survey_n})",
            "number of answers (suppressed below {min_survey_n})",
        ),
        "mean_rating": (
            "mittlere Bewertung (5 = sehr hoher Bedarf)",
            "mean rating (5 = very high need)",
        ),
        "share_high_need": ("Anteil Bewertung 4–5 in Prozent", "share rating 4–5 in percent"),
    },
}


# the views' own columns; the others are documented like the same column of the tables they
# read (VIEW_SOURCES), and the wide indicator columns by `_indicator_doc`
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
        sources = (COLUMNS.get(source, {}).get(column) for source in VIEW_SOURCES[table])
        return own or next((doc for doc in sources if doc), None) or _KEYS.get(column)
    own = COLUMNS.get(table, {})
    if table == "kpi_status_rolling":
        own = {
            **COLUMNS["kpi_status"],
            "window_months": (
                "Monate mit Bericht im 3-Monats-Fenster",
                "reported months in the 3-month window",
            ),
        }
    return own.get(column) or _KEYS.get(column)


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
    described = {**TABLES, **{name: doc for name, (_, doc) in views(settings).items()}}
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
