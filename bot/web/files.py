"""Files for channels that cannot send them (Zalo): kept on disk, served behind a signed link
that expires and names the one person it was made for."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.domain.address import Address

if TYPE_CHECKING:
    from aiohttp import web

ROUTE = "/files/{file_id}/{owner}/{expires}/{signature}"


class FileLinks:
    """Makes and checks the links; the file's owner and expiry are inside the signature."""

    def __init__(self, folder: Path, key: bytes, base_url: str, lifetime_s: float,
                 clock: Callable[[], float] = time.time) -> None:
        self._folder = folder
        self._key = key
        self.base_url = base_url.rstrip("/")
        self.lifetime_s = lifetime_s
        self._clock = clock

    def _sign(self, file_id: str, owner: str, expires: int) -> str:
        message = f"{file_id}|{owner}|{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def make(self, content: bytes, filename: str, owner: Address) -> str:
        """Store a file for one person and return its link."""
        self._folder.mkdir(parents=True, exist_ok=True)
        file_id = secrets.token_urlsafe(12)
        (self._folder / f"{file_id}.bin").write_bytes(content)
        (self._folder / f"{file_id}.json").write_text(
            json.dumps({"name": filename, "owner": str(owner)}), encoding="utf-8")
        expires = int(self._clock() + self.lifetime_s)
        owner_part = str(owner).replace(":", "~")
        signature = self._sign(file_id, str(owner), expires)
        return f"{self.base_url}/files/{file_id}/{owner_part}/{expires}/{signature}"

    def open(self, file_id: str, owner_part: str, expires: str, signature: str
             ) -> tuple[bytes, str] | None:
        """The file and its name if the link is genuine, unexpired and the owner's; else None."""
        owner = owner_part.replace("~", ":")
        if not expires.isdigit() or not file_id.replace("-", "").replace("_", "").isalnum():
            return None
        expected = self._sign(file_id, owner, int(expires))
        if not hmac.compare_digest(expected, signature) or int(expires) < self._clock():
            return None
        meta_path = self._folder / f"{file_id}.json"
        if not meta_path.exists():
            return None
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("owner") != owner:
            return None
        return (self._folder / f"{file_id}.bin").read_bytes(), str(meta["name"])

    async def handle(self, request: web.Request) -> web.Response:
        """GET a file by its link: 403 for a forged, expired or someone else's link."""
        from aiohttp import web  # only a bot serving files imports aiohttp
        info = request.match_info
        found = self.open(info["file_id"], info["owner"], info["expires"], info["signature"])
        if found is None:
            return web.Response(status=403, text="This link is not valid or has expired.")
        content, name = found
        kind = "image/png" if name.endswith(".png") else "application/octet-stream"
        disposition = "inline" if kind == "image/png" else "attachment"
        return web.Response(body=content, content_type=kind, headers={
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "Cache-Control": "private, no-store",
        })
