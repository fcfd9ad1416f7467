"""Tables of the indicator stage: catalogue, values, social index, allocation, goal progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assets.publish.queries import allocation_sql, goal_progress_sql, write_indicator_values
from assets.registry.columns import (
    AREA_ID,
    GOAL_ID,
    INDICATOR_ID,
    MUNICIPALITY_AGS,
    NOTE,
    PUBLISHED_STATUS,
    REFERENCE_DATE,
    STATUS,
    STATUS_CLASS,
)
from assets.registry.model import Column, Table

if TYPE_CHECKING:
    from assets.publish.tables import PublishContext

AREA_DATE = ("municipality_ags", "area_id", "reference_date")

INDICATOR_CATALOG = Table(
    "indicator_catalog",
    "Indikatorenkatalog: Definition, Zähler, Nenner, Polarität, Quelle",
    "Indicator catalogue: definition, numerator, denominator, polarity, source",
    key=("indicator_id",),
    query="SELECT * FROM indicator_catalog ORDER BY indicator_id",
    columns=(
        INDICATOR_ID,
        Column("label_de", "VARCHAR", "Bezeichnung", "German label"),
        Column("definition_de", "VARCHAR", "Definition", "German definition"),
        Column(
            "numerator", "VARCHAR", "Zähler (Merkmal-Codes)", "numerator (characteristic codes)"
        ),
        Column(
            "denominator", "VARCHAR", "Nenner (Merkmal-Codes)", "denominator (characteristic codes)"
        ),
        Column("unit", "VARCHAR", "Einheit (percent = je 100)", "unit (percent = per 100)"),
        Column(
            "polarity",
            "VARCHAR",
            "Polarität: higher_is_worse, higher_is_better, neutral",
            "polarity: higher_is_worse, higher_is_better, neutral",
        ),
        Column("source", "VARCHAR", "Datenquelle", "data source"),
        Column(
            "frequency", "VARCHAR", "Periodizität (monthly, yearly)", "frequency (monthly, yearly)"
        ),
        Column(
            "is_share",
            "BOOLEAN",
            "Anteil (Wert liegt zwischen 0 und 100)",
            "share (value lies in 0 … 100)",
        ),
    ),
)


def _write_indicator_values(publish: PublishContext) -> int:
    """Protects and writes the values batch by batch (see `write_indicator_values`); the
    suppression counts go to the run's metadata."""
    rows, suppressed = write_indicator_values(publish.con, publish.target, publish.disclosure)
    publish.suppressed.update(suppressed)
    return rows


INDICATOR_VALUES = Table(
    "indicator_values",
    "Indikatorwerte je Sozialraum und Stichtag in Prozent, mit Zähler und Nenner",
    "Indicator values per area and reference date in percent, with numerator and denominator",
    key=(*AREA_DATE, "indicator_id"),
    partition_column="reference_date",
    disclosure="indicator_cells",
    query=_write_indicator_values,
    columns=(
        MUNICIPALITY_AGS,
        AREA_ID,
        REFERENCE_DATE,
        INDICATOR_ID,
        Column(
            "numerator",
            "DOUBLE",
            "Zähler (gesperrt = NULL)",
            "numerator (suppressed = NULL)",
            published_type="BIGINT",
            internal_de="Zähler",
            internal_en="numerator",
        ),
        Column(
            "denominator",
            "DOUBLE",
            "Nenner (gesperrt = NULL)",
            "denominator (suppressed = NULL)",
            published_type="BIGINT",
            internal_de="Nenner",
            internal_en="denominator",
        ),
        Column("value", "DOUBLE", "Wert in Prozent", "value in percent"),
        STATUS.internally(
            "Status: ok, not_computable (nicht berechenbar)", "status: ok, not_computable"
        ),
        Column(
            "denominator_date",
            "DATE",
            "Stichtag des Nenners (letzter am oder vor dem Stichtag)",
            "reference date of the denominator (the latest on or before the reference date)",
            published=False,
        ),
        NOTE,
    ),
)

SOCIAL_INDEX = Table(
    "social_index",
    "Sozialindex: Status- und Dynamikindex mit Klassen und Handlungsbedarf",
    "Social index: status and dynamics index with classes and need for action",
    key=AREA_DATE,
    query="SELECT * FROM social_index ORDER BY municipality_ags, area_id, reference_date",
    columns=(
        MUNICIPALITY_AGS,
        AREA_ID,
        REFERENCE_DATE,
        Column(
            "status_index",
            "DOUBLE",
            "Statusindex (z-standardisiert; höher = stärker benachteiligt)",
            "status index (z-standardised; higher = more disadvantaged)",
        ),
        STATUS_CLASS,
        Column(
            "dynamics_index",
            "DOUBLE",
            "Dynamikindex (z-standardisiert; höher = Lage verschlechtert sich stärker)",
            "dynamics index (z-standardised; higher = worsening more)",
        ),
        Column(
            "dynamics_class",
            "VARCHAR",
            "Dynamikklasse: positive = Lage verbessert sich, stable, negative = Lage "
            "verschlechtert sich",
            "dynamics class: positive (improving), stable, negative (worsening)",
        ),
        Column("needs_action", "BOOLEAN", "Handlungsbedarf", "needs action"),
        NOTE,
    ),
)

SOCIAL_INDEX_COMPONENTS = Table(
    "social_index_components",
    "Bestandteile des Sozialindex: Indikatorwerte und ihre z-Werte",
    "Components of the social index: indicator values and their z-scores",
    published=False,
    key=(*AREA_DATE, "component", "indicator_id"),
    columns=(
        MUNICIPALITY_AGS,
        AREA_ID,
        REFERENCE_DATE,
        Column(
            "component", "VARCHAR", "Teilindex: status, dynamics", "component: status, dynamics"
        ),
        INDICATOR_ID,
        Column(
            "value",
            "DOUBLE",
            "Wert (status: Indikatorwert in Prozent; dynamics: Veränderung in Prozentpunkten)",
            "value (status: indicator value in percent; dynamics: change in percentage points)",
        ),
        Column("z", "DOUBLE", "z-Wert des Werts", "z-score of the value"),
    ),
)

ALLOCATION = Table(
    "allocation",
    "Bedarfsorientierte Mittelverteilung (Ungleiches ungleich behandeln)",
    "Needs-based allocation of the budget",
    key=AREA_DATE,
    disclosure="counts",
    reads=("indicator_values",),
    query=lambda publish: allocation_sql(publish.min_count, publish.hidden_counts()),
    columns=(
        MUNICIPALITY_AGS,
        AREA_ID,
        REFERENCE_DATE,
        Column(
            "basis",
            "VARCHAR",
            "Bedarfsgrundlage (Indikator, dessen Zähler zählt)",
            "need basis (indicator whose numerator counts)",
        ),
        Column(
            "basis_count",
            "DOUBLE",
            "Bedarfszahl ({small_de})",
            "need count ({small_en})",
            published_type="BIGINT",
            internal_de="Bedarfszahl",
            internal_en="need count",
        ),
        STATUS_CLASS,
        Column("class_weight", "DOUBLE", "Gewicht der Statusklasse", "weight of the status class"),
        Column(
            "weight",
            "DOUBLE",
            "Gewicht = Bedarfszahl × Klassengewicht",
            "weight = need count × class weight",
        ),
        Column(
            "share",
            "DOUBLE",
            "Anteil am Budget in Prozent (Summe je Kommune und Stichtag = 100)",
            "share of the budget in percent (sums to 100 per municipality and reference date)",
        ),
        Column(
            "amount_eur",
            "BIGINT",
            "Betrag in Euro (Summe = Budget; gesperrt, wo er die Bedarfszahl verriete)",
            "amount in euros (sums to the budget; suppressed where it would reveal the need count)",
            internal_de="Betrag in Euro (Summe = Budget)",
            internal_en="amount in euros (sums to the budget)",
        ),
        NOTE,
        PUBLISHED_STATUS,
    ),
)

GOAL_PROGRESS = Table(
    "goal_progress",
    "Zielerreichung der strategischen Ziele je Sozialraum und gesamt",
    "Progress towards the strategic goals per area and city-wide",
    key=("goal_id", *AREA_DATE),
    disclosure="follows_published",
    reads=("indicator_values",),
    query=lambda publish: goal_progress_sql(publish.published("indicator_values")),
    columns=(
        GOAL_ID,
        MUNICIPALITY_AGS,
        AREA_ID,
        REFERENCE_DATE,
        INDICATOR_ID,
        Column("baseline", "DOUBLE", "Ausgangswert am Basisdatum", "baseline value"),
        Column("current", "DOUBLE", "aktueller Wert", "current value"),
        Column(
            "target",
            "DOUBLE",
            "Zielwert des Sozialraums: sein Eintrag unter targets_by_area, sonst sein eigener "
            "Ausgangswert mit derselben relativen Veränderung wie die Kommune (× (1 + "
            "change_pct/100) bzw. × Zielwert/Ausgangswert der Kommune); ALL: der Zielwert des "
            "Ziels; gesperrt, wo der Ausgangswert gesperrt ist",
            "the area's target: its targets_by_area entry, else its own baseline changed by the "
            "municipality's relative change (× (1 + change_pct/100) or × city target / city "
            "baseline); ALL: the goal's target; suppressed where the baseline is",
            internal_de="Zielwert des Sozialraums: sein Eintrag unter targets_by_area, sonst sein "
            "eigener Ausgangswert mit derselben relativen Veränderung wie die Kommune; ALL: der "
            "Zielwert des Ziels",
            internal_en="the area's target: its targets_by_area entry, else its own baseline "
            "changed by the municipality's relative change; ALL: the goal's target",
        ),
        Column(
            "progress",
            "DOUBLE",
            "Fortschritt in Prozent: Anteil des Weges vom Ausgangs- zum Zielwert des Sozialraums "
            "(100 = erreicht, negativ = vom Ziel entfernt); 100, solange ein Sozialraum, dessen "
            "Ausgangswert das Ziel schon erfüllte, es weiter erfüllt",
            "progress in percent: share of the way from the area's baseline to its target "
            "(100 = reached, negative = moved away); 100 while an area whose baseline already "
            "met its target still meets it",
        ),
        Column(
            "on_track",
            "BOOLEAN",
            "auf Kurs: Fortschritt mindestens so weit wie der gerade Pfad (verstrichene Zeit "
            "zwischen Basis- und Zieldatum in Prozent); erfüllte der Ausgangswert das Ziel schon: "
            "solange der aktuelle Wert es erfüllt",
            "on track: progress at least as far as the straight path (share of the time between "
            "baseline and target date, in percent); for an area whose baseline already met its "
            "target: while the current value meets it",
        ),
        NOTE.described(
            "Hinweis: Ausgangswert erfüllt das Ziel bereits (und ob der aktuelle Wert es "
            "verfehlt), oder warum kein Zielwert für den Sozialraum bestimmbar ist",
            "note: the baseline already meets the target (and whether the current value misses "
            "it), or why no target can be derived for the area",
        ),
        PUBLISHED_STATUS,
    ),
)

TABLES = (
    INDICATOR_CATALOG,
    INDICATOR_VALUES,
    SOCIAL_INDEX,
    SOCIAL_INDEX_COMPONENTS,
    ALLOCATION,
    GOAL_PROGRESS,
)
