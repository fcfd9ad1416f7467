"""Disclosure control for the controlling and supply tables before they are published.

Participant counts are head counts: 1 … k-1 are suppressed, and so are the ratios that would give
them back (utilisation, reach, cost per participant). Satisfaction figures need
`min_survey_n` answers. In `kpi_status` a suppressed actual takes its attainment with it; the
traffic light stays (a coarse class reveals no number), except for satisfaction KPIs on too few
answers, whose light is `none`. Target populations in `supply` follow the same count rule, and
places per 1,000 and unserved places go with them.

Each rule is a SQL query over the internal tables, so the rows go straight into the published file.
"""

from __future__ import annotations

from assets.publish.disclosure import SUPPRESSED, small_count

COUNTS = ["participants", "target_group_participants", "new_participants"]
DERIVED = {
    "utilisation": ["participants"],
    "reach": ["target_group_participants", "target_population"],
    "cost_per_participant": ["participants"],
}
SATISFACTION = ["satisfaction_mean", "satisfaction_top2"]
NOT_KPIS = {"measure_id", "month", "provider_id", "report_status", "note", "status"}


def _blanked(columns: dict[str, str]) -> str:
    """SQL `REPLACE` items: each column NULL where its condition holds."""
    return ", ".join(
        f"CASE WHEN {condition} THEN NULL ELSE {column} END AS {column}"
        for column, condition in columns.items()
    )


def _status(hidden: str) -> str:
    return f"CASE WHEN {hidden} THEN '{SUPPRESSED}' ELSE 'ok' END AS status"


def measure_kpis_sql(min_count: int, min_survey_n: int) -> str:
    """SQL: the KPIs per measure and month with small counts and the ratios built on them hidden,
    and satisfaction figures from fewer than `min_survey_n` answers."""
    small = {c: small_count(c, min_count) for c in [*COUNTS, "target_population"]}
    few = f"coalesce(satisfaction_n > 0 AND satisfaction_n < {min_survey_n}, false)"
    blanked = {c: small[c] for c in small}
    blanked |= {c: " OR ".join(small[s] for s in sources) for c, sources in DERIVED.items()}
    blanked |= dict.fromkeys(SATISFACTION, few)
    hidden = " OR ".join([*small.values(), few])
    return f"""
        SELECT * EXCLUDE (population_date) REPLACE ({_blanked(blanked)}), {_status(hidden)}
        FROM measure_kpis ORDER BY measure_id, month"""


def kpi_status_sql(published_kpis: str, kpi_columns: list[str]) -> str:
    """SQL: KPI status with actual and attainment blanked where the published KPI value is not
    shown (suppressed or missing); satisfaction lights on hidden values become `none`.

    `published_kpis` is the already published `measure_kpis` table, `kpi_columns` its columns
    (all but the keys and descriptive columns in `NOT_KPIS`).
    """
    shown = " ".join(f"WHEN '{c}' THEN m.{c}" for c in kpi_columns if c not in NOT_KPIS)
    hidden = f"(k.actual IS NOT NULL AND CASE k.kpi {shown} END IS NULL)"
    return f"""
        SELECT k.* REPLACE ({_blanked(dict.fromkeys(["actual", "attainment"], hidden))},
                 CASE WHEN {hidden} AND starts_with(k.kpi, 'satisfaction') THEN 'none'
                      ELSE k.traffic_light END AS traffic_light),
               {_status(hidden)}
        FROM kpi_status k
        LEFT JOIN {published_kpis} m
               ON m.measure_id IS NOT DISTINCT FROM k.measure_id
              AND m.month IS NOT DISTINCT FROM k.month
        ORDER BY k.measure_id, k.month, k.kpi"""


def kpi_status_rolling_sql(min_count: int) -> str:
    """SQL: rolling KPI status; count KPIs below k are hidden with their attainment."""
    counts = ", ".join(f"'{c}'" for c in COUNTS)
    hidden = f"(kpi IN ({counts}) AND {small_count('actual', min_count)})"
    return f"""
        SELECT * REPLACE ({_blanked(dict.fromkeys(["actual", "attainment"], hidden))}),
               {_status(hidden)}
        FROM kpi_status_rolling ORDER BY measure_id, month, kpi"""


def supply_sql(min_count: int) -> str:
    """SQL: supply with small target populations and the figures derived from them hidden."""
    hidden = small_count("target_population", min_count)
    blanked = dict.fromkeys(["target_population", "places_per_1000", "unserved"], hidden)
    return f"""
        SELECT * REPLACE ({_blanked(blanked)}), {_status(hidden)}
        FROM supply ORDER BY municipality_ags, reference_date, offer_type, area_id"""
