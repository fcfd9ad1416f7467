"""The supply table: places, accessibility and gaps per area, reference date and offer type."""

from __future__ import annotations

from assets.publish.controlling import supply_sql
from assets.registry.columns import (
    AREA_ID,
    MUNICIPALITY_AGS,
    OFFER_TYPE,
    PUBLISHED_STATUS,
    REFERENCE_DATE,
)
from assets.registry.model import Column, Table

SUPPLY = Table(
    "supply",
    "Versorgung je Sozialraum, Stichtag und Angebotstyp: Plätze, Erreichbarkeit, Lücken",
    "Supply per area, reference date and offer type: places, accessibility, gaps",
    key=("municipality_ags", "area_id", "reference_date", "offer_type"),
    disclosure="counts",
    reads=("indicator_values",),
    query=lambda publish: supply_sql(
        publish.min_count, publish.min_denominator, publish.hidden_counts()
    ),
    columns=(
        MUNICIPALITY_AGS,
        AREA_ID,
        REFERENCE_DATE,
        OFFER_TYPE,
        Column(
            "target_population",
            "DOUBLE",
            "Zielgruppe (Einwohner der Altersgruppe; {small_de})",
            "target population ({small_en})",
            published_type="BIGINT",
            internal_de="Zielgruppe (Einwohner der Altersgruppe)",
            internal_en="target population (residents of the age group)",
        ),
        Column(
            "facilities", "BIGINT", "Zahl der geöffneten Einrichtungen", "number of open facilities"
        ),
        Column("capacity", "DOUBLE", "Plätze", "places", published_type="BIGINT"),
        Column(
            "places_per_1000",
            "DOUBLE",
            "Plätze je 1.000 der Zielgruppe (Versorgungsquote)",
            "places per 1,000 of the target population (coverage)",
        ),
        Column(
            "share_within_distance",
            "DOUBLE",
            "Anteil der Einwohner in Gehweite der nächsten Einrichtung in Prozent",
            "share of residents within walking distance of the nearest facility in percent",
        ),
        Column("gap", "BOOLEAN", "Versorgungslücke", "supply gap"),
        Column(
            "gap_rank",
            "BIGINT",
            "Rang der Lücke (1 = dringendste)",
            "rank of the gap (1 = most urgent)",
        ),
        Column(
            "municipality_places_per_1000",
            "DOUBLE",
            "Versorgungsquote der Kommune",
            "municipality's coverage",
        ),
        Column(
            "unserved",
            "DOUBLE",
            "nicht versorgte Zielgruppe (Personen, gerundet): das Größere aus fehlenden Plätzen "
            "gemessen an der Quote der Kommune und Zielgruppe außerhalb der Gehweite",
            "target population not served (persons, rounded): the larger of the shortfall against "
            "the municipality's coverage and the target population beyond walking distance",
            published_type="BIGINT",
        ),
        Column("gap_reason", "VARCHAR", "Grund der Lücke", "reason of the gap"),
        PUBLISHED_STATUS,
    ),
)

TABLES = (SUPPLY,)
