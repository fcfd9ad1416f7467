#!/usr/bin/env python
"""Deterministic generator of a Sozialplanung data root (landing files).

Writes the fictional municipality "Musterstadt" (AGS 05999000) in the exact landing formats of
DESIGN.md section 4, including a handful of deliberate defects that the pipeline has to catch
(listed in the ``.generated`` marker of the data root). With the defaults it reproduces
``data/sample/`` byte for byte; with larger parameters it writes benchmark roots, e.g.::

    python data/generate_sample.py --municipalities 396 --areas 10000 --population 18000000 \
        --providers 3000 --months 60 --out /tmp/nrwroot

The shipped sample also shows the deliveries as the offices send them (``--deliveries real``,
the default for ``data/sample`` only): Bundesagentur workbooks, the city's wide population
export, the boundaries as a zipped Shapefile (each with its recipe) and one provider's
facilities by address with the house-coordinates file. Every other root keeps the long CSV files
and the GeoJSON (``--deliveries long``), which the tests and the benchmark are built on.

Everything is derived from ``--seed``; no wall-clock time enters any file. The code is the
package ``data/sample_generator/`` (one module per source); this file is its command line.
Importable: ``from data.sample_generator import generate``; ``generate(out, seed=...,
municipalities=..., areas=..., population=..., providers=..., months=..., years=...,
real_deliveries=False)``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sample_generator import generate
from sample_generator.common import DEFAULT_SEED

DEFAULT_OUT = Path(__file__).resolve().parent / "sample"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="data root to (re)write (default: data/sample next to this script)",
    )
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--municipalities", type=int, default=1)
    ap.add_argument("--areas", type=int, default=32, help="total Sozialräume")
    ap.add_argument("--population", type=int, default=250_000, help="total population")
    ap.add_argument("--providers", type=int, default=9)
    ap.add_argument(
        "--months", type=int, default=46, help="monthly Bundesagentur Stichtage ending 2026-10"
    )
    ap.add_argument("--years", type=int, default=7, help="population Stichtage 31.12. ending 2025")
    ap.add_argument(
        "--deliveries",
        choices=["real", "long"],
        help="real: part of the sources as delivered, with recipes (one municipality); "
        "long: long CSV and GeoJSON only (default: real for data/sample, else long)",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="progress on stderr")
    a = ap.parse_args(argv)
    real = a.deliveries == "real" if a.deliveries else a.out.resolve() == DEFAULT_OUT
    generate(
        a.out,
        seed=a.seed,
        municipalities=a.municipalities,
        areas=a.areas,
        population=a.population,
        providers=a.providers,
        months=a.months,
        years=a.years,
        verbose=a.verbose,
        real_deliveries=real,
    )


if __name__ == "__main__":
    main()
