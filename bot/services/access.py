"""Who is asking: the role of a Telegram user, checked on every command."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user may do."""

    SECRETARIAT = "secretariat"
    HEAD = "head"
    FOCAL_POINT = "focal_point"
    DEPUTY = "deputy"
    STRANGER = "stranger"


STAFF = frozenset({Role.SECRETARIAT, Role.HEAD})


class AccessService:
    """Decides roles from the configured ids (and, later, the registered focal points)."""

    def __init__(self, admin_ids: frozenset[int], head_ids: frozenset[int]) -> None:
        self._admin_ids = admin_ids
        self._head_ids = head_ids

    async def role_of(self, user_id: int) -> Role:
        """The role of a user, looked up afresh on every call."""
        if user_id in self._admin_ids:
            return Role.SECRETARIAT
        if user_id in self._head_ids:
            return Role.HEAD
        return Role.STRANGER
