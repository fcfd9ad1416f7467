"""German wording and colours shared by the maps, the inline SVG, the HTML pages and the exports.

One place for them so a class has the same name and colour on the city map, in the legend, in the
area profile and in the workbook: a reader compares by colour first, and by word second.
"""

from __future__ import annotations

import math

# Status classes after Berlin's Monitoring Soziale Stadtentwicklung (DESIGN §6):
# `high` status is the least disadvantaged.
STATUS_CLASSES = {
    "high": ("hoch", "#1a9850"),
    "medium": ("mittel", "#d9ef8b"),
    "low": ("niedrig", "#fdae61"),
    "very_low": ("sehr niedrig", "#d73027"),
}
DYNAMICS_CLASSES = {
    "positive": ("positiv", "#4575b4"),
    "stable": ("stabil", "#ffffbf"),
    "negative": ("negativ", "#d73027"),
}
NO_VALUE_COLOUR = "#d9d9d9"
NO_VALUE_LABEL = "keine Angabe"
AREA_COLOUR = "#2166ac"  # the area's own values in trends and distributions
CITY_LINE_COLOUR = "#7f7f7f"  # the city's trend beside the area's
CITY_MARK_COLOUR = "#d73027"  # the city value marked within a distribution
HIGHLIGHT_COLOUR = "#d73027"  # the area on its locator map

# Child poverty bins in percent: fixed, so maps of different refreshes and cities compare.
CHILD_POVERTY_BINS = (0.0, 10.0, 20.0, 30.0, 40.0, math.inf)
CHILD_POVERTY_COLOURS = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")

# Key indicators come first on an area profile; the rest of the catalogue follows.
KEY_INDICATORS = (
    "sgb2_quota",
    "child_poverty",
    "unemployment",
    "long_term_unemployment",
    "youth_unemployment",
    "old_age_poverty",
    "single_parents",
    "foreign_nationals",
)

OFFER_TYPES = {
    "kita": "Kita",
    "familienzentrum": "Familienzentrum",
    "jugendzentrum": "Jugendzentrum",
    "seniorentreff": "Seniorentreff",
    "beratung": "Beratung",
    "quartiersbuero": "Quartiersbüro",
}

KPIS = {
    "participants": "Teilnehmende",
    "target_group_participants": "davon Zielgruppe",
    "new_participants": "Neuzugänge",
    "hours": "Stunden",
    "cost_eur": "Kosten (EUR)",
    "capacity": "Plätze",
    "utilisation": "Auslastung (%)",
    "reach": "Erreichung der Zielgruppe (%)",
    "cost_per_participant": "Kosten je Teilnehmendem (EUR)",
    "satisfaction_mean": "Zufriedenheit (Mittel)",
    "satisfaction_top2": "Zufriedenheit Top-2 (%)",
    "satisfaction_n": "Antworten Zufriedenheit",
}

TRAFFIC_LIGHTS = {
    "green": ("grün", "#1a9850"),
    "yellow": ("gelb", "#fee08b"),
    "red": ("rot", "#d73027"),
    "none": ("ohne Ampel", NO_VALUE_COLOUR),
}

RESPONDENT_GROUPS = {"residents": "Bewohner", "professionals": "Fachkräfte"}

SUPPRESSED_TITLE = "gesperrt (Geheimhaltung)"
NOT_COMPUTABLE_TITLE = "nicht berechenbar"


def label(mapping: dict, key: object) -> str:
    """The German label of `key`, or the key itself so an unknown code stays visible."""
    entry = mapping.get(key)
    if entry is None:
        return "" if key is None else str(key)
    return entry[0] if isinstance(entry, tuple) else entry


# the codes the published tables hold, in the words of the workbook and the GeoPackage
TARGET_KINDS = {"target": "Ziel (mindestens)", "max": "Obergrenze (höchstens)"}
POLARITIES = {
    "higher_is_worse": "höher ist ungünstiger",
    "higher_is_better": "höher ist günstiger",
    "neutral": "neutral",
}
VALUE_STATUSES = {"ok": "ok", "suppressed": "gesperrt", "not_computable": "nicht berechenbar"}
UNITS = {"percent": "Prozent"}
FREQUENCIES = {"monthly": "monatlich", "yearly": "jährlich"}
SOURCES = {
    "areas": "Sozialräume (Geometrien)",
    "small_area_statistics": "Kleinräumige Statistik",
    "genesis": "GENESIS-Eckwerte",
    "zensus": "Zensus-Gitter",
    "facilities": "Einrichtungen der Träger",
    "measure_reports": "Monatsberichte der Träger",
    "satisfaction_responses": "Zufriedenheitsbefragungen",
    "needs_survey": "Bedarfserhebung",
}
YES_NO = {True: "ja", False: "nein"}
WHOLE_MUNICIPALITY = "Gesamtstadt"  # the `ALL` rows: the whole municipality
SUPPRESSED_LABEL = "gesperrt"  # a cell hidden by disclosure control


def percent_bin_label(low: float, high: float) -> str:
    """The legend text of a percent bin ("10 bis unter 20 %", "ab 40 %"), the same on the
    profiles' maps and in the GeoPackage's QGIS style."""

    def number(value: float) -> str:
        return f"{value:g}".replace(".", ",")

    if math.isinf(high):
        return f"ab {number(low)} %"
    return f"{number(low)} bis unter {number(high)} %"
