"""Any text in a private chat is a question: answer it, offer suggestions, or say kindly that we have none."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import LOCALES
from bot.services.answering import MAX_QUESTION_CHARS, AnsweringService
from bot.services.knowledge import KnowledgeBase
from bot.storage.database import User
from bot.telegram.callbacks import OpenEntry
from bot.telegram.keyboards import escalate_keyboard, suggestions_keyboard
from bot.telegram.relay import OfficialsRelay
from bot.telegram.render import answer_text

log = logging.getLogger(__name__)


async def question(
    message: Message, user: User, answering: AnsweringService, relay: OfficialsRelay, i18n: I18n
) -> None:
    chosen = user.lang or i18n.current_locale
    text = message.text or message.caption or ""  # a photo or file with a caption: the caption is the question
    reply = await answering.ask(user_id=user.id, chat_id=message.chat.id, text=text, chosen_lang=chosen)
    result = reply.result
    escalatable = reply.question_id if relay.chat_id is not None else None
    with i18n.use_locale(reply.lang):
        prefix = ""
        if message.text is None:
            prefix = _("I read only the caption: I cannot open photos or files.") + "\n\n"
        if len(text) > MAX_QUESTION_CHARS:
            prefix += _("Your message is long: I read its first {limit} characters.").format(limit=MAX_QUESTION_CHARS) + "\n\n"
        if result.small_talk == "greeting":
            await message.answer(_("Hello! Ask me a question about the powers of akims and mayors."))
        elif result.small_talk == "thanks":
            await message.answer(_("You are welcome! Ask if you have more questions."))
        elif reply.entry is not None:
            await message.answer(
                prefix + answer_text(reply.entry, reply.lang), reply_markup=escalate_keyboard(escalatable, True)
            )
        elif reply.suggestions:
            await message.answer(
                prefix + _("I am not sure which question you mean. Choose one:"),
                reply_markup=suggestions_keyboard(reply.suggestions, reply.lang, escalatable),
            )
        else:
            text = _(
                "I could not find this in the FAQ. Try asking in other words, with the key terms: "
                "akim, mayor, aiyl okmotu, collegium, personnel reserve. /help shows examples."
            )
            if escalatable is not None:
                text += "\n\n" + _("Or send the question to an official: the answer will come here.")
            await message.answer(prefix + text, reply_markup=escalate_keyboard(escalatable, False))


async def open_entry(query: CallbackQuery, callback_data: OpenEntry, knowledge: KnowledgeBase, i18n: I18n) -> None:
    entry = knowledge.entry(callback_data.entry_id)
    with i18n.use_locale(callback_data.lang):
        if entry is None or query.message is None:
            log.info("suggestion for a missing entry %r from user %s", callback_data.entry_id, query.from_user.id)
            await query.answer(_("This answer is no longer available. Please ask again."), show_alert=True)
            return
        await query.answer()
        await query.message.answer(answer_text(entry, callback_data.lang))


def create_router() -> Router:
    router = Router(name="questions")
    router.message.filter(F.chat.type == "private")
    router.message.register(question, F.text & ~F.text.startswith("/"))
    router.message.register(question, F.caption & ~F.caption.startswith("/"))
    router.callback_query.register(open_entry, OpenEntry.filter(F.lang.in_(LOCALES)))
    return router
