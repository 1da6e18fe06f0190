"""python-telegram-bot's HTTP calls carried by aiohttp instead of httpx.

PTB lets a bot bring its own transport (`telegram.request.BaseRequest`); everything above it
(parameters, JSON, errors, the rate limiter, retries) stays PTB's. aiohttp, which the bot
already serves its web pages with, costs about half of httpx per call:
`bench/bench_updates.py` prints the bare echo bot on both transports side by side.
"""

from __future__ import annotations

import re
import urllib.request
from typing import TYPE_CHECKING, Any

from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

if TYPE_CHECKING:
    import aiohttp

#: As PTB's HTTPXRequest: seconds to connect, to read an answer, to wait for a free connection.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
_TOKEN_IN_URL = re.compile(r"/(file/)?bot[^/\s'\"]+")


def _seconds(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _without_token(text: str) -> str:
    """An error's text with the Bot API token cut out of any URL it quotes."""
    return _TOKEN_IN_URL.sub(r"/\1bot<token>", text)


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one aiohttp session with at most `connection_pool_size` connections.

    Like httpx, it honours HTTP(S)_PROXY and NO_PROXY from the environment: read once per
    host, since aiohttp's own `trust_env` reads them again, on a thread, for every call.
    """

    def __init__(self, connection_pool_size: int = 1, *,
                 read_timeout: float | None = READ_TIMEOUT,
                 connect_timeout: float | None = CONNECT_TIMEOUT,
                 pool_timeout: float | None = POOL_TIMEOUT) -> None:
        self._size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default seconds to wait for an answer (getUpdates adds its long-poll time)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        # Imported when the bot connects: the CLI's other commands never need it.
        import aiohttp

        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._size),
                headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make one call; PTB reads the status and the body."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        import aiohttp  # loaded by initialize()

        connect = _seconds(connect_timeout, self._connect_timeout)
        pool = _seconds(pool_timeout, self._pool_timeout)
        # aiohttp's `connect` covers waiting for a free connection and opening one.
        timeout = aiohttp.ClientTimeout(
            total=None, sock_read=_seconds(read_timeout, self._read_timeout),
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
        )
        try:
            async with self._session.request(method, url, data=_body(request_data),
                                             timeout=timeout,
                                             proxy=self._proxy(url)) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(
                f"aiohttp.{type(exc).__name__}: {_without_token(str(exc))}") from exc

    def _proxy(self, url: str) -> str | None:
        """The proxy the environment names for this URL's host, if any."""
        scheme, _, rest = url.partition("://")
        host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
        known = self._proxies.get((scheme, host), ...)
        if known is not ...:
            return known
        proxy = urllib.request.getproxies().get(scheme)
        if proxy and urllib.request.proxy_bypass(host.rsplit(":", 1)[0]):
            proxy = None
        self._proxies[(scheme, host)] = proxy or None
        return proxy or None


def _body(request_data: RequestData | None) -> Any:
    """The call's parameters as a form; with files, as multipart, as PTB sends them."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return fields
    import aiohttp  # loaded by AiohttpRequest.initialize()

    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, part in request_data.multipart_data.items():
        filename, content, mimetype = part
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


class UpdatesRequest(AiohttpRequest):
    """The transport of getUpdates, which keeps the updates of each answer as they came, so
    that the inbox stores what Telegram sent (not PTB's objects turned back into JSON)."""

    def __init__(self) -> None:
        super().__init__(1)
        self._last: list[Any] | None = None

    def parse_json_payload(self, payload: bytes) -> Any:
        """Parse as PTB does, keeping the answer's list of updates."""
        parsed = super().parse_json_payload(payload)
        result = parsed.get("result") if isinstance(parsed, dict) else None
        self._last = result if isinstance(result, list) else None
        return parsed

    def take_updates(self) -> list[Any] | None:
        """The updates of the last answer, once (None if it held none)."""
        last, self._last = self._last, None
        return last
