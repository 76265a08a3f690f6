"""The relay between askers and the officials' chat.

Everything is written to the database first and sent second, so a failure (after the retry middleware
gave up) leaves work pending, never lost: ``resume()`` posts tickets that never reached the officials'
chat and delivers answers that never reached the asker, at start and then periodically.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
)
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.storage.database import Users
from bot.storage.tickets import BLOCKED, DELIVERED, Answer, RuntimeSettings, Ticket, TicketStore
from bot.telegram.callbacks import AskerFeedback, TicketAction
from bot.telegram.render import esc, quote

log = logging.getLogger(__name__)
OFFICIALS_CHAT_KEY = "officials_chat_migrated_from:{configured}"
TOPIC_NAME_LIMIT = 120
SEND_ERRORS = (TelegramAPIError, TelegramNetworkError)


class OfficialsRelay:
    def __init__(self, bot: Bot, tickets: TicketStore, runtime: RuntimeSettings, users: Users, i18n: I18n,
                 settings: Settings):
        self.bot = bot
        self.tickets = tickets
        self.runtime = runtime
        self.users = users
        self.i18n = i18n
        self.settings = settings
        self.chat_id: int | None = settings.officials_chat_id
        self.locale = settings.officials_locale or settings.default_locale
        self._forum: dict[int, bool] = {}

    def _migration_key(self) -> str:
        # Keyed by the configured id: pointing OFFICIALS_CHAT_ID at another group must not be overridden
        # by where the previous group migrated to.
        return OFFICIALS_CHAT_KEY.format(configured=self.settings.officials_chat_id)

    async def load(self) -> None:
        if self.settings.officials_chat_id is None:
            return
        stored = await self.runtime.get(self._migration_key())
        if stored:
            self.chat_id = int(stored)

    @contextlib.contextmanager
    def language(self, locale: str) -> Iterator[None]:
        """gettext outside a handler (background work has no i18n middleware around it)."""
        with self.i18n.context(), self.i18n.use_locale(locale):
            yield

    # -- the officials' chat ----------------------------------------------------------------------

    async def migrate(self, new_chat_id: int) -> None:
        """The officials' group became a supergroup: follow it, and remember across restarts."""
        old = self.chat_id
        log.warning("officials' chat %s migrated to %s", old, new_chat_id)
        self.chat_id = new_chat_id
        await self.runtime.set(self._migration_key(), str(new_chat_id))
        if old is not None:
            await self.tickets.move_chat(old, new_chat_id)

    async def is_forum(self) -> bool:
        if self.chat_id not in self._forum:
            chat = await self.bot.get_chat(self.chat_id)
            self._forum[self.chat_id] = bool(getattr(chat, "is_forum", False))
        return self._forum[self.chat_id]

    def ticket_keyboard(self, ticket: Ticket) -> InlineKeyboardMarkup:
        builder = InlineKeyboardBuilder()
        builder.button(text=_("Close"), callback_data=TicketAction(action="close", ticket_id=ticket.id))
        builder.button(text=_("Make an FAQ draft"), callback_data=TicketAction(action="draft", ticket_id=ticket.id))
        builder.adjust(2)
        return builder.as_markup()

    def ticket_text(self, ticket: Ticket, forum: bool) -> str:
        language = {"ky": _("Kyrgyz"), "ru": _("Russian")}.get(ticket.lang, ticket.lang)
        if ticket.candidates:
            considered = ", ".join(f"{esc(c['id'])} ({c['score']:.2f})" for c in ticket.candidates)
        else:
            considered = _("none")
        how = _("Write the answer in this topic.") if forum else _("Reply to this message to answer.")
        return (
            _("<b>Question #{number}</b> · {language}").format(number=ticket.id, language=language)
            + "\n"
            + _("From: {name}").format(name=quote(ticket.asker_name or "—", limit=64))
            + f"\n<blockquote>{quote(ticket.text, limit=3000)}</blockquote>\n"
            + _("FAQ entries the bot considered: {entries}").format(entries=considered)
            + "\n"
            + how
            + " "
            + _("Or: /answer {number} your text").format(number=ticket.id)
        )

    async def post(self, ticket: Ticket) -> bool:
        """Put a stored ticket into the officials' chat; False (ticket stays pending) if Telegram refused."""
        if self.chat_id is None:
            log.error("OFFICIALS_CHAT_ID is not set: ticket #%s waits unposted", ticket.id)
            return False
        for _attempt in range(2):  # a second go only after following a group→supergroup migration
            try:
                with self.language(self.locale):
                    forum = await self.is_forum()
                    topic_id = await self._ensure_topic(ticket) if forum else None
                    message = await self._send_to_ticket_place(
                        ticket, topic_id, self.ticket_text(ticket, forum), self.ticket_keyboard(ticket), reply=False
                    )
                await self.tickets.set_posted(ticket.id, self.chat_id, message.message_id, message.message_thread_id if forum else None)
                return True
            except TelegramMigrateToChat as exc:
                await self.migrate(exc.migrate_to_chat_id)
                ticket = await self.tickets.get(ticket.id)
            except SEND_ERRORS as exc:
                log.error("ticket #%s not posted to the officials' chat: %s", ticket.id, exc)
                return False
        return False

    async def _ensure_topic(self, ticket: Ticket) -> int:
        if ticket.topic_id is not None and ticket.officials_chat_id == self.chat_id:
            return ticket.topic_id
        name = f"#{ticket.id} · {' '.join(ticket.text.split())}"
        topic = await self.bot.create_forum_topic(self.chat_id, name[:TOPIC_NAME_LIMIT])
        await self.tickets.set_topic(ticket.id, self.chat_id, topic.message_thread_id)
        return topic.message_thread_id

    async def _send_to_ticket_place(
        self, ticket: Ticket, topic_id: int | None, text: str, markup: InlineKeyboardMarkup | None = None,
        reply: bool = True,
    ) -> Message:
        """Send into the ticket's topic (re-creating a deleted one), else as a reply to the ticket message."""
        if topic_id is not None:
            try:
                return await self.bot.send_message(self.chat_id, text, message_thread_id=topic_id, reply_markup=markup)
            except TelegramBadRequest as exc:
                if "thread" not in exc.message.lower() and "topic" not in exc.message.lower():
                    raise
                log.warning("topic %s of ticket #%s is gone (%s): creating a new one", topic_id, ticket.id, exc.message)
                await self.tickets.set_topic(ticket.id, self.chat_id, None)
                fresh = await self.tickets.get(ticket.id)
                new_topic = await self._ensure_topic(fresh)
                message = await self.bot.send_message(self.chat_id, text, message_thread_id=new_topic, reply_markup=markup)
                if reply:  # the ticket itself must be in the new topic too, or officials lose the question
                    with self.language(self.locale):
                        repost = await self.bot.send_message(
                            self.chat_id, self.ticket_text(fresh, True), message_thread_id=new_topic,
                            reply_markup=self.ticket_keyboard(fresh),
                        )
                    await self.tickets.link_message(self.chat_id, repost.message_id, ticket.id)
                return message
        reply_to = ticket.officials_message_id if reply and ticket.officials_chat_id == self.chat_id else None
        return await self.bot.send_message(
            self.chat_id, text, reply_markup=markup, reply_to_message_id=reply_to,
            allow_sending_without_reply=True,
        )

    async def notify(self, ticket: Ticket, text: str) -> None:
        """A note about a ticket for the officials, where the ticket lives. Failures are logged only."""
        if self.chat_id is None:
            return
        try:
            topic_id = ticket.topic_id if ticket.officials_chat_id == self.chat_id else None
            message = await self._send_to_ticket_place(ticket, topic_id, text)
            await self.tickets.link_message(self.chat_id, message.message_id, ticket.id)
        except SEND_ERRORS as exc:
            log.error("note about ticket #%s not posted: %s", ticket.id, exc)

    # -- answers to askers ---------------------------------------------------------------------------

    def feedback_keyboard(self, ticket: Ticket) -> InlineKeyboardMarkup:
        builder = InlineKeyboardBuilder()
        builder.button(text=_("It helped"), callback_data=AskerFeedback(action="helped", ticket_id=ticket.id))
        builder.button(text=_("Ask again"), callback_data=AskerFeedback(action="reopen", ticket_id=ticket.id))
        builder.adjust(2)
        return builder.as_markup()

    async def deliver(self, answer: Answer) -> str:
        """Send an official's answer to the asker; returns "delivered", "blocked" or "pending"."""
        ticket = await self.tickets.get(answer.ticket_id)
        earlier = [a for a in await self.tickets.answers(ticket.id) if a.id < answer.id]
        with self.language(ticket.lang):
            title = (
                _("Addition from an official to your question #{number}")
                if earlier
                else _("Answer from an official to your question #{number}")
            ).format(number=ticket.id)
            text = (
                f"<b>{esc(title)}</b>\n<blockquote>{quote(ticket.text, limit=500)}</blockquote>\n\n"
                f"{esc(answer.text)}"
            )
            try:
                await self.bot.send_message(ticket.chat_id, text, reply_markup=self.feedback_keyboard(ticket))
                outcome = DELIVERED
            except TelegramForbiddenError as exc:
                log.warning("answer %s to ticket #%s not delivered: %s", answer.id, ticket.id, exc.message)
                await self.users.mark_blocked(ticket.user_id)
                outcome = BLOCKED
            except SEND_ERRORS as exc:
                log.error("answer %s to ticket #%s not delivered yet: %s", answer.id, ticket.id, exc)
                outcome = "pending"
        if outcome != "pending":
            await self.tickets.set_delivery(answer.id, outcome)
        with self.language(self.locale):
            note = {
                DELIVERED: _("Delivered to the asker."),
                BLOCKED: _("Not delivered: the asker has blocked the bot."),
                "pending": _("Not delivered yet: Telegram did not accept it. I will keep trying."),
            }[outcome]
            if outcome != "pending" or answer.attempts == 0:
                await self.notify(ticket, note)
        if outcome == "pending":
            await self.tickets.count_attempt(answer.id)
        return outcome

    # -- background work -----------------------------------------------------------------------------

    async def resume(self) -> dict[str, int]:
        """Post every unposted ticket and deliver every pending answer (at start, then periodically)."""
        posted = delivered = 0
        for ticket in await self.tickets.unposted():
            posted += await self.post(ticket)
        for answer in await self.tickets.pending_answers():
            delivered += (await self.deliver(answer)) == DELIVERED
        if posted or delivered:
            log.info("resumed: %d tickets posted, %d answers delivered", posted, delivered)
        return {"posted": posted, "delivered": delivered}

    async def remind(self) -> list[int]:
        """Once a day: list the open tickets older than the configured age in the officials' chat."""
        hours = self.settings.ticket_remind_after_hours
        waiting = await self.tickets.waiting_for_reminder(timedelta(hours=hours))
        if not waiting or self.chat_id is None:
            return []
        with self.language(self.locale):
            text = _("Questions waiting for an answer for more than {hours} hours: {numbers}").format(
                hours=f"{hours:g}", numbers=", ".join(f"#{t.id}" for t in waiting)
            )
        try:
            await self.bot.send_message(self.chat_id, text)
        except SEND_ERRORS as exc:
            log.error("reminder not posted: %s", exc)
            return []
        await self.tickets.mark_reminded([t.id for t in waiting])
        return [t.id for t in waiting]
