"""/ngonngu: choose Vietnamese or English."""

from __future__ import annotations

from bot.services.replies import Choice, Reply
from bot.texts import LOCALES, t
from handlers.turn import Turn

#: The step of the language buttons; a channel with buttons answers them as `/ngonngu CODE`.
LANGUAGE_STEP = "lang"


async def choose_language(turn: Turn) -> None:
    """`/ngonngu en` switches at once; `/ngonngu` offers the languages."""
    wanted = (turn.args or ("",))[0].lower()
    if wanted in LOCALES:
        await turn.services.preferences.choose(turn.inbound.sender, wanted)
        await turn.responder.send(Reply("language.chosen"), wanted)
        return
    if turn.args:
        await turn.say("dialogue.invalid_button")
        return
    if not turn.responder.capabilities.buttons:
        await turn.say("language.ask_typed")
        return
    # Each language is named in itself, whatever the reader's language.
    choices = tuple(
        Choice("language.name_of", {"name": t("language.name", code), "code": code})
        for code in LOCALES
    )
    await turn.responder.send(Reply("language.ask", choices=choices, step=LANGUAGE_STEP),
                              turn.locale)
