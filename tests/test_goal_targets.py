"""Per-area goal targets (issue 15.1): every area measured against its own target, hand-computed.

With one city-wide target for every area, an area that starts below a target to lower an
indicator showed positive progress for getting worse. Here each area aims for the city's
relative change (default), its own `targets_by_area` entry, or `change_pct`.
"""

import datetime as dt

import duckdb
import pandas as pd
import pytest

from assets.indicators.catalog import BY_ID
from assets.indicators.goals import compute_goal_progress
from assets.planning import Goal, PlanningError, load_goals
from assets.publish.queries import goal_progress_sql
from tests.conftest import write

M1, M2 = "05999000", "05888000"
AREAS = {"SR-01", "SR-02", "SR-03"}
MET = "Ausgangswert erfüllt das Ziel bereits"
NO_LONGER_MET = "Ausgangswert erfüllt das Ziel bereits; der aktuelle Wert verfehlt es"

# Baseline 01.01.2024, target 10.04.2024: 100 days; 10.02.2024 is day 40, so 40 % of the time.
START, END = dt.date(2024, 1, 1), dt.date(2024, 4, 10)

# (area, baseline at 31.12.2023, value at 10.02.2024), child poverty in %, municipality M1
AREA_VALUES = [
    ("ALL", 20.0, 18.0),
    ("P", 24.0, 21.0),  # improving quickly
    ("Q", 12.0, 13.0),  # getting worse
    ("R", 8.0, 10.0),  # moving away fast
    ("S", 0.0, 0.0),  # already at any target of "a quarter less"
    ("T", 0.0, 1.0),  # at the target at the start, no longer
    ("U", 16.0, 15.0),  # improving slowly
]


def values(rows=AREA_VALUES, ags=M1) -> pd.DataFrame:
    records = []
    for area, baseline, current in rows:
        records.append((ags, area, dt.date(2023, 12, 31), "child_poverty", baseline, "ok"))
        records.append((ags, area, dt.date(2024, 2, 10), "child_poverty", current, "ok"))
    return pd.DataFrame(
        records,
        columns=[
            "municipality_ags",
            "area_id",
            "reference_date",
            "indicator_id",
            "value",
            "status",
        ],
    )


def goal(value=15.0, change_pct=None, targets_by_area=None) -> Goal:
    return Goal(
        "G1",
        "Kinderarmut senken",
        "child_poverty",
        START,
        END,
        value,
        [],
        change_pct=change_pct,
        targets_by_area=targets_by_area or {},
    )


def by_area(result: pd.DataFrame, ags=M1) -> dict:
    now = result[(result.reference_date == dt.date(2024, 2, 10)) & (result.municipality_ags == ags)]
    return {r.area_id: r for r in now.itertuples()}


def check(row, target, progress, on_track, note=None):
    assert row.target == pytest.approx(target)
    if progress is None:
        assert pd.isna(row.progress)
    else:
        assert row.progress == pytest.approx(progress)
    assert (row.on_track is pd.NA) if on_track is None else (row.on_track == on_track)
    assert row.note == note


def test_default_every_area_aims_for_the_citys_relative_change():
    """City 20 → 15 is a quarter less (× 0.75): each area's target is 0.75 × its baseline."""
    rows = by_area(compute_goal_progress([goal()], values()))
    # the city keeps the goal's own target: 100 × (18 - 20) / (15 - 20) = 40 ≥ 40
    check(rows["ALL"], 15.0, 40.0, True)
    check(rows["P"], 18.0, 50.0, True)  # 100 × (21 - 24) / (18 - 24)
    check(rows["Q"], 9.0, -100 / 3, False)  # 100 × (13 - 12) / (9 - 12): worse, negative
    check(rows["R"], 6.0, -100.0, False)  # 100 × (10 - 8) / (6 - 8)
    check(rows["S"], 0.0, 100.0, True, MET)  # 0 × 0.75 = 0: met at the start and now
    check(rows["T"], 0.0, None, False, NO_LONGER_MET)  # 1 % is above its target of 0
    check(rows["U"], 12.0, 25.0, False)  # 100 × (15 - 16) / (12 - 16) < 40


def test_no_area_shows_positive_progress_for_getting_worse():
    result = by_area(compute_goal_progress([goal()], values()))
    for area, baseline, current in AREA_VALUES[1:]:
        progress = result[area].progress
        if current > baseline:  # child poverty went up
            assert pd.isna(progress) or progress < 0, area
        if current < baseline:
            assert progress > 0, area


def test_per_area_targets_are_taken_as_given_and_a_met_baseline_is_on_track():
    targets = {"P": 20.0, "Q": 14.0, "R": 9.0}
    rows = by_area(compute_goal_progress([goal(targets_by_area=targets)], values()))
    check(rows["ALL"], 15.0, 40.0, True)  # unchanged by the areas' targets
    check(rows["P"], 20.0, 75.0, True)  # 100 × (21 - 24) / (20 - 24)
    # Q starts at 12, below its target of 14 (to lower): met; 13 still meets it
    check(rows["Q"], 14.0, 100.0, True, MET)
    check(rows["R"], 9.0, None, False, NO_LONGER_MET)  # 8 met 9; 10 no longer does
    check(rows["U"], 12.0, 25.0, False)  # not listed: 0.75 × 16, as by default


def test_a_relative_target_applies_to_the_city_and_every_area():
    rows = by_area(compute_goal_progress([goal(value=None, change_pct=-10.0)], values()))
    check(rows["ALL"], 18.0, 100.0, True)  # 20 × 0.9 = 18, reached
    check(rows["P"], 21.6, 125.0, True)  # 100 × (21 - 24) / (21.6 - 24)
    check(rows["Q"], 10.8, -250 / 3, False)  # 100 × (13 - 12) / (10.8 - 12)
    check(rows["S"], 0.0, 100.0, True, MET)
    check(rows["U"], 14.4, 62.5, True)  # 100 × (15 - 16) / (14.4 - 16) ≥ 40


def test_a_goal_to_raise_reads_the_same_way():
    """City 20 → 25 (× 1.25): the direction comes from the city, an area above its own target
    has met it, and going down is negative progress."""
    targets = {"Q": 11.0}
    rows = by_area(compute_goal_progress([goal(25.0, targets_by_area=targets)], values()))
    check(rows["ALL"], 25.0, -40.0, False)  # 100 × (18 - 20) / (25 - 20)
    check(rows["P"], 30.0, -50.0, False)  # 100 × (21 - 24) / (30 - 24)
    check(rows["Q"], 11.0, 100.0, True, MET)  # 12 and 13 are above 11
    check(rows["U"], 20.0, -25.0, False)  # 100 × (15 - 16) / (20 - 16)


def test_the_ratio_is_each_municipalitys_own():
    """M2's city goes 30 → 15 (× 0.5): its area Z (12 → 9) aims for 6, 100 × 3 / 6 = 50."""
    both = pd.concat(
        [values(), values([("ALL", 30.0, 27.0), ("Z", 12.0, 9.0)], ags=M2)], ignore_index=True
    )
    result = compute_goal_progress([goal()], both)
    check(by_area(result, M2)["Z"], 6.0, 50.0, True)
    check(by_area(result, M2)["ALL"], 15.0, 20.0, False)  # 100 × (27 - 30) / (15 - 30)
    check(by_area(result, M1)["P"], 18.0, 50.0, True)


@pytest.mark.parametrize(
    ("city", "reason"),
    [(None, "kein gesamtstädtischer Ausgangswert"), (0.0, "gesamtstädtische Ausgangswert ist 0")],
)
def test_an_area_target_that_cannot_be_derived_is_null_with_a_reason(city, reason):
    rows = [("P", 24.0, 21.0)] + ([] if city is None else [("ALL", city, 1.0)])
    result = by_area(compute_goal_progress([goal()], values(rows)))
    p = result["P"]
    assert pd.isna(p.target) and pd.isna(p.progress) and p.on_track is pd.NA
    assert reason in p.note and "targets_by_area" in p.note


def test_an_explicit_area_target_needs_no_city_baseline():
    """Without the city's baseline, the direction is the indicator's: child poverty, lower is
    better."""
    rows = by_area(
        compute_goal_progress([goal(targets_by_area={"P": 18.0})], values(AREA_VALUES[1:]))
    )
    check(rows["P"], 18.0, 50.0, True)  # 100 × (21 - 24) / (18 - 24)
    assert pd.isna(rows["Q"].target) and "kein gesamtstädtischer Ausgangswert" in rows["Q"].note


# -- goals.yaml -----------------------------------------------------------------------------------

GOALS = """\
goals:
  - id: G1
    title: Kinderarmut senken
    indicator: child_poverty
    baseline: {date: 2023-12-31}
    target: {date: 2028-12-31, change_pct: -25}
  - id: G2
    title: Arbeitslosigkeit verringern
    indicator: unemployment
    baseline: {date: 2023-12-31}
    target: {date: 2028-12-31, value: 6.5}
    targets_by_area: {SR-01: 8.0, SR-03: 5}
"""


def test_relative_and_per_area_targets_load(tmp_path):
    g1, g2 = load_goals(write(tmp_path / "goals.yaml", GOALS), set(BY_ID), AREAS).goals
    assert (g1.target_value, g1.change_pct, g1.targets_by_area) == (None, -25.0, {})
    assert (g2.target_value, g2.change_pct) == (6.5, None)
    assert g2.targets_by_area == {"SR-01": 8.0, "SR-03": 5.0}


BROKEN = """\
goals:
  - id: G1
    title: Kinderarmut senken
    indicator: child_poverty
    baseline: {date: 2023-12-31}
    target: {date: 2028-12-31, value: 15.0, change_pct: -25}
    targets_by_area: {SR-01: 8.0, SR-99: 5, SR-01: 7, SR-02: viel}
  - id: G2
    title: Arbeitslosigkeit
    indicator: unemployment
    baseline: {date: 2023-12-31}
    target: {date: 2028-12-31}
    targets_by_area: [SR-01, 8.0]
  - id: G3
    title: SGB II
    indicator: sgb2_quota
    baseline: {date: 2023-12-31}
    target: {date: 2028-12-31, change_pct: 0}
  - id: G4
    title: SGB II
    indicator: sgb2_quota
    baseline: {date: 2023-12-31}
    target: {date: 2028-12-31, max: 10, change_pct: -150}
"""


def test_target_kinds_and_area_targets_are_validated_with_their_lines(tmp_path):
    path = write(tmp_path / "goals.yaml", BROKEN)
    with pytest.raises(PlanningError) as error:
        load_goals(path, set(BY_ID), AREAS)
    # in the order of the file; on one line in the order of the text
    assert str(error.value).splitlines()[1:] == [
        f"{path}:6: Ziel G1: target braucht genau eins von value oder change_pct",
        f"{path}:7: Ziel G1, targets_by_area.SR-02: erwartet eine Zahl",
        f"{path}:7: Ziel G1, targets_by_area: Gebiet 'SR-01' doppelt",
        f"{path}:7: Ziel G1, targets_by_area: unbekanntes Gebiet 'SR-99'",
        f"{path}:12: Ziel G2: target braucht genau eins von value oder change_pct",
        f"{path}:13: Ziel G2, targets_by_area: erwartet eine Zuordnung (Gebiet: Zielwert)",
        f"{path}:18: Ziel G3, target.change_pct: erwartet eine Veränderung in Prozent ab -100, "
        "nicht 0",
        f"{path}:23: Ziel G4, target.change_pct: erwartet eine Veränderung in Prozent ab -100, "
        "nicht 0",
        f"{path}:23: Ziel G4, target: unbekannter Schlüssel 'max'",
    ]


# -- published: a target or note must not give a suppressed value back ---------------------------


def test_published_target_and_note_follow_the_suppressed_values():
    """An area's target is its baseline × the city's change (the ALL row shows both), so it
    gives a suppressed baseline back; the note says whether baseline and current value meet it."""
    con = duckdb.connect()
    con.execute(f"""
        CREATE TABLE goal_progress AS SELECT * FROM (VALUES
            ('G1', '{M1}', 'ALL', DATE '2024-02-10', 'child_poverty', 20.0, 18.0, 15.0, 40.0,
             true, NULL),
            ('G1', '{M1}', 'P', DATE '2024-02-10', 'child_poverty', 24.0, 21.0, 18.0, 50.0,
             true, NULL),
            ('G1', '{M1}', 'S', DATE '2024-02-10', 'child_poverty', 0.0, 0.0, 0.0, 100.0, true,
             '{MET}'),
            ('G1', '{M1}', 'T', DATE '2024-02-10', 'child_poverty', 0.0, 1.0, 0.0, NULL, false,
             '{NO_LONGER_MET}')
        ) t(goal_id, municipality_ags, area_id, reference_date, indicator_id, baseline, current,
            target, progress, on_track, note)""")
    con.execute(f"""
        CREATE TABLE published_values AS SELECT * FROM (VALUES
            ('{M1}', 'P', DATE '2024-02-10', 'child_poverty', 'suppressed'),
            ('{M1}', 'S', DATE '2024-02-10', 'child_poverty', 'suppressed'),
            ('{M1}', 'T', DATE '2024-02-10', 'child_poverty', 'suppressed')
        ) t(municipality_ags, area_id, reference_date, indicator_id, status)""")
    out = con.execute(goal_progress_sql("published_values")).df().set_index("area_id")
    # the first reference date is the baseline's: every area's baseline and current are hidden
    for area in ("P", "S", "T"):
        row = out.loc[area]
        assert row.status == "suppressed", area
        assert pd.isna(row.target) and pd.isna(row.progress) and pd.isna(row.on_track), area
        assert row.note is None or pd.isna(row.note), area
    city = out.loc["ALL"]
    assert (city.target, city.progress, city.status) == (15.0, 40.0, "ok")
