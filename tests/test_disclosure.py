"""Secondary suppression: by hand, and as properties over random tables (hypothesis)."""

import duckdb
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.publish.queries import protect_consistently

K = 3


def table(numerators: list[int]) -> pd.DataFrame:
    """Areas with their counts and the published city-wide total ('ALL')."""
    areas = pd.DataFrame(
        {
            "area_id": [f"A{i}" for i in range(len(numerators))],
            "numerator": [float(n) for n in numerators],
        }
    )
    total = pd.DataFrame({"area_id": ["ALL"], "numerator": [float(sum(numerators))]})
    frame = pd.concat([areas, total], ignore_index=True)
    return frame.assign(
        municipality_ags="05999000",
        reference_date="2025-12-31",
        indicator_id="child_poverty",
        denominator=1000.0,
        value=frame["numerator"] / 10,
        status="ok",
    )


def protect(
    frame: pd.DataFrame, min_count: int, min_denominator: float, count_numerators: set[str]
) -> pd.DataFrame:
    """`frame` after disclosure control, run by DuckDB as in publishing; rows and index kept."""
    con = duckdb.connect()
    # which count a figure is (`SHARED_COUNTS_SQL`): unless the frame says otherwise, each
    # indicator has counts of its own, dated by the reference date
    frame = frame.assign(
        **{
            column: frame.get(column, default)
            for column, default in [
                ("_numerator_count", "N_" + frame["indicator_id"]),
                ("_denominator_count", "D_" + frame["indicator_id"]),
                ("denominator_date", pd.to_datetime(frame["reference_date"])),
            ]
        }
    )
    frame["reference_date"] = pd.to_datetime(frame["reference_date"])
    con.register("cells", frame.rename_axis("_row").reset_index())
    disclosure = {"min_count": min_count, "min_denominator": min_denominator}
    protect_consistently(con, "cells", disclosure, count_numerators)
    out = con.execute(
        "SELECT * EXCLUDE (_primary, _secondary, _hidden_numerator, _hidden_denominator, "
        "_numerator_count, _denominator_count, denominator_date) FROM _protected ORDER BY _row"
    ).df()
    con.close()
    return out.set_index("_row").rename_axis(frame.index.name)


def published(frame: pd.DataFrame) -> pd.DataFrame:
    return protect(frame, K, 20, {"child_poverty"})


def test_one_small_cell_takes_the_next_smallest_non_zero_cell_with_it():
    # cells 2 (primary), 0, 7, 5, 40; total 54. 54 - (0 + 7 + 40) = 7 ≠ 2, and
    # 54 - (0 + 7 + 5 + 40) would give back 2, so 5 (the next smallest non-zero) is suppressed.
    out = published(table([2, 0, 7, 5, 40]))
    assert out["numerator"].isna().tolist() == [True, False, False, True, False, False]
    assert out.loc[[0, 3], "status"].tolist() == ["suppressed", "suppressed"]
    assert out.loc[1, "numerator"] == 0  # a zero is published: it identifies nobody


def test_two_small_cells_need_nothing_more():
    out = published(table([1, 2, 9, 30]))
    assert out["numerator"].isna().tolist() == [True, True, False, False, False]


def test_without_a_second_non_zero_cell_the_total_is_suppressed():
    out = published(table([2, 0, 0]))
    assert out["numerator"].isna().tolist() == [True, False, False, True]
    assert out.loc[3, "status"] == "suppressed"


def test_hidden_zero_cells_alone_need_no_partner():
    frame = table([0, 4, 6])
    frame.loc[0, "denominator"] = 10.0  # below the minimum: the zero numerator is hidden
    out = published(frame)
    assert out["numerator"].isna().tolist() == [True, False, False, False]
    assert out["status"].tolist() == ["suppressed", "ok", "ok", "ok"]


@settings(max_examples=120, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=12))
def test_no_small_count_is_published_and_no_suppressed_cell_can_be_recovered(counts):
    out = published(table(counts))
    shown = out["numerator"].dropna()
    assert not ((shown > 0) & (shown < K)).any()
    cells, total = out.iloc[:-1], out.iloc[-1]
    if pd.isna(total["numerator"]):
        return
    rest = total["numerator"] - cells["numerator"].sum()  # NULLs are skipped by the sum
    originals = pd.Series([float(c) for c in counts])
    for index in cells.index[cells["numerator"].isna()]:
        assert rest != originals[index] or originals[index] == 0
    # every hidden rate says so, and a hidden number never turns into 0
    hidden = cells["numerator"].isna()
    assert (cells.loc[hidden, "status"] == "suppressed").all()
    assert cells.loc[hidden, "value"].isna().all()


MIN_DENOMINATOR = 20
cell = st.tuples(st.integers(0, 40), st.integers(0, 60))  # (numerator, denominator)
group = st.lists(cell, min_size=1, max_size=8)


def many_groups(groups: dict[tuple[str, str], list[tuple[int, int]]]) -> pd.DataFrame:
    """Several indicators and municipalities, each group with its areas and its `ALL` row."""
    frames = []
    for (ags, indicator), cells in groups.items():
        # a cell without denominator is not computable and does not enter the total
        entered = [(n, d) for n, d in cells if d]
        numerators = [float(n) for n, _ in cells] + [float(sum(n for n, _ in entered))]
        denominators = [float(d) for _, d in cells] + [float(sum(d for _, d in entered))]
        frames.append(
            pd.DataFrame(
                {
                    "municipality_ags": ags,
                    "area_id": [f"A{i}" for i in range(len(cells))] + ["ALL"],
                    "reference_date": "2025-12-31",
                    "indicator_id": indicator,
                    "numerator": numerators,
                    "denominator": denominators,
                    "value": [
                        n / d * 100 if d else None
                        for n, d in zip(numerators, denominators, strict=True)
                    ],
                    "status": ["ok" if d else "not_computable" for d in denominators],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(["05999000", "05111000"]), st.sampled_from(["a", "b", "c"])),
        group,
        min_size=1,
        max_size=4,
    ),
    st.integers(min_value=2, max_value=5),
)
def test_properties_hold_over_several_groups_indicators_denominators_and_k(groups, k):
    frame = many_groups(groups)
    out = protect(frame, k, MIN_DENOMINATOR, {"a", "b", "c"})
    for column in ["numerator", "denominator"]:
        shown = out[column].dropna()
        assert not ((shown > 0) & (shown < k)).any(), column
    # a rate on a small denominator is never published, nor its numerator
    ok = frame["status"] == "ok"
    small_denominator = ok & (frame["denominator"] < MIN_DENOMINATOR)
    assert out.loc[small_denominator, ["numerator", "value"]].isna().all().all()
    assert (out.loc[small_denominator, "status"] == "suppressed").all()
    for _, rows in out.groupby(["municipality_ags", "indicator_id"]):
        cells, total = rows[rows["area_id"] != "ALL"], rows[rows["area_id"] == "ALL"].iloc[0]
        entered = frame.loc[cells.index, "status"] == "ok"
        for column in ["numerator", "denominator"]:
            if pd.isna(total[column]):
                continue
            shown = cells.loc[entered, column]
            rest = total[column] - shown.sum()
            originals = frame.loc[cells.index, column]
            for index in shown.index[shown.isna()]:
                assert rest != originals[index] or originals[index] == 0, (column, index)


def shared_denominators(denominators: list[int], rows: dict[str, list[int | None]]) -> pd.DataFrame:
    """Indicators over the same areas sharing one denominator per area (as unemployment,
    long-term unemployment and the dependency ratios share EW_15_64). A numerator of None is a
    secret input: the row is not computable, keeps its denominator and stays out of the total."""
    frames = []
    for indicator, numerators in rows.items():
        ok = [n is not None for n in numerators]
        total_n = sum(n for n in numerators if n is not None)
        total_d = sum(d for d, o in zip(denominators, ok, strict=True) if o)
        frames.append(
            pd.DataFrame(
                {
                    "municipality_ags": "05999000",
                    "area_id": [f"A{i}" for i in range(len(denominators))] + ["ALL"],
                    "reference_date": "2025-12-31",
                    "indicator_id": indicator,
                    "numerator": [float("nan") if n is None else float(n) for n in numerators]
                    + [float(total_n)],
                    "denominator": [float(d) for d in denominators] + [float(total_d)],
                    "status": ["ok" if o else "not_computable" for o in ok] + ["ok"],
                    "_denominator_count": "EW_15_64",  # one count, shared by every indicator
                }
            ).assign(value=lambda f: f["numerator"] / f["denominator"] * 100)
        )
    return pd.concat(frames, ignore_index=True)


def test_a_count_hidden_by_one_indicator_is_hidden_by_every_indicator_of_the_area():
    # Denominators A0 = 2 (small), A1 = 25, A2 = 30, A3 = 100, shared by indicators a and b.
    # a: all four areas enter; 2 is primary and 25 (next smallest) secondary, total 157.
    # b: A1's numerator is secret, so A1 stays out of b's total (2 + 30 + 100 = 132); on its
    #    own b would hide 2 and 30 and publish A1's 25, and a's 157 - 30 - 100 = 27 = 2 + 25
    #    would give 2 back. Hidden consistently, b hides 25 too and a hides 30 too.
    frame = shared_denominators([2, 25, 30, 100], {"a": [0, 5, 6, 9], "b": [0, None, 4, 8]})
    out = protect(frame, K, 1, {"a", "b"})
    hidden = out["denominator"].isna()
    assert frame.loc[hidden, "denominator"].tolist() == [2, 25, 30, 2, 25, 30]
    # a's published total minus its published cells: 157 - 100 = 57 = 2 + 25 + 30, three unknowns
    a = out[out["indicator_id"] == "a"]
    assert a["denominator"].iloc[-1] - a["denominator"].iloc[:-1].sum() == 57


def determined(equations: list[dict[str, float]], unknown: str) -> bool:
    """True when the linear system `equations` (unknown -> coefficient; the right-hand sides do
    not matter) fixes `unknown`: its unit vector lies in the row space of the coefficients."""
    names = sorted({name for equation in equations for name in equation} | {unknown})
    matrix = np.array([[e.get(n, 0.0) for n in names] for e in equations] or [[0.0] * len(names)])
    unit = np.array([[1.0 if n == unknown else 0.0 for n in names]])
    return np.linalg.matrix_rank(np.vstack([matrix, unit])) == np.linalg.matrix_rank(matrix)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 60), min_size=2, max_size=7).flatmap(
        lambda denominators: st.tuples(
            st.just(denominators),
            st.lists(
                st.lists(
                    st.one_of(st.none(), st.integers(0, 40)),
                    min_size=len(denominators),
                    max_size=len(denominators),
                ),
                min_size=1,
                max_size=3,
            ),
        )
    ),
    st.integers(min_value=2, max_value=4),
)
def test_shared_counts_are_hidden_alike_and_no_small_count_follows_from_all_totals(case, k):
    denominators, numerator_rows = case
    frame = shared_denominators(
        denominators, {f"i{j}": row for j, row in enumerate(numerator_rows)}
    )
    out = protect(frame, k, 1, {f"i{j}" for j in range(len(numerator_rows))})
    for column in ["numerator", "denominator"]:
        shown = out[column].dropna()
        assert not ((shown > 0) & (shown < k)).any(), column
    # consistency: an area's shared (non-zero) denominator is hidden in every row or in none
    cells = out["area_id"] != "ALL"
    for area, rows in frame[cells & (frame["denominator"] != 0)].groupby("area_id"):
        assert out.loc[rows.index, "denominator"].isna().nunique() == 1, area
    # An attacker knows every published figure and every published total. The unknowns are the
    # hidden counts: one denominator per area (shared), one numerator per indicator and area.
    # Where indicators sharing a count leave different areas out of their totals, the difference
    # of two totals can still fix a count (docs/disclosure.md: a known limit), so the
    # whole system is checked where every indicator's total covers the same areas.
    if frame["status"].ne("ok").any():
        return
    equations = []
    for _, rows in out.groupby("indicator_id"):
        original = frame.loc[rows.index]
        entered = (original["status"] == "ok") & (original["area_id"] != "ALL")
        total = rows[rows["area_id"] == "ALL"].iloc[0]
        if pd.notna(total["denominator"]):
            equations.append(
                {f"D{i}": 1.0 for i in rows.index[entered & rows["denominator"].isna()] % len(rows)}
            )
        if pd.notna(total["numerator"]):
            equations.append({f"N{i}": 1.0 for i in rows.index[entered & rows["numerator"].isna()]})
    equations = [e for e in equations if e]
    for i, d in enumerate(denominators):
        if 0 < d < k:
            assert not determined(equations, f"D{i}"), (i, d)
    for index in frame.index[cells & (frame["numerator"] > 0) & (frame["numerator"] < k)]:
        assert not determined(equations, f"N{index}"), index
