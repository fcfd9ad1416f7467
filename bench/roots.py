"""Benchmark data roots, generated once with the sample generator (`data/generate_sample.py`, the
package `data/sample_generator/`) and cached in `bench/roots/`.

A root is regenerated only when the generator's code (the hash over its files) or the parameters
change; both are kept in `bench/roots/<name>/.bench-marker.json`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

from data import sample_generator

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
GENERATOR_DIR = REPO / "data" / "sample_generator"
ROOTS = BENCH / "roots"
MARKER = ".bench-marker.json"
SEED = 20261124

# NRW: 396 municipalities, ~10,000 Sozialräume, 18 million inhabitants, 3,000 providers, 60 months.
FULL = dict(municipalities=396, areas=10_000, population=18_000_000, providers=3_000)
COMMON = dict(seed=SEED, months=60, years=7)


def _scaled(fraction: float) -> dict:
    return {k: max(1, round(v * fraction)) for k, v in FULL.items()} | COMMON


SIZES: dict[str, dict | None] = {
    "sample": None,  # the committed data/sample, not generated
    # small NRW fractions for a growth curve when the big sizes do not finish in the time budget
    # (not in the default `--sizes`)
    "nrw_1_40": _scaled(1 / 40),
    "nrw_1_20": _scaled(1 / 20),
    "quarter": _scaled(0.25),
    "half": _scaled(0.5),
    "full": _scaled(1.0),
}


def generator_hash() -> str:
    """SHA-256 over the generator's Python files, each with its path (a moved file counts)."""
    digest = hashlib.sha256()
    for path in [REPO / "data" / "generate_sample.py", *sorted(GENERATOR_DIR.glob("*.py"))]:
        digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def root_for(name: str, *, generate: bool = True, log=print) -> tuple[Path, dict]:
    """The data root of a size, generated if missing or stale; returns (path, info)."""
    params = SIZES[name]
    if params is None:
        return REPO / "data" / "sample", {"generated": False, "params": "data/sample (committed)"}
    out = ROOTS / name
    wanted = {"generator_sha256": generator_hash(), "params": params}
    marker = out / MARKER
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return out, {"generated": False, "params": params}
    if not generate:
        raise SystemExit(f"{out} is missing or stale and --skip-generate was given")
    log(f"generating {name} root in {out} ({params}) ...")
    if out.exists():
        shutil.rmtree(out)
    t0 = time.perf_counter()
    sample_generator.generate(out, **params)
    seconds = time.perf_counter() - t0
    marker.write_text(json.dumps(wanted, indent=1))
    log(f"  generated in {seconds:.1f} s")
    return out, {"generated": True, "generate_s": round(seconds, 1), "params": params}


if __name__ == "__main__":
    import sys

    for size in sys.argv[1:] or ["quarter", "half", "full"]:
        print(root_for(size))
