"""Convenience views in the published file for analysts who want one row per area or one answer.

The views depend on the settings: `v_red_kpis_latest` explains each red light with the thresholds
of `traffic_light`, so the SQL is built per run (`view_statements`).
"""

from __future__ import annotations

from assets.indicators.catalog import INDICATORS

KEY_INDICATORS = ("sgb2_quota", "child_poverty", "unemployment", "old_age_poverty")
DATE_SUFFIX = "_date"

# How a KPI's value is written, by its kind: decimals and unit. Counts are whole, percentages
# have one decimal, euro amounts cents; hours and the satisfaction mean one decimal.
KPI_KINDS = {
    "count": (0, ""),
    "percent": (1, " %"),
    "euro": (2, " €"),
    "decimal": (1, ""),
}

# German name and kind of each KPI (planning.KPI_NAMES): the reasons of `v_red_kpis_latest` and
# the report's KPI figures are written from them
KPI_TEXT = {
    "participants": ("Teilnehmende", "count"),
    "target_group_participants": ("Teilnehmende der Zielgruppe", "count"),
    "new_participants": ("Neuzugänge", "count"),
    "hours": ("Stunden", "decimal"),
    "cost_eur": ("Kosten", "euro"),
    "capacity": ("Plätze", "count"),
    "utilisation": ("Auslastung", "percent"),
    "reach": ("Erreichung der Zielgruppe", "percent"),
    "cost_per_participant": ("Kosten je Teilnehmendem", "euro"),
    "satisfaction_mean": ("Zufriedenheit (Mittelwert)", "decimal"),
    "satisfaction_top2": ("Zufriedenheit Top-2", "percent"),
    "satisfaction_n": ("Antworten zur Zufriedenheit", "count"),
}


def kpi_format(kpi: str) -> tuple[int, str]:
    """Decimals and unit of a KPI's values; an unknown KPI gets one decimal and no unit."""
    return KPI_KINDS[KPI_TEXT[kpi][1]] if kpi in KPI_TEXT else KPI_KINDS["decimal"]


def german_number(value: float) -> str:
    """`value` as Germans write it: 1.234,5 (at most two decimals, no trailing zeros)."""
    text = f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return text.rstrip("0").rstrip(",")


def _german_number_sql(expression: str) -> str:
    """SQL twin of `german_number` (the same digits for the same value)."""
    swapped = f"replace(replace(replace(format('{{:,.2f}}', {expression}), ',', '_'), '.', ','), '_', '.')"
    return f"rtrim(rtrim({swapped}, '0'), ',')"


def _wide_columns(prefix: str = "v.") -> str:
    """Per indicator its latest value and, next to it, the reference date of that value."""
    return ",\n       ".join(
        f"max({prefix}value) FILTER (WHERE {prefix}indicator_id = '{i.indicator_id}') "
        f"AS {i.indicator_id}, "
        f"max({prefix}reference_date) FILTER (WHERE {prefix}indicator_id = '{i.indicator_id}') "
        f"AS {i.indicator_id}{DATE_SUFFIX}"
        for i in INDICATORS
    )


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _kpi_case(part: int) -> str:
    """SQL: the KPI's German name (part 0) or unit (part 1); an unknown KPI keeps its id."""
    texts = {kpi: (name, kpi_format(kpi)[1]) for kpi, (name, _) in KPI_TEXT.items()}
    whens = " ".join(
        f"WHEN {_literal(kpi)} THEN {_literal(text[part])}" for kpi, text in texts.items()
    )
    return f"CASE k.kpi {whens} ELSE {'k.kpi' if part == 0 else _literal('')} END"


def red_reason_sql(traffic_light: dict[str, float]) -> str:
    """SQL: why a KPI row of `kpi_status k` is red, in German.

    "Teilnehmende 30 statt Ziel 38: 78,9 % erreicht (Gelb ab 80 %)"; a `max` target reads
    "Kosten je Teilnehmendem 512 € über Obergrenze 450 €: …". A value hidden by disclosure control
    keeps its light, so the reason says that the value is suppressed instead of showing it.
    """
    name, unit = _kpi_case(0), _kpi_case(1)
    yellow = _literal(f" % erreicht (Gelb ab {german_number(traffic_light['yellow'])} %)")
    limit = "CASE WHEN k.target_kind = 'max' THEN 'Obergrenze ' ELSE 'Ziel ' END"
    return f"""CASE
           WHEN k.actual IS NULL THEN
               {name} || ': Wert gesperrt (Geheimhaltung); ' || {limit}
               || {_german_number_sql("k.target")} || {unit} || ' verfehlt'
           ELSE
               {name} || ' ' || {_german_number_sql("k.actual")} || {unit}
               || CASE WHEN k.target_kind = 'max' THEN ' über Obergrenze ' ELSE ' statt Ziel ' END
               || {_german_number_sql("k.target")} || {unit} || ': '
               || {_german_number_sql("round(k.attainment, 1)")} || {yellow}
       END"""


def views(settings: dict) -> dict[str, tuple[str, tuple[str, str]]]:
    """View name -> (SQL, German and English description), in creation order."""
    key_columns = ", ".join(f"i.{k}, i.{k}{DATE_SUFFIX}" for k in KEY_INDICATORS)
    return {
        "v_latest_indicators": (
            f"""
SELECT v.municipality_ags, v.area_id, a.area_name, a.district_name,
       {_wide_columns()}
FROM indicator_values v
JOIN (SELECT municipality_ags, indicator_id, max(reference_date) AS reference_date
      FROM indicator_values GROUP BY ALL) l USING (municipality_ags, indicator_id, reference_date)
LEFT JOIN areas a USING (municipality_ags, area_id)
GROUP BY ALL
ORDER BY v.municipality_ags, v.area_id""",
            (
                "Neuester Wert jedes Indikators je Sozialraum (breit; 'ALL' = gesamt). Neben jedem "
                "Indikator steht in <indicator_id>_date sein Stichtag: der neueste Stichtag des "
                "Indikators in der Kommune (monatliche und jährliche Indikatoren haben "
                "verschiedene Stichtage); NULL-Wert = gesperrt oder nicht berechenbar",
                "Latest value of every indicator per area (wide; 'ALL' = whole municipality). "
                "Next to each indicator, <indicator_id>_date holds its reference date: the "
                "indicator's latest reference date in the municipality (monthly and yearly "
                "indicators differ); a NULL value is suppressed or not computable",
            ),
        ),
        "v_area_profile": (
            f"""
SELECT a.municipality_ags, a.area_id, a.area_name, a.district_name, a.area_km2, a.population,
       a.population_date, s.reference_date AS index_date, s.status_class, s.dynamics_class,
       s.needs_action, {key_columns}, l.amount_eur AS allocation_eur
FROM areas a
LEFT JOIN (SELECT * FROM social_index
           QUALIFY row_number() OVER (PARTITION BY municipality_ags, area_id
                                      ORDER BY reference_date DESC) = 1) s
       USING (municipality_ags, area_id)
LEFT JOIN v_latest_indicators i USING (municipality_ags, area_id)
LEFT JOIN allocation l
       ON l.municipality_ags = a.municipality_ags AND l.area_id = a.area_id
      AND l.reference_date = s.reference_date
ORDER BY a.municipality_ags, a.area_id""",
            (
                "Ein Profil je Sozialraum: Name, Einwohner, Indexklassen, Schlüsselindikatoren "
                "mit Stichtag, Mittel",
                "One profile row per area: name, population, index classes, key indicators with "
                "their reference dates, allocation",
            ),
        ),
        "v_goal_overview": (
            """
WITH latest_measures AS (
    SELECT goal_id, any_value(goal_title) AS goal_title, month AS measures_month,
           -- sum() of BIGINT is HUGEINT in DuckDB, which many clients cannot read: counts
           -- are BIGINT like in the tables
           sum(green)::BIGINT AS kpis_green, sum(yellow)::BIGINT AS kpis_yellow,
           sum(red)::BIGINT AS kpis_red, sum("none")::BIGINT AS kpis_without_value,
           string_agg(measure_id, ', ' ORDER BY measure_id) FILTER (WHERE red > 0)
               AS measures_red
    FROM goal_measure_status
    WHERE month = (SELECT max(month) FROM goal_measure_status)
    GROUP BY goal_id, month),
latest_progress AS (
    SELECT * FROM goal_progress WHERE area_id = 'ALL'
    QUALIFY reference_date = max(reference_date) OVER (PARTITION BY goal_id))
SELECT goal_id, g.municipality_ags, m.goal_title, g.indicator_id, g.reference_date,
       g.baseline, g.current, g.target, g.progress, g.on_track, m.measures_month, m.kpis_green,
       m.kpis_yellow, m.kpis_red, m.kpis_without_value, m.measures_red
FROM latest_progress g FULL JOIN latest_measures m USING (goal_id)  -- every goal, even one half known
ORDER BY goal_id, g.municipality_ags
""",
            (
                "Je Ziel und Kommune: Fortschritt des Indikators (gesamt) neben den Ampeln der "
                "Maßnahmen des Ziels",
                "Per goal and municipality: indicator progress (city-wide) next to the lights of "
                "the goal's measures",
            ),
        ),
        "v_red_kpis_latest": (
            f"""
SELECT k.month, k.measure_id, m.title, m.provider_id, k.kpi, k.actual, k.target,
       k.target_kind, round(k.attainment, 1) AS attainment, k.note,
       {red_reason_sql(settings["traffic_light"])} AS reason
FROM kpi_status k LEFT JOIN measures m USING (measure_id)
WHERE k.traffic_light = 'red' AND k.month = (SELECT max(month) FROM kpi_status)
ORDER BY k.attainment NULLS LAST, k.measure_id""",
            (
                "Rote Kennzahlen im letzten Monat: welche Maßnahme, welche Kennzahl, wie weit vom "
                "Ziel und warum rot",
                "Red KPIs in the latest month: which measure, which KPI, how far from the target "
                "and why red",
            ),
        ),
    }
