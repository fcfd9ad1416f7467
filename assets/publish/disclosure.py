"""Disclosure control (Geheimhaltung) for published figures (DESIGN §6, §16 BStatG).

Applied in one place, `publish`, to every published table; thresholds come from settings
`disclosure` (`min_count` k, `min_denominator`, `min_survey_n`). The internal warehouse keeps the
exact figures.

- Primary suppression: a count of 1 … k-1 is never published (0 is: it identifies nobody). A rate
  whose denominator is below `min_denominator` is not published, and neither is its numerator
  (numerator and denominator together would give the rate back).
- Secondary suppression: a published total (the city-wide `ALL` row) minus the other published
  cells of its group must never give back a suppressed cell. Whenever a group has suppressed cells,
  at least two non-zero cells are suppressed (the next smallest non-zero cells are added); if the
  group has no second non-zero cell, the total is suppressed instead.
- A rate is NULL with `status = 'suppressed'` when its numerator or denominator is suppressed.
Suppressed means NULL plus a status, never 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SUPPRESSED = "suppressed"


def is_small_count(values: pd.Series, min_count: int) -> pd.Series:
    """True where a count lies in 1 … min_count - 1."""
    return (values > 0) & (values < min_count)


def suppress_counts(values: pd.Series, min_count: int) -> pd.Series:
    """A count column with every 1 … k-1 replaced by NULL (primary suppression only)."""
    return values.where(~is_small_count(values, min_count))


def secondary_suppression(cells: pd.Series, suppressed: pd.Series) -> tuple[pd.Series, bool]:
    """Extend the suppressed cells of one group so that none can be derived from the total.

    `cells` are the values that add up to the group's published total; `suppressed` marks the
    cells already suppressed. Returns the extended mask and whether the total must be suppressed.
    """
    suppressed = suppressed.copy()
    if not suppressed.any():
        return suppressed, False
    nonzero = cells.fillna(0) != 0
    hidden_nonzero = int((suppressed & nonzero).sum())
    if hidden_nonzero != 1:  # none hidden (zeros reveal nothing), or already two
        return suppressed, False
    candidates = cells[~suppressed & nonzero].abs().sort_values(kind="stable")
    if candidates.empty:
        return suppressed, True
    suppressed[candidates.index[0]] = True
    return suppressed, False


def protect_group_column(
    frame: pd.DataFrame,
    column: str,
    primary: pd.Series,
    group_keys: list[str],
    is_total: pd.Series,
    contributes: pd.Series,
) -> pd.Series:
    """Suppression mask of one count column after secondary suppression within its groups.

    `is_total` marks the total rows (e.g. `area_id = 'ALL'`), `contributes` the cell rows that
    entered the total. A suppressed total is simply part of the mask.
    """
    mask = primary.copy()
    group_id = frame.groupby(group_keys, sort=False, dropna=False).ngroup()
    affected = set(group_id[primary & contributes & ~is_total])
    values = frame[column]
    for _, rows in frame[group_id.isin(affected)].groupby(group_id, sort=False):
        index = rows.index
        cells = index[contributes[index].to_numpy() & ~is_total[index].to_numpy()]
        totals = index[is_total[index].to_numpy()]
        if len(totals) == 0 or totals.isin(mask[mask].index).all():
            continue
        extended, hide_total = secondary_suppression(values[cells], mask[cells])
        mask[cells] = extended
        if hide_total:
            mask[totals] = True
    return mask


def suppress_indicator_values(
    values: pd.DataFrame, min_count: int, min_denominator: float, count_numerators: set[str]
) -> pd.DataFrame:
    """Primary and secondary suppression of `indicator_values` (areas and their `ALL` rows).

    `count_numerators` names the indicators whose numerator is a head count; differences such as
    population change are not, but they still add up to their total and are protected likewise.
    Rows already `not_computable` keep that status and did not enter the total.
    """
    out = values.copy()
    ok = out["status"] == "ok"
    counts = out["indicator_id"].isin(count_numerators)
    small_denominator = ok & (out["denominator"] < min_denominator)
    numerator_primary = ok & (
        (counts & is_small_count(out["numerator"], min_count)) | small_denominator
    )
    denominator_primary = ok & is_small_count(out["denominator"], min_count)
    keys = ["municipality_ags", "reference_date", "indicator_id"]
    is_total = out["area_id"] == "ALL"
    numerator_hidden = protect_group_column(out, "numerator", numerator_primary, keys, is_total, ok)
    denominator_hidden = protect_group_column(
        out, "denominator", denominator_primary, keys, is_total, ok
    )
    hidden = numerator_hidden | denominator_hidden
    out.loc[numerator_hidden, "numerator"] = np.nan
    out.loc[denominator_hidden, "denominator"] = np.nan
    out.loc[hidden, "value"] = np.nan
    out.loc[hidden & ok, "status"] = SUPPRESSED
    return out


def suppression_counts(
    before: pd.DataFrame,
    after: pd.DataFrame,
    min_count: int,
    min_denominator: float,
    count_numerators: set[str],
) -> dict[str, int]:
    """How many numerator cells primary and secondary suppression hid (for the run's metadata)."""
    ok = before["status"] == "ok"
    counts = before["indicator_id"].isin(count_numerators)
    primary = ok & (
        (counts & is_small_count(before["numerator"], min_count))
        | (before["denominator"] < min_denominator)
    )
    hidden = ok & before["numerator"].notna() & after["numerator"].isna()
    return {
        "primary": int(primary.sum()),
        "secondary": int((hidden & ~primary).sum()),
        "rates_suppressed": int((after["status"] == SUPPRESSED).sum()),
    }
