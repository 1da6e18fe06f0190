"""The command line, run in-process as `daumoi …` would run it."""

from __future__ import annotations

import json
import re

import pytest

from bot.cli import main
from tests.conftest import KONTUM

ENV = ("BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS", "HEAD_IDS", "LOG_LEVEL", "DEFAULT_LOCALE",
       "TELEGRAM_API_URL", "PLAN_FILE", "PLAN_EVENT_DATE", "BOT_USERNAME")


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PLAN_FILE", str(KONTUM))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("BOT_USERNAME", "daumoi_kontum_bot")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_check_prints_the_timeline(capsys):
    code, out, _ = run(capsys, "plan", "check", str(KONTUM))
    assert code == 0
    assert "28/11/2023 17:00" in out and "15/12/2023 17:00" in out and "20/12/2023 17:00" in out


def test_plan_check_json_moves_with_the_event_date(capsys):
    code, out, _ = run(capsys, "plan", "check", str(KONTUM), "--json", "--event-date",
                       "2026-12-10")
    data = json.loads(out)
    assert code == 0
    assert set(data) >= {"campaign", "units", "phases", "deadlines", "tasks"}
    registration = next(d for d in data["deadlines"] if d["kind"] == "registration")
    assert registration["due"] == "2026-12-03T17:00:00+07:00"


def test_a_broken_plan_names_file_line_and_field(capsys, tmp_path):
    broken = tmp_path / "x.yaml"
    broken.write_text(KONTUM.read_text(encoding="utf-8").replace("lead: bao-kon-tum",
                                                                "lead: bao-kt", 1),
                      encoding="utf-8")
    code, _, err = run(capsys, "plan", "check", str(broken))
    assert code == 1
    assert re.search(r"x\.yaml:\d+ tasks\[\d+\]\.lead: .*'bao-kt'", err), err


def test_plan_schema_is_json(capsys):
    code, out, _ = run(capsys, "plan", "schema")
    assert code == 0 and "properties" in json.loads(out)


def test_run_without_a_token_explains_botfather_and_exits_2(capsys):
    code, _, err = run(capsys, "run", "--no-sandbox")
    assert code == 2
    assert "@BotFather" in err and "BOT_TOKEN" in err


def test_an_invalid_setting_is_one_line_and_exit_2(capsys, monkeypatch):
    monkeypatch.setenv("ADMIN_IDS", "thu-ky")
    code, _, err = run(capsys, "units")
    assert code == 2
    assert err.strip().count("\n") == 0 and "ADMIN_IDS" in err


def test_an_unreachable_database_is_one_line_and_exit_2(capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://postgres:secret@127.0.0.1:1/none")
    code, _, err = run(capsys, "db", "upgrade")
    assert code == 2
    assert err.startswith("DATABASE_URL") and "secret" not in err
    assert "Traceback" not in err


def test_plan_load_twice_changes_nothing_the_second_time(capsys):
    code, out, err = run(capsys, "plan", "load", "--json")
    assert code == 0 and json.loads(out)["changed"] is True
    # It loads, and says what `plan check` would warn about (stdout stays JSON).
    assert err.count("cảnh báo:") == 6 and "chủ trì" in err
    code, out, _ = run(capsys, "plan", "load", "--json")
    assert code == 0 and json.loads(out)["changed"] is False


def test_invites_for_every_focal_point_unit_with_qr_codes(capsys, tmp_path):
    code, out, _ = run(capsys, "invites", "--json", "--qr", str(tmp_path / "qr"))
    invites = json.loads(out)
    assert code == 0 and len(invites) == 11
    for invite in invites:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,64}", invite["code"])  # ≥ 128 bits
        assert invite["link"] == f"https://t.me/daumoi_kontum_bot?start={invite['code']}"
        assert invite["kind"] == "focal_point" and invite["expires"] == "2023-12-20T23:59:59+07:00"
        assert (tmp_path / "qr" / f"{invite['unit']}.png").read_bytes()[:4] == b"\x89PNG"
    assert len({invite["code"] for invite in invites}) == 11


def test_deputy_invite_for_one_unit_then_revoke(capsys):
    code, out, _ = run(capsys, "invites", "--unit", "cong-an", "--deputy", "--json")
    [invite] = json.loads(out)
    assert code == 0 and invite["kind"] == "deputy" and invite["unit"] == "cong-an"
    code, out, _ = run(capsys, "invites", "revoke", "cong-an")
    assert code == 0 and "1" in out


def test_unknown_unit_is_refused(capsys):
    code, _, err = run(capsys, "invites", "--unit", "bao-kt")
    assert code == 1 and "bao-kt" in err


def test_units_and_audit_json(capsys):
    run(capsys, "invites", "--unit", "cong-an")
    code, out, _ = run(capsys, "units", "--json")
    data = json.loads(out)
    assert code == 0 and (data["registered"], data["required"]) == (0, 11)
    assert all(unit["focal_point"] is None for unit in data["units"])
    code, out, _ = run(capsys, "audit", "--json")
    actions = [entry["action"] for entry in json.loads(out)]
    assert code == 0 and "invite.created" in actions


@pytest.mark.parametrize(("locale", "words"), [
    ("vi", ("cách dùng: daumoi run", "tùy chọn:", "hiện trợ giúp này rồi thoát", "dời ngày sự kiện")),
    ("en", ("usage: daumoi run", "options:", "show this help message and exit",
            "move the event date")),
])
def test_help_speaks_the_command_lines_language_headings_included(capsys, monkeypatch, locale,
                                                                   words):
    from bot.cli_text import cli_locale

    monkeypatch.setenv("DEFAULT_LOCALE", locale)
    cli_locale.cache_clear()
    try:
        with pytest.raises(SystemExit) as exc:
            main(["run", "--help"])
    finally:
        cli_locale.cache_clear()
    out = capsys.readouterr().out
    assert exc.value.code == 0
    for word in words:
        assert word in out, (word, out)


def test_the_plans_positional_argument_heading_is_vietnamese(capsys):
    with pytest.raises(SystemExit):
        main(["plan", "check", "--help"])
    assert "tham số:" in capsys.readouterr().out


@pytest.mark.parametrize("port", ["abc", "70000", "-1"])
def test_an_invalid_port_is_one_line_with_the_way_out(capsys, port):
    code, out, err = run(capsys, "sandbox", "--port", port)
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "--port" in err and "PORT=8090" in err


def test_a_busy_port_is_one_line_before_anything_starts(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(capsys, "sandbox", "--port", str(port))
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0
    assert str(port) in err and "make run PORT=8090" in err


def test_make_run_passes_a_port():
    import shutil
    import subprocess
    from pathlib import Path

    if shutil.which("make") is None:
        pytest.fail("make is not installed")
    root = Path(__file__).resolve().parent.parent
    shown = subprocess.run(["make", "-n", "-C", str(root), "run", "PORT=8090"],
                           capture_output=True, text=True, check=True).stdout
    assert "daumoi run --port 8090" in shown
    default = subprocess.run(["make", "-n", "-C", str(root), "run"],
                             capture_output=True, text=True, check=True).stdout
    assert "daumoi run" in default and "--port" not in default


def test_env_example_names_bot_username_and_plan_event_date():
    from pathlib import Path

    from bot.settings import Settings

    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    for name in ("BOT_USERNAME", "PLAN_EVENT_DATE"):
        assert f"\n{name}=" in example
        assert name.lower() in Settings.model_fields
    assert "--event-date" in example and "t.me/" in example


def test_run_with_a_token_on_the_ended_shipped_plan_says_so_and_how_to_rehearse(capsys):
    from datetime import UTC, datetime

    from bot.cli import warn_if_past
    from bot.plan import load_plan

    plan = load_plan(KONTUM)
    warn_if_past(plan, datetime(2026, 3, 1, tzinfo=UTC))
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "đã kết thúc" in err
    assert "--event-date 2026-" in err and "PLAN_EVENT_DATE=2026-" in err
    rehearsal = err.split("--event-date ")[1].split()[0]
    moved = load_plan(KONTUM, event_date=__import__("datetime").date.fromisoformat(rehearsal))
    warn_if_past(moved, datetime(2026, 3, 1, tzinfo=UTC))
    assert capsys.readouterr().err == ""  # the suggested date is a rehearsal still ahead


def test_a_plan_whose_focal_point_deadline_passed_is_said_too(capsys):
    from datetime import timedelta

    from bot.cli import warn_if_past
    from bot.domain.plan import DeadlineKind
    from bot.plan import load_plan

    plan = load_plan(KONTUM)
    due = max(d.due for d in plan.deadlines if d.kind is DeadlineKind.REGISTRATION)
    warn_if_past(plan, due + timedelta(days=2))
    err = capsys.readouterr().err
    assert "Hạn cử đầu mối" in err and "2 ngày trước" in err and "--event-date" in err


def test_summary_of_the_ended_plan_says_the_campaign_ended(capsys):
    code, out, err = run(capsys, "summary")
    assert code == 0
    assert "đã kết thúc" in err and "--event-date" in err


def test_invites_born_expired_are_never_printed_without_a_warning(capsys):
    code, out, err = run(capsys, "invites")
    assert code == 0 and "t.me/daumoi_kontum_bot" in out
    assert "đã hết hạn" in err and "PLAN_EVENT_DATE" in err



def test_invites_of_a_rehearsal_still_ahead_carry_no_warning(capsys, monkeypatch):
    monkeypatch.setenv("PLAN_EVENT_DATE", "2099-11-25")
    code, out, err = run(capsys, "invites")
    assert code == 0 and "t.me/" in out and "đã hết hạn" not in err


def _seed_focal_point(name: str) -> None:
    """A focal point registered during the Kon Tum campaign (2023), straight into the database."""
    import asyncio
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.app import Runtime
    from bot.cli import load_configured_plan, load_configured_settings
    from bot.domain.records import FocalPoint, FocalPointRole
    from tests.support import tg

    settings = load_configured_settings()
    plan = load_configured_plan(settings)
    when = datetime(2023, 11, 25, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

    async def seed() -> None:
        async with Runtime.open(settings, plan) as runtime:
            await runtime.load_plan()
            async with runtime.uow_factory() as uow:
                await uow.focal_points.add(FocalPoint(
                    plan.id, "cong-an", FocalPointRole.FOCAL_POINT, tg(99), tg(99), name,
                    "Trung tá", "+84912000999", "vi", when, when))
                await uow.commit()

    asyncio.run(seed())


def test_retention_dry_run_lists_then_the_real_run_erases(capsys):
    _seed_focal_point("Y Blông Niê")
    code, out, _ = run(capsys, "retention", "--dry-run")
    assert code == 0 and "cong-an" in out and "Y Blông Niê" in out and "Chưa xóa gì" in out
    code, out, _ = run(capsys, "retention", "--dry-run")
    assert "Y Blông Niê" in out  # a dry run changed nothing
    code, out, _ = run(capsys, "retention")
    assert code == 0 and "Đã xóa dữ liệu cá nhân của 1 người" in out
    code, out, _ = run(capsys, "retention", "--dry-run")
    assert "Y Blông Niê" not in out and "của 0 người" in out
    code, out, _ = run(capsys, "audit", "--json")
    assert "retention.erased" in [entry["action"] for entry in json.loads(out)]


def test_db_backup_copies_the_live_database_and_never_overwrites(capsys, tmp_path):
    import sqlite3

    _seed_focal_point("Y Blông Niê")
    target = tmp_path / "backups" / "daumoi-2026-12-02.sqlite3"
    code, out, _ = run(capsys, "db", "backup", str(target))
    assert code == 0 and str(target) in out
    with sqlite3.connect(target) as copy:
        [(name,)] = copy.execute("SELECT full_name FROM focal_points").fetchall()
    assert name == "Y Blông Niê"
    code, _, err = run(capsys, "db", "backup", str(target))
    assert code == 1 and "Không sao lưu được" in err and "exists already" in err


def test_db_backup_on_postgresql_uses_pg_dump(capsys, tmp_path, monkeypatch):
    import os
    import shutil

    url = os.environ.get("TEST_DATABASE_URL")
    if not url or shutil.which("pg_dump") is None:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL) and pg_dump")
    monkeypatch.setenv("DATABASE_URL", url)
    run(capsys, "db", "upgrade")
    target = tmp_path / "daumoi.dump"
    code, out, err = run(capsys, "db", "backup", str(target))
    assert code == 0, err
    assert target.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
