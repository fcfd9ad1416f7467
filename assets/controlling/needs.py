"""`needs_survey`: needs assessment results per area, topic and respondent group (DESIGN §6, §8).

Ratings run from 1 (low need) to 5 (high need); `share_high_need` is the percent rated 4 or 5.
Each municipality also gets city-wide rows (`area_id = 'ALL'`) from all of its answers.

Disclosure control: a cell with fewer than `min_n` answers is `suppressed` and n, mean and share
are all NULL, because even n alone tells how few people of a small area took part. Since the
city-wide row is published, suppressed cells of one municipality, topic and group could be
recovered together from it; so while the suppressed cells hold fewer than `min_n` answers in
sum, the smallest published area cell is suppressed as well (secondary suppression).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ALL_AREAS = "ALL"
KEY = ["municipality_ags", "area_id", "topic", "respondent_group"]
COLUMNS = [*KEY, "n", "mean_rating", "share_high_need", "status", "note"]
_GROUP = ["municipality_ags", "topic", "respondent_group"]


def aggregate_needs_survey(responses: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """Aggregates per area (and `ALL`), topic and respondent group, with suppression applied."""
    answers = responses.assign(
        rating=responses["rating"].astype(float),
        high=responses["rating"].astype(float) >= 4,
    )
    city = answers.assign(area_id=ALL_AREAS)
    cells = (
        pd.concat([answers, city], ignore_index=True)
        .groupby(KEY)
        .agg(n=("rating", "size"), mean_rating=("rating", "mean"), high=("high", "mean"))
        .reset_index()
    )
    cells["share_high_need"] = cells.pop("high").astype(float) * 100
    cells["mean_rating"] = cells["mean_rating"].astype(float)
    cells["status"] = np.where(cells["n"] < min_n, "suppressed", "ok")
    cells["note"] = np.where(cells["n"] < min_n, f"weniger als {min_n} Antworten", None).astype(
        object
    )
    cells = _secondary_suppression(cells, min_n)
    suppressed = cells["status"] == "suppressed"
    cells["n"] = cells["n"].astype("Int64").mask(suppressed)
    cells.loc[suppressed, ["mean_rating", "share_high_need"]] = np.nan
    return cells[COLUMNS].sort_values(KEY, ignore_index=True)


def _secondary_suppression(cells: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """Suppress the smallest published area cells until no group of hidden cells is recoverable.

    Within a municipality, topic and respondent group with a published city-wide row, the
    suppressed area cells can be recovered together (city-wide minus the published cells); that
    is harmless only when they hold at least `min_n` answers in sum.
    """
    cells = cells.copy()
    suppressed = cells["status"] == "suppressed"
    is_total = cells["area_id"] == ALL_AREAS
    published_totals = cells.loc[is_total & ~suppressed, _GROUP]
    hidden_n = (
        cells[~is_total & suppressed]
        .groupby(_GROUP)["n"]
        .sum()
        .rename("hidden_n")
        .reset_index()
        .merge(published_totals, on=_GROUP)
    )
    # the published area cells of those groups, smallest first; each is suppressed while the
    # hidden answers before it (primary ones plus the smaller cells already added) stay below min_n
    candidates = (
        cells[~is_total & ~suppressed]
        .reset_index()
        .merge(hidden_n, on=_GROUP)
        .sort_values([*_GROUP, "n", "area_id"])
    )
    before = candidates.groupby(_GROUP)["n"].cumsum() - candidates["n"]
    secondary = candidates.loc[candidates["hidden_n"] + before < min_n, "index"]
    cells.loc[secondary, "status"] = "suppressed"
    cells.loc[secondary, "note"] = (
        "gesperrt, damit gesperrte Gebiete nicht aus dem Gesamtwert rückrechenbar sind"
    )
    return cells
