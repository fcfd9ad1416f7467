"""Indicator assets: the catalogue and the monthly-partitioned indicator values."""

import dagster as dg
import pandas as pd

from assets import inputs
from assets.indicators.allocation import compute_allocation
from assets.indicators.as_of import MAX_AGE_MONTHS, window
from assets.indicators.catalog import BY_ID, INDICATORS, catalog_frame
from assets.indicators.goals import compute_goal_progress
from assets.indicators.social_index import compute_social_index
from assets.indicators.values import build_indicator_values
from assets.ingest.assets import OWNERS, areas, small_area_statistics
from assets.metadata import markdown_table, monthly_metadata, table_metadata
from assets.partitions import monthly, run_slice
from assets.planning import load_goals
from assets.resources import DataRoot, Warehouse
from assets.warehouse import replace_table

GROUP = "indicators"


@dg.asset(group_name=GROUP, kinds={"duckdb"}, owners=OWNERS)
def indicator_catalog(warehouse: Warehouse) -> dg.MaterializeResult:
    """The indicator catalogue of DESIGN §6: label, definition, numerator, denominator, polarity."""
    with warehouse.connect() as con:
        replace_table(con, "indicator_catalog", catalog_frame())
        return dg.MaterializeResult(
            metadata=table_metadata(con, "indicator_catalog", preview_rows=20)
        )


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    owners=OWNERS,
    deps=[areas, small_area_statistics, indicator_catalog],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def indicator_values(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Indicator values per area with numerator, denominator and status, for the run's months.

    A month's slice holds the values whose numerator date falls in that month: Bundesagentur
    indicators every month, population indicators at the 31.12. Stichtag (December). The slice is
    deleted and rewritten, so re-running a month or a backfill never adds rows twice. With
    per-municipality partitions (`pipelines/partitions.py`) the slice is also cut by AGS.
    """
    scope = run_slice(context)
    months = scope.months
    where, params = "list_contains(?, strftime(reference_date, '%Y-%m'))", [months]
    if scope.municipalities is not None:
        where, params = (
            f"{where} AND list_contains(?, municipality_ags)",
            [*params, scope.municipalities],
        )
    with warehouse.connect() as con:
        build_indicator_values(
            con, INDICATORS, months, "_new_indicator_values", scope.municipalities
        )
        con.execute("BEGIN TRANSACTION")
        con.execute(f"DELETE FROM indicator_values WHERE {where}", params)
        con.execute("INSERT INTO indicator_values BY NAME SELECT * FROM _new_indicator_values")
        con.execute("COMMIT")
        status = con.execute(
            "PIVOT (SELECT indicator_id, status FROM _new_indicator_values) "
            "ON status IN ('ok', 'not_computable') USING count(*) GROUP BY indicator_id "
            "ORDER BY indicator_id"
        ).df()
        con.execute("DROP TABLE _new_indicator_values")
        return dg.MaterializeResult(
            metadata={
                **monthly_metadata(context, con, "indicator_values", where, params),
                "months": f"{months[0]} … {months[-1]}" if months else "",
                "municipalities": "alle"
                if scope.municipalities is None
                else ", ".join(scope.municipalities),
                "status_by_indicator": dg.MetadataValue.md(markdown_table(status)),
            }
        )


def _status_values(con, settings: dict) -> tuple[str, list]:
    """Query of the area values of the status indicators in the months the index may use.

    Those are the months of a population Stichtag and the same months `dynamics_years` earlier
    (for the dynamics), each with the months whose delivery may stand for it (`as_of.window`:
    quarterly Bundesagentur data); the monthly values in between are most of the table.
    """
    indicators = settings["status_indicators"]
    lag = int(settings["dynamics_years"])
    stichtag_months = con.execute(
        "SELECT DISTINCT year(reference_date), month(reference_date) "
        "FROM small_area_statistics WHERE code = 'EW'"
    ).fetchall()
    months = sorted(
        {
            str(month)
            for y, m in stichtag_months
            for back in (0, lag)
            for month in window(pd.Period(year=y - back, month=m, freq="M"))
        }
    )
    return (
        "SELECT * FROM indicator_values WHERE area_id <> 'ALL' "
        f"AND indicator_id IN ({', '.join('?' for _ in indicators)}) "
        "AND list_contains(?, strftime(reference_date, '%Y-%m'))",
        [*indicators, months],
    )


def _first_deliveries(settings: dict) -> tuple[str, list]:
    """Query of each municipality's first date with a status indicator value."""
    indicators = settings["status_indicators"]
    return (
        "SELECT municipality_ags, min(reference_date) AS first_date FROM indicator_values "
        f"WHERE area_id <> 'ALL' AND indicator_id IN ({', '.join('?' for _ in indicators)}) "
        "GROUP BY ALL ORDER BY municipality_ags",
        list(indicators),
    )


def _indexed_stichtage(population: pd.DataFrame, first: pd.DataFrame) -> pd.DataFrame:
    """The population rows of the Stichtage from the month of the municipality's first status
    value on: earlier Stichtage (before the Bundesagentur series starts) get no index, a later
    one without a recent delivery gets rows that say so."""
    month = pd.to_datetime(population["reference_date"]).dt.to_period("M")
    start = population["municipality_ags"].map(
        dict(
            zip(
                first["municipality_ags"],
                pd.to_datetime(first["first_date"]).dt.to_period("M"),
                strict=True,
            )
        )
    )
    return population[start.notna() & (month >= start)]


_POPULATION = """
    SELECT municipality_ags, area_id, reference_date, value AS population
    FROM small_area_statistics WHERE code = 'EW'"""


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "duckdb"},
    owners=OWNERS,
    deps=[indicator_values, small_area_statistics],
)
def social_index(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Status and dynamics index with classes per area and population Stichtag (DESIGN §6).

    Status indicators (settings `index.status_indicators`) are z-standardised across the valid
    areas of each municipality, averaged and standardised again; classes by the settings'
    cutoffs; `needs_action` marks areas with low status or medium status and negative dynamics.
    Each status indicator is taken at its latest delivery at most three months before the
    Stichtag (`assets/indicators/as_of.py`); Stichtage before a municipality's first status value
    are not computed. When those values, the population and the settings are what the last run
    used, the stored index is kept (`assets/inputs.py`): a new Bundesagentur month that no
    Stichtag uses changes nothing.
    """
    settings = data_root.settings()["index"]
    with warehouse.connect() as con:
        values_query, first_query = _status_values(con, settings), _first_deliveries(settings)
        key = inputs.fingerprint(con, [values_query, first_query, (_POPULATION, [])], settings)
        recomputed = not inputs.unchanged(con, "social_index", key)
        if recomputed:
            values = con.execute(*values_query).df()
            population = _indexed_stichtage(
                con.execute(_POPULATION).df(), con.execute(*first_query).df()
            )
            index, components = compute_social_index(values, population, settings)
            con.execute("BEGIN TRANSACTION")
            replace_table(con, "social_index", index)
            replace_table(con, "social_index_components", components)
            inputs.record(con, "social_index", key)
            con.execute("COMMIT")
        else:
            index = con.execute("SELECT * FROM social_index").df()
        latest = index[index["reference_date"] == index["reference_date"].max()]
        classes = latest["status_class"].fillna("ohne Klasse").value_counts()
        return dg.MaterializeResult(
            metadata={
                **table_metadata(con, "social_index", preview_rows=10),
                "latest_reference_date": str(latest["reference_date"].max()),
                "status_classes_latest": dg.MetadataValue.md(
                    markdown_table(classes.rename_axis("status_class").reset_index(name="areas"))
                ),
                "needs_action_latest": int(latest["needs_action"].fillna(False).sum()),
                "recomputed": recomputed,
            }
        )


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "duckdb"},
    owners=OWNERS,
    deps=[social_index, indicator_values],
)
def allocation(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """The budget split by need ("Ungleiches ungleich behandeln"), with every factor shown.

    weight = need basis count (the numerator of settings `allocation.basis`, by default children
    under 15 in SGB II households) × class weight of the area's status class; amounts are whole
    euros by the largest-remainder method, so they add up exactly to the budget (per municipality).
    The count is the basis indicator's at the same delivery the index used (at most three months
    before the Stichtag, `assets/indicators/as_of.py`), so only the counts of those months
    matter; when they, the index and the
    settings are what the last run used, the stored split is kept (`assets/inputs.py`).
    """
    settings = data_root.settings()["allocation"]
    counts_query = (
        """
        SELECT municipality_ags, area_id, reference_date, numerator AS basis_count
        FROM indicator_values WHERE indicator_id = ? AND area_id <> 'ALL'
          AND strftime(reference_date, '%Y-%m') IN (
              SELECT DISTINCT strftime(date_trunc('month', s.reference_date) - to_months(r.k),
                                       '%Y-%m')
              FROM social_index s, range(0, ?) r(k))""",
        [settings["basis"], MAX_AGE_MONTHS + 1],
    )
    index_query = ("SELECT * FROM social_index", [])
    with warehouse.connect() as con:
        key = inputs.fingerprint(con, [index_query, counts_query], settings)
        recomputed = not inputs.unchanged(con, "allocation", key)
        if recomputed:
            result = compute_allocation(
                con.execute(*index_query).df(), con.execute(*counts_query).df(), settings
            )
            con.execute("BEGIN TRANSACTION")
            replace_table(con, "allocation", result)
            inputs.record(con, "allocation", key)
            con.execute("COMMIT")
        else:
            result = con.execute("SELECT * FROM allocation").df()
        latest = result[result["reference_date"] == result["reference_date"].max()]
        top = latest.sort_values("amount_eur", ascending=False).head(5)[
            ["area_id", "status_class", "basis_count", "weight", "share", "amount_eur"]
        ]
        return dg.MaterializeResult(
            metadata={
                **table_metadata(con, "allocation"),
                "budget_eur": settings["budget_eur"],
                "largest_amounts_latest": dg.MetadataValue.md(markdown_table(top)),
                "recomputed": recomputed,
            }
        )


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "duckdb"},
    owners=OWNERS,
    deps=[indicator_values, areas],
)
def goal_progress(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Progress towards the goals of `planning/goals.yaml` per area and city-wide (`ALL`).

    progress = share of the way from each area's baseline to its own target, in percent (100 =
    reached; an area is never measured against the city's target, which most areas may already
    meet); on_track compares it with the share of time elapsed (in percent) between baseline and
    target date (the straight path).
    """
    with warehouse.connect() as con:
        area_ids = {r[0] for r in con.execute("SELECT area_id FROM areas").fetchall()}
        goals = load_goals(data_root.path / "planning" / "goals.yaml", set(BY_ID), area_ids)
        indicators = sorted({g.indicator for g in goals.goals}) or [""]
        values = con.execute(
            "SELECT * FROM indicator_values WHERE indicator_id IN "
            f"({', '.join('?' for _ in indicators)})",
            indicators,
        ).df()
        result = compute_goal_progress(goals.goals, values)
        replace_table(con, "goal_progress", result)
        city = result[result["area_id"] == "ALL"]
        latest = city[city["reference_date"] == city["reference_date"].max()]
        return dg.MaterializeResult(
            metadata={
                **table_metadata(con, "goal_progress"),
                "goals": len(goals.goals),
                "city_wide_latest": dg.MetadataValue.md(
                    markdown_table(
                        latest[
                            [
                                "goal_id",
                                "indicator_id",
                                "baseline",
                                "current",
                                "target",
                                "progress",
                                "on_track",
                            ]
                        ]
                    )
                ),
            }
        )


INDICATOR_ASSETS = [indicator_catalog, indicator_values, social_index, allocation, goal_progress]
