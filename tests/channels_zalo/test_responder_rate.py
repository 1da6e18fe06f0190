"""Zalo answers wait for this instance's turn in the rate all instances share."""

from __future__ import annotations

from bot.channels.zalo.responder import MESSAGE_LIMIT, ZaloResponder
from bot.domain.address import Address
from bot.services.replies import Reply


class _Api:
    def __init__(self, log: list[str]) -> None:
        self._log = log

    async def send_message(self, chat_id: str, text: str) -> None:
        self._log.append("send")


async def test_every_part_of_a_long_answer_waits_for_its_turn_first():
    log: list[str] = []

    async def turn() -> None:
        log.append("turn")

    chat = Address("zalo", "6ede9afa")
    responder = ZaloResponder(_Api(log), chat, chat, None, None, lambda: None,  # type: ignore[arg-type]
                              shared_rate=turn)
    text = "\n".join(["Dòng báo cáo khá dài để phải chia thành nhiều phần."] * 90)
    assert len(text) > 2 * MESSAGE_LIMIT
    await responder.send(Reply("", lines=(text,)), "vi")
    assert log[:2] == ["turn", "send"] and log.count("turn") == log.count("send") >= 3
    assert all(log[i] == "turn" for i in range(0, len(log), 2))
