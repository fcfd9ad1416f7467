"""Secondary suppression: by hand, and as properties over random tables (hypothesis)."""

import duckdb
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.publish.disclosure import suppressed_indicator_values

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
    con.register("cells", frame.rename_axis("_row").reset_index())
    sql = suppressed_indicator_values("cells", min_count, min_denominator, count_numerators)
    out = con.execute(f"SELECT * EXCLUDE (_primary, _secondary) FROM ({sql}) ORDER BY _row").df()
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


@settings(max_examples=300, deadline=None)
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


@settings(max_examples=150, deadline=None)
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
