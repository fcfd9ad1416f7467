"""Zensus 2022 100 m grid: `GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner` (centres in EPSG:3035)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.ingest.delivery import open_delivery, read_guarded
from assets.ingest.parsing import (
    NOT_WHOLE_NUMBER,
    NOT_WHOLE_REASON,
    fractional,
    parse_german_numbers,
)
from assets.ingest.quarantine import IngestResult, RowRejections, combine

SOURCE = "zensus"
COLUMNS = ["GITTER_ID_100m", "x_mp_100m", "y_mp_100m", "Einwohner"]
LOADED_COLUMNS = [
    "cell_id",
    "x_3035",
    "y_3035",
    "population",
    "symbol",
    "source_file",
    "row_number",
]
# Germany in EPSG:3035 with a margin; a centre outside is a swapped or foreign coordinate.
X_RANGE = (3_900_000, 4_800_000)
Y_RANGE = (2_600_000, 3_700_000)


def read_zensus(paths: list[Path], root: Path) -> IngestResult:
    results = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        results.append(read_guarded(SOURCE, path, rel, lambda p=path, r=rel: _read(p, r)))
    return combine(results, LOADED_COLUMNS)


def _read(path: Path, rel: str) -> tuple[pd.DataFrame, RowRejections, dict]:
    """One file. Rules in order: field count, header, coordinates numbers inside Germany,
    Einwohner a whole number (or a symbol), not negative."""
    delivery = open_delivery(path, rel, SOURCE, COLUMNS)
    rows, rejections, found = delivery.table.rows, delivery.rejections, delivery.found
    if delivery.refused:
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
    population = parse_german_numbers(rows[found["Einwohner"]])
    rejections.reject(
        frame,
        population.error.notna(),
        "Einwohner",
        rows[found["Einwohner"]],
        "invalid_value",
        population.error,
    )
    rejections.reject(
        frame,
        population.value < 0,
        "Einwohner",
        rows[found["Einwohner"]],
        "negative_value",
        "negative Einwohnerzahl",
    )
    rejections.reject(
        frame,
        fractional(population.value),
        "Einwohner",
        rows[found["Einwohner"]],
        NOT_WHOLE_NUMBER,
        NOT_WHOLE_REASON,
    )
    frame["population"] = population.value
    frame["symbol"] = population.symbol
    frame["source_file"] = rel
    keep = frame[rejections.accepted(frame)]
    return keep, rejections, delivery.record(len(keep))
