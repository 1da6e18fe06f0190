"""Errors that stop the program with one clear line and an exit code."""

from __future__ import annotations


class StartupError(Exception):
    """The bot or a CLI command cannot start; the message is shown as is."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code
