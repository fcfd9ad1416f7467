"""Measure KPIs, traffic lights, rolling view and goal view, computed by hand (DESIGN §6, §8).

Two planned measures over January to March 2025, plus one that never reports and one that
reports without being planned:

- M-1 (TR-01): areas SR-A and SR-B, age 0–5, capacity 40; targets participants 35, reach 5 %,
  cost per participant max 150 EUR, satisfaction top-2 80 %. February is missing.
- M-2 (TR-02): area SR-A, age 18–64, capacity 20; targets participants 20, cost max 200 EUR.
- M-3 (TR-03): planned, never reports.  M-X (TR-09): reports in February only, not planned.

M-1's first-quarter survey has 5 answers (exactly the minimum n of 5), M-2's has 3 (below it).
Capacities taken from a facility have their own measures M-4 … M-9 further down.
"""

import datetime as dt

import pandas as pd
import pytest

from assets.controlling.kpis import FACILITY_COLUMNS, compute_measure_kpis
from assets.controlling.status import (
    attainment,
    compute_kpi_status,
    goal_measure_status,
    goal_measure_status_by_month,
    light,
    rolling_kpi_status,
)
from assets.controlling.target_population import age_selection
from assets.planning import Goal, Goals, Measure, Target, load_goals
from assets.settings import DEFAULTS

AGS = "05999000"
MONTHS = ["2025-01", "2025-02", "2025-03"]
LIGHTS = DEFAULTS["traffic_light"]  # green 100, yellow 80

GOALS = Goals(
    goals=[
        Goal(
            "G1",
            "Kinderarmut senken",
            "child_poverty",
            dt.date(2023, 12, 31),
            dt.date(2028, 12, 31),
            18.0,
            ["M-1", "M-2", "M-3"],
        )
    ],
    measures=[
        Measure(
            "M-1",
            "TR-01",
            "Frühe Hilfen",
            ["SR-A", "SR-B"],
            0,
            5,
            40.0,
            {
                "participants": Target("target", 35.0),
                "reach": Target("target", 5.0),
                "cost_per_participant": Target("max", 150.0),
                "satisfaction_top2": Target("target", 80.0),
            },
        ),
        Measure(
            "M-2",
            "TR-02",
            "Beschäftigung",
            ["SR-A"],
            18,
            64,
            20.0,
            {
                "participants": Target("target", 20.0),
                "cost_per_participant": Target("max", 200.0),
            },
        ),
        Measure("M-3", "TR-03", "Stille Maßnahme", ["SR-B"], 65, 99, 10.0, {}),
    ],
)


def report(provider, measure, month, area, participants, target_group, new, hours, cost):
    return dict(
        provider_id=provider,
        measure_id=measure,
        month=dt.date.fromisoformat(f"{month}-01"),
        area_id=area,
        municipality_ags=AGS,
        participants=float(participants),
        target_group_participants=float(target_group),
        new_participants=float(new),
        hours=float(hours),
        cost_eur=float(cost),
    )


REPORTS = pd.DataFrame(
    [
        report("TR-01", "M-1", "2025-01", "SR-A", 20, 14, 5, 40, 2000),
        report("TR-01", "M-1", "2025-01", "SR-B", 15, 7, 3, 30, 1500),
        report("TR-01", "M-1", "2025-03", "SR-A", 20, 20, 4, 50, 3000),
        report("TR-01", "M-1", "2025-03", "SR-B", 8, 8, 1, 20, 1200),
        report("TR-02", "M-2", "2025-01", "SR-A", 20, 18, 2, 60, 5000),
        report("TR-02", "M-2", "2025-02", "SR-A", 15, 12, 1, 45, 3000),
        report("TR-02", "M-2", "2025-03", "SR-A", 19, 19, 3, 57, 4750),
        report("TR-09", "M-X", "2025-02", "SR-B", 10, 5, 10, 20, 0),
    ]
)


def answers(measure, date, values, provider="TR-01"):
    return [
        dict(
            provider_id=provider,
            measure_id=measure,
            survey_date=dt.date.fromisoformat(date),
            question_id="F1",
            answer=float(v),
        )
        for v in values
    ]


RESPONSES = pd.DataFrame(
    answers("M-1", "2024-12-31", [1])  # Q4 2024: not in the first quarter
    + answers("M-1", "2025-01-15", [1, 2, 2, 3])
    + answers("M-1", "2025-03-31", [5])
    + answers("M-1", "2025-04-01", [1])  # Q2: not in the first quarter
    + answers("M-2", "2025-02-20", [2, 4, 1], "TR-02")  # Q1: n = 3, below min_survey_n 5
)


def population_rows(date, values):
    return [
        dict(municipality_ags=AGS, area_id=area, reference_date=dt.date.fromisoformat(date),
             code=code, value=float(value))
        for (area, code), value in values.items()
    ]  # fmt: skip


STICHTAG_2024 = {
    ("SR-A", "EW_U3"): 100,
    ("SR-A", "EW_3_5"): 150,
    ("SR-A", "EW_15_64"): 1000,
    ("SR-A", "EW_15_17"): 80,
    ("SR-A", "EW_18_24"): 120,
    ("SR-B", "EW_U3"): 200,
    ("SR-B", "EW_3_5"): 250,
}
POPULATION = pd.DataFrame(
    population_rows("2023-12-31", {k: 1 for k in STICHTAG_2024})  # older: not used in 2025
    + population_rows("2024-12-31", STICHTAG_2024)
    + population_rows("2025-12-31", {k: 9999 for k in STICHTAG_2024})  # later: not used
)
NO_FACILITIES = pd.DataFrame(columns=FACILITY_COLUMNS)


@pytest.fixture(scope="module")
def kpis():
    return compute_measure_kpis(
        REPORTS, RESPONSES, POPULATION, NO_FACILITIES, GOALS, MONTHS
    ).set_index(["measure_id", "month"])


def row(frame, measure, month):
    return frame.loc[(measure, dt.date.fromisoformat(f"{month}-01"))]


def test_measure_spanning_two_areas_sums_areas_before_ratios(kpis):
    jan = row(kpis, "M-1", "2025-01")
    # participants 20 + 15 = 35, target group 14 + 7 = 21, new 5 + 3 = 8, hours 40 + 30 = 70,
    # cost 2000 + 1500 = 3500
    assert jan[["participants", "target_group_participants", "new_participants"]].tolist() == [
        35,
        21,
        8,
    ]
    assert jan["hours"] == 70 and jan["cost_eur"] == 3500
    assert jan["report_status"] == "reported" and jan["provider_id"] == "TR-01"
    assert jan["utilisation"] == pytest.approx(87.5)  # 35 / 40 × 100
    assert jan["cost_per_participant"] == pytest.approx(100.0)  # 3500 / 35
    # target population 0–5 in SR-A + SR-B at 31.12.2024: 100 + 150 + 200 + 250 = 700
    assert jan["target_population"] == 700
    assert jan["population_date"] == dt.date(2024, 12, 31)
    assert jan["reach"] == pytest.approx(3.0)  # 21 / 700 × 100


def test_reach_of_a_derived_age_band(kpis):
    jan = row(kpis, "M-2", "2025-01")
    # 18–64 = EW_18_24 + (EW_15_64 − EW_15_17 − EW_18_24) = 1000 − 80 = 920 in SR-A
    assert jan["target_population"] == 920
    assert jan["reach"] == pytest.approx(18 / 920 * 100)  # 1.9565…
    assert jan["cost_per_participant"] == pytest.approx(250.0)  # 5000 / 20
    assert jan["utilisation"] == pytest.approx(100.0)  # 20 / 20


def test_missing_report_is_null_not_zero(kpis):
    feb = row(kpis, "M-1", "2025-02")
    assert feb["report_status"] == "missing"
    assert feb[["participants", "cost_eur", "utilisation", "reach"]].isna().all()
    assert feb["capacity"] == 40  # the plan is known even without a report
    assert "kein Bericht" in feb["note"]


def test_never_reporting_planned_measure_is_missing_every_month(kpis):
    silent = kpis.loc["M-3"]
    assert len(silent) == 3 and (silent["report_status"] == "missing").all()
    assert silent["participants"].isna().all() and (silent["provider_id"] == "TR-03").all()


def test_unplanned_measure_gets_kpis_from_its_first_report_on(kpis):
    unplanned = kpis.loc["M-X"]
    # no row for January (before its first report), February reported, March missing
    assert [m.isoformat() for m in unplanned.index] == ["2025-02-01", "2025-03-01"]
    assert unplanned["report_status"].tolist() == ["reported", "missing"]
    feb = unplanned.iloc[0]
    assert pd.isna(feb["capacity"]) and pd.isna(feb["utilisation"]) and pd.isna(feb["reach"])
    assert feb["cost_per_participant"] == 0  # 0 EUR / 10 participants
    assert "nicht im Zielsystem" in feb["note"]


def test_satisfaction_takes_all_answers_of_the_calendar_quarter(kpis):
    for month in MONTHS:  # the same quarter for January to March, reported or not
        quarter = row(kpis, "M-1", month)
        # Q1 answers 1, 2, 2, 3, 5 (31.12.2024 and 01.04.2025 lie outside)
        assert quarter["satisfaction_n"] == 5
        assert quarter["satisfaction_mean"] == pytest.approx(2.6)  # 13 / 5
        assert quarter["satisfaction_top2"] == pytest.approx(60.0)  # 3 of 5
    no_survey = row(kpis, "M-3", "2025-01")
    assert no_survey["satisfaction_n"] == 0 and pd.isna(no_survey["satisfaction_mean"])


def test_survey_cell_below_the_minimum_n_stays_exact_internally(kpis, status):
    # M-2's first quarter: answers 2, 4, 1 → n = 3 < min_survey_n 5; the internal table keeps
    # the exact figures (only the published file suppresses them)
    assert DEFAULTS["disclosure"]["min_survey_n"] > 3
    for month in MONTHS:
        quarter = row(kpis, "M-2", month)
        assert quarter["satisfaction_n"] == 3
        assert quarter["satisfaction_mean"] == pytest.approx(7 / 3)  # (2 + 4 + 1) / 3 = 2.333…
        assert quarter["satisfaction_top2"] == pytest.approx(200 / 3)  # 2 of 3 = 66.67 %
        assert pd.isna(quarter["note"])  # not a reason for a NULL: nothing is NULL here
    # M-2 has no satisfaction target: listed with its exact value and `none`
    feb = status.loc[("M-2", dt.date(2025, 2, 1))]
    assert feb.loc["satisfaction_n", "actual"] == 3
    assert feb.loc["satisfaction_mean", "actual"] == pytest.approx(7 / 3)
    assert set(
        feb.loc[["satisfaction_n", "satisfaction_mean", "satisfaction_top2"], "traffic_light"]
    ) == {"none"}


def test_zero_divisors_give_null_not_zero():
    zero = REPORTS[REPORTS["measure_id"] == "M-2"].assign(participants=0.0, target_group_participants=0.0, new_participants=0.0)  # fmt: skip
    planned = Goals(measures=[GOALS.measures[1]])
    kpis = compute_measure_kpis(
        zero, RESPONSES.iloc[:0], POPULATION.iloc[:0], NO_FACILITIES, planned, MONTHS
    )
    assert kpis["cost_per_participant"].isna().all()
    assert (kpis["utilisation"] == 0).all()  # 0 of 20 places used is a real 0
    assert kpis["reach"].isna().all() and kpis["target_population"].isna().all()
    assert "keine Bevölkerungszahlen" in kpis["note"].iloc[0]


@pytest.mark.parametrize(
    ("age_from", "age_to", "terms", "exact"),
    [
        (0, 5, {"EW_U3": 1, "EW_3_5": 1}, True),
        (0, 14, {"EW_U3": 1, "EW_3_5": 1, "EW_6_14": 1}, True),
        (18, 64, {"EW_15_64": 1, "EW_15_17": -1}, True),
        (25, 64, {"EW_15_64": 1, "EW_15_17": -1, "EW_18_24": -1}, True),
        (65, 99, {"EW_65_79": 1, "EW_80P": 1}, True),
        (16, 20, {"EW_15_17": 1, "EW_18_24": 1}, False),
        (60, 70, {"EW_15_64": 1, "EW_15_17": -1, "EW_18_24": -1, "EW_65_79": 1}, False),
        (85, 90, {"EW_80P": 1}, False),
    ],
)
def test_age_range_maps_to_exact_codes(age_from, age_to, terms, exact):
    selection = age_selection(age_from, age_to)
    assert selection.terms == terms
    assert selection.exact is exact
    assert (selection.note(age_from, age_to) is None) is exact


def test_widened_age_range_is_noted():
    assert "überdeckenden Altersgruppen 15–24" in age_selection(16, 20).note(16, 20)


# -- traffic lights ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def status(kpis):
    return compute_kpi_status(kpis.reset_index(), GOALS, LIGHTS).set_index(
        ["measure_id", "month", "kpi"]
    )


def test_thresholds_at_exactly_80_and_100(status):
    mar = status.loc[("M-1", dt.date(2025, 3, 1))]
    # participants 20 + 8 = 28 of 35 → 80 % → yellow (inclusive)
    assert mar.loc["participants", "attainment"] == pytest.approx(80.0)
    assert mar.loc["participants", "traffic_light"] == "yellow"
    # reach 28 / 700 = 4 % of 5 % → 80 % → yellow
    assert mar.loc["reach", "actual"] == pytest.approx(4.0)
    assert mar.loc["reach", "traffic_light"] == "yellow"
    # cost (3000 + 1200) / 28 = 150 EUR under the 150 ceiling → 150 / 150 = 100 % → green
    assert mar.loc["cost_per_participant", "actual"] == pytest.approx(150.0)
    assert mar.loc["cost_per_participant", "attainment"] == pytest.approx(100.0)
    assert mar.loc["cost_per_participant", "traffic_light"] == "green"
    assert mar.loc["cost_per_participant", "target_kind"] == "max"


def test_cost_ceiling_is_polarity_aware(status):
    m2 = status.loc["M-2"]
    # January: 5000 / 20 = 250 EUR against a 200 ceiling → 200 / 250 = 80 % → yellow
    jan = m2.loc[(dt.date(2025, 1, 1), "cost_per_participant")]
    assert (jan["attainment"], jan["traffic_light"]) == (pytest.approx(80.0), "yellow")
    # February: 3000 / 15 = 200 EUR → 100 % → green; participants 15 / 20 = 75 % → red
    feb = m2.loc[dt.date(2025, 2, 1)]
    assert feb.loc["cost_per_participant", "traffic_light"] == "green"
    assert feb.loc["participants", "attainment"] == pytest.approx(75.0)
    assert feb.loc["participants", "traffic_light"] == "red"


def test_missing_report_gives_none_but_survey_keeps_its_light(status):
    feb = status.loc[("M-1", dt.date(2025, 2, 1))]
    for kpi in ("participants", "reach", "cost_per_participant"):
        assert feb.loc[kpi, "traffic_light"] == "none"
        assert pd.isna(feb.loc[kpi, "actual"]) and feb.loc[kpi, "target"] > 0
        assert feb.loc[kpi, "note"] == "kein Wert: Bericht fehlt"
    # the quarter's survey exists independently: 60 % top-2 of 80 % → 75 % → red
    assert feb.loc["satisfaction_top2", "attainment"] == pytest.approx(75.0)
    assert feb.loc["satisfaction_top2", "traffic_light"] == "red"


def test_kpis_without_target_are_listed_with_none(status):
    jan = status.loc[("M-1", dt.date(2025, 1, 1))]
    assert jan.loc["hours", "traffic_light"] == "none"
    assert jan.loc["hours", "actual"] == 70 and pd.isna(jan.loc["hours", "target"])
    assert jan.loc["hours", "note"] == "kein Ziel im Zielsystem"
    # a KPI without target and without value is not listed
    assert "hours" not in status.loc[("M-1", dt.date(2025, 2, 1))].index
    unplanned = status.loc[("M-X", dt.date(2025, 2, 1))]
    assert set(unplanned["traffic_light"]) == {"none"}


def test_attainment_edge_cases():
    actual = pd.Series([0.0, 10.0, 0.0, 5.0, None, 120.0])
    target = pd.Series([150.0, 0.0, 0.0, 0.0, 35.0, 100.0])
    kind = pd.Series(["max", "max", "target", "target", "target", "target"])
    result = attainment(actual, target, kind)
    # cost 0 under a ceiling: met → 100 (not infinity); 10 above a ceiling of 0: not met → 0;
    # 0 and 5 against a target of 0: met → 100; no actual → NULL; over-fulfilment is not capped
    assert result.iloc[:4].tolist() == [100.0, 0.0, 100.0, 100.0]
    assert pd.isna(result.iloc[4]) and result.iloc[5] == pytest.approx(120.0)
    lights = light(pd.Series([100.0, 99.999, 80.0, 79.99, None]), LIGHTS)
    assert lights.tolist() == ["green", "yellow", "yellow", "red", "none"]


# -- rolling view and goal view ------------------------------------------------------------------


def test_rolling_three_months_uses_ratios_of_sums(kpis):
    rolling = rolling_kpi_status(kpis.reset_index(), GOALS, LIGHTS).set_index(
        ["measure_id", "month", "kpi"]
    )
    m1 = rolling.loc[("M-1", dt.date(2025, 3, 1))]
    assert (m1["window_months"] == 2).all()  # January and March reported, February missing
    # participants per reported month (35 + 28) / 2 = 31.5 of 35 → 90 % → yellow
    assert m1.loc["participants", "actual"] == pytest.approx(31.5)
    assert m1.loc["participants", "traffic_light"] == "yellow"
    # cost (3500 + 4200) / (35 + 28) = 122.22 EUR (the mean of 100 and 150 would be 125)
    assert m1.loc["cost_per_participant", "actual"] == pytest.approx(7700 / 63)
    assert m1.loc["cost_per_participant", "attainment"] == pytest.approx(150 / (7700 / 63) * 100)
    # reach (21 + 28) / (700 + 700) = 3.5 % of 5 % → 70 % → red
    assert m1.loc["reach", "actual"] == pytest.approx(3.5)
    assert m1.loc["reach", "traffic_light"] == "red"
    # the quarter's 5 answers count once, not once per month
    assert m1.loc["satisfaction_n", "actual"] == 5
    assert m1.loc["satisfaction_top2", "actual"] == pytest.approx(60.0)

    m2 = rolling.loc[("M-2", dt.date(2025, 3, 1))]
    assert (m2["window_months"] == 3).all()
    # participants (20 + 15 + 19) / 3 = 18 of 20 → 90 %; cost 12750 / 54 = 236.11 EUR
    assert m2.loc["participants", "attainment"] == pytest.approx(90.0)
    assert m2.loc["cost_per_participant", "actual"] == pytest.approx(12750 / 54)
    assert m2.loc["cost_per_participant", "traffic_light"] == "yellow"  # 200 / 236.11 = 84.7 %
    # utilisation Σ participants / Σ capacity = 54 / 60
    assert m2.loc["utilisation", "actual"] == pytest.approx(90.0)
    # the first month has no earlier months in `kpis`
    assert (rolling.loc[("M-2", dt.date(2025, 1, 1)), "window_months"] == 1).all()


def test_rolling_window_without_reports_is_none(kpis):
    rolling = rolling_kpi_status(kpis.reset_index(), GOALS, LIGHTS)
    silent = rolling[rolling["measure_id"] == "M-3"]
    assert (silent["window_months"] == 0).all() and set(silent["traffic_light"]) == {"none"}


def test_goal_view_counts_lights_of_targeted_kpis(status):
    view = goal_measure_status(GOALS, status.reset_index(), "2025-03").set_index("measure_id")
    # M-1 in March: participants yellow, reach yellow, cost green, satisfaction red
    assert view.loc["M-1", ["green", "yellow", "red", "none"]].tolist() == [1, 2, 1, 0]
    assert view.loc["M-1", "worst_light"] == "red"
    # M-2: participants 19 / 20 = 95 % yellow, cost 4750 / 19 = 250 → 80 % yellow
    assert view.loc["M-2", ["green", "yellow", "red", "none"]].tolist() == [0, 2, 0, 0]
    assert view.loc["M-2", "worst_light"] == "yellow"
    # M-3 has no targets: nothing to count
    assert view.loc["M-3", "worst_light"] == "none"
    assert (view["indicator_id"] == "child_poverty").all()
    feb = goal_measure_status(GOALS, status.reset_index(), dt.date(2025, 2, 1))
    feb = feb.set_index("measure_id")
    assert feb.loc["M-1", ["red", "none"]].tolist() == [1, 3]  # survey red, report KPIs none


# -- the vectorised paths: notes, quarters in a window, month selections --------------------------


def test_notes_name_every_reason_for_a_null():
    # SR-B's EW_U3 is secret (M-1 incomplete), SR-A's 18–64 is 0 (M-2), SR-B has no 65+ bands (M-3)
    secret = (POPULATION["area_id"] == "SR-B") & (POPULATION["code"] == "EW_U3")
    zero = (POPULATION["area_id"] == "SR-A") & (POPULATION["code"] == "EW_15_64")
    population = POPULATION.assign(
        value=POPULATION["value"].mask(secret).mask(zero, 80.0)  # 80 − EW_15_17 80 = 0
    )
    reports = REPORTS.assign(participants=REPORTS["participants"].mask(REPORTS.index == 5, 0.0))
    kpis = compute_measure_kpis(reports, RESPONSES, population, NO_FACILITIES, GOALS, MONTHS)
    notes = kpis.set_index(["measure_id", "month"])["note"]
    incomplete = (
        "Zielbevölkerung zum Stichtag 31.12.2024 unvollständig (fehlende oder geheime Werte)"
    )
    assert notes[("M-1", dt.date(2025, 1, 1))] == incomplete
    assert notes[("M-1", dt.date(2025, 2, 1))] == f"kein Bericht für diesen Monat; {incomplete}"
    assert notes[("M-2", dt.date(2025, 1, 1))] == "Zielbevölkerung ist 0: keine Reichweite"
    assert notes[("M-2", dt.date(2025, 2, 1))] == (
        "Zielbevölkerung ist 0: keine Reichweite; keine Teilnehmenden: keine Kosten je Teilnehmendem"
    )
    assert notes[("M-3", dt.date(2025, 3, 1))] == (
        "kein Bericht für diesen Monat; keine Bevölkerungszahlen zu einem Stichtag bis zum Monatsende"
    )
    assert notes[("M-X", dt.date(2025, 2, 1))] == (
        "Maßnahme nicht im Zielsystem: keine Kapazität und keine Zielbevölkerung"
    )
    assert kpis.loc[kpis["measure_id"] == "M-1", "target_population"].isna().all()


def test_months_without_anything_to_note_have_no_note():
    only_m2 = compute_measure_kpis(
        REPORTS[REPORTS["measure_id"] == "M-2"],
        RESPONSES,
        POPULATION,
        NO_FACILITIES,
        Goals(measures=[GOALS.measures[1]]),
        MONTHS,
    )
    assert len(only_m2) == 3 and only_m2["note"].isna().all()


def test_rolling_window_across_two_quarters_takes_each_quarter_once():
    april = REPORTS.iloc[[2, 3]].assign(month=dt.date(2025, 4, 1))  # M-1 repeats March in April
    kpis = compute_measure_kpis(
        pd.concat([REPORTS, april]),
        RESPONSES,
        POPULATION,
        NO_FACILITIES,
        GOALS,
        [*MONTHS, "2025-04"],
    )
    rolling = rolling_kpi_status(kpis, GOALS, LIGHTS).set_index(["measure_id", "month", "kpi"])
    apr = rolling.loc[("M-1", dt.date(2025, 4, 1))]
    assert (apr["window_months"] == 2).all()  # February missing, March and April reported
    assert apr.loc["participants", "actual"] == pytest.approx(28.0)
    # Q1 answers 1, 2, 2, 3, 5 once (February and March both repeat them) and Q2's answer 1
    assert apr.loc["satisfaction_n", "actual"] == 6
    assert apr.loc["satisfaction_mean", "actual"] == pytest.approx(14 / 6)
    assert apr.loc["satisfaction_top2", "actual"] == pytest.approx(4 / 6 * 100)


def test_rolling_view_of_selected_months_is_the_full_view_filtered(kpis):
    full = rolling_kpi_status(kpis.reset_index(), GOALS, LIGHTS)
    march = rolling_kpi_status(kpis.reset_index(), GOALS, LIGHTS, months=["2025-03"])
    expected = full[full["month"] == dt.date(2025, 3, 1)].reset_index(drop=True)
    pd.testing.assert_frame_equal(march, expected)


def test_goal_view_of_several_months_lists_month_by_month(status):
    months = ["2025-01", "2025-02", "2025-03"]
    view = goal_measure_status_by_month(GOALS, status.reset_index(), months)
    assert view["month"].tolist() == [
        dt.date.fromisoformat(f"{m}-01") for m in months for _ in range(3)
    ]
    assert view["measure_id"].tolist() == ["M-1", "M-2", "M-3"] * 3
    for month in months:
        one = goal_measure_status(GOALS, status.reset_index(), month)
        pd.testing.assert_frame_equal(
            view[view["month"] == one["month"].iloc[0]].reset_index(drop=True), one
        )


# -- capacity from goals.yaml or the measure's facility ------------------------------------------

# E-7 opens on 10.02.2025 and closes on 15.03.2025; E-8 belongs to another provider; E-9 has no
# capacity in its inventory row.
FACILITIES = pd.DataFrame(
    [
        ("E-7", "TR-01", 25.0, dt.date(2025, 2, 10), dt.date(2025, 3, 15)),
        ("E-8", "TR-02", 30.0, dt.date(2020, 1, 1), None),
        ("E-9", "TR-01", None, dt.date(2020, 1, 1), None),
    ],
    columns=FACILITY_COLUMNS,
)


def linked(measure_id, capacity, facility, line=None):
    return Measure(measure_id, "TR-01", "Kita-Plätze", ["SR-A"], 0, 5, capacity, {}, facility, line)


LINKED = Goals(
    measures=[
        linked("M-4", None, "E-7", 7),  # capacity from E-7 where it is open
        linked("M-5", 50.0, "E-7", 14),  # goals.yaml's capacity wins
        linked("M-6", None, "E-8", 21),  # another provider's facility
        linked("M-7", None, "E-0", 28),  # not in the inventory
        linked("M-8", None, None),  # neither capacity nor facility
        linked("M-9", None, "E-9", 35),  # facility without capacity
    ]
)


@pytest.fixture(scope="module")
def capacities():
    reports = pd.DataFrame(
        [
            report("TR-01", measure, month, "SR-A", participants, 0, 0, 0, 0)
            for measure in ("M-4", "M-5", "M-6", "M-7", "M-8", "M-9")
            for month, participants in zip(MONTHS, (10, 20, 15), strict=True)
        ]
    )
    kpis = compute_measure_kpis(reports, RESPONSES.iloc[:0], POPULATION, FACILITIES, LINKED, MONTHS)
    return kpis.set_index(["measure_id", "month"])


def test_capacity_comes_from_the_facility_valid_in_the_month(capacities):
    m4 = capacities.loc["M-4"]
    # January: E-7 opens on 10.02.2025, so it offered no places → NULL, never 0
    jan = m4.loc[dt.date(2025, 1, 1)]
    assert pd.isna(jan["capacity"]) and pd.isna(jan["utilisation"])
    assert jan["note"] == (
        "Einrichtung E-7 im Monat nicht in Betrieb (gültig ab 10.02.2025 bis 15.03.2025): "
        "keine Kapazität"
    )
    # February (open from the 10th) and March (open until the 15th) count E-7's 25 places
    assert m4["capacity"].tolist()[1:] == [25.0, 25.0]
    assert m4.loc[dt.date(2025, 2, 1), "utilisation"] == pytest.approx(80.0)  # 20 / 25 × 100
    assert m4.loc[dt.date(2025, 3, 1), "utilisation"] == pytest.approx(60.0)  # 15 / 25 × 100
    assert m4["note"].iloc[1:].isna().all()


def test_capacity_of_goals_yaml_wins_over_the_facility(capacities):
    m5 = capacities.loc["M-5"]
    assert (m5["capacity"] == 50).all()  # also in January, when E-7 was not open
    assert m5["utilisation"].tolist() == pytest.approx([20.0, 40.0, 30.0])  # 10, 20, 15 of 50
    assert m5["note"].isna().all()


def test_facility_link_problems_point_at_the_goals_yaml_line(capacities):
    notes = {m: capacities.loc[(m, dt.date(2025, 2, 1)), "note"] for m in ("M-6", "M-7", "M-8", "M-9")}  # fmt: skip
    assert notes == {
        "M-6": "Einrichtung E-8 (goals.yaml Zeile 21) gehört zu Träger TR-02, nicht zu TR-01: "
        "keine Kapazität",
        "M-7": "Einrichtung E-0 (goals.yaml Zeile 28) ist im Einrichtungsbestand nicht vorhanden "
        "(unbekannt oder in Quarantäne): keine Kapazität",
        "M-8": "keine Kapazität (weder capacity noch facility im Zielsystem): keine Auslastung",
        "M-9": "Einrichtung E-9 ohne Plätze (Kapazität leer oder 0): keine Auslastung",
    }
    for measure in notes:
        assert capacities.loc[measure, "capacity"].isna().all()
        assert capacities.loc[measure, "utilisation"].isna().all()
        assert (capacities.loc[measure, "participants"] > 0).all()  # the report still counts


def test_facility_line_comes_from_the_goals_yaml_file(tmp_path):
    path = tmp_path / "goals.yaml"
    path.write_text(
        "measures:\n"
        "  - id: M-4\n"
        "    provider: TR-01\n"
        "    title: Kita-Plätze\n"
        "    areas: [SR-A]\n"
        "    target_group: {age_from: 0, age_to: 5}\n"
        "    facility: E-8\n",
        encoding="utf-8",
    )
    goals = load_goals(path, set(), {"SR-A"})
    kpis = compute_measure_kpis(
        REPORTS.iloc[:0], RESPONSES.iloc[:0], POPULATION, FACILITIES, goals, ["2025-01"]
    )
    assert (
        kpis["note"]
        .iloc[0]
        .startswith(
            "kein Bericht für diesen Monat; Einrichtung E-8 (goals.yaml Zeile 7) gehört zu Träger TR-02"
        )
    )
