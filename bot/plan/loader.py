"""Load a plan file: YAML with line numbers, pydantic validation, cross-checks, resolved Plan."""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ValidationError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from bot.domain import workdays
from bot.domain.figures import MetricKind, Target
from bot.domain.plan import (
    Activity,
    Deadline,
    Every,
    Group,
    Metric,
    Phase,
    Plan,
    Task,
    Unit,
    Vocabulary,
)
from bot.plan import recurrence
from bot.plan.model import (
    ALL_UNITS,
    FOCAL_POINTS,
    SLUG_PATTERN,
    UNIT_SHORTHANDS,
    DeadlineSpec,
    MetricSpec,
    PlanFile,
    TargetSpec,
)
from bot.plan.relative import (
    DEADLINE_TIME,
    END_OF_DAY,
    START_OF_DAY,
    WhenError,
    parse_date,
    parse_when,
)
from bot.texts import DEFAULT_LOCALE, t

MAX_BYTES = 1_000_000
# Aliases can expand a small file into a huge tree ("billion laughs"); no real plan comes close.
MAX_NODES = 200_000

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class PlanIssue:
    """One problem found in a plan file, located by line and field path."""

    file: str
    line: int | None
    path: str
    message: str
    column: int | None = None
    code: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class PlanError(Exception):
    """The plan file is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[PlanIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


def format_path(path: FieldPath) -> str:
    """A field path as written in messages, e.g. ``tasks[3].lead``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _PlanLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 style scalars: dates and 17:00 stay text, only true/false bool."""


_PlanLoader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if not tag.endswith((":timestamp", ":int", ":float", ":bool"))
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PlanLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_PlanLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)
_PlanLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"),
)


def _number(kind: type[int] | type[float]) -> Any:
    # Decimal only (08 is 8, not bad octal), and a bad explicit !!int names its line.
    def construct(loader: _PlanLoader, node: Node) -> int | float:
        try:
            return kind(str(loader.construct_scalar(node)))
        except ValueError:
            raise ConstructorError(
                None, None, f"not a number: {node.value!r}", node.start_mark
            ) from None

    return construct


_PlanLoader.add_constructor("tag:yaml.org,2002:int", _number(int))
_PlanLoader.add_constructor("tag:yaml.org,2002:float", _number(float))

_FastPlanLoader: Any = None
if getattr(yaml, "__with_libyaml__", False):

    class _CPlanLoader(yaml.CSafeLoader):  # type: ignore[misc,name-defined]
        """The same loader on libyaml's parser: a plan parses about five times faster (the
        bot parses it at every start); a file it refuses is read again by `_PlanLoader`,
        whose messages the issues quote."""

    _CPlanLoader.yaml_implicit_resolvers = _PlanLoader.yaml_implicit_resolvers
    _CPlanLoader.yaml_constructors = _PlanLoader.yaml_constructors
    _FastPlanLoader = _CPlanLoader


class _Collector:
    """Gathers the issues of one file, located by the lines of its YAML nodes."""

    prefix = "err_"  # catalogue keys plan.err_<code>; warnings are plan.warn_<code>

    def __init__(self, file: str, locale: str) -> None:
        self.file = file
        self.locale = locale
        self.lines: dict[FieldPath, int] = {}
        self.issues: list[PlanIssue] = []
        self.paths: set[FieldPath] = set()

    def line_of(self, path: FieldPath) -> int | None:
        for end in range(len(path), -1, -1):
            if (line := self.lines.get(path[:end])) is not None:
                return line
        return None

    def add(
        self,
        path: FieldPath,
        code: str,
        *,
        line: int | None = None,
        column: int | None = None,
        suffix: str = "",
        unless_flagged: bool = False,
        **values: object,
    ) -> None:
        # Cross-checks pass unless_flagged so a malformed value is reported once, not twice.
        if unless_flagged and path in self.paths:
            return
        self.paths.add(path)
        message = t(f"plan.{self.prefix}{code}", self.locale, **values) + suffix
        self.issues.append(
            PlanIssue(
                file=self.file,
                line=line if line is not None else self.line_of(path),
                path=format_path(path),
                message=message,
                column=column,
                code=code,
            )
        )

    def did_you_mean(self, value: object, choices: Iterable[str]) -> str:
        if not isinstance(value, str):
            return ""
        close = difflib.get_close_matches(value, list(choices), n=1)
        return t("plan.did_you_mean", self.locale, name=close[0]) if close else ""

    def error(self) -> PlanError:
        return PlanError(sorted(self.issues, key=lambda i: (i.line is None, i.line or 0)))

    def raise_if_any(self) -> None:
        if self.issues:
            raise self.error()


def load_plan(
    path: Path | str, event_date: date | None = None, *, locale: str = DEFAULT_LOCALE
) -> Plan:
    """Load, validate and resolve a plan file; ``event_date`` overrides the file's."""
    return check_plan(path, event_date, locale=locale)[0]


def check_plan(
    path: Path | str, event_date: date | None = None, *, locale: str = DEFAULT_LOCALE
) -> tuple[Plan, list[PlanIssue]]:
    """Load a plan file as `load_plan` does, with the warnings of `plan check`: what loads but
    makes no sense or would mislead (a deadline with nothing due, a task nobody can report, an
    empty group, a target nobody reports, an unknown metric kind, a report without symbol)."""
    from bot.plan.checks import plan_warnings

    plan, data, out = _load(Path(path), event_date, locale)
    warnings = _Collector(out.file, locale)
    warnings.lines = out.lines
    warnings.prefix = "warn_"
    plan_warnings(plan, warnings.add)
    warnings.prefix = ""  # the figure warnings' codes carry their warn_ prefix
    figure_warnings(data, plan, warnings)
    day_warnings(data, warnings)
    return plan, warnings.error().issues


#: The name the figures' side gave `check_plan`.
load_plan_checked = check_plan


def _load(path: Path, event_date: date | None,
          locale: str) -> tuple[Plan, dict[str, Any], _Collector]:
    out = _Collector(str(path), locale)
    readable, data = _read_yaml(path, out)
    if not readable or not isinstance(data, dict) or not data:
        if readable:
            out.add((), "empty" if data is None or data == {} else "not_mapping", line=1)
        raise out.error()

    spec: PlanFile | None = None
    try:
        spec = PlanFile.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            _pydantic_issue(error, out)
    _cross_check(data, event_date, out)
    _check_figures(data, out)
    out.raise_if_any()
    assert spec is not None
    return _build(spec, event_date), data, out


def _read_fast(text: str, out: _Collector) -> Any:
    """The document read with libyaml when it parses cleanly within the limits, else None
    (then `_PlanLoader` reads it again, to report the problem as always)."""
    if _FastPlanLoader is None:
        return None
    loader = _FastPlanLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        size = _expanded_size(root)
        if size < 0 or size > MAX_NODES:
            return None
        lines = _Collector(out.file, out.locale)
        _index(root, lines)
        if lines.issues:
            return None
        data = loader.construct_document(root)
    except Exception:  # noqa: BLE001  (any problem: the pure-Python reader reports it)
        return None
    finally:
        loader.dispose()
    out.lines.update(lines.lines)
    return _nfc(data)


def _read_yaml(path: Path, out: _Collector) -> tuple[bool, Any]:
    """(True, data) when the file parsed as YAML, else (False, None) with an issue recorded."""
    try:
        # Refuse an oversized file from its size alone, before reading or parsing any of it.
        size = path.stat().st_size
        if size > MAX_BYTES:
            out.add((), "too_large", size=size, limit=MAX_BYTES)
            return False, None
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        out.add((), "unreadable", error=exc.strerror or exc.__class__.__name__)
        return False, None
    if len(raw) > MAX_BYTES:
        out.add((), "too_large", size=len(raw), limit=MAX_BYTES)
        return False, None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        out.add((), "not_utf8", line=raw[: exc.start].count(b"\n") + 1)
        return False, None

    fast = _read_fast(text, out)
    if fast is not None:
        return True, fast
    loader: _PlanLoader | None = None
    try:
        loader = _PlanLoader(text)
        root = loader.get_single_node()
        if root is None:
            return True, None
        size = _expanded_size(root)
        if size < 0:
            out.add((), "recursive_alias", line=1)
            return False, None
        if size > MAX_NODES:
            out.add((), "too_many_nodes", line=1, limit=MAX_NODES)
            return False, None
        _index(root, out)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(
            part for part in (exc.problem, exc.context and f"({exc.context})") if part
        )
        out.add(
            (),
            "yaml",
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            problem=problem or str(exc),
        )
        return False, None
    except ReaderError as exc:
        before = text[: exc.position]
        out.add(
            (),
            "yaml",
            line=before.count("\n") + 1,
            column=exc.position - before.rfind("\n"),
            problem=str(exc).splitlines()[0],
        )
        return False, None
    except yaml.YAMLError as exc:
        out.add((), "yaml", line=None, problem=str(exc))
        return False, None
    except RecursionError:
        out.add((), "too_deep", line=1)
        return False, None
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        # PyYAML's own constructors fail this way on some explicit tags (e.g. !!timestamp x).
        out.add((), "yaml", line=None, problem=str(exc) or exc.__class__.__name__)
        return False, None
    finally:
        if loader is not None:
            loader.dispose()
    return True, _nfc(data)


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _expanded_size(root: Node) -> int:
    """The node count once aliases are expanded, stopping above MAX_NODES; -1 for a cycle."""
    size: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
            if size[key] > MAX_NODES:
                return size[key]
            continue
        if key in size:
            continue
        if key in open_:
            return -1
        open_.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    return size[id(root)]


def _key_of(node: Node) -> str | int | None:
    if not isinstance(node, ScalarNode):
        return None
    if node.tag == "tag:yaml.org,2002:int":
        return int(node.value)
    return unicodedata.normalize("NFC", node.value)


def _index(root: Node, out: _Collector) -> None:
    """Record the line of every mapping key and sequence item, and flag duplicate keys."""
    out.lines[()] = root.start_mark.line + 1
    done: set[int] = set()
    stack: list[tuple[Node, FieldPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in done:
            continue
        done.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[str | int, int] = {}
            for key_node, value_node in node.value:
                key = _key_of(key_node)
                if key is None:
                    continue
                line = key_node.start_mark.line + 1
                child = (*path, key)
                if key in first:
                    out.add(child, "duplicate_key", line=line, key=key, first=first[key])
                    continue
                first[key] = line
                out.lines.setdefault(child, line)
                stack.append((value_node, child))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                child = (*path, index)
                out.lines.setdefault(child, item.start_mark.line + 1)
                stack.append((item, child))


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    if isinstance(value, dict):
        return {_nfc(key): _nfc(item) for key, item in value.items()}
    return value


_SIMPLE_ERRORS = {
    "missing": "missing",
    "string_type": "not_text",
    "string_too_short": "empty_text",
    "list_type": "not_list",
    "too_short": "empty_list",
    "model_type": "not_mapping_item",
    "model_attributes_type": "not_mapping_item",
    "dict_type": "not_mapping_item",
    "bool_type": "not_bool",
    "bool_parsing": "not_bool",
    "int_type": "not_int",
    "int_parsing": "not_int",
    "int_from_float": "not_int",
    "decimal_type": "not_number",
    "decimal_parsing": "not_number",
    "float_parsing": "not_number",
}


# Fields that take one id, and what to write instead of a list there.
_ONE_ONLY = {
    "deadline": "plan.hint_one_deadline",
    "lead": "plan.hint_one_lead",
    "parent": "plan.hint_one_parent",
    "secretariat": "plan.hint_one_secretariat",
}


def _pydantic_issue(error: Any, out: _Collector) -> None:
    loc: FieldPath = tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "string_type" and isinstance(value, list) and loc and loc[-1] in _ONE_ONLY:
        # A list where the format takes one id is a construct the format lacks, not a typo.
        out.add(loc, "unsupported_list", field=loc[-1], hint=t(_ONE_ONLY[loc[-1]], out.locale))
    elif kind in _SIMPLE_ERRORS:
        out.add(loc, _SIMPLE_ERRORS[kind])
    elif kind == "extra_forbidden":
        allowed = _fields_at(loc[:-1])
        out.add(loc, "unknown_field", field=loc[-1], suffix=out.did_you_mean(loc[-1], allowed))
    elif kind == "string_pattern_mismatch" and loc and loc[-1] == "time":
        out.add(loc, "bad_time", value=value)
    elif kind == "string_pattern_mismatch":
        code = "bad_id" if ctx.get("pattern") == SLUG_PATTERN else "bad_unit_ref"
        out.add(loc, code, value=value, shorthands=", ".join(UNIT_SHORTHANDS))
    elif kind == "greater_than_equal":
        out.add(loc, "too_small", min=ctx.get("ge"))
    elif kind == "less_than_equal":
        out.add(loc, "too_big", max=ctx.get("le"))
    elif kind in ("enum", "literal_error"):
        choices = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        out.add(loc, "bad_choice", value=value, choices=choices)
    elif kind == "plan_when":
        out.add(loc, "bad_when" if ctx.get("reason") == "syntax" else "bad_day", value=value)
    elif kind == "plan_date":
        out.add(loc, "bad_date", value=value)
    elif kind == "plan_timezone":
        out.add(loc, "bad_timezone", value=value)
    elif kind == "plan_day":
        out.add(loc, "bad_day_of_month", value=value)
    else:
        out.add(loc, "other", message=error["msg"])


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if found := _model_in(arg):
                return found
    return None


def _fields_at(loc: FieldPath) -> list[str]:
    """The field names allowed at a location, for 'did you mean' hints."""
    model: type[BaseModel] | None = PlanFile
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field else None
    return list(model.model_fields) if model else []


def _items(data: dict[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(section)
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def _ids(data: dict[str, Any], section: str, out: _Collector) -> dict[str, FieldPath]:
    """The ids used in a section (valid or not, to avoid knock-on errors); flags duplicates."""
    seen: dict[str, FieldPath] = {}
    for index, item in _items(data, section):
        item_id = item.get("id")
        if not isinstance(item_id, str):
            continue
        path: FieldPath = (section, index, "id")
        if item_id in seen:
            out.add(path, "duplicate_id", id=item_id, first=out.line_of(seen[item_id]))
        else:
            seen[item_id] = path
    return seen


def _check_refs(
    values: Any,
    path: FieldPath,
    known: dict[str, FieldPath],
    code: str,
    out: _Collector,
    *,
    extra: Iterable[str] = (),
    exclude: object = None,
) -> None:
    """Flag references in a list that are unknown, listed twice, or equal to ``exclude``."""
    if not isinstance(values, list):
        return
    allowed = set(extra)
    seen: set[str] = set()
    for index, value in enumerate(values):
        if not isinstance(value, str):
            continue
        item_path = (*path, index)
        if value not in known and value not in allowed:
            out.add(
                item_path,
                code,
                id=value,
                suffix=out.did_you_mean(value, known),
                unless_flagged=True,
            )
        elif value in seen:
            out.add(item_path, "listed_twice", id=value)
        elif exclude is not None and value == exclude:
            out.add(item_path, "lead_cooperates", id=value)
        seen.add(value)


def _check_ref(
    value: Any, path: FieldPath, known: dict[str, FieldPath], code: str, out: _Collector
) -> None:
    if isinstance(value, str) and value not in known:
        out.add(path, code, id=value, suffix=out.did_you_mean(value, known), unless_flagged=True)


def _cross_check(data: dict[str, Any], event_date: date | None, out: _Collector) -> None:
    """Reference, uniqueness and date checks, run even when some fields are invalid."""
    units = _ids(data, "units", out)
    phases = _ids(data, "phases", out)
    _ids(data, "tasks", out)
    deadlines = _ids(data, "deadlines", out)
    groups = _ids(data, "groups", out)
    # Tasks and deadlines name units or groups alike; one id must not mean both.
    targets = {**groups, **units}
    for group_id, path in groups.items():
        if group_id in units:
            out.add(path, "group_is_unit", id=group_id, first=out.line_of(units[group_id]))
    _check_units_and_groups(data, units, out)

    _check_ref(data.get("secretariat"), ("secretariat",), units, "unknown_unit", out)
    for index, task in _items(data, "tasks"):
        base: FieldPath = ("tasks", index)
        _check_ref(task.get("lead"), (*base, "lead"), targets, "unknown_unit", out)
        _check_refs(
            task.get("cooperating"),
            (*base, "cooperating"),
            targets,
            "unknown_unit",
            out,
            exclude=task.get("lead"),
        )
        _check_refs(task.get("phases"), (*base, "phases"), phases, "unknown_phase", out)
        if task.get("deadline") is not None:
            _check_ref(
                task.get("deadline"), (*base, "deadline"), deadlines, "unknown_deadline", out
            )
        metrics = task.get("metrics")
        if isinstance(metrics, list):
            seen: dict[str, FieldPath] = {}
            for m_index, metric in enumerate(metrics):
                metric_id = metric.get("id") if isinstance(metric, dict) else None
                if not isinstance(metric_id, str):
                    continue
                m_path: FieldPath = (*base, "metrics", m_index, "id")
                if metric_id in seen:
                    out.add(
                        m_path, "duplicate_id", id=metric_id, first=out.line_of(seen[metric_id])
                    )
                else:
                    seen[metric_id] = m_path
    for index, deadline in _items(data, "deadlines"):
        _check_recurrence(deadline, ("deadlines", index), out)
        _check_refs(
            deadline.get("units"),
            ("deadlines", index, "units"),
            targets,
            "unknown_unit",
            out,
            extra=UNIT_SHORTHANDS,
        )
    numbers: dict[int, FieldPath] = {}
    for index, activity in _items(data, "agenda"):
        number = activity.get("number")
        if isinstance(number, int) and not isinstance(number, bool):
            path: FieldPath = ("agenda", index, "number")
            if number in numbers:
                out.add(
                    path, "duplicate_number", number=number, first=out.line_of(numbers[number])
                )
            else:
                numbers[number] = path
    _check_times(data, event_date, out)


def _check_recurrence(deadline: dict[str, Any], path: FieldPath, out: _Collector) -> None:
    """A deadline has a due, or recurs (every) with the day it recurs on; never both."""
    every = deadline.get("every")
    if every is None:
        if deadline.get("due") is None:
            out.add((*path, "due"), "missing")
        for name in ("weekday", "day", "window", "first", "last", "on_day_off"):
            if deadline.get(name) is not None:
                out.add((*path, name), "recurring_only", field=name)
        return
    if deadline.get("due") is not None:
        out.add((*path, "due"), "due_with_every")
    if every == Every.WEEK:
        if deadline.get("weekday") is None:
            out.add((*path, "every"), "week_needs_weekday")
        for name in ("day", "window"):
            if deadline.get(name) is not None:
                out.add((*path, name), "not_for_week", field=name)
    elif every in (Every.MONTH, Every.QUARTER, Every.YEAR):
        if deadline.get("day") is None:
            out.add((*path, "every"), "month_needs_day")
        if deadline.get("weekday") is not None:
            out.add((*path, "weekday"), "weekday_for_week")
        month = deadline.get("month")
        if every != Every.YEAR and type(month) is int and month > 3:
            out.add((*path, "month"), "month_of_quarter", value=month)


def _check_units_and_groups(
    data: dict[str, Any], units: dict[str, FieldPath], out: _Collector
) -> None:
    """A parent must be another known unit, with no loop; a group's members known units."""
    parents: dict[str, str] = {}
    for index, unit in _items(data, "units"):
        parent = unit.get("parent")
        if not isinstance(parent, str):
            continue
        path: FieldPath = ("units", index, "parent")
        if parent == unit.get("id"):
            out.add(path, "own_parent", id=parent)
        elif parent not in units:
            _check_ref(parent, path, units, "unknown_unit", out)
        elif isinstance(unit.get("id"), str):
            parents[unit["id"]] = parent
    reported: set[str] = set()
    for start in parents:
        seen = [start]
        while (up := parents.get(seen[-1])) is not None and up not in reported:
            if up in seen:
                loop = seen[seen.index(up):]
                out.add(units[loop[0]][:2] + ("parent",), "parent_loop",
                        units=" → ".join([*loop, up]))
                reported.update(loop)
                break
            seen.append(up)
    for index, group in _items(data, "groups"):
        _check_refs(group.get("members"), ("groups", index, "members"), units, "unknown_unit", out)


def _check_times(data: dict[str, Any], event_date: date | None, out: _Collector) -> None:
    try:
        tz = ZoneInfo(data["timezone"])
        day = event_date or parse_date(data["event_date"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return

    def resolve(holder: Any, key: str, path: FieldPath, default: time) -> datetime | None:
        value = holder.get(key) if isinstance(holder, dict) else None
        if not isinstance(value, str):
            return None
        try:
            return parse_when(value).resolve(day, tz, default)
        except WhenError:
            return None
        except OverflowError:
            out.add((*path, key), "bad_day", value=value)
            return None

    start = resolve(data, "start", (), START_OF_DAY)
    end = resolve(data, "end", (), END_OF_DAY)
    if start is not None and end is not None and end < start:
        out.add(("end",), "end_before_start", start=_fmt(start), end=_fmt(end))

    def within(when: datetime | None, path: FieldPath) -> None:
        if when is None or start is None or end is None or end < start:
            return
        if not start <= when <= end:
            out.add(path, "outside_campaign", when=_fmt(when), start=_fmt(start), end=_fmt(end))

    def period(holder: dict[str, Any], path: FieldPath) -> None:
        p_start = resolve(holder, "start", path, START_OF_DAY)
        p_end = resolve(holder, "end", path, END_OF_DAY)
        within(p_start, (*path, "start"))
        if p_start is not None and p_end is not None and p_end < p_start:
            out.add((*path, "end"), "end_before_start", start=_fmt(p_start), end=_fmt(p_end))
        else:
            within(p_end, (*path, "end"))

    if isinstance(data.get("focus"), dict):
        period(data["focus"], ("focus",))
    for index, phase in _items(data, "phases"):
        period(phase, ("phases", index))
    for index, activity in _items(data, "agenda"):
        path: FieldPath = ("agenda", index)
        within(resolve(activity, "when", path, START_OF_DAY), (*path, "when"))
    for index, deadline in _items(data, "deadlines"):
        path = ("deadlines", index)
        within(resolve(deadline, "due", path, DEADLINE_TIME), (*path, "due"))


def _fmt(when: datetime) -> str:
    return when.strftime("%d/%m/%Y %H:%M")


def _build(spec: PlanFile, event_date: date | None) -> Plan:
    """The resolved domain Plan from a valid, cross-checked file."""
    tz = ZoneInfo(spec.timezone)
    day = event_date or spec.event_date

    def at(expression: str, default: time) -> datetime:
        return parse_when(expression).resolve(day, tz, default)

    focal = tuple(unit.id for unit in spec.units if unit.focal_point_required)
    every = tuple(unit.id for unit in spec.units)
    expand: dict[str, tuple[str, ...]] = {FOCAL_POINTS: focal, ALL_UNITS: every}
    all_phases = tuple(phase.id for phase in spec.phases)
    groups = tuple(
        Group(id=group.id, name=group.name, members=_members(spec, group.members, group.kind))
        for group in spec.groups
    )
    expand.update((group.id, group.members) for group in groups)
    group_ids = {group.id for group in groups}

    def task_of(task: Any) -> Task:
        leads = expand[task.lead] if task.lead in group_ids else ()
        lead_units = set(leads or (task.lead,))
        cooperating = tuple(u for u in units_of(task.cooperating) if u not in lead_units)
        return Task(
            id=task.id,
            lead=task.lead,
            cooperating=cooperating,
            phases=tuple(task.phases) or all_phases,
            text=task.text,
            metrics=tuple(_metric(m, targets, members, known_units) for m in task.metrics),
            section=task.section,
            deadline=task.deadline,
            attachments_required=task.attachments == "required",
            leads=leads,
        )

    def units_of(refs: list[str]) -> tuple[str, ...]:
        ids = (unit for ref in refs for unit in expand.get(ref, (ref,)))
        return tuple(dict.fromkeys(ids))

    def optional(expression: str | None, default: time) -> datetime | None:
        return at(expression, default) if expression else None

    known_units = set(every)
    members = {group.id: group.members for group in groups}
    targets = {
        spec_target.metric: _target(spec_target, members, known_units)
        for spec_target in spec.targets
    }

    start, end = at(spec.start, START_OF_DAY), at(spec.end, END_OF_DAY)
    return Plan(
        id=spec.id,
        title=spec.title,
        issuing_body=spec.issuing_body,
        timezone=spec.timezone,
        event_date=day,
        start=start,
        end=end,
        focus_start=optional(spec.focus.start if spec.focus else None, START_OF_DAY),
        focus_end=optional(spec.focus.end if spec.focus else None, END_OF_DAY),
        secretariat=spec.secretariat,
        head_title=spec.head_title,
        units=tuple(
            Unit(
                id=unit.id,
                name=unit.name,
                short_name=unit.short_name or unit.name,
                focal_point_required=unit.focal_point_required,
                is_secretariat=unit.id == spec.secretariat,
                parent=unit.parent,
                kind=unit.kind,
            )
            for unit in spec.units
        ),
        phases=tuple(
            Phase(
                id=phase.id,
                name=phase.name,
                start=at(phase.start, START_OF_DAY),
                end=at(phase.end, END_OF_DAY),
                asks=phase.asks,
            )
            for phase in spec.phases
        ),
        agenda=tuple(
            Activity(
                number=item.number,
                title=item.title,
                when=optional(item.when, START_OF_DAY),
            )
            for item in spec.agenda
        ),
        tasks=tuple(task_of(task) for task in spec.tasks),
        deadlines=tuple(
            concrete
            for deadline in spec.deadlines
            for concrete in _deadlines_of(deadline, units_of(deadline.units), at, start, end)
        ),
        deadline_rules=tuple(deadline.id for deadline in spec.deadlines),
        recipients=tuple(spec.recipients),
        parent_body=spec.parent_body,
        place=spec.place,
        vocabulary=_vocabulary(spec),
        groups=groups,
    )


def _deadlines_of(
    spec: DeadlineSpec,
    units: tuple[str, ...],
    at: Callable[[str, time], datetime],
    start: datetime,
    end: datetime,
) -> Iterator[Deadline]:
    """The deadline, or one per period of a recurring one inside the campaign and first–last."""
    if spec.every is None:
        assert spec.due is not None  # the cross-check asked for it
        yield Deadline(spec.id, spec.title, at(spec.due, DEADLINE_TIME), spec.kind, units)
        return
    first = at(spec.first, START_OF_DAY) if spec.first else start
    last = at(spec.last, END_OF_DAY) if spec.last else end
    hour, minute = (int(part) for part in spec.time.split(":"))
    tz = start.tzinfo
    days = recurrence.due_days(spec.every, first.date(), last.date(), weekday=spec.weekday or 1,
                               day=spec.day or 1, month=spec.month)
    periods = []
    for day in days:
        due = datetime.combine(day, time(hour, minute), tz)
        if not (start <= due <= end and first <= due <= last):
            continue
        window = spec.window
        data_start, data_end = recurrence.window(
            spec.every, day, window.from_day if window else None, window.to_day if window else None
        )
        if spec.on_day_off == "next_working_day":
            # The data window stays the nominal one; only the day it is due moves.
            due = datetime.combine(workdays.next_working_day(day), time(hour, minute), tz)
        periods.append((due, recurrence.period(spec.id, spec.every, data_start, data_end)))
    schedule = tuple((due, period.end) for due, period in periods)
    for due, period in periods:
        period = dataclasses.replace(period, schedule=schedule)
        # The period in the title, in numbers any language reads: "Báo cáo tuần 47/2026".
        title = f"{spec.title} {period.name}"
        yield Deadline(f"{spec.id}@{period.label}", title, due, spec.kind, units, period)


def _members(spec: PlanFile, listed: list[str], kind: str | None) -> tuple[str, ...]:
    """A group's members in plan order: those listed, then every unit of its kind."""
    wanted = set(listed)
    return tuple(
        unit.id for unit in spec.units if unit.id in wanted or (kind and unit.kind == kind)
    )


# --- figures, targets and the plan's own words (issue 15) ----------------------------------


def _kind(value: str) -> MetricKind:
    """A metric's kind; an unknown one reads as a count (plan check warns about it)."""
    try:
        return MetricKind(value.strip().lower())
    except ValueError:
        return MetricKind.COUNT


def _target(spec: TargetSpec, members: Mapping[str, tuple[str, ...]],
            known_units: set[str]) -> Target:
    """The target as the domain reads it: each group's figure given to every member."""
    # A unit or group the plan does not list is left out (plan check names it).
    group_units: dict[str, Decimal] = {}
    for group_id, value in spec.groups.items():
        for unit_id in members.get(group_id, ()):
            # A unit in two listed groups keeps the first one's (plan check warns).
            group_units.setdefault(unit_id, value)
    return Target(
        total=spec.total,
        each=spec.each,
        units={unit: value for unit, value in spec.units.items() if unit in known_units},
        groups={group: value for group, value in spec.groups.items() if group in members},
        group_units=group_units,
    )


def _metric(spec: MetricSpec, targets: dict[str, Target],
            members: Mapping[str, tuple[str, ...]], known_units: set[str]) -> Metric:
    target = targets.get(spec.id)
    if spec.target is not None:
        inline = spec.target if isinstance(spec.target, TargetSpec) else TargetSpec(
            total=spec.target)
        target = _target(inline, members, known_units)
    return Metric(id=spec.id, label=spec.label, kind=_kind(spec.kind), unit=spec.unit or "",
                  target=target)


def _vocabulary(spec: PlanFile) -> Vocabulary:
    words = spec.vocabulary
    signature = spec.signature
    return Vocabulary(
        body=(words.body if words else None) or "",
        head=(words.head if words else None) or "",
        leadership=(words.leadership if words else None) or "",
        report_symbol=spec.report_symbol or "",
        sign_on_behalf=(signature.on_behalf if signature else None) or "",
        signer_title=(signature.title if signature else None) or "",
        signer_name=(signature.name if signature else None) or "",
    )


def _metric_items(data: dict[str, Any]) -> list[tuple[FieldPath, dict[str, Any]]]:
    found = []
    for index, task in _items(data, "tasks"):
        metrics = task.get("metrics")
        if isinstance(metrics, list):
            found += [(("tasks", index, "metrics", m_index), metric)
                      for m_index, metric in enumerate(metrics) if isinstance(metric, dict)]
    return found


def _check_figures(data: dict[str, Any], out: _Collector) -> None:
    """Errors: one metric id with two kinds (its totals would add unlike things), two targets."""
    kinds: dict[str, tuple[str, FieldPath]] = {}
    targeted: dict[str, FieldPath] = {}
    for path, metric in _metric_items(data):
        metric_id, kind = metric.get("id"), metric.get("kind", "count")
        if not isinstance(metric_id, str) or not isinstance(kind, str):
            continue
        kind = kind.strip().lower()
        if metric_id in kinds and kinds[metric_id][0] != kind:
            out.add((*path, "kind"), "metric_kind_clash", id=metric_id, kind=kind,
                    other=kinds[metric_id][0], first=out.line_of(kinds[metric_id][1]))
        kinds.setdefault(metric_id, (kind, (*path, "kind")))
        if metric.get("target") is not None:
            if metric_id in targeted:
                out.add((*path, "target"), "duplicate_target", id=metric_id,
                        first=out.line_of(targeted[metric_id]))
            targeted.setdefault(metric_id, (*path, "target"))
    for index, item in _items(data, "targets"):
        metric_id = item.get("metric")
        if not isinstance(metric_id, str):
            continue
        path = ("targets", index, "metric")
        if metric_id in targeted:
            out.add(path, "duplicate_target", id=metric_id, first=out.line_of(targeted[metric_id]))
        targeted.setdefault(metric_id, path)


def figure_warnings(data: dict[str, Any], plan: Plan, out: _Collector) -> None:
    """Warnings about figures and wording: what loads, but is surely not what was meant."""
    metric_ids = list(dict.fromkeys(m.id for task in plan.tasks for m in task.metrics))
    reporters: dict[str, set[str]] = {}
    for task in plan.tasks:
        for metric in task.metrics:
            reporters.setdefault(metric.id, set()).update((*task.lead_units, *task.cooperating))
    kinds = [kind.value for kind in MetricKind]
    for path, metric in _metric_items(data):
        kind = metric.get("kind")
        if isinstance(kind, str) and kind.strip().lower() not in kinds:
            out.add((*path, "kind"), "warn_unknown_kind", value=kind, kinds=", ".join(kinds),
                    suffix=out.did_you_mean(kind.strip().lower(), kinds))
        target = metric.get("target")
        if isinstance(target, dict):
            _warn_target_units(target, (*path, "target"), plan, out,
                               reporters.get(str(metric.get("id")), set()))
    for index, item in _items(data, "targets"):
        metric_id = item.get("metric")
        path: FieldPath = ("targets", index)
        if isinstance(metric_id, str) and metric_id not in metric_ids:
            out.add((*path, "metric"), "warn_target_unasked", id=metric_id,
                    suffix=out.did_you_mean(metric_id, metric_ids))
        _warn_target_units(item, path, plan, out, reporters.get(str(metric_id), set()))
    if not plan.vocabulary.report_symbol and not _filing_symbol(plan):
        out.add(("report_symbol",), "warn_no_symbol", line=1)


# Days of the month some months lack, those months, and where the day falls in them instead.
SHORT_MONTHS = {30: "2", 31: "2, 4, 6, 9, 11"}
FALLS_ON = {30: "28/02", 31: "30/04, 28/02"}


def day_warnings(data: dict[str, Any], out: _Collector) -> None:
    """A recurring day 29–31 that some months lack: where it falls then, and that `last` says
    "the last day of each month" outright."""
    for index, deadline in _items(data, "deadlines"):
        path: FieldPath = ("deadlines", index)
        window = deadline.get("window")
        fields = [("day", deadline.get("day"), (*path, "day"))]
        if isinstance(window, dict):
            fields += [(name, window.get(name), (*path, "window", name))
                       for name in ("from_day", "to_day")]
        for name, value, where in fields:
            if type(value) is not int:
                continue
            if value == 29:
                out.add(where, "warn_day_29", field=name)
            elif value in SHORT_MONTHS:
                out.add(where, "warn_day_short_months", field=name, day=value,
                        months=SHORT_MONTHS[value], falls_on=FALLS_ON[value])


def _warn_target_units(
    target: dict[str, Any], path: FieldPath, plan: Plan, out: _Collector, reporters: set[str],
) -> None:
    unit_ids = [unit.id for unit in plan.units]
    units = target.get("units")
    for unit in units if isinstance(units, dict) else ():
        if isinstance(unit, str) and unit not in unit_ids:
            out.add((*path, "units", unit), "warn_target_unknown_unit", id=unit,
                    suffix=out.did_you_mean(unit, unit_ids))
        elif isinstance(unit, str) and reporters and unit not in reporters:
            # It would read 0 of its target for ever: no task of its asks for this figure.
            out.add((*path, "units", unit), "warn_target_unit_not_reporting", id=unit)
    groups = target.get("groups")
    members = {group.id: group.members for group in plan.groups}
    first_group: dict[str, str] = {}
    for group_id in groups if isinstance(groups, dict) else ():
        if not isinstance(group_id, str):
            continue
        group_path = (*path, "groups", group_id)
        if group_id not in members:
            out.add(group_path, "warn_target_unknown_group", id=group_id,
                    suffix=out.did_you_mean(group_id, list(members)))
            continue
        silent = [unit for unit in members[group_id] if reporters and unit not in reporters]
        if silent:
            out.add(group_path, "warn_target_group_not_reporting", id=group_id,
                    count=len(silent), units=", ".join(silent[:5])
                    + (f" (+{len(silent) - 5})" if len(silent) > 5 else ""))
        overlaps: dict[str, list[str]] = {}
        for unit in members[group_id]:
            other = first_group.setdefault(unit, group_id)
            if other != group_id and groups[other] != groups[group_id]:
                overlaps.setdefault(other, []).append(unit)
        for other, shared in overlaps.items():
            # Only the first group's figure counts for them; say so rather than guess.
            out.add(group_path, "warn_target_unit_two_groups", id=group_id, first=other,
                    units=", ".join(shared))


def _filing_symbol(plan: Plan) -> str | None:
    """The symbol the filing line gives ("Lưu: VT, TBTT"), as the Word report reads it."""
    for recipient in reversed(plan.recipients):
        match = re.match(r"^\s*Lưu\s*:\s*(.+?)\s*[.;]?\s*$", recipient)
        if match:
            return match.group(1).split(",")[-1].strip() or None
    return None


__all__ = ["PlanError", "PlanIssue", "check_plan", "format_path", "load_plan",
           "load_plan_checked"]
