"""/start, /help, /toi and the answers to what the bot does not understand."""

from __future__ import annotations

from bot.services.access import MEMBERS, STAFF, Role
from bot.texts import t
from handlers.menu import commands_for, is_parent_member, text_key
from handlers.suggest import nearest
from handlers.turn import Turn


def _campaign_values(turn: Turn) -> dict[str, str]:
    plan = turn.services.plan
    return {"campaign": plan.title, "secretariat": plan.unit(plan.secretariat).name}


def _audience(role: Role) -> str:
    if role in STAFF:
        return "staff"
    return "member" if role in MEMBERS else "stranger"


async def start(turn: Turn) -> None:
    """Greet the user: what daumoi is and what to do next, by role."""
    identity = await turn.identity()
    values = _campaign_values(turn)
    if identity.seat is not None and not identity.is_staff:
        unit = turn.services.plan.unit(identity.seat.unit_id).name
        values.update(name=identity.seat.full_name, unit=unit)
    await turn.say(f"common.start_{_audience(identity.role)}", **values)


def _help_header(role: Role) -> str:
    if role is Role.DEPUTY:
        return "common.help_header_member"
    return f"common.help_header_{'member' if role in MEMBERS else role.value}"


def help_values(
    role: Role, *, private: bool, parent: bool = False, several: bool = False
) -> tuple[str, dict[str, object]]:
    """The help text's key and values: one line for each command this person may use here
    (`parent`: a member whose unit consolidates its children's reports; `several`: a person
    taking part in more than one campaign, who has /kehoach)."""
    lines = [{"key": text_key("help", command, role, parent)}
             for command in commands_for(role, private=private, parent=parent, several=several)]
    header = {"key": _help_header(role) if private else "common.help_header_group"}
    return ("common.help_with_hint" if private else "common.help"), {
        "header": header, "commands": lines}


async def help_command(turn: Turn) -> None:
    """List exactly the commands this person may use, here (a private chat or a group)."""
    identity = await turn.identity()
    key, values = help_values(identity.role, private=turn.private,
                              parent=is_parent_member(identity, turn.services.plan),
                              several=await in_several_campaigns(turn))
    await turn.say(key, **values)


async def in_several_campaigns(turn: Turn) -> bool:
    """Whether the person takes part in more than one of the campaigns the bot serves."""
    picker = turn.services.participation
    if picker is None or not picker.several:
        return False
    return len(await picker.taking_part(turn.inbound.sender)) > 1


async def whoami(turn: Turn) -> None:
    """`/toi`: the person's own address, to put in ADMIN_IDS or HEAD_IDS."""
    key = "common.whoami" if turn.private else "common.whoami_group"
    await turn.say(key, address=str(turn.inbound.sender), chat=str(turn.inbound.chat))


async def unknown_command(turn: Turn) -> None:
    """Answer a command the bot does not have, with the nearest one the person may use."""
    typed = turn.inbound.command or ""
    identity = await turn.identity()
    names = nearest(f"/{typed}", identity.role, turn.locale,
                    parent=is_parent_member(identity, turn.services.plan))
    if not names:
        await turn.say("common.unknown_command")
        return
    await turn.say("drafts.unknown_command_suggest", typed=f"/{typed}"[:40],
                   commands=_alternatives(turn, names))


def _alternatives(turn: Turn, names: list[str]) -> str:
    return t("drafts.or", turn.locale).join(f"/{name}" for name in names)


async def suggest(turn: Turn, text: str, role: Role) -> bool:
    """A few words outside any flow that look like a mistyped command: name the nearest."""
    names = nearest(text, role, turn.locale)
    if not names:
        return False
    await turn.say("drafts.did_you_mean", commands=_alternatives(turn, names))
    return True


async def not_understood(turn: Turn) -> None:
    """Answer free text, stickers and files outside any conversation."""
    if not turn.private:
        # In a group the bot speaks only when spoken to with a command.
        return
    role = await turn.role()
    key = "common.stranger_info" if role is Role.STRANGER else "common.not_understood"
    if turn.inbound.other == "unsupported":
        key = "common.unsupported"
    await turn.say(key, **_campaign_values(turn))
