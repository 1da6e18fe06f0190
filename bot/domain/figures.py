"""What kind of figure a metric is, how it is stored, and the targets it is measured against.

Figures are stored as whole numbers in the metric's smallest step (hundredths of a decimal,
tenths of a percent, đồng), so the database sums them exactly and a count plan stores what it
always stored. A metric's kind fixes that step; it must not change once reports are in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum


class MetricKind(StrEnum):
    """How a figure is counted: whole things, a measure, a share, an amount of money."""

    COUNT = "count"
    DECIMAL = "decimal"
    PERCENT = "percent"
    MONEY = "money"


#: Decimal places each kind keeps (and stores), e.g. 5,25 km; 80,5 %; money in whole đồng.
DECIMALS: Mapping[MetricKind, int] = {
    MetricKind.COUNT: 0,
    MetricKind.DECIMAL: 2,
    MetricKind.PERCENT: 1,
    MetricKind.MONEY: 0,
}
#: The largest figure each kind takes (a province's budget line fits in money's).
LIMITS: Mapping[MetricKind, Decimal] = {
    MetricKind.COUNT: Decimal(1_000_000),
    MetricKind.DECIMAL: Decimal(1_000_000),
    MetricKind.PERCENT: Decimal(100),
    MetricKind.MONEY: Decimal(1_000_000_000_000_000),
}


def to_stored(kind: MetricKind, value: Decimal) -> int:
    """The whole number stored for a figure of this kind (5,5 of a decimal is 550)."""
    step = Decimal(10) ** DECIMALS[kind]
    return int((value * step).to_integral_value(rounding=ROUND_HALF_UP))


def from_stored(kind: MetricKind, stored: int) -> Decimal:
    """The figure a stored whole number stands for (550 of a decimal is 5,50)."""
    places = DECIMALS[kind]
    return Decimal(stored).scaleb(-places) if places else Decimal(stored)


@dataclass(frozen=True)
class Target:
    """A metric's target (chỉ tiêu): for the whole plan, for each unit, or for named units.

    ``each`` applies to every unit that reports the metric unless ``units`` names it or a
    group of ``groups`` holds it; ``units`` wins over ``groups``, which win over ``each``.
    ``groups`` keeps what the plan wrote (group id → target), ``group_units`` what it means for
    each member. Values are in the metric's own terms (5,5 km, 80 %, 2.000.000 đồng), not
    stored steps.
    """

    total: Decimal | None = None
    each: Decimal | None = None
    units: Mapping[str, Decimal] = field(default_factory=dict)
    groups: Mapping[str, Decimal] = field(default_factory=dict)
    group_units: Mapping[str, Decimal] = field(default_factory=dict)

    def for_unit(self, unit_id: str) -> Decimal | None:
        """The target one unit is measured against, if it has one."""
        if unit_id in self.units:
            return self.units[unit_id]
        return self.group_units.get(unit_id, self.each)

    @property
    def targeted_units(self) -> tuple[str, ...]:
        """The units with a target of their own, named or through a group."""
        return tuple(dict.fromkeys((*self.units, *self.group_units)))

    @property
    def per_unit(self) -> bool:
        """Whether units are measured one by one (else only the plan's total is)."""
        return self.each is not None or bool(self.units) or bool(self.group_units)


def achieved(result: Decimal, target: Decimal) -> int | None:
    """The share of the target reached, in whole percent rounded down (None: no target)."""
    if target <= 0:
        return None
    return int((result * 100 / target).to_integral_value(rounding=ROUND_FLOOR))


__all__ = ["DECIMALS", "LIMITS", "MetricKind", "Target", "achieved", "from_stored", "to_stored"]
