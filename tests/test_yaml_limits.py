"""Hostile planning YAML (settings.yaml, goals.yaml): alias bombs and unbounded values (issue 15.9).

A "billion laughs" file is a few hundred bytes whose anchors and aliases stand for 9^9 values.
PyYAML shares an aliased node, so loading alone stays small, but printing the value in an error
message expanded it (over 6 GB on a delivery). Anchors and aliases are refused with the line, and
values quoted in messages are cut short.
"""

import re
import subprocess
import sys
import textwrap

import pytest

from assets.indicators.catalog import BY_ID
from assets.planning import PlanningError, load_goals
from assets.settings import SettingsError, load_settings
from tests.conftest import REPO, write

AREAS = {"SR-01", "SR-02"}


def laughs(indent: str, levels: int = 9) -> str:
    """A billion-laughs sequence: level n lists level n-1 nine times (9^9 'lol' at the last)."""
    names = "abcdefghi"[:levels]
    lines = [f"{indent}- &a [{', '.join(['lol'] * 9)}]"]
    for before, name in zip(names, names[1:], strict=False):
        lines.append(f"{indent}- &{name} [{', '.join([f'*{before}'] * 9)}]")
    return "\n".join(lines) + "\n"


# the value lands in the message "disclosure.min_count muss eine Zahl sein, nicht <value>"
SETTINGS_BOMB = "disclosure:\n  min_count:\n" + laughs("    ")

# Runs in a child limited to 1 GiB of address space: the old code's expansion then ends in a
# MemoryError within seconds instead of taking the (shared) machine's memory.
CHILD = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    from pathlib import Path
    from assets.settings import SettingsError, load_settings
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        load_settings(Path(sys.argv[1]))
        message = "geladen"
    except SettingsError as error:
        message = str(error)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(grown_kib)
    print(message)
    """
)


def test_a_billion_laughs_settings_yaml_is_refused_in_bounded_memory(tmp_path):
    path = write(tmp_path / "planning" / "settings.yaml", SETTINGS_BOMB)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    grown_kib, message = child.stdout.split("\n", 1)
    assert int(grown_kib) < 200 * 1024  # peak RSS grew by less than 200 MiB
    assert message.splitlines()[:2] == [
        f"{path}: 81 Fehler",  # 9 anchors and 8 × 9 aliases
        f"{path}:3: YAML-Anker &a ist nicht erlaubt: Anker (&) und Verweise (*) werden in den "
        "Planungsdateien nicht gelesen, bitte den Wert an jeder Stelle ausschreiben",
    ]
    assert len(message.splitlines()) == 12  # ten listed, the rest counted


def test_every_anchor_and_alias_in_settings_is_named_with_its_line(tmp_path):
    body = "index:\n  cutoffs_dynamics: &cut [-1.0, 1.0]\n  cutoffs_status: *cut\n"
    path = write(tmp_path / "settings.yaml", body)
    with pytest.raises(SettingsError) as error:
        load_settings(path)
    lines = str(error.value).splitlines()
    assert lines[0] == f"{path}: 2 Fehler"
    assert lines[1].startswith(f"{path}:2: YAML-Anker &cut ist nicht erlaubt")
    assert lines[2].startswith(f"{path}:3: YAML-Verweis *cut ist nicht erlaubt")


def test_a_merge_key_counts_as_an_alias(tmp_path):
    body = "supply:\n  walking_distance_m: &d {kita: 400}\n  target_groups: {<<: *d}\n"
    with pytest.raises(SettingsError, match=r":3: YAML-Verweis \*d ist nicht erlaubt"):
        load_settings(write(tmp_path / "settings.yaml", body))


@pytest.mark.parametrize(
    "body",
    [
        "disclosure: {min_count: '" + "9" * 100_000 + "'}",  # a long text
        "disclosure: {min_count: [" + ", ".join(["x" * 50] * 2000) + "]}",  # a long list
        "disclosure: {min_count: {" + ", ".join(f"k{i}: {i}" for i in range(2000)) + "}}",
        "? " + "k" * 100_000 + "\n: 1",  # an unknown key (explicit: longer than 1024 characters)
        "index: {status_indicators: [" + ", ".join(["1"] * 5000) + "]}",
    ],
)
def test_values_in_settings_messages_are_cut_short(tmp_path, body):
    with pytest.raises(SettingsError) as error:
        load_settings(write(tmp_path / "settings.yaml", body + "\n"))
    assert len(str(error.value)) < len(str(tmp_path)) + 400


def test_a_number_too_long_for_python_is_a_settings_error(tmp_path):
    """Python refuses to turn more than 4,300 digits into an int (a ValueError, not YAML's)."""
    path = write(tmp_path / "settings.yaml", "limits: {max_file_mb: " + "7" * 5000 + "}\n")
    with pytest.raises(SettingsError, match=re.escape(str(path))):
        load_settings(path)


@pytest.mark.parametrize("depth", [500, 100_000])
def test_deeply_nested_settings_are_a_settings_error(tmp_path, depth):
    """Nesting is refused by the parser's limit, not by Python's recursion limit."""
    path = write(tmp_path / "settings.yaml", "index: " + "[" * depth + "]" * depth + "\n")
    with pytest.raises(SettingsError, match=re.escape(str(path))):
        load_settings(path)


# -- goals.yaml -----------------------------------------------------------------------------------

GOALS_BOMB = (
    "leitbild: Test\n"
    "goals:\n"
    "  - id: G1\n"
    "    title: Kinderarmut senken\n"
    "    indicator: child_poverty\n"
    "    baseline: {date: 2023-12-31}\n"
    "    target: {date: 2028-12-31, value: 15.0}\n"
    "    measures:\n" + laughs("      ")
)


def test_a_billion_laughs_goals_yaml_is_refused_with_its_lines(tmp_path):
    path = write(tmp_path / "goals.yaml", GOALS_BOMB)
    with pytest.raises(PlanningError) as error:
        load_goals(path, set(BY_ID), AREAS)
    lines = str(error.value).splitlines()
    # 9 anchors and 8 × 9 aliases: the first ten are listed, the rest counted
    assert lines[0] == f"{path}: 81 Fehler"
    assert lines[1].startswith(f"{path}:9: YAML-Anker &a ist nicht erlaubt")
    assert lines[2].startswith(f"{path}:10: YAML-Anker &b ist nicht erlaubt")
    assert lines[3].startswith(f"{path}:10: YAML-Verweis *a ist nicht erlaubt")
    assert lines[11] == "… und 71 weitere"
    assert len(lines) == 12


def test_an_alias_between_measures_is_refused(tmp_path):
    body = (
        "measures:\n"
        "  - id: M-1\n    provider: TR-01\n    title: A\n    areas: &areas [SR-01, SR-02]\n"
        "    target_group: {age_from: 0, age_to: 5}\n"
        "  - id: M-2\n    provider: TR-01\n    title: B\n    areas: *areas\n"
        "    target_group: {age_from: 0, age_to: 5}\n"
    )
    path = write(tmp_path / "goals.yaml", body)
    with pytest.raises(PlanningError) as error:
        load_goals(path, set(BY_ID), AREAS)
    assert [line.split(": YAML")[0] for line in str(error.value).splitlines()[1:]] == [
        f"{path}:5",
        f"{path}:10",
    ]


def goal(indicator: str = "child_poverty", extra: str = "") -> str:
    return (
        f"goals:\n  - id: G1\n    title: T\n    indicator: {indicator}\n"
        f"    baseline: {{date: 2023-12-31}}\n    target: {{date: 2028-12-31, value: 15.0}}\n{extra}"
    )


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (goal(indicator="x" * 100_000), "unbekannter Indikator"),
        (goal(extra="    ? " + "k" * 100_000 + "\n    : 1\n"), "unbekannter Schlüssel"),
        (goal(extra="    measures: [" + "M" * 100_000 + "]\n"), "ist nicht definiert"),
    ],
)
def test_values_in_goals_messages_are_cut_short(tmp_path, body, what):
    path = write(tmp_path / "goals.yaml", body)
    with pytest.raises(PlanningError) as error:
        load_goals(path, set(BY_ID), AREAS)
    message = str(error.value)
    assert what in message and len(message) < 2 * len(str(path)) + 400


def test_a_number_too_long_for_python_is_a_located_goals_error(tmp_path):
    body = (
        "measures:\n  - id: M-1\n    provider: TR-01\n    title: A\n    areas: [SR-01]\n"
        "    target_group: {age_from: 0, age_to: 5}\n    capacity: " + "7" * 5000 + "\n"
    )
    path = write(tmp_path / "goals.yaml", body)
    with pytest.raises(PlanningError, match=re.escape(f"{path}:7: Maßnahme M-1, capacity")):
        load_goals(path, set(BY_ID), AREAS)
