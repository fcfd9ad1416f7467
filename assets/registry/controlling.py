"""Tables of the controlling stage: measures, their KPIs and lights, and the needs survey."""

from __future__ import annotations

from assets.controlling.status import ROLLING_WINDOW_MONTHS
from assets.publish.controlling import (
    goal_measure_status_sql,
    kpi_status_rolling_sql,
    kpi_status_sql,
    measure_kpis_sql,
    needs_survey_sql,
)
from assets.publish.queries import measures_frame
from assets.registry.columns import (
    AREA_ID,
    GOAL_ID,
    INDICATOR_ID,
    MEASURE_ID,
    MONTH,
    MUNICIPALITY_AGS,
    NOTE,
    PROVIDER_ID,
    PUBLISHED_STATUS,
    STATUS,
)
from assets.registry.ingest import RESPONDENT_GROUP, TOPIC
from assets.registry.model import Column, Table

MEASURES = Table(
    "measures",
    "Maßnahmen laut Zielsystem (goals.yaml)",
    "Measures of the goal system (goals.yaml)",
    internal=False,
    key=("measure_id",),
    query=lambda publish: measures_frame(publish.goals),
    columns=(
        MEASURE_ID,
        PROVIDER_ID,
        Column("title", "VARCHAR", "Titel der Maßnahme", "measure title"),
        Column(
            "areas",
            "VARCHAR",
            "Sozialräume der Maßnahme (kommagetrennt)",
            "areas of the measure (comma-separated)",
        ),
        Column("age_from", "BIGINT", "Zielgruppe ab Alter", "target group from age"),
        Column("age_to", "BIGINT", "Zielgruppe bis Alter", "target group to age"),
        Column("capacity", "BIGINT", "Plätze je Monat (Plan)", "places per month (plan)"),
        Column(
            "goal_ids", "VARCHAR", "Ziele, denen die Maßnahme dient", "goals the measure serves"
        ),
    ),
)


def _count(name: str, de: str, en: str) -> Column:
    """A head count: DOUBLE as reported, BIGINT once published, small values suppressed there."""
    return Column(
        name,
        "DOUBLE",
        f"{de} ({{small_de}})",
        f"{en} ({{small_en}})",
        published_type="BIGINT",
        internal_de=de,
        internal_en=en,
    )


MEASURE_KPIS = Table(
    "measure_kpis",
    "Kennzahlen je Maßnahme und Monat (Maßnahmencontrolling)",
    "Key figures per measure and month (controlling of measures)",
    key=("measure_id", "month"),
    partition_column="month",
    disclosure="controlling",
    query=lambda publish: measure_kpis_sql(
        publish.min_count, publish.min_survey_n, publish.min_denominator
    ),
    columns=(
        MEASURE_ID,
        MONTH,
        PROVIDER_ID,
        Column(
            "report_status",
            "VARCHAR",
            "Bericht: reported (geliefert) oder missing (fehlt)",
            "report: reported or missing",
        ),
        _count("participants", "Teilnehmende", "participants"),
        _count("target_group_participants", "davon Zielgruppe", "of them target group"),
        _count("new_participants", "Neuzugänge", "new participants"),
        Column("hours", "DOUBLE", "Stunden", "hours"),
        Column("cost_eur", "DOUBLE", "Kosten in Euro", "cost in euros"),
        Column("capacity", "DOUBLE", "Plätze (Plan)", "places (plan)", published_type="BIGINT"),
        Column("utilisation", "DOUBLE", "Auslastung in Prozent", "utilisation in percent"),
        Column(
            "reach",
            "DOUBLE",
            "Erreichung der Zielgruppe: Teilnehmende der Zielgruppe in Prozent der "
            "Zielbevölkerung (Bevölkerung desselben Stichtags wie die Indikatoren des Monats)",
            "reach: target-group participants in percent of the target population (the same "
            "population Stichtag as the month's indicators)",
        ),
        Column(
            "cost_per_participant",
            "DOUBLE",
            "Kosten je Teilnehmendem (Euro)",
            "cost per participant (euros)",
        ),
        Column(
            "satisfaction_mean",
            "DOUBLE",
            "Zufriedenheit, Mittelwert (1 = sehr zufrieden; gesperrt unter {min_survey_n} "
            "Antworten)",
            "satisfaction, mean (1 = very satisfied; suppressed below {min_survey_n} answers)",
            internal_de="Zufriedenheit, Mittelwert (1 = sehr zufrieden)",
            internal_en="satisfaction, mean (1 = very satisfied)",
        ),
        Column(
            "satisfaction_top2",
            "DOUBLE",
            "Zufriedenheit, Anteil 1 oder 2 in Prozent (gesperrt unter {min_survey_n} Antworten)",
            "satisfaction, share answering 1 or 2 in percent (suppressed below {min_survey_n} "
            "answers)",
            internal_de="Zufriedenheit, Anteil 1 oder 2 in Prozent",
            internal_en="satisfaction, share answering 1 or 2 in percent",
        ),
        Column(
            "satisfaction_n",
            "BIGINT",
            "Zahl der Antworten im Quartal",
            "number of answers in the quarter",
        ),
        Column(
            "target_population",
            "DOUBLE",
            "Zielbevölkerung der Sozialräume und Altersgruppe am letzten Bevölkerungsstichtag am "
            "oder vor dem Monatsende (Bezugsdatum eines Berichtsmonats ist sein letzter Tag, wie "
            "bei den Monatszahlen der Bundesagentur)",
            "target population of the areas and age group at the latest population reference "
            "date on or before the month's last day (a report month's reference date is its last "
            "day, as for the Bundesagentur's monthly figures)",
            published_type="BIGINT",
        ),
        Column(
            "population_date",
            "DATE",
            "Bevölkerungsstichtag der Zielbevölkerung",
            "population reference date of the target population",
            published=False,
        ),
        NOTE,
        PUBLISHED_STATUS,
    ),
)

KPI_STATUS_COLUMNS = (
    MEASURE_ID,
    MONTH,
    Column("kpi", "VARCHAR", "Kennzahl", "KPI"),
    Column("actual", "DOUBLE", "Istwert", "actual value"),
    Column("target", "DOUBLE", "Zielwert", "target value"),
    Column(
        "target_kind",
        "VARCHAR",
        "Zielart: target (höher ist besser) oder max (Obergrenze)",
        "target kind: target (higher is better) or max (ceiling)",
    ),
    Column(
        "attainment",
        "DOUBLE",
        "Zielerreichung in Prozent (100 = erreicht)",
        "attainment in percent (100 = met)",
    ),
    Column(
        "traffic_light",
        "VARCHAR",
        "Ampel: green, yellow, red, none",
        "traffic light: green, yellow, red, none",
    ),
    NOTE,
)
KPI_KEY = ("measure_id", "month", "kpi")

KPI_STATUS = Table(
    "kpi_status",
    "Zielerreichung und Ampel je Maßnahme, Monat und Kennzahl",
    "Attainment and traffic light per measure, month and KPI",
    key=KPI_KEY,
    partition_column="month",
    disclosure="follows_published",
    reads=("measure_kpis",),
    query=lambda publish: kpi_status_sql(
        publish.published("measure_kpis"), [c.name for c in MEASURE_KPIS.columns_of(True)]
    ),
    columns=(*KPI_STATUS_COLUMNS, PUBLISHED_STATUS),
)

KPI_STATUS_ROLLING = Table(
    "kpi_status_rolling",
    f"Zielerreichung und Ampel über die letzten {ROLLING_WINDOW_MONTHS} Monate",
    f"Attainment and traffic light over the trailing {ROLLING_WINDOW_MONTHS} months",
    key=KPI_KEY,
    partition_column="month",
    disclosure="follows_published",
    reads=("kpi_status",),
    query=lambda publish: kpi_status_rolling_sql(
        publish.published("kpi_status"),
        publish.min_count,
        publish.min_survey_n,
        publish.min_denominator,
    ),
    columns=(
        *KPI_STATUS_COLUMNS,
        Column(
            "window_months",
            "BIGINT",
            f"Monate mit Bericht im {ROLLING_WINDOW_MONTHS}-Monats-Fenster",
            f"reported months in the {ROLLING_WINDOW_MONTHS}-month window",
        ),
        PUBLISHED_STATUS,
    ),
)


GOAL_MEASURE_STATUS = Table(
    "goal_measure_status",
    "Ampeln der Maßnahmen je Ziel und Monat",
    "Traffic lights of each goal's measures per month",
    key=("goal_id", "measure_id", "month"),
    partition_column="month",
    disclosure="follows_published",
    reads=("kpi_status",),
    query=lambda publish: goal_measure_status_sql(publish.published("kpi_status")),
    columns=(
        GOAL_ID.described("Ziel-ID", "goal id"),
        Column("goal_title", "VARCHAR", "Titel des Ziels", "goal title"),
        INDICATOR_ID,
        MEASURE_ID,
        MONTH,
        Column("green", "BIGINT", "Kennzahlen grün", "KPIs green"),
        Column("yellow", "BIGINT", "Kennzahlen gelb", "KPIs yellow"),
        Column("red", "BIGINT", "Kennzahlen rot", "KPIs red"),
        Column(
            "none",
            "BIGINT",
            "Kennzahlen ohne Ampel (Ziel gesetzt, Wert fehlt)",
            "KPIs without light (target set, value missing)",
        ),
        Column("worst_light", "VARCHAR", "schlechteste Ampel", "worst light"),
    ),
)

NEEDS_SURVEY = Table(
    "needs_survey",
    "Bedarfserhebung je Sozialraum, Themenfeld und Befragtengruppe",
    "Needs survey per area, topic and respondent group",
    key=("municipality_ags", "area_id", "topic", "respondent_group"),
    disclosure="survey",
    query=lambda publish: needs_survey_sql(publish.min_count, publish.min_survey_n),
    columns=(
        MUNICIPALITY_AGS,
        AREA_ID,
        TOPIC,
        RESPONDENT_GROUP,
        Column(
            "n",
            "BIGINT",
            "Zahl der Antworten (gesperrt unter {min_survey_n})",
            "number of answers (suppressed below {min_survey_n})",
            internal_de="Zahl der Antworten",
            internal_en="number of answers",
        ),
        Column(
            "mean_rating",
            "DOUBLE",
            "mittlere Bewertung (5 = sehr hoher Bedarf)",
            "mean rating (5 = very high need)",
        ),
        Column(
            "share_high_need",
            "DOUBLE",
            "Anteil Bewertung 4–5 in Prozent",
            "share rating 4–5 in percent",
        ),
        STATUS.internally(
            "Status: ok, few_answers (weniger Antworten als min_survey_n)",
            "status: ok, few_answers (fewer answers than min_survey_n)",
        ),
        NOTE,
    ),
)

TABLES = (
    MEASURES,
    MEASURE_KPIS,
    KPI_STATUS,
    KPI_STATUS_ROLLING,
    GOAL_MEASURE_STATUS,
    NEEDS_SURVEY,
)
