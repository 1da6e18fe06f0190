"""The command line's language: DEFAULT_LOCALE (environment or .env), Vietnamese otherwise.

argparse's own words ("usage:", "options:", its error lines) come from the catalogue too.
"""

from __future__ import annotations

import argparse
import os
from functools import cache
from pathlib import Path

from bot.texts import DEFAULT_LOCALE, LOCALES, t

# argparse's English phrases (Python 3.11-3.13) and the catalogue keys that say them.
_ARGPARSE = {
    "usage: ": "argparse.usage",
    "options": "argparse.options",
    "positional arguments": "argparse.positional",
    "show this help message and exit": "argparse.help",
    "%(prog)s: error: %(message)s\n": "argparse.error",
    "the following arguments are required: %s": "argparse.required",
    "unrecognized arguments: %s": "argparse.unrecognized",
    "invalid choice: %(value)r (choose from %(choices)s)": "argparse.invalid_choice",
    "invalid %(type)s value: %(value)r": "argparse.invalid_value",
    "argument %(argument_name)s: %(message)s": "argparse.argument",
    "expected one argument": "argparse.expected_one",
}


def _from_env_file() -> str | None:
    try:
        lines = Path(".env").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        name, sep, value = line.partition("=")
        if sep and name.strip() == "DEFAULT_LOCALE":
            return value.strip().strip("\"'")
    return None


@cache
def cli_locale() -> str:
    """The language of the command line's help and messages."""
    chosen = os.environ.get("DEFAULT_LOCALE") or _from_env_file() or DEFAULT_LOCALE
    return chosen if chosen in LOCALES else DEFAULT_LOCALE


def cli_t(key: str, /, **values: object) -> str:
    """A catalogue text in the command line's language."""
    return t(key, cli_locale(), **values)


def translate_argparse() -> None:
    """Make argparse say its headings and errors in the command line's language."""
    locale = cli_locale()

    def gettext(message: str) -> str:
        key = _ARGPARSE.get(message)
        return t(key, locale) if key else message

    argparse._ = gettext  # type: ignore[attr-defined]  # argparse looks `_` up at each call
