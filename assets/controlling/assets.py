"""Controlling assets (Maßnahmencontrolling): KPIs per measure and month, traffic lights, goals,
needs survey results."""

import functools
import hashlib
from pathlib import Path

import dagster as dg

from assets.controlling.kpis import FACILITY_COLUMNS, compute_measure_kpis
from assets.controlling.needs import aggregate_needs_survey
from assets.controlling.status import (
    ROLLING_WINDOW_MONTHS,
    compute_kpi_status,
    goal_measure_status_by_month,
    rolling_kpi_status,
)
from assets.indicators.catalog import BY_ID
from assets.ingest.assets import (
    OWNERS,
    facilities,
    measure_reports,
    needs_survey_responses,
    satisfaction_responses,
    small_area_statistics,
)
from assets.metadata import markdown_table, monthly_metadata, table_metadata
from assets.partitions import monthly, run_slice
from assets.planning import Goals, load_goals, refuse_link
from assets.resources import DataRoot, Warehouse
from assets.warehouse import insert_frame, replace_table

GROUP = "controlling"


def _goals(con, data_root: DataRoot) -> Goals:
    area_ids = frozenset(r[0] for r in con.execute("SELECT area_id FROM areas").fetchall())
    path = data_root.path / "planning" / "goals.yaml"
    refuse_link(path)  # before reading: the cache key must not come through a link
    content = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    return _parsed_goals(path, content, area_ids)


@functools.lru_cache(maxsize=4)
def _parsed_goals(path: Path, content: str | None, area_ids: frozenset[str]) -> Goals:
    """`load_goals` once per file content and set of areas: parsing goals.yaml takes seconds at
    state scale, and both controlling assets read it in the same run (same process)."""
    return load_goals(path, set(BY_ID), set(area_ids))


def _replace_months(con, table: str, frame, months: list[str]) -> None:
    placeholders = ", ".join("?" for _ in months)
    con.execute("BEGIN TRANSACTION")
    con.execute(f"DELETE FROM {table} WHERE strftime(month, '%Y-%m') IN ({placeholders})", months)
    insert_frame(con, table, frame)
    con.execute("COMMIT")


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "duckdb"},
    owners=OWNERS,
    deps=[measure_reports, satisfaction_responses, small_area_statistics, facilities],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def measure_kpis(
    context: dg.AssetExecutionContext, data_root: DataRoot, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Quantitative and qualitative figures per measure and month (DESIGN §6 Controlling).

    Participants, target group, new participants, hours and cost summed over the measure's areas;
    utilisation = participants / capacity (goals.yaml's, else its facility's in the month),
    reach = target-group participants / target population
    of the measure's areas and age group, cost per participant, and satisfaction (mean, top-2
    share, n) from the surveys of the month's quarter. A planned measure that did not report is a
    row with `report_status = 'missing'`, never zero participants.
    """
    months = run_slice(context).months
    with warehouse.connect() as con:
        goals = _goals(con, data_root)
        kpis = compute_measure_kpis(
            con.execute("SELECT * FROM measure_reports").df(),
            con.execute("SELECT * FROM satisfaction_responses").df(),
            con.execute(
                "SELECT municipality_ags, area_id, reference_date, code, value "
                "FROM small_area_statistics WHERE code LIKE 'EW%'"
            ).df(),
            con.execute(f"SELECT {', '.join(FACILITY_COLUMNS)} FROM facilities").df(),
            goals,
            months,
        )
        _replace_months(con, "measure_kpis", kpis, months)
        missing = kpis[kpis["report_status"] == "missing"][["measure_id", "month", "provider_id"]]
        where = f"strftime(month, '%Y-%m') IN ({', '.join('?' for _ in months)})"
        return dg.MaterializeResult(
            metadata={
                **monthly_metadata(context, con, "measure_kpis", where, months),
                "missing_reports": len(missing),
                "missing_report_list": dg.MetadataValue.md(markdown_table(missing.head(30))),
            }
        )


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "duckdb"},
    owners=OWNERS,
    deps=[measure_kpis],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def kpi_status(
    context: dg.AssetExecutionContext, data_root: DataRoot, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Every KPI against its goals.yaml target: attainment and traffic light, per month and as a
    rolling view over `ROLLING_WINDOW_MONTHS` months (`kpi_status_rolling`), plus the lights of each goal's measures
    (`goal_measure_status`).

    Attainment = actual / target for `target` KPIs and target / actual for `max` KPIs (a cost
    ceiling is good when below), in percent; green and yellow thresholds from settings
    `traffic_light`; KPIs without a target or value get `none`.
    """
    months = run_slice(context).months
    lights = data_root.settings()["traffic_light"]
    with warehouse.connect() as con:
        goals = _goals(con, data_root)
        placeholders = ", ".join("?" for _ in months)
        in_months = f"strftime(month, '%Y-%m') IN ({placeholders})"
        kpis = con.execute(f"SELECT * FROM measure_kpis WHERE {in_months}", months).df()
        status = compute_kpi_status(kpis, goals, lights)
        # the trailing window needs the months before the run's first month, nothing older
        history = con.execute(
            "SELECT * FROM measure_kpis WHERE month >= CAST(? AS DATE) - to_months(?)",
            [f"{months[0]}-01", ROLLING_WINDOW_MONTHS - 1],
        ).df()
        rolling = rolling_kpi_status(history, goals, lights, months=months)
        per_goal = goal_measure_status_by_month(goals, status, [f"{m}-01" for m in months])
        _replace_months(con, "kpi_status", status, months)
        _replace_months(con, "kpi_status_rolling", rolling, months)
        _replace_months(con, "goal_measure_status", per_goal, months)
        latest = status[status["month"] == status["month"].max()]
        red = latest[latest["traffic_light"] == "red"][
            ["measure_id", "kpi", "actual", "target", "attainment"]
        ]
        return dg.MaterializeResult(
            metadata={
                **monthly_metadata(context, con, "kpi_status", in_months, months),
                "lights_latest_month": dg.MetadataValue.md(
                    markdown_table(
                        latest["traffic_light"].value_counts().rename_axis("light").reset_index()
                    )
                ),
                "red_latest_month": dg.MetadataValue.md(markdown_table(red)),
            }
        )


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "duckdb"},
    owners=OWNERS,
    deps=[needs_survey_responses],
)
def needs_survey(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Needs assessment per area, topic and respondent group: n, mean rating, share rating a
    high need (4–5). Cells below `disclosure.min_survey_n` answers keep their exact figures here,
    marked `few_answers`; the published file hides them, and so many more that none can be
    recovered from the city-wide row."""
    min_n = data_root.settings()["disclosure"]["min_survey_n"]
    with warehouse.connect() as con:
        result = aggregate_needs_survey(
            con.execute("SELECT * FROM needs_survey_responses").df(), min_n
        )
        replace_table(con, "needs_survey", result)
        return dg.MaterializeResult(
            metadata={
                **table_metadata(con, "needs_survey"),
                "suppressed_cells": int((result["status"] == "suppressed").sum()),
            }
        )


CONTROLLING_ASSETS = [measure_kpis, kpi_status, needs_survey]
