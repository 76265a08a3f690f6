"""Last router: whatever nobody else took gets a polite answer, never silence."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from aiogram.utils.i18n import gettext as _

from bot.storage.database import Users

log = logging.getLogger(__name__)


async def unknown_command(message: Message) -> None:
    await message.answer(_("I do not know this command. /help lists what I can do."))


async def not_text(message: Message) -> None:
    log.info("non-text message (%s) from user %s", message.content_type, message.from_user and message.from_user.id)
    await message.answer(_("I can only read text. Please write your question in words."))


async def stale_button(query: CallbackQuery) -> None:
    log.warning("unknown callback data %r from user %s", query.data, query.from_user.id)
    await query.answer(_("This button is out of date. Please ask again."), show_alert=True)


async def blocked_or_unblocked(event: ChatMemberUpdated, users: Users) -> None:
    """A user who blocks the bot is remembered, so nothing is sent into the void; writing again undoes it."""
    status = event.new_chat_member.status
    log.info("user %s set the bot's membership to %s", event.chat.id, status)
    if status == "kicked":
        await users.mark_blocked(event.chat.id)


def create_router() -> Router:
    router = Router(name="fallback")
    router.message.register(unknown_command, F.chat.type == "private", F.text.startswith("/"))
    router.message.register(not_text, F.chat.type == "private")
    router.callback_query.register(stale_button)
    router.my_chat_member.register(blocked_or_unblocked, F.chat.type == "private")
    return router
