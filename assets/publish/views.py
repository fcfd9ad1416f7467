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
SELECT g.goal_id, m.goal_title, g.indicator_id, g.reference_date, g.baseline, g.current,
       g.target, g.progress, g.on_track, m.month AS measures_month,
       sum(m.green) AS kpis_green, sum(m.yellow) AS kpis_yellow, sum(m.red) AS kpis_red,
       sum(m."none") AS kpis_without_value,
       string_agg(m.measure_id, ', ' ORDER BY m.measure_id) FILTER (WHERE m.red > 0)
           AS measures_red
FROM goal_progress g
JOIN goal_measure_status m ON m.goal_id = g.goal_id
 AND m.month = (SELECT max(month) FROM goal_measure_status)
WHERE g.area_id = 'ALL'
  AND g.reference_date = (SELECT max(reference_date) FROM goal_progress p
                          WHERE p.goal_id = g.goal_id AND p.area_id = 'ALL')
GROUP BY ALL
ORDER BY g.goal_id""",
        (
            "Je Ziel: Fortschritt des Indikators (gesamt) neben den Ampeln seiner Maßnahmen",
            "Per goal: indicator progress (city-wide) next to the lights of its measures",
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
