"""Formatted text as Telegram sees it: HTML/MarkdownV2/Markdown parsing, entities, UTF-16."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from .spec import bad_request

Entity = dict[str, Any]


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units, the unit of entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def entity_text(text: str, entity: Entity) -> str:
    """Return the part of ``text`` an entity covers."""
    units = text.encode("utf-16-le")
    start = entity["offset"] * 2
    return units[start : start + entity["length"] * 2].decode("utf-16-le")


class EntityParseError(ValueError):
    """Markup that Telegram refuses with "can't parse entities"."""


def parse_entities(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Parse ``text`` by ``parse_mode``; raise ApiError 400 like Telegram on bad markup."""
    mode = (parse_mode or "").strip()
    parsers = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
    if not mode:
        return text, []
    parser = parsers.get(mode.lower())
    if parser is None:
        raise bad_request(f"unsupported parse_mode {mode}")
    try:
        return parser(text)
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim surrounding whitespace like Telegram does, shifting and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    head = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    result = []
    for ent in entities:
        start = max(ent["offset"] - head, 0)
        end = min(ent["offset"] + ent["length"] - head, size)
        if end > start:
            result.append({**ent, "offset": start, "length": end - start})
    return stripped, result


@dataclass
class _Builder:
    """Accumulates plain text and entities while parsing."""

    parts: list[str] = field(default_factory=list)
    position: int = 0  # in UTF-16 code units
    entities: list[Entity] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.position += utf16_len(text)

    def close(self, start: int, kind: str, **extra: Any) -> None:
        if self.position > start:
            entity = {"type": kind, "offset": start, "length": self.position - start}
            entity.update({k: v for k, v in extra.items() if v is not None})
            self.entities.append(entity)

    def result(self) -> tuple[str, list[Entity]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


# --- HTML --------------------------------------------------------------------------------------

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_HTML_TAGS = {*_SIMPLE_TAGS, "a", "span", "tg-emoji"}
_TAG_NAME_RE = re.compile(r"[a-zA-Z0-9-]*")
_ATTR_RE = re.compile(
    r"\s*([a-zA-Z0-9_-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?", re.ASCII
)
_HTML_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class _Open:
    tag: str
    start: int
    byte_offset: int
    attrs: dict[str, str]


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


def _decode_entity(match: re.Match[str]) -> str:
    name = match[1]
    if name in _NAMED:
        return _NAMED[name]
    code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return match[0]
    return chr(code)


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse Telegram-flavoured HTML into plain text and entities."""
    out = _Builder()
    stack: list[_Open] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char == "&":
            match = _HTML_ENTITY_RE.match(source, i)
            if match:
                out.add(_decode_entity(match))
                i = match.end()
                continue
            out.add(char)
            i += 1
        elif char == "<":
            i = _html_tag(source, i, out, stack)
        else:
            nxt = min((j for j in (source.find("<", i), source.find("&", i)) if j >= 0), default=n)
            out.add(source[i:nxt])
            i = nxt
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return out.result()


def _html_tag(source: str, i: int, out: _Builder, stack: list[_Open]) -> int:
    offset = _byte_offset(source, i)
    end = source.find(">", i)
    if source.startswith("</", i):
        if end < 0:
            raise EntityParseError(f"Can't find end of the tag at byte offset {offset}")
        name = source[i + 2 : end].strip().lower()
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
        top = stack.pop()
        if name != top.tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {offset}, expected "</{top.tag}>", '
                f'found "</{name}>"'
            )
        _close_html(top, out, stack)
        return end + 1
    name = _TAG_NAME_RE.match(source, i + 1)[0].lower()  # type: ignore[index]
    if name not in _HTML_TAGS:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
    if end < 0:
        raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
    attrs: dict[str, str] = {}
    body = source[i + 1 + len(name) : end]
    for match in _ATTR_RE.finditer(body):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        attrs[match[1].lower()] = html.unescape(value)
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "tg-emoji" and not attrs.get("emoji-id"):
        raise EntityParseError(
            f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
        )
    stack.append(_Open(name, out.position, offset, attrs))
    return end + 1


def _close_html(tag: _Open, out: _Builder, stack: list[_Open]) -> None:
    name = tag.tag
    if name == "a":
        href = tag.attrs.get("href", "")
        user = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if user:
            user_entity = {"id": int(user[1]), "is_bot": False, "first_name": ""}
            out.close(tag.start, "text_mention", user=user_entity)
        elif href:
            out.close(tag.start, "text_link", url=href)
    elif name == "span":
        out.close(tag.start, "spoiler")
    elif name == "tg-emoji":
        out.close(tag.start, "custom_emoji", custom_emoji_id=tag.attrs["emoji-id"])
    elif name == "code" and stack and stack[-1].tag == "pre":
        # <pre><code class="language-x"> is one pre entity with a language
        language = tag.attrs.get("class", "").removeprefix("language-")
        if tag.attrs.get("class", "").startswith("language-") and language:
            stack[-1].attrs["language"] = language
        else:
            out.close(tag.start, "code")
    elif name == "pre":
        out.close(tag.start, "pre", language=tag.attrs.get("language"))
    elif name == "blockquote" and "expandable" in tag.attrs:
        out.close(tag.start, "expandable_blockquote")
    else:
        out.close(tag.start, _SIMPLE_TAGS[name])


# --- MarkdownV2 --------------------------------------------------------------------------------

_RESERVED_V2 = set("_*[]()~`>#+-=|{}.!")
_V2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}
_V2_MARKERS = (
    ("__", "underline"),
    ("||", "spoiler"),
    ("*", "bold"),
    ("_", "italic"),
    ("~", "strikethrough"),
)


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2 into plain text and entities, enforcing its escaping rules."""
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (kind, utf16 start, byte offset)
    quote_start: int | None = None
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        offset = _byte_offset(source, i)
        at_line_start = i == 0 or source[i - 1] == "\n"
        if char == "\\" and i + 1 < n and 0 < ord(source[i + 1]) <= 126:
            out.add(source[i + 1])
            i += 2
            continue
        if at_line_start and char == ">":
            if quote_start is None:
                quote_start = out.position
            i += 1
            continue
        if char == "\n" and quote_start is not None and not source.startswith(">", i + 1):
            out.close(quote_start, "blockquote")
            quote_start = None
        if char == "`":
            i = _v2_code(source, i, out)
            continue
        marker = next(((m, k) for m, k in _V2_MARKERS if source.startswith(m, i)), None)
        if marker is not None:
            kind = marker[1]
            if stack and stack[-1][0] == kind:
                out.close(stack.pop()[1], kind)
            elif any(s[0] == kind for s in stack):
                top = stack[-1]
                raise EntityParseError(
                    f"Can't find end of {_V2_NAMES[top[0]]} entity at byte offset {top[2]}"
                )
            else:
                stack.append((kind, out.position, offset))
            i += len(marker[0])
            continue
        if char == "[" or (char == "!" and source.startswith("![", i)):
            kind = "custom_emoji" if char == "!" else "text_link"
            stack.append((kind, out.position, offset))
            i += 2 if char == "!" else 1
            continue
        if char == "]" and stack and stack[-1][0] in ("text_link", "custom_emoji"):
            kind, start, _ = stack.pop()
            i = _v2_link_target(source, i + 1, out, kind, start)
            continue
        if char in _RESERVED_V2:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(char)
        i += 1
    if stack:
        kind, _, offset = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_V2_NAMES[kind]} entity at byte offset {offset}"
        )
    if quote_start is not None:
        out.close(quote_start, "blockquote")
    return out.result()


def _v2_code(source: str, i: int, out: _Builder) -> int:
    offset = _byte_offset(source, i)
    fence = "```" if source.startswith("```", i) else "`"
    j = i + len(fence)
    language = None
    if fence == "```":
        newline = source.find("\n", j)
        first_line = source[j:newline] if newline >= 0 else ""
        if newline >= 0 and first_line and not re.search(r"\s", first_line):
            language = first_line
            j = newline + 1
    start = out.position
    while j < len(source):
        if source[j] == "\\" and j + 1 < len(source) and source[j + 1] in "`\\":
            out.add(source[j + 1])
            j += 2
        elif source.startswith(fence, j):
            out.close(start, "pre" if fence == "```" else "code", language=language)
            return j + len(fence)
        else:
            out.add(source[j])
            j += 1
    name = "Pre" if fence == "```" else "Code"
    raise EntityParseError(f"Can't find end of {name} entity at byte offset {offset}")


def _v2_link_target(source: str, i: int, out: _Builder, kind: str, start: int) -> int:
    if not source.startswith("(", i):
        if kind == "custom_emoji":
            raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
        return i
    url_chars: list[str] = []
    j = i + 1
    while j < len(source) and source[j] != ")":
        if source[j] == "\\" and j + 1 < len(source):
            j += 1
        url_chars.append(source[j])
        j += 1
    if j >= len(source):
        raise EntityParseError(f"Can't find end of a url at byte offset {_byte_offset(source, i)}")
    url = "".join(url_chars)
    if kind == "custom_emoji":
        emoji = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
        if not emoji:
            raise EntityParseError("Custom emoji URL must have an emoji identifier")
        out.close(start, "custom_emoji", custom_emoji_id=emoji[1])
    else:
        user = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if user:
            user_entity = {"id": int(user[1]), "is_bot": False, "first_name": ""}
            out.close(start, "text_mention", user=user_entity)
        else:
            out.close(start, "text_link", url=url)
    return j + 1


# --- legacy Markdown ---------------------------------------------------------------------------


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """Parse legacy Markdown (*bold*, _italic_, `code`, ```pre```, [text](url))."""
    out = _Builder()
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char == "\\" and i + 1 < n and source[i + 1] in "_*`[":
            out.add(source[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.add(char)
            i += 1
            continue
        offset = _byte_offset(source, i)
        if char == "[":
            close = source.find("]", i + 1)
            if close < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {offset}"
                )
            start = out.position
            out.add(source[i + 1 : close])
            end = source.find(")", close + 1) if source.startswith("(", close + 1) else -1
            if end > 0:
                out.close(start, "text_link", url=source[close + 2 : end])
            i = (end if end > 0 else close) + 1
            continue
        marker = "```" if source.startswith("```", i) else char
        end = source.find(marker, i + len(marker))
        if end < 0:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {offset}"
            )
        start = out.position
        out.add(source[i + len(marker) : end])
        kind = {"_": "italic", "*": "bold", "`": "code", "```": "pre"}[marker]
        out.close(start, kind)
        i = end + len(marker)
    return out.result()


# --- entities Telegram adds to messages users send ---------------------------------------------

_AUTO_ENTITY_RE = re.compile(
    r"(?P<bot_command>(?<![\w/])/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?)"
    r"|(?P<url>\bhttps?://[^\s<>\"]+)"
    r"|(?P<email>\b[\w.+-]+@[\w-]+\.[\w.-]+\b)"
    r"|(?P<mention>(?<!\w)@[a-zA-Z0-9_]{4,32}\b)"
    r"|(?P<hashtag>(?<!\w)#\w+)"
)


def detect_entities(text: str) -> list[Entity]:
    """Return the entities Telegram derives from plain user text (commands, links, ...)."""
    entities = []
    for match in _AUTO_ENTITY_RE.finditer(text):
        kind = match.lastgroup or ""
        start = utf16_len(text[: match.start()])
        entities.append({"type": kind, "offset": start, "length": utf16_len(match[0])})
    return entities
