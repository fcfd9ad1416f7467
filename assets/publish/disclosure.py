"""Disclosure control (Geheimhaltung) for published figures (DESIGN §6).

Primary suppression: a count of 1 … k-1 is never published; a rate is not published when its
numerator is such a count or when its denominator is below the minimum. Suppressed means NULL with
`status = 'suppressed'`, never 0. The internal warehouse keeps the exact figures.
"""

from __future__ import annotations

import pandas as pd


def is_small_count(values: pd.Series, min_count: int) -> pd.Series:
    """True where a count lies in 1 … min_count - 1 (0 is publishable: nobody is identified)."""
    return (values > 0) & (values < min_count)


def suppress_indicator_values(
    values: pd.DataFrame, min_count: int, min_denominator: float, count_numerators: set[str]
) -> pd.DataFrame:
    """Apply primary suppression to `indicator_values` rows.

    `count_numerators` names the indicators whose numerator is a head count (all but
    differences such as population change). Rows already `not_computable` keep that status.
    """
    out = values.copy()
    ok = out["status"] == "ok"
    counts = out["indicator_id"].isin(count_numerators)
    small_numerator = counts & is_small_count(out["numerator"], min_count)
    small_denominator = out["denominator"] < min_denominator
    suppress = ok & (small_numerator | small_denominator)
    out.loc[suppress, "value"] = None
    out.loc[suppress, "status"] = "suppressed"
    out.loc[small_numerator, "numerator"] = None
    out.loc[is_small_count(out["denominator"], min_count), "denominator"] = None
    return out


def suppress_counts(values: pd.Series, min_count: int) -> pd.Series:
    """A count column with every 1 … k-1 replaced by NULL."""
    return values.where(~is_small_count(values, min_count))
