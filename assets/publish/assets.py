"""The publish asset: analysts' file `sozialplanung.duckdb`, rebuilt from the internal file."""

import time

import dagster as dg
import duckdb
import pandas as pd

from assets.controlling.assets import CONTROLLING_ASSETS
from assets.indicators.assets import INDICATOR_ASSETS
from assets.indicators.catalog import BY_ID
from assets.ingest.assets import INGEST_ASSETS, OWNERS, PROVIDER_ASSETS
from assets.ingest.providers import FACILITIES, PROVIDER_FILES, REPORTS, SURVEYS
from assets.metadata import frame_metadata, markdown_image, markdown_table
from assets.planning import load_goals
from assets.publish.contents import PublishedTable, published_tables
from assets.publish.disclosure_audit import Finding, audit_published_file
from assets.publish.docs import document_published_file
from assets.publish.exports import write_exports
from assets.publish.feedback import REJECTED_COLUMNS, feedback_tables, write_feedback
from assets.publish.gate import gate_message, unmet_blocking_checks
from assets.publish.swap import publish_atomically
from assets.publish.tables import published_metadata, write_published_tables
from assets.report import city_maps_png, distributions_png, page_files, render_report
from assets.report.data import load as load_report_data
from assets.resources import DataRoot, Warehouse
from assets.supply.assets import SUPPLY_ASSETS

GROUP = "publish"
# the table whose rows and columns stand for the file in the UI's row count and column schema
MAIN_TABLE = "indicator_values"
SHOWN_FINDINGS = 20


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    owners=OWNERS,
    deps=[*INGEST_ASSETS, *PROVIDER_ASSETS, *INDICATOR_ASSETS, *SUPPLY_ASSETS, *CONTROLLING_ASSETS],
)
def published_warehouse(
    context: dg.AssetExecutionContext, data_root: DataRoot, warehouse: Warehouse
) -> dg.MaterializeResult:
    """`sozialplanung.duckdb` for analysts: the DESIGN §8 tables after disclosure control.

    Built as a new file and swapped in with an atomic rename, so an analyst holding the old file
    open never blocks the refresh and never sees half of it. Refused, leaving the old file, while
    a blocking check on its inputs failed or has not run on their current data (`assets/publish/gate.py`),
    and refused as well when the new file fails the disclosure audit (`disclosure_audit.py`).
    """
    # the graph of every asset and check: a run of a subset sees only its own
    graph = context.job_def.asset_layer.asset_graph.source_asset_graph
    reasons = unmet_blocking_checks(
        context.instance, graph, context.asset_key, own_run_id=context.run_id
    )
    if reasons:
        raise dg.Failure(
            description=gate_message(reasons, warehouse.published_path.name),
            metadata={
                "blocking_checks_not_passed": dg.MetadataValue.md(
                    "\n".join(f"- {name}: {reason}" for name, reason in reasons.items())
                )
            },
        )
    settings = data_root.settings()
    # the writer lock is held throughout: one publisher at a time, so stale temp files of a
    # killed run can be cleared safely; the exports are written after the internal file is
    # closed, so its cache is freed before they read the published file
    with warehouse.exclusive():
        with warehouse.connect() as con:
            area_ids = {r[0] for r in con.execute("SELECT area_id FROM areas").fetchall()}
            goals = load_goals(data_root.path / "planning" / "goals.yaml", set(BY_ID), area_ids)
            metadata = published_metadata(con, context.run_id, str(data_root.path))
            with publish_atomically(con, warehouse.published_path, context.run_id) as pub:
                counts, suppressed = write_published_tables(con, pub, settings, goals, metadata)
                document_published_file(con, pub, settings)
                # raising here removes the new file: a file failing the audit is never swapped in
                findings, scanned = audit_published_file(con, settings["disclosure"], pub)
                if findings:
                    raise dg.Failure(
                        description=audit_message(findings, warehouse.published_path.name),
                        metadata=audit_metadata(findings, scanned, settings["disclosure"]),
                    )
                status = dict(
                    con.execute(
                        f"SELECT status, count(*) FROM {pub}.indicator_values GROUP BY status"
                    ).fetchall()
                )
        exports = write_exports(warehouse.published_path, warehouse.path, list(counts))
        published = duckdb.connect(str(warehouse.published_path), read_only=True)
        try:
            described = published_file_metadata(published)
        finally:
            published.close()
    return dg.MaterializeResult(
        metadata={
            **described,
            "path": dg.MetadataValue.path(str(warehouse.published_path)),
            **{
                f"export_{name}": dg.MetadataValue.path(str(path)) for name, path in exports.items()
            },
            "indicator_values_suppressed": status.get("suppressed", 0),
            **{f"suppressed_{k}": v for k, v in suppressed.items()},
            "indicator_values_not_computable": status.get("not_computable", 0),
        }
    )


def published_file_metadata(con: duckdb.DuckDBPyConnection, preview_rows: int = 10) -> dict:
    """The UI's view of the published file open on `con`: per table its rows (`rows_<table>`)
    and its columns with the file's comments (`columns_<table>`), an overview of the tables, and
    the main table's row count, column schema and first rows for the asset's standard entries."""
    tables = published_tables(con)
    by_name = {table.name: table for table in tables}
    overview = pd.DataFrame(
        [(t.name, t.rows, t.comment or "") for t in tables],
        columns=["Tabelle", "Zeilen", "Beschreibung"],
    )
    preview = con.execute(f"SELECT * FROM {MAIN_TABLE} LIMIT {preview_rows}").df()
    return {
        "dagster/row_count": by_name[MAIN_TABLE].rows,
        "dagster/column_schema": table_schema(by_name[MAIN_TABLE]),
        "tables": dg.MetadataValue.md(markdown_table(overview)),
        **{f"rows_{t.name}": t.rows for t in tables},
        **{f"columns_{t.name}": dg.MetadataValue.table_schema(table_schema(t)) for t in tables},
        "preview": dg.MetadataValue.md(
            f"`{MAIN_TABLE}`, erste {preview_rows} Zeilen\n\n{markdown_table(preview)}"
        ),
    }


def table_schema(table: PublishedTable) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=c.name, type=c.type, description=c.comment) for c in table.columns
        ]
    )


def audit_metadata(findings: list[Finding], scanned: list[str], disclosure: dict) -> dict:
    """What the disclosure audit found, for the failed publish and for the asset check."""
    shown = pd.DataFrame(
        [(f.table, f.column, f.row, f.reason) for f in findings[:SHOWN_FINDINGS]],
        columns=["Tabelle", "Spalte", "Zeile", "Grund"],
    )
    return {
        "findings": len(findings),
        "first_findings": dg.MetadataValue.md(markdown_table(shown)),
        "min_count": disclosure["min_count"],
        "min_survey_n": disclosure["min_survey_n"],
        "tables_scanned": len(scanned),
        "scanned_tables": dg.MetadataValue.text(", ".join(scanned)),
    }


def audit_message(findings: list[Finding], published: str) -> str:
    """The German text of a failed audit: how many findings, the first ones, what stays."""
    first = [f"- {f.table}.{f.column} ({f.row}): {f.reason}" for f in findings[:SHOWN_FINDINGS]]
    return "\n".join(
        [
            f"Geheimhaltungsprüfung nicht bestanden: {len(findings)} "
            f"{'Befund' if len(findings) == 1 else 'Befunde'}. {published} nicht "
            "veröffentlicht, die bisherige Datei bleibt.",
            *first,
        ]
    )


PROVIDER_SOURCES = [PROVIDER_FILES, FACILITIES, REPORTS, SURVEYS]


@dg.asset(group_name=GROUP, kinds={"pandas"}, owners=OWNERS, deps=PROVIDER_ASSETS)
def provider_feedback(warehouse: Warehouse) -> dg.MaterializeResult:
    """Feedback files per provider and month: every rejected row with a German reason.

    Written to `feedback/<provider_id>/<YYYY-MM>.xlsx` and `.csv` in the warehouse folder (the
    rows without a report month to `allgemein.*`); the folder is rebuilt completely each run.
    """
    placeholders = ", ".join("?" for _ in PROVIDER_SOURCES)
    with warehouse.connect() as con:
        quarantine = con.execute(
            f"SELECT * FROM quarantine WHERE source IN ({placeholders})", PROVIDER_SOURCES
        ).df()
        files = con.execute(
            f"SELECT * FROM ingest_files WHERE source IN ({placeholders})", PROVIDER_SOURCES
        ).df()
    tables = feedback_tables(quarantine, files)
    folder = warehouse.path / "feedback"
    with warehouse.exclusive():
        written = write_feedback(folder, tables)
    overview = pd.DataFrame(
        [(p, period, len(sheets["Abgelehnte Zeilen"])) for (p, period), sheets in tables.items()],
        columns=["provider_id", "period", "rejected_rows"],
    )
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(rejected_rows(tables)),
            "folder": dg.MetadataValue.path(str(folder)),
            "files": len(written),
            "per_provider_and_month": dg.MetadataValue.md(markdown_table(overview)),
        }
    )


def rejected_rows(tables: dict) -> pd.DataFrame:
    """Every rejected row of the feedback files in one table, with its provider and period."""
    columns = ["provider_id", "period", *REJECTED_COLUMNS.values()]
    parts = [
        sheets["Abgelehnte Zeilen"].assign(provider_id=provider, period=period)[columns]
        for (provider, period), sheets in tables.items()
    ]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


@dg.asset(group_name=GROUP, kinds={"pandas"}, owners=OWNERS, deps=[published_warehouse])
def area_profiles(warehouse: Warehouse) -> dg.MaterializeResult:
    """Sozialraumprofile: a static German HTML page per area and a city overview, in `report/`.

    Made only from the published file (so disclosure control holds), self-contained (images
    inline), usable offline and printable (one area on two A4 pages).
    """
    started = time.perf_counter()
    # the published file must not be swapped while it is read, nor the report folder written twice
    with warehouse.exclusive():
        data = load_report_data(warehouse.published_path)
        summary = render_report(data, warehouse.path / "report")
    seconds = time.perf_counter() - started
    # the same data: read the published file once
    maps = city_maps_png(data)
    distributions = distributions_png(data)
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(area_pages(data.areas)),
            "index": dg.MetadataValue.path(str(summary.index_html)),
            "pages": summary.pages,
            "report_bytes": summary.total_bytes,
            "render_seconds": round(seconds, 2),
            **{f"map_{name}": markdown_image(name, png) for name, png in maps.items()},
            **(
                {"chart_distributions": markdown_image("distributions", distributions)}
                if distributions
                else {}
            ),
        }
    )


def area_pages(areas: pd.DataFrame) -> pd.DataFrame:
    """One row per area profile page: the area and its file under `report/areas/`."""
    files = page_files(areas)
    return pd.DataFrame(
        {
            "municipality_ags": areas["municipality_ags"],
            "area_id": areas["area_id"],
            "area_name": areas["area_name"],
            "page": [
                f"areas/{files[key]}"
                for key in zip(areas["municipality_ags"], areas["area_id"], strict=True)
            ],
        }
    ).reset_index(drop=True)


PUBLISH_ASSETS = [published_warehouse, provider_feedback, area_profiles]
