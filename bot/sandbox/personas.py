"""The people a sandbox visitor can play: secretariat, head, focal points, a stranger, a group."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.plan import Plan, Unit
from bot.fakeserver import FakeBotApi
from bot.texts import t

# Fixed ids keep a sandbox's personas the same from one run to the next (bookmarkable tabs).
SECRETARIAT_ID = 910_000_001
HEAD_ID = 910_000_002
FOCAL_BASE_ID = 910_000_100
STRANGER_ID = 910_000_999


class Kind(StrEnum):
    """What a persona is in the campaign."""

    SECRETARIAT = "secretariat"
    HEAD = "head"
    FOCAL = "focal"
    STRANGER = "stranger"
    GROUP = "group"


@dataclass
class Persona:
    """One chat the visitor can open: a person's private chat with the bot, or the group."""

    key: str
    kind: Kind
    chat_id: int
    name: str
    user_id: int | None = None  # None for the group: someone in it speaks
    phone: str | None = None
    unit_id: str | None = None
    unit_name: str | None = None
    unit_short_name: str | None = None
    invite_code: str | None = None
    members: tuple[int, ...] = field(default=())

    @property
    def is_group(self) -> bool:
        """Return True for the coordination group."""
        return self.kind is Kind.GROUP

    def as_dict(self) -> dict[str, object]:
        """Return the persona as JSON-able data for the page."""
        return {
            "key": self.key,
            "kind": self.kind.value,
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


def build_personas(api: FakeBotApi, plan: Plan) -> list[Persona]:
    """Create the sandbox's users and group in the fake server; return them in display order."""
    names = _sample_names()

    def name(index: int) -> str:
        return names[index % len(names)] if names else f"#{index}"

    personas: list[Persona] = []

    def person(key: str, kind: Kind, user_id: int, index: int, unit: Unit | None = None) -> None:
        full = name(index)
        phone = phone_for(index)
        # Vietnamese users usually put the whole name, family name first, in first_name.
        api.add_user(full, id=user_id, language_code="vi", phone_number=phone)
        personas.append(
            Persona(
                key,
                kind,
                user_id,
                full,
                user_id=user_id,
                phone=phone,
                unit_id=unit.id if unit else None,
                unit_name=unit.name if unit else None,
                unit_short_name=unit.short_name if unit else None,
            )
        )

    person("secretariat", Kind.SECRETARIAT, SECRETARIAT_ID, 0, plan.unit(plan.secretariat))
    person("head", Kind.HEAD, HEAD_ID, 1)
    for number, unit in enumerate(plan.focal_point_units):
        person(f"focal-{unit.id}", Kind.FOCAL, FOCAL_BASE_ID + number, 2 + number, unit)
    person("stranger", Kind.STRANGER, STRANGER_ID, 2 + len(plan.focal_point_units))
    members = [p.user_id for p in personas if p.kind is not Kind.STRANGER]
    group = api.add_group(
        t("sandbox.group_title", "vi", campaign=plan.id),
        [m for m in members if m is not None],
        added_by=SECRETARIAT_ID,
    )
    personas.append(
        Persona(
            "group",
            Kind.GROUP,
            group.id,
            group.title or "",
            members=tuple(m for m in members if m is not None),
        )
    )
    return personas
