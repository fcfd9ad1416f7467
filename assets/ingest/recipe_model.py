"""A validated statistics recipe (`statistics/recipes/*.yaml`, SPEC §7.2) as the reader uses it.

`stat_recipes.py` turns a recipe file into this model after checking every key, so the reader
(`recipe_sheets.py`, `recipe_values.py`) never meets an unchecked value: each field below holds
exactly what its key means in SPEC §7.2 and §7.9. `lines` keeps the recipe line of every key, so
an error found only when a file is read (a label that matches no column) still names the line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

SYMBOLS = ("-", ".", "x", "/", "...", "*", "–")  # the product's symbols (DESIGN §5)


@dataclass(frozen=True)
class AreaRule:
    """`area.*`: where the Raum_ID comes from and how it becomes the product's `area_id`.

    Order (SPEC §7.9.3): strip → pattern → map (final, untouched by pad and prefix) → pad →
    prefix/suffix. `column` is a column letter (`A`) or a header label.
    """

    column: str
    pattern: re.Pattern[str] | None = None
    strip: bool = True
    pad: int | None = None
    prefix: str = ""
    suffix: str = ""
    mapping: dict[str, str] = field(default_factory=dict)  # inline `map` or the loaded map file


@dataclass(frozen=True)
class DateRule:
    """`date.*`: where the Stichtag comes from. `source` is one of column, cell, filename,
    sheet, header, fixed; `resolve` None = by precision (full date as is, month → month end,
    year → 31.12.)."""

    source: str
    column: str | None = None  # header label or letter, for `column`
    cell: str | None = None  # `A4`, for `cell`
    pattern: re.Pattern[str] | None = None
    format: str | None = None  # strftime; None = ISO text or an Excel date cell
    value: dt.date | None = None  # for `fixed`
    resolve: str | None = None  # as_is | month_end | year_end | None


@dataclass(frozen=True)
class HeaderRule:
    """`header.*`: fixed rows (1-based) or the first row within the first 30 whose cell in
    `find_column` matches `find_pattern`, followed by `depth - 1` more header rows."""

    rows: tuple[int, ...] | None = (1,)
    find_column: str | None = None
    find_pattern: re.Pattern[str] | None = None
    depth: int = 1


@dataclass(frozen=True)
class RowMatch:
    """`data.skip_when`: a regex on the area cell (`column` None) or on another column."""

    pattern: re.Pattern[str]
    column: str | None = None


@dataclass(frozen=True)
class SheetChoice:
    """`sheets`: names, a name pattern or 1-based indexes; all None = the first sheet."""

    names: tuple[str, ...] | None = None
    pattern: re.Pattern[str] | None = None
    indexes: tuple[int, ...] | None = None


@dataclass(frozen=True)
class LongCode:
    """`long.code`: the source code of a row, one column or several joined."""

    columns: tuple[str, ...]
    join: str = "/"


@dataclass(frozen=True)
class StatisticsRecipe:
    """A statistics recipe after validation; every key of SPEC §7.2 with its default applied."""

    rel: str  # the recipe's path in the data root, for messages
    name: str
    files: tuple[str, ...]  # globs relative to the data root, all below `statistics/incoming/`
    format: str | None  # csv | xlsx | None = from the file's extension
    encoding: str | None  # None = auto (the product's UTF-8/cp1252 rule)
    delimiter: str
    sheets: SheetChoice
    header: HeaderRule
    data_start: int | None
    stop_when: re.Pattern[str] | None
    skip_when: RowMatch | None
    filter: dict[str, tuple[str, ...]]  # column label → accepted values
    area: AreaRule
    date: DateRule
    layout: str  # wide | long
    measures: dict[str, tuple[str, ...]]  # Merkmal → labels (several = summed)
    ignore: tuple[str, ...]
    long_code: LongCode | None
    long_value: str | None
    long_codes: dict[str, tuple[str, ...]]  # Merkmal → source codes (several = summed)
    decimal: str = ","
    thousands: str = "."
    symbols: dict[str, str] = field(default_factory=lambda: {s: s for s in SYMBOLS})
    scale: float = 1
    on_unmapped_column: str = "report"  # report | error
    lines: dict[str, int] = field(default_factory=dict)  # dotted key path → 1-based line
    # `measures: {CODE: {any: [...]}}`: Merkmal → alternative labels of ONE column, because BA
    # rewords labels between deliveries (SPEC §1.6); `measures[code]` holds the first of them
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def matches(self, rel: str) -> bool:
        """Whether the landing path `rel` is one of this recipe's files."""
        return any(fnmatchcase(rel, pattern) for pattern in self.files)

    def line(self, path: str) -> int:
        """The recipe line of a key (`measures.ALO`), else of its parent, else 1."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rpartition(".")[0]
        return 1

    def where(self, path: str) -> str:
        """`rel:line` of a key, the prefix of every message about it."""
        return f"{self.rel}:{self.line(path)}"

    def labels_of(self, code: str) -> str:
        """A measure's labels for a message: summed parts with `+`, alternatives with `oder`."""
        if code in self.alternatives:
            return " oder ".join(f"„{label}“" for label in self.alternatives[code])
        return " + ".join(f"„{label}“" for label in self.measures[code])


@dataclass
class RecipeValues:
    """The long values one recipe made of one file and sheet (`part`), in reading order.

    One entry per output value (one Merkmal of one area at one date, SPEC §7.9.1), as the text
    the long format would hold: `stichtag` ISO `YYYY-MM-DD`, `wert` a German number (`1234`,
    `12,5`, after `values.scale`) or a product symbol. `cells` locates the value (`SGB II!C21`;
    a sum names its parts, `C21+D21`), `rows` its source row. A value the recipe could not make
    (an unknown symbol, a number against the recipe's number rules, an unparsable date in a
    row, a summed part that failed) carries `reject_code` (SPEC §7.4 key) and a German
    `reject_reason` naming the cell; its other fields hold what the cell held.
    """

    part: str  # `file#sheet` for a workbook, the file's path for a CSV
    encoding: str
    stichtag: list[str] = field(default_factory=list)
    raum_id: list[str] = field(default_factory=list)
    merkmal: list[str] = field(default_factory=list)
    wert: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    column: list[str] = field(default_factory=list)  # the source column's label (for messages)
    reject_code: list[str | None] = field(default_factory=list)
    reject_reason: list[str | None] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # rule (stop_when, skip_when, filter,
    # unmapped_code) → rows skipped by it
    unmapped: list[str] = field(default_factory=list)  # column labels neither measure nor ignored
    unmapped_codes: list[str] = field(default_factory=list)  # long layout: codes not in long.codes


@dataclass
class RecipeFile:
    """What one recipe made of one file: its sheets' values, or why the file was not read.

    `error` = (SPEC §7.4 key, German reason naming the recipe line or the file's cell): the whole
    file is refused (`measure_not_found`, `ambiguous_column`, `header_not_found`, `no_date`, an
    unreadable file, `unmapped_column` under `on_unmapped_column: error`) and none of its
    values is loaded.
    """

    rel: str
    recipe: str  # the recipe's rel
    parts: list[RecipeValues] = field(default_factory=list)
    error: tuple[str, str] | None = None
