"""The people a sandbox visitor can play: secretariat, head, focal points, a stranger, groups.

Most personas are on Telegram; one unit's focal point, the secretariat's Zalo account and a Zalo
coordination group are on Zalo, so a trainer can show both channels side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.address import Address
from bot.domain.plan import Plan, Unit
from bot.fakeserver import FakeBotApi
from bot.fakezalo import FakeZaloApi
from bot.texts import t

# Fixed ids keep a sandbox's personas the same from one run to the next (bookmarkable tabs).
SECRETARIAT_ID = 910_000_001
HEAD_ID = 910_000_002
FOCAL_BASE_ID = 910_000_100
STRANGER_ID = 910_000_999
# Zalo ids are 20 hexadecimal characters.
ZALO_SECRETARIAT_ID = "5a10000000000000a001"
ZALO_FOCAL_ID = "5a10000000000000f001"
ZALO_GROUP_ID = "5a10000000000000c001"

TELEGRAM = "telegram"
ZALO = "zalo"


class Kind(StrEnum):
    """What a persona is in the campaign."""

    SECRETARIAT = "secretariat"
    HEAD = "head"
    FOCAL = "focal"
    STRANGER = "stranger"
    GROUP = "group"


@dataclass
class Persona:
    """One chat the visitor can open: a person's private chat with the bot, or a group."""

    key: str
    kind: Kind
    chat_id: int | str
    name: str
    user_id: int | str | None = None  # None for a group: someone in it speaks
    phone: str | None = None
    unit_id: str | None = None
    unit_name: str | None = None
    unit_short_name: str | None = None
    invite_code: str | None = None
    members: tuple[int | str, ...] = field(default=())
    channel: str = TELEGRAM

    @property
    def is_group(self) -> bool:
        """Return True for a coordination group."""
        return self.kind is Kind.GROUP

    @property
    def on_zalo(self) -> bool:
        """Return True for a persona on Zalo."""
        return self.channel == ZALO

    @property
    def address(self) -> Address:
        """Return the chat's address as the bot knows it (``telegram:42``, ``zalo:5a1…``)."""
        return Address(self.channel, str(self.chat_id))

    def as_dict(self) -> dict[str, object]:
        """Return the persona as JSON-able data for the page."""
        return {
            "key": self.key,
            "kind": self.kind.value,
            "channel": self.channel,
            "address": str(self.address),
            "chat_id": self.chat_id,
            "user_id": self.user_id,
            "name": self.name,
            "phone": self.phone,
            "unit_id": self.unit_id,
            "unit_name": self.unit_name,
            "unit_short_name": self.unit_short_name,
            "invite_code": self.invite_code,
            "members": list(self.members),
        }


def phone_for(index: int) -> str:
    """Return a made-up Vietnamese mobile number in E.164 form, distinct per index."""
    return f"+8490555{index:04d}"


def _sample_names() -> list[str]:
    return [name.strip() for name in t("sandbox.sample_names").split(";") if name.strip()]


def zalo_unit_of(plan: Plan) -> Unit | None:
    """Return the unit whose focal point is on Zalo: the middle one of the plan's list."""
    units = plan.focal_point_units
    return units[len(units) // 2] if len(units) > 1 else None


def build_personas(api: FakeBotApi, zalo: FakeZaloApi, plan: Plan) -> list[Persona]:
    """Create the sandbox's users and groups in both fake servers; return them in display order."""
    names = _sample_names()

    def name(index: int) -> str:
        return names[index % len(names)] if names else f"#{index}"

    personas: list[Persona] = []
    zalo_unit = zalo_unit_of(plan)

    def unit_fields(unit: Unit | None) -> dict[str, str | None]:
        return {
            "unit_id": unit.id if unit else None,
            "unit_name": unit.name if unit else None,
            "unit_short_name": unit.short_name if unit else None,
        }

    def person(key: str, kind: Kind, user_id: int, index: int, unit: Unit | None = None) -> None:
        full = name(index)
        phone = phone_for(index)
        # Vietnamese users usually put the whole name, family name first, in first_name.
        api.add_user(full, id=user_id, language_code="vi", phone_number=phone)
        personas.append(
            Persona(key, kind, user_id, full, user_id=user_id, phone=phone, **unit_fields(unit))
        )

    def zalo_person(key: str, kind: Kind, user_id: str, index: int, unit: Unit | None,
                    phone: str | None) -> None:
        full = name(index)
        zalo.add_user(full, id=user_id)
        personas.append(
            Persona(key, kind, user_id, full, user_id=user_id, phone=phone, channel=ZALO,
                    **unit_fields(unit))
        )

    secretariat = plan.unit(plan.secretariat)
    person("secretariat", Kind.SECRETARIAT, SECRETARIAT_ID, 0, secretariat)
    # The same secretariat official also has a Zalo account (no phone: it is the same person).
    zalo_person("zalo-secretariat", Kind.SECRETARIAT, ZALO_SECRETARIAT_ID, 0, secretariat, None)
    person("head", Kind.HEAD, HEAD_ID, 1)
    for number, unit in enumerate(plan.focal_point_units):
        index = 2 + number
        if unit is zalo_unit:
            zalo_person(f"focal-{unit.id}", Kind.FOCAL, ZALO_FOCAL_ID, index, unit,
                        phone_for(index))
        else:
            person(f"focal-{unit.id}", Kind.FOCAL, FOCAL_BASE_ID + number, index, unit)
    person("stranger", Kind.STRANGER, STRANGER_ID, 2 + len(plan.focal_point_units))

    def members_on(channel: str) -> tuple[int | str, ...]:
        return tuple(
            p.user_id for p in personas
            if p.channel == channel and p.kind is not Kind.STRANGER and p.user_id is not None
        )

    members = members_on(TELEGRAM)
    group = api.add_group(
        t("sandbox.group_title", "vi", campaign=plan.id),
        [m for m in members if isinstance(m, int)],
        added_by=SECRETARIAT_ID,
    )
    personas.append(Persona("group", Kind.GROUP, group.id, group.title or "", members=members))
    zalo_members = members_on(ZALO)
    zalo_group = zalo.add_group(
        t("sandbox.group_title_zalo", "vi", campaign=plan.id),
        id=ZALO_GROUP_ID,
        members=[str(m) for m in zalo_members],
    )
    personas.append(
        Persona("zalo-group", Kind.GROUP, zalo_group.id, zalo_group.title, members=zalo_members,
                channel=ZALO)
    )
    return personas
