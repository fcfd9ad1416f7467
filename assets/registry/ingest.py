"""Tables the ingest stage loads from the landing files: areas, statistics, providers' data."""

from __future__ import annotations

from assets.publish.queries import areas_sql
from assets.registry.columns import (
    AREA_ID,
    MEASURE_ID,
    MONTH,
    MUNICIPALITY_AGS,
    OFFER_TYPE,
    PROVIDER_ID,
    REFERENCE_DATE,
    ROW_NUMBER,
    SOURCE_FILE,
    SYMBOL,
)
from assets.registry.model import Column, Table

AREAS = Table(
    "areas",
    "Sozialräume mit Fläche, Einwohnern und Geometrie (EPSG:25832)",
    "Areas (Sozialräume) with size, population and geometry (EPSG:25832)",
    key=("municipality_ags", "area_id"),
    disclosure="counts",
    reads=("indicator_values",),
    query=lambda publish: areas_sql(publish.min_count, publish.hidden_counts()),
    columns=(
        MUNICIPALITY_AGS,
        AREA_ID,
        Column("area_name", "VARCHAR", "Name des Sozialraums", "area name"),
        Column("district_name", "VARCHAR", "Stadtbezirk", "district"),
        Column("area_km2", "DOUBLE", "Fläche in km²", "area in km²"),
        Column(
            "population",
            "BIGINT",
            "Einwohner am letzten Stichtag ({small_de})",
            "population at the latest reference date ({small_en})",
            internal=False,
        ),
        Column(
            "population_date",
            "DATE",
            "Stichtag der Einwohnerzahl",
            "reference date of the population",
            internal=False,
        ),
        Column(
            "geometry_wkt",
            "VARCHAR",
            "Geometrie als WKT in EPSG:25832",
            "geometry as WKT in EPSG:25832",
        ),
        SOURCE_FILE,
    ),
)

SMALL_AREA_STATISTICS = Table(
    "small_area_statistics",
    "Kleinräumige Statistik je Sozialraum, Stichtag und Merkmal (Einwohner, Bundesagentur)",
    "Small-area statistics per area, reference date and characteristic (population, Bundesagentur)",
    published=False,
    key=("municipality_ags", "area_id", "reference_date", "code"),
    columns=(
        MUNICIPALITY_AGS,
        AREA_ID,
        REFERENCE_DATE,
        Column(
            "code",
            "VARCHAR",
            "Merkmal-Code (z. B. EW, SGB2_LB)",
            "characteristic code (e.g. EW, SGB2_LB)",
        ),
        Column("value", "DOUBLE", "Wert (Anzahl)", "value (count)"),
        SYMBOL,
        SOURCE_FILE,
        ROW_NUMBER,
    ),
)

GENESIS_VALUES = Table(
    "genesis_values",
    "Amtliche Eckwerte der Kommune aus GENESIS (Kontrollsummen)",
    "Official municipal figures from GENESIS (control totals)",
    published=False,
    key=("municipality_ags", "reference_date", "statistics_code", "variable_code", "breakdown"),
    columns=(
        MUNICIPALITY_AGS,
        REFERENCE_DATE,
        Column(
            "statistics_code",
            "VARCHAR",
            "Code der Statistik (z. B. 12411)",
            "statistics code (e.g. 12411)",
        ),
        Column(
            "variable_code", "VARCHAR", "Merkmal-Code (z. B. BEVSTD)", "variable code (e.g. BEVSTD)"
        ),
        Column(
            "breakdown", "VARCHAR", "Ausprägung (leer = insgesamt)", "breakdown (empty = total)"
        ),
        Column("value", "DOUBLE", "Wert", "value"),
        SYMBOL,
        Column("unit", "VARCHAR", "Einheit", "unit"),
        SOURCE_FILE,
        ROW_NUMBER,
    ),
)

ZENSUS_GRID = Table(
    "zensus_grid",
    "Zensus-Gitter: Einwohner je 100-m-Zelle",
    "Census grid: population per 100 m cell",
    published=False,
    key=("cell_id",),
    columns=(
        Column("cell_id", "VARCHAR", "ID der Gitterzelle (INSPIRE)", "grid cell id (INSPIRE)"),
        Column(
            "x_3035",
            "DOUBLE",
            "Rechtswert der Zellmitte (EPSG:3035)",
            "x of the cell centre (EPSG:3035)",
        ),
        Column(
            "y_3035",
            "DOUBLE",
            "Hochwert der Zellmitte (EPSG:3035)",
            "y of the cell centre (EPSG:3035)",
        ),
        Column("population", "DOUBLE", "Einwohner der Zelle", "population of the cell"),
        SYMBOL,
        SOURCE_FILE,
        ROW_NUMBER,
    ),
)

FACILITIES = Table(
    "facilities",
    "Einrichtungen der Träger (Bestandserfassung)",
    "Providers' facilities (inventory)",
    key=("facility_id",),
    query="""SELECT facility_id, provider_id, name, offer_type, municipality_ags, area_id,
                  capacity, lon, lat, valid_from, valid_to, address
           FROM facilities ORDER BY facility_id""",
    columns=(
        Column("facility_id", "VARCHAR", "Einrichtungs-ID", "facility id"),
        PROVIDER_ID,
        Column("name", "VARCHAR", "Name der Einrichtung", "facility name"),
        OFFER_TYPE,
        Column("address", "VARCHAR", "Adresse", "address"),
        Column("lon", "DOUBLE", "Längengrad (WGS84)", "longitude (WGS84)"),
        Column("lat", "DOUBLE", "Breitengrad (WGS84)", "latitude (WGS84)"),
        Column(
            "capacity", "DOUBLE", "Kapazität (Plätze)", "capacity (places)", published_type="BIGINT"
        ),
        Column("valid_from", "DATE", "gültig ab", "valid from"),
        Column("valid_to", "DATE", "gültig bis (NULL = geöffnet)", "valid to (NULL = open)"),
        MUNICIPALITY_AGS,
        AREA_ID,
        SOURCE_FILE,
        ROW_NUMBER,
    ),
    published_order=(
        "facility_id",
        "provider_id",
        "name",
        "offer_type",
        "municipality_ags",
        "area_id",
        "capacity",
        "lon",
        "lat",
        "valid_from",
        "valid_to",
        "address",
    ),
)

# the providers' monthly figures, as reported (the published KPIs are in `measure_kpis`)
REPORTED = [
    ("participants", "Teilnehmende", "participants"),
    ("target_group_participants", "davon Zielgruppe", "of them target group"),
    ("new_participants", "Neuzugänge", "new participants"),
    ("hours", "Stunden", "hours"),
    ("cost_eur", "Kosten in Euro", "cost in euros"),
]

MEASURE_REPORTS = Table(
    "measure_reports",
    "Monatsberichte der Träger je Maßnahme und Sozialraum",
    "Providers' monthly reports per measure and area",
    published=False,
    key=("provider_id", "measure_id", "month", "area_id"),
    partition_column="month",
    columns=(
        PROVIDER_ID,
        MEASURE_ID,
        MONTH,
        AREA_ID,
        MUNICIPALITY_AGS,
        *(Column(name, "DOUBLE", de, en) for name, de, en in REPORTED),
        SOURCE_FILE,
        ROW_NUMBER,
    ),
)

SATISFACTION_RESPONSES = Table(
    "satisfaction_responses",
    "Einzelantworten der Zufriedenheitsbefragungen der Träger",
    "Single answers of the providers' satisfaction surveys",
    published=False,
    key=("source_file", "row_number"),
    columns=(
        PROVIDER_ID,
        MEASURE_ID,
        Column("survey_date", "DATE", "Datum der Befragung", "survey date"),
        Column("question_id", "VARCHAR", "Frage-ID", "question id"),
        Column(
            "answer",
            "DOUBLE",
            "Antwort (1 = sehr zufrieden … 5)",
            "answer (1 = very satisfied … 5)",
        ),
        SOURCE_FILE,
        ROW_NUMBER,
    ),
)

TOPIC = Column("topic", "VARCHAR", "Themenfeld", "topic")
RESPONDENT_GROUP = Column(
    "respondent_group",
    "VARCHAR",
    "Befragtengruppe: residents (Bewohner), professionals (Fachkräfte)",
    "respondent group: residents, professionals",
)

NEEDS_SURVEY_RESPONSES = Table(
    "needs_survey_responses",
    "Einzelantworten der Bedarfserhebung",
    "Single answers of the needs survey",
    published=False,
    key=("source_file", "row_number"),
    columns=(
        Column("survey_id", "VARCHAR", "ID des Fragebogens (Befragung_ID)", "questionnaire id"),
        RESPONDENT_GROUP,
        MUNICIPALITY_AGS,
        AREA_ID,
        TOPIC,
        Column(
            "rating",
            "DOUBLE",
            "Bewertung des Bedarfs (1 … 5, 5 = sehr hoher Bedarf)",
            "rating of the need (1 … 5, 5 = very high need)",
        ),
        SOURCE_FILE,
        ROW_NUMBER,
    ),
)

TABLES = (
    AREAS,
    SMALL_AREA_STATISTICS,
    GENESIS_VALUES,
    ZENSUS_GRID,
    FACILITIES,
    MEASURE_REPORTS,
    SATISFACTION_RESPONSES,
    NEEDS_SURVEY_RESPONSES,
)
