"""Quarterly Bundesagentur data (issue 18 item 5): the small-area product comes for March, June,
September and December only (SPEC §1.1). Indicators stay at the delivered Stichtage; where a
month needs a figure (the index and the allocation on a population Stichtag), the latest delivery
at most three months before stands for it and the note names its date; older is never used.

Every expected value below is computed by hand from the rows written here."""

import math

import dagster as dg
import duckdb
import pandas as pd
import pytest

from assets.indicators.as_of import latest_delivered
from assets.indicators.social_index import compute_social_index
from assets.resources import DataRoot, Warehouse
from assets.warehouse import ensure_schema, insert_frame
from checks import indicator_checks
from pipelines.definitions import defs
from pipelines.incremental import assets_to_refresh, months_to_refresh
from pipelines.jobs import REFRESH_JOB_NAME, range_tags
from tests.conftest import POPULATION_2023, make_tiny_root, write

BA = "statistics/small_area/ba_2024.csv"
SETTINGS = {
    "status_indicators": ["sgb2_quota"],
    "min_population": 300,
    "cutoffs_status": [-1.0, 1.0, 1.5],
    "cutoffs_dynamics": [-1.0, 1.0],
    "dynamics_years": 2,
}
# SGB II quota denominators (EW - EW_65P): SR-A 800, SR-B 400, SR-C 1700, SR-D 640, SR-E 30
RISING = {"SR-A": 80, "SR-B": 80, "SR-C": 510, "SR-D": 256, "SR-E": 3}  # 10, 20, 30, 40, 10 %
FALLING = {"SR-A": 320, "SR-B": 120, "SR-C": 340, "SR-D": 64, "SR-E": 3}  # 40, 30, 20, 10, 10 %
# z of 10, 20, 30, 40 % (mean 25, sample SD sqrt(500/3)): ∓15/12.91 = ∓1.1619, ∓5/12.91 = ∓0.3873
Z_OUTER, Z_INNER = 15 / math.sqrt(500 / 3), 5 / math.sqrt(500 / 3)
NEF = {"SR-A": 15, "SR-B": 8, "SR-C": 40, "SR-D": 10, "SR-E": 0}


def month(text: str) -> pd.Period:
    return pd.Period(text, freq="M")


@pytest.mark.parametrize(
    ("wanted", "used"),
    [
        ("2024-06", "2024-06"),  # a quarter month: its own delivery
        ("2024-08", "2024-06"),  # two months later: June stands for it
        ("2024-09", "2024-06"),  # three months: still June (a late September delivery)
        ("2024-10", None),  # four months: nothing, never an older figure
        ("2024-02", None),  # before the first delivery
    ],
)
def test_a_delivery_stands_for_at_most_the_three_months_after_it(wanted, used):
    delivered = {month("2024-03"), month("2024-06")}
    expected = None if used is None else month(used)
    assert latest_delivered(delivered, month(wanted)) == expected


def _values(date: str, quota: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "municipality_ags": "05999000",
            "area_id": list(quota),
            "reference_date": pd.Timestamp(date).date(),
            "indicator_id": "sgb2_quota",
            "value": list(quota.values()),
            "status": "ok",
        }
    )


def _population(*dates: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"municipality_ags": "05999000", "area_id": a, "reference_date": d, "population": p}
            for d in dates
            for a, p in (("SR-A", 1000), ("SR-B", 500), ("SR-C", 2000), ("SR-D", 800))
        ]
    )


def test_the_index_on_a_non_quarter_stichtag_uses_the_previous_quarter_and_says_so():
    values = _values("2023-12-31", {"SR-A": 10.0, "SR-B": 20.0, "SR-C": 30.0, "SR-D": 40.0})
    index, components = compute_social_index(
        values, _population("2023-12-31", "2024-01-31", "2024-04-30"), SETTINGS
    )
    by_date = {d: g.set_index("area_id") for d, g in index.groupby("reference_date")}
    exact, january, april = (
        by_date[pd.Timestamp(d).date()] for d in ("2023-12-31", "2024-01-31", "2024-04-30")
    )
    assert list(exact["status_class"]) == ["high", "medium", "medium", "low"]
    assert exact.loc["SR-D", "status_index"] == pytest.approx(Z_OUTER)
    assert not exact["note"].str.contains("Werte vom").any()
    # 31.01.2024: December's figures, with their date in every area's note
    assert list(january["status_index"]) == pytest.approx(list(exact["status_index"]))
    assert january["note"].str.contains("Werte vom 31.12.2023").all()
    january_z = components[components["reference_date"] == pd.Timestamp("2024-01-31").date()]
    assert sorted(january_z["value"]) == [10.0, 20.0, 30.0, 40.0]
    # 30.04.2024: four months after the last delivery, no status and a note that says why
    assert april["status_index"].isna().all() and april["status_class"].isna().all()
    assert april["note"].str.contains("keine Lieferung in den 3 Monaten bis zum Stichtag").all()


def make_quarterly_root(root):
    """The tiny root (conftest) with population Stichtage 31.12.2023 and 31.12.2024 and
    Bundesagentur figures only for 12/2023, 03/2024, 06/2024, 09/2024: December 2024 is not
    delivered yet (SGB II comes after a three-month wait, SPEC §1.5)."""
    make_tiny_root(root)
    lines = ["Stichtag;Raum_ID;Merkmal;Wert"]
    for year in (2023, 2024):
        for area, (ew, ew65, u15, wa) in POPULATION_2023.items():
            for code, value in (("EW", ew), ("EW_65P", ew65), ("EW_U15", u15), ("EW_15_64", wa)):
                lines.append(f"{year}-12-31;{area};{code};{value}")
    write(root / "statistics/small_area/bevoelkerung_2023.csv", "\n".join(lines) + "\n")
    write(root / BA, _ba_rows(["2023-12-31", "2024-03-31", "2024-06-30", "2024-09-30"]))
    write(root / "planning/settings.yaml", "index: {status_indicators: [sgb2_quota]}\n")
    return root


def _ba_rows(dates: list[str], header: bool = True) -> str:
    lines = ["Stichtag;Raum_ID;Merkmal;Wert"] if header else []
    for date in dates:
        quota = FALLING if date == "2024-09-30" else RISING
        for area in RISING:
            nef = NEF[area] * (2 if date == "2024-09-30" else 1)
            lines += [f"{date};{area};SGB2_LB;{quota[area]}", f"{date};{area};SGB2_NEF_U15;{nef}"]
    return "\n".join(lines) + "\n"


SELECTION = {
    dg.AssetKey(name)
    for name in (
        "areas",
        "small_area_statistics",
        "indicator_catalog",
        "indicator_values",
        "social_index",
        "allocation",
    )
}


def run(root, warehouse, first: str, last: str) -> None:
    # only the checks an asset cannot run without: the separate ones are not what is tested here
    inseparable = {check for key in SELECTION for check in defs.resolve_assets_def(key).check_keys}
    job = defs.resolve_job_def(REFRESH_JOB_NAME).get_subset(
        asset_selection=SELECTION, asset_check_selection=inseparable
    )
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(
            instance=instance,
            tags=range_tags(first, last),
            resources={
                "data_root": DataRoot(data_dir=str(root)),
                "warehouse": Warehouse(warehouse_dir=str(warehouse)),
            },
            raise_on_error=False,
        )
    assert result.success


def query(warehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse / "internal.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def quarterly(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("quarterly")
    root, warehouse = make_quarterly_root(tmp / "root"), tmp / "wh"
    run(root, warehouse, "2023-12-01", "2024-12-01")
    return root, warehouse


def test_indicators_stand_at_the_delivered_stichtage_only(quarterly):
    _, warehouse = quarterly
    dates = query(
        warehouse,
        "SELECT DISTINCT strftime(reference_date, '%Y-%m') FROM indicator_values "
        "WHERE indicator_id = 'sgb2_quota' ORDER BY 1",
    )
    assert [d for (d,) in dates] == ["2023-12", "2024-03", "2024-06", "2024-09"]
    # SR-D in September: 64 / (800 - 160) = 10 %, over the 31.12.2023 population
    assert query(
        warehouse,
        "SELECT value, denominator_date FROM indicator_values WHERE area_id = 'SR-D' "
        "AND indicator_id = 'sgb2_quota' AND reference_date = '2024-09-30'",
    ) == [(10.0, pd.Timestamp("2023-12-31").date())]


def test_the_index_on_31_12_uses_december_or_the_september_delivery_with_its_date(quarterly):
    _, warehouse = quarterly
    rows = query(
        warehouse,
        "SELECT strftime(reference_date, '%Y'), area_id, status_index, status_class, note "
        "FROM social_index WHERE area_id <> 'SR-E' ORDER BY 1, 2",
    )
    by_year = {year: [r[1:] for r in rows if r[0] == year] for year in ("2023", "2024")}
    # 2023: 10, 20, 30, 40 % (December delivered); 2024: 40, 30, 20, 10 % from 30.09.2024
    assert [r[1] for r in by_year["2023"]] == pytest.approx([-Z_OUTER, -Z_INNER, Z_INNER, Z_OUTER])
    assert [r[2] for r in by_year["2023"]] == ["high", "medium", "medium", "low"]
    assert [r[2] for r in by_year["2024"]] == ["low", "medium", "medium", "high"]
    assert all("Werte vom 30.09.2024" in r[3] for r in by_year["2024"])
    assert not any("Werte vom" in (r[3] or "") for r in by_year["2023"])
    # the allocation counts children at the delivery the index used: September's doubled NEF
    assert query(
        warehouse,
        "SELECT basis_count, note FROM allocation "
        "WHERE area_id = 'SR-A' AND reference_date = '2024-12-31'",
    ) == [(30.0, "Bedarfszahl vom 30.09.2024")]


def test_the_next_quarter_touches_its_month_on_and_the_index_takes_it(quarterly, tmp_path):
    root, _ = quarterly
    previous = (root / BA).read_bytes()
    grown = tmp_path / "root"
    make_quarterly_root(grown)
    write(grown / BA, previous.decode() + _ba_rows(["2024-12-31"], header=False))
    selected = {key.to_user_string() for key in assets_to_refresh([BA], defs.resolve_asset_graph())}
    assert {"small_area_statistics", "indicator_values", "social_index", "allocation"} <= selected
    assert months_to_refresh(grown, [BA], {BA: previous}.get) == ["2024-12"]
    # a corrected September figure: September and every later month of the root
    corrected = previous.replace(b"2024-09-30;SR-D;SGB2_LB;64", b"2024-09-30;SR-D;SGB2_LB;65")
    write(grown / BA, corrected.decode() + _ba_rows(["2024-12-31"], header=False))
    assert months_to_refresh(grown, [BA], {BA: previous}.get) == ["2024-09", "2024-12"]

    write(grown / BA, previous.decode() + _ba_rows(["2024-12-31"], header=False))
    warehouse = tmp_path / "wh"
    run(grown, warehouse, "2023-12-01", "2024-09-01")
    run(grown, warehouse, "2024-12-01", "2024-12-01")  # the incremental run's month
    rows = query(
        warehouse,
        "SELECT area_id, status_class, note FROM social_index "
        "WHERE reference_date = '2024-12-31' AND area_id <> 'SR-E' ORDER BY area_id",
    )
    # December 2024 delivered with the rising figures (10, 20, 30, 40 %): no borrowed date
    assert [r[1] for r in rows] == ["high", "medium", "medium", "low"]
    assert not any("Werte vom" in (r[2] or "") for r in rows)


@pytest.mark.parametrize(("delivered", "found"), [("2024-09-30", ["SR-A"]), ("2024-08-31", [])])
def test_the_class_check_counts_the_delivery_the_index_may_use(delivered, found):
    """A valid area without class on 31.12.2024 is found with September's values (3 months
    old); with August's (4 months) the index may not use them, so it is right to have none."""
    con = duckdb.connect()
    ensure_schema(con)
    stichtag = pd.Timestamp("2024-12-31")
    insert_frame(
        con,
        "small_area_statistics",
        pd.DataFrame(
            {"area_id": ["SR-A"], "reference_date": [stichtag], "code": "EW", "value": 1000.0}
        ),
    )
    insert_frame(
        con,
        "indicator_values",
        pd.DataFrame(
            {
                "area_id": "SR-A",
                "reference_date": pd.Timestamp(delivered),
                "indicator_id": ["sgb2_quota"],
                "value": 10.0,
                "status": "ok",
            }
        ),
    )
    insert_frame(
        con,
        "social_index",
        pd.DataFrame({"area_id": ["SR-A"], "reference_date": [stichtag], "status_class": [None]}),
    )
    assert (
        indicator_checks.valid_areas_without_status_class(con, SETTINGS)["area_id"].tolist()
        == found
    )
