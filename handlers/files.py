"""Downloading files users sent, for the attachment archive (getFile, then the file URL)."""

from __future__ import annotations

from pathlib import Path

from telegram import Bot


class TelegramFileFetcher:
    """The Telegram side of the services' FileFetcher port."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def fetch(self, file_id: str, destination: Path) -> None:
        """Ask Telegram where the file is, then download it to `destination`."""
        file = await self._bot.get_file(file_id)
        await file.download_to_drive(custom_path=destination)
