"""Disclosure control for the controlling, supply, allocation and survey tables before they are
published.

Participant counts are head counts: 1 … k-1 are suppressed, and so are the ratios that would give
them back (utilisation, reach, cost per participant). Satisfaction figures need `min_survey_n`
answers, and their n is a head count too. In `kpi_status` a suppressed actual takes its attainment
with it; the traffic light stays (a coarse class reveals no number), except for satisfaction KPIs
on too few answers, whose light is `none`. A rolling figure is hidden whenever a month of its
window is, since the rolling mean and the published months would give the hidden month back.

Target populations in `supply` and survey n follow the count rule with secondary suppression
within the cells that add up to a derivable total (the municipal rate in `supply`, the `ALL` row
of `needs_survey`); a target population the published indicator values hide for the same area
(as a child poverty denominator, say) is hidden as well (see `disclosure.hidden_counts_sql`), so
no table gives back what another protects.

Each rule is a SQL query over the internal tables, so the rows go straight into the published file.
"""

from __future__ import annotations

from assets.controlling.status import ROLLING_WINDOW_MONTHS
from assets.publish.disclosure import (
    SUPPRESSED,
    blanked,
    in_hidden,
    secondary_suppression,
    small_count,
    status_of,
)

COUNTS = ["participants", "target_group_participants", "new_participants"]
DERIVED = {
    "utilisation": ["participants"],
    "reach": ["target_group_participants", "target_population"],
    "cost_per_participant": ["participants"],
}
SATISFACTION = ["satisfaction_mean", "satisfaction_top2"]
NOT_KPIS = {"measure_id", "month", "provider_id", "report_status", "note", "status"}
SUPPLY_GROUP = "municipality_ags, reference_date, offer_type"
NEEDS_GROUP = "municipality_ags, topic, respondent_group"


def _few_answers(n: str, min_survey_n: int) -> str:
    return f"coalesce({n} > 0 AND {n} < {min_survey_n}, false)"


def measure_kpis_sql(min_count: int, min_survey_n: int, min_denominator: float) -> str:
    """SQL: the KPIs per measure and month with small counts and the ratios built on them hidden,
    satisfaction figures from fewer than `min_survey_n` answers, and reach on a target population
    below `min_denominator` (with its numerator, which together with the target population would
    give the rate back)."""
    small = {c: small_count(c, min_count) for c in [*COUNTS, "target_population"]}
    small["target_group_participants"] += (
        f" OR coalesce(target_population < {min_denominator}, false)"
    )
    few = _few_answers("satisfaction_n", min_survey_n)
    masks = {c: small[c] for c in small}
    masks |= {c: " OR ".join(small[s] for s in sources) for c, sources in DERIVED.items()}
    masks |= dict.fromkeys(SATISFACTION, few)
    masks["satisfaction_n"] = small_count("satisfaction_n", min_count)
    hidden = " OR ".join([*masks.values()])
    return f"""
        SELECT * EXCLUDE (population_date) REPLACE ({blanked(masks)}), {status_of(hidden)}
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
        SELECT k.* REPLACE ({blanked(dict.fromkeys(["actual", "attainment"], hidden))},
                 CASE WHEN {hidden} AND starts_with(k.kpi, 'satisfaction') THEN 'none'
                      ELSE k.traffic_light END AS traffic_light),
               {status_of(hidden)}
        FROM kpi_status k
        LEFT JOIN {published_kpis} m
               ON m.measure_id IS NOT DISTINCT FROM k.measure_id
              AND m.month IS NOT DISTINCT FROM k.month
        ORDER BY k.measure_id, k.month, k.kpi"""


def goal_measure_status_sql(published_status: str) -> str:
    """SQL: the goals' light counts recounted from the published `kpi_status`, so that the goal
    view never counts a light that the published KPI status hides (a satisfaction light on too
    few answers is `none` there). Goals, measures and months come from the internal table, which
    lists every measure of a goal in every month."""
    lights = ", ".join(
        f"count(k.kpi) FILTER (WHERE k.traffic_light = '{light}') AS \"{light}\""
        for light in ("green", "yellow", "red", "none")
    )
    return f"""
        SELECT goal_id, goal_title, indicator_id, measure_id, month, green, yellow, red, "none",
               CASE WHEN red > 0 THEN 'red' WHEN yellow > 0 THEN 'yellow'
                    WHEN green > 0 THEN 'green' ELSE 'none' END AS worst_light
        FROM (SELECT g.goal_id, g.goal_title, g.indicator_id, g.measure_id, g.month, {lights}
              FROM goal_measure_status g
              LEFT JOIN {published_status} k
                     ON k.measure_id = g.measure_id AND k.month = g.month
                    AND k.target IS NOT NULL
              GROUP BY ALL)
        ORDER BY goal_id, measure_id, month"""


def kpi_status_rolling_sql(
    published_status: str, min_count: int, min_survey_n: int, min_denominator: float
) -> str:
    """SQL: rolling KPI status with a figure hidden where
    - it is a count (or satisfaction n) in 1 … k-1, or a ratio built on such a count or on a
      target population below `min_denominator` (reach);
    - it is a satisfaction figure from fewer than `min_survey_n` answers in the window;
    - the same KPI is hidden in any month of its window in the published `kpi_status`
      (`published_status`): window and published months together would give that month back.
    Satisfaction lights on hidden values become `none`, like in `kpi_status`.
    """
    counts = ", ".join(f"'{c}'" for c in [*COUNTS, "satisfaction_n"])
    ratios = {c: ", ".join(f"'{s}'" for s in sources) for c, sources in DERIVED.items()}
    on_counts = " OR ".join(
        f"(r.kpi = '{c}' AND coalesce(list_has_any(_small_counts, [{sources}]), false))"
        for c, sources in ratios.items()
    )
    few = _few_answers("_window_n", min_survey_n)
    hidden = f"""(r.actual IS NOT NULL AND (
        (r.kpi IN ({counts}) AND {small_count("r.actual", min_count)})
        OR {on_counts}
        OR (r.kpi = 'reach' AND coalesce(_window_target < {min_denominator}, false))
        OR (r.kpi IN ('satisfaction_mean', 'satisfaction_top2') AND {few})
        OR coalesce(_month_hidden, false)))"""
    return f"""
        WITH windows AS (
            SELECT measure_id, month,
                   list(kpi) FILTER (WHERE kpi IN ({counts})
                                     AND {small_count("actual", min_count)}) AS _small_counts,
                   max(actual) FILTER (WHERE kpi = 'satisfaction_n') AS _window_n
            FROM kpi_status_rolling GROUP BY measure_id, month),
        targets AS (
            SELECT DISTINCT measure_id, month, target_population AS _window_target
            FROM measure_kpis),
        months_hidden AS (
            SELECT r.measure_id, r.month, r.kpi, true AS _month_hidden
            FROM kpi_status_rolling r
            JOIN {published_status} p
              ON p.measure_id = r.measure_id AND p.kpi = r.kpi AND p.status = '{SUPPRESSED}'
             AND p.month > r.month - INTERVAL {ROLLING_WINDOW_MONTHS} MONTH
             AND p.month <= r.month
            GROUP BY ALL)
        SELECT r.* EXCLUDE (_small_counts, _window_n, _window_target, _month_hidden)
                 REPLACE ({blanked(dict.fromkeys(["actual", "attainment"], hidden))},
                          CASE WHEN {hidden} AND starts_with(r.kpi, 'satisfaction') THEN 'none'
                               ELSE r.traffic_light END AS traffic_light),
               {status_of(hidden)}
        FROM (SELECT * FROM kpi_status_rolling
              LEFT JOIN windows USING (measure_id, month)
              LEFT JOIN targets USING (measure_id, month)
              LEFT JOIN months_hidden USING (measure_id, month, kpi)) r
        ORDER BY r.measure_id, r.month, r.kpi"""


def supply_sql(min_count: int, min_denominator: float, hidden_counts: str) -> str:
    """SQL: supply with target populations protected and the figures derived from them hidden.

    The municipal rate is Σ capacity / Σ target population of the areas that entered it, and
    capacities are public (`facilities`), so the rate is a published total of the target
    populations: secondary suppression acts per municipality, Stichtag and offer type, and where
    it must hide that total, `municipality_places_per_1000` is NULL. A hidden target population
    takes `places_per_1000` (capacity / rate gives it back), `unserved` (target × (1 − share))
    and the gap reason (which quotes both rates) with it. `places_per_1000` on a target population
    below `min_denominator` is not published either; that target population is a count of at least
    k and stays published, as the same count does as a denominator in `indicator_values`.
    `share_within_distance` comes from the public Zensus grid, not from the target population,
    and stays.
    """
    entered = "capacity IS NOT NULL AND target_population IS NOT NULL"
    flagged = f"""(
        SELECT *, NOT _total AND {entered} AS _cell,
               {small_count("target_population", min_count)}
                   OR (NOT _total AND {in_hidden(hidden_counts, "s", "target_population")})
                   AS _target_population_primary
        FROM (SELECT *, false AS _total FROM supply
              UNION ALL BY NAME
              SELECT {SUPPLY_GROUP}, 'ALL' AS area_id, true AS _total,
                     sum(target_population) FILTER (WHERE {entered}) AS target_population
              FROM supply GROUP BY {SUPPLY_GROUP}) s)"""
    rate = f"(_hidden OR coalesce(target_population < {min_denominator}, false))"
    municipal = "coalesce(_total_hidden, false)"
    masks = {
        "target_population": "_hidden",
        "places_per_1000": rate,
        "unserved": f"({rate} OR {municipal})",
        "municipality_places_per_1000": municipal,
        "gap_reason": f"({rate} OR {municipal})",
    }
    return f"""
        WITH protected AS ({secondary_suppression(flagged, ["target_population"], SUPPLY_GROUP)}),
        totals AS (
            SELECT {SUPPLY_GROUP}, _target_population_hidden AS _total_hidden
            FROM protected WHERE _total)
        SELECT * EXCLUDE (_hidden, _total_hidden) REPLACE ({blanked(masks)}),
               {status_of(f"({rate} OR {municipal})")}
        FROM (SELECT p.* EXCLUDE (_total, _cell, _target_population_primary,
                                  _target_population_hidden),
                     p._target_population_hidden AS _hidden, t._total_hidden
              FROM protected p LEFT JOIN totals t USING ({SUPPLY_GROUP})
              WHERE NOT p._total)
        ORDER BY municipality_ags, reference_date, offer_type, area_id"""


def needs_survey_sql(min_count: int, min_survey_n: int) -> str:
    """SQL: needs-survey cells with fewer than `min_survey_n` answers (and any n in 1 … k-1)
    suppressed: n, mean and share NULL, because even n alone tells how few people of a small area
    took part.

    The city-wide `ALL` row is published, so the suppressed cells of one municipality, topic and
    respondent group could be recovered together from it (n, and from n × mean the ratings); that
    is harmless only when they hold at least `min_survey_n` answers in sum. So the smallest
    published area cells (ties by area) are suppressed as well until they do. This is stricter
    than the two-cell rule of the counts: a recovered pair of cells is itself a survey aggregate.
    """
    few = f"(n < {min_survey_n} OR {small_count('n', min_count)})"
    hidden = "(_primary OR _secondary)"
    return f"""
        WITH flagged AS (
            SELECT *, coalesce({few}, false) AS _primary, area_id = 'ALL' AS _total
            FROM needs_survey),
        groups AS (
            SELECT {NEEDS_GROUP}, sum(n) FILTER (WHERE NOT _total AND _primary) AS _hidden_n
            FROM flagged GROUP BY {NEEDS_GROUP}
            HAVING count(*) FILTER (WHERE _total AND NOT _primary) > 0
               AND count(*) FILTER (WHERE NOT _total AND _primary) > 0),
        ranked AS (
            SELECT f.*, g._hidden_n + coalesce(sum(f.n) FILTER (WHERE NOT f._total AND NOT f._primary)
                       OVER (PARTITION BY {", ".join(f"f.{c}" for c in NEEDS_GROUP.split(", "))}
                             ORDER BY f._total, f._primary, f.n, f.area_id
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS _before,
                   g._hidden_n IS NOT NULL AS _acts
            FROM flagged f LEFT JOIN groups g USING ({NEEDS_GROUP}))
        SELECT * EXCLUDE (_primary, _total, _before, _acts, _secondary)
                 REPLACE ({blanked(dict.fromkeys(["n", "mean_rating", "share_high_need"], hidden))},
                          CASE WHEN _primary THEN 'weniger als {min_survey_n} Antworten'
                               WHEN _secondary THEN 'gesperrt, damit gesperrte Gebiete nicht aus '
                                                    || 'dem Gesamtwert rückrechenbar sind'
                               ELSE note END AS note,
                          CASE WHEN {hidden} THEN '{SUPPRESSED}' ELSE 'ok' END AS status)
        FROM (SELECT *, _acts AND NOT _total AND NOT _primary
                        AND _before < {min_survey_n} AS _secondary FROM ranked)
        ORDER BY municipality_ags, area_id, topic, respondent_group"""
