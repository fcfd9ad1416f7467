"""`planning/goals.yaml`: the council's goals and the providers' measures (DESIGN §7).

The file is written by hand, so it is read from the YAML node tree rather than from plain Python
objects: every problem is reported with the file and line of the offending node, and all problems
are collected before raising, so that one round of corrections fixes the file. The file is
optional; without it there are no goals and the KPIs carry no targets. YAML anchors and aliases
are refused and values quoted in messages are cut short (`assets.yaml_guard`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from assets.yaml_guard import anchors_and_aliases, cut, listing, shown

KPI_NAMES = (
    "participants",
    "target_group_participants",
    "new_participants",
    "hours",
    "cost_eur",
    "capacity",
    "utilisation",
    "reach",
    "cost_per_participant",
    "satisfaction_mean",
    "satisfaction_top2",
    "satisfaction_n",
)
"""KPIs a measure may set a target for: the columns of `measure_kpis` (DESIGN §8)."""


@dataclass(frozen=True)
class Target:
    kind: str  # 'target' (higher is better) | 'max' (lower is better)
    value: float


@dataclass(frozen=True)
class Measure:
    """A provider's measure. Places per month are `capacity` when given, else those of the linked
    `facility` in the month (a facility's capacity changes with its inventory, the plan need not be
    edited); a measure with neither, such as open counselling, has no utilisation."""

    id: str
    provider: str
    title: str
    areas: list[str]
    age_from: int
    age_to: int
    capacity: float | None  # places per month; None: from `facility`, or no capacity at all
    targets: dict[str, Target]
    facility: str | None = None  # a facility_id of the provider's inventory (facilities.csv)
    facility_line: int | None = None  # line of `facility` in goals.yaml, for notes that point at it


@dataclass(frozen=True)
class Goal:
    """A council goal. The city-wide target is `target_value` (in the unit of the indicator) or
    the baseline changed by `change_pct` percent; each area aims for its `targets_by_area` entry,
    else for the same relative change as the city (see `assets.indicators.goals`)."""

    id: str
    title: str
    indicator: str
    baseline_date: dt.date
    target_date: dt.date
    target_value: float | None  # None when the target is relative (`change_pct`)
    measures: list[str]
    change_pct: float | None = None  # e.g. -25: every area and the city 25 % below its baseline
    targets_by_area: dict[str, float] = field(default_factory=dict)  # area_id -> target value


@dataclass(frozen=True)
class Goals:
    leitbild: str | None = None
    goals: list[Goal] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)


class PlanningError(ValueError):
    """goals.yaml is invalid; the message lists every problem as `file:line: text`."""


# libyaml's parser is about 20x faster than the pure-Python one (a state-wide goals.yaml has
# thousands of measures) and keeps the line marks the error messages need.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_goals(path: Path, indicator_ids: set[str], area_ids: set[str]) -> Goals:
    """The goals and measures in `path`, checked against the known indicators and areas.

    A link is refused rather than followed: it could point outside the data root, and the file
    would then no longer be what the data root (and its archive) holds.
    """
    refuse_link(path)
    if not path.is_file():
        return Goals()
    text = path.read_text(encoding="utf-8")
    try:
        refused = anchors_and_aliases(text, _LOADER)
        root = None if refused else yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else f"{path}"
        problem = getattr(exc, "problem", None) or exc
        raise PlanningError(f"{where}: kein gültiges YAML: {cut(str(problem))}") from exc
    if refused:
        raise PlanningError(listing(path, refused))
    reader = _Reader(path, indicator_ids, area_ids)
    goals = reader.document(root)
    if reader.problems:
        problems = "\n".join(reader.problems)
        raise PlanningError(f"{path}: {len(reader.problems)} Fehler\n{problems}")
    return goals


def refuse_link(path: Path) -> None:
    """Raise if goals.yaml or its `planning` folder is a link, even a dangling one (which would
    otherwise pass for a missing file and silently drop every target)."""
    if path.is_symlink() or path.parent.is_symlink():
        raise PlanningError(
            f"{path}: ist eine Verknüpfung (Link) oder liegt in einem verknüpften Ordner; "
            "Links werden aus Sicherheitsgründen nicht gelesen, bitte die Datei selbst ablegen"
        )


_NULL_TAG = "tag:yaml.org,2002:null"
TARGET_KINDS = ("value", "change_pct")
"""A goal's target is absolute (`value`, city-wide) or relative (`change_pct`, for every area)."""


def _construct(node: ScalarNode) -> object:
    """The Python value of a scalar node under the safe YAML rules (dates, numbers, text)."""
    return yaml.constructor.SafeConstructor().construct_object(node)


def _node_id(node: Node | None) -> str | None:
    """The `id` of a goal or measure node, for messages and cross-references."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if key.value == "id" and isinstance(value, ScalarNode) and value.tag != _NULL_TAG:
                return value.value
    return None


class _Reader:
    """Turns the node tree into `Goals`, collecting problems instead of stopping at the first."""

    def __init__(self, path: Path, indicator_ids: set[str], area_ids: set[str]):
        self.path = path
        self.indicator_ids = indicator_ids
        self.area_ids = area_ids
        self._problems: list[tuple[int, str]] = []

    @property
    def problems(self) -> list[str]:
        """`file:line: text`, in the order of the file."""
        return [f"{self.path}:{line}: {text}" for line, text in sorted(self._problems)]

    def problem(self, node: Node, message: str) -> None:
        self._problems.append((node.start_mark.line + 1, message))

    # -- structure ------------------------------------------------------------------------------

    def document(self, root: Node | None) -> Goals:
        if root is None:  # empty file
            return Goals()
        top = self.fields(root, "oberste Ebene", (), ("leitbild", "goals", "measures"))
        measure_nodes = self.sequence(top.get("measures"), "measures")
        goal_nodes = self.sequence(top.get("goals"), "goals")
        self.unique_ids(measure_nodes, "Maßnahme")
        self.unique_ids(goal_nodes, "Ziel")
        defined = {_node_id(node) for node in measure_nodes} - {None}
        measures = [self.measure(node) for node in measure_nodes]
        goals = [self.goal(node, defined) for node in goal_nodes]
        return Goals(
            leitbild=self.text(top.get("leitbild"), "leitbild"),
            goals=[g for g in goals if g is not None],
            measures=[m for m in measures if m is not None],
        )

    def fields(
        self, node: Node | None, what: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, Node]:
        """The value nodes of a mapping by key; reports missing, unknown and repeated keys."""
        if node is None:
            return {}
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what}: erwartet eine Zuordnung (Schlüssel: Wert)")
            return {}
        found: dict[str, Node] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else None
            if name is None:
                self.problem(key, f"{what}: ein Schlüssel muss ein Text sein")
            elif name not in required and name not in optional:
                self.problem(key, f"{what}: unbekannter Schlüssel {shown(name)}")
            elif name in found:
                self.problem(key, f"{what}: Schlüssel {shown(name)} doppelt")
            else:
                found[name] = value
        for name in required:
            if name not in found:
                self.problem(node, f"{what}: Pflichtangabe {name!r} fehlt")
        return found

    def sequence(self, node: Node | None, what: str) -> list[Node]:
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{what}: erwartet eine Liste")
            return []
        return node.value

    def unique_ids(self, nodes: list[Node], kind: str) -> None:
        seen: set[str] = set()
        for node in nodes:
            node_id = _node_id(node)
            if node_id in seen:
                self.problem(node, f"{kind} {cut(node_id)}: ID doppelt vergeben")
            seen.add(node_id)

    # -- goals and measures ---------------------------------------------------------------------

    def goal(self, node: Node, measure_ids: set[str]) -> Goal | None:
        before = len(self._problems)
        what = f"Ziel {cut(_node_id(node) or '?')}"
        f = self.fields(
            node,
            what,
            ("id", "title", "indicator", "baseline", "target"),
            ("measures", "targets_by_area"),
        )
        indicator = self.text(f.get("indicator"), f"{what}, indicator")
        if indicator is not None and indicator not in self.indicator_ids:
            self.problem(f["indicator"], f"{what}: unbekannter Indikator {shown(indicator)}")
        baseline = self.fields(f.get("baseline"), f"{what}, baseline", ("date",), ())
        target = self.fields(f.get("target"), f"{what}, target", ("date",), TARGET_KINDS)
        if isinstance(f.get("target"), MappingNode) and len(set(target) & set(TARGET_KINDS)) != 1:
            self.problem(
                f["target"], f"{what}: target braucht genau eins von value oder change_pct"
            )
        change_pct = self.change_pct(target.get("change_pct"), f"{what}, target.change_pct")
        baseline_date = self.date(baseline.get("date"), f"{what}, baseline.date")
        target_date = self.date(target.get("date"), f"{what}, target.date")
        if baseline_date and target_date and target_date <= baseline_date:
            self.problem(target["date"], f"{what}: Zieldatum liegt nicht nach dem Basisdatum")
        measures = self.texts(f.get("measures"), f"{what}, measures")
        for measure_id, measure_node in measures:
            if measure_id not in measure_ids:
                self.problem(
                    measure_node, f"{what}: Maßnahme {shown(measure_id)} ist nicht definiert"
                )
        goal = Goal(
            id=self.text(f.get("id"), f"{what}, id"),
            title=self.text(f.get("title"), f"{what}, title"),
            indicator=indicator,
            baseline_date=baseline_date,
            target_date=target_date,
            target_value=self.number(target.get("value"), f"{what}, target.value"),
            measures=[measure_id for measure_id, _ in measures],
            change_pct=change_pct,
            targets_by_area=self.area_targets(f.get("targets_by_area"), what),
        )
        return goal if len(self._problems) == before else None

    def measure(self, node: Node) -> Measure | None:
        before = len(self._problems)
        what = f"Maßnahme {cut(_node_id(node) or '?')}"
        required = ("id", "provider", "title", "areas", "target_group")
        f = self.fields(node, what, required, ("capacity", "facility", "targets"))
        areas = self.texts(f.get("areas"), f"{what}, areas")
        for area_id, area_node in areas:
            if area_id not in self.area_ids:
                self.problem(area_node, f"{what}: unbekanntes Gebiet {shown(area_id)}")
        group = self.fields(
            f.get("target_group"), f"{what}, target_group", ("age_from", "age_to"), ()
        )
        age_from = self.age(group.get("age_from"), f"{what}, target_group.age_from")
        age_to = self.age(group.get("age_to"), f"{what}, target_group.age_to")
        if age_from is not None and age_to is not None and age_from > age_to:
            self.problem(group["age_to"], f"{what}: age_to liegt unter age_from")
        capacity = self.number(f.get("capacity"), f"{what}, capacity")
        if capacity is not None and (capacity <= 0 or capacity != int(capacity)):
            self.problem(
                f["capacity"], f"{what}: capacity muss eine ganze Zahl größer als 0 sein (Plätze)"
            )
        measure = Measure(
            id=self.text(f.get("id"), f"{what}, id"),
            provider=self.text(f.get("provider"), f"{what}, provider"),
            title=self.text(f.get("title"), f"{what}, title"),
            areas=[area_id for area_id, _ in areas],
            age_from=age_from,
            age_to=age_to,
            capacity=capacity,
            targets=self.targets(f.get("targets"), what),
            facility=self.text(f.get("facility"), f"{what}, facility"),
            facility_line=f["facility"].start_mark.line + 1 if "facility" in f else None,
        )
        return measure if len(self._problems) == before else None

    def targets(self, node: Node | None, what: str) -> dict[str, Target]:
        """KPI name → {target: x} (higher is better) or {max: x} (lower is better)."""
        targets = {}
        for kpi, spec in self.fields(node, f"{what}, targets", (), KPI_NAMES).items():
            given = self.fields(spec, f"{what}, targets.{kpi}", (), ("target", "max"))
            if len(given) != 1:
                self.problem(
                    spec, f"{what}: Ziel für {kpi!r} braucht genau eins von target oder max"
                )
                continue
            ((kind, value_node),) = given.items()
            targets[kpi] = Target(kind, self.number(value_node, f"{what}, targets.{kpi}.{kind}"))
        return targets

    def area_targets(self, node: Node | None, what: str) -> dict[str, float]:
        """`targets_by_area`: area_id → target value, for known areas, each once."""
        what = f"{what}, targets_by_area"
        if node is None:
            return {}
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what}: erwartet eine Zuordnung (Gebiet: Zielwert)")
            return {}
        targets: dict[str, float] = {}
        seen: set[str] = set()
        for key, value in node.value:
            area_id = self.text(key, what)
            if area_id is None:
                continue
            if area_id not in self.area_ids:
                self.problem(key, f"{what}: unbekanntes Gebiet {shown(area_id)}")
            elif area_id in seen:
                self.problem(key, f"{what}: Gebiet {shown(area_id)} doppelt")
            number = self.number(value, f"{what}.{cut(area_id)}")
            if number is not None and area_id in self.area_ids and area_id not in seen:
                targets[area_id] = number
            seen.add(area_id)
        return targets

    # -- scalars (None when missing or invalid; a missing required key is reported once) --------

    def change_pct(self, node: Node | None, what: str) -> float | None:
        """A relative change in percent: not 0 (that is no goal) and not below -100."""
        value = self.number(node, what)
        if value is not None and (value == 0 or value < -100):
            self.problem(node, f"{what}: erwartet eine Veränderung in Prozent ab -100, nicht 0")
            return None
        return value

    def text(self, node: Node | None, what: str) -> str | None:
        if node is None:
            return None
        if not isinstance(node, ScalarNode) or node.tag == _NULL_TAG or not node.value.strip():
            self.problem(node, f"{what}: erwartet einen Text")
            return None
        return node.value

    def texts(self, node: Node | None, what: str) -> list[tuple[str, Node]]:
        items = [(self.text(item, what), item) for item in self.sequence(node, what)]
        return [(text, item) for text, item in items if text is not None]

    def number(self, node: Node | None, what: str) -> float | None:
        if node is None:
            return None
        try:
            value = _construct(node) if isinstance(node, ScalarNode) else None
        except ValueError:  # e.g. an integer of more than 4,300 digits, which Python refuses
            value = None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.problem(node, f"{what}: erwartet eine Zahl")
            return None
        return float(value)

    def age(self, node: Node | None, what: str) -> int | None:
        value = self.number(node, what)
        if value is not None and not (value.is_integer() and 0 <= value <= 120):
            self.problem(node, f"{what}: erwartet ein Alter in ganzen Jahren (0 bis 120)")
            return None
        return None if value is None else int(value)

    def date(self, node: Node | None, what: str) -> dt.date | None:
        if node is None:
            return None
        try:
            value = _construct(node) if isinstance(node, ScalarNode) else None
        except ValueError:  # e.g. 2023-02-30: looks like a date but is none
            value = None
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            self.problem(node, f"{what}: erwartet ein gültiges Datum JJJJ-MM-TT")
            return None
        return value
