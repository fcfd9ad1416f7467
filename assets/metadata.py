"""Materialization metadata every asset reports: row count, column schema, a Markdown preview.

Column descriptions come from the table registry (`assets/registry/`): "Deutsch | English", the
internal texts for the internal file, the published file's own comments for the published one.
"""

from __future__ import annotations

import base64

import dagster as dg
import duckdb
import pandas as pd

from assets.registry import BY_NAME, column_text

# Survey tables hold single answers: their previews show answers per group, never one
# respondent's answer (the UI is for the data team, but single answers have no place in it).
AGGREGATED_PREVIEWS = {
    "satisfaction_responses": "SELECT provider_id, measure_id, question_id, count(*) AS answers, "
    "round(avg(answer), 2) AS mean_answer",
    "needs_survey_responses": "SELECT municipality_ags, area_id, topic, respondent_group, "
    "count(*) AS answers, round(avg(rating), 2) AS mean_rating",
}


def table_metadata(
    con: duckdb.DuckDBPyConnection,
    table: str,
    where: str = "TRUE",
    params: list | None = None,
    preview_rows: int = 10,
) -> dict:
    """Metadata for `table` (optionally a slice of it), read back from the warehouse."""
    params = params or []
    count = con.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]
    return {
        "dagster/row_count": count,
        "dagster/column_schema": _stored_schema(con, table),
        "preview": _preview(con, table, where, params, preview_rows),
    }


def monthly_metadata(
    context: dg.AssetExecutionContext,
    con: duckdb.DuckDBPyConnection,
    table: str,
    where: str = "TRUE",
    params: list | None = None,
    preview_rows: int = 10,
) -> dict:
    """Metadata for a run of a monthly asset that wrote the run's slice of `table` (`where`).

    A run may cover many months (single-run backfill), and Dagster records one materialization
    per partition: each month partition gets its own row count and a preview of its own rows
    (`context.add_asset_metadata` per partition key, which takes precedence over the run's
    entries), read with one count per month and one short query per month on the registry's
    partition column. The returned entries (the column schema) hold for every partition.

    Per-municipality partitions (`ags|month`) keep the run's slice as a whole: Dagster checks each
    per-partition call against the run's whole rectangle of keys (a second per call at 400
    municipalities × 15 years), and the controlling tables have no municipality to cut by.
    """
    if isinstance(context.assets_def.partitions_def, dg.MultiPartitionsDefinition):
        return table_metadata(con, table, where, params, preview_rows)
    column = BY_NAME[table].partition_column
    in_month = f"{column} >= CAST(? AS DATE) AND {column} < CAST(? AS DATE) + INTERVAL 1 MONTH"
    keys = context.partition_keys
    counts = dict(
        con.execute(
            f"SELECT strftime({column}, '%Y-%m-01'), count(*) FROM {table} "
            f"WHERE {in_month} GROUP BY ALL",
            [keys[0], keys[-1]],
        ).fetchall()
    )
    for key in keys:
        context.add_asset_metadata(
            {
                "dagster/row_count": counts.get(key, 0),
                "preview": _preview(con, table, in_month, [key, key], preview_rows),
            },
            partition_key=key,
        )
    return {"dagster/column_schema": _stored_schema(con, table)}


def _stored_schema(con: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    """The columns of `table` as stored, with their types and the registry's texts."""
    schema = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=name, type=dtype, description=_internal_text(table, name))
            for name, dtype in schema
        ]
    )


def _preview(
    con: duckdb.DuckDBPyConnection, table: str, where: str, params: list, rows: int
) -> dg.MetadataValue:
    if table in AGGREGATED_PREVIEWS:
        query = f"{AGGREGATED_PREVIEWS[table]} FROM {table} WHERE {where} GROUP BY ALL ORDER BY ALL"
    else:
        query = f"SELECT * FROM {table} WHERE {where}"
    return dg.MetadataValue.md(markdown_table(con.execute(f"{query} LIMIT {rows}", params).df()))


def _internal_text(table: str, column: str) -> str | None:
    doc = column_text(table, column, published=False)
    return None if doc is None else f"{doc[0]} | {doc[1]}"


def column_schema(table: str) -> dg.TableSchema:
    """The declared columns of an internal table with their types and texts, for an asset's
    definition metadata (`dagster/column_schema`), known before it has ever run."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=c.name, type=c.type, description=_internal_text(table, c.name))
            for c in BY_NAME[table].columns_of(published=False)
        ]
    )


def with_declared_schemas(assets: list[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The assets with the declared column schema of the internal table each one writes (asset
    key = table name) in their definition metadata, so the UI shows columns, types and texts of
    an asset that has never run, and of every partition alike."""

    def declared(spec: dg.AssetSpec) -> dg.AssetSpec:
        table = spec.key.to_user_string()
        if table not in BY_NAME or not BY_NAME[table].internal:
            return spec
        return spec.merge_attributes(metadata={"dagster/column_schema": column_schema(table)})

    return [a.map_asset_specs(declared) for a in assets]


def frame_metadata(frame: pd.DataFrame, preview_rows: int = 10) -> dict:
    """The same three entries for an asset whose output is files made from `frame`."""
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(name=str(name), type=_type_name(frame[name]))
                for name in frame.columns
            ]
        ),
        "preview": dg.MetadataValue.md(markdown_table(frame.head(preview_rows))),
    }


def _type_name(column: pd.Series) -> str:
    """`string` rather than pandas' `object` for a text column, so the schema says what is in it."""
    if column.dtype == object:
        return pd.api.types.infer_dtype(column, skipna=True)
    return str(column.dtype)


def markdown_image(name: str, png: bytes) -> dg.MetadataValue:
    """A PNG shown inline in the asset's metadata (the UI renders Markdown images)."""
    return dg.MetadataValue.md(f"![{name}](data:image/png;base64,{base64.b64encode(png).decode()})")


def markdown_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_(keine Zeilen)_"
    return frame.to_markdown(index=False)
