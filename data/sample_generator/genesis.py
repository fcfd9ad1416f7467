"""The official population count per municipality from GENESIS (table 12411-01-01-5, flat CSV),
which deviates from the Melderegister by up to ±1.5 % as real ones do."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .common import sub_rng, write_text

GENESIS_HEADER = [
    "statistics_code",
    "statistics_label",
    "time_code",
    "time_label",
    "time",
    "1_variable_code",
    "1_variable_label",
    "1_variable_attribute_code",
    "1_variable_attribute_label",
    "value",
    "value_unit",
    "value_variable_code",
    "value_variable_label",
]


def write_genesis(out: Path, A: pd.DataFrame, mun: pd.DataFrame, pop: dict, years, seed):
    rng = sub_rng(seed, 5)
    for m in range(len(mun)):
        mask = (A.mun == m).to_numpy()
        lines = [";".join(GENESIS_HEADER)]
        for y in years:
            total = int(pop[y]["EW"][mask].sum())
            official = int(round(total * rng.uniform(0.985, 1.015)))
            lines.append(
                ";".join(
                    [
                        "12411",
                        "Fortschreibung des Bevölkerungsstandes",
                        "STAG",
                        "Stichtag",
                        f"{y}-12-31",
                        "GEMEIN",
                        "Gemeinden",
                        mun.ags.iloc[m],
                        mun["name"].iloc[m],
                        str(official),
                        "Anzahl",
                        "BEVSTD",
                        "Bevölkerungsstand",
                    ]
                )
            )
        write_text(
            out / "statistics" / "genesis" / f"12411-01-01-5_{mun.ags.iloc[m]}.csv",
            "\n".join(lines) + "\n",
        )
