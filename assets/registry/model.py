"""What a table declaration is: columns with types and texts, key, partition, disclosure rule.

A table is declared once (in the domain modules of this package); the internal DDL, the published
DDL and comments, the publish order and the column schema the Dagster UI shows are derived from
the declaration, so they cannot disagree. Pure Python: no Dagster, no database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from assets.publish.tables import PublishContext

# The rules of disclosure control a published table follows (the SQL is in `assets/publish/`).
DISCLOSURE_RULES = {
    "indicator_cells": "small numerators and denominators hidden, with secondary suppression per "
    "municipality, date and indicator, and a count hidden in one row hidden in every row",
    "counts": "person counts 1 … min_count-1 hidden, with what gives them back (secondary "
    "suppression within a published total, counts the indicator values hide)",
    "controlling": "the count rule for participants and target populations, the ratios built "
    "on them, satisfaction figures from fewer than min_survey_n answers",
    "survey": "cells from fewer than min_survey_n answers hidden, with secondary suppression "
    "within the municipality's total",
    "follows_published": "a figure is hidden where the published table it is read from hides it",
}

# what a published table's query gives: SQL over the internal file, a frame made in Python, or
# the number of rows it wrote itself
Query = Callable[["PublishContext"], "str | pd.DataFrame | int"]


@dataclass(frozen=True)
class Column:
    """One column: its type in the internal file (`published_type` when the published file
    differs, e.g. counts BIGINT there) and its German and English text.

    The texts are those of the published file's comments; they may name the suppression rules
    of the settings (`{small_de}`, `{small_en}`, `{min_survey_n}`). A column whose internal
    meaning differs (nothing is suppressed there) has its own `internal_de`/`internal_en`.
    """

    name: str
    type: str
    de: str
    en: str
    published_type: str | None = None
    internal: bool = True
    published: bool = True
    internal_de: str | None = None
    internal_en: str | None = None

    def text(self, published: bool) -> tuple[str, str]:
        """German and English text, for the published file or for the internal one."""
        if published:
            return self.de, self.en
        return self.internal_de or self.de, self.internal_en or self.en

    def sql_type(self, published: bool) -> str:
        return (self.published_type or self.type) if published else self.type

    def only_published(self) -> Column:
        """This column in the published file only (a figure the publish query adds)."""
        return replace(self, internal=False)

    def described(self, de: str, en: str) -> Column:
        """The same column with a text of its own in one table."""
        return replace(self, de=de, en=en)

    def internally(self, de: str, en: str) -> Column:
        """The same column with another text in the internal file (nothing is hidden there)."""
        return replace(self, internal_de=de, internal_en=en)


@dataclass(frozen=True)
class Table:
    """One table of the internal file, the published file, or both (its published twin).

    `key` identifies a row, `partition_column` is the date column a monthly partition replaces,
    `disclosure` names the rule of `DISCLOSURE_RULES` the published table follows. `query` fills
    the published table: SQL text, or a function of the publish context giving SQL, a frame, or
    the rows it wrote itself; `reads` names the published tables the query reads back, which are
    therefore written first. `published_order` gives the published columns in another order than
    the internal ones.
    """

    name: str
    de: str
    en: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    partition_column: str | None = None
    disclosure: str | None = None
    internal: bool = True
    published: bool = True
    query: str | Query | None = None
    reads: tuple[str, ...] = ()
    published_order: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        problems = [f"duplicate column {n}" for n in set(names) if names.count(n) > 1]
        problems += [f"key {k} is no column" for k in self.key if k not in names]
        if self.partition_column is not None and self.partition_column not in names:
            problems.append(f"partition column {self.partition_column} is no column")
        if self.disclosure is not None and self.disclosure not in DISCLOSURE_RULES:
            problems.append(f"unknown disclosure rule {self.disclosure}")
        if self.published and self.query is None:
            problems.append("published without a query")
        if self.published_order is not None and sorted(self.published_order) != sorted(
            c.name for c in self.columns if c.published
        ):
            problems.append("published_order does not list the published columns")
        if problems:
            raise ValueError(f"table {self.name}: {'; '.join(problems)}")

    def columns_of(self, published: bool) -> list[Column]:
        """The columns of the published or the internal table, in their order there."""
        if not published:
            return [c for c in self.columns if c.internal]
        chosen = [c for c in self.columns if c.published]
        if self.published_order is None:
            return chosen
        by_name = {c.name: c for c in chosen}
        return [by_name[name] for name in self.published_order]

    def ddl(self, published: bool) -> str:
        """The column list of `CREATE TABLE` for the published or the internal table."""
        return ", ".join(
            f"{quoted(c.name)} {c.sql_type(published)}" for c in self.columns_of(published)
        )


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
