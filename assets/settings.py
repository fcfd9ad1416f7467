"""`planning/settings.yaml`: method parameters with the documented defaults (DESIGN §6, §7).

The file is optional and may set any subset; what it leaves out keeps the default. Unknown keys
are an error so that a typo never silently falls back to a default. YAML anchors and aliases are
refused and values quoted in messages are cut short (`assets.yaml_guard`): a few hundred bytes
must never turn into gigabytes.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from assets.yaml_guard import anchors_and_aliases, cut, listing, shown

DEFAULTS: dict[str, Any] = {
    "index": {
        "status_indicators": ["unemployment", "sgb2_quota", "child_poverty"],
        "min_population": 300,
        "cutoffs_status": [-1.0, 1.0, 1.5],
        "cutoffs_dynamics": [-1.0, 1.0],
        "dynamics_years": 2,
    },
    "disclosure": {"min_count": 3, "min_denominator": 20, "min_survey_n": 5},
    "allocation": {
        "budget_eur": 1_000_000,
        "basis": "child_poverty",
        "class_weights": {"high": 0.5, "medium": 1.0, "low": 1.5, "very_low": 2.0},
    },
    "supply": {
        "walking_distance_m": {
            "kita": 500,
            "familienzentrum": 1000,
            "jugendzentrum": 1000,
            "seniorentreff": 800,
        },
        "gap_coverage_factor": 0.8,
        "gap_min_share_within": 0.6,
        # offer type -> Merkmal codes of its target population (DESIGN §6)
        "target_groups": {
            "kita": ["EW_U3", "EW_3_5"],
            "familienzentrum": ["EW_U15"],
            "jugendzentrum": ["EW_6_14", "EW_15_17"],
            "seniorentreff": ["EW_65P"],
            "beratung": ["EW"],
            "quartiersbuero": ["EW"],
        },
    },
    "limits": {"max_file_mb": 200},
    "traffic_light": {"green": 100.0, "yellow": 80.0},
    "reconciliation": {"population_tolerance_pct": 3.0, "population_variable": "BEVSTD"},
}


class SettingsError(ValueError):
    pass


# libyaml limits nesting to 1,000 levels (PyYAML's own parser recursed into a RecursionError at a
# few hundred) and is about 20x faster; the constructor above it does not recurse.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_settings(path: Path) -> dict[str, Any]:
    """Defaults overlaid with the file at `path` (if it exists).

    A link (the file or its folder `planning/`) is refused, not followed and not skipped: it may
    lead out of the data root, is not archived, so `make rebuild` would compute with other
    parameters, and silently falling back to the defaults would change every result unnoticed.
    """
    settings = copy.deepcopy(DEFAULTS)
    for part in (path.parent, path):
        if part.is_symlink():
            raise SettingsError(
                f"{path}: {part.name} ist eine Verknüpfung (Link); Links werden aus "
                "Sicherheitsgründen nicht gelesen, bitte die Datei selbst ablegen"
            )
    if not path.is_file():
        return settings
    text = path.read_text(encoding="utf-8")
    try:
        refused = anchors_and_aliases(text, _LOADER)
        given = {} if refused else yaml.load(text, Loader=_LOADER) or {}
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: kein gültiges YAML: {exc}") from exc
    except (ValueError, RecursionError) as exc:  # e.g. an int of more than 4,300 digits
        raise SettingsError(f"{path}: kein gültiger Wert: {exc}") from exc
    if refused:
        raise SettingsError(listing(path, refused))
    if not isinstance(given, dict):
        raise SettingsError(f"{path}: erwartet eine Zuordnung (key: value) auf oberster Ebene")
    _overlay(settings, given, path, "")
    return settings


def _overlay(target: dict, given: dict, path: Path, prefix: str) -> None:
    for key, value in given.items():
        name = f"{prefix}{key}"
        if key not in target:
            raise SettingsError(f"{path}: unbekannter Schlüssel {shown(name)}")
        default = target[key]
        # Open mappings (per offer type / per class) may gain keys; fixed sections may not.
        if isinstance(default, dict) and name not in _OPEN_MAPPINGS:
            if not isinstance(value, dict):
                raise SettingsError(f"{path}: {name} erwartet eine Zuordnung (key: value)")
            _overlay(default, value, path, name + ".")
        elif isinstance(default, dict):
            if not isinstance(value, dict):
                raise SettingsError(f"{path}: {name} erwartet eine Zuordnung (key: value)")
            for entry, item in value.items():  # given entries replace or add to the defaults
                _check(f"{name}.{cut(str(entry))}", _OPEN_MAPPINGS[name], item, path)
            target[key] = {**default, **value}
        else:
            _check(name, default, value, path)
            target[key] = value


# what the entries of an open mapping must look like (an example value of the right type)
_OPEN_MAPPINGS = {
    "supply.walking_distance_m": 500,
    "supply.target_groups": ["EW"],
    "allocation.class_weights": 1.0,
}
# lower bounds of numbers whose misuse would silently switch a method off
_MINIMUM = {
    "disclosure.min_count": 2,  # 1 would publish every count: no primary suppression at all
    "disclosure.min_denominator": 0,
    "disclosure.min_survey_n": 1,
    "limits.max_file_mb": 0,
    "allocation.budget_eur": 0,
    "index.min_population": 0,
    "index.dynamics_years": 1,
    "supply.gap_min_share_within": 0,
}
# upper bounds: a fraction written as a percent (60 meaning 60 %) would mark every area as a gap
_MAXIMUM = {"supply.gap_min_share_within": 1}
_INTEGERS = {"disclosure.min_count", "disclosure.min_survey_n", "index.dynamics_years"}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check(name: str, example: Any, value: Any, path: Path) -> None:
    """A setting has the type of its default; counts are whole numbers; some have a minimum."""
    if _is_number(example):
        if not _is_number(value):
            raise SettingsError(f"{path}: {name} muss eine Zahl sein, nicht {shown(value)}")
        if name in _INTEGERS and value != int(value):
            raise SettingsError(f"{path}: {name} muss eine ganze Zahl sein, nicht {shown(value)}")
        if name in _MINIMUM and value < _MINIMUM[name]:
            raise SettingsError(
                f"{path}: {name} muss mindestens {_MINIMUM[name]} sein, nicht {shown(value)}"
            )
        if name in _MAXIMUM and value > _MAXIMUM[name]:
            raise SettingsError(
                f"{path}: {name} darf höchstens {_MAXIMUM[name]} sein (ein Anteil, 0,6 = 60 %), "
                f"nicht {shown(value)}"
            )
    elif isinstance(example, list):
        if not isinstance(value, list) or not all(
            isinstance(item, type(example[0])) or (_is_number(example[0]) and _is_number(item))
            for item in value
        ):
            raise SettingsError(
                f"{path}: {name} erwartet eine Liste wie {example!r}, nicht {shown(value)}"
            )
    elif not isinstance(value, type(example)):
        raise SettingsError(
            f"{path}: {name} erwartet {type(example).__name__}, nicht {shown(value)}"
        )
