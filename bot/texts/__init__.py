"""The text catalogues: every user-facing string, in Vietnamese (default) and English."""

from __future__ import annotations

import html
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
_DIR = Path(__file__).parent


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalogue(locale: str) -> dict[str, str]:
    """All keys of one locale's catalogue, flattened to dotted names."""
    with (_DIR / f"{locale}.toml").open("rb") as fh:
        return _flatten(tomllib.load(fh))


def pick_locale(language_code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The catalogue locale for a Telegram language code such as 'en-US'."""
    if language_code:
        base = language_code.split("-")[0].lower()
        if base in LOCALES:
            return base
    return default


#: Words each plan says in its own way (issue 15): the coordinating body, its leaders, its head.
VOCABULARY_WORDS = ("body", "leadership", "head")
_vocabulary: dict[str, str] = {}


def use_vocabulary(**words: str) -> None:
    """Say the plan's own words (body, leadership, head) wherever a text names them; an empty
    word falls back to the catalogue's neutral one (``vocabulary.<word>``)."""
    _vocabulary.clear()
    _vocabulary.update({name: word for name, word in words.items() if word})


def fill_vocabulary(template: str, locale: str = DEFAULT_LOCALE) -> str:
    """A raw template with the plan's words put in and every other placeholder left as it is
    (for pages that fill the rest themselves, such as the sandbox)."""
    for name, word in _words(template, locale, {}).items():
        template = template.replace("{" + name + "}", str(word))
    return template


def _words(template: str, locale: str, given: Mapping[str, object]) -> dict[str, object]:
    """The vocabulary placeholders a template uses and no caller filled."""
    return {
        name: _vocabulary.get(name) or _template(f"vocabulary.{name}", locale)
        for name in VOCABULARY_WORDS
        if name not in given and "{" + name + "}" in template
    }


def _template(key: str, locale: str) -> str:
    texts = catalogue(locale if locale in LOCALES else DEFAULT_LOCALE)
    template = texts.get(key)
    return template if template is not None else catalogue(DEFAULT_LOCALE)[key]


def _is_ref(value: object) -> bool:
    return isinstance(value, Mapping) and "key" in value


def _render(key: str, locale: str, values: Mapping[str, object], escape: bool) -> str:
    rendered: dict[str, object] = {}
    for name, value in values.items():
        # A value may itself be a key ({"key": …, "values": {…}}) or a list of keys, so that
        # stored, replayable messages keep every word in the catalogue.
        if _is_ref(value):
            ref = value  # type: ignore[assignment]
            rendered[name] = _render(ref["key"], locale, ref.get("values", {}), escape)
        elif isinstance(value, Mapping) and "join" in value:
            # Parts of one phrase ("2 ảnh, 3 số liệu"), each a key, joined on one line.
            rendered[name] = str(value["join"]).join(
                _render(v["key"], locale, v.get("values", {}), escape) for v in value["items"]
            )
        elif isinstance(value, list | tuple) and all(_is_ref(v) for v in value):
            rendered[name] = "\n".join(
                _render(v["key"], locale, v.get("values", {}), escape) for v in value
            )
        else:
            rendered[name] = html.escape(str(value), quote=False) if escape else value
    template = _template(key, locale)
    words = _words(template, locale, rendered)
    if escape:
        words = {name: html.escape(str(word), quote=False) for name, word in words.items()}
    rendered.update(words)
    return template.format(**rendered) if rendered else template


def t(key: str, locale: str = DEFAULT_LOCALE, /, **values: object) -> str:
    """Render a key in a locale, falling back to Vietnamese."""
    return _render(key, locale, values, escape=False)


def t_html(key: str, locale: str = DEFAULT_LOCALE, /, **values: object) -> str:
    """Render a key for HTML parse mode: the template's tags stay, every value is escaped."""
    return _render(key, locale, values, escape=True)
