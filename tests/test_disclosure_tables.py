"""Disclosure control beyond `indicator_values`: supply, allocation, KPIs, and every published
table of a real pipeline run."""

import datetime as dt

import duckdb
import pandas as pd
import pytest

from assets.publish.controlling import (
    goal_measure_status_sql,
    kpi_status_rolling_sql,
    kpi_status_sql,
    measure_kpis_sql,
    supply_sql,
)
from assets.publish.disclosure import hidden_counts_sql
from assets.publish.queries import COUNT_NUMERATORS, allocation_sql, write_indicator_values
from tests.test_pipeline import run_refresh

K, MIN_DENOMINATOR, MIN_SURVEY_N = 3, 20, 5
AGS = "05999000"
STICHTAG = dt.date(2025, 12, 31)


def run(tables: dict[str, pd.DataFrame], sql: str) -> pd.DataFrame:
    con = duckdb.connect()
    for name, frame in tables.items():
        con.register(name, frame)
    out = con.execute(sql).df()
    con.close()
    return out


NO_HIDDEN = pd.DataFrame({"municipality_ags": [AGS], "area_id": ["none"], "value": [-1.0]})


def supply_rows(offer_type: str, targets: list[float], capacities: list[float]) -> pd.DataFrame:
    rate = sum(capacities) / sum(targets) * 1000
    return pd.DataFrame(
        {
            "municipality_ags": AGS,
            "area_id": [f"A{i}" for i in range(len(targets))],
            "reference_date": STICHTAG,
            "offer_type": offer_type,
            "target_population": targets,
            "facilities": [1] * len(targets),
            "capacity": capacities,
            "places_per_1000": [
                c / t * 1000 if t else None for c, t in zip(capacities, targets, strict=True)
            ],
            "share_within_distance": 50.0,  # percent
            "gap": True,
            "gap_rank": range(1, len(targets) + 1),
            "municipality_places_per_1000": rate,
            "unserved": [t * 0.5 for t in targets],
            "gap_reason": f"Gemeindewert {rate:.1f}",
        }
    )


def test_supply_no_longer_gives_back_a_hidden_target_population():
    # kita: target populations 1, 50, 80, 200 (Σ 331), capacities 1, 10, 20, 40 (Σ 71).
    # Before: Σ capacity / municipal rate × 1000 − Σ published = 331 − 330 = 1, the hidden cell.
    supply = supply_rows("kita", [1.0, 50.0, 80.0, 200.0], [1.0, 10.0, 20.0, 40.0])
    out = run({"supply": supply, "hidden": NO_HIDDEN}, supply_sql(K, MIN_DENOMINATOR, "hidden"))
    assert out["target_population"].isna().tolist() == [True, True, False, False]
    total = out["capacity"].sum() / out["municipality_places_per_1000"].iloc[0] * 1000
    rest = total - out["target_population"].sum()
    assert rest == pytest.approx(51.0)  # 331 − (80 + 200) = 1 + 50: no single cell comes back
    hidden = out.iloc[:2]
    assert (hidden["status"] == "suppressed").all()
    assert hidden[["places_per_1000", "unserved", "gap_reason"]].isna().all().all()
    assert (out.iloc[2:]["status"] == "ok").all()


def test_supply_hides_the_municipal_rate_when_no_partner_cell_exists():
    # 2 and 0: the only non-zero cell is hidden, so the total (the municipal rate) goes instead
    supply = supply_rows("kita", [2.0, 0.0], [5.0, 0.0])
    out = run({"supply": supply, "hidden": NO_HIDDEN}, supply_sql(K, MIN_DENOMINATOR, "hidden"))
    assert out["municipality_places_per_1000"].isna().all()
    assert out["gap_reason"].isna().all() and (out["status"] == "suppressed").all()


def test_supply_rate_on_a_small_target_population_is_not_published():
    # 12 children: a count (>= k) but below the minimum denominator 20; 10 / 12 × 1000 = 833.3
    supply = supply_rows("familienzentrum", [12.0, 400.0, 500.0], [10.0, 40.0, 60.0])
    out = run({"supply": supply, "hidden": NO_HIDDEN}, supply_sql(K, MIN_DENOMINATOR, "hidden"))
    small = out.iloc[0]
    assert small["target_population"] == 12 and pd.isna(small["places_per_1000"])
    assert small["status"] == "suppressed" and pd.isna(small["unserved"])
    assert out["municipality_places_per_1000"].notna().all()  # nothing hidden that sums up
    assert out.iloc[1]["places_per_1000"] == pytest.approx(100.0)  # 40 / 400 × 1000


def test_a_count_hidden_in_indicator_values_is_hidden_in_supply_too():
    # child poverty A3: denominator (children under 15) 400 hidden by secondary suppression; the
    # Familienzentrum target population of A3 is the same 400 and must not be published either.
    # Supply on its own would have picked 90 (the next smallest) as the partner of A0's 2 and
    # published 400, which with indicator_values' total would give the 2 back there.
    internal = pd.DataFrame(
        {
            "municipality_ags": AGS,
            "area_id": ["A0", "A3"],
            "reference_date": STICHTAG,
            "indicator_id": "child_poverty",
            "numerator": [1.0, 20.0],
            "denominator": [2.0, 400.0],
            "status": "ok",
        }
    )
    published = internal.assign(numerator=None, denominator=None, status="suppressed")
    supply = supply_rows("familienzentrum", [2.0, 90.0, 300.0, 400.0], [0.0, 10.0, 30.0, 40.0])
    con = duckdb.connect()
    for name, frame in {"published": published, "internal": internal, "supply": supply}.items():
        con.register(name, frame)
    con.execute(f"CREATE TABLE hidden AS {hidden_counts_sql('published', 'internal')}")
    out = con.execute(supply_sql(K, MIN_DENOMINATOR, "hidden")).df()
    con.close()
    assert out["target_population"].isna().tolist() == [True, False, False, True]


def test_allocation_hides_basis_count_share_and_amount_with_a_partner():
    # weights = basis count × class weight 1: 2, 10, 30, 0; budget 1,000 split 48, 238, 714, 0
    # (1000 × 2/42 = 47.6, 1000 × 10/42 = 238.1, 1000 × 30/42 = 714.3; the spare euro to .6)
    allocation = pd.DataFrame(
        {
            "municipality_ags": AGS,
            "area_id": ["A", "B", "C", "D"],
            "reference_date": STICHTAG,
            "basis": "child_poverty",
            "basis_count": [2.0, 10.0, 30.0, 0.0],
            "status_class": "medium",
            "class_weight": 1.0,
            "weight": [2.0, 10.0, 30.0, 0.0],
            "share": [100 * 2 / 42, 100 * 10 / 42, 100 * 30 / 42, 0.0],  # percent
            "amount_eur": [48, 238, 714, 0],
            "note": None,
        }
    )
    out = run({"allocation": allocation, "hidden": NO_HIDDEN}, allocation_sql(K, "hidden"))
    hidden = out[["basis_count", "weight", "share", "amount_eur"]].isna().all(axis=1)
    assert hidden.tolist() == [True, True, False, False]
    assert out["status"].tolist() == ["suppressed", "suppressed", "ok", "ok"]
    # budget − published amounts = 1000 − 714 = 286 = 48 + 238: A's amount does not come back
    assert 1000 - out["amount_eur"].sum() == 286


def kpis(**columns) -> pd.DataFrame:
    base = {
        "measure_id": "M-1",
        "month": dt.date(2024, 6, 1),
        "provider_id": "TR-01",
        "report_status": "reported",
        "participants": 20.0,
        "target_group_participants": 10.0,
        "new_participants": 5.0,
        "hours": 40.0,
        "cost_eur": 1000.0,
        "capacity": 25.0,
        "utilisation": 80.0,
        "reach": 2.0,
        "cost_per_participant": 50.0,
        "satisfaction_mean": 4.0,
        "satisfaction_top2": 75.0,
        "satisfaction_n": 8,
        "target_population": 500.0,
        "population_date": STICHTAG,
        "note": None,
    }
    return pd.DataFrame([base | columns])


def status_rows(kpi_rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure_id": kpi_rows["measure_id"].iloc[0],
            "month": kpi_rows["month"].iloc[0],
            "kpi": ["satisfaction_top2", "satisfaction_n", "participants", "reach"],
            "actual": [
                kpi_rows[c].iloc[0]
                for c in ["satisfaction_top2", "satisfaction_n", "participants", "reach"]
            ],
            "target": [80.0, None, 15.0, 1.0],
            "target_kind": ["target", None, "target", "target"],
            "attainment": [93.75, None, 133.3, 200.0],
            "traffic_light": ["yellow", "none", "green", "green"],
            "note": None,
        }
    )


def publish_kpis(kpi_rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    con = duckdb.connect()
    con.register("measure_kpis", kpi_rows)
    con.register("kpi_status", status_rows(kpi_rows))
    con.execute("CREATE TABLE pub_kpis AS " + measure_kpis_sql(K, MIN_SURVEY_N, MIN_DENOMINATOR))
    columns = [r[0] for r in con.execute("DESCRIBE pub_kpis").fetchall()]
    status = con.execute(kpi_status_sql("pub_kpis", columns)).df().set_index("kpi")
    published = con.execute("SELECT * FROM pub_kpis").df()
    con.close()
    return published.iloc[0], status


def test_satisfaction_below_min_n_is_published_blank_with_light_none():
    # 4 answers: n itself is a count >= k and stays; mean and top-2 need 5 answers
    row, status = publish_kpis(kpis(satisfaction_n=4))
    assert row["satisfaction_n"] == 4 and row["status"] == "suppressed"
    assert pd.isna(row["satisfaction_mean"]) and pd.isna(row["satisfaction_top2"])
    top2 = status.loc["satisfaction_top2"]
    assert pd.isna(top2["actual"]) and pd.isna(top2["attainment"])
    assert top2["traffic_light"] == "none" and top2["status"] == "suppressed"
    assert status.loc["participants", "traffic_light"] == "green"


def test_small_satisfaction_n_and_reach_on_a_small_target_population_are_hidden():
    row, status = publish_kpis(kpis(satisfaction_n=2, target_population=15.0))
    assert pd.isna(row["satisfaction_n"])  # 2 answers: a count in 1 … k-1
    assert pd.isna(status.loc["satisfaction_n", "actual"])  # kpi_status does not reveal it
    # reach 10 / 15 on 15 < 20 people, and its numerator, which with 15 would give it back
    assert pd.isna(row["reach"]) and pd.isna(row["target_group_participants"])
    assert pd.isna(status.loc["reach", "actual"])
    assert row["participants"] == 20


def test_a_rolling_figure_is_hidden_when_a_month_of_its_window_is():
    months = [dt.date(2024, m, 1) for m in (6, 7, 8, 9, 10)]
    rolling = pd.DataFrame(
        {
            "measure_id": "M-1",
            "month": months,
            "kpi": "participants",
            "actual": [20.0, 20.0, 20.0, 20.0, 20.0],
            "target": None,
            "target_kind": None,
            "attainment": None,
            "traffic_light": "none",
            "note": None,
            "window_months": 3,
        }
    )
    # July's participants are hidden in kpi_status: the windows ending July, August and
    # September contain it; June's window and October's (August–October) do not
    published = pd.DataFrame(
        {
            "measure_id": "M-1",
            "month": months,
            "kpi": "participants",
            "status": ["ok", "suppressed", "ok", "ok", "ok"],
        }
    )
    measure_kpis = pd.concat([kpis(month=m) for m in months], ignore_index=True)
    out = run(
        {"kpi_status_rolling": rolling, "published": published, "measure_kpis": measure_kpis},
        kpi_status_rolling_sql("published", K, MIN_SURVEY_N, MIN_DENOMINATOR),
    )
    assert out["actual"].isna().tolist() == [False, True, True, True, False]


def test_batches_take_municipality_keys_as_parameters():
    # a key with a quote and SQL in it is data, never SQL
    con = duckdb.connect()
    odd = "05'; DROP TABLE indicator_values; --"
    con.execute(
        """CREATE TABLE indicator_values AS SELECT * FROM (VALUES
        (?, 'A', DATE '2025-12-31', 'child_poverty', 10.0, 100.0, 10.0, 'ok', NULL,
         DATE '2025-12-31'),
        (NULL, 'A', DATE '2025-12-31', 'child_poverty', 2.0, 100.0, 2.0, 'ok', NULL,
         DATE '2025-12-31')
        ) t(municipality_ags, area_id, reference_date, indicator_id, numerator, denominator,
            value, status, note, denominator_date)""",
        [odd],
    )
    con.execute("""CREATE TABLE indicator_catalog AS
                   SELECT 'child_poverty' AS indicator_id, 'SGB2_NEF_U15' AS numerator,
                          'EW_U15' AS denominator""")
    con.execute("CREATE TABLE out AS SELECT * FROM indicator_values LIMIT 0")
    rows, counts = write_indicator_values(
        con, "out", {"min_count": K, "min_denominator": MIN_DENOMINATOR}
    )
    assert rows == 2 and counts["primary"] == 1
    assert con.execute("SELECT count(*) FROM indicator_values").fetchone()[0] == 2
    con.close()


# published head counts, per table: column -> SQL condition on the rows it applies to
COUNT_COLUMNS = {
    "areas": {"population": "true"},
    "indicator_values": {
        "denominator": "true",
        "numerator": "indicator_id IN ({})".format(
            ", ".join(f"'{i}'" for i in sorted(COUNT_NUMERATORS))
        ),
    },
    "allocation": {"basis_count": "true"},
    "supply": {"target_population": "true"},
    "measure_kpis": dict.fromkeys(
        [
            "participants",
            "target_group_participants",
            "new_participants",
            "satisfaction_n",
            "target_population",
        ],
        "true",
    ),
    "kpi_status": {
        "actual": "kpi IN ('participants', 'target_group_participants', 'new_participants', "
        "'satisfaction_n')"
    },
    "kpi_status_rolling": {
        "actual": "kpi IN ('participants', 'target_group_participants', 'new_participants', "
        "'satisfaction_n')"
    },
    "needs_survey": {"n": "true"},
}
# no head counts of people: places, file rows, numbers of measures, rates and index values;
# indicator numerators that are differences (population change) are exempt above
EXEMPT = {
    "indicator_catalog",
    "facilities",
    "social_index",
    "goal_progress",
    "data_quality",
    "metadata",
    "measures",
    "goal_measure_status",
}


@pytest.mark.slow
def test_no_published_table_of_a_pipeline_run_holds_a_count_in_1_to_k_minus_1(tiny_root, tmp_path):
    assert run_refresh(tiny_root, tmp_path / "wh").success
    con = duckdb.connect(str(tmp_path / "wh" / "sozialplanung.duckdb"), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == set(COUNT_COLUMNS) | EXEMPT  # a new table must be classified here
    for table, columns in COUNT_COLUMNS.items():
        for column, applies in columns.items():
            small = con.execute(
                f"SELECT count(*) FROM {table} WHERE ({applies}) AND {column} > 0 "
                f"AND {column} < {K}"
            ).fetchone()[0]
            assert small == 0, f"{table}.{column}"
    # the tiny root's SR-E has SGB II count 2 and 2 children under 15: hidden where published
    assert (
        con.execute(
            "SELECT count(*) FROM indicator_values WHERE area_id = 'SR-E' AND status = 'suppressed'"
        ).fetchone()[0]
        > 0
    )
    con.close()


def test_the_goal_view_counts_only_the_lights_the_published_kpi_status_shows():
    """Internally M-1's satisfaction on 3 answers is red; published it is `none` (too few
    answers), so the published goal row counts 1 green, 0 red, 1 none, and its worst light is
    green, not red. M-2 has no KPI row in the month: zeros and `none`."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE goal_measure_status AS SELECT * FROM (VALUES
        ('G1', 'Kinderarmut senken', 'child_poverty', 'M-1', DATE '2025-03-01', 1, 0, 1, 0, 'red'),
        ('G1', 'Kinderarmut senken', 'child_poverty', 'M-2', DATE '2025-03-01', 0, 0, 0, 0, 'none'))
        t(goal_id, goal_title, indicator_id, measure_id, month, green, yellow, red, "none",
          worst_light)""")
    con.execute("""CREATE TABLE published_status AS SELECT * FROM (VALUES
        ('M-1', DATE '2025-03-01', 'participants', 30.0, 30.0, 'green'),
        ('M-1', DATE '2025-03-01', 'satisfaction_top2', NULL, 80.0, 'none'),
        ('M-1', DATE '2025-03-01', 'hours', 12.0, NULL, 'none'),
        ('M-1', DATE '2025-02-01', 'participants', 10.0, 30.0, 'red'))
        t(measure_id, month, kpi, actual, target, traffic_light)""")
    rows = con.execute(goal_measure_status_sql("published_status")).fetchall()
    con.close()
    march = dt.date(2025, 3, 1)
    assert rows == [
        ("G1", "Kinderarmut senken", "child_poverty", "M-1", march, 1, 0, 0, 1, "green"),
        ("G1", "Kinderarmut senken", "child_poverty", "M-2", march, 0, 0, 0, 0, "none"),
    ]
