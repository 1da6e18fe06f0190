"""Telegram's command menus, per role and language, as the fake Bot API records them."""

from __future__ import annotations

from bot.app import Runtime, running_bot
from bot.services.access import Role
from handlers.menu import MENU, commands_for, group_commands
from tests.conftest import ADMIN_ID
from tests.e2e.test_registration import invite, newcomer, register_by_typing
from tests.support import Person, help_text, plain, tg


def names(role: Role, locale: str = "vi") -> list[str]:
    """The command names a person of `role` should find in their private chat's menu."""
    return [cmd.menu_name(locale) for cmd in commands_for(role, private=True)]


async def menu_becomes(api, chat_id: int, expected: list[str], language: str = "vi") -> None:
    """Wait until the Telegram app in `chat_id` (set to `language`) shows `expected`."""

    def probe() -> bool | None:
        shown = [entry["command"] for entry in api.visible_commands(chat_id, language)]
        return True if shown == expected else None

    try:
        await api.activity.wait_for(probe, 5.0)
    except TimeoutError:
        shown = [entry["command"] for entry in api.visible_commands(chat_id, language)]
        raise AssertionError(f"chat {chat_id} shows {shown}, not {expected}") from None


async def test_each_role_sees_its_own_menu_in_its_language(bot, fake_api, secretariat, head,
                                                          stranger):
    # Telegram knows no chat with someone who never wrote: their menu is set at their first word.
    await secretariat.say("/start")
    await head.say("/start")
    await menu_becomes(fake_api, secretariat.user.id, names(Role.SECRETARIAT))
    await menu_becomes(fake_api, head.user.id, names(Role.HEAD))
    await menu_becomes(fake_api, head.user.id, names(Role.HEAD, "en"), "en")
    await menu_becomes(fake_api, stranger.user.id, names(Role.STRANGER))
    await menu_becomes(fake_api, stranger.user.id, names(Role.STRANGER, "en"), "en")
    stranger_menu = names(Role.STRANGER)
    assert "tonghop" not in stranger_menu and "moi" not in stranger_menu
    assert "moi" in names(Role.SECRETARIAT) and "moi" not in names(Role.HEAD)
    group = fake_api.add_group("Tiểu ban", [secretariat.user, head.user])
    await menu_becomes(fake_api, group.id, [cmd.vi for cmd in group_commands()])
    # What the secretariat reads in the menu, in Vietnamese.
    entries = fake_api.visible_commands(secretariat.user.id, "vi")
    assert {"command": "moi", "description": plain("menu.invite")} in entries


async def test_menus_follow_registration_handover_erasure_and_language(bot, fake_api):
    old = newcomer(fake_api, "Cũ")
    await menu_becomes(fake_api, old.user.id, names(Role.STRANGER))
    await register_by_typing(old, await invite(bot), name="Người Cũ")
    await menu_becomes(fake_api, old.user.id, names(Role.FOCAL_POINT))
    assert "baocao" in names(Role.FOCAL_POINT)

    # A handover: the new focal point gets the unit's menu, the old one the strangers' again.
    new = newcomer(fake_api, "Mới")
    await register_by_typing(new, await invite(bot), name="Người Mới", phone="0987000111")
    await menu_becomes(fake_api, new.user.id, names(Role.FOCAL_POINT))
    await menu_becomes(fake_api, old.user.id, names(Role.STRANGER))

    # Choosing English turns the menu English even in a Vietnamese Telegram app.
    await new.say("/ngonngu en")
    await menu_becomes(fake_api, new.user.id, names(Role.FOCAL_POINT, "en"), "vi")

    assert (await new.say("/forget")).text.startswith(plain("registration.forget_confirm", "en")[:10])
    assert (await new.say("1")).text == plain("registration.erased", "en")
    await menu_becomes(fake_api, new.user.id, names(Role.STRANGER))


async def test_a_change_of_admin_ids_moves_the_menus_at_the_next_start(
    fake_api, settings, kontum_plan, clock
):
    former = Person(fake_api, fake_api.add_user("Thư ký", id=ADMIN_ID))
    successor = Person(fake_api, fake_api.add_user("Thư ký mới", id=900077))
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        await runtime.load_plan()
        async with running_bot(runtime):
            await menu_becomes(fake_api, former.user.id, names(Role.SECRETARIAT))
            await menu_becomes(fake_api, successor.user.id, names(Role.STRANGER))
    moved = settings.model_copy(update={"admin_ids": frozenset({tg(successor.id)})})
    async with Runtime.open(moved, kontum_plan, clock) as runtime:
        async with running_bot(runtime):
            await menu_becomes(fake_api, successor.user.id, names(Role.SECRETARIAT))
            await menu_becomes(fake_api, former.user.id, names(Role.STRANGER))


# Every answer that means "not for you" (a stranger is told what the bot is and how to join).
REFUSALS = ("common.stranger_info", "access.staff_only", "access.secretariat_only",
            "reports.members_only", "reports.staff_no_seat", "summary.export_not_allowed",
            "registration.staff_no_need", "registration.forget_nothing")
# A staff member reads one report by its reference; typed bare the command asks for a unit.
ARGUMENTS = {"myreports": " BC-0001"}


async def first_answer(person: Person, text: str, kontum_plan) -> str:
    """The bot's first answer to `text`, once every answer to it has arrived (flows closed)."""
    whoami = plain("common.whoami", address=str(tg(person.id)))
    for typed in (text, "/huy", "/toi"):
        person.api.send_text(person.user, typed)
    answers = []
    while (message := await person.reply()).text != whoami:
        answers.append(message.text or message.caption or "")
    return answers[0] if answers else whoami  # /toi itself


async def test_help_and_menu_list_exactly_what_each_role_may_do(
    bot, fake_api, kontum_plan, stranger, head, secretariat
):
    member = newcomer(fake_api, "Lan")
    await register_by_typing(member, await invite(bot))
    refusals = {plain(key, campaign=kontum_plan.title,
                      secretariat=kontum_plan.unit("so-tttt").name) for key in REFUSALS}
    for person, role in ((stranger, Role.STRANGER), (member, Role.FOCAL_POINT),
                         (head, Role.HEAD), (secretariat, Role.SECRETARIAT)):
        offered = {cmd.vi for cmd in commands_for(role, private=True)}
        refused = set()
        for command in (cmd for cmd in MENU if cmd.private):
            answer = await first_answer(person, f"/{command.vi}{ARGUMENTS.get(command.en, '')}",
                                        kontum_plan)
            if answer in refusals:
                refused.add(command.vi)
        allowed = {cmd.vi for cmd in MENU if cmd.private} - refused
        assert allowed == offered, role
        # /huongdan names each of these commands and no other.
        shown = {line.split()[0].lstrip("/") for line in help_text(role).splitlines()
                 if line.startswith("/")}
        assert shown == offered, role


async def test_a_seat_closed_by_another_process_takes_the_menu_back_at_the_next_message(
        bot, fake_api, database_url, clock):
    from storage.db import create_engine
    from storage.uow import make_uow_factory

    lan = newcomer(fake_api, "Lan")
    await register_by_typing(lan, await invite(bot), name="Nguyễn Thị Lan")
    await menu_becomes(fake_api, lan.user.id, names(Role.FOCAL_POINT))
    # The CLI (or another instance) closes her seat: this bot process hears nothing of it.
    engine = create_engine(database_url)
    try:
        async with make_uow_factory(engine)() as uow:
            [seat] = await uow.focal_points.held_by(tg(lan.user.id))
            await uow.focal_points.end(seat.id, clock.now(), "revoked")
            await uow.commit()
    finally:
        await engine.dispose()
    other = newcomer(fake_api, "Ai đó")
    await other.say("/start")  # anyone's next message
    await menu_becomes(fake_api, lan.user.id, names(Role.STRANGER))
