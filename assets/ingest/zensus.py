"""Zensus 2022 100 m grid as destatis delivers it (SPEC §3, `docs/inputs.md`).

The product uses the population grid `GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner` (centres in
EPSG:3035) for the coverage of facilities. Every other Zensus grid file (average age, household
type, ...; or the 1 km / 10 km grid) is recognised by its header and refused with its topic named,
every row quarantined, so a file put into the folder by mistake is never dropped in silence.

Files come as `.csv` or as the `.zip` download (SPEC §3.1: one ZIP per topic holding the 100 m,
1 km and 10 km grids, sometimes in a folder, beside an Excel description; unpacked by
`zip_members`), in UTF-8 (with or without BOM) or Windows-1252, `;`-separated with decimal
commas; headers are matched case-insensitively. The optional column `werterlaeuternde_Zeichen` is
kept: `KLAMMERN` ("Aussagewert eingeschränkt") keeps the value and is stored as the official sign
for it, the symbol `()`, next to the value. The dash `–` (Zensus legend: "genau Null oder auf Null
geändert") and a plain `-` in its place are stored as the symbol with no value, never as 0: "set
to zero" hides small true counts, so a zero would be a number the census did not publish.
"""

from __future__ import annotations

import functools
from pathlib import Path, PurePosixPath

import pandas as pd

from assets.ingest.archive import max_bytes
from assets.ingest.delivery import Delivery, open_delivery, read_guarded
from assets.ingest.parsing import (
    NOT_WHOLE_NUMBER,
    NOT_WHOLE_REASON,
    ZERO_SYMBOL,
    UnreadableFile,
    exact_factorize,
    fractional,
    match_columns,
    missing_column_reason,
    normalize_header,
    parse_german_numbers,
)
from assets.ingest.quarantine import IngestResult, RowRejections, combine
from assets.ingest.zip_members import is_zip, open_member, read_member
from assets.settings import DEFAULTS

SOURCE = "zensus"
COLUMNS = ["GITTER_ID_100m", "x_mp_100m", "y_mp_100m", "Einwohner"]
GRID_COLUMNS = COLUMNS[:3]
FLAG_COLUMN = "werterlaeuternde_Zeichen"
BRACKETS = "KLAMMERN"  # the only remark Zensus files carry: the value would be printed in brackets
BRACKETS_SYMBOL = "()"  # the official sign for it: "Aussagewert eingeschränkt", value kept
COARSE_GRIDS = {"gitter_id_1km": "1-km", "gitter_id_10km": "10-km"}
LOADED_COLUMNS = [
    "cell_id",
    "x_3035",
    "y_3035",
    "population",
    "symbol",
    "source_file",
    "row_number",
]
GRID_100M_SUFFIX = "_100m-gitter.csv"
# Germany in EPSG:3035 with a margin; a centre outside is a swapped or foreign coordinate.
X_RANGE = (3_900_000, 4_800_000)
Y_RANGE = (2_600_000, 3_700_000)


def read_zensus(
    paths: list[Path], root: Path, max_mb: float = DEFAULTS["limits"]["max_file_mb"]
) -> IngestResult:
    """Every file loaded or quarantined on its own; `max_mb` bounds a ZIP's unpacked CSV."""
    results = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        read = functools.partial(_read, path, rel, max_bytes(max_mb))
        results.append(read_guarded(SOURCE, path, rel, read))
    return combine(results, LOADED_COLUMNS)


def _read(path: Path, rel: str, limit: float) -> tuple[pd.DataFrame, RowRejections, dict]:
    """One file. Rules in order: field count, header (population grid), coordinates numbers
    inside Germany, Einwohner a whole number (or a symbol) not negative, remark known."""
    delivery = _open(path, rel, limit)
    rows, rejections = delivery.table.rows, delivery.rejections
    found = None if delivery.refused else _columns(delivery)
    if found is None:
        return rows.iloc[0:0], rejections, delivery.record(0)
    frame = pd.DataFrame(
        {"row_number": rows["row_number"], "cell_id": rows[found["GITTER_ID_100m"]].astype(str)}
    )
    for column, (low, high), target in (
        (found["x_mp_100m"], X_RANGE, "x_3035"),
        (found["y_mp_100m"], Y_RANGE, "y_3035"),
    ):
        numbers = parse_german_numbers(rows[column], allow_symbols=False)
        rejections.reject(
            frame, numbers.error.notna(), column, rows[column], "invalid_value", numbers.error
        )
        outside = (numbers.value < low) | (numbers.value > high)
        rejections.reject(
            frame,
            outside,
            column,
            rows[column],
            "outside_area",
            "Koordinate liegt nicht in Deutschland (EPSG:3035 erwartet)",
        )
        frame[target] = numbers.value
    _population(frame, rows[found["Einwohner"]], rejections)
    _remarks(frame, rows[found[FLAG_COLUMN]] if FLAG_COLUMN in found else None, rejections)
    frame["source_file"] = rel
    keep = frame[rejections.accepted(frame)]
    return keep, rejections, delivery.record(len(keep))


def _open(path: Path, rel: str, limit: float) -> Delivery:
    """The delivery's rows with the file-level rules applied; a ZIP gives its 100 m grid's rows
    (row numbers are the CSV's lines), and each other CSV in it an entry saying it was not read."""
    if not is_zip(path):
        return open_delivery(path, rel, SOURCE, [])
    return open_member(path, rel, SOURCE, [], read_member(path, _grid_member, limit))


def _grid_member(names: list[str]) -> tuple[str, list[str]]:
    """The CSV of a ZIP to read: the one whose name ends in `_100m-Gitter.csv` (never a fixed
    name: the names inside differ from the ZIP's), or the only CSV; anything else is ambiguous
    and refused whole, never guessed. The other CSVs (1 km, 10 km) are named as not read; the
    description workbook every download holds is not."""
    csvs = [n for n in names if PurePosixPath(n).suffix.lower() == ".csv"]
    if not csvs:
        shown = ", ".join(names[:5]) or "leer"
        raise UnreadableFile(f"ZIP-Archiv enthält keine CSV-Datei (Inhalt: {shown})")
    grid = [n for n in csvs if PurePosixPath(n).name.lower().endswith(GRID_100M_SUFFIX)]
    if len(csvs) > 1 and len(grid) != 1:
        raise UnreadableFile(
            f"ZIP-Archiv enthält {len(csvs)} CSV-Dateien ({', '.join(csvs[:5])}), aber nicht "
            "genau eine des 100-m-Gitters (Name endet auf _100m-Gitter.csv); welche gelesen "
            "werden soll, ist nicht eindeutig: bitte die gewünschte CSV-Datei einzeln oder "
            "allein im ZIP ablegen"
        )
    chosen = grid[0] if len(csvs) > 1 else csvs[0]
    return chosen, [n for n in csvs if n != chosen]


def _columns(delivery: Delivery) -> dict[str, str] | None:
    """Expected column -> header as delivered; None after every row was quarantined because the
    file is no population grid of 100 m cells (the reason names what it is instead)."""
    header = delivery.table.header
    found, missing = match_columns(header, [*COLUMNS, FLAG_COLUMN])
    missing = [m for m in missing if m != FLAG_COLUMN]
    if not missing:
        return found
    column, code, reason = _header_problem(header, found, missing)
    delivery.rejections.reject_all(delivery.table.rows, column, ";".join(header), code, reason)
    return None


def _header_problem(
    header: list[str], found: dict[str, str], missing: list[str]
) -> tuple[str, str, str]:
    """(column, reason code, German reason) for a header that is not the population grid's."""
    keys = {normalize_header(h): h for h in header}
    coarse = next((keys[k] for k in COARSE_GRIDS if k in keys), None)
    if coarse is not None:
        size = COARSE_GRIDS[normalize_header(coarse)]
        return (
            coarse,
            "wrong_grid",
            (
                f"Datei des {size}-Gitters (Spalte {coarse!r}); gelesen wird nur das 100-m-Gitter "
                "(Datei …_100m-Gitter.csv aus demselben ZIP-Archiv)"
            ),
        )
    if missing != ["Einwohner"]:
        return missing[0], "missing_column", missing_column_reason(missing, COLUMNS)
    used = {normalize_header(c) for c in [*found.values(), FLAG_COLUMN]}
    values = [h for h in header if h.strip() and normalize_header(h) not in used]
    if not values:
        return "Einwohner", "missing_column", missing_column_reason(missing, COLUMNS)
    return (
        values[0],
        "unused_topic",
        (
            f"Zensus-Gitter mit den Werten {', '.join(values)} statt 'Einwohner': verwendet wird nur "
            "die Einwohnerzahl je 100-m-Zelle (Zensus2022_Bevoelkerungszahl_100m-Gitter.csv); diese "
            "Datei wird nicht geladen"
        ),
    )


def _population(frame: pd.DataFrame, text: pd.Series, rejections: RowRejections) -> None:
    """`Einwohner` into `population` and `symbol`; a dash (`–` or `-`) is a symbol without a
    value, never 0 (see the module's docstring)."""
    population = parse_german_numbers(text)
    for mask, code, reason in (
        (population.error.notna(), "invalid_value", population.error),
        (population.value < 0, "negative_value", "negative Einwohnerzahl"),
        (fractional(population.value), NOT_WHOLE_NUMBER, NOT_WHOLE_REASON),
    ):
        rejections.reject(frame, mask, "Einwohner", text, code, reason)
    frame["population"] = population.value.mask(population.symbol == ZERO_SYMBOL)
    frame["symbol"] = population.symbol


def _remarks(frame: pd.DataFrame, text: pd.Series | None, rejections: RowRejections) -> None:
    """`werterlaeuternde_Zeichen`: `KLAMMERN` becomes the symbol `()` next to the kept value (a
    dash's symbol, which has no value, stays); any other remark is unknown and quarantines its
    row rather than losing what it says."""
    if text is None:
        return
    codes, uniques = exact_factorize(text)  # a few distinct remarks over millions of rows
    remark = uniques.astype(str).str.strip()
    brackets = pd.Series((remark.str.upper() == BRACKETS).to_numpy()[codes], index=text.index)
    unknown = pd.Series((remark != "").to_numpy()[codes], index=text.index) & ~brackets
    reason = (
        "unbekanntes werterläuterndes Zeichen "
        + remark.map(repr)
        + f" (bekannt: {BRACKETS} = Aussagewert eingeschränkt, oder leer)"
    ).to_numpy(dtype=object)[codes]
    reasons = pd.Series(reason, index=text.index)
    rejections.reject(frame, unknown, FLAG_COLUMN, text, "invalid_value", reasons)
    frame["symbol"] = frame["symbol"].mask(brackets & frame["symbol"].isna(), BRACKETS_SYMBOL)
