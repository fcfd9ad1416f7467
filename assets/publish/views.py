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
}
