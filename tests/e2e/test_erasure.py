"""`/xoadulieu` erases the person everywhere: a dump of the whole database names nobody."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import inspect, select, text

from bot.domain.privacy import ERASED_CHANNEL, PersonTraces
from bot.services.housekeeping import HousekeepingService
from tests.e2e.test_registration import invite, newcomer, register_by_typing
from tests.e2e.test_reports import to_preview
from tests.support import Person, plain

NAME = "Hoàng Thị Xuân Quỳnh"
POSITION = "Phóng viên ban Thời sự"
PHONE = "0987.654.321"
# How the number may appear anywhere: as typed, E.164, national, Telegram's digits only.
PHONES = ("0987654321", "+84987654321", "84987654321", "0987 654 321", "987654321",
          "0987.654.321")
USER_ID = 731945268


def dump_texts(rows) -> str:
    return "\n".join(json.dumps(list(row), default=str, ensure_ascii=False) for row in rows)


async def dump_database(engine) -> str:
    """Every column of every row of every table, as text (JSON unescaped as well)."""
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        parts = []
        for table in tables:
            rows = (await connection.execute(text(f'SELECT * FROM "{table}"'))).all()
            parts.append(f"## {table}\n{dump_texts(rows)}")
    dump = "\n".join(parts)
    # JSON columns are stored with \\u escapes on SQLite: decode them too.
    return dump + "\n" + dump.encode().decode("unicode_escape", errors="ignore")


async def test_erasure_leaves_no_trace_of_the_person_anywhere(bot, fake_api, secretariat):
    quynh = Person(fake_api, fake_api.add_user("Quỳnh", id=USER_ID, username="quynh_kt"))
    await register_by_typing(quynh, await invite(bot), name=NAME, position=POSITION, phone=PHONE)
    await quynh.say("/ngonngu en")
    preview = await to_preview(quynh, narrative="Đã đăng 12 bài trên báo in và báo điện tử.")
    assert preview.buttons
    await quynh.say("1")  # send the report
    await quynh.say("/baomat")
    await quynh.silence()
    before = await dump_database(bot.runtime.engine)
    assert NAME in before and str(USER_ID) in before and "+84987654321" in before

    assert (await quynh.say("/xoadulieu")).text.startswith(plain("registration.forget_confirm", "en")[:10])
    assert (await quynh.say("1")).text == plain("registration.erased", "en")
    await secretariat.reply()  # the secretariat is told the unit needs a new focal point
    await quynh.silence()

    after = await dump_database(bot.runtime.engine)
    for trace in (NAME, POSITION, str(USER_ID), "quynh_kt", *PHONES):
        assert trace not in after, trace
    # The report stays, credited to the unit and to a placeholder.
    [report] = await bot.runtime.services.reporting.all_reports("bao-kon-tum")
    assert report.submitted_by.channel == ERASED_CHANNEL and report.submitted_by_name == ""
    async with bot.runtime.uow_factory() as uow:
        assert await uow.prefs.locales() == {}  # the language choice went too
    assert bot.runtime.services.preferences.locale_of(quynh_address()) is None


def quynh_address():
    from tests.support import tg

    return tg(USER_ID)


async def test_a_focal_point_who_handed_over_can_still_be_forgotten(bot, fake_api):
    first, second = newcomer(fake_api, "An"), newcomer(fake_api, "Bình")
    await register_by_typing(first, await invite(bot), name="Trần Văn An", phone="0912 000 111")
    await register_by_typing(second, await invite(bot), name="Lê Thị Bình", phone="0912 000 222")
    await first.reply()  # the handover notice
    assert (await first.say("/xoadulieu")).text.startswith(plain("registration.forget_confirm")[:10])
    assert (await first.say("1")).text == plain("registration.erased")
    dump = await dump_database(bot.runtime.engine)
    assert "Trần Văn An" not in dump and "0912000111" not in dump and "+84912000111" not in dump
    assert "Lê Thị Bình" in dump  # the new focal point is untouched


async def test_stored_answers_are_pruned_after_the_redelivery_window(bot, clock):
    runtime = bot.runtime
    async with runtime.uow_factory() as uow:
        await uow.updates.mark("telegram:update:1", clock.now() - timedelta(hours=30))
        await uow.updates.remember("telegram:update:1", {"replies": []})
        await uow.updates.mark("telegram:update:2", clock.now() - timedelta(hours=2))
        await uow.commit()
    # The bot's own reminder loop prunes with the same clock and may get there first, so the
    # test looks at what is left, not at whose pass removed it.
    await HousekeepingService(runtime.uow_factory).prune(clock.now())
    async with runtime.engine.connect() as connection:
        from storage.models import ProcessedUpdateRow

        keys = (await connection.execute(select(ProcessedUpdateRow.message_key))).scalars().all()
    assert "telegram:update:1" not in keys and "telegram:update:2" in keys


def test_traces_match_every_way_a_number_is_written():
    traces = PersonTraces.of([], ["Nguyễn Văn A"], ["+84987654321"])
    for written in ("0987654321", "+84 987 654 321", "84987654321", "0987-654-321",
                    "(+84) 987.654.321", "sđt 0987 654 321 ạ"):
        assert traces.in_text(written), written
        assert "987" not in traces.scrub(written), written
    assert not traces.in_text("09876543210")  # another, longer number
    assert traces.mentioned_in({"a": [{"b": "chào nguyễn văn a"}]})
