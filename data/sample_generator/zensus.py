"""The Zensus 2022 100 m grid (EPSG:3035) with inhabitants per cell; counts of 1-2 are shown as
``–`` (secret). The cells also place the facilities where people live."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from .common import csv_text, iround, sub_rng, write_text, years_since_ref
from .population import population_model

ZENSUS_HEADER = ["GITTER_ID_100m", "x_mp_100m", "y_mp_100m", "Einwohner"]


def make_zensus(out: Path, A: pd.DataFrame, mun: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = sub_rng(seed, 6)
    t2022 = years_since_ref(np.array([np.datetime64("2022-05-15")]))
    ew22 = population_model(A, t2022)["EW"][:, 0]
    zpop = iround(ew22 * rng.uniform(0.965, 0.995, len(A)))
    polys3035 = gpd.GeoSeries(A.geometry.to_numpy(), crs=25832).to_crs(3035).to_numpy()
    to3035 = Transformer.from_crs(25832, 3035, always_xy=True)
    ccx, ccy = to3035.transform(mun.cx.to_numpy(), mun.cy.to_numpy())
    cell_e, cell_n, cell_pop, cell_area = [], [], [], []
    mun_of = A.mun.to_numpy()
    for m in range(len(mun)):
        idx = np.flatnonzero(mun_of == m)
        geoms = polys3035[idx]
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        ex = np.arange(np.floor(x0 / 100) * 100, x1, 100.0)
        ny = np.arange(np.floor(y0 / 100) * 100, y1, 100.0)
        E, N = np.meshgrid(ex, ny)
        E, N = E.ravel(), N.ravel()
        tree = shapely.STRtree(geoms)
        pi, ai = tree.query(shapely.points(E + 50, N + 50), predicate="within")
        R = float(mun.radius.iloc[m])
        order = np.argsort(ai, kind="stable")
        pi, ai = pi[order], ai[order]
        bounds = np.searchsorted(ai, np.arange(len(idx) + 1))
        for j in range(len(idx)):
            cand = pi[bounds[j] : bounds[j + 1]]
            total = int(zpop[idx[j]])
            if len(cand) == 0 or total <= 0:
                continue
            d = np.hypot(E[cand] + 50 - ccx[m], N[cand] + 50 - ccy[m]) / R
            logw = -1.6 * d
            n_cells = int(np.clip(round(total / 27.0), 1, len(cand)))
            key = logw + rng.gumbel(size=len(cand))
            take = np.argsort(-key, kind="stable")[:n_cells]
            w = np.exp(logw[take]) * rng.lognormal(0, 0.6, n_cells)
            counts = rng.multinomial(total, w / w.sum())
            keep = counts > 0
            cell_e.append(E[cand][take][keep])
            cell_n.append(N[cand][take][keep])
            cell_pop.append(counts[keep])
            cell_area.append(np.full(int(keep.sum()), idx[j]))
    Z = pd.DataFrame(
        {
            "E": np.concatenate(cell_e).astype(np.int64),
            "N": np.concatenate(cell_n).astype(np.int64),
            "pop": np.concatenate(cell_pop).astype(np.int64),
            "area": np.concatenate(cell_area),
        }
    )
    Z = Z.sort_values(["N", "E"], kind="stable").reset_index(drop=True)
    ids = ("CRS3035RES100mN" + Z.N.astype(str) + "E" + Z.E.astype(str)).to_numpy()
    val = Z["pop"].astype(str).to_numpy().astype(object)
    val[Z["pop"].to_numpy() <= 2] = "–"
    write_text(
        out / "statistics" / "zensus" / "zensus2022_100m.csv",
        csv_text(
            ZENSUS_HEADER,
            [ids, (Z.E + 50).astype(str).to_numpy(), (Z.N + 50).astype(str).to_numpy(), val],
        ),
    )
    return Z
