"""The population as the city's statistics office exports it (SPEC §4): one wide CSV per year
(``statistics/incoming/stadt/<YYYY>_Einwohner_Sozialraum.csv``), one row per Sozialraum with its
number and name, age bands as columns and a city total row, read by the recipe
``statistics/recipes/stadt_einwohner.yaml``.

The age bands are those of the city, not the product's codes: ``EW_U15``, ``EW_15_64`` and
``EW_65P`` are sums of bands (``measures`` lists in the recipe), so the export has a ``25 bis 64``
band that no code names alone. Symbols (``-``, ``.``, ``x``) stay in their cells as delivered.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .common import csv_text, write_text

# column label -> the product code whose value it carries (None: a band of its own, see BAND_25_64)
COLUMNS = {
    "Einwohner insgesamt": "EW",
    "unter 3": "EW_U3",
    "3 bis 5": "EW_3_5",
    "6 bis 14": "EW_6_14",
    "15 bis 17": "EW_15_17",
    "18 bis 24": "EW_18_24",
    "25 bis 64": None,
    "65 bis 79": "EW_65_79",
    "80 und älter": "EW_80P",
    "Ausländer/-innen": "EW_AUSL",
    "Haushalte": "HH",
    "Haushalte Alleinerziehender": "HH_ALLEINERZ",
    "Zuzüge": "ZUZUEGE",
    "Fortzüge": "FORTZUEGE",
}


def wide_name(y: int) -> str:
    return f"statistics/incoming/stadt/{y}_Einwohner_Sozialraum.csv"


def write_wide_population(
    out: Path, A: pd.DataFrame, y: int, pop: dict[str, np.ndarray], shown: dict[str, np.ndarray]
) -> None:
    """``pop``: counts per code (area arrays); ``shown``: the cell text per code (symbols
    included), as the long file of that year would have it."""
    numbers = A.area_id.str.extract(r"(\d+)$")[0].to_numpy()
    band = pop["EW_15_64"] - pop["EW_15_17"] - pop["EW_18_24"]
    if (band <= 0).any():
        raise ValueError("25 bis 64 must be positive in every area")
    cols = [numbers, A.area_name.to_numpy()]
    totals = []
    for code in COLUMNS.values():
        if code is None:
            cols.append(band.astype(str))
            totals.append(str(int(band.sum())))
        else:
            cols.append(np.asarray(shown[code], dtype=object))
            totals.append(str(int(pop[code].sum())))
    cols = [
        np.append(np.asarray(c, dtype=object), t)
        for c, t in zip(cols, ["", "Stadt insgesamt", *totals], strict=True)
    ]
    write_text(out / wide_name(y), csv_text(["Nr.", "Sozialraum", *COLUMNS], cols))
