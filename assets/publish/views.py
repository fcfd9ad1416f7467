"""Convenience views in the published file for analysts who want one row per area."""

from __future__ import annotations

from assets.indicators.catalog import INDICATORS

KEY_INDICATORS = ("sgb2_quota", "child_poverty", "unemployment", "old_age_poverty")


def _wide_columns(prefix: str = "v.") -> str:
    return ",\n       ".join(
        f"max({prefix}value) FILTER (WHERE {prefix}indicator_id = '{i.indicator_id}') "
        f"AS {i.indicator_id}"
        for i in INDICATORS
    )


VIEWS: dict[str, tuple[str, tuple[str, str]]] = {
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
            "Neuester Wert jedes Indikators je Sozialraum (breit; 'ALL' = gesamt)",
            "Latest value of every indicator per area (wide; 'ALL' = whole municipality)",
        ),
    ),
    "v_area_profile": (
        f"""
SELECT a.municipality_ags, a.area_id, a.area_name, a.district_name, a.area_km2, a.population,
       a.population_date, s.reference_date AS index_date, s.status_class, s.dynamics_class,
       s.needs_action, {", ".join(f"i.{k}" for k in KEY_INDICATORS)}, l.amount_eur AS allocation_eur
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
            "Ein Profil je Sozialraum: Name, Einwohner, Indexklassen, Schlüsselindikatoren, Mittel",
            "One profile row per area: name, population, index classes, key indicators, allocation",
        ),
    ),
    "v_goal_overview": (
        """
WITH latest_measures AS (
    SELECT goal_id, any_value(goal_title) AS goal_title, month AS measures_month,
           sum(green) AS kpis_green, sum(yellow) AS kpis_yellow, sum(red) AS kpis_red,
           sum("none") AS kpis_without_value,
           string_agg(measure_id, ', ' ORDER BY measure_id) FILTER (WHERE red > 0)
               AS measures_red
    FROM goal_measure_status
    WHERE month = (SELECT max(month) FROM goal_measure_status)
    GROUP BY goal_id, month),
latest_progress AS (
    SELECT * FROM goal_progress WHERE area_id = 'ALL'
    QUALIFY reference_date = max(reference_date) OVER (PARTITION BY goal_id))
SELECT g.goal_id, g.municipality_ags, m.goal_title, g.indicator_id, g.reference_date, g.baseline, g.current,
       g.target, g.progress, g.on_track, m.measures_month, m.kpis_green, m.kpis_yellow,
       m.kpis_red, m.kpis_without_value, m.measures_red
FROM latest_progress g JOIN latest_measures m USING (goal_id)
ORDER BY g.goal_id, g.municipality_ags
""",
        (
            "Je Ziel und Kommune: Fortschritt des Indikators (gesamt) neben den Ampeln der "
            "Maßnahmen des Ziels",
            "Per goal and municipality: indicator progress (city-wide) next to the lights of the "
            "goal's measures",
        ),
    ),
    "v_red_kpis_latest": (
        """
SELECT k.month, k.measure_id, m.title, m.provider_id, k.kpi, k.actual, k.target,
       k.target_kind, round(k.attainment, 1) AS attainment, k.note
FROM kpi_status k LEFT JOIN measures m USING (measure_id)
WHERE k.traffic_light = 'red' AND k.month = (SELECT max(month) FROM kpi_status)
ORDER BY k.attainment NULLS LAST, k.measure_id""",
        (
            "Rote Kennzahlen im letzten Monat: welche Maßnahme, welche Kennzahl, wie weit vom Ziel",
            "Red KPIs in the latest month: which measure, which KPI, how far from the target",
        ),
    ),
}
