"""The asker's side of escalation: offer, confirm, ticket number, /ask, /my, and feedback on answers."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, Update
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.services.escalation import EscalationService, LimitReached
from bot.storage.outbox import OFFICIALS_NOTE
from bot.storage.questions import QuestionLog
from bot.storage.tickets import ANSWERED, CLOSED, OPEN, TicketStore
from bot.storage.users import User
from bot.telegram.callbacks import AskerFeedback, AskHint, ConfirmEscalation, Escalate
from bot.telegram.filters import PRIVATE_CHAT
from bot.telegram.outbox_sender import OutboxSender
from bot.telegram.relay import OfficialsRelay
from bot.telegram.render import quote

log = logging.getLogger(__name__)


def confirm_keyboard(question_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Send"), callback_data=ConfirmEscalation(question_id=question_id, send=True))
    builder.button(text=_("Cancel"), callback_data=ConfirmEscalation(question_id=question_id, send=False))
    builder.adjust(2)
    return builder.as_markup()


def status_name(status: str) -> str:
    return {OPEN: _("waiting"), ANSWERED: _("answered"), CLOSED: _("closed")}.get(status, status)


async def offer(query: CallbackQuery, callback_data: Escalate, escalation: EscalationService, user: User) -> None:
    row = await escalation.question_of(callback_data.question_id, user.id)
    if row is None or query.message is None:
        log.warning("escalation of question %s refused for user %s", callback_data.question_id, user.id)
        await query.answer(_("This button is out of date. Please ask again."), show_alert=True)
        return
    await query.answer()
    await query.message.answer(
        _("Send this question to the officials?") + f"\n<blockquote>{quote(row['text'], limit=1000)}</blockquote>",
        reply_markup=confirm_keyboard(callback_data.question_id),
    )


async def confirm(
    query: CallbackQuery, callback_data: ConfirmEscalation, escalation: EscalationService, relay: OfficialsRelay,
    sender: OutboxSender, user: User, settings: Settings, i18n: I18n, already_replied: bool = False,
    mark_replied=None,
) -> None:
    if query.message is None:
        await query.answer()
        return
    if not callback_data.send:
        await query.answer()
        await query.message.answer(_("Cancelled. You can ask again at any time."))
        return
    if relay.chat_id is None:
        await query.answer()
        await query.message.answer(not_configured_text())
        return
    try:
        ticket, created = await escalation.open_ticket(
            callback_data.question_id, user.id, user.first_name, i18n.current_locale
        )
    except LookupError:
        log.warning("confirmation for a foreign or unknown question %s by user %s", callback_data.question_id, user.id)
        await query.answer(_("This button is out of date. Please ask again."), show_alert=True)
        return
    except LimitReached as exc:
        await query.answer()
        if exc.kind == "open":
            text = _("You already have {count} open questions. Please wait for their answers before sending a new one.")
        else:
            text = _("You have sent {count} questions in the last 24 hours. Please try again tomorrow.")
        await query.message.answer(text.format(count=exc.limit))
        return
    await query.answer()
    if already_replied:  # told before a crash; only the posting may be left to do
        await sender.drain_ticket(ticket.id)
        return
    if not created:
        await query.message.answer(_("This question was already sent: its number is #{number}.").format(number=ticket.id))
        return
    # The ticket and its post are stored; tell the asker, then post it (what fails now is retried).
    await query.message.answer(
        _(
            "Your question has been sent to the officials. Its number is #{number}. Officials usually answer "
            "within {hours} hours; the answer will come here, in this chat. /my lists your open questions."
        ).format(number=ticket.id, hours=settings.officials_answer_hours)
    )
    if mark_replied is not None:
        await mark_replied()
    await sender.drain_ticket(ticket.id)


def ask_usage() -> str:
    return _("Write your question after the command, for example: /ask {example}").format(
        example=_("Who approves the structure of the district administration?")
    )


async def ask_hint(query: CallbackQuery, relay: OfficialsRelay) -> None:
    """"Ask an official" under an answer opened from /topics or a link: how to send one's own question."""
    await query.answer()
    if query.message is not None:
        await query.message.answer(ask_usage() if relay.chat_id is not None else not_configured_text())


def not_configured_text() -> str:
    return _("Sending questions to officials is not set up in this bot yet. Please try rephrasing the question.")


async def ask_command(
    message: Message, command: CommandObject, user: User, question_log: QuestionLog, relay: OfficialsRelay,
    i18n: I18n, event_update: Update, question_lang: str | None = None,
) -> None:
    if relay.chat_id is None:
        await message.answer(not_configured_text())
        return
    text = (command.args or "").strip()
    if not text:
        await message.answer(ask_usage())
        return
    question_id = await question_log.record(
        user_id=user.id, chat_id=message.chat.id, text=text, lang=i18n.current_locale, status="ask",
        update_id=event_update.update_id, question_lang=question_lang,
    )
    await message.answer(
        _("Send this question to the officials?") + f"\n<blockquote>{quote(text, limit=1000)}</blockquote>",
        reply_markup=confirm_keyboard(question_id),
    )


async def my_tickets(message: Message, user: User, tickets: TicketStore) -> None:
    mine = await tickets.open_of_user(user.id)
    if not mine:
        await message.answer(_("You have no open questions."))
        return
    lines = [_("Your open questions:")]
    lines += [f"#{t.id} · {status_name(t.status)} · {quote(t.text, limit=80)}" for t in mine]
    await message.answer("\n".join(lines))


async def feedback(
    query: CallbackQuery, callback_data: AskerFeedback, tickets: TicketStore, relay: OfficialsRelay,
    sender: OutboxSender, user: User, already_replied: bool = False, mark_replied=None,
) -> None:
    ticket = await tickets.get(callback_data.ticket_id)
    if ticket is None or ticket.user_id != user.id or query.message is None:
        log.warning("feedback on ticket %s refused for user %s", callback_data.ticket_id, user.id)
        await query.answer(_("This button is out of date. Please ask again."), show_alert=True)
        return
    await query.answer()
    if callback_data.action == "helped":
        note = relay.officials_text(
            lambda: _("The asker says the answer helped. Question #{number} is closed.").format(number=ticket.id)
        )
        await tickets.set_status(ticket.id, CLOSED, notes=[{"kind": OFFICIALS_NOTE, "payload": {"text": note}}])
        reply = _("Thank you! Glad it helped.")
    else:
        note = relay.officials_text(
            lambda: _("The asker re-opened question #{number}: the answer did not help.").format(number=ticket.id)
        )
        await tickets.set_status(ticket.id, OPEN, notes=[{"kind": OFFICIALS_NOTE, "payload": {"text": note}}])
        reply = _("Your question #{number} is open again; the officials have been told.").format(number=ticket.id)
    if not already_replied:  # not told before a crash
        await query.message.answer(reply)
        if mark_replied is not None:
            await mark_replied()
    await sender.drain_ticket(ticket.id)


def create_router() -> Router:
    router = Router(name="escalation")
    router.message.filter(PRIVATE_CHAT)
    router.message.register(ask_command, Command("ask"))
    router.message.register(my_tickets, Command("my"))
    router.callback_query.register(offer, Escalate.filter())
    router.callback_query.register(ask_hint, AskHint.filter())
    router.callback_query.register(confirm, ConfirmEscalation.filter())
    router.callback_query.register(feedback, AskerFeedback.filter(F.action.in_({"helped", "reopen"})))
    return router
