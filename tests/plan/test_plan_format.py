"""The format beyond Kon Tum: the second shipped plan, relative dates, shorthands, defaults."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.plan import load_plan
from bot.plan.relative import WhenError, parse_when

ROOT = Path(__file__).resolve().parents[2]
TET = ROOT / "plans" / "example-tet-2027.yaml"
MINIMAL = Path(__file__).parent / "fixtures" / "minimal.yaml"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_second_plan_loads_with_relative_dates() -> None:
    plan = load_plan(TET)
    assert plan.event_date == date(2027, 2, 6)
    assert plan.start == datetime(2026, 12, 26, tzinfo=TZ)  # -6w
    deadlines = {d.id: d for d in plan.deadlines}
    assert deadlines["dang-ky-dau-moi"].due == datetime(2027, 1, 2, 17, 0, tzinfo=TZ)  # -5w
    assert deadlines["bao-cao"].due == datetime(2027, 2, 20, 10, 0, tzinfo=TZ)  # +2w 10:00
    assert plan.agenda[1].when == datetime(2027, 2, 5, 23, 0, tzinfo=TZ)  # -1d 23:00
    assert plan.secretariat == "vh-xh"


def test_second_plan_moves_to_next_year() -> None:
    plan = load_plan(TET, event_date=date(2028, 1, 26))
    assert plan.start == datetime(2027, 12, 15, tzinfo=TZ)
    assert plan.agenda[0].when == datetime(2028, 1, 24, 19, 30, tzinfo=TZ)


def test_unit_shorthands_expand() -> None:
    plan = load_plan(TET)
    deadlines = {d.id: d for d in plan.deadlines}
    focal = tuple(unit.id for unit in plan.focal_point_units)
    assert deadlines["dang-ky-dau-moi"].units == focal
    assert deadlines["bao-cao"].units == tuple(unit.id for unit in plan.units)


def test_task_without_phases_runs_in_every_phase() -> None:
    plan = load_plan(TET)
    task = next(t for t in plan.tasks if t.id == "phat-thanh")
    assert task.phases == tuple(phase.id for phase in plan.phases)


def test_default_hours_start_end_deadline() -> None:
    plan = load_plan(MINIMAL)
    assert plan.start.time() == time(0, 0)
    assert plan.end.time() == time(23, 59, 59)
    assert plan.deadlines[0].due.time() == time(17, 0)
    assert plan.agenda[0].when is not None and plan.agenda[0].when.time() == time(8, 0)


def test_short_name_defaults_to_name() -> None:
    plan = load_plan(MINIMAL)
    assert plan.unit("bao").short_name == "Báo tỉnh"


def test_nfd_text_is_normalised(tmp_path: Path) -> None:
    text = MINIMAL.read_text(encoding="utf-8")
    decomposed = unicodedata.normalize("NFD", text)
    path = tmp_path / "nfd.yaml"
    path.write_text(decomposed, encoding="utf-8")
    plan = load_plan(path)
    assert plan.title == "Kế hoạch thử"
    assert unicodedata.is_normalized("NFC", plan.unit("bao").name)


def test_absolute_and_relative_dates_mix(tmp_path: Path) -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace('due: "+1w"', 'due: "2024-03-15 09:30"')
    path = tmp_path / "abs.yaml"
    path.write_text(text, encoding="utf-8")
    plan = load_plan(path)
    assert plan.deadlines[1].due == datetime(2024, 3, 15, 9, 30, tzinfo=TZ)


@pytest.mark.parametrize(
    ("text", "days", "hour"),
    [
        ("-7d", -7, None),
        ("+5d 17:00", 5, time(17)),
        ("0d 08:00", 0, time(8)),
        ("+2w", 14, None),
        ("-1w 09:30", -7, time(9, 30)),
        ("3d", 3, None),
    ],
)
def test_relative_syntax(text: str, days: int, hour: time | None) -> None:
    when = parse_when(text)
    assert when.offset_days == days and when.at == hour and when.is_relative


@pytest.mark.parametrize("text", ["-7 d", "7days", "+5d17:00", "d-7", "2023/11/28", "", "T-7"])
def test_bad_relative_syntax_is_rejected(text: str) -> None:
    with pytest.raises(WhenError):
        parse_when(text)
