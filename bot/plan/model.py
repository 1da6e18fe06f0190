"""The plan file format: pydantic models of the YAML document, before references are resolved.

Ids are lowercase slugs. Date-time fields take the expressions of ``bot.plan.relative``.
Deadline ``units`` also accept two shorthands, which can never clash with a unit id because ids
have no underscore: ``focal_points`` (every unit with ``focal_point_required: true``) and
``all_units`` (every unit). A task's ``lead`` and ``cooperating`` and a deadline's ``units`` may
also name a group of ``groups`` (its members, listed or selected by ``kind``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from bot.domain.plan import DeadlineKind, Every
from bot.plan.relative import WHEN_EXAMPLES, WHEN_PATTERN, WhenError, parse_date, parse_when

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
FOCAL_POINTS = "focal_points"
ALL_UNITS = "all_units"
UNIT_SHORTHANDS = (FOCAL_POINTS, ALL_UNITS)


def _check_when(value: Any) -> Any:
    try:
        if not isinstance(value, str):
            raise WhenError(str(value), "syntax")
        parse_when(value)
    except WhenError as exc:
        raise PydanticCustomError(
            "plan_when",
            "invalid date-time {value!r} ({reason})",
            {"value": value, "reason": exc.reason},
        ) from None
    return value


def _to_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("plan_date", "invalid date {value!r}", {"value": value})
    try:
        return parse_date(value)
    except WhenError:
        raise PydanticCustomError(
            "plan_date", "invalid date {value!r}", {"value": value}
        ) from None


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        raise PydanticCustomError(
            "plan_timezone", "unknown time zone {value!r}", {"value": value}
        ) from None
    return value


Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
UnitRef = Annotated[
    str, StringConstraints(pattern=rf"^([a-z0-9][a-z0-9-]{{0,39}}|{FOCAL_POINTS}|{ALL_UNITS})$")
]
Text = Annotated[str, StringConstraints(min_length=1)]
When = Annotated[
    str,
    BeforeValidator(_check_when),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": WHEN_PATTERN,
            "examples": list(WHEN_EXAMPLES),
            "description": "Local date-time, absolute (2023-11-28 17:00) or relative to "
            "event_date (-7d, +5d 17:00, +2w).",
        }
    ),
]
IsoDate = Annotated[
    date,
    BeforeValidator(_to_date),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2023-12-05"]}),
]
TimeZone = Annotated[str, AfterValidator(_check_timezone)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class FocusSpec(_Strict):
    """The focus period of the campaign."""

    start: When
    end: When


class UnitSpec(_Strict):
    """A participating unit."""

    id: Slug
    name: Text
    short_name: Text | None = Field(default=None, description="Defaults to name.")
    focal_point_required: bool = False
    parent: Slug | None = Field(
        default=None,
        description="The unit this one reports to (a commune's district); omitted: the "
        "secretariat.",
    )
    kind: Slug | None = Field(
        default=None, description="A label of the unit's sort (xa, huyen) that groups may select."
    )


class GroupSpec(_Strict):
    """A named set of units: listed in ``members``, or every unit of a ``kind``, or both."""

    id: Slug
    name: Text
    members: list[Slug] = Field(default_factory=list)
    kind: Slug | None = Field(default=None, description="Adds every unit of this kind.")


class PhaseSpec(_Strict):
    """A period of the campaign and what it asks of the units."""

    id: Slug
    name: Text
    start: When = Field(description="No hour: 00:00.")
    end: When = Field(description="No hour: 23:59:59 (the whole day).")
    asks: Text


class ActivitySpec(_Strict):
    """One item of the event agenda."""

    number: int = Field(ge=1)
    title: Text
    when: When | None = Field(default=None, description="No hour: 00:00.")


Amount = Annotated[Decimal, Field(ge=0, description="A number in the metric's own terms.")]


class TargetSpec(_Strict):
    """A metric's target (chỉ tiêu): the plan's total, each unit's, named units' or groups'."""

    total: Amount | None = Field(default=None, description="For the plan as a whole.")
    each: Amount | None = Field(
        default=None, description="For every unit that reports the metric, unless listed."
    )
    units: dict[Slug, Amount] = Field(
        default_factory=dict, description="Per unit, by unit id (a table of targets)."
    )
    groups: dict[Slug, Amount] = Field(
        default_factory=dict,
        description="Per group, by group id: the target of every member (units overrides it).",
    )


class PlanTargetSpec(TargetSpec):
    """A target listed on its own, for the metric with this id (in whichever task asks it)."""

    metric: Slug


class MetricSpec(_Strict):
    """A figure to report for a task."""

    id: Slug
    label: Text
    kind: str = Field(
        default="count",
        description="count (whole number), decimal (5,5), percent (0–100) or money (đồng).",
    )
    unit: Text | None = Field(default=None, description="Shown after the figure: bài, km, lượt.")
    target: Amount | TargetSpec | None = Field(
        default=None, description="A number (the plan's total) or total/each/units."
    )


class TaskSpec(_Strict):
    """A duty of a lead unit (or of each member of a group), with cooperating units."""

    id: Slug
    lead: Slug = Field(description="A unit id, or a group id: every member leads its own copy.")
    cooperating: list[Slug] = Field(default_factory=list)
    phases: list[Slug] = Field(default_factory=list, description="Empty or omitted: every phase.")
    text: Text
    section: str = ""
    metrics: list[MetricSpec] = Field(default_factory=list)
    deadline: Slug | None = None
    attachments: Literal["optional", "required"] = Field(
        default="optional", description="required: the report needs a photo or file."
    )


LAST_DAY = 31  # `last`: a day no month goes past, so each month reads it as its own last day


def _last_day(value: Any) -> Any:
    """`last` (the last day of each month: 31/01, 28/02, 30/11, 31/12) as day 31."""
    if isinstance(value, str) and value.strip().lower() == "last":
        return LAST_DAY
    if isinstance(value, str) or isinstance(value, bool):
        raise PydanticCustomError("plan_day", "invalid day of month {value!r}", {"value": value})
    return value


DayOfMonth = Annotated[
    int, BeforeValidator(_last_day), Field(ge=1, le=31),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1, "maximum": 31},
                              {"const": "last"}]}),
]


class WindowSpec(_Strict):
    """The data a period's report covers, by day of month: 15 → 14 (Decree 09/2019, art. 12)."""

    from_day: DayOfMonth
    to_day: DayOfMonth = Field(description="last: the month's last day (31/12 for a year-end).")


class DeadlineSpec(_Strict):
    """A due date-time for some units, or a recurring one (``every``): one per period."""

    id: Slug
    title: Text
    due: When | None = Field(default=None, description="No hour: 17:00. Not with every.")
    kind: DeadlineKind
    units: list[UnitRef] = Field(
        min_length=1,
        description="Unit or group ids, or the shorthands focal_points and all_units.",
    )
    every: Every | None = Field(default=None, description="week, month, quarter or year: recurs.")
    weekday: int | None = Field(default=None, ge=1, le=7, description="every: week; 1 = Monday.")
    day: DayOfMonth | None = Field(
        default=None, description="every: month, quarter or year; last: the month's last day."
    )
    month: int = Field(
        default=1, ge=1, le=12, description="every: quarter, the due's month in each quarter "
        "(1: the month after the quarter, 3: its last month); every: year, the due's month."
    )
    time: Annotated[str, StringConstraints(pattern=r"^([01]?\d|2[0-3]):[0-5]\d$")] = Field(
        default="17:00", description="The hour of each period's due."
    )
    window: WindowSpec | None = Field(
        default=None, description="month or quarter: the data cut-off by day of month; "
        "default: the previous week, month or quarter."
    )
    first: When | None = Field(default=None, description="No period due before (default: start).")
    last: When | None = Field(default=None, description="No period due after (default: end).")
    on_day_off: Literal["keep", "next_working_day"] = Field(
        default="keep", description="A period due on a Saturday, Sunday or public holiday: kept, "
        "or moved to the next working day (its data window stays)."
    )


class VocabularySpec(_Strict):
    """What the plan calls its coordinating body and its head; texts say these words."""

    body: Text | None = Field(default=None, examples=["Tiểu ban Tuyên truyền", "Ban Chỉ đạo"])
    head: Text | None = Field(default=None, examples=["Trưởng Tiểu ban", "Trưởng Ban Chỉ đạo"])
    leadership: Text | None = Field(
        default=None, examples=["Lãnh đạo Tiểu ban", "Thường trực Ban Chỉ đạo"]
    )


class SignatureSpec(_Strict):
    """The signature block of the Word report (Decree 30/2020, Appendix I)."""

    on_behalf: Text | None = Field(default=None, examples=["TM. ỦY BAN NHÂN DÂN"])
    title: Text | None = Field(default=None, examples=["CHỦ TỊCH"])
    name: Text | None = Field(default=None, examples=["Nguyễn Văn A"])


class PlanFile(_Strict):
    """A campaign plan file."""

    model_config = ConfigDict(title="daumoi campaign plan")

    id: Slug
    title: Text
    issuing_body: Text
    timezone: TimeZone = Field(examples=["Asia/Ho_Chi_Minh"])
    event_date: IsoDate = Field(description="The day relative date-times count from.")
    start: When = Field(description="No hour: 00:00.")
    end: When = Field(description="No hour: 23:59:59 (the whole day).")
    focus: FocusSpec | None = None
    secretariat: Slug
    head_title: Text
    recipients: list[Text] = Field(default_factory=list)
    parent_body: Text | None = Field(
        default=None, description="The body above the issuer in a report header (upper case)."
    )
    place: Text | None = Field(
        default=None, description="Where reports are issued, as in 'Kon Tum, ngày …'."
    )
    units: list[UnitSpec] = Field(min_length=1)
    groups: list[GroupSpec] = Field(default_factory=list)
    phases: list[PhaseSpec] = Field(default_factory=list)
    agenda: list[ActivitySpec] = Field(default_factory=list)
    tasks: list[TaskSpec] = Field(default_factory=list)
    deadlines: list[DeadlineSpec] = Field(default_factory=list)
    targets: list[PlanTargetSpec] = Field(
        default_factory=list, description="Targets as a table, one entry per metric."
    )
    vocabulary: VocabularySpec | None = None
    report_symbol: Text | None = Field(
        default=None, description="The report's symbol after 'Số: …/', e.g. BC-TBTT."
    )
    signature: SignatureSpec | None = None
