"""Small typed helpers every handler uses to reach services and answer."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.services.access import Role
from bot.services.container import Services
from bot.texts import pick_locale, t_html
from handlers.render import ReplyMarkup


@dataclass(frozen=True)
class Turn:
    """One incoming update, reduced to what the services need."""

    user_id: int
    chat_id: int
    locale: str
    private: bool
    services: Services
    message: Message | None

    def text(self, key: str, **values: object) -> str:
        """A catalogue text in this user's language, ready for HTML parse mode."""
        return t_html(key, self.locale, **values)

    async def role(self) -> Role:
        """The user's role, checked afresh."""
        return await self.services.access.role_of(self.user_id)

    async def answer(self, text: str, markup: ReplyMarkup | None = None) -> None:
        """Send an HTML text to the chat the update came from."""
        if self.message is not None:
            await self.message.reply_html(text, reply_markup=markup, do_quote=False)


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The services the composition root put into bot_data."""
    services: Services = context.application.bot_data["services"]
    return services


def turn_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Turn:
    """Build the Turn for an update that has a user and a chat."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        raise ValueError("update without user or chat")
    services = services_of(context)
    return Turn(
        user_id=user.id,
        chat_id=chat.id,
        locale=pick_locale(user.language_code, services.default_locale),
        private=chat.type == ChatType.PRIVATE,
        services=services,
        message=update.effective_message,
    )


