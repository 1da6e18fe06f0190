"""Rendering of the unit directory (/donvi) as message lines (the channel splits them)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain.records import FocalPoint
from bot.presenters.common import split_messages
from bot.services.directory import Directory
from bot.services.parsing import format_phone
from bot.texts import t_html


def _person(seat: FocalPoint, locale: str, with_phones: bool, zone: ZoneInfo) -> str:
    key = "units.person_with_phone" if with_phones and seat.phone_e164 else "units.person"
    channel = t_html("units.channel", locale, channel=seat.user.channel.capitalize()
                     ) if seat.user is not None else ""
    person = t_html(
        key,
        locale,
        name=seat.full_name,
        position=seat.position,
        phone=format_phone(seat.phone_e164) if seat.phone_e164 else "",
        registered=seat.registered_at.astimezone(zone).strftime("%d/%m/%Y %H:%M"),
    )
    # The channel goes just before the name, after the line's indent.
    indent = person[: len(person) - len(person.lstrip())]
    return indent + channel + person.lstrip()


def render_directory(
    directory: Directory, locale: str, *, with_phones: bool, timezone: str = "Asia/Ho_Chi_Minh"
) -> list[str]:
    """The directory as message texts: count, then one block per unit."""
    zone = ZoneInfo(timezone)
    lines = [t_html("units.header", locale, registered=directory.registered,
                    required=directory.required)]
    for number, entry in enumerate(directory.entries, start=1):
        lines.append("")
        lines.append(t_html("units.unit", locale, number=number, unit=entry.unit.name))
        if entry.focal_point is None:
            lines.append(t_html("units.none_yet", locale))
        else:
            lines.append(_person(entry.focal_point, locale, with_phones, zone))
        if entry.deputy is not None:
            deputy = _person(entry.deputy, locale, with_phones, zone)
            lines.append(f"{t_html('units.deputy', locale)} {deputy}")
    if not with_phones:
        lines.append("")
        lines.append(t_html("units.group_no_phones", locale))
    return split_messages(lines)
