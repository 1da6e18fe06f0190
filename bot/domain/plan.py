"""The campaign plan after loading: plain frozen dataclasses with resolved, aware times."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property

from bot.domain.figures import MetricKind, Target


class DeadlineKind(StrEnum):
    """What a deadline asks for."""

    REGISTRATION = "registration"
    REPORT = "report"
    CONSOLIDATION = "consolidation"


@dataclass(frozen=True)
class Unit:
    """A participating unit (department, district, newspaper…)."""

    id: str
    name: str
    short_name: str
    focal_point_required: bool
    is_secretariat: bool = False
    # The unit this one reports to (a commune's district); None: it reports to the secretariat.
    parent: str | None = None
    # A free label grouping units of one sort ("xa", "huyen"); a plan group may select by it.
    kind: str | None = None


@dataclass(frozen=True)
class Group:
    """A named set of units that a task, deadline or broadcast may target as one."""

    id: str
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Phase:
    """A period of the campaign and what it asks of the units."""

    id: str
    name: str
    start: datetime
    end: datetime
    asks: str


@dataclass(frozen=True)
class Activity:
    """One item of the event agenda."""

    number: int
    title: str
    when: datetime | None = None


@dataclass(frozen=True)
class Metric:
    """A figure a unit reports for a task, e.g. the number of articles."""

    id: str
    label: str
    kind: MetricKind = MetricKind.COUNT
    unit: str = ""
    target: Target | None = None


@dataclass(frozen=True)
class Task:
    """A duty assigned to a lead unit, with cooperating units and figures to report."""

    id: str
    lead: str
    cooperating: tuple[str, ...]
    phases: tuple[str, ...]
    text: str
    metrics: tuple[Metric, ...] = ()
    section: str = ""
    deadline: str | None = None
    attachments_required: bool = False
    # A task given to a group: every member leads its own copy (``lead`` is then the group id).
    leads: tuple[str, ...] = ()

    @property
    def lead_units(self) -> tuple[str, ...]:
        """The units that lead (and report) this task: the group's members, or the one lead."""
        return self.leads or (self.lead,)

    @property
    def for_group(self) -> bool:
        """Whether the task was given to a group (each member its own copy)."""
        return bool(self.leads)

    def leads_it(self, unit_id: str) -> bool:
        """Whether the unit leads this task (its own copy, for a group's task)."""
        return unit_id in self.lead_units

    def involves(self, unit_id: str) -> bool:
        """Whether the unit leads or cooperates on this task."""
        return self.leads_it(unit_id) or unit_id in self.cooperating


class Every(StrEnum):
    """How often a recurring deadline comes back."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True)
class Period:
    """One period of a recurring deadline: which rule, which week/month/quarter, which data."""

    rule: str  # the id of the recurring deadline in the plan file; tasks name this one
    every: Every
    label: str  # 2026-W47, 2026-11, 2026-Q4: the deadline id is ``<rule>@<label>``
    number: int  # the week (ISO), month or quarter number
    year: int
    start: date  # first day of the data window
    end: date  # last day of the data window (the cut-off)
    # Every period of the rule as (due, cut-off day), oldest first: which period an issue
    # counts for depends on the periods around it and on whether the one before was met.
    schedule: tuple[tuple[datetime, date], ...] = ()

    @property
    def name(self) -> str:
        """The period in numbers any language reads: 47/2026 (a week), 11/2026, 4/2026, 2026."""
        return str(self.year) if self.every is Every.YEAR else f"{self.number}/{self.year}"

    def window_days(self) -> tuple[str, str]:
        """The window's first and last day in numbers: 15/10–14/11, with the years for a year's
        window (15/12/2025–14/12/2026), which a day and month alone would not tell apart."""
        pattern = "%d/%m/%Y" if self.every is Every.YEAR else "%d/%m"
        return self.start.strftime(pattern), self.end.strftime(pattern)


@dataclass(frozen=True)
class Deadline:
    """A due date-time for some units (one period of a recurring deadline, if `period`)."""

    id: str
    title: str
    due: datetime
    kind: DeadlineKind
    units: tuple[str, ...]
    period: Period | None = None

    @property
    def rule(self) -> str:
        """The id tasks name for this deadline: the recurring rule's, or its own."""
        return self.period.rule if self.period else self.id


@dataclass(frozen=True)
class Vocabulary:
    """What the plan calls its own bodies and people, and how its reports are numbered and signed.

    Texts say these words instead of any of their own, so a plan of a Ban Chỉ đạo never reads
    "Tiểu ban". Empty fields fall back to neutral words in the catalogue.
    """

    body: str = ""  # the coordinating body: "Tiểu ban Tuyên truyền", "Ban Chỉ đạo"
    head: str = ""  # its head, as people address them: "Trưởng Tiểu ban", "Chủ tịch UBND xã"
    leadership: str = ""  # its leaders together: "Lãnh đạo Tiểu ban", "Thường trực BCĐ"
    report_symbol: str = ""  # the report's symbol after "Số: …/": "BC-TBTT"
    sign_on_behalf: str = ""  # "TM. ỦY BAN NHÂN DÂN" (empty: no line)
    signer_title: str = ""  # "CHỦ TỊCH"; empty: the plan's head_title, upper case
    signer_name: str = ""  # who signs, as printed under the signature


@dataclass(frozen=True)
class Plan:
    """A whole campaign, validated and with every time resolved in its time zone."""

    id: str
    title: str
    issuing_body: str
    timezone: str
    event_date: date
    start: datetime
    end: datetime
    focus_start: datetime | None
    focus_end: datetime | None
    secretariat: str
    head_title: str
    units: tuple[Unit, ...]
    phases: tuple[Phase, ...]
    agenda: tuple[Activity, ...]
    tasks: tuple[Task, ...]
    deadlines: tuple[Deadline, ...]
    recipients: tuple[str, ...] = field(default=())
    # Header of the consolidated report (Decree 30/2020): the body above the issuer, the place.
    parent_body: str | None = None
    place: str | None = None
    vocabulary: Vocabulary = field(default_factory=lambda: Vocabulary())
    groups: tuple[Group, ...] = field(default=())
    # Every deadline id of the file in its order (recurring rules once): where checks point.
    deadline_rules: tuple[str, ...] = field(default=())

    def periods_of(self, rule: str) -> tuple[Deadline, ...]:
        """The periods of a recurring deadline, by due time (empty: not recurring)."""
        return tuple(sorted(
            (d for d in self.deadlines if d.period and d.period.rule == rule),
            key=lambda d: d.due,
        ))

    def group(self, group_id: str) -> Group:
        """The group with this id (KeyError if none)."""
        for group in self.groups:
            if group.id == group_id:
                return group
        raise KeyError(group_id)

    # Lookups by unit, built on first use: a national plan has 3,000 units, each on tasks
    # that list thousands of cooperating units, and a scan per lookup made loading and
    # checking such a plan take seconds. (A frozen dataclass still has an instance dict.)
    @cached_property
    def _tasks_by_unit(self) -> dict[str, tuple[Task, ...]]:
        by_unit: dict[str, list[Task]] = {}
        for task in self.tasks:
            for unit_id in dict.fromkeys((*task.lead_units, *task.cooperating)):
                by_unit.setdefault(unit_id, []).append(task)
        return {unit_id: tuple(tasks) for unit_id, tasks in by_unit.items()}

    @cached_property
    def _units_by_id(self) -> dict[str, Unit]:
        return {unit.id: unit for unit in self.units}

    @cached_property
    def _children(self) -> dict[str, tuple[str, ...]]:
        children: dict[str, list[str]] = {}
        for unit in self.units:
            if unit.parent is not None:
                children.setdefault(unit.parent, []).append(unit.id)
        return {parent: tuple(ids) for parent, ids in children.items()}

    def children_of(self, unit_id: str) -> tuple[str, ...]:
        """The units whose parent is this unit, in plan order."""
        return self._children.get(unit_id, ())

    def subtree(self, unit_id: str) -> tuple[str, ...]:
        """The unit and every unit below it (children, their children…), in plan order."""
        below, waiting = {unit_id}, [unit_id]
        while waiting:
            for child in self._children.get(waiting.pop(), ()):
                if child not in below:
                    below.add(child)
                    waiting.append(child)
        return tuple(unit.id for unit in self.units if unit.id in below)

    def is_parent(self, unit_id: str) -> bool:
        """Whether some unit reports to this one."""
        return unit_id in self._children

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id (KeyError if none)."""
        return self._units_by_id[unit_id]

    def tasks_of(self, unit_id: str) -> tuple[Task, ...]:
        """The tasks the unit leads or cooperates on, in plan order."""
        return self._tasks_by_unit.get(unit_id, ())

    @property
    def focal_point_units(self) -> tuple[Unit, ...]:
        """The units that must name a focal point."""
        return tuple(unit for unit in self.units if unit.focal_point_required)
