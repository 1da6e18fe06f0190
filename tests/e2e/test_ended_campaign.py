"""An ended campaign is read-only: no new report, but everything stays readable and exportable."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.test_registration import invite, newcomer, register_by_typing
from tests.e2e.test_summary import ask, first_line
from tests.support import plain


async def test_after_the_end_a_report_is_refused_politely_and_what_was_sent_stays(
        bot, fake_api, clock, secretariat):
    lan = newcomer(fake_api)
    await register_by_typing(lan, await invite(bot))
    plan = bot.runtime.plan
    clock.set(plan.end + timedelta(minutes=1))
    ended = plain("reports.campaign_ended", campaign=plan.title, ended=_ended(plan))
    for command in ("/baocao", "/baocao 1", "bao cao"):
        assert (await ask(lan, command, ended[:30])).text == ended
    assert await bot.runtime.services.reporting.all_reports() == []
    # What the campaign holds is still there for the secretariat.
    message = await ask(secretariat, "/xuat docx", "")
    assert message.document["file_name"].endswith(".docx")


def _ended(plan) -> str:
    from zoneinfo import ZoneInfo

    return plan.end.astimezone(ZoneInfo(plan.timezone)).strftime("%d/%m/%Y")


async def test_a_minute_before_the_end_a_report_can_still_be_started(bot, fake_api, clock):
    lan = newcomer(fake_api)
    await register_by_typing(lan, await invite(bot))
    clock.set(bot.runtime.plan.end - timedelta(minutes=1))
    reply = await lan.say("/baocao")
    assert reply.text != plain("reports.campaign_ended", campaign=bot.runtime.plan.title,
                               ended=_ended(bot.runtime.plan))
    assert reply.buttons  # the list of the unit's tasks


async def test_the_summary_says_the_campaign_ended_and_its_figures_are_final(
        bot, fake_api, clock, secretariat):
    from bot.presenters.common import format_when

    plan = bot.runtime.plan
    ended = plain("summary.campaign_ended", ended=format_when(plan.end, plan.timezone))

    async def summary_text() -> str:
        title = first_line("summary.title", now=format_when(clock.now(), plan.timezone))
        return (await ask(secretariat, "/tonghop", title)).text

    clock.set(plan.end - timedelta(days=1))
    assert ended not in await summary_text()
    clock.set(plan.end + timedelta(days=2))
    assert ended in await summary_text()
