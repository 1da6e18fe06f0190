"""``daumoi sandbox``: run the sandbox and its web page until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from aiohttp import web

from bot.domain.plan import Plan
from bot.errors import StartupError
from bot.logs import configure_logging
from bot.sandbox.screens import browser_problem, take_screenshots
from bot.sandbox.session import open_sandbox
from bot.sandbox.web import make_web_app
from bot.settings import Settings
from bot.texts import t

log = logging.getLogger(__name__)


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104 - only displayed
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


async def run_sandbox(
    settings: Settings,
    plan: Plan,
    *,
    port: int = 8080,
    host: str = "127.0.0.1",
    screenshot_dir: Path | str | None = None,
    ready: asyncio.Event | None = None,
    stop: asyncio.Event | None = None,
    announce: Callable[[str], None] | None = None,
    others: Sequence[Plan] = (),
) -> None:
    """Run the fake Telegram and Zalo, the bot, the clock and the web page until ``stop`` is set.

    ``announce`` gets the page's URL as soon as it is served (port 0 picks a free port);
    with ``screenshot_dir`` the main screens are saved there before ``ready`` is set.
    """
    stop = stop or asyncio.Event()
    async with open_sandbox(settings, plan, others=others) as sandbox:
        runner = web.AppRunner(make_web_app(sandbox), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            url = _url(host, runner.addresses[0][1])
            sandbox.url = url
            if announce is not None:
                announce(url)
            if screenshot_dir is not None:
                problem = browser_problem(sandbox.lang)
                if problem:
                    raise StartupError(t("sandbox.cli_no_browser", sandbox.lang, reason=problem))
                folder = Path(screenshot_dir)
                saved = await take_screenshots(url, folder)
                log.info(t("sandbox.cli_screenshots", "en", count=len(saved), folder=folder))
            if ready is not None:
                ready.set()
            await stop.wait()
        finally:
            await sandbox.close()  # ends the page streams before the server waits for them
            await runner.cleanup()


def main_sandbox(
    settings: Settings, plan: Plan, port: int = 8080, screenshot_dir: Path | str | None = None,
    others: Sequence[Plan] = (),
) -> int:
    """Run the sandbox from the command line; print the URL; stop on Ctrl-C or SIGTERM."""
    # The sandbox's own token is random and shaped like a real one, so the filter redacts it.
    configure_logging(settings.log_level, [settings.bot_token.get_secret_value()])
    lang = settings.default_locale

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # not on Windows
                loop.add_signal_handler(signum, stop.set)

        def announce(url: str) -> None:
            print(t("sandbox.cli_running", lang, url=url), flush=True)

        def shots_done() -> None:
            if screenshot_dir is not None:
                count = len(list(Path(screenshot_dir).glob("*.png")))
                print(t("sandbox.cli_screenshots", lang, count=count, folder=screenshot_dir))

        ready = asyncio.Event()
        waiter = asyncio.create_task(ready.wait())
        waiter.add_done_callback(lambda done: None if done.cancelled() else shots_done())
        try:
            await run_sandbox(
                settings,
                plan,
                port=port,
                screenshot_dir=screenshot_dir,
                ready=ready,
                stop=stop,
                announce=announce,
                others=others,
            )
        finally:
            waiter.cancel()

    try:
        asyncio.run(main())
    except StartupError as exc:
        print(str(exc), file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(t("sandbox.cli_stopped", lang))
    return 0
