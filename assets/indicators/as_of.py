"""Which delivered date stands for a month that needs a figure it was not delivered for.

The Bundesagentur's small-area product (AkG) is delivered for March, June, September and
December only (SPEC §1.1), others deliver monthly; indicators are kept at the dates delivered.
Where a month needs a figure anyway (the social index and the allocation on a population
Stichtag), the latest delivered month at or before it stands for it, at most `MAX_AGE_MONTHS`
months older: a quarter's figure covers the two months up to the next delivery and one more for
a late delivery. Older figures are not used and nothing is interpolated; the caller says which
date it used whenever it is not the month's own.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

MAX_AGE_MONTHS = 3


def window(month: pd.Period) -> list[pd.Period]:
    """The months whose delivery may stand for `month`, oldest first."""
    return [month - back for back in range(MAX_AGE_MONTHS, -1, -1)]


def latest_delivered(delivered: Iterable[pd.Period], month: pd.Period) -> pd.Period | None:
    """The latest of the `delivered` months in `window(month)`; None when there is none."""
    candidates = set(window(month)) & set(delivered)
    return max(candidates) if candidates else None


def german_date(date) -> str:
    """`30.09.2024`: how a date stands in a German note."""
    return pd.Timestamp(date).strftime("%d.%m.%Y")
