"""`needs_survey`: needs assessment results per area, topic and respondent group (DESIGN §6, §8).

Ratings run from 1 (low need) to 5 (high need); `share_high_need` is the percent rated 4 or 5.
Each municipality also gets city-wide rows (`area_id = 'ALL'`) from all of its answers.

The internal table keeps the exact figures of every cell. Disclosure control happens in one
place, the publish step (`assets.publish.controlling.needs_survey_sql`); here a cell with fewer
than `min_n` answers only gets the status `few_answers` and a note, so that the data team sees
which cells analysts will not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ALL_AREAS = "ALL"
KEY = ["municipality_ags", "area_id", "topic", "respondent_group"]
COLUMNS = [*KEY, "n", "mean_rating", "share_high_need", "status", "note"]
FEW_ANSWERS = "few_answers"


def aggregate_needs_survey(responses: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """Exact aggregates per area (and `ALL`), topic and respondent group; cells below `min_n`
    answers are marked, not blanked."""
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
    cells["n"] = cells["n"].astype("Int64")
    cells["share_high_need"] = cells.pop("high").astype(float) * 100
    cells["mean_rating"] = cells["mean_rating"].astype(float)
    few = cells["n"] < min_n
    cells["status"] = np.where(few, FEW_ANSWERS, "ok")
    cells["note"] = np.where(
        few, f"weniger als {min_n} Antworten: wird nicht veröffentlicht", None
    ).astype(object)
    return cells[COLUMNS].sort_values(KEY, ignore_index=True)
