"""Disclosure control (Geheimhaltung) for published figures (DESIGN §6, §16 BStatG).

Applied in one place, `publish`, to every published table; thresholds come from settings
`disclosure` (`min_count` k, `min_denominator`, `min_survey_n`). The internal warehouse keeps the
exact figures.

- Primary suppression: a count of 1 … k-1 is never published (0 is: it identifies nobody). A rate
  whose denominator is below `min_denominator` is not published, and neither is its numerator
  (numerator and denominator together would give the rate back).
- Secondary suppression: a published total (the city-wide `ALL` row) minus the other published
  cells of its group must never give back a suppressed cell. Whenever a group has suppressed cells,
  at least two non-zero cells are suppressed (the next smallest non-zero cell is added, ties going
  to the smallest `area_id`); if the group has no second non-zero cell, the total is suppressed
  instead.
- A rate is NULL with `status = 'suppressed'` when its numerator or denominator is suppressed.
- Indicators share counts: a count hidden in one indicator row is hidden in every row of the area
  that shows the same count at the same date, and the rules run again until nothing new is
  hidden (`tables.protect_consistently`).
Suppressed means NULL plus a status, never 0.

The rules are SQL, so that millions of indicator values are protected inside DuckDB on their way
into the published file, never copied into Python. Secondary suppression aggregates each group
once and joins back only the few groups where it acts (no per-group loop, no window sort).
"""

from __future__ import annotations

SUPPRESSED = "suppressed"
GROUP = "municipality_ags, reference_date, indicator_id"  # the cells that add up to one total


def small_count(column: str, min_count: int) -> str:
    """SQL: true where a count lies in 1 … min_count - 1 (false, never NULL, where it is NULL)."""
    return f"coalesce({column} > 0 AND {column} < {min_count}, false)"


def _nonzero(column: str) -> str:
    """SQL: a cell that reveals something when derived (NULL and NaN count as zero)."""
    return f"coalesce(NOT isnan({column}) AND {column} <> 0, false)"


def _candidate(column: str) -> str:
    """SQL: a cell secondary suppression may add (entered the total, not hidden, not zero)."""
    return f"_cell AND NOT _{column}_primary AND {_nonzero(column)}"


def _acting_groups(column: str, group: str, flagged: str) -> str:
    """SQL: the groups where secondary suppression of `column` acts, with the cell it picks.

    Reads the flags `_cell` (a row that entered the total), `_total` (the `ALL` row) and
    `_{column}_primary` of `flagged`. A group acts only when it has a total that is not already
    hidden and exactly one hidden non-zero cell (zeros reveal nothing; two already protect each
    other). `_pick` is the area of its smallest other non-zero cell, NULL when there is none (then
    the total is hidden instead). Only these few groups are joined back onto the rows.
    """
    primary = f"_{column}_primary"
    return f"""
        SELECT {group}, true AS _acts,
               min({{'size': abs({column}), 'area': area_id}}) FILTER (WHERE {_candidate(column)}).area
                   AS _pick
        FROM {flagged}
        GROUP BY {group}
        HAVING count(*) FILTER (WHERE _total AND NOT {primary}) > 0
           AND count(*) FILTER (WHERE _cell AND {primary} AND {_nonzero(column)}) = 1"""


def _hidden(column: str, groups: str) -> str:
    """SQL: the final suppression mask of `column`, given its acting `groups` joined on."""
    primary = f"_{column}_primary"
    return (
        f"{primary} OR coalesce({groups}._acts AND ("
        f"({_candidate(column)} AND area_id = {groups}._pick)"
        f" OR (_total AND {groups}._pick IS NULL)), false)"
    )


def _joined(groups: str, group: str) -> str:
    return " AND ".join(f"f.{key} IS NOT DISTINCT FROM {groups}.{key}" for key in group.split(", "))


def secondary_suppression(flagged: str, columns: list[str], group: str) -> str:
    """SQL: the rows of the relation `flagged` with a mask `_{column}_hidden` per column.

    `flagged` carries `area_id`, the `group` keys and the flags `_cell`, `_total` and
    `_{column}_primary`; the mask adds the cells (or the total) secondary suppression picks. The
    same rule serves every published table whose cells add up to a published (or derivable) total.
    """
    joins = "\n".join(
        f"LEFT JOIN ({_acting_groups(c, group, flagged)}) g{i} ON {_joined(f'g{i}', group)}"
        for i, c in enumerate(columns)
    )
    masks = ", ".join(f"{_hidden(c, f'g{i}')} AS _{c}_hidden" for i, c in enumerate(columns))
    return f"SELECT f.*, {masks} FROM {flagged} f {joins}"


def suppressed_indicator_values(
    source: str,
    min_count: int,
    min_denominator: float,
    count_numerators: set[str],
    hidden_elsewhere: str | None = None,
) -> str:
    """SQL: the rows of `source` (indicator values, areas and their `ALL` rows) after primary and
    secondary suppression, with every other column of `source` passed through.

    `count_numerators` names the indicators whose numerator is a head count; differences such as
    population change are not, but they still add up to their total and are protected likewise.
    Rows already `not_computable` keep that status and did not enter the total, but a small count
    they carry is hidden all the same. Two extra columns, `_primary` and `_secondary`, say why a
    numerator was hidden (for the run's metadata).

    `hidden_elsewhere` (a relation `municipality_ags, area_id, count, count_date`) lists counts
    hidden in other rows: a numerator or denominator that is one of them is hidden as if it were
    small. Indicators share their counts (EW_15_64 at a Stichtag is the denominator of four, EW_U15
    a numerator and a denominator), so a count one indicator hides must not be published by
    another, or that indicator's total minus its published cells gives the hidden count back.
    Which count a figure is comes from the columns `_numerator_count` (dated `reference_date`),
    `_denominator_count` and `denominator_date` of `source` (see `SHARED_COUNTS_SQL`). The columns
    `_hidden_numerator` and `_hidden_denominator` say which non-zero figures this query hides, for
    the next round (see `protect_consistently` in `tables.py`).
    """

    def elsewhere(count: str, date: str) -> str:
        if not hidden_elsewhere:
            return "false"
        return f"""EXISTS (SELECT 1 FROM {hidden_elsewhere} h
                  WHERE h.municipality_ags IS NOT DISTINCT FROM flagged_source.municipality_ags
                    AND h.area_id = flagged_source.area_id AND h.count = flagged_source.{count}
                    AND h.count_date = flagged_source.{date})"""

    return f"""
        WITH flagged AS NOT MATERIALIZED (
            SELECT *, _ok AND NOT _total AS _cell,
                   _numerator_small OR {elsewhere("_numerator_count", "reference_date")}
                       AS _numerator_primary,
                   {small_count("denominator", min_count)}
                       OR {elsewhere("_denominator_count", "denominator_date")}
                       AS _denominator_primary
            FROM (SELECT *,
                         {small_numerator(min_count, min_denominator, count_numerators)}
                             AS _numerator_small
                  FROM (SELECT *, coalesce(status = 'ok', false) AS _ok,
                               coalesce(area_id = 'ALL', false) AS _total
                        FROM {source})) flagged_source),
        protected AS ({secondary_suppression("flagged", ["numerator", "denominator"], GROUP)})
        SELECT * EXCLUDE (_ok, _total, _cell, _numerator_small, _numerator_primary,
                          _denominator_primary, _numerator_hidden, _denominator_hidden)
                 REPLACE (
                     CASE WHEN _numerator_hidden THEN NULL ELSE numerator END AS numerator,
                     CASE WHEN _denominator_hidden THEN NULL ELSE denominator END AS denominator,
                     CASE WHEN _numerator_hidden OR _denominator_hidden THEN NULL ELSE value END
                         AS value,
                     CASE WHEN _ok AND (_numerator_hidden OR _denominator_hidden)
                          THEN '{SUPPRESSED}' ELSE status END AS status),
               _numerator_small AS _primary,
               _ok AND _numerator_hidden AND NOT _numerator_small
                   AND numerator IS NOT NULL AS _secondary,
               _numerator_hidden AND {_nonzero("numerator")} AS _hidden_numerator,
               _denominator_hidden AND {_nonzero("denominator")} AS _hidden_denominator
        FROM protected"""


def small_numerator(
    min_count: int, min_denominator: float, count_numerators: set[str], ok: str = "_ok"
) -> str:
    """SQL: true where primary suppression hides a row's numerator: a head count of 1 … k-1, or
    the numerator of a rate (`ok` says the row has one) on a denominator below the minimum."""
    counts = ", ".join(f"'{i}'" for i in sorted(count_numerators)) or "NULL"
    return f"""coalesce(({ok} AND denominator < {min_denominator})
                        OR (indicator_id IN ({counts}) AND {small_count("numerator", min_count)}),
                        false)"""


def primary_counts_sql(
    source: str, min_count: int, min_denominator: float, count_numerators: set[str]
) -> str:
    """SQL: the non-zero counts (`municipality_ags, area_id, count, count_date`) that primary
    suppression hides in some row of `source`, which names its counts as `SHARED_COUNTS_SQL`
    does. Seeding `hidden_elsewhere` with them settles most sharing in the first round."""
    ok = "coalesce(status = 'ok', false)"
    return f"""
        SELECT municipality_ags, area_id, _numerator_count AS count, reference_date AS count_date
        FROM {source}
        WHERE {small_numerator(min_count, min_denominator, count_numerators, ok)}
          AND {_nonzero("numerator")}
        UNION
        SELECT municipality_ags, area_id, _denominator_count, denominator_date FROM {source}
        WHERE {small_count("denominator", min_count)}"""


# The counts behind each indicator row, for `hidden_elsewhere`: the catalogue's numerator and
# denominator formulas name them (`EW(t - 1 Jahr)` is EW a year earlier, at `denominator_date`).
SHARED_COUNTS_SQL = """
    SELECT v.*, c.numerator AS _numerator_count,
           replace(c.denominator, 'EW(t - 1 Jahr)', 'EW') AS _denominator_count
    FROM {values} v LEFT JOIN indicator_catalog c USING (indicator_id)"""


def hidden_counts_sql(published_values: str, internal_values: str) -> str:
    """SQL: every exact figure (numerator or denominator) an area's published indicator values hide.

    The same head counts appear in other published tables (a child poverty denominator is the
    Familienzentrum target population, a foreign-nationals denominator the area's population, a
    child poverty numerator the allocation's basis count). Those tables hide any of their figures
    that equals one of these for the same area, so no table publishes what another protects. The
    match is by value, not by date, because the tables pair counts with different Stichtage; a
    coincidental match only hides a little more.
    """
    return f"""
        SELECT DISTINCT municipality_ags, area_id, value FROM (
            SELECT i.municipality_ags, i.area_id,
                   unnest([CASE WHEN p.numerator IS NULL THEN i.numerator END,
                           CASE WHEN p.denominator IS NULL THEN i.denominator END]) AS value
            FROM {published_values} p
            JOIN {internal_values} i
              USING (municipality_ags, area_id, reference_date, indicator_id))
        WHERE value IS NOT NULL AND value <> 0"""


def in_hidden(hidden_counts: str, table: str, column: str) -> str:
    """SQL: true where `table.column` equals a figure the indicator values hide for that area."""
    return f"""EXISTS (SELECT 1 FROM {hidden_counts} h
                      WHERE h.municipality_ags IS NOT DISTINCT FROM {table}.municipality_ags
                        AND h.area_id = {table}.area_id AND h.value = {table}.{column})"""


def blanked(columns: dict[str, str]) -> str:
    """SQL `REPLACE` items: each column NULL where its condition holds."""
    return ", ".join(
        f"CASE WHEN {condition} THEN NULL ELSE {column} END AS {column}"
        for column, condition in columns.items()
    )


def status_of(hidden: str) -> str:
    """SQL: the `status` column of a published row, `suppressed` where `hidden` holds."""
    return f"CASE WHEN {hidden} THEN '{SUPPRESSED}' ELSE 'ok' END AS status"
