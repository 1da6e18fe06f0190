"""The sandbox page in headless Chromium (Debian's package, driven by Playwright for Python).

Without /usr/bin/chromium or the playwright package every test here is skipped with the reason.
A feature missing from the build (invites, a command in the menu, due reminders) fails the
test that needs it: only a missing browser is a reason to skip.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.fakeserver.world import tiny_png
from bot.sandbox import Sandbox, make_web_app
from bot.sandbox.screens import DESKTOP, browser_problem, headless_chromium, wait_ready
from bot.texts import t
from tests.support import plain

pytestmark = pytest.mark.skipif(
    browser_problem() is not None, reason=f"no headless browser: {browser_problem()}"
)

WAIT_MS = 10_000
FOCAL = "focal-bdbp"
SCRIPT = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: DAUMOI_SCREENSHOT_DIR (a CI artefact) or the test's tmp dir."""
    folder = Path(os.environ.get("DAUMOI_SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def site(sandbox: Sandbox) -> AsyncIterator[str]:
    """The sandbox page served on a random port."""
    server = TestServer(make_web_app(sandbox))
    await server.start_server()
    try:
        yield str(server.make_url("/"))
    finally:
        await server.close()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Chromium."""
    async with headless_chromium() as launched:
        yield launched


class Tab:
    """One browser tab on the sandbox page, failing the test if any script dialog opens."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        page.on("dialog", self._dialog)

    async def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        await dialog.dismiss()

    async def open(self, url: str, persona: str | None = None) -> None:
        """Load the page (optionally straight into a persona's chat)."""
        await self.page.goto(url + (f"#{persona}" if persona else ""))
        await wait_ready(self.page)

    async def persona(self, key: str) -> None:
        """Switch to a persona and wait for the chat's stream."""
        await self.page.evaluate("document.body.dataset.ready = ''")
        await self.page.click(f".persona[data-key='{key}']")
        await wait_ready(self.page)

    async def bot_messages(self) -> int:
        """How many bot messages the open chat shows."""
        return await self.page.locator("#messages .msg.in").count()

    async def say(self, text: str) -> None:
        """Type and send a message."""
        await self.page.fill("#text", text)
        await self.page.press("#text", "Enter")

    async def bot_says(self, fragment: str, *, after: int = 0) -> None:
        """Wait for a bot message (past the first ``after`` ones) containing ``fragment``."""
        await self.page.wait_for_function(
            """([fragment, after]) => [...document.querySelectorAll('#messages .msg.in')]
                .slice(after).some((m) => m.textContent.includes(fragment))""",
            arg=[fragment, after],
            timeout=WAIT_MS,
        )

    async def exchange(self, text: str, fragment: str) -> None:
        """Send a message and wait for the bot's answer containing ``fragment``."""
        before = await self.bot_messages()
        await self.say(text)
        await self.bot_says(fragment, after=before)

    async def press(self, label: str, fragment: str) -> None:
        """Press the latest inline button with this label and wait for the bot's answer."""
        before = await self.bot_messages()
        exact = re.compile(rf"^(\d+\. )?{re.escape(label)}$")  # "1. Lưu" but not "Không lưu"
        await self.page.locator(".msg.in .ik-btn", has_text=exact).last.click()
        await self.bot_says(fragment, after=before)

    async def toast(self) -> str:
        """Wait for the toast and return its text."""
        await self.page.wait_for_selector("#toast:not([hidden])", timeout=WAIT_MS)
        return await self.page.text_content("#toast") or ""

    async def shot(self, folder: Path, name: str) -> Path:
        """Save a screenshot of the whole page."""
        path = folder / name
        await self.page.screenshot(path=str(path))
        assert path.stat().st_size > 0
        return path


async def new_tab(browser: Any, **options: Any) -> Tab:
    """A tab in a fresh browser context (desktop size, Vietnamese locale)."""
    context = await browser.new_context(
        viewport=options.pop("viewport", DESKTOP), locale="vi-VN", **options
    )
    return Tab(await context.new_page())


def first_line(key: str, locale: str = "vi", /, **values: object) -> str:
    """The first line of a catalogue text as the page shows it."""
    return plain(key, locale, **values).splitlines()[0]


# --- what works today --------------------------------------------------------------------------


async def test_personas_chat_upload_clock_and_escaping(browser, site, sandbox, kontum_plan, shots):
    tab = await new_tab(browser)
    page = tab.page
    await tab.open(site)
    personas = page.locator(".persona")
    # every unit's focal point (one of them on Zalo), secretariat, head, stranger, group, plus
    # the secretariat's Zalo account and the Zalo group
    assert await personas.count() == len(kontum_plan.focal_point_units) + 4 + 2
    assert await page.title() == t("sandbox.title")
    await tab.shot(shots, "01-loaded.png")

    # A stranger: /start and the bot's formatted answer, bold as bold.
    await tab.persona("stranger")
    await tab.exchange("/start", "daumoi")
    assert await page.locator("#messages .msg.in strong", has_text="daumoi").count() == 1

    # A focal point: /start, then the invite and its buttons when registration is there.
    await tab.persona(FOCAL)
    assert await page.text_content("#chat-name") == sandbox.personas[FOCAL].name
    await tab.exchange("/start", "daumoi")
    invite = page.locator("#invite-btn")
    if sandbox.personas[FOCAL].invite_code:
        assert await invite.is_enabled()
        before = await tab.bot_messages()
        await invite.click()
        await tab.bot_says(first_line("registration.choice_agree"), after=before)
        buttons = page.locator(".msg.in .ik-btn")
        if await buttons.count():
            before = await tab.bot_messages()
            await buttons.first.click()
            await page.wait_for_function(
                "(n) => document.querySelectorAll('#messages .msg.in').length > n",
                arg=before,
                timeout=WAIT_MS,
            )
    else:
        assert await invite.is_disabled()
    await tab.shot(shots, "02-focal-point.png")

    # A photo, sent through the page and shown inline.
    await page.set_input_files(
        "#file-input",
        files=[{"name": "pano.png", "mimeType": "image/png", "buffer": tiny_png(64, 48)}],
    )
    image = page.locator("#messages .msg.out .photo img").last
    await image.wait_for(timeout=WAIT_MS)
    await page.wait_for_function(
        "() => [...document.querySelectorAll('.msg.out .photo img')].some(i => i.naturalWidth)",
        timeout=WAIT_MS,
    )

    # Markup in a message is shown as text and never runs.
    await tab.say(SCRIPT)
    mine = page.locator("#messages .msg.out .text").last
    await page.wait_for_function(
        "(s) => [...document.querySelectorAll('.msg.out .text')].some(n => n.textContent === s)",
        arg=SCRIPT,
        timeout=WAIT_MS,
    )
    assert await mine.text_content() == SCRIPT
    assert await page.locator("#messages script, #messages img[src='x']").count() == 0

    # The clock: one hour on, shown in the panel; backwards refused with the reason.
    clock_before = await page.text_content("#clock-time")
    await page.click("#adv-hour")
    await page.wait_for_function(
        "(old) => document.getElementById('clock-time').textContent !== old",
        arg=clock_before,
        timeout=WAIT_MS,
    )
    assert "09:00" in (await page.text_content("#clock-time") or "")
    await page.fill("#clock-input", "2023-11-01T07:00")
    await page.click("#adv-to")
    refusal = t("sandbox.err_backwards", now="01/11/2023 09:00")
    await page.wait_for_function(
        "(text) => document.getElementById('toast').textContent === text",
        arg=refusal,
        timeout=WAIT_MS,
    )
    assert "09:00" in (await page.text_content("#clock-time") or "")
    await tab.shot(shots, "03-clock-and-outbox.png")
    await page.locator("#side").screenshot(path=str(shots / "04-side-panel.png"))
    assert tab.dialogs == []


async def test_english_toggle_switches_page_and_bot(browser, site, sandbox):
    tab = await new_tab(browser)
    await tab.open(site, "stranger")
    await tab.page.click("#lang-toggle")
    await tab.page.wait_for_function(
        "(title) => document.title === title", arg=t("sandbox.title", "en"), timeout=WAIT_MS
    )
    assert await tab.page.get_attribute("html", "lang") == "en"
    await tab.exchange("/help", first_line("common.help_header_stranger", "en"))


async def test_two_tabs_as_the_same_persona(browser, site, sandbox, shots):
    first, second = await new_tab(browser), await new_tab(browser)
    await first.open(site, FOCAL)
    await second.open(site, FOCAL)
    await first.exchange("/help", "/start")
    # the other tab sees both the question and the answer
    await second.bot_says("/start")
    assert await second.page.locator(".msg.out .text", has_text="/help").count() == 1
    await second.exchange("/start", "daumoi")
    await first.bot_says("daumoi")
    assert await first.bot_messages() == await second.bot_messages() == 2
    await second.shot(shots, "05-second-tab.png")


async def test_upload_of_50_mb_is_refused_before_sending(browser, site, sandbox):
    tab = await new_tab(browser)
    await tab.open(site, FOCAL)
    await tab.page.evaluate(
        """() => {
            const big = new File([new Uint8Array(50 * 1000 * 1000)], "video.mp4");
            const input = document.getElementById("file-input");
            const files = new DataTransfer();
            files.items.add(big);
            input.files = files.files;
            input.dispatchEvent(new Event("change", { bubbles: true }));
        }"""
    )
    assert await tab.toast() == t("sandbox.err_upload_limit", limit=50)
    chat = sandbox.personas[FOCAL].chat_id
    assert not any(key[0] == chat for key in sandbox.api.messages)


async def test_on_a_phone_screen_the_people_list_and_the_chat_are_visible(browser, site, sandbox, shots):
    tab = await new_tab(browser, viewport={"width": 390, "height": 844}, device_scale_factor=2)
    await tab.open(site)
    assert await tab.page.locator("#people").is_visible()
    await tab.persona("head")
    assert await tab.page.locator("#chat").is_visible()
    await tab.exchange("/start", "daumoi")
    await tab.shot(shots, "06-phone.png")


# --- steps that grow with the features ---------------------------------------------------------


def needs_registration(sandbox: Sandbox) -> None:
    """Focal points have invites ready (a regression if not)."""
    assert sandbox.personas[FOCAL].invite_code, "the focal point persona has no invite code"


def needs_command(sandbox: Sandbox, persona: str, *names: str) -> None:
    """The bot's menu for the persona offers one of the commands (a regression if not)."""
    offered = {c["command"] for c in sandbox.menu(persona)}
    assert offered & set(names), f"/{names[0]} is missing from the menu"


async def register_by_typing(tab: Tab, sandbox: Sandbox, name: str, position: str) -> None:
    """Open the invite and answer every question by typing (numbers, text, a typed phone)."""
    persona = sandbox.personas[FOCAL]
    before = await tab.bot_messages()
    await tab.page.click("#invite-btn")
    await tab.bot_says(first_line("registration.choice_agree"), after=before)
    await tab.exchange("1", first_line("registration.ask_name"))
    await tab.exchange(name, first_line("registration.ask_position"))
    await tab.exchange(position, first_line("registration.ask_phone"))
    local = "0" + (persona.phone or "")[3:]
    await tab.exchange(local, first_line("registration.card"))
    await tab.exchange("1", first_line("registration.saved", unit=persona.unit_name))


async def test_registration_by_typing(browser, site, sandbox, shots):
    needs_registration(sandbox)
    tab = await new_tab(browser)
    await tab.open(site, FOCAL)
    await register_by_typing(tab, sandbox, "Lê Minh Tuấn", "Trưởng phòng Tuyên truyền")
    await tab.shot(shots, "10-registered-by-typing.png")


async def test_registration_by_buttons(browser, site, sandbox, shots):
    needs_registration(sandbox)
    persona = sandbox.personas[FOCAL]
    tab = await new_tab(browser)
    await tab.open(site, FOCAL)
    before = await tab.bot_messages()
    await tab.page.click("#invite-btn")
    await tab.bot_says(first_line("registration.choice_agree"), after=before)
    await tab.press(t("registration.choice_agree"), first_line("registration.ask_name"))
    await tab.exchange("Lê Minh Tuấn", first_line("registration.ask_position"))
    await tab.exchange("Phó Chỉ huy trưởng", first_line("registration.ask_phone"))
    contact = tab.page.locator("#keyboard .kb-btn.contact")
    await contact.wait_for(timeout=WAIT_MS)
    await tab.shot(shots, "11-share-phone-keyboard.png")
    before = await tab.bot_messages()
    await contact.click()
    await tab.bot_says(first_line("registration.card"), after=before)
    await tab.press(t("registration.choice_save"), "✅")
    await tab.bot_says(first_line("registration.saved", unit=persona.unit_name))
    assert await tab.page.locator("#keyboard").is_hidden()


async def test_report_with_a_figure_and_a_photo(browser, site, sandbox, shots, kontum_plan):
    needs_registration(sandbox)
    # A stranger's menu has no /baocao; the focal point's own menu has it once registered.
    assert not {c["command"] for c in sandbox.menu(FOCAL)} & {"baocao", "report"}
    tab = await new_tab(browser)
    await tab.open(site, FOCAL)
    await register_by_typing(tab, sandbox, "Lê Minh Tuấn", "Trưởng phòng Tuyên truyền")
    task = kontum_plan.tasks_of(FOCAL.removeprefix("focal-"))[0]
    metrics = task.metrics
    await tab.exchange("/baocao 1", first_line("reports.ask_status", task="…").split("…")[0])
    needs_command(sandbox, FOCAL, "baocao", "report")
    first = metrics[0].label if metrics else ""
    await tab.exchange("3", first if metrics else first_line("reports.ask_narrative", limit=4000))
    for number, _metric in enumerate(metrics, start=1):
        answer = "12 bài" if number == 1 else "bỏ qua"
        following = (metrics[number].label if number < len(metrics)
                     else first_line("reports.ask_narrative", limit=4000))
        await tab.exchange(answer, following)
    await tab.exchange("Đã đăng 12 bài về Chương trình Giao lưu.",
                       first_line("reports.ask_attachments", count=0))
    before = await tab.bot_messages()
    await tab.page.set_input_files(
        "#file-input",
        files=[{"name": "bang-ron.png", "mimeType": "image/png", "buffer": tiny_png(64, 48)}],
    )
    await tab.bot_says(first_line("reports.attachment_added", count=1), after=before)
    await tab.exchange("xong", first_line("reports.preview"))
    await tab.exchange("1", "BC-0001")
    await tab.shot(shots, "12-report.png")
    async with sandbox.runtime.uow_factory() as uow:
        [report] = await uow.reports.all(kontum_plan.id)
    figures = {figure.metric_id: figure.value for figure in report.figures}
    assert figures[metrics[0].id] == 12 and len(report.attachments) == 1


async def test_head_asks_for_the_summary(browser, site, sandbox, shots):
    needs_command(sandbox, "head", "tonghop", "summary")
    tab = await new_tab(browser)
    await tab.open(site, "head")
    before = await tab.bot_messages()
    await tab.say("/tonghop")
    await tab.page.wait_for_function(
        "(n) => document.querySelectorAll('#messages .msg.in').length > n",
        arg=before,
        timeout=WAIT_MS,
    )
    unknown = plain("common.unknown_command")
    assert unknown not in (await tab.page.locator(".msg.in .text").last.text_content() or "")
    await tab.shot(shots, "13-summary.png")


async def test_clock_advance_produces_a_deadline_nudge(browser, site, sandbox, shots):
    assert await sandbox.runtime.next_due() is not None, "the scheduler has nothing due"
    tab = await new_tab(browser)
    await tab.open(site, "secretariat")
    sent_before = len(sandbox.api.sent_messages())
    # Up to a few reminders on, something must have gone out (a nudge or the missing list).
    for _ in range(5):
        if len(sandbox.api.sent_messages()) > sent_before:
            break
        if not await tab.page.locator("#adv-next").is_enabled():
            break
        old = await tab.page.text_content("#clock-time")
        await tab.page.click("#adv-next")
        await tab.page.wait_for_function(
            "(old) => document.getElementById('clock-time').textContent !== old",
            arg=old,
            timeout=WAIT_MS,
        )
        await sandbox.api.wait_for_poll()
    assert len(sandbox.api.sent_messages()) > sent_before
    await tab.page.wait_for_selector("#outbox .ob-card", timeout=WAIT_MS)
    await tab.shot(shots, "14-nudge-and-outbox.png")


async def test_run_sandbox_saves_screenshots_then_keeps_serving(kontum_plan, tmp_path):
    import asyncio

    import aiohttp

    from bot.sandbox import run_sandbox
    from bot.settings import Settings

    urls: list[str] = []
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        run_sandbox(
            Settings(_env_file=None),
            kontum_plan,
            port=0,
            screenshot_dir=tmp_path,
            ready=ready,
            stop=stop,
            announce=urls.append,
        )
    )
    await asyncio.wait_for(ready.wait(), 60)
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == [
        "01-overview.png",
        "02-focal-point-chat.png",
        "03-clock-and-outbox.png",
        "04-clock-milestones.png",
        "05-phone.png",
    ]
    assert all((tmp_path / name).read_bytes().startswith(b"\x89PNG") for name in names)
    async with aiohttp.ClientSession() as session, session.get(urls[0]) as response:
        assert response.status == 200
    stop.set()
    await asyncio.wait_for(task, 10)


# --- Zalo personas -----------------------------------------------------------------------------


def zalo_focal_key(sandbox: Sandbox) -> str:
    """The key of the focal point whose unit is on Zalo."""
    return next(p.key for p in sandbox.personas.values() if p.kind == "focal" and p.on_zalo)


async def test_a_zalo_focal_point_types_a_command_and_sees_no_buttons(browser, site, sandbox,
                                                                        shots):
    key = zalo_focal_key(sandbox)
    persona = sandbox.personas[key]
    tab = await new_tab(browser)
    await tab.open(site, key)
    page = tab.page
    zalo = t("sandbox.channel_zalo")
    assert await page.text_content(f".persona[data-key='{key}'] .channel") == zalo
    assert await page.text_content(".persona[data-key='head'] .channel") == t(
        "sandbox.channel_telegram")
    assert await page.text_content("#chat-channel") == zalo
    assert await page.locator("#chat.zalo").count() == 1
    assert await page.locator("#chat-note").is_visible()
    assert await page.locator("#menu-btn").is_hidden()

    await tab.exchange("/huongdan", first_line("common.help_header_stranger"))
    if persona.invite_code:
        before = await tab.bot_messages()
        await page.click("#invite-btn")
        await tab.bot_says("1. ", after=before)  # the consent: choices numbered, to be typed
        assert await page.locator(".msg.out .text", has_text="dangky").count() == 1
        await tab.exchange("1", first_line("registration.ask_name"))
    # Zalo has neither inline buttons nor reply keyboards; commands are not links either
    assert await page.locator("#messages .ik-btn, #messages .inline-keyboard").count() == 0
    assert await page.locator("#keyboard").is_hidden()
    assert await page.locator("#messages .command").count() == 0

    # a photo goes to the fake Zalo and is shown
    await page.set_input_files(
        "#file-input",
        files=[{"name": "pano.png", "mimeType": "image/png", "buffer": tiny_png(64, 48)}],
    )
    await page.wait_for_function(
        "() => [...document.querySelectorAll('.msg.out .photo img')].some(i => i.naturalWidth)",
        timeout=WAIT_MS,
    )
    assert any(media.data == tiny_png(64, 48) for media in sandbox.zalo.media.values())
    await tab.shot(shots, "20-zalo-focal-point.png")
    assert tab.dialogs == []


async def test_the_zalo_secretariat_gets_the_chart_and_a_link_that_opens(browser, site, sandbox,
                                                                         shots):
    tab = await new_tab(browser)
    await tab.open(site, "zalo-secretariat")
    page = tab.page
    await tab.say("tonghop")
    await page.wait_for_function(
        "() => [...document.querySelectorAll('.msg.in .photo img')].some(i => i.naturalWidth)",
        timeout=WAIT_MS,
    )
    await tab.say("xuat docx")
    base = f"http://127.0.0.1:{sandbox.running.web.port}/files/"
    link = page.locator(f"#messages .msg.in .text a[href^='{base}']")
    await link.first.wait_for(timeout=WAIT_MS)
    assert await link.first.get_attribute("target") == "_blank"
    href = await link.first.get_attribute("href") or ""
    response = await page.context.request.get(href)
    assert response.status == 200 and (await response.body())[:2] == b"PK"
    await tab.shot(shots, "21-zalo-secretariat.png")

    # the outbox shows each row's channel and whom it went to, Zalo rows included
    await page.click("#adv-next")
    card = page.locator("#outbox .ob-card", has=page.locator(".channel.ch-zalo"))
    await card.first.wait_for(timeout=WAIT_MS)
    secretariat = sandbox.personas["zalo-secretariat"]
    assert await card.first.locator(".ob-to").get_attribute("title") == str(secretariat.address)

    # in the Zalo group, what the page sends mentions the bot
    await tab.persona("zalo-group")
    await tab.exchange("/huongdan", "/")
    mine = await page.locator(".msg.out .text").last.text_content()
    assert mine == f"@{sandbox.zalo.bot_name} /huongdan"
    await tab.shot(shots, "22-zalo-group.png")
    assert tab.dialogs == []
