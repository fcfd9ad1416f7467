"""Documentation inside the published file: German and English text for every table and column.

Written as `COMMENT ON TABLE` / `COMMENT ON COLUMN` ("Deutsch | English"), so that DBeaver, the
DuckDB CLI (`duckdb_columns()`) and other tools show it next to the data.
"""

from __future__ import annotations

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
            "Einwohner am letzten Stichtag (1–2 gesperrt)",
            "population at the latest reference date (1–2 suppressed)",
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
        "basis_count": ("Bedarfszahl (1–2 gesperrt)", "need count (1–2 suppressed)"),
        "class_weight": ("Gewicht der Statusklasse", "weight of the status class"),
        "weight": ("Gewicht = Bedarfszahl × Klassengewicht", "weight = need count × class weight"),
        "share": ("Anteil am Budget (0–1)", "share of the budget (0–1)"),
        "amount_eur": ("Betrag in Euro (Summe = Budget)", "amount in euros (sums to the budget)"),
    },
    "goal_progress": {
        "goal_id": ("Ziel-ID (goals.yaml)", "goal id (goals.yaml)"),
        "baseline": ("Ausgangswert am Basisdatum", "baseline value"),
        "current": ("aktueller Wert", "current value"),
        "target": ("Zielwert", "target value"),
        "progress": (
            "Anteil des Weges vom Ausgangs- zum Zielwert (1 = erreicht)",
            "share of the way from baseline to target (1 = reached)",
        ),
        "on_track": (
            "auf Kurs (mindestens so weit wie der gerade Pfad)",
            "on track (at least as far as the straight path)",
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
            "Zielgruppe (Einwohner der Altersgruppe; 1–2 gesperrt)",
            "target population (1–2 suppressed)",
        ),
        "facilities": ("Zahl der geöffneten Einrichtungen", "number of open facilities"),
        "capacity": ("Plätze", "places"),
        "places_per_1000": (
            "Plätze je 1.000 der Zielgruppe (Versorgungsquote)",
            "places per 1,000 of the target population (coverage)",
        ),
        "share_within_distance": (
            "Anteil der Einwohner in Gehweite der nächsten Einrichtung (0–1)",
            "share of residents within walking distance of the nearest facility (0–1)",
        ),
        "gap": ("Versorgungslücke", "supply gap"),
        "gap_rank": ("Rang der Lücke (1 = dringendste)", "rank of the gap (1 = most urgent)"),
        "municipality_places_per_1000": ("Versorgungsquote der Kommune", "municipality's coverage"),
        "unserved": (
            "fehlende Plätze bis zur Quote der Kommune",
            "places missing to reach the municipality's coverage",
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
        "participants": ("Teilnehmende", "participants"),
        "target_group_participants": ("davon Zielgruppe", "of them target group"),
        "new_participants": ("Neuzugänge", "new participants"),
        "hours": ("Stunden", "hours"),
        "cost_eur": ("Kosten in Euro", "cost in euros"),
        "capacity": ("Plätze (Plan)", "places (plan)"),
        "utilisation": ("Auslastung in Prozent", "utilisation in percent"),
        "reach": (
            "Erreichung der Zielgruppe in Prozent der Zielbevölkerung",
            "reach: target-group participants in percent of the target population",
        ),
        "cost_per_participant": ("Kosten je Teilnehmendem (Euro)", "cost per participant (euros)"),
        "satisfaction_mean": (
            "Zufriedenheit, Mittelwert (1 = sehr zufrieden)",
            "satisfaction, mean (1 = very satisfied)",
        ),
        "satisfaction_top2": (
            "Zufriedenheit, Anteil 1 oder 2 in Prozent",
            "satisfaction, share answering 1 or 2 in percent",
        ),
        "satisfaction_n": ("Zahl der Antworten im Quartal", "number of answers in the quarter"),
        "target_population": (
            "Zielbevölkerung der Sozialräume und Altersgruppe",
            "target population of the areas and age group",
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
            "Zahl der Antworten (gesperrt unter der Mindestzahl)",
            "number of answers (suppressed below the minimum)",
        ),
        "mean_rating": (
            "mittlere Bewertung (5 = sehr hoher Bedarf)",
            "mean rating (5 = very high need)",
        ),
        "share_high_need": ("Anteil Bewertung 4–5 in Prozent", "share rating 4–5 in percent"),
    },
}


def text(pair: tuple[str, str]) -> str:
    return f"{pair[0]} | {pair[1]}"


def column_doc(table: str, column: str) -> tuple[str, str] | None:
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


def comment_statements(tables: dict[str, list[str]]) -> list[str]:
    """`COMMENT ON` statements for every table and column of `tables` (name -> column names).

    Raises if a published table or column has no documentation, so nothing ships undocumented.
    """
    statements, missing = [], []
    for table, columns in tables.items():
        if table not in TABLES:
            missing.append(table)
            continue
        statements.append(f"COMMENT ON TABLE {table} IS {_literal(text(TABLES[table]))}")
        for column in columns:
            doc = column_doc(table, column)
            if doc is None:
                missing.append(f"{table}.{column}")
                continue
            statements.append(f'COMMENT ON COLUMN {table}."{column}" IS {_literal(text(doc))}')
    if missing:
        raise ValueError(f"undocumented published tables/columns: {', '.join(missing)}")
    return statements


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
