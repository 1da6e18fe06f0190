"""The sandbox serving two plans at once: the secretariat switches between them."""

from __future__ import annotations

from bot.plan import load_plan
from bot.sandbox import make_web_app, open_sandbox
from bot.settings import Settings
from tests.campaigns.conftest import TET
from tests.sandbox.conftest import bot_reply, post


async def test_the_sandbox_loads_two_plans_and_the_secretariat_switches(kontum_plan) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.texts import use_vocabulary

    tet = load_plan(TET)
    async with open_sandbox(Settings(_env_file=None), kontum_plan, others=[tet]) as sandbox:
        assert [plan.id for plan in sandbox.runtime.plans] == ["kontum-2023", "kontum-tet-2024"]
        async with TestClient(TestServer(make_web_app(sandbox))) as client:
            status, _ = await post(client, "/api/send", persona="secretariat", text="/kehoach")
            assert status == 200
            listed = await bot_reply(sandbox, "secretariat")
            assert "2 kế hoạch" in listed.text and tet.title in listed.text
            await post(client, "/api/send", persona="secretariat", text="/kehoach 2")
            switched = await bot_reply(sandbox, "secretariat")
            assert f"«{tet.title}»" in switched.text
        assert sandbox.api.result_problems == []
    use_vocabulary()
