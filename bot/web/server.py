"""One aiohttp server per bot process, shared by the channels that need one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.errors import StartupError

if TYPE_CHECKING:
    from aiohttp import web

Handler = Callable[["web.Request"], Awaitable["web.StreamResponse"]]


class WebServer:
    """Routes are added before `start`; it listens on the configured host and port."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        # aiohttp is imported with the first route: a bot on Telegram alone never loads it
        # (a third of a second of its start).
        self._app: Any = None
        self._runner: web.AppRunner | None = None
        self.port = port

    def add(self, method: str, path: str, handler: Handler) -> None:
        """Serve a route."""
        if self._app is None:
            from aiohttp import web

            self._app = web.Application(client_max_size=1024 * 1024)
        self._app.router.add_route(method, path, handler)

    async def start(self) -> None:
        """Listen; a busy port is one clear line."""
        from aiohttp import web

        if self._app is None:
            self._app = web.Application(client_max_size=1024 * 1024)
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise StartupError(
                f"WEB_LISTEN: cannot listen on {self._host}:{self._port} ({exc.strerror})"
            ) from None
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
