"""Old buttons: a button left on screen by one question is refused by every other open
question, of any flow, and changes nothing (a stale "1. Lưu" never erases personal data)."""

from __future__ import annotations

from tests.e2e.test_registration import invite, newcomer, seats
from tests.e2e.test_reports import member
from tests.support import plain


def _all_steps(bot) -> set[str]:
    steps: set[str] = set()
    for names in bot.runtime.services.dialogue.flow_steps().values():
        steps |= names
    return steps


async def _press_all_but(person, fake_api, question, current: str, steps: set[str]) -> None:
    for step in sorted(steps - {current}):
        fake_api.press_forged(person.user, question, f"c:{step}:1")
        assert (await person.reply()).text == plain("dialogue.stale_button"), step
        again = await person.reply()  # the open question, asked again
        assert again.buttons, step


async def test_step_names_are_unique_across_flows(bot):
    flows = bot.runtime.services.dialogue.flow_steps()
    total = sum(len(names) for names in flows.values())
    assert total == len(_all_steps(bot)) and {"register", "forget", "report"} <= set(flows)


async def test_every_old_button_is_refused_by_every_other_question(bot, fake_api, secretariat):
    steps = _all_steps(bot)
    lan = await member(bot, fake_api)  # the registration card's buttons stay on screen
    forget = await lan.say("/xoadulieu")
    await _press_all_but(lan, fake_api, forget, "forget-confirm", steps)
    [seat] = await seats(bot)
    assert seat.full_name  # nothing was erased by the old "1. Lưu"
    await lan.say("/huy")

    ask_task = await lan.say("/baocao")
    await _press_all_but(lan, fake_api, ask_task, "r-task", steps)
    await lan.say("/huy")
    assert await bot.runtime.services.reporting.all_reports() == []

    question = await secretariat.say("/thongbao Họp giao ban lúc 14:00.")
    await _press_all_but(secretariat, fake_api, question, "broadcast_confirm", steps)

    hoa = newcomer(fake_api, "Hoa")
    await hoa.say(f"/dangky {await invite(bot, 'cong-an')}")
    consent = await hoa.reply()
    await _press_all_but(hoa, fake_api, consent, "consent", steps)
    assert await seats(bot, "cong-an") == []
