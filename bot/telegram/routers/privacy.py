"""/forget_me: a person deletes what the bot stores about them, after a confirmation."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.services.privacy import PrivacyService
from bot.storage.users import User
from bot.telegram.callbacks import ForgetMe
from bot.telegram.filters import PRIVATE_CHAT
from bot.telegram.outbox_sender import OutboxSender
from bot.telegram.relay import OfficialsRelay


async def forget_me(message: Message) -> None:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Delete my data"), callback_data=ForgetMe(confirm=True))
    builder.button(text=_("Cancel"), callback_data=ForgetMe(confirm=False))
    builder.adjust(2)
    await message.answer(
        _(
            "This deletes what the bot stores about you: your questions, the answers you were shown and your "
            "👍/👎, your language choice, and your name in the questions you sent to officials (the officials "
            "keep the question text, without names and phone numbers; open questions are closed, and answers "
            "still on their way are not delivered). This cannot be undone. Delete?"
        ),
        reply_markup=builder.as_markup(),
    )


async def forget_confirmed(query: CallbackQuery, callback_data: ForgetMe, privacy: PrivacyService,
                           relay: OfficialsRelay, sender: OutboxSender, user: User) -> None:
    await query.answer()
    if query.message is None:
        return
    if not callback_data.confirm:
        await query.message.answer(_("Cancelled. Nothing was changed."))
        return

    def closing_note(ticket_id: int) -> str:
        return relay.officials_text(lambda: _(
            "The asker of question #{number} deleted their data: the question is closed, and its text is kept "
            "without names and phone numbers."
        ).format(number=ticket_id))

    await privacy.forget(user.id, closing_note)
    await query.message.answer(_(
        "Done: your questions, your settings and your name in the questions you sent to officials are deleted. "
        "If you write again, I start afresh."
    ))
    await sender.drain()  # the officials hear about the closed questions now


def create_router() -> Router:
    router = Router(name="privacy")
    router.message.filter(PRIVATE_CHAT)
    router.message.register(forget_me, Command("forget_me"))
    router.callback_query.register(forget_confirmed, ForgetMe.filter())
    return router
