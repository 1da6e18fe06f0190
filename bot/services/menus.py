"""Which command menu each known person should see, and which menus a channel has published.

Strangers see a channel's default menu; the secretariat, the head and every registered focal
point or deputy get a menu of their own in their private chat. What was published is kept in
the bot_state table, so a menu is taken back after a handover, an erasure or a change of
ADMIN_IDS/HEAD_IDS even across restarts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.address import Address
from bot.domain.records import FocalPointRole
from bot.services.access import MEMBERS, Role
from bot.services.ports import UnitOfWorkFactory
from bot.services.preferences import PreferenceService

#: A person's menu: their role, the language they chose (None: their app's language) and
#: whether their unit consolidates others' reports (a parent: its menu offers /xuat).
Wanted = tuple[str, str | None, bool]


class MenuService:
    """Decides every known person's menu; remembers what each channel was told."""

    def __init__(
        self,
        campaign_id: str,
        admin_ids: frozenset[Address],
        head_ids: frozenset[Address],
        uow_factory: UnitOfWorkFactory,
        preferences: PreferenceService,
        parent_units: frozenset[str] = frozenset(),
        also: Sequence[str] = (),
    ) -> None:
        self._campaign_id = campaign_id
        # The other campaigns served: a seat in any of them gives its holder a member's menu.
        self._also = tuple(also)
        self._parent_units = parent_units
        self._admin_ids = admin_ids
        self._head_ids = head_ids
        self._uow_factory = uow_factory
        self._preferences = preferences
        self._changed = True
        self._built_from: int | None = None

    @property
    def changed(self) -> bool:
        """Whether a role or a language changed since the menus were last published."""
        return self._changed

    def mark_changed(self, *_: object) -> None:
        """Note that someone's role or language changed (a hook: its arguments are ignored)."""
        self._changed = True

    def directory_seen(self, version: int) -> None:
        """The directory is at `version`: if the menus were built from another, they change
        (a seat changed by another process: the CLI, another instance)."""
        if self._built_from is not None and version != self._built_from:
            self._changed = True

    def is_staff(self, user: Address) -> bool:
        """Whether the user is configured as secretariat or head (their menu needs no query)."""
        return user in self._admin_ids or user in self._head_ids

    async def wanted(self, channel: str) -> dict[str, Wanted]:
        """Every known person on `channel` by id: the menu they should see now."""
        self._changed = False
        roles: dict[Address, Role] = {}
        parents: set[Address] = set()
        async with self._uow_factory() as uow:
            self._built_from = await uow.focal_points.version()
            seats = [seat for campaign_id in (*self._also, self._campaign_id)
                     for seat in await uow.focal_points.active(campaign_id)]
        # A person holding both seats of a unit acts as its focal point (as AccessService).
        for seat in sorted(seats, key=lambda seat: seat.role is FocalPointRole.FOCAL_POINT):
            is_focal = seat.role is FocalPointRole.FOCAL_POINT
            roles[seat.user] = Role.FOCAL_POINT if is_focal else Role.DEPUTY
            if seat.unit_id in self._parent_units:
                parents.add(seat.user)
            else:
                parents.discard(seat.user)
        roles.update({user: Role.HEAD for user in self._head_ids})
        roles.update({user: Role.SECRETARIAT for user in self._admin_ids})
        return {
            user.id: (role.value, self._preferences.locale_of(user),
                      role in MEMBERS and user in parents)
            for user, role in roles.items() if user.channel == channel
        }

    async def published(self, channel: str) -> dict[str, Wanted]:
        """The menus `channel` was last told to show, by person id."""
        async with self._uow_factory() as uow:
            stored: Any = await uow.state.get(f"menus:{channel}")
        # Menus recorded before parents had one of their own read as not a parent's.
        return {ident: (value[0], value[1], bool(value[2]) if len(value) > 2 else False)
                for ident, value in (stored or {}).items()}

    async def record(self, channel: str, menus: dict[str, Wanted]) -> None:
        """Remember what `channel` now shows each person."""
        async with self._uow_factory() as uow:
            await uow.state.put(f"menus:{channel}", {k: list(v) for k, v in menus.items()})
            await uow.commit()
