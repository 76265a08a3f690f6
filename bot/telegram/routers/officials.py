"""The officials' side: answers in the officials' chat (topic, reply, or /answer), ticket buttons, and
following the chat itself (a group that became a supergroup, Topics turned on or off)."""

from __future__ import annotations

import logging
import re
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.storage.outbox import ASKER_NOTICE, OFFICIALS_NOTE
from bot.storage.roles import Roles
from bot.storage.tickets import CLOSED, DELIVERED, Ticket, TicketStore
from bot.telegram.arguments import row_id
from bot.telegram.callbacks import TicketAction
from bot.telegram.filters import NOT_A_COMMAND, OnLoop
from bot.telegram.outbox_sender import OutboxSender
from bot.telegram.relay import OfficialsRelay, topic_link
from bot.telegram.render import quote

log = logging.getLogger(__name__)
ANSWER_ARGS = re.compile(r"^#?(\d+)\s+(.+)$", re.DOTALL)
MEMBER_STATUSES = {ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}


class InOfficialsChat(Filter):
    """True for events in the officials' chat (its id can change when a group becomes a supergroup)."""

    async def __call__(self, event: TelegramObject, relay: OfficialsRelay) -> bool:
        message = event.message if isinstance(event, CallbackQuery) else event
        chat = getattr(message, "chat", None)
        return chat is not None and relay.chat_id is not None and chat.id == relay.chat_id


async def is_official(bot: Bot, relay: OfficialsRelay, settings: Settings, roles: Roles, user_id: int) -> bool:
    """Admins, granted officials, and members of the officials' chat (asked of Telegram each time, so
    leaving the chat revokes it)."""
    if user_id in settings.admin_ids or await roles.has(user_id, "admin") or await roles.has(user_id, "official"):
        return True
    if relay.chat_id is None:
        return False
    try:
        member = await bot.get_chat_member(relay.chat_id, user_id)
    except TelegramAPIError as exc:
        log.warning("membership of %s in the officials' chat unknown: %s", user_id, exc)
        return False
    return member.status in MEMBER_STATUSES


async def record_answer(message: Message, ticket: Ticket, text: str, tickets: TicketStore, sender: OutboxSender) -> None:
    """Store the answer (once per Telegram message, even when the update is handled again) and deliver it."""
    official = message.from_user
    answer, created = await tickets.add_answer(
        ticket.id, official.id, official.first_name or "", text, source=(message.chat.id, message.message_id)
    )
    if created:
        log.info("official %s answered ticket #%s (answer %s, %d characters)", official.id, ticket.id, answer.id, len(text))
        await tickets.remember_message(message.chat.id, message.message_id, ticket.id)
    await sender.drain_ticket(ticket.id)


async def answer_command(
    message: Message, command: CommandObject, tickets: TicketStore, relay: OfficialsRelay, sender: OutboxSender,
    bot: Bot, settings: Settings, roles: Roles,
) -> None:
    """/answer <ticket> <text>: in the officials' chat, or in private by an official."""
    if message.from_user is None:
        return
    if message.chat.id != relay.chat_id and not await is_official(bot, relay, settings, roles, message.from_user.id):
        log.warning("user %s tried /answer without being an official", message.from_user.id)
        await message.answer(_("Only officials can answer questions."))
        return
    match = ANSWER_ARGS.match((command.args or "").strip())
    number = row_id(match.group(1)) if match else None
    if match is None or number is None:
        await message.answer(_("Usage: /answer NUMBER TEXT (the question number, then the answer)."))
        return
    ticket = await tickets.get(number)
    if ticket is None:
        await message.answer(_("There is no question #{number}.").format(number=number))
        return
    await record_answer(message, ticket, match.group(2).strip(), tickets, sender)
    if message.chat.id != relay.chat_id:
        await message.answer(_("Your answer to question #{number} was recorded.").format(number=ticket.id))


async def ticket_of_post(post: Message, bot: Bot, tickets: TicketStore) -> Ticket | None:
    """The ticket of one of our posts whose message id was never stored: the bot was killed after Telegram
    took the post and before its id was written, and the post went out again after the restart. Its
    buttons still name the ticket, and only the bot can have put them there."""
    if post.from_user is None or post.from_user.id != bot.id or post.reply_markup is None:
        return None
    for row in post.reply_markup.inline_keyboard:
        for button in row:
            try:
                action = TicketAction.unpack(button.callback_data or "")
            except (TypeError, ValueError):
                continue
            ticket = await tickets.get(action.ticket_id)
            if ticket is not None:
                log.warning("reply to an unrecorded post of ticket #%s (message %s) recorded as its answer",
                            ticket.id, post.message_id)
                await tickets.remember_message(post.chat.id, post.message_id, ticket.id)
                return ticket
    return None


async def answer_in_chat(message: Message, tickets: TicketStore, relay: OfficialsRelay, sender: OutboxSender,
                         bot: Bot) -> None:
    """A message in a ticket's topic, or a reply to any message of a ticket, answers that ticket."""
    ticket = None
    if message.is_topic_message and message.message_thread_id:
        relay.forum_changed(message.chat.id, True)
        ticket = await tickets.by_topic(message.chat.id, message.message_thread_id)
    if ticket is None and message.reply_to_message is not None:
        ticket = await tickets.by_message(message.chat.id, message.reply_to_message.message_id)
        if ticket is None:
            ticket = await ticket_of_post(message.reply_to_message, bot, tickets)
    if ticket is None:
        return  # ordinary conversation among officials
    text = (message.text or message.caption or "").strip()
    if not text:
        await message.reply(_("Please write the answer as text: the asker receives text only."))
        return
    await record_answer(message, ticket, text, tickets, sender)
    moved = message.is_topic_message and ticket.topic_id and message.message_thread_id != ticket.topic_id
    if moved and ticket.officials_chat_id == message.chat.id:
        await message.reply(
            _("Recorded as an answer to question #{number}. The question now lives in another topic: {link}").format(
                number=ticket.id, link=topic_link(message.chat.id, ticket.topic_id)
            )
        )


async def chat_migrated(message: Message, relay: OfficialsRelay) -> None:
    await relay.migrate(message.migrate_to_chat_id)


async def chat_changed(event: ChatMemberUpdated, relay: OfficialsRelay) -> None:
    """The bot's membership or rights in the officials' chat changed (Topics need an admin bot): the next
    message asks Telegram afresh whether the chat is a forum."""
    log.warning("the bot's status in the officials' chat %s is now %s", event.chat.id, event.new_chat_member.status)
    relay.forum_changed(event.chat.id, bool(event.chat.is_forum) if event.chat.is_forum is not None else None)


async def ticket_action(
    query: CallbackQuery, callback_data: TicketAction, tickets: TicketStore, relay: OfficialsRelay,
    sender: OutboxSender, settings: Settings, roles: Roles,
) -> None:
    ticket = await tickets.get(callback_data.ticket_id)
    if ticket is None:
        await query.answer(_("There is no question #{number}.").format(number=callback_data.ticket_id), show_alert=True)
        return
    name = quote(query.from_user.first_name or "", limit=64)
    if callback_data.action == "close":
        await close_ticket(ticket, name, tickets, relay)
        await query.answer(_("Closed."))
        await sender.drain_ticket(ticket.id)
        return
    if query.from_user.id not in settings.admin_ids and not await roles.has(query.from_user.id, "admin"):
        log.warning("user %s (not an admin) pressed 'FAQ draft' on ticket #%s", query.from_user.id, ticket.id)
        await query.answer(_("Only admins can make FAQ drafts."), show_alert=True)
        return
    answers = await tickets.answers(ticket.id)
    if not answers:
        await query.answer(_("The question has no answer yet."), show_alert=True)
        return
    answer_text = "\n\n".join(a.text for a in answers)
    draft_id = await tickets.add_draft(ticket, answer_text, query.from_user.id)
    await query.answer(_("Draft saved."))
    other = "ru" if ticket.lang == "ky" else "ky"
    await tickets.add_note(ticket.id, relay.officials_text(lambda: _(
        "FAQ draft #{draft} made from question #{number} by {name}: question and answer in {lang}; the {other} "
        "text is still to be written before it can be published.").format(
            draft=draft_id, number=ticket.id, name=name, lang=ticket.lang, other=other
    )))
    await sender.drain_ticket(ticket.id)


async def close_ticket(ticket: Ticket, name: str, tickets: TicketStore, relay: OfficialsRelay) -> None:
    """Close a ticket; the officials get a note, and an asker who got no answer is told kindly."""
    note = relay.officials_text(lambda: _("Question #{number} was closed by {name}.").format(number=ticket.id, name=name))
    notes: list[dict[str, Any]] = [{"kind": OFFICIALS_NOTE, "payload": {"text": note}}]
    if not any(a.delivery == DELIVERED for a in await tickets.answers(ticket.id)):
        with relay.language(ticket.lang):
            notice = _(
                "Your question #{number} was closed by the officials without an answer. We are sorry. If it is "
                "still open for you, ask it again in other words, or send it to an official again with /ask "
                "and your question."
            ).format(number=ticket.id)
        notes.append({"kind": ASKER_NOTICE, "chat_id": ticket.chat_id, "payload": {"text": notice}})
    await tickets.set_status(ticket.id, CLOSED, notes=notes)


async def stranger_in_group(message: Message, **_: Any) -> None:
    """Messages in any other group are none of our business."""


def create_router() -> Router:
    router = Router(name="officials")
    in_chat = InOfficialsChat()
    router.message.register(chat_migrated, in_chat, OnLoop(F.migrate_to_chat_id))
    router.my_chat_member.register(chat_changed, in_chat)
    router.message.register(answer_command, Command("answer"))
    router.message.register(answer_in_chat, in_chat, NOT_A_COMMAND)
    router.callback_query.register(ticket_action, in_chat, TicketAction.filter(F.action.in_({"close", "draft"})))
    router.message.register(stranger_in_group, OnLoop(F.chat.type.in_({"group", "supergroup"})))
    return router
