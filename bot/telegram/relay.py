"""The relay between askers and the officials' chat: where a ticket lives there, and how each message the
relay owes (an outbox item, bot/storage/outbox.py) is sent.

The relay never decides *whether* to send: every message is first written to the outbox in the same
transaction as the change that makes it due, and :class:`bot.telegram.outbox_sender.OutboxSender`
claims it and calls :meth:`OfficialsRelay.send` here. ``send`` returns what the sending changed, to be
written in the transaction that marks the item done.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramMigrateToChat
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import LOCALES, Settings
from bot.storage.database import Tx
from bot.storage.outbox import ASKER_NOTICE, DELIVER_ANSWER, OFFICIALS_NOTE, POST_TICKET, Outbox, OutboxItem
from bot.storage.tickets import BLOCKED, CLOSED, DELIVERED, FAILED, RuntimeSettings, Ticket, TicketStore
from bot.storage.users import Users
from bot.telegram.callbacks import AskerFeedback, TicketAction
from bot.telegram.render import esc, quote, split_message

log = logging.getLogger(__name__)
OFFICIALS_CHAT_KEY = "officials_chat_migrated_from:{configured}"
TOPIC_NAME_LIMIT = 120
FORUM_CHECK_SECONDS = 600  # how long a getChat answer about Topics is trusted (changes are also followed live)

Effect = Callable[[Tx], Awaitable[None]]


class TopicGone(Exception):
    """The ticket's forum topic was deleted (or Topics were turned off): it must be re-created."""


@dataclass
class Sent:
    """What sending an item changed, written with the item's completion; ``state`` of the item."""

    state: str = "done"
    effects: list[Effect] = field(default_factory=list)
    error: str | None = None


def topic_link(chat_id: int, topic_id: int) -> str:
    internal = str(chat_id).removeprefix("-100")
    return f"https://t.me/c/{internal}/{topic_id}"


def is_topic_error(exc: TelegramBadRequest) -> bool:
    text = exc.message.lower()
    return "thread" in text or "topic" in text or "forum" in text


class OfficialsRelay:
    def __init__(self, bot: Bot, tickets: TicketStore, runtime: RuntimeSettings, users: Users, outbox: Outbox,
                 i18n: I18n, settings: Settings, clock: Callable[[], float] = time.monotonic):
        self.bot = bot
        self.tickets = tickets
        self.runtime = runtime
        self.users = users
        self.outbox = outbox
        self.i18n = i18n
        self.settings = settings
        self.clock = clock
        self.chat_id: int | None = settings.officials_chat_id
        self.locale = settings.officials_locale or settings.default_locale
        self._forum: dict[int, tuple[bool, float]] = {}

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
        with self.i18n.context(), self.i18n.use_locale(locale if locale in LOCALES else self.settings.default_locale):
            yield

    def officials_text(self, build: Callable[[], str]) -> str:
        """A text for the officials' chat, in its language."""
        with self.language(self.locale):
            return build()

    # -- the officials' chat ----------------------------------------------------------------------------

    async def migrate(self, new_chat_id: int) -> None:
        """The officials' group became a supergroup: follow it, and remember across restarts."""
        old = self.chat_id
        if old == new_chat_id:
            return
        log.warning("officials' chat %s migrated to %s", old, new_chat_id)
        self.chat_id = new_chat_id
        await self.runtime.set(self._migration_key(), str(new_chat_id))
        if old is not None:
            await self.tickets.move_chat(old, new_chat_id)

    def forum_changed(self, chat_id: int, is_forum: bool | None = None) -> None:
        """Something about the chat changed (Topics on or off, the bot's rights): learn it, or ask again."""
        if is_forum is None:
            self._forum.pop(chat_id, None)
        else:
            self._forum[chat_id] = (is_forum, self.clock())

    async def is_forum(self) -> bool:
        known = self._forum.get(self.chat_id)
        if known is None or self.clock() - known[1] > FORUM_CHECK_SECONDS:
            chat = await self.bot.get_chat(self.chat_id)
            known = (bool(getattr(chat, "is_forum", False)), self.clock())
            self._forum[self.chat_id] = known
        return known[0]

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

    async def _send_parts(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None,
                          skip: int = 0, on_part: Callable[[int, Message], Awaitable[None]] | None = None,
                          **kwargs) -> list[Message]:
        """Send ``text`` cut into parts Telegram accepts (keyboard on the last); ``skip`` parts already went
        out before a crash. ``on_part`` is awaited after each part, so progress is remembered."""
        parts = split_message(text)
        sent = []
        for number, part in enumerate(parts):
            if number < skip:
                continue
            message = await self.bot.send_message(
                chat_id, part, reply_markup=markup if number == len(parts) - 1 else None, **kwargs
            )
            sent.append(message)
            if on_part is not None:
                await on_part(number + 1, message)
        return sent

    async def _ensure_topic(self, ticket: Ticket) -> int:
        if ticket.topic_id is not None and ticket.officials_chat_id == self.chat_id:
            return ticket.topic_id
        name = f"#{ticket.id} · {' '.join(ticket.text.split())}"
        topic = await self.bot.create_forum_topic(self.chat_id, name[:TOPIC_NAME_LIMIT])
        await self.tickets.set_topic(ticket.id, self.chat_id, topic.message_thread_id)  # at once: no topic twice
        return topic.message_thread_id

    async def _place(self, ticket: Ticket) -> dict:
        """Where a message about the ticket goes: its topic (created if needed) or a reply to the ticket."""
        if await self.is_forum():
            return {"message_thread_id": await self._ensure_topic(ticket)}
        if ticket.officials_chat_id == self.chat_id and ticket.officials_message_id:
            return {"reply_to_message_id": ticket.officials_message_id, "allow_sending_without_reply": True}
        return {}

    # -- sending one outbox item -------------------------------------------------------------------------

    async def send(self, item: OutboxItem, progress: Callable[[int], Awaitable[None]]) -> Sent:
        """Send one claimed item; Telegram's errors propagate to the sender, which decides what they mean."""
        for _attempt in range(3):  # again after following a migration or re-creating a deleted topic
            try:
                if item.kind == POST_TICKET:
                    return await self._post_ticket(item)
                if item.kind == DELIVER_ANSWER:
                    return await self._deliver(item, progress)
                if item.kind == OFFICIALS_NOTE:
                    return await self._note(item)
                if item.kind == ASKER_NOTICE:
                    return await self._asker_notice(item, progress)
                return Sent("failed", error=f"unknown outbox kind {item.kind!r}")
            except TelegramMigrateToChat as exc:
                await self.migrate(exc.migrate_to_chat_id)
            except TelegramBadRequest as exc:
                if not (is_topic_error(exc) and item.kind in (POST_TICKET, OFFICIALS_NOTE) and self.chat_id):
                    raise
                await self._topic_gone(item.ticket_id, exc)
        raise RuntimeError(f"outbox item {item.id}: the officials' chat keeps moving")

    async def _topic_gone(self, ticket_id: int, exc: TelegramBadRequest) -> None:
        ticket = await self.tickets.get(ticket_id)
        log.warning("forum topic of ticket #%s is unusable (%s): re-checking the chat", ticket_id, exc.message)
        self.forum_changed(self.chat_id)  # Topics may have been turned off: ask getChat again
        if ticket is not None and ticket.topic_id is not None:
            await self.tickets.set_topic(ticket.id, self.chat_id, None)

    async def _post_ticket(self, item: OutboxItem) -> Sent:
        ticket = await self.tickets.get(item.ticket_id)
        if ticket is None or ticket.status == CLOSED:
            return Sent("done")
        if self.chat_id is None:
            raise NotConfigured("OFFICIALS_CHAT_ID is not set")
        with self.language(self.locale):
            forum = await self.is_forum()
            place = {"message_thread_id": await self._ensure_topic(ticket)} if forum else {}
            messages = await self._send_parts(self.chat_id, self.ticket_text(ticket, forum),
                                              self.ticket_keyboard(ticket), **place)
        chat_id, topic = self.chat_id, place.get("message_thread_id")

        async def posted(tx: Tx) -> None:
            await TicketStore.set_posted(tx, ticket.id, chat_id, messages[-1].message_id, topic)
            for message in messages[:-1]:
                await TicketStore.link_message(tx, chat_id, message.message_id, ticket.id)

        return Sent("done", [posted])

    async def _note(self, item: OutboxItem) -> Sent:
        ticket = await self.tickets.get(item.ticket_id)
        if ticket is None or self.chat_id is None:
            log.warning("note about ticket #%s dropped: no ticket or no officials' chat", item.ticket_id)
            return Sent("done")
        if not ticket.posted or ticket.officials_chat_id != self.chat_id or (
            await self.is_forum() and ticket.topic_id is None
        ):
            # The ticket is not (or no longer) visible there: (re)post it first, so the note follows it.
            await self._repost(ticket)
            ticket = await self.tickets.get(ticket.id)
        place = await self._place(ticket)
        messages = await self._send_parts(self.chat_id, item.payload["text"], **place)
        chat_id = self.chat_id

        async def linked(tx: Tx) -> None:
            for message in messages:
                await TicketStore.link_message(tx, chat_id, message.message_id, ticket.id)

        return Sent("done", [linked])

    async def _repost(self, ticket: Ticket) -> None:
        """Put the ticket (back) into the officials' chat before a note about it, and record where."""
        with self.language(self.locale):
            forum = await self.is_forum()
            place = {"message_thread_id": await self._ensure_topic(ticket)} if forum else {}
            messages = await self._send_parts(self.chat_id, self.ticket_text(ticket, forum),
                                              self.ticket_keyboard(ticket), **place)
        async with self.tickets.db.transaction() as tx:
            await TicketStore.set_posted(tx, ticket.id, self.chat_id, messages[-1].message_id,
                                         place.get("message_thread_id"))

    def feedback_keyboard(self, ticket: Ticket) -> InlineKeyboardMarkup:
        builder = InlineKeyboardBuilder()
        builder.button(text=_("It helped"), callback_data=AskerFeedback(action="helped", ticket_id=ticket.id))
        builder.button(text=_("Ask again"), callback_data=AskerFeedback(action="reopen", ticket_id=ticket.id))
        builder.adjust(2)
        return builder.as_markup()

    async def _deliver(self, item: OutboxItem, progress: Callable[[int], Awaitable[None]]) -> Sent:
        ticket = await self.tickets.get(item.ticket_id)
        answer = await self.tickets.answer(item.answer_id)
        if ticket is None or answer is None:
            return Sent("failed", error="ticket or answer missing")
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
            markup = self.feedback_keyboard(ticket)
        await self._send_parts(ticket.chat_id, text, markup, skip=item.payload.get("parts_sent", 0),
                               on_part=lambda n, _m: progress(n))
        note = self.officials_text(lambda: _("Delivered to the asker."))

        async def delivered(tx: Tx) -> None:
            await TicketStore.set_delivery(tx, answer.id, DELIVERED)
            await Outbox.add(tx, OFFICIALS_NOTE, ticket_id=ticket.id, payload={"text": note})

        return Sent("done", [delivered])

    async def _asker_notice(self, item: OutboxItem, progress: Callable[[int], Awaitable[None]]) -> Sent:
        await self._send_parts(item.chat_id, item.payload["text"], skip=item.payload.get("parts_sent", 0),
                               on_part=lambda n, _m: progress(n))
        return Sent("done")

    # -- what a failure means for the people waiting ---------------------------------------------------

    def undeliverable(self, item: OutboxItem, state: str, reason: str) -> list[Effect]:
        """What to record when an item cannot be sent for good (``state`` blocked or failed)."""
        if item.kind != DELIVER_ANSWER:
            return []
        if state == BLOCKED:
            note = self.officials_text(lambda: _("Not delivered: the asker has blocked the bot. It will be "
                                                 "delivered if they start the bot again."))
        else:
            note = self.officials_text(lambda: _("Not delivered: Telegram refused the message ({reason}).")
                                       .format(reason=esc(reason[:200])))

        async def record(tx: Tx) -> None:
            await TicketStore.set_delivery(tx, item.answer_id, BLOCKED if state == BLOCKED else FAILED)
            await Outbox.add(tx, OFFICIALS_NOTE, ticket_id=item.ticket_id, payload={"text": note})

        return [record]

    def delayed(self, item: OutboxItem) -> list[Effect]:
        """An answer that did not go out at the first try: the officials hear it once."""
        if item.kind != DELIVER_ANSWER or item.attempts != 1:
            return []
        note = self.officials_text(lambda: _("Not delivered yet: Telegram did not accept it. I will keep trying."))

        async def record(tx: Tx) -> None:
            await Outbox.add(tx, OFFICIALS_NOTE, ticket_id=item.ticket_id, payload={"text": note})

        return [record]

    # -- reminders ----------------------------------------------------------------------------------------

    async def remind(self) -> list[int]:
        """Once a day: list the open tickets older than the configured age in the officials' chat."""
        hours = self.settings.ticket_remind_after_hours
        waiting = await self.tickets.waiting_for_reminder(timedelta(hours=hours))
        if not waiting or self.chat_id is None:
            return []
        text = self.officials_text(
            lambda: _("Questions waiting for an answer for more than {hours} hours: {numbers}").format(
                hours=f"{hours:g}", numbers=", ".join(f"#{t.id}" for t in waiting)
            )
        )
        await self._send_parts(self.chat_id, text)
        await self.tickets.mark_reminded([t.id for t in waiting])
        return [t.id for t in waiting]


class NotConfigured(Exception):
    """No officials' chat: a ticket post waits until one is configured."""
