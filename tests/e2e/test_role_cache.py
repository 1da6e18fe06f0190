"""Roles are cached, never stale: a revoked focal point's very next command is refused, also when
the seat was taken away by a second instance of the service sharing the database; nor is the
look each update takes at the sender's conversation (read with its attempt)."""

from __future__ import annotations

import contextlib

from bot.app import Runtime
from bot.domain.records import FocalPointRole
from bot.services.replies import Actor, Answer
from tests.e2e.test_registration import invite, newcomer, register_by_typing
from tests.support import plain, tg


def stranger_info(plan) -> str:
    return plain("common.stranger_info", campaign=plan.title,
                 secretariat=plan.unit(plan.secretariat).name)


async def begin_elsewhere(services, person, clock):
    """A registration of `person` begun through another instance (the consent question)."""
    [issued] = await services.registration.issue_invites(
        ["bao-kon-tum"], FocalPointRole.FOCAL_POINT, clock.now())
    actor = Actor(tg(person.id), tg(person.id), "vi", display_name="An")
    await services.registration.start(actor, issued.code, clock.now())
    return actor


async def register_elsewhere(services, person, clock):
    """The whole registration of `person`, typed through another instance."""
    actor = await begin_elsewhere(services, person, clock)
    for answer in ("đồng ý", "Trần Văn An", "Phóng viên", "0912 000 111", "1"):
        outcome = await services.dialogue.answer(actor, Answer(text=answer), clock.now())
        assert outcome is not None


async def erase_elsewhere(services, person, clock):
    """The person's own erasure, asked and confirmed through another instance."""
    actor = Actor(tg(person.id), tg(person.id), "vi")
    await services.registration.ask_forget(actor, clock.now())
    return await services.dialogue.answer(actor, Answer(text="1"), clock.now())


@contextlib.asynccontextmanager
async def second_instance(bot, clock):
    """Another service on the same database (a second container), with its own caches."""
    async with Runtime.open(bot.runtime.settings, bot.runtime.plan, clock) as other:
        yield other


async def test_a_focal_point_who_handed_over_is_refused_at_the_next_command(
    bot, fake_api, kontum_plan
):
    first, second = newcomer(fake_api, "An"), newcomer(fake_api, "Bình")
    await register_by_typing(first, await invite(bot), name="Trần Văn An", phone="0912 000 111")
    assert (await first.say("/nhiemvu")).text != stranger_info(kontum_plan)  # role now cached

    await register_by_typing(second, await invite(bot), name="Lê Thị Bình", phone="0912 000 222")
    await first.reply()  # the handover notice

    assert (await first.say("/nhiemvu")).text == stranger_info(kontum_plan)
    assert (await second.say("/nhiemvu")).text != stranger_info(kontum_plan)


async def test_an_erasure_and_a_new_registration_by_a_second_instance_are_seen_at_once(
    bot, fake_api, kontum_plan, clock
):
    """Erased, then registered again, each between two updates of the same person."""
    an = newcomer(fake_api, "An")
    await register_by_typing(an, await invite(bot), name="Trần Văn An", phone="0912 000 111")
    assert (await an.say("/nhiemvu")).text != stranger_info(kontum_plan)  # role now cached

    async with second_instance(bot, clock) as other:
        erased = await erase_elsewhere(other.services, an, clock)
        assert erased is not None and erased.replies[0].key == "registration.erased"
    assert (await an.say("/nhiemvu")).text == stranger_info(kontum_plan)  # revoked: refused

    async with second_instance(bot, clock) as other:
        await register_elsewhere(other.services, an, clock)
    assert (await an.say("/nhiemvu")).text != stranger_info(kontum_plan)  # seated again


async def test_a_seat_given_by_a_second_instance_is_seen_at_the_next_command(
    bot, fake_api, kontum_plan, clock
):
    """Revoked, then registered again elsewhere: each next command sees the current seat."""
    first = newcomer(fake_api, "An")
    assert (await first.say("/nhiemvu")).text == stranger_info(kontum_plan)  # cached: stranger

    async with second_instance(bot, clock) as other:
        await register_elsewhere(other.services, first, clock)

    assert (await first.say("/nhiemvu")).text != stranger_info(kontum_plan)


async def test_a_registration_begun_by_a_second_instance_takes_the_next_message(
    bot, fake_api, kontum_plan, clock
):
    """The person's last update found no conversation; the next one finds the new one."""
    lan = newcomer(fake_api, "Lan")
    assert (await lan.say("Xin chào")).text != plain("registration.ask_name")

    async with second_instance(bot, clock) as other:
        await begin_elsewhere(other.services, lan, clock)

    assert (await lan.say("đồng ý")).text == plain("registration.ask_name")
