"""The directory of units and their focal points, for the secretariat and the head."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.plan import Plan, Unit
from bot.domain.records import FocalPoint, FocalPointRole
from bot.services.parsing import format_phone
from bot.services.ports import UnitOfWorkFactory


@dataclass(frozen=True)
class UnitEntry:
    """A unit with its current focal point and deputy (None: not named yet)."""

    unit: Unit
    focal_point: FocalPoint | None
    deputy: FocalPoint | None


@dataclass(frozen=True)
class Directory:
    """Every unit that must name a focal point (and any other unit that has one)."""

    entries: tuple[UnitEntry, ...]
    registered: int
    required: int

    def as_json(self) -> dict[str, Any]:
        """The JSON printed by `daumoi units --json`."""

        def person(seat: FocalPoint | None) -> dict[str, Any] | None:
            if seat is None:
                return None
            return {
                "name": seat.full_name,
                "position": seat.position,
                "phone": seat.phone_e164,
                "phone_display": format_phone(seat.phone_e164) if seat.phone_e164 else None,
                "registered_at": seat.registered_at.isoformat(),
            }

        return {
            "registered": self.registered,
            "required": self.required,
            "units": [
                {
                    "id": entry.unit.id,
                    "name": entry.unit.name,
                    "focal_point_required": entry.unit.focal_point_required,
                    "focal_point": person(entry.focal_point),
                    "deputy": person(entry.deputy),
                }
                for entry in self.entries
            ],
        }


class DirectoryService:
    """Reads who speaks for which unit."""

    def __init__(self, plan: Plan, uow_factory: UnitOfWorkFactory) -> None:
        self._plan = plan
        self._uow_factory = uow_factory

    async def units(self) -> Directory:
        """The directory as stored now."""
        async with self._uow_factory() as uow:
            seats = await uow.focal_points.active(self._plan.id)
        by_unit: dict[tuple[str, FocalPointRole], FocalPoint] = {
            (seat.unit_id, seat.role): seat for seat in seats
        }
        seated = {seat.unit_id for seat in seats}
        entries = tuple(
            UnitEntry(
                unit,
                by_unit.get((unit.id, FocalPointRole.FOCAL_POINT)),
                by_unit.get((unit.id, FocalPointRole.DEPUTY)),
            )
            for unit in self._plan.units
            if unit.focal_point_required or unit.id in seated
        )
        required = [entry for entry in entries if entry.unit.focal_point_required]
        registered = sum(1 for entry in required if entry.focal_point is not None)
        return Directory(entries, registered, len(required))
