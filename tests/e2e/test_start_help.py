"""The real Application over HTTP against the fake Bot API: /start, /help and the menus."""

from bot.services.access import Role
from tests.support import help_text, plain


async def test_start_greets_a_stranger_in_vietnamese(bot, stranger, kontum_plan):
    message = await stranger.say("/start")
    expected = plain(
        "common.start_stranger",
        campaign=kontum_plan.title,
        secretariat=kontum_plan.unit("so-tttt").name,
    )
    assert message.text == expected


async def test_english_users_get_english(bot, fake_api, kontum_plan):
    from tests.support import Person

    alice = Person(fake_api, fake_api.add_user("Alice", language_code="en"))
    message = await alice.say("/help")
    assert message.text == help_text(Role.STRANGER, "en")


async def test_vietnamese_command_names_work(bot, stranger):
    message = await stranger.say("/huongdan")
    assert message.text == help_text(Role.STRANGER)


async def test_staff_get_the_staff_help(bot, secretariat, head):
    assert (await secretariat.say("/help")).text == help_text(Role.SECRETARIAT)
    assert (await head.say("/start")).text.startswith("Xin chào")


async def test_unknown_command_gets_a_polite_answer(bot, stranger):
    message = await stranger.say("/xyz")
    assert message.text == plain("common.unknown_command")


async def test_free_text_from_a_stranger_explains_the_bot(bot, stranger, kontum_plan):
    message = await stranger.say("xin chào, tôi muốn hỏi")
    assert message.text == plain(
        "common.stranger_info",
        campaign=kontum_plan.title,
        secretariat=kontum_plan.unit("so-tttt").name,
    )


async def test_sticker_from_a_stranger_gets_the_explanation(bot, fake_api, stranger):
    fake_api.send_sticker(stranger.user)
    message = await stranger.reply()
    assert "daumoi" in message.text


async def test_command_menus_are_registered_in_both_languages(bot, fake_api):
    vi = _menu(fake_api, "")
    en = _menu(fake_api, "en")
    assert [c["command"] for c in vi][:2] == ["start", "huongdan"]
    assert [c["command"] for c in en][:2] == ["start", "help"]


def _menu(api, language):
    for (_scope, lang), commands in api.commands.items():
        if lang == language:
            return commands
    raise AssertionError(f"no menu for {language}: {list(api.commands)}")


async def test_a_rejected_token_stops_the_bot_with_one_line(fake_api, settings, kontum_plan):
    import pytest
    from pydantic import SecretStr

    from bot.app import serve
    from bot.errors import StartupError

    wrong = settings.model_copy(update={"bot_token": SecretStr("999:not-the-fake-servers-token")})
    with pytest.raises(StartupError) as exc:
        await serve(wrong, kontum_plan)
    assert str(exc.value).startswith("BOT_TOKEN")


async def test_an_unreachable_bot_api_stops_the_bot_with_one_line(settings, kontum_plan):
    import pytest

    from bot.app import serve
    from bot.errors import StartupError

    nowhere = settings.model_copy(update={"telegram_api_url": "http://127.0.0.1:9"})
    with pytest.raises(StartupError) as exc:
        await serve(nowhere, kontum_plan)
    assert str(exc.value).startswith("TELEGRAM_API_URL")


async def test_a_chosen_language_wins_over_telegrams_and_survives_a_restart(
    fake_api, settings, kontum_plan, clock
):
    from bot.app import Runtime, running_bot
    from tests.support import Person

    vi_user = Person(fake_api, fake_api.add_user("Hoa", language_code="vi"))
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        await runtime.load_plan()
        async with running_bot(runtime):
            assert (await vi_user.say("/ngonngu en")).text == plain("language.chosen", "en")
            assert (await vi_user.say("/help")).text == help_text(Role.STRANGER, "en")
            offer = await vi_user.say("/lang")
            fake_api.press_button(vi_user.user, offer, text=plain("language.name", "vi"))
            await fake_api.wait_for_call("answerCallbackQuery")
            assert (await vi_user.say("/help")).text == help_text(Role.STRANGER, "vi")
            await vi_user.say("/lang en")
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        async with running_bot(runtime):
            assert (await vi_user.say("/help")).text == help_text(Role.STRANGER, "en")


async def test_a_registered_focal_point_gets_the_member_greeting(bot, fake_api, kontum_plan):
    from tests.e2e.test_registration import invite, newcomer, register_by_typing

    lan = newcomer(fake_api)
    await register_by_typing(lan, await invite(bot))
    assert (await lan.say("/start")).text == plain(
        "common.start_member", name="Nguyễn Thị Lan", unit=kontum_plan.unit("bao-kon-tum").name,
        campaign=kontum_plan.title)
    assert (await lan.say("/huongdan")).text == help_text(Role.FOCAL_POINT)
