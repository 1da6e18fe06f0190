"""Migration 0002 on a database made by the previous schema: Telegram ids become addresses and
no row is lost; then the bot's repositories read the carried-over rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot.domain.address import Address
from storage.db import create_engine
from storage.migrate import current_async, downgrade_async, head, upgrade_async
from storage.uow import make_uow_factory
from tests.storage.plans import build_plan

NOW = datetime(2023, 11, 20, 2, 0, tzinfo=UTC)
T = "'2023-11-20 02:00:00'"

OLD_ROWS = [
    "INSERT INTO focal_points (campaign_id, unit_id, role, telegram_user_id, chat_id, full_name,"
    " position, phone_e164, locale, consent_at, registered_at) VALUES ('{c}', '{u}',"
    f" 'focal_point', 4242, 4242, 'Lan', 'PV', '+84912345678', 'vi', {T}, {T})",
    "INSERT INTO invites (campaign_id, unit_id, kind, code_hash, created_at, expires_at, used_at,"
    f" used_by_user_id) VALUES ('{{c}}', '{{u}}', 'focal_point', 'h1', {T}, {T}, {T}, 4242)",
    "INSERT INTO outbox (key, kind, campaign_id, chat_id, text_key, payload, locale, due_at,"
    " status, attempts, created_at, telegram_message_id) VALUES ('deadline:d:staff:900001:T-1d',"
    f" 'registration', '{{c}}', 900001, 'x', '{{{{}}}}', 'vi', {T}, 'sent', 1, {T}, 77)",
    "INSERT INTO audit_log (at, actor_user_id, action, detail) VALUES"
    f" ({T}, 900001, 'invite.created', '{{{{}}}}')",
    "INSERT INTO conversations (chat_id, user_id, flow, step, data, updated_at, expires_at)"
    f" VALUES (4242, 4242, 'register', 'name', '{{{{}}}}', {T}, {T})",
    f"INSERT INTO processed_updates (update_id, processed_at, outcome) VALUES (17, {T}, NULL)",
    "INSERT INTO user_prefs (user_id, locale) VALUES (4242, 'en')",
    "INSERT INTO bot_state (key, value) VALUES ('coordination_group',"
    " '{{\"chat_id\": -100123, \"title\": \"Nhóm\", \"set_at\": \"2023-11-20T02:00:00+00:00\","
    " \"set_by\": 900001}}')",
]


async def test_a_database_of_the_previous_schema_is_carried_over(database_url):
    await upgrade_async(database_url, "0001")
    plan = build_plan()
    engine = create_engine(database_url)
    try:
        # The plan rows, written the way version 0001 of the bot wrote them.
        await downgrade_async(database_url, "base")
        await upgrade_async(database_url, "0001")
        async with engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO campaigns (id, title, issuing_body, timezone, event_date, start_at,"
                f" end_at, plan_hash, loaded_at) VALUES ('{plan.id}', 't', 'b', 'Asia/Ho_Chi_Minh',"
                f" '2023-12-05', {T}, {T}, 'h', {T})"))
            unit = plan.units[0].id
            await connection.execute(text(
                "INSERT INTO units (campaign_id, id, name, short_name, focal_point_required,"
                f" is_secretariat, sort_order, active) VALUES ('{plan.id}', '{unit}', 'U', 'U',"
                " true, false, 0, true)"))
            for statement in OLD_ROWS:
                await connection.execute(text(statement.format(c=plan.id, u=unit)))
        await engine.dispose()

        await upgrade_async(database_url)
        assert await current_async(database_url) == head()
        engine = create_engine(database_url)
        lan = Address("telegram", "4242")
        async with make_uow_factory(engine)() as uow:
            [seat] = await uow.focal_points.active_for_user(plan.id, lan)
            assert (seat.user, seat.chat, seat.phone_e164) == (lan, lan, "+84912345678")
            [row] = await uow.outbox.recent()
            assert row.address == Address("telegram", "900001")
            assert row.channel_message_id == "77"
            # The key is unchanged, so the reminder is never queued a second time.
            assert row.key == "deadline:d:staff:900001:T-1d"
            [entry] = await uow.audit.recent()
            assert entry.actor == Address("telegram", "900001")
            assert await uow.conversations.get(lan, lan) is not None
            assert await uow.updates.mark("telegram:update:17", NOW) is False
            assert await uow.prefs.locales() == {lan: "en"}
            group = await uow.state.get("coordination_group")
            assert group["address"] == "telegram:-100123"
    finally:
        await engine.dispose()
    # And back: the Telegram rows return to integer ids.
    await downgrade_async(database_url, "0001")
    assert await current_async(database_url) == "0001"
