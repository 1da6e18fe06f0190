"""Small typed helpers every handler uses to reach services and answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from telegram import Bot, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import ContextTypes

from bot.presenters.common import split_messages
from bot.services.access import Identity, Role
from bot.services.container import Services
from bot.services.replies import Actor, Answer, Contact, Outcome, Upload
from bot.texts import pick_locale, t_html
from handlers.render import (
    ReplyMarkup,
    remove_keyboard,
    render_markup,
    render_text,
)


@dataclass(frozen=True)
class Turn:
    """One incoming update, reduced to what the services need."""

    user_id: int
    chat_id: int
    locale: str
    private: bool
    services: Services
    message: Message | None
    update_id: int
    bot: Bot
    display_name: str = ""

    def text(self, key: str, **values: object) -> str:
        """A catalogue text in this user's language, ready for HTML parse mode."""
        return t_html(key, self.locale, **values)

    async def role(self) -> Role:
        """The user's role, checked afresh."""
        return await self.services.access.role_of(self.user_id)

    async def identity(self) -> Identity:
        """The user's role and seat, checked afresh."""
        return await self.services.access.identify(self.user_id)

    @property
    def actor(self) -> Actor:
        """The user as services see them."""
        return Actor(self.user_id, self.chat_id, self.locale, self.private, self.display_name)

    @property
    def now(self) -> datetime:
        """The current time from the injected clock."""
        return self.services.clock.now()

    async def send(self, outcome: Outcome) -> None:
        """Send every reply of an outcome, in order, then wake the outbox."""
        for reply in outcome.replies:
            markup = render_markup(reply, self.locale)
            if markup is None and reply.remove_keyboard:
                markup = remove_keyboard()
            await self.answer(render_text(reply, self.locale), markup)
        self.services.wake_outbox()

    async def answer(self, text: str, markup: ReplyMarkup | None = None) -> None:
        """Send an HTML text to the chat the update came from, split if over Telegram's limit."""
        chunks = split_messages(text.split("\n"))
        for number, chunk in enumerate(chunks, start=1):
            await self._send_one(chunk, markup if number == len(chunks) else None)

    async def _send_one(self, text: str, markup: ReplyMarkup | None) -> None:
        """Send one message of at most 4,096 characters."""
        await self.bot.send_message(self.chat_id, text, parse_mode=ParseMode.HTML,
                                    reply_markup=markup)


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
        locale=services.preferences.locale_of(user.id)
        or pick_locale(user.language_code, services.default_locale),
        private=chat.type == ChatType.PRIVATE,
        services=services,
        message=update.effective_message,
        update_id=update.update_id,
        bot=context.bot,
        display_name=user.full_name,
    )


def answer_of(message: Message | None) -> Answer:
    """What a message carries, as a flow answer: text, a contact, a file, or something else."""
    if message is None:
        return Answer(other="none")
    if message.text is not None:
        return Answer(text=message.text)
    if message.contact is not None:
        return Answer(contact=Contact(message.contact.phone_number, message.contact.user_id))
    if message.photo:
        biggest = message.photo[-1]
        upload = Upload("photo", biggest.file_id, biggest.file_unique_id, biggest.file_size)
        return Answer(upload=upload, caption=message.caption)
    if message.document is not None:
        doc = message.document
        upload = Upload("document", doc.file_id, doc.file_unique_id, doc.file_size,
                        doc.file_name, doc.mime_type)
        return Answer(upload=upload, caption=message.caption)
    for kind in ("sticker", "voice", "video", "video_note", "audio", "animation", "location"):
        if getattr(message, kind, None):
            return Answer(other=kind, caption=message.caption)
    return Answer(other="unknown")




async def refuse(
    update: Update, context: ContextTypes.DEFAULT_TYPE, identity: Identity, key: str
) -> None:
    """Refuse a command: strangers get what the bot is and how to join; others the reason."""
    turn = turn_of(update, context)
    command = (turn.message.text or "").split(maxsplit=1)[0] if turn.message else ""
    await turn.services.access.deny(identity, command[:64], turn.now)
    if identity.role is Role.STRANGER:
        plan = turn.services.plan
        await turn.answer(turn.text(
            "common.stranger_info",
            campaign=plan.title, secretariat=plan.unit(plan.secretariat).name,
        ))
        return
    await turn.answer(turn.text(key))


async def secretariat_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True for the secretariat; anyone else is refused (and the refusal audited)."""
    identity = await turn_of(update, context).identity()
    if identity.role is Role.SECRETARIAT:
        return True
    await refuse(update, context, identity, "access.secretariat_only")
    return False
