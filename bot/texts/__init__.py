"""The text catalogues: every user-facing string, in Vietnamese (default) and English."""

from __future__ import annotations

import html
import tomllib
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


def t(key: str, locale: str = DEFAULT_LOCALE, /, **values: object) -> str:
    """Render a catalogue key in a locale, falling back to Vietnamese."""
    texts = catalogue(locale if locale in LOCALES else DEFAULT_LOCALE)
    template = texts.get(key)
    if template is None:
        template = catalogue(DEFAULT_LOCALE)[key]
    return template.format(**values) if values else template


def t_html(key: str, locale: str = DEFAULT_LOCALE, /, **values: object) -> str:
    """Render a key for HTML parse mode: the template's tags stay, every value is escaped."""
    safe = {name: html.escape(str(value), quote=False) for name, value in values.items()}
    return t(key, locale, **safe)
