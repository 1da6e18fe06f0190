"""Headless Chromium (Debian's package, driven by Playwright) for screenshots and browser tests."""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.texts import t

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
WAIT_MS = 15_000


def chromium_path() -> Path:
    """Return where Chromium is expected (``CHROMIUM_PATH`` overrides Debian's location)."""
    return Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


def browser_problem(lang: str = "en") -> str | None:
    """Return why a headless browser cannot run here, or None if it can."""
    path = chromium_path()
    if not path.exists():
        return t("sandbox.no_chromium", lang, path=str(path))
    if importlib.util.find_spec("playwright") is None:
        return t("sandbox.no_playwright", lang)
    return None


@contextlib.asynccontextmanager
async def headless_chromium() -> AsyncIterator[Any]:
    """Launch Debian's Chromium through Playwright (no downloaded browser); yield the Browser."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium_path()),
            args=list(CHROMIUM_ARGS),
            headless=True,
        )
        try:
            yield browser
        finally:
            await browser.close()


async def wait_ready(page: Any) -> None:
    """Wait until the page has drawn its personas and the chosen chat's stream is live."""
    await page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)


async def open_persona(page: Any, key: str) -> None:
    """Switch the page to a persona and wait for its chat."""
    await page.evaluate("document.body.dataset.ready = ''")
    await page.click(f".persona[data-key='{key}']")
    await wait_ready(page)


async def say(page: Any, text: str, *, answers: int = 1) -> None:
    """Type a message as the current persona and wait for that many more bot messages."""
    before = await page.locator("#messages .msg.in").count()
    await page.fill("#text", text)
    await page.press("#text", "Enter")
    await page.wait_for_function(
        "([n]) => document.querySelectorAll('#messages .msg.in').length >= n",
        arg=[before + answers],
        timeout=WAIT_MS,
    )


async def take_screenshots(
    url: str, folder: Path, focal_key: str | None = None, locale: str = "vi-VN"
) -> list[Path]:
    """Save PNGs of the main screens: overview, a focal point's chat, clock, outbox, phone."""
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    async def shot(target: Any, name: str) -> None:
        path = folder / name
        await target.screenshot(path=str(path))
        saved.append(path)

    async with headless_chromium() as browser:
        context = await browser.new_context(viewport=DESKTOP, device_scale_factor=1, locale=locale)
        page = await context.new_page()
        await page.goto(url)
        await wait_ready(page)
        await say(page, "/start")
        await shot(page, "01-overview.png")
        key = focal_key or await page.get_attribute(".persona[data-key^='focal-']", "data-key")
        if key:
            await open_persona(page, key)
            await say(page, "/start")
            await say(page, "/huongdan")
            await shot(page, "02-focal-point-chat.png")
        await shot(page.locator("#side"), "03-clock-and-outbox.png")
        await page.click("#milestones-box summary")
        await shot(page.locator("#clock-panel"), "04-clock-milestones.png")
        await context.close()
        phone = await browser.new_context(viewport=PHONE, device_scale_factor=2, locale=locale)
        page = await phone.new_page()
        await page.goto(f"{url.rstrip('/')}/#{key or ''}")
        await wait_ready(page)
        await shot(page, "05-phone.png")
        await phone.close()
    return saved
