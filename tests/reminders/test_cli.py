"""`daumoi reminders preview --at …` and `daumoi reminders log` on a prepared database."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import pytest

from bot.app import Runtime
from bot.cli import main
from bot.domain.address import Address
from bot.domain.records import FocalPoint, FocalPointRole
from bot.plan import load_plan
from bot.services.clock import FixedClock
from bot.settings import load_settings
from storage.models import ReportRow
from tests.conftest import ADMIN_ID, HEAD_ID, KONTUM
from tests.reminders.conftest import at
from tests.support import tg

REGISTERED = ["bdbp", "so-vhttdl", "ubnd-ngoc-hoi", "bao-kon-tum", "dai-ptth", "cong-ttdt"]
REPORTED = ["bdbp", "bao-kon-tum"]


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, tmp_path):
    """Settings in the environment, and a database with some focal points and reports."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PLAN_FILE", str(KONTUM))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("ADMIN_IDS", str(ADMIN_ID))
    monkeypatch.setenv("HEAD_IDS", str(HEAD_ID))
    monkeypatch.setenv("BOT_USERNAME", "daumoi_kontum_bot")
    plan = load_plan(KONTUM)

    async def prepare() -> None:
        clock = FixedClock(at(20, 11, 9))
        async with Runtime.open(load_settings(), plan, clock) as runtime:
            await runtime.load_plan()
            async with runtime.uow_factory() as uow:
                for number, unit in enumerate(REGISTERED, start=1):
                    await uow.focal_points.add(FocalPoint(
                        plan.id, unit, FocalPointRole.FOCAL_POINT, tg(number), tg(number), "A", "B",
                        None, "vi", clock.now(), clock.now()))
                for unit in REPORTED:
                    for task in plan.tasks_of(unit):
                        if task.deadline in ("bao-cao-don-vi", None):
                            uow.session.add(ReportRow(
                                campaign_id=plan.id, unit_id=unit, task_id=task.id, version=1,
                                status="done", narrative="", submitted_by=Address("telegram", "1"),
                                submitted_by_name="x", created_at=at(1, 12, 9)))
                await uow.commit()
            # The bot first ran on 27/11 at 08:00 (without Telegram): the T-3d list was recorded
            # as missed and the T-1d one queued.
            clock.set(at(27, 11, 8))
            await runtime.services.reminders.enqueue_due(clock.now())

    asyncio.run(prepare())
    return plan


def _preview(capsys, moment: str) -> list[dict]:
    assert main(["reminders", "preview", "--at", moment, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_preview_names_the_units_a_reader_of_the_plan_expects(configured, capsys):
    missing_registration = ["ubnd-dak-to", "ubnd-dak-ha", "ubnd-tp-kon-tum", "so-ngoai-vu",
                            "cong-an"]
    # 28/11 08:00, the day of the focal-point deadline: the secretariat gets the missing units.
    [listing] = _preview(capsys, "2023-11-28T08:00")
    assert listing == {
        "key": f"deadline:dang-ky-dau-moi:staff:{ADMIN_ID}:T-0d",
        "kind": "registration",
        "recipient_unit": None,
        "address": f"telegram:{ADMIN_ID}",
        "text_key": "reminders.registration_today",
        "due_at": "2023-11-28T08:00:00+07:00",
        "units": missing_registration,
    }
    # 12/12 08:00, three days before the report deadline: the registered units that have not
    # reported get a nudge each; the others are listed for the secretariat.
    rows = _preview(capsys, "2023-12-12 08:00")
    nudged = {row["recipient_unit"]: row for row in rows if row["kind"] == "deadline"}
    assert set(nudged) == {"so-vhttdl", "ubnd-ngoc-hoi", "dai-ptth", "cong-ttdt"}
    assert nudged["cong-ttdt"]["key"] == "deadline:bao-cao-don-vi:unit:cong-ttdt:T-3d"
    assert nudged["cong-ttdt"]["text_key"] == "reminders.nudge_before"
    assert nudged["cong-ttdt"]["address"] == f"telegram:{REGISTERED.index('cong-ttdt') + 1}"
    [staff] = [row for row in rows if row["kind"] == "deadline.staff"]
    assert staff["units"] == missing_registration
    # Between two slots, and for a moment already handled, nothing is due.
    assert _preview(capsys, "2023-12-13T10:00") == []
    assert _preview(capsys, "2023-11-27T08:00") == []


def test_preview_writes_nothing(configured, capsys):
    _preview(capsys, "2023-12-16T17:00")
    assert main(["reminders", "log", "--json"]) == 0
    log = json.loads(capsys.readouterr().out)
    assert [(row["key"], row["status"]) for row in log] == [
        (f"deadline:dang-ky-dau-moi:staff:{ADMIN_ID}:T-1d", "pending"),
        (f"deadline:dang-ky-dau-moi:staff:{ADMIN_ID}:T-3d", "skipped"),
    ]


def test_preview_at_the_escalation_names_the_overdue_units_to_the_head(configured, capsys):
    rows = _preview(capsys, "2023-12-16T17:00")
    [escalation] = [row for row in rows if row["kind"] == "escalation"]
    assert escalation["address"] == f"telegram:{HEAD_ID}"
    assert escalation["units"] == ["so-vhttdl", "ubnd-ngoc-hoi", "ubnd-dak-to", "ubnd-dak-ha",
                                   "ubnd-tp-kon-tum", "dai-ptth", "cong-ttdt", "so-ngoai-vu",
                                   "cong-an"]


def test_text_output_and_log(configured, capsys):
    assert main(["reminders", "preview", "--at", "2023-12-05T07:00"]) == 0
    out = capsys.readouterr().out
    assert "phase:trong:unit:bdbp" in out and "05/12/2023 07:00" in out
    assert main(["reminders", "log"]) == 0
    out = capsys.readouterr().out
    assert "skipped" in out and "T-3d" in out


def test_a_bad_moment_is_one_clear_line(configured, capsys):
    assert main(["reminders", "preview", "--at", "mai"]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--at" in err


def test_moments_without_offset_are_read_in_the_plans_time_zone(configured):
    from bot.cli_reminders import parse_moment

    assert parse_moment("2023-11-28 08:00", "Asia/Ho_Chi_Minh") == at(28, 11, 8)
    assert parse_moment("2023-11-28T01:00+00:00", "Asia/Ho_Chi_Minh") == datetime.fromisoformat(
        "2023-11-28T08:00+07:00")
