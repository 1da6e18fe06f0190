"""Issue 15 over the real bot: a Ban Chỉ đạo plan with decimals, money, percentages, targets.

The plan (tests/plan/fixtures/figures.yaml) is not Kon Tum's: no message may say "Tiểu ban".
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.plan import load_plan
from bot.services.clock import FixedClock
from tests.e2e.test_summary import ask, first_line, seat
from tests.support import Person, open_runtime, plain

PLAN = load_plan(Path(__file__).resolve().parents[1] / "plan/fixtures/figures.yaml")
NOW = datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
WAIT = 15.0


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
async def runtime(settings, clock):
    """Database and services for the Ban Chỉ đạo plan."""
    async with open_runtime(settings, PLAN, clock) as opened:
        yield opened


def texts(api, person):
    return "\n".join(m.text or m.caption or "" for m in api.sent_messages(person.id))


async def test_a_commune_reports_decimals_money_and_a_percentage(bot, fake_api, runtime):
    lan = Person(fake_api, fake_api.add_user("Lan"))
    await seat(runtime, lan, "xa-a")
    await lan.say("/baocao 1")
    ask_km = await lan.say("hoàn thành")
    assert ask_km.text.startswith(plain("reports.ask_figure_decimal", number=1, count=4,
                                        label="Số km đường bê tông", unit="km"))
    refused = await lan.say("5,555")
    assert refused.text == plain("reports.figure_too_precise", label="Số km đường bê tông",
                                 expected={"key": "reports.expected_decimal"}, limit="")
    await lan.reply()  # the question again
    await lan.say("5,5 km")
    over = await lan.say("120%")
    assert "không thể vượt quá 100" in over.text and "ví dụ 80" in over.text
    await lan.reply()
    await lan.say("92,5%")
    await lan.say("2,5 triệu")
    not_whole = await lan.say("12,5")
    assert not_whole.text.startswith("«Số tin bài tuyên truyền» là số đếm nên phải là số nguyên")
    await lan.reply()
    await lan.say("12 bài")
    asked = await lan.say("Đã bê tông hóa 5,5 km.")
    assert asked.text.startswith(plain("reports.ask_attachments_required", count=0))
    needs_photo = await lan.say("xong")
    assert needs_photo.text == plain("reports.attachments_required")
    await lan.reply()  # the attachments question again
    assert await runtime.services.reporting.all_reports("xa-a") == []  # nothing sent yet
    fake_api.send_photo(lan.user, caption="Đoạn đường mới")
    await lan.reply()
    preview = await lan.say("xong")
    assert "• Số km đường bê tông: 5,5 km" in preview.text
    assert "• Tỷ lệ hộ dùng nước sạch: 92,5 %" in preview.text
    assert "• Kinh phí huy động: 2.500.000 đồng" in preview.text
    await lan.say("gửi")
    [report] = await runtime.services.reporting.all_reports("xa-a")
    assert {f.metric_id: f.value for f in report.figures} == {
        "km-duong": 550, "ty-le": 925, "kinh-phi": 2_500_000, "so-bai": 12}
    history = await lan.say(f"/baocaocuatoi {report.reference}")
    assert "5,5 km" in history.text and "2.500.000 đồng" in history.text
    assert "Tiểu ban" not in texts(fake_api, lan)


async def test_the_cli_json_gives_figures_as_people_count_them(bot, fake_api, runtime, settings,
                                                               monkeypatch, capsys):
    import asyncio
    import json

    from bot.cli import main

    lan = Person(fake_api, fake_api.add_user("Lan"))
    await seat(runtime, lan, "xa-a")
    await lan.say("/baocao 1")
    for typed in ("hoàn thành", "5,5 km", "92,5%", "2,5 triệu", "12", "Đã làm."):
        await lan.say(typed)
    fake_api.send_photo(lan.user, caption="Đoạn đường mới")
    await lan.reply()
    await lan.say("xong")
    await lan.say("gửi")
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PLAN_FILE", str(Path(__file__).resolve().parents[1]
                                        / "plan/fixtures/figures.yaml"))
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["reports", "--json"]) == 0
    [report] = json.loads(capsys.readouterr().out)["reports"]
    # 5,5 km is stored as 550 hundredths; the JSON says 5.5, with its kind and unit.
    assert report["figures"] == {
        "km-duong": {"value": 5.5, "kind": "decimal", "unit": "km", "text": "5,5 km"},
        "ty-le": {"value": 92.5, "kind": "percent", "unit": None, "text": "92,5 %"},
        "kinh-phi": {"value": 2_500_000, "kind": "money", "unit": None,
                     "text": "2.500.000 đồng"},
        "so-bai": {"value": 12, "kind": "count", "unit": "bài", "text": "12 bài"},
    }


async def test_the_head_reads_results_against_targets(bot, fake_api, runtime, head, clock):
    from tests.summary_support import Seed

    seed = Seed(PLAN.id)
    seed.report("xa-a", "duong-a", NOW, figures={"km-duong": 550, "ty-le": 950,
                                                 "kinh-phi": 4_000_000, "so-bai": 12})
    seed.report("xa-b", "duong-b", NOW, figures={"km-duong": 200, "ty-le": 850,
                                                 "kinh-phi": None, "so-bai": 6})
    await seed.store(runtime.uow_factory)
    now = "20/11/2026 09:00"
    message = await ask(head, "/tonghop", first_line("summary.title", now=now))
    assert "Số km đường bê tông: 7,5 km / 10 km — đạt 75 %" in message.text
    assert "Tỷ lệ hộ dùng nước sạch: 90 % (bình quân các đơn vị)" in message.text  # a mean
    assert "Dưới chỉ tiêu: Xã A 5,5/6 km (đạt 91 %); Xã B 2/4 km (đạt 50 %)" in message.text
    target_chart = await fake_api.wait_for_message(
        head.id, timeout=WAIT, predicate=lambda m: (m.caption or "").startswith("🎯"))
    assert target_chart.caption == plain("summary.target_chart_caption", now=now)
    assert "Tiểu ban" not in texts(fake_api, head)


async def test_a_commune_sees_its_own_targets_and_no_other_unit(bot, fake_api, runtime):
    from tests.summary_support import Seed

    seed = Seed(PLAN.id)
    seed.report("xa-b", "duong-b", NOW, figures={"km-duong": 200, "ty-le": 950, "so-bai": 12})
    seed.report("xa-a", "duong-a", NOW, figures={"km-duong": 600})
    await seed.store(runtime.uow_factory)
    binh = Person(fake_api, fake_api.add_user("Bình"))
    await seat(runtime, binh, "xa-b")
    message = await ask(binh, "/tonghop", first_line("summary.unit_title", unit="Xã B",
                                                     now="20/11/2026 09:00"))
    assert "• Số km đường bê tông: 2/4 km — đạt 50 %, chưa đạt chỉ tiêu" in message.text
    assert "• Tỷ lệ hộ dùng nước sạch: 95/90 % — đạt 105 % ✅" in message.text
    assert "• Số tin bài tuyên truyền: 12/10 bài — đạt 120 % ✅" in message.text
    assert "Xã A" not in message.text and "6/6" not in message.text
