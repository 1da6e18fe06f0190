"""What every channel does the same way: the text of a reply, markup to plain text, splitting."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from bot.presenters.common import split_messages
from bot.services.outbox import RenderError
from bot.services.replies import Reply
from bot.texts import catalogue, t_html

_TAG = re.compile(r"<(/?)([a-z]+)([^>]*)>")
_HREF = re.compile(r'href="([^"]*)"')


def _variant(key: str, locale: str, typed: bool) -> str:
    # A channel without buttons (or a contact button) reads "type the number" instead.
    if typed and f"{key}_typed" in catalogue(locale if locale in ("vi", "en") else "vi"):
        return f"{key}_typed"
    return key


def reply_markup_text(reply: Reply, locale: str, *, typed: bool) -> str:
    """A reply in the catalogue's markup (HTML subset, values escaped), choices numbered."""
    if reply.key:
        text = t_html(_variant(reply.key, locale, typed), locale, **reply.values)
    else:
        text = "\n".join(reply.lines)
    if reply.choices:
        numbered = [
            f"<b>{number}</b>. {t_html(choice.key, locale, **choice.values)}"
            for number, choice in enumerate(reply.choices, start=1)
        ]
        text = f"{text}\n\n" + "\n".join(numbered)
    return text


def payload_markup_text(text_key: str, payload: Mapping[str, Any], locale: str) -> str:
    """An outbox row in the catalogue's markup; a row that cannot render is a `RenderError`."""
    try:
        return t_html(text_key, locale, **dict(payload))
    except (KeyError, IndexError, ValueError) as exc:
        raise RenderError(repr(exc)) from None


_LINK = re.compile("\0([^\0]*)\0([^\1]*)\1")


def _link(match: re.Match[str]) -> str:
    href, label = match.group(1), match.group(2)
    return label if label == href else f"{label} ({href})"


def to_plain(markup: str) -> str:
    """The catalogue's markup as plain text: tags dropped, a link's address kept in brackets."""

    def tag(match: re.Match[str]) -> str:
        closing, name, attributes = match.groups()
        if name == "a" and not closing:
            href = _HREF.search(attributes)
            return f"\0{href.group(1)}\0" if href else ""
        if name == "a" and closing:
            return "\1"
        return ""

    text = _TAG.sub(tag, markup)
    # "<a href=U>label</a>" becomes "label (U)", or just U when the label is the address.
    text = _LINK.sub(_link, text)
    return html.unescape(text.replace("\0", "").replace("\1", ""))


def split_text(text: str, limit: int) -> list[str]:
    """Split at line boundaries into messages of at most `limit` characters."""
    return split_messages(text.split("\n"), limit)
