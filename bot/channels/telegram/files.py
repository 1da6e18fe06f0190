"""Downloading files users sent, for the attachment archive (getFile, then the file URL)."""

from __future__ import annotations

from pathlib import Path

from telegram import Bot


class TelegramFileFetcher:
    """The Telegram side of the services' FileFetcher port."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def fetch(self, source_ref: str, destination: Path) -> None:
        """Ask Telegram where the file is (by its file id), then download it."""
        file = await self._bot.get_file(source_ref)
        await file.download_to_drive(custom_path=destination)
