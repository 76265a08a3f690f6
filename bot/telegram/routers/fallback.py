"""Last router: whatever nobody else took gets a polite answer, never silence."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from aiogram.utils.i18n import gettext as _

from bot.storage.outbox import Outbox
from bot.storage.users import Users
from bot.telegram.filters import PRIVATE_CHAT, OnLoop
from bot.telegram.outbox_sender import OutboxSender

log = logging.getLogger(__name__)
GONE = {"kicked", "left"}


async def unknown_command(message: Message) -> None:
    await message.answer(_("I do not know this command. /help lists what I can do."))


async def not_text(message: Message) -> None:
    log.info("non-text message (%s) from user %s", message.content_type, message.from_user and message.from_user.id)
    await message.answer(_("I can only read text. Please write your question in words."))


async def stale_button(query: CallbackQuery) -> None:
    log.warning("unknown callback data (%d characters) from user %s", len(query.data or ""), query.from_user.id)
    await query.answer(_("This button is out of date. Please ask again."), show_alert=True)


async def blocked_or_unblocked(event: ChatMemberUpdated, users: Users, outbox: Outbox, sender: OutboxSender) -> None:
    """A user who blocks the bot is remembered, so nothing is sent into the void; when they start it again,
    whatever could not reach them (an official's answer) is delivered now."""
    status = event.new_chat_member.status
    log.info("user %s set the bot's membership to %s", event.chat.id, status)
    if status in GONE:
        await users.set_blocked(event.chat.id, True)
        return
    await users.set_blocked(event.chat.id, False)
    if await outbox.requeue_blocked(event.chat.id):
        log.info("user %s unblocked the bot: delivering what waited for them", event.chat.id)
        await sender.drain()


def create_router() -> Router:
    router = Router(name="fallback")
    router.message.register(unknown_command, PRIVATE_CHAT, OnLoop(F.text.startswith("/")))
    router.message.register(not_text, PRIVATE_CHAT)
    router.callback_query.register(stale_button)
    router.my_chat_member.register(blocked_or_unblocked, PRIVATE_CHAT)
    return router
