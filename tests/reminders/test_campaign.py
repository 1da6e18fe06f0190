"""A whole campaign in simulated time: every reminder, to the right people, at the right time."""

from __future__ import annotations

from collections import Counter

from bot.domain.records import OutboxStatus
from tests.conftest import ADMIN_ID, HEAD_ID
from tests.reminders.conftest import at, shown
from tests.support import plain

FIRST_EIGHT = ["bdbp", "so-vhttdl", "ubnd-ngoc-hoi", "ubnd-dak-to", "ubnd-tp-kon-tum",
               "bao-kon-tum", "dai-ptth", "cong-ttdt"]
ALL_UNITS = [*FIRST_EIGHT, "ubnd-dak-ha", "so-ngoai-vu", "cong-an"]
REPORT = "bao-cao-don-vi"
REGISTER = "dang-ky-dau-moi"
CONSOLIDATE = "bao-cao-tong-hop"
DIGEST_DAYS = [(5, 12), (6, 12), (7, 12), (8, 12), (9, 12), (11, 12), (12, 12), (13, 12),
               (14, 12), (15, 12)]  # the focus period without Sunday 10/12


def expected_schedule(group: int) -> dict[str, tuple[int, object]]:
    """Every message of the scenario below: key -> (chat, moment it goes out)."""
    expected: dict[str, tuple[int, object]] = {}

    def add(key, chat, moment):
        expected[key] = (chat, moment)

    # Registration deadline 28/11 17:00: the secretariat gets the list of missing units.
    for label, moment in [("T-3d", at(25, 11, 8)), ("T-1d", at(27, 11, 8)),
                          ("T-0d", at(28, 11, 8)), ("late-1", at(29, 11, 8)),
                          ("late-2", at(30, 11, 8))]:
        add(f"deadline:{REGISTER}:staff:{ADMIN_ID}:{label}", ADMIN_ID, moment)
    add(f"escalation:{REGISTER}:head:{HEAD_ID}", HEAD_ID, at(29, 11, 17))
    # Phases: every focal point and the coordination group, when quiet hours end.
    for phase, moment in [("trong", at(5, 12, 7)), ("sau", at(16, 12, 7))]:
        for unit in ALL_UNITS:
            add(f"phase:{phase}:unit:{unit}", None, moment)
        add(f"phase:{phase}:group", group, moment)
    # The daily digest at 17:00 in the focus period, to the head and the group.
    for day, month in DIGEST_DAYS:
        add(f"digest:2023-{month:02d}-{day:02d}:head:{HEAD_ID}", HEAD_ID, at(day, month, 17))
        add(f"digest:2023-{month:02d}-{day:02d}:group", group, at(day, month, 17))
    # Report deadline 15/12 17:00: only units that have not reported, at 08:00.
    nudges = {
        "T-3d": (at(12, 12, 8), ["ubnd-dak-to", "ubnd-dak-ha", "ubnd-tp-kon-tum", "cong-ttdt",
                                 "so-ngoai-vu", "cong-an"]),
        "T-1d": (at(14, 12, 8), ["ubnd-dak-to", "ubnd-dak-ha", "ubnd-tp-kon-tum", "so-ngoai-vu",
                                 "cong-an"]),
        "T-0d": (at(15, 12, 8), ["ubnd-dak-to", "ubnd-dak-ha", "ubnd-tp-kon-tum", "so-ngoai-vu",
                                 "cong-an"]),
        "late-1": (at(16, 12, 8), ["ubnd-dak-to", "ubnd-dak-ha", "so-ngoai-vu", "cong-an"]),
        "late-2": (at(18, 12, 8), ["ubnd-dak-to", "ubnd-dak-ha", "so-ngoai-vu", "cong-an"]),
        "late-3": (at(19, 12, 8), ["ubnd-dak-to", "ubnd-dak-ha", "cong-an"]),
        "late-4": (at(20, 12, 8), ["ubnd-dak-to", "ubnd-dak-ha", "cong-an"]),
        "late-5": (at(21, 12, 8), ["ubnd-dak-to", "ubnd-dak-ha", "cong-an"]),
    }
    for label, (moment, units) in nudges.items():
        for unit in units:
            add(f"deadline:{REPORT}:unit:{unit}:{label}", None, moment)
    add(f"escalation:{REPORT}:head:{HEAD_ID}", HEAD_ID, at(16, 12, 17))
    # The consolidated report (the secretariat's own deadline, 20/12 17:00; 17/12 is a Sunday).
    for label, moment in [("T-1d", at(19, 12, 8)), ("T-0d", at(20, 12, 8)),
                          ("late-1", at(21, 12, 8))]:
        add(f"deadline:{CONSOLIDATE}:unit:so-tttt:{label}:admin:{ADMIN_ID}", ADMIN_ID, moment)
    add(f"escalation:{CONSOLIDATE}:head:{HEAD_ID}", HEAD_ID, at(21, 12, 17))
    return expected


async def test_a_whole_campaign_sends_exactly_the_planned_messages(campaign, secretariat):
    api = campaign.api
    for unit in FIRST_EIGHT:
        await campaign.register(unit)
    await campaign.run_until(at(21, 11, 10))
    group = api.add_group("Nhóm điều phối", [secretariat.user])
    api.send_text(secretariat.user, "/setgroup", chat=group)
    reply = await api.wait_for_message(group.id, timeout=10)
    assert reply.text == plain("reminders.group_set", title="Nhóm điều phối")

    await campaign.run_until(at(26, 11, 10))
    await campaign.register("ubnd-dak-ha")
    await campaign.run_until(at(28, 11, 12))
    await campaign.register("cong-an")  # before the deadline: on time
    await campaign.run_until(at(30, 11, 10))
    await campaign.register("so-ngoai-vu")  # two days late
    await campaign.run_until(at(10, 12, 10))
    for unit in ["bdbp", "so-vhttdl", "ubnd-ngoc-hoi", "bao-kon-tum", "dai-ptth"]:
        await campaign.report(unit)
    await campaign.run_until(at(13, 12, 10))
    await campaign.report("cong-ttdt")  # between two nudges: no more nudges for it
    await campaign.report("ubnd-dak-to", only=3)  # three tasks of eight: still nudged
    await campaign.run_until(at(15, 12, 16))
    await campaign.report("ubnd-tp-kon-tum")
    await campaign.run_until(at(18, 12, 12))
    await campaign.report("so-ngoai-vu")  # late
    await campaign.run_until(at(21, 12, 23, 59))

    expected = expected_schedule(group.id)
    rows = await campaign.outbox()
    assert sorted(row.key for row in rows) == sorted(expected)
    assert all(row.status is OutboxStatus.SENT for row in rows), [
        (row.key, row.status, row.last_error) for row in rows if row.status != OutboxStatus.SENT
    ]
    people = campaign.people
    for row in rows:
        chat, moment = expected[row.key]
        if chat is None:  # a unit's focal point
            chat = people[row.recipient_unit_id].id
        assert row.address.id == str(chat), row.key
        assert row.sent_at == moment, (row.key, row.sent_at, moment)
        local = row.sent_at.astimezone(moment.tzinfo)
        assert 7 <= local.hour < 21, f"{row.key} sent during quiet hours"
        assert local.weekday() != 6, f"{row.key} sent on a Sunday"

    # What Telegram delivered is exactly the outbox: same texts, once each, per chat.
    delivered = Counter((m.chat_id, m.text) for m in api.sent_messages() if m.chat_id != group.id
                        or m.text != plain("reminders.group_set", title="Nhóm điều phối"))
    assert delivered == Counter((int(row.address.id), shown(row)) for row in rows)
    assert api.retry_after_count == 0


async def test_nudges_name_the_deadline_and_the_units_progress(campaign):
    for unit in ALL_UNITS:
        await campaign.register(unit)
    await campaign.report("ubnd-dak-to", when=at(1, 12, 9), only=3)
    await campaign.run_until(at(12, 12, 9))
    deadline = next(d for d in campaign.plan.deadlines if d.id == REPORT)
    person = campaign.people["ubnd-dak-to"]
    texts = [m.text for m in campaign.api.sent_messages(person.id)]
    nudge = next(text for text in texts if text.startswith("⏰"))
    assert deadline.title in nudge
    assert "15/12/2023 17:00" in nudge
    assert "3/8" in nudge


async def test_the_registration_list_carries_fresh_invite_links(campaign, fake_api):
    for unit in FIRST_EIGHT:
        await campaign.register(unit)
    await campaign.run_until(at(25, 11, 9))
    [message] = fake_api.sent_messages(ADMIN_ID)
    for unit in ["ubnd-dak-ha", "so-ngoai-vu", "cong-an"]:
        assert campaign.plan.unit(unit).name in message.text
    assert message.text.count("https://t.me/daumoi_bot?start=") == 3
    assert campaign.plan.unit("bdbp").name not in message.text
