"""One bot serving several campaigns: PLAN_FILE lists, `plan load` adding, shared ticks."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import Runtime, running_bot
from bot.cli import main
from bot.domain.records import FocalPoint, FocalPointRole
from bot.services.clock import FixedClock
from bot.settings import Settings, plan_paths
from tests.conftest import KONTUM, VN
from tests.support import tg

BOTH_UNITS = ("bdbp", "so-vhttdl", "bao-kon-tum", "dai-ptth")


def test_plan_file_lists_files_or_names_a_folder(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("id: b\n", encoding="utf-8")
    (tmp_path / "a.yaml").write_text("id: a\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a plan\n", encoding="utf-8")

    assert plan_paths(f"{KONTUM}, {tmp_path / 'a.yaml'}") == [KONTUM, tmp_path / "a.yaml"]
    assert plan_paths(f"{KONTUM}{os.pathsep}{KONTUM}") == [KONTUM]
    assert plan_paths(str(tmp_path)) == [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    assert Settings(_env_file=None, plan_file=str(KONTUM)).plan_files == [KONTUM]  # type: ignore[call-arg]


async def _seat(runtime: Runtime, campaign_id: str, unit_id: str, user: int) -> None:
    moment = datetime(2023, 11, 27, 9, 0, tzinfo=VN)
    async with runtime.uow_factory() as uow:
        await uow.focal_points.add(FocalPoint(
            campaign_id, unit_id, FocalPointRole.FOCAL_POINT, tg(user), tg(user),
            f"Nguyễn Văn {unit_id}", "Chuyên viên", "+84912345678", "vi", moment, moment))
        await uow.commit()


async def _outbox(runtime: Runtime) -> list:
    async with runtime.uow_factory() as uow:
        return await uow.outbox.recent(5000)


async def test_one_tick_nudges_for_every_campaign_with_keys_that_never_collide(
        settings, kontum_plan, tet_plan, fake_api) -> None:
    clock = FixedClock(datetime(2023, 12, 12, 8, 30, tzinfo=VN))
    person = fake_api.add_user("Đầu mối Báo Kon Tum", id=5001)
    async with Runtime.open(settings, kontum_plan, clock, [tet_plan]) as runtime:
        await runtime.load_plan()
        assert [plan.id for plan in runtime.plans] == ["kontum-2023", "kontum-tet-2024"]
        # The same person serves Báo Kon Tum in both campaigns (units are shared by id).
        for campaign in ("kontum-2023", "kontum-tet-2024"):
            await _seat(runtime, campaign, "bao-kon-tum", person.id)
        async with running_bot(runtime):
            await runtime.tick()
        rows = await _outbox(runtime)

    nudges = [row for row in rows
              if row.address == tg(5001) and ":unit:bao-kon-tum:T-3d" in row.key]
    # Both deadlines are called bao-cao-don-vi: two messages, one per campaign.
    assert sorted(row.key for row in nudges) == [
        "deadline:bao-cao-don-vi:unit:bao-kon-tum:T-3d",
        "kontum-tet-2024:deadline:bao-cao-don-vi:unit:bao-kon-tum:T-3d",
    ]
    assert {row.campaign_id for row in nudges} == {"kontum-2023", "kontum-tet-2024"}
    assert all(row.status.value == "sent" for row in nudges)
    assert len(fake_api.sent_messages(person.id)) == 2
    assert max(Counter(row.key for row in rows).values()) == 1


async def test_a_campaign_served_alone_before_keeps_its_keys_whatever_comes_first(
        settings, kontum_plan, tet_plan) -> None:
    clock = FixedClock(datetime(2023, 11, 25, 8, 30, tzinfo=VN))
    async with Runtime.open(settings, kontum_plan, clock) as alone:
        await alone.load_plan()
        await alone.tick()  # the registration list of 25/11 goes out
        before = {row.key for row in await _outbox(alone)}
    assert "deadline:dang-ky-dau-moi:staff:900001:T-3d" in before

    # Tết added first in PLAN_FILE: Kon Tum's messages must still be recognised as sent.
    async with Runtime.open(settings, tet_plan, clock, [kontum_plan]) as both:
        await both.load_plan()
        result = await both.tick()
        after = await _outbox(both)
    fresh = [row for row in after if row.key not in before]
    assert fresh and all(row.campaign_id == "kontum-tet-2024" for row in fresh)
    assert all(row.key.startswith("kontum-tet-2024:") for row in fresh)
    assert result.queued + result.skipped == len(fresh)


def test_the_bot_serves_a_campaign_added_by_plan_load(
        database_file, kontum_plan, tet_file, monkeypatch, tmp_path, capsys) -> None:
    url = f"sqlite+aiosqlite:///{database_file}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PLAN_FILE", str(KONTUM))
    assert main(["plan", "load"]) == 0
    assert main(["plan", "load", str(tet_file)]) == 0
    assert "kontum-tet-2024" in capsys.readouterr().out.splitlines()[-1]

    async def served() -> tuple[list[str], dict[str, int]]:
        settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
        async with Runtime.open(settings, kontum_plan, stored=True) as runtime:
            async with runtime.uow_factory() as uow:
                stored = [campaign.id for campaign in await uow.campaigns.all()]
                units = {cid: (await uow.campaigns.counts(cid))["units"] for cid in stored}
            return [plan.id for plan in runtime.plans], units

    plans, units = asyncio.run(served())
    assert plans == ["kontum-2023", "kontum-tet-2024"]
    # Loading the second kept the first whole.
    assert units == {"kontum-2023": len(kontum_plan.units), "kontum-tet-2024": 5}


def test_plan_file_naming_no_plan_or_one_id_twice_is_refused(
        monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PLAN_FILE", str(tmp_path / "empty"))
    assert main(["plan", "load"]) == 2
    assert "PLAN_FILE" in capsys.readouterr().err

    copy = tmp_path / "copy.yaml"
    copy.write_text(KONTUM.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("PLAN_FILE", f"{KONTUM},{copy}")
    assert main(["plan", "load"]) == 1
    err = capsys.readouterr().err
    assert "kontum-2023" in err and str(copy) in err


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_both_languages_say_what_is_wrong_with_plan_file(locale: str) -> None:
    from bot.texts import t

    assert "PLAN_FILE" in t("cli.no_plan_files", locale, value="x")
    assert "kontum" in t("cli.plan_twice_files", locale, campaign="kontum", first="a", second="b")


def test_campaign_names_the_plan_the_command_line_works_on(
        monkeypatch, tmp_path, tet_file, capsys) -> None:
    import json

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("PLAN_FILE", f"{KONTUM},{tet_file}")
    monkeypatch.setenv("BOT_USERNAME", "daumoi_kontum_bot")
    assert main(["invites", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 11  # the first plan's units
    monkeypatch.setenv("CAMPAIGN", "kontum-tet-2024")
    assert main(["invites", "--json"]) == 0
    assert sorted(i["unit"] for i in json.loads(capsys.readouterr().out)) == sorted(
        BOTH_UNITS)
    monkeypatch.setenv("CAMPAIGN", "tet-2099")
    assert main(["invites", "--json"]) == 2
    err = capsys.readouterr().err
    assert "tet-2099" in err and "kontum-2023, kontum-tet-2024" in err


async def test_the_campaign_a_person_chose_is_forgotten_with_them(database_file) -> None:
    from storage.db import create_engine
    from storage.uow import make_uow_factory

    engine = create_engine(f"sqlite+aiosqlite:///{database_file}")
    uow_factory = make_uow_factory(engine)
    try:
        async with uow_factory() as uow:
            await uow.prefs.set_campaign(tg(1), "kontum-tet-2024")
            await uow.prefs.set_campaign(tg(2), "kontum-2023")
            await uow.prefs.set_campaign(tg(1), "kontum-2023")  # switched back
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.prefs.campaigns() == {tg(1): "kontum-2023", tg(2): "kontum-2023"}
            await uow.prefs.forget([tg(1)])
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.prefs.campaigns() == {tg(2): "kontum-2023"}
            assert await uow.prefs.locales() == {}
    finally:
        await engine.dispose()
