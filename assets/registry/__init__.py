"""The table registry: every internal and published table, declared once.

A declaration (`model.Table`) names the table's columns with their types and German and English
texts, its key, its partition column, the disclosure rule its published twin follows and the
query that fills it. Everything else is derived from here: the internal DDL
(`assets/warehouse.py`), the published DDL, publish order and comments (`assets/publish/`), and
the column schema the Dagster UI shows (`assets/metadata.py`). A new published table is its
declaration in the domain module, its query and a test.
"""

from __future__ import annotations

from assets.registry import bookkeeping, controlling, indicators, ingest, supply
from assets.registry.model import DISCLOSURE_RULES, Column, Table

__all__ = [
    "BY_NAME",
    "DISCLOSURE_RULES",
    "INTERNAL_TABLES",
    "PUBLISHED_DDL",
    "PUBLISHED_TABLES",
    "TABLES",
    "Column",
    "Table",
    "column_text",
    "publish_order",
]

TABLES: tuple[Table, ...] = (
    *ingest.TABLES,
    *indicators.TABLES,
    *supply.TABLES,
    *controlling.TABLES,
    *bookkeeping.TABLES,
)
BY_NAME = {table.name: table for table in TABLES}


def publish_order(tables: tuple[Table, ...]) -> tuple[Table, ...]:
    """The published tables in declared order, each moved after the published tables it reads
    (`Table.reads`), since its query reads them back from the new file."""
    waiting = [table for table in tables if table.published]
    order: list[Table] = []
    while waiting:
        written = {table.name for table in order}
        ready = next((t for t in waiting if set(t.reads) <= written), None)
        if ready is None:
            names = ", ".join(f"{t.name} (reads {', '.join(t.reads)})" for t in waiting)
            raise ValueError(f"published tables read tables never written before them: {names}")
        order.append(ready)
        waiting.remove(ready)
    return tuple(order)


INTERNAL_TABLES = tuple(table for table in TABLES if table.internal)
PUBLISHED_TABLES = publish_order(TABLES)
PUBLISHED_DDL = {table.name: table.ddl(published=True) for table in PUBLISHED_TABLES}


def column_text(table: str, column: str, published: bool = True) -> tuple[str, str] | None:
    """German and English text of a column of a table (None for an unknown one); published texts
    may hold the settings' suppression rules as `{small_de}` … placeholders."""
    declared = BY_NAME.get(table)
    if declared is None:
        return None
    for candidate in declared.columns_of(published):
        if candidate.name == column:
            return candidate.text(published)
    return None
