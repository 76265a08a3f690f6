"""Any text in a private chat is a question: answer it, offer suggestions, or say kindly that we have none."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message, Update
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import LOCALES
from bot.services.answering import MAX_QUESTION_CHARS, AnsweringService, Reply
from bot.services.knowledge import KnowledgeBase
from bot.storage.questions import QuestionLog
from bot.storage.users import User
from bot.telegram.callbacks import OpenEntry
from bot.telegram.keyboards import answer_keyboard, escalate_keyboard, suggestions_keyboard
from bot.telegram.relay import OfficialsRelay
from bot.telegram.render import answer_text
from bot.telegram.sending import answer_long

log = logging.getLogger(__name__)


def reply_notes(message: Message, text: str, late: bool) -> str:
    """What the person should know about how their message was read, before the answer itself."""
    notes = []
    if late:
        notes.append(_("Sorry for the wait: the bot was restarting. Here is the answer to your question."))
    if message.text is None:
        notes.append(_("I read only the caption: I cannot open photos or files."))
    if len(text) > MAX_QUESTION_CHARS:
        notes.append(_("Your message is long: I read its first {limit} characters.").format(limit=MAX_QUESTION_CHARS))
    return "".join(note + "\n\n" for note in notes)


def reply_for(reply: Reply, escalatable: int | None) -> tuple[str, object]:
    """The text and keyboard answering a matched question (in the current locale)."""
    result = reply.result
    if result.small_talk == "greeting":
        return _("Hello! Ask me a question about the powers of akims and mayors."), None
    if result.small_talk == "thanks":
        return _("You are welcome! Ask if you have more questions."), None
    if result.small_talk == "junk":
        return _("Please write your question in words, for example: Who appoints the akim of a district?"), None
    if reply.entry is not None:
        text = answer_text(reply.entry, reply.lang)
        if reply.suggestions:
            text += "\n\n" + _("Other questions:")
        return text, answer_keyboard(reply.suggestions, reply.lang, escalatable)
    if reply.suggestions:
        return (_("I am not sure which question you mean. Choose one:"),
                suggestions_keyboard(reply.suggestions, reply.lang, escalatable))
    text = _(
        "I could not find this in the FAQ. Try asking in other words, with the key terms: "
        "akim, mayor, aiyl okmotu, collegium, personnel reserve. /help shows examples."
    )
    if escalatable is not None:
        text += "\n\n" + _("Or send the question to an official: the answer will come here.")
    return text, escalate_keyboard(escalatable)


async def question(
    message: Message, user: User, answering: AnsweringService, question_log: QuestionLog, relay: OfficialsRelay,
    i18n: I18n, event_update: Update, question_lang: str | None = None, late: bool = False, replayed: bool = False,
) -> None:
    if replayed:
        done = await question_log.by_update(event_update.update_id)
        if done is not None and done["replied_at"]:
            return  # answered before the restart; only the "done" mark was missing
    text = message.text or message.caption or ""  # a photo or file with a caption: the caption is the question
    reply = await answering.ask(user_id=user.id, chat_id=message.chat.id, text=text, lang=i18n.current_locale,
                                update_id=event_update.update_id, question_lang=question_lang)
    escalatable = reply.question_id if relay.chat_id is not None else None
    body, markup = reply_for(reply, escalatable)
    await answer_long(message, reply_notes(message, text, late) + body, markup)
    await question_log.mark_replied(reply.question_id)


async def open_entry(query: CallbackQuery, callback_data: OpenEntry, knowledge: KnowledgeBase, i18n: I18n) -> None:
    entry = knowledge.entry(callback_data.entry_id)
    with i18n.use_locale(callback_data.lang):
        if entry is None or query.message is None:
            log.info("suggestion for a missing entry %r from user %s", callback_data.entry_id, query.from_user.id)
            await query.answer(_("This answer is no longer available. Please ask again."), show_alert=True)
            return
        await query.answer()
        await answer_long(query.message, answer_text(entry, callback_data.lang))


def create_router() -> Router:
    router = Router(name="questions")
    router.message.filter(F.chat.type == "private")
    router.message.register(question, F.text & ~F.text.startswith("/"))
    router.message.register(question, F.caption & ~F.caption.startswith("/"))
    router.callback_query.register(open_entry, OpenEntry.filter(F.lang.in_(LOCALES)))
    return router
